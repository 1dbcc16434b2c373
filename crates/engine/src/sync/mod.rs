//! Fetching GitHub data into Postgres, completely, incrementally and resumably.
//!
//! A sync reads one repository's resources (see [`Resource`]). Each page is written in
//! its own transaction together with the resource's checkpoint, so a killed process
//! resumes where it stopped with no gap and no duplicate. A failed resource records its
//! error in `sync_runs` and the others go on. An incremental sync first asks GitHub, for
//! up to 100 repositories in one GraphQL request, what changed ([`changes`]), and reads
//! only the resources whose signals moved.

pub mod changes;
pub mod events;
mod resource;
mod resources;
pub mod scheduler;
pub mod targets;
pub mod worker;

use std::sync::Arc;

use sqlx::PgPool;

pub use self::resource::{Resource, UnknownResource};
pub use self::targets::Target;
use crate::db;
pub use crate::db::repos::RepoRef;
use crate::github::GitHubClient;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Mode {
    /// Everything, as for a repository never synced (checkpoints' high-water marks are
    /// ignored; an interrupted full sync still resumes).
    Full,
    /// Only what changed since the stored checkpoints.
    Incremental,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Full => "full",
            Mode::Incremental => "incremental",
        }
    }

    pub fn parse(text: &str) -> Option<Mode> {
        match text {
            "full" => Some(Mode::Full),
            "incremental" => Some(Mode::Incremental),
            _ => None,
        }
    }
}

pub use crate::db::sync_runs::SyncReport;

/// A page of progress: what the browser is shown ([`wire::LiveProgress`]), and what
/// decides who is shown it. Sent between processes with NOTIFY, and to the CLI's bar.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Progress {
    pub job_id: Option<i64>,
    /// Whose token the sync spends (None: the scheduler's pick); only that person is
    /// shown `rate_remaining`.
    #[serde(default)]
    pub requested_by: Option<i64>,
    /// GitHub's id: who may see this progress is decided by it.
    pub repository_id: i64,
    #[serde(flatten)]
    pub live: wire::LiveProgress,
}

/// Seconds left at the pace so far: `items` took `elapsed`, `total` are wanted.
pub fn eta_secs(items: u32, total: Option<u64>, elapsed: std::time::Duration) -> Option<u64> {
    let total = total?;
    let items = u64::from(items);
    if items == 0 {
        return None;
    }
    let left = total.saturating_sub(items);
    Some((elapsed.as_secs_f64() * left as f64 / items as f64).round() as u64)
}

pub type Observer = Arc<dyn Fn(&Progress) + Send + Sync>;

/// How one resource of one repository ended.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ResourceOutcome {
    pub resource: Resource,
    pub report: SyncReport,
    pub error: Option<String>,
    /// GitHub refuses to list it for a reason of its own (not a failure).
    pub unavailable: Option<String>,
}

/// How a repository's sync ended: a report per resource read.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct RepoOutcome {
    pub resources: Vec<ResourceOutcome>,
}

impl RepoOutcome {
    pub fn total(&self) -> SyncReport {
        let mut t = SyncReport::default();
        for r in &self.resources {
            t += r.report;
        }
        t
    }

    pub fn errors(&self) -> Vec<String> {
        self.resources
            .iter()
            .filter_map(|r| r.error.as_ref().map(|e| format!("{}: {e}", r.resource)))
            .collect()
    }
}

/// Runs syncs with one client (one token), recording each resource in `sync_runs` and
/// publishing progress (to an observer and to Postgres `NOTIFY pulseboard_sync`).
#[derive(Clone)]
pub struct Syncer {
    pub pool: PgPool,
    pub client: GitHubClient,
    pub observer: Option<Observer>,
    pub job_id: Option<i64>,
    pub requested_by: Option<i64>,
    /// Where npm downloads are read for repositories that name a package (by
    /// [`worker::sync_planned`], after each repository); `None`: not read.
    pub npm: Option<crate::npm::NpmClient>,
}

impl Syncer {
    pub fn new(pool: PgPool, client: GitHubClient) -> Self {
        Syncer {
            pool,
            client,
            observer: None,
            job_id: None,
            requested_by: None,
            npm: None,
        }
    }

    /// Reads npm downloads with `npm` too.
    pub fn with_npm(mut self, npm: Option<crate::npm::NpmClient>) -> Self {
        self.npm = npm;
        self
    }

    pub fn with_observer(mut self, observer: Observer) -> Self {
        self.observer = Some(observer);
        self
    }

    fn counters(&self) -> SyncReport {
        SyncReport {
            items: 0,
            pages: 0,
            requests: self.client.requests_made(),
            not_modified: self.client.not_modified(),
            points: self.client.points(),
            retries: self.client.retries(),
        }
    }

    pub(crate) async fn publish(&self, p: Progress) {
        if let Some(observer) = &self.observer {
            observer(&p);
        }
        if let Ok(payload) = serde_json::to_string(&p) {
            // Progress is advisory: a failed notification never fails a sync.
            let _ = db::notify(&self.pool, events::CHANNEL, &payload).await;
        }
    }

    /// Records that GitHub refused to say anything of a repository (`reason`, GitHub's
    /// words): a failed `repository` run, so the history and the CLI say why.
    pub async fn refused(
        &self,
        repository_id: i64,
        full_name: &str,
        reason: &str,
    ) -> crate::Result<RepoOutcome> {
        tracing::warn!(
            repository = full_name,
            reason,
            "GitHub refused this repository"
        );
        let run = db::sync_runs::start(
            &self.pool,
            repository_id,
            Resource::Repository.as_str(),
            self.requested_by,
            self.job_id,
        )
        .await?;
        let counts = db::sync_runs::RunCounts::default();
        db::sync_runs::finish(
            &self.pool,
            run,
            counts,
            db::sync_runs::RunEnd::Failed(reason),
        )
        .await?;
        Ok(RepoOutcome {
            resources: vec![ResourceOutcome {
                resource: Resource::Repository,
                report: SyncReport::default(),
                error: Some(reason.to_string()),
                unavailable: None,
            }],
        })
    }

    /// Syncs `resources` of one repository (all of [`Resource::ALL`] when empty), in
    /// reading order. A resource that fails records its error and the others still run.
    pub async fn repository(
        &self,
        repository_id: i64,
        full_name: &str,
        resources: &[Resource],
        mode: Mode,
        expected: &changes::Expected,
    ) -> crate::Result<RepoOutcome> {
        let wanted: Vec<Resource> = Resource::ALL
            .into_iter()
            .filter(|r| resources.is_empty() || resources.contains(r))
            .collect();
        let mut outcome = RepoOutcome::default();
        let (mut delivery, mut commits_changed) = (false, false);
        // Resources whose rows the rollups are built from: while they are read (pages are
        // committed one by one, deletions reconciled), the rollups are not current; they
        // are rebuilt at the end (METRICS.md, "Rollups").
        let rolled = wanted.iter().any(|r| {
            matches!(
                r,
                Resource::PullRequests
                    | Resource::Issues
                    | Resource::IssueComments
                    | Resource::Commits
                    | Resource::Workflows
                    | Resource::WorkflowRuns
                    | Resource::Deployments
                    | Resource::Releases
                    | Resource::Tags
                    | Resource::Stargazers
                    | Resource::Forks
            )
        });
        // Held until this function returns: the startup rebuild leaves the repository to
        // this sync's own rebuild at the end.
        let _sync_lock = if rolled {
            let lock = db::rollups::hold_for_sync(&self.pool, repository_id).await?;
            let mut conn = self.pool.acquire().await?;
            db::rollups::invalidate(&mut conn, repository_id).await?;
            Some(lock)
        } else {
            None
        };
        for resource in wanted {
            let run = db::sync_runs::start(
                &self.pool,
                repository_id,
                resource.as_str(),
                self.requested_by,
                self.job_id,
            )
            .await?;
            let before = self.counters();
            let mut ctx =
                resources::Ctx::new(self, repository_id, full_name, resource, mode, expected);
            let result = ctx.run().await;
            let after = self.counters();
            let report = SyncReport {
                items: ctx.items,
                pages: ctx.pages,
                requests: after.requests - before.requests,
                not_modified: after.not_modified - before.not_modified,
                points: after.points - before.points,
                retries: after.retries - before.retries,
            };
            // Stored for everyone who may see the repository: the public sentence only.
            let error = result.as_ref().err().map(|e| {
                tracing::warn!(repository = full_name, %resource, error = %e, "sync of a resource failed");
                e.public_message()
            });
            let counts = db::sync_runs::RunCounts {
                report,
                waited_ms: self.client.waited_ms(),
                rate_remaining: self.client.budget().map(|b| b.remaining),
            };
            let end = match (&error, &ctx.unavailable) {
                (Some(e), _) => db::sync_runs::RunEnd::Failed(e),
                (None, Some(reason)) => db::sync_runs::RunEnd::Unavailable(reason),
                (None, None) => db::sync_runs::RunEnd::Succeeded,
            };
            // What was stored changes the derived facts of delivery (METRICS.md,
            // "Derived facts"), brought up to date once the resources are read; pull
            // requests' own facts were kept with each page.
            // Commits read may have dropped rewritten ones (a force-push back) with no item
            // stored: delivery is derived again whenever they were read.
            if resource == Resource::Commits {
                (delivery, commits_changed) = (true, true);
            }
            if ctx.items > 0 {
                match resource {
                    Resource::PullRequests
                    | Resource::WorkflowRuns
                    | Resource::Deployments
                    | Resource::Releases
                    | Resource::Tags => delivery = true,
                    _ => {}
                }
            }
            db::sync_runs::finish(&self.pool, run, counts, end).await?;
            self.publish_end(
                repository_id,
                full_name,
                End::Resource(resource, report.items, report.pages),
            )
            .await;
            // A revoked token fails everything after it as well: stop here.
            let fatal = matches!(
                &result,
                Err(crate::Error::GitHub(
                    crate::github::GitHubError::Unauthorized(_)
                ))
            );
            outcome.resources.push(ResourceOutcome {
                resource,
                report,
                error,
                unavailable: ctx.unavailable.clone(),
            });
            if fatal {
                break;
            }
        }
        if delivery {
            crate::facts::refresh_delivery(&self.pool, repository_id, commits_changed).await?;
        }
        // Rebuilt whenever one of their resources was read, stored rows or not: a
        // reconciliation may have deleted some (METRICS.md, "Rollups").
        if rolled {
            crate::facts::refresh_rollups(&self.pool, repository_id).await?;
        }
        // The numbers are current: open pages of the repository refresh (those that only
        // follow new data skip a sync that stored nothing).
        let stored = outcome.resources.iter().map(|r| r.report.items).sum();
        self.publish_end(repository_id, full_name, End::Ready { stored })
            .await;
        Ok(outcome)
    }

    /// Publishes an end: of a resource, or of the repository's whole sync (`ready`: its
    /// numbers are current).
    async fn publish_end(&self, repository_id: i64, full_name: &str, end: End) {
        let (name, items, pages, ready) = match end {
            End::Resource(r, items, pages) => (r.as_str().to_string(), items, pages, false),
            End::Ready { stored } => (String::new(), stored, 0, true),
        };
        self.publish(Progress {
            job_id: self.job_id,
            requested_by: self.requested_by,
            repository_id,
            live: wire::LiveProgress {
                repository: full_name.to_string(),
                resource: name,
                items,
                pages,
                total: None,
                rate_remaining: self.client.budget().map(|b| b.remaining),
                eta_secs: (!ready).then_some(0),
                done: true,
                ready,
            },
        })
        .await;
    }
}

/// What [`Syncer::publish_end`] announces.
enum End {
    /// A resource's run ended: the resource, its items stored and pages read.
    Resource(Resource, u32, u32),
    /// The repository's sync ended; `stored`: the items its resources stored.
    Ready { stored: u32 },
}

/// Asks GitHub which repositories the user can see now and stores exactly that as their
/// access, revoking whatever GitHub no longer lists.
pub async fn refresh_access(
    pool: &PgPool,
    client: &GitHubClient,
    user_id: i64,
) -> crate::Result<usize> {
    let repos = client.user_repositories().await?;
    db::repos::replace_access(pool, user_id, &repos).await?;
    Ok(repos.len())
}

/// Reads the user's organisations, their teams, and each team's members and repositories
/// (teams are visible to members only; an outside collaborator has none). Returns how
/// many teams were stored.
pub async fn sync_organizations(
    pool: &PgPool,
    client: &GitHubClient,
    user_id: i64,
) -> crate::Result<usize> {
    use crate::github::models::{GhAccount, GhOrganization, GhRepository, GhTeam};
    let orgs: Vec<GhOrganization> = client.get_all("/user/orgs?per_page=100").await?;
    let mut tx = pool.begin().await?;
    db::orgs::replace_user_orgs(&mut tx, user_id, &orgs).await?;
    tx.commit().await?;
    let mut stored = 0;
    for org in &orgs {
        let teams: Vec<GhTeam> = client
            .get_all(&format!("/orgs/{}/teams?per_page=100", org.login))
            .await?;
        for team in &teams {
            let base = format!("/orgs/{}/teams/{}", org.login, team.slug);
            let members: Vec<GhAccount> = client
                .get_all(&format!("{base}/members?per_page=100"))
                .await?;
            let repos: Vec<GhRepository> = client
                .get_all(&format!("{base}/repos?per_page=100"))
                .await?;
            let mut tx = pool.begin().await?;
            db::orgs::replace_team(&mut tx, user_id, org.id, team, &members, &repos).await?;
            tx.commit().await?;
            stored += 1;
        }
        let keep: Vec<i64> = teams.iter().map(|t| t.id).collect();
        let mut conn = pool.acquire().await?;
        db::orgs::retain_teams(&mut conn, user_id, org.id, &keep).await?;
    }
    Ok(stored)
}

#[cfg(test)]
mod tests;
