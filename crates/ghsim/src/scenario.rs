//! Worlds from a hand-written description instead of the generator
//! (`pulseboard sim --scenario FILE.json`, or [`Scenario::parse`] and
//! [`Scenario::into_world`]): one organisation, its users (bots too), teams and
//! repositories, and each repository's history with explicit timestamps, so that a test
//! can work out the right answer by hand. The format is documented in the README.
//!
//! A description that does not hold together is refused with an error that names the
//! field (`repositories[0].pulls[1].author: no user "zed"`): a malformed value by its
//! JSON path, a reference to something that does not exist by the item that makes it.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::Duration;
use serde::Deserialize;

use crate::data::*;

/// A description that cannot become a world.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ScenarioError {
    /// Where, as a JSON path (`repositories[0].pulls[1].author`).
    pub field: String,
    pub message: String,
}

fn bad(field: impl Into<String>, message: impl Into<String>) -> ScenarioError {
    ScenarioError {
        field: field.into(),
        message: message.into(),
    }
}

/// The whole description.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// The world's present: activity created later through the control API comes after.
    pub now: Time,
    pub organization: OrganizationSpec,
    pub users: Vec<UserSpec>,
    #[serde(default)]
    pub teams: Vec<TeamSpec>,
    pub repositories: Vec<RepositorySpec>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrganizationSpec {
    pub login: String,
    pub name: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserSpec {
    pub login: String,
    pub name: Option<String>,
    /// A GitHub App's account (`type: Bot`); its login should end in `[bot]`.
    #[serde(default)]
    pub bot: bool,
    /// Owns the organisation (and administers every repository).
    #[serde(default)]
    pub owner: bool,
    /// Not a member of the organisation (an outside collaborator, or nobody's).
    #[serde(default)]
    pub outside: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamSpec {
    pub slug: String,
    pub name: Option<String>,
    #[serde(default)]
    pub members: Vec<String>,
    #[serde(default)]
    pub repositories: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RepositorySpec {
    pub name: String,
    pub created_at: Time,
    #[serde(default)]
    pub private: bool,
    pub default_branch: Option<String>,
    /// `login: pull|push|admin`; by default owners administer and members push.
    pub collaborators: Option<BTreeMap<String, String>>,
    /// The default branch's history, oldest first; each commit's parent is the one
    /// before unless it says otherwise.
    #[serde(default)]
    pub commits: Vec<CommitSpec>,
    #[serde(default)]
    pub pulls: Vec<PullSpec>,
    #[serde(default)]
    pub issues: Vec<IssueSpec>,
    #[serde(default)]
    pub workflows: Vec<WorkflowSpec>,
    #[serde(default)]
    pub runs: Vec<RunSpec>,
    #[serde(default)]
    pub deployments: Vec<DeploymentSpec>,
    #[serde(default)]
    pub releases: Vec<ReleaseSpec>,
    #[serde(default)]
    pub stars: Vec<StarSpec>,
    #[serde(default)]
    pub forks: Vec<ForkSpec>,
    /// The npm package it publishes (`name` or `@scope/name`), and its downloads.
    pub package: Option<String>,
    #[serde(default)]
    pub downloads: Vec<DownloadSpec>,
}

/// `per_day` downloads on each day of `from..=to` (UTC dates); days no range covers,
/// between the first and the last, have none.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DownloadSpec {
    pub from: chrono::NaiveDate,
    pub to: chrono::NaiveDate,
    pub per_day: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommitSpec {
    /// A name the rest of the description uses for it (or 40 hex digits); its sha is
    /// derived from the name.
    pub sha: String,
    /// Another commit's name; the commit listed before it when absent; `null` for none.
    #[serde(default, deserialize_with = "present")]
    pub parent: Option<Option<String>>,
    pub author: String,
    pub authored_at: Time,
    /// `authored_at` when absent.
    pub committed_at: Option<Time>,
    /// The pull request whose work this is (or whose merge, squash or rebase put it
    /// here, with `merge`).
    pub pull: Option<u64>,
    /// The commit that merged `pull` (a merge commit, or its squash).
    #[serde(default)]
    pub merge: bool,
    #[serde(default)]
    pub additions: u32,
    #[serde(default)]
    pub deletions: u32,
    #[serde(default)]
    pub files: u32,
}

/// The package a repository's description publishes, its download ranges laid out per day.
fn package(field: &str, spec: &RepositorySpec) -> Result<Option<Package>, ScenarioError> {
    let Some(name) = &spec.package else {
        if !spec.downloads.is_empty() {
            return Err(bad(
                format!("{field}.downloads"),
                "downloads need a package",
            ));
        }
        return Ok(None);
    };
    if !crate::npm::valid_name(name) {
        return Err(bad(
            format!("{field}.package"),
            format!("{name:?} is not an npm package name"),
        ));
    }
    let Some(first_day) = spec.downloads.iter().map(|d| d.from).min() else {
        return Ok(Some(Package {
            name: name.clone(),
            first_day: spec.created_at.date_naive(),
            daily: Vec::new(),
        }));
    };
    let last_day = spec
        .downloads
        .iter()
        .map(|d| d.to)
        .max()
        .unwrap_or(first_day);
    let mut daily = vec![0; (last_day - first_day).num_days() as usize + 1];
    for (k, d) in spec.downloads.iter().enumerate() {
        if d.to < d.from {
            return Err(bad(format!("{field}.downloads[{k}].to"), "before its from"));
        }
        for day in 0..=(d.to - d.from).num_days() {
            daily[((d.from - first_day).num_days() + day) as usize] = d.per_day;
        }
    }
    Ok(Some(Package {
        name: name.clone(),
        first_day,
        daily,
    }))
}

/// Tells a field set to `null` from one left out.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PullSpec {
    pub number: u64,
    pub title: Option<String>,
    /// The description (`Fixes #N` links issue N).
    #[serde(default)]
    pub body: Option<String>,
    pub author: String,
    pub created_at: Time,
    /// Still a draft now.
    #[serde(default)]
    pub draft: bool,
    /// Opened as a draft and marked ready at this time.
    pub ready_for_review_at: Option<Time>,
    /// The author date of the branch's first commit (`created_at` when absent).
    pub first_commit_at: Option<Time>,
    pub merged_at: Option<Time>,
    pub merged_by: Option<String>,
    /// `merged_at` for a merged one.
    pub closed_at: Option<Time>,
    /// The commit (by name) GitHub reports as its merge commit.
    pub merge_commit: Option<String>,
    pub head: Option<String>,
    #[serde(default)]
    pub labels: Vec<String>,
    #[serde(default)]
    pub additions: u32,
    #[serde(default)]
    pub deletions: u32,
    #[serde(default)]
    pub changed_files: u32,
    /// Commits on the branch (1 when absent).
    pub commits: Option<u32>,
    #[serde(default)]
    pub reviews: Vec<ReviewSpec>,
    #[serde(default)]
    pub comments: Vec<CommentSpec>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewSpec {
    pub by: String,
    /// `APPROVED`, `CHANGES_REQUESTED`, `COMMENTED` or `DISMISSED`.
    pub state: String,
    pub at: Time,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommentSpec {
    pub by: String,
    pub at: Time,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssueSpec {
    pub number: u64,
    pub title: Option<String>,
    pub author: String,
    pub created_at: Time,
    pub closed_at: Option<Time>,
    /// `completed` (default when closed) or `not_planned`.
    pub state_reason: Option<String>,
    #[serde(default)]
    pub labels: Vec<String>,
    #[serde(default)]
    pub comments: Vec<CommentSpec>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkflowSpec {
    pub name: String,
    pub path: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunSpec {
    /// A workflow's name.
    pub workflow: String,
    /// The commit (by name) it ran on.
    pub sha: String,
    /// `push` when absent; `pull_request` with `pull`.
    pub event: Option<String>,
    pub pull: Option<u64>,
    pub actor: String,
    pub created_at: Time,
    /// `created_at` when absent.
    pub started_at: Option<Time>,
    /// Five minutes after it started when absent.
    pub updated_at: Option<Time>,
    /// `queued`, `in_progress` or `completed` (default).
    pub status: Option<String>,
    /// `success` (default when completed), `failure`, `cancelled`, `skipped`.
    pub conclusion: Option<String>,
    /// The attempt (1 when absent): a re-run keeps its run's id and `created_at`.
    pub attempt: Option<u32>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeploymentSpec {
    /// The commit (by name) deployed.
    pub sha: String,
    pub environment: String,
    pub creator: String,
    pub created_at: Time,
    /// Oldest first.
    #[serde(default)]
    pub statuses: Vec<StatusSpec>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusSpec {
    /// `success`, `failure`, `error`, `inactive`, `in_progress`, `queued` or `pending`.
    pub state: String,
    pub at: Time,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReleaseSpec {
    pub tag: String,
    pub name: Option<String>,
    /// The commit (by name) tagged.
    pub sha: String,
    pub author: String,
    pub created_at: Time,
    /// `created_at` when absent.
    pub published_at: Option<Time>,
    #[serde(default)]
    pub prerelease: bool,
}

/// Stars: one by a user, or `count` by anonymous stargazers from `from`, one every
/// `every_minutes` (1 when absent).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged, deny_unknown_fields)]
pub enum StarSpec {
    One {
        user: String,
        at: Time,
    },
    Many {
        count: u64,
        from: Time,
        every_minutes: Option<i64>,
    },
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForkSpec {
    pub owner: String,
    pub at: Time,
}

impl Scenario {
    /// Reads a description; a malformed one is refused naming the JSON path.
    pub fn parse(json: &str) -> Result<Scenario, ScenarioError> {
        let de = &mut serde_json::Deserializer::from_str(json);
        serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            bad(
                if path == "." { "(top)".into() } else { path },
                e.into_inner().to_string(),
            )
        })
    }

    /// The world it describes, after checking every reference in it.
    pub fn into_world(self) -> Result<World, ScenarioError> {
        Builder::default().world(self)
    }
}

/// Turns names into the world's ids, allocating as it goes.
#[derive(Default)]
struct Builder {
    users: HashMap<String, u64>,
    next_id: u64,
}

/// Refuses a time after the world's present: activity created later through the control
/// API happens after `now`, and a sync reading "what changed since" would miss it.
fn no_later_than(now: Time, spec: &RepositorySpec, field: &str) -> Result<(), ScenarioError> {
    let mut times: Vec<(String, Time)> = vec![(format!("{field}.created_at"), spec.created_at)];
    let mut add = |at: String, t: Option<Time>| times.extend(t.map(|t| (at, t)));
    for (k, c) in spec.commits.iter().enumerate() {
        add(
            format!("{field}.commits[{k}].authored_at"),
            Some(c.authored_at),
        );
        add(format!("{field}.commits[{k}].committed_at"), c.committed_at);
    }
    for (k, p) in spec.pulls.iter().enumerate() {
        let at = format!("{field}.pulls[{k}]");
        add(format!("{at}.created_at"), Some(p.created_at));
        add(format!("{at}.ready_for_review_at"), p.ready_for_review_at);
        add(format!("{at}.first_commit_at"), p.first_commit_at);
        add(format!("{at}.merged_at"), p.merged_at);
        add(format!("{at}.closed_at"), p.closed_at);
        for (r, x) in p.reviews.iter().enumerate() {
            add(format!("{at}.reviews[{r}].at"), Some(x.at));
        }
        for (c, x) in p.comments.iter().enumerate() {
            add(format!("{at}.comments[{c}].at"), Some(x.at));
        }
    }
    for (k, i) in spec.issues.iter().enumerate() {
        let at = format!("{field}.issues[{k}]");
        add(format!("{at}.created_at"), Some(i.created_at));
        add(format!("{at}.closed_at"), i.closed_at);
        for (c, x) in i.comments.iter().enumerate() {
            add(format!("{at}.comments[{c}].at"), Some(x.at));
        }
    }
    for (k, r) in spec.runs.iter().enumerate() {
        add(format!("{field}.runs[{k}].created_at"), Some(r.created_at));
        add(format!("{field}.runs[{k}].started_at"), r.started_at);
        add(format!("{field}.runs[{k}].updated_at"), r.updated_at);
    }
    for (k, d) in spec.deployments.iter().enumerate() {
        add(
            format!("{field}.deployments[{k}].created_at"),
            Some(d.created_at),
        );
        for (x, st) in d.statuses.iter().enumerate() {
            add(
                format!("{field}.deployments[{k}].statuses[{x}].at"),
                Some(st.at),
            );
        }
    }
    for (k, x) in spec.releases.iter().enumerate() {
        add(
            format!("{field}.releases[{k}].created_at"),
            Some(x.created_at),
        );
        add(
            format!("{field}.releases[{k}].published_at"),
            x.published_at,
        );
    }
    for (k, star) in spec.stars.iter().enumerate() {
        let last = match star {
            StarSpec::One { at, .. } => *at,
            StarSpec::Many {
                count,
                from,
                every_minutes,
            } => {
                *from
                    + Duration::minutes(every_minutes.unwrap_or(1) * count.saturating_sub(1) as i64)
            }
        };
        add(format!("{field}.stars[{k}]"), Some(last));
    }
    for (k, f) in spec.forks.iter().enumerate() {
        add(format!("{field}.forks[{k}].at"), Some(f.at));
    }
    match times.into_iter().find(|(_, t)| *t > now) {
        Some((at, t)) => Err(bad(
            at,
            format!("{} is after now ({})", t.to_rfc3339(), now.to_rfc3339()),
        )),
        None => Ok(()),
    }
}

/// The login of a stored user, or the id of an anonymous stargazer.
fn users_login(users: &HashMap<String, u64>, id: u64) -> String {
    users
        .iter()
        .find(|(_, &u)| u == id)
        .map_or_else(|| format!("stargazer {id}"), |(login, _)| login.clone())
}

/// A static copy of a scenario's string (the world keeps some names as `&'static str`;
/// a scenario is built once per simulator).
fn leak(text: &str) -> &'static str {
    Box::leak(text.to_string().into_boxed_str())
}

/// The sha a scenario's commit name stands for.
pub fn sha_of(name: &str) -> Sha {
    Sha::parse(name).unwrap_or_else(|| {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in name.bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        Sha::derive(77, h)
    })
}

impl Builder {
    fn id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    fn user(&self, field: String, login: &str) -> Result<u64, ScenarioError> {
        self.users
            .get(login)
            .copied()
            .ok_or_else(|| bad(field, format!("no user {login:?}")))
    }

    fn world(mut self, s: Scenario) -> Result<World, ScenarioError> {
        self.next_id = 3_000_000;
        let mut users = Vec::new();
        for (i, u) in s.users.iter().enumerate() {
            let id = 1001 + i as u64;
            if self.users.keys().any(|l| l.eq_ignore_ascii_case(&u.login)) {
                return Err(bad(
                    format!("users[{i}].login"),
                    format!("{:?} twice", u.login),
                ));
            }
            self.users.insert(u.login.clone(), id);
            users.push(User {
                id,
                login: u.login.clone(),
                name: u.name.clone().unwrap_or_else(|| u.login.clone()),
                email: if u.bot {
                    String::new()
                } else {
                    format!("{}@example.com", u.login)
                },
                created_at: s.now - Duration::days(1000),
                is_bot: u.bot,
                token: token_for(0, &u.login),
            });
        }
        let members: Vec<(u64, bool)> = s
            .users
            .iter()
            .filter(|u| !u.outside && !u.bot)
            .map(|u| (self.users[&u.login], u.owner))
            .collect();
        let org = Organization {
            id: 9001,
            login: s.organization.login.clone(),
            name: s
                .organization
                .name
                .clone()
                .unwrap_or_else(|| s.organization.login.clone()),
            created_at: s.now - Duration::days(2000),
            members: members.clone(),
        };
        let mut repos = Vec::new();
        for (r, spec) in s.repositories.into_iter().enumerate() {
            let field = format!("repositories[{r}]");
            let taken = |x: &Repository| x.name.eq_ignore_ascii_case(&spec.name);
            if repos.iter().any(taken) {
                return Err(bad(
                    format!("{field}.name"),
                    format!("{:?} twice", spec.name),
                ));
            }
            no_later_than(s.now, &spec, &field)?;
            let repo = self.repository(&field, 600_001 + r as u64 * 7, &org, &members, spec)?;
            repos.push(repo);
        }
        let mut teams = Vec::new();
        for (t, spec) in s.teams.iter().enumerate() {
            let field = format!("teams[{t}]");
            if s.teams[..t].iter().any(|x| x.slug == spec.slug) {
                return Err(bad(
                    format!("{field}.slug"),
                    format!("{:?} twice", spec.slug),
                ));
            }
            let repeated =
                (1..spec.members.len()).find(|&m| spec.members[..m].contains(&spec.members[m]));
            if let Some(m) = repeated {
                let login = &spec.members[m];
                return Err(bad(
                    format!("{field}.members[{m}]"),
                    format!("{login:?} twice"),
                ));
            }
            let members = spec
                .members
                .iter()
                .enumerate()
                .map(|(m, login)| Ok((self.user(format!("{field}.members[{m}]"), login)?, m == 0)))
                .collect::<Result<Vec<_>, ScenarioError>>()?;
            let repo_ids = spec
                .repositories
                .iter()
                .enumerate()
                .map(|(k, name)| {
                    repos
                        .iter()
                        .find(|x| &x.name == name)
                        .map(|x| x.id)
                        .ok_or_else(|| {
                            bad(
                                format!("{field}.repositories[{k}]"),
                                format!("no repository {name:?}"),
                            )
                        })
                })
                .collect::<Result<Vec<_>, ScenarioError>>()?;
            teams.push(Team {
                id: 8001 + t as u64,
                slug: spec.slug.clone(),
                name: spec.name.clone().unwrap_or_else(|| spec.slug.clone()),
                description: String::new(),
                created_at: org.created_at,
                members,
                repo_ids,
            });
        }
        users.sort_by_key(|u| u.id);
        Ok(World {
            now: s.now,
            users,
            org,
            teams,
            repos,
            next_id: 9_000_000_000,
            nodes: NodeIndex::default(),
        })
    }

    fn repository(
        &mut self,
        field: &str,
        id: u64,
        org: &Organization,
        members: &[(u64, bool)],
        spec: RepositorySpec,
    ) -> Result<Repository, ScenarioError> {
        let collaborators = match &spec.collaborators {
            None => members
                .iter()
                .map(|&(id, owner)| {
                    (
                        id,
                        if owner {
                            Permission::Admin
                        } else {
                            Permission::Push
                        },
                    )
                })
                .collect(),
            Some(map) => map
                .iter()
                .map(|(login, role)| {
                    let at = format!("{field}.collaborators.{login}");
                    let role = match role.as_str() {
                        "pull" | "read" => Permission::Pull,
                        "push" | "write" => Permission::Push,
                        "admin" => Permission::Admin,
                        other => {
                            return Err(bad(at, format!("{other:?} is not pull, push or admin")))
                        }
                    };
                    Ok((self.user(at, login)?, role))
                })
                .collect::<Result<Vec<_>, _>>()?,
        };
        if collaborators.is_empty() {
            return Err(bad(
                format!("{field}.collaborators"),
                "a repository needs someone with access (no owner or member, and none listed)",
            ));
        }
        let mut repo = Repository::new(id, &org.login, &spec.name, spec.created_at, collaborators);
        repo.description = format!("{}'s {}", org.name, spec.name);
        repo.private = spec.private;
        repo.language = "Rust".into();
        if let Some(branch) = &spec.default_branch {
            repo.default_branch.clone_from(branch);
        }
        repo.package = package(field, &spec)?;
        let shas = self.commits(field, &spec, &mut repo)?;
        let commit = |at: String, name: &str| {
            if shas.contains(name) {
                Ok(sha_of(name))
            } else {
                Err(bad(at, format!("no commit {name:?} on the default branch")))
            }
        };
        let mut numbers = HashSet::new();
        for (k, p) in spec.pulls.iter().enumerate() {
            let at = format!("{field}.pulls[{k}]");
            if !numbers.insert(p.number) {
                return Err(bad(format!("{at}.number"), format!("#{} twice", p.number)));
            }
            let merge_commit = match &p.merge_commit {
                Some(name) => Some(commit(format!("{at}.merge_commit"), name)?),
                None => None,
            };
            let pull = self.pull(&at, p, &repo.default_branch, merge_commit)?;
            repo.pulls.push(pull);
        }
        for (k, i) in spec.issues.iter().enumerate() {
            let at = format!("{field}.issues[{k}]");
            if !numbers.insert(i.number) {
                return Err(bad(format!("{at}.number"), format!("#{} twice", i.number)));
            }
            let issue = self.issue(&at, i)?;
            repo.issues.push(issue);
        }
        repo.pulls.sort_by_key(|p| p.number);
        repo.issues.sort_by_key(|i| i.number);
        // Pushes and merges made later through the control API run the first workflow.
        let default_workflow = [WorkflowSpec {
            name: "CI".into(),
            path: ".github/workflows/ci.yml".into(),
        }];
        let workflows = if spec.workflows.is_empty() {
            &default_workflow[..]
        } else {
            &spec.workflows[..]
        };
        for (k, w) in workflows.iter().enumerate() {
            repo.workflows.push(Workflow {
                id: id * 10 + 1 + k as u64,
                name: leak(&w.name),
                path: leak(&w.path),
                created_at: spec.created_at,
                updated_at: spec.created_at,
            });
        }
        // GitHub lists these newest first and numbers them in creation order: the world
        // keeps them oldest first (errors still name their place in the file).
        let mut runs: Vec<(usize, &RunSpec)> = spec.runs.iter().enumerate().collect();
        runs.sort_by_key(|(_, r)| r.created_at);
        let mut deployments: Vec<(usize, &DeploymentSpec)> =
            spec.deployments.iter().enumerate().collect();
        deployments.sort_by_key(|(_, d)| d.created_at);
        let mut releases: Vec<(usize, &ReleaseSpec)> = spec.releases.iter().enumerate().collect();
        releases.sort_by_key(|(_, x)| x.created_at);
        for (n, (k, r)) in runs.into_iter().enumerate() {
            let at = format!("{field}.runs[{k}]");
            let workflow = repo
                .workflows
                .iter()
                .find(|w| w.name == r.workflow)
                .map(|w| w.id)
                .ok_or_else(|| {
                    bad(
                        format!("{at}.workflow"),
                        format!("no workflow {:?}", r.workflow),
                    )
                })?;
            let head_sha = commit(format!("{at}.sha"), &r.sha)?;
            let run = self.run(&at, r, workflow, head_sha, n as u64 + 1)?;
            repo.runs.push(run);
        }
        for (k, d) in deployments {
            let at = format!("{field}.deployments[{k}]");
            let sha = commit(format!("{at}.sha"), &d.sha)?;
            let deployment = self.deployment(&at, d, sha, &repo.default_branch)?;
            repo.deployments.push(deployment);
        }
        for (k, x) in releases {
            let at = format!("{field}.releases[{k}]");
            if spec.releases.iter().filter(|r| r.tag == x.tag).count() > 1 {
                return Err(bad(format!("{at}.tag"), format!("{:?} twice", x.tag)));
            }
            let sha = commit(format!("{at}.sha"), &x.sha)?;
            repo.releases.push(Release {
                id: self.id(),
                tag: x.tag.clone(),
                name: x.name.clone().unwrap_or_else(|| x.tag.clone()),
                author_id: self.user(format!("{at}.author"), &x.author)?,
                sha,
                prerelease: x.prerelease,
                created_at: x.created_at,
                published_at: x.published_at.unwrap_or(x.created_at),
            });
        }
        for (k, star) in spec.stars.iter().enumerate() {
            match star {
                StarSpec::One { user, at } => {
                    let user_id = self.user(format!("{field}.stars[{k}].user"), user)?;
                    repo.stars.push(Star {
                        user_id,
                        starred_at: *at,
                    });
                }
                StarSpec::Many { count, .. }
                    if *count >= STARGAZER_POOL - repo.stars.len() as u64 =>
                {
                    let most = STARGAZER_POOL - 1;
                    let at = format!("{field}.stars[{k}].count");
                    return Err(bad(at, format!("at most {most} anonymous stargazers")));
                }
                StarSpec::Many {
                    count,
                    from,
                    every_minutes,
                } => {
                    let base = STARGAZER_BASE + repo.stars.len() as u64;
                    repo.stars.extend((0..*count).map(|i| Star {
                        user_id: base + i,
                        starred_at: *from
                            + Duration::minutes(every_minutes.unwrap_or(1) * i as i64),
                    }));
                }
            }
        }
        repo.stars.sort_by_key(|s| s.starred_at);
        let mut stargazers = HashSet::new();
        if let Some(twice) = repo.stars.iter().find(|s| !stargazers.insert(s.user_id)) {
            let who = users_login(&self.users, twice.user_id);
            return Err(bad(format!("{field}.stars"), format!("{who} stars twice")));
        }
        for (k, f) in spec.forks.iter().enumerate() {
            repo.forks.push(Fork {
                id: self.id(),
                owner_id: self.user(format!("{field}.forks[{k}].owner"), &f.owner)?,
                created_at: f.at,
            });
        }
        let latest = repo
            .pulls
            .iter()
            .map(|p| p.updated_at)
            .chain(repo.issues.iter().map(|i| i.updated_at))
            .chain(repo.commits.iter().map(|c| c.committed_at))
            .max();
        repo.pushed_at = repo
            .commits
            .last()
            .map_or(spec.created_at, |c| c.committed_at);
        repo.updated_at = latest.unwrap_or(spec.created_at).max(spec.created_at);
        Ok(repo)
    }

    /// The default branch's history; returns the names it holds.
    fn commits(
        &mut self,
        field: &str,
        spec: &RepositorySpec,
        repo: &mut Repository,
    ) -> Result<HashSet<String>, ScenarioError> {
        let mut names = HashSet::new();
        for (k, c) in spec.commits.iter().enumerate() {
            let at = format!("{field}.commits[{k}]");
            if !names.insert(c.sha.clone()) {
                return Err(bad(format!("{at}.sha"), format!("{:?} twice", c.sha)));
            }
            let parent = match &c.parent {
                None => repo.commits.last().map(|p| p.sha),
                Some(None) => None,
                Some(Some(name)) if names.contains(name) && name != &c.sha => Some(sha_of(name)),
                Some(Some(name)) => {
                    return Err(bad(
                        format!("{at}.parent"),
                        format!("no earlier commit {name:?}"),
                    ))
                }
            };
            let kind = match (c.pull, c.merge) {
                (Some(pull), true) => CommitKind::Merge { pull },
                (Some(pull), false) => CommitKind::Work { pull },
                (None, true) => {
                    return Err(bad(format!("{at}.merge"), "a merge names its pull request"))
                }
                (None, false) => CommitKind::Direct,
            };
            repo.commits.push(Commit {
                sha: sha_of(&c.sha),
                parent,
                kind,
                author_id: self.user(format!("{at}.author"), &c.author)?,
                authored_at: c.authored_at,
                committed_at: c.committed_at.unwrap_or(c.authored_at),
                additions: c.additions,
                deletions: c.deletions,
                files: c.files,
            });
        }
        Ok(names)
    }

    fn comments(
        &mut self,
        field: &str,
        comments: &[CommentSpec],
    ) -> Result<Vec<Comment>, ScenarioError> {
        comments
            .iter()
            .enumerate()
            .map(|(k, c)| {
                Ok(Comment {
                    id: self.id(),
                    author_id: self.user(format!("{field}.comments[{k}].by"), &c.by)?,
                    created_at: c.at,
                    updated_at: c.at,
                })
            })
            .collect()
    }

    fn pull(
        &mut self,
        at: &str,
        p: &PullSpec,
        base: &str,
        merge_commit_sha: Option<Sha>,
    ) -> Result<PullRequest, ScenarioError> {
        let id = self.id();
        let mut reviews = Vec::new();
        for (k, r) in p.reviews.iter().enumerate() {
            let state = match r.state.to_ascii_uppercase().as_str() {
                "APPROVED" => ReviewState::Approved,
                "CHANGES_REQUESTED" => ReviewState::ChangesRequested,
                "COMMENTED" => ReviewState::Commented,
                "DISMISSED" => ReviewState::Dismissed,
                other => {
                    return Err(bad(
                        format!("{at}.reviews[{k}].state"),
                        format!("{other:?} is not a review state"),
                    ))
                }
            };
            reviews.push(Review {
                id: self.id(),
                reviewer_id: self.user(format!("{at}.reviews[{k}].by"), &r.by)?,
                state,
                submitted_at: r.at,
                commit_sha: Sha::derive(11, id),
            });
        }
        let comments = self.comments(at, &p.comments)?;
        let merged_by = match (&p.merged_by, p.merged_at) {
            (Some(login), Some(_)) => Some(self.user(format!("{at}.merged_by"), login)?),
            (Some(_), None) => return Err(bad(format!("{at}.merged_by"), "set without merged_at")),
            (None, _) => None,
        };
        if p.merged_at.is_some() != merge_commit_sha.is_some() {
            return Err(bad(
                format!("{at}.merge_commit"),
                "a merged pull request names its merge commit, and only one",
            ));
        }
        let closed_at = p.closed_at.or(p.merged_at);
        let updated_at = [Some(p.created_at), p.ready_for_review_at, closed_at]
            .into_iter()
            .flatten()
            .chain(reviews.iter().map(|r| r.submitted_at))
            .chain(comments.iter().map(|c| c.created_at))
            .max()
            .unwrap_or(p.created_at);
        if p.commits.is_some_and(|n| n > 100) {
            let at = format!("{at}.commits");
            return Err(bad(at, "at most 100 in a scenario"));
        }
        Ok(PullRequest {
            id,
            issue_id: self.id(),
            number: p.number,
            title: p
                .title
                .clone()
                .unwrap_or_else(|| format!("Change #{}", p.number)),
            body: p.body.clone(),
            author_id: self.user(format!("{at}.author"), &p.author)?,
            state: if closed_at.is_some() {
                PullState::Closed
            } else {
                PullState::Open
            },
            draft: p.draft,
            labels: p.labels.iter().map(|l| leak(l)).collect(),
            created_at: p.created_at,
            updated_at,
            closed_at,
            merged_at: p.merged_at,
            merged_by,
            ready_for_review_at: p.ready_for_review_at,
            first_commit_at: p.first_commit_at.unwrap_or(p.created_at),
            head_ref: p
                .head
                .clone()
                .unwrap_or_else(|| format!("feature/{}", p.number)),
            base_ref: base.to_string(),
            head_sha: Sha::derive(11, id),
            merge_commit_sha,
            additions: p.additions,
            deletions: p.deletions,
            changed_files: p.changed_files,
            commits: p.commits.unwrap_or(1).max(1),
            reviews,
            comments,
            review_comments: Vec::new(),
        })
    }

    fn issue(&mut self, at: &str, i: &IssueSpec) -> Result<Issue, ScenarioError> {
        let comments = self.comments(at, &i.comments)?;
        let state_reason = match (i.closed_at, i.state_reason.as_deref()) {
            (None, None) => None,
            (None, Some(_)) => {
                return Err(bad(format!("{at}.state_reason"), "set on an open issue"))
            }
            (Some(_), None | Some("completed")) => Some("completed"),
            (Some(_), Some("not_planned")) => Some("not_planned"),
            (Some(_), Some(other)) => {
                return Err(bad(
                    format!("{at}.state_reason"),
                    format!("{other:?} is not completed or not_planned"),
                ))
            }
        };
        let updated_at = [Some(i.created_at), i.closed_at]
            .into_iter()
            .flatten()
            .chain(comments.iter().map(|c| c.created_at))
            .max()
            .unwrap_or(i.created_at);
        Ok(Issue {
            id: self.id(),
            number: i.number,
            title: i
                .title
                .clone()
                .unwrap_or_else(|| format!("Issue #{}", i.number)),
            author_id: self.user(format!("{at}.author"), &i.author)?,
            state: if i.closed_at.is_some() {
                IssueState::Closed
            } else {
                IssueState::Open
            },
            state_reason,
            labels: i.labels.iter().map(|l| leak(l)).collect(),
            assignee_ids: Vec::new(),
            comments,
            created_at: i.created_at,
            updated_at,
            closed_at: i.closed_at,
        })
    }

    fn run(
        &mut self,
        at: &str,
        r: &RunSpec,
        workflow_id: u64,
        head_sha: Sha,
        run_number: u64,
    ) -> Result<WorkflowRun, ScenarioError> {
        let status = match r.status.as_deref().unwrap_or("completed") {
            "queued" => RunStatus::Queued,
            "in_progress" => RunStatus::InProgress,
            "completed" => RunStatus::Completed,
            other => {
                return Err(bad(
                    format!("{at}.status"),
                    format!("{other:?} is not queued, in_progress or completed"),
                ))
            }
        };
        let conclusion = match (status, r.conclusion.as_deref()) {
            (RunStatus::Completed, None | Some("success")) => Some(Conclusion::Success),
            (RunStatus::Completed, Some("failure")) => Some(Conclusion::Failure),
            (RunStatus::Completed, Some("cancelled")) => Some(Conclusion::Cancelled),
            (RunStatus::Completed, Some("skipped")) => Some(Conclusion::Skipped),
            (RunStatus::Completed, Some(other)) => {
                return Err(bad(
                    format!("{at}.conclusion"),
                    format!("{other:?} is not a conclusion"),
                ))
            }
            (_, None) => None,
            (_, Some(_)) => {
                return Err(bad(
                    format!("{at}.conclusion"),
                    "set on a run that has not completed",
                ))
            }
        };
        let started = r.started_at.unwrap_or(r.created_at);
        Ok(WorkflowRun {
            id: self.id(),
            workflow_id,
            run_number,
            event: leak(r.event.as_deref().unwrap_or(if r.pull.is_some() {
                "pull_request"
            } else {
                "push"
            })),
            head_sha,
            pull_number: r.pull,
            actor_id: self.user(format!("{at}.actor"), &r.actor)?,
            status,
            conclusion,
            run_attempt: r.attempt.unwrap_or(1).max(1),
            created_at: r.created_at,
            run_started_at: started,
            updated_at: r.updated_at.unwrap_or(started + Duration::minutes(5)),
        })
    }

    fn deployment(
        &mut self,
        at: &str,
        d: &DeploymentSpec,
        sha: Sha,
        git_ref: &str,
    ) -> Result<Deployment, ScenarioError> {
        let creator_id = self.user(format!("{at}.creator"), &d.creator)?;
        let mut statuses = Vec::new();
        for (k, s) in d.statuses.iter().enumerate() {
            let state = match s.state.as_str() {
                known @ ("success" | "failure" | "error" | "inactive" | "in_progress"
                | "queued" | "pending") => leak(known),
                other => {
                    return Err(bad(
                        format!("{at}.statuses[{k}].state"),
                        format!("{other:?} is not a deployment state"),
                    ))
                }
            };
            statuses.push(DeploymentStatus {
                id: self.id(),
                state,
                creator_id,
                created_at: s.at,
            });
        }
        Ok(Deployment {
            id: self.id(),
            sha,
            git_ref: git_ref.to_string(),
            environment: leak(&d.environment),
            creator_id,
            created_at: d.created_at,
            updated_at: statuses.last().map_or(d.created_at, |s| s.created_at),
            statuses,
        })
    }
}
