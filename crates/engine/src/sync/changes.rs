//! Change detection: one GraphQL request (1 point) tells, for up to 100 repositories,
//! what moved since the last sync — the newest pull request and issue updates, the default
//! branch head and its CI, stars, forks, releases, deployments — so that an incremental
//! sync of unchanged repositories spends nothing more.

use std::collections::BTreeSet;

use serde_json::json;
use sqlx::PgPool;

use super::{RepoRef, Resource};
use crate::db;
use crate::github::models::gql::{ChangeSignal, ChangesData};
use crate::github::GitHubClient;

pub const QUERY: &str = include_str!("../github/queries/repositories_changed.graphql");

/// What GitHub says a repository holds, for a sync to check itself against (a listing
/// that cannot see deletions reconciles when its count disagrees).
#[derive(Debug, Clone, Default)]
pub struct Expected {
    pub issues: Option<i64>,
    pub stargazers: Option<i64>,
    pub forks: Option<i64>,
    pub releases: Option<i64>,
}

impl Expected {
    pub fn from_signal(s: &ChangeSignal) -> Expected {
        Expected {
            issues: s.issues.as_ref().and_then(|v| v["totalCount"].as_i64()),
            stargazers: Some(s.stargazer_count),
            forks: Some(s.fork_count),
            releases: s.releases.as_ref().and_then(|v| v["totalCount"].as_i64()),
        }
    }
}

/// A repository to sync and what to read of it.
#[derive(Debug, Clone)]
pub struct Plan {
    pub repository_id: i64,
    pub full_name: String,
    pub resources: Vec<Resource>,
    pub expected: Expected,
    pub signal: Option<ChangeSignal>,
    /// GitHub refused to say anything of this repository (its reason): nothing is read.
    pub refused: Option<String>,
}

/// The resources whose old items can change without moving any signal of
/// `repositories_changed.graphql`: a re-run of an old workflow run (its commit's check
/// suites do not move), a new status of an old deployment (only the newest deployment's
/// status is a signal), an edited release (the count does not move), a workflow disabled
/// or enabled (no push). The scheduler reads them whatever the signals say once their last
/// read is a day old (`scheduler::Intervals::reconcile`).
pub const UNSIGNALLED: [Resource; 4] = [
    Resource::Workflows,
    Resource::WorkflowRuns,
    Resource::Deployments,
    Resource::Releases,
];

/// The resources whose signals moved from `old` to `new` (all of them without `old`).
pub fn resources_to_sync(old: Option<&ChangeSignal>, new: &ChangeSignal) -> Vec<Resource> {
    use Resource as R;
    let Some(old) = old else {
        return R::ALL.to_vec();
    };
    let mut set = BTreeSet::new();
    let head = |s: &ChangeSignal| {
        s.default_branch_ref
            .as_ref()
            .map(|v| v["target"]["oid"].clone())
    };
    let ci = |s: &ChangeSignal| {
        s.default_branch_ref
            .as_ref()
            .map(|v| v["target"]["checkSuites"]["totalCount"].clone())
    };
    if old.name_with_owner != new.name_with_owner || old.updated_at != new.updated_at {
        set.insert(R::Repository);
    }
    if head(old) != head(new) || old.pushed_at != new.pushed_at {
        set.extend([
            R::Repository,
            R::Commits,
            R::Contributors,
            R::Tags,
            R::WorkflowRuns,
            R::Workflows,
        ]);
    }
    if ci(old) != ci(new) {
        set.insert(R::WorkflowRuns);
    }
    if old.pull_requests != new.pull_requests {
        set.extend([R::PullRequests, R::WorkflowRuns]);
    }
    if old.issues != new.issues {
        // A new comment moves its issue's update time.
        set.extend([R::Issues, R::IssueComments]);
    }
    if old.stargazer_count != new.stargazer_count {
        set.insert(R::Stargazers);
    }
    if old.fork_count != new.fork_count {
        set.insert(R::Forks);
    }
    if old.releases != new.releases {
        set.extend([R::Releases, R::Tags]);
    }
    if old.deployments != new.deployments {
        set.insert(R::Deployments);
    }
    R::ALL.into_iter().filter(|r| set.contains(r)).collect()
}

/// Reads the signals of `repos` (which must have node ids) and plans what to sync; a
/// repository GitHub no longer shows plans a `repository` read, which records why.
pub async fn plan(
    pool: &PgPool,
    client: &GitHubClient,
    repos: &[RepoRef],
) -> crate::Result<Vec<Plan>> {
    let mut plans = Vec::new();
    for chunk in repos.chunks(100) {
        let ids: Vec<&str> = chunk
            .iter()
            .map(|r| r.node_id.as_deref().unwrap_or_default())
            .collect();
        let (data, parts): (ChangesData, _) =
            client.graphql_partial(QUERY, json!({ "ids": ids })).await?;
        for (index, (repo, node)) in chunk.iter().zip(data.nodes).enumerate() {
            let id = &repo.github_id;
            // One refused repository is recorded against itself; the others go on.
            let refused = parts
                .iter()
                .find(|p| p.kind == "FORBIDDEN" && p.node_index() == Some(index));
            if let Some(refused) = refused {
                plans.push(Plan {
                    repository_id: *id,
                    full_name: repo.full_name.clone(),
                    resources: Vec::new(),
                    expected: Expected::default(),
                    signal: None,
                    refused: Some(refused.reason()),
                });
                continue;
            }
            let Some(signal) = node else {
                plans.push(Plan {
                    repository_id: *id,
                    full_name: repo.full_name.clone(),
                    resources: vec![Resource::Repository],
                    expected: Expected::default(),
                    signal: None,
                    refused: None,
                });
                continue;
            };
            let mut conn = pool.acquire().await?;
            let stored = db::checkpoints::states_with_prefix(&mut conn, *id, "signal").await?;
            // Each resource is compared with the signal it was last read at; a database
            // from before per-resource signals has one `signal` for all.
            let read_at = |resource: Resource| -> Option<ChangeSignal> {
                let state = stored
                    .get(&signal_checkpoint(resource))
                    .or_else(|| stored.get("signal"))?;
                serde_json::from_value(state.clone()).ok()
            };
            let resources: Vec<Resource> = Resource::ALL
                .into_iter()
                .filter(|r| resources_to_sync(read_at(*r).as_ref(), &signal).contains(r))
                .collect();
            plans.push(Plan {
                repository_id: *id,
                full_name: signal.name_with_owner.clone(),
                resources,
                expected: Expected::from_signal(&signal),
                signal: Some(signal),
                refused: None,
            });
        }
    }
    Ok(plans)
}

fn signal_checkpoint(resource: Resource) -> String {
    format!("signal:{resource}")
}

/// Remembers the signal a sync started from for the resources it read completely, so the
/// next plan compares each resource with what it was read at.
pub async fn remember(
    pool: &PgPool,
    repository_id: i64,
    signal: &ChangeSignal,
    resources: &[Resource],
) -> crate::Result<()> {
    let mut conn = pool.acquire().await?;
    let names: Vec<String> = resources.iter().map(|r| signal_checkpoint(*r)).collect();
    let state = serde_json::to_value(signal).unwrap_or_default();
    db::checkpoints::save_completed_states(&mut conn, repository_id, &names, &state).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signal() -> ChangeSignal {
        serde_json::from_value(json!({
            "databaseId": 1, "nameWithOwner": "acme/api", "pushedAt": "2026-11-01T00:00:00Z",
            "updatedAt": "2026-11-01T00:00:00Z", "stargazerCount": 10, "forkCount": 1,
            "defaultBranchRef": { "target": { "oid": "a", "checkSuites": { "totalCount": 2 } } },
            "pullRequests": { "totalCount": 5, "nodes": [{ "updatedAt": "2026-11-01T00:00:00Z" }] },
            "issues": { "totalCount": 3, "nodes": [] },
            "releases": { "totalCount": 1 },
            "deployments": { "totalCount": 0, "nodes": [] }
        }))
        .unwrap()
    }

    #[test]
    fn nothing_moved_nothing_to_read() {
        assert!(resources_to_sync(Some(&signal()), &signal()).is_empty());
        assert_eq!(
            resources_to_sync(None, &signal()).len(),
            Resource::ALL.len()
        );
    }

    #[test]
    fn each_signal_names_its_resources() {
        let mut s = signal();
        s.stargazer_count = 11;
        assert_eq!(
            resources_to_sync(Some(&signal()), &s),
            [Resource::Stargazers]
        );
        let mut s = signal();
        s.default_branch_ref =
            Some(json!({ "target": { "oid": "b", "checkSuites": { "totalCount": 2 } } }));
        assert_eq!(
            resources_to_sync(Some(&signal()), &s),
            [
                Resource::Repository,
                Resource::Commits,
                Resource::Contributors,
                Resource::Workflows,
                Resource::WorkflowRuns,
                Resource::Tags
            ]
        );
        let mut s = signal();
        s.issues = Some(json!({ "totalCount": 2, "nodes": [] }));
        assert_eq!(
            resources_to_sync(Some(&signal()), &s),
            [Resource::Issues, Resource::IssueComments]
        );
    }
}
