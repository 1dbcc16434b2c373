//! The simulated world: users, one organisation, its repositories and their pull requests,
//! generated deterministically from a seed and an anchor time ("now").

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};

/// A small, fast, deterministic generator (SplitMix64). The simulator's output must be
/// identical for the same seed on every machine and version, so it carries its own.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [lo, hi).
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        debug_assert!(hi > lo);
        lo + self.next_u64() % (hi - lo)
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Log-normal sample with the given median and spread (sigma of the underlying normal).
    pub fn log_normal(&mut self, median: f64, sigma: f64) -> f64 {
        // Box-Muller; `unit` can return 0, which ln cannot take.
        let u1 = self.unit().max(f64::MIN_POSITIVE);
        let u2 = self.unit();
        let n = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
        median * (sigma * n).exp()
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.range(0, items.len() as u64) as usize]
    }
}

/// How much history to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Size {
    /// Five repositories with half a year of history: the demo and most tests.
    #[default]
    Small,
    /// Twenty repositories with a year of history.
    Medium,
    /// An organisation of two hundred repositories with two years of history: about
    /// 200k pull requests, 500k commits, 1M stars.
    Large,
}

impl std::str::FromStr for Size {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "small" => Ok(Size::Small),
            "medium" => Ok(Size::Medium),
            "large" => Ok(Size::Large),
            other => Err(format!(
                "unknown size {other:?}: expected small, medium or large"
            )),
        }
    }
}

/// The knobs a size sets.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Shape {
    pub repos: usize,
    pub weeks: i64,
    /// Multiplies every repository's weekly activity.
    pub activity: f64,
    /// Organisation members beyond the named users.
    pub extra_members: usize,
    /// Stars of the most starred repository; the others follow a power law.
    pub stars: f64,
}

impl Size {
    pub(crate) fn shape(self) -> Shape {
        match self {
            Size::Small => Shape {
                repos: 5,
                weeks: 26,
                activity: 1.0,
                extra_members: 0,
                stars: 400.0,
            },
            Size::Medium => Shape {
                repos: 20,
                weeks: 52,
                activity: 1.0,
                extra_members: 12,
                stars: 3_000.0,
            },
            Size::Large => Shape {
                repos: 200,
                weeks: 104,
                activity: 6.0,
                extra_members: 120,
                stars: 170_000.0,
            },
        }
    }
}

pub type Time = DateTime<Utc>;

/// A git object id, kept as 20 bytes and rendered as 40 hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sha(pub [u8; 20]);

impl Sha {
    /// A stable, well-spread id for object `id` of a kind (`salt`).
    pub fn derive(salt: u64, id: u64) -> Sha {
        let mut rng = Rng::new(salt.wrapping_mul(0x100_0000_01B3) ^ id);
        let mut bytes = [0u8; 20];
        for chunk in bytes.chunks_mut(8) {
            let word = rng.next_u64().to_le_bytes();
            chunk.copy_from_slice(&word[..chunk.len()]);
        }
        Sha(bytes)
    }

    pub fn hex(&self) -> String {
        hex::encode(self.0)
    }

    pub fn parse(text: &str) -> Option<Sha> {
        let bytes = hex::decode(text).ok()?;
        Some(Sha(bytes.try_into().ok()?))
    }
}

impl std::fmt::Display for Sha {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.hex())
    }
}

impl std::fmt::Debug for Sha {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Sha({})", self.hex())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Permission {
    Pull,
    Push,
    Admin,
}

#[derive(Debug, Clone)]
pub struct User {
    pub id: u64,
    pub login: String,
    pub name: String,
    pub email: String,
    pub created_at: Time,
    pub is_bot: bool,
    /// The OAuth/personal token the simulator accepts for this user.
    pub token: String,
}

/// Accounts that only star and fork (no token, no profile) are not stored: their login
/// follows from their id, which starts here.
pub const STARGAZER_BASE: u64 = 70_000_000;
/// Distinct stargazer accounts (a prime, so strides walk all of them).
pub const STARGAZER_POOL: u64 = 1_000_003;

/// Any account a world mentions: a stored user or a stargazer.
#[derive(Debug, Clone)]
pub struct Account<'a> {
    pub id: u64,
    pub login: std::borrow::Cow<'a, str>,
    pub is_bot: bool,
}

#[derive(Debug, Clone)]
pub struct Organization {
    pub id: u64,
    pub login: String,
    pub name: String,
    pub created_at: Time,
    /// Members and whether they are owners (`admin`).
    pub members: Vec<(u64, bool)>,
}

#[derive(Debug, Clone)]
pub struct Team {
    pub id: u64,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub created_at: Time,
    /// Members and whether they maintain the team.
    pub members: Vec<(u64, bool)>,
    pub repo_ids: Vec<u64>,
}

#[derive(Debug, Clone)]
pub struct Repository {
    pub id: u64,
    pub owner: String,
    pub name: String,
    /// Names the repository had before a rename; GitHub answers them with 301.
    pub former_names: Vec<String>,
    pub description: String,
    pub private: bool,
    pub language: String,
    pub topics: Vec<&'static str>,
    pub default_branch: String,
    pub created_at: Time,
    pub updated_at: Time,
    pub pushed_at: Time,
    pub archived: bool,
    /// Who may see this repository, and with what role. Public repositories are
    /// readable by everyone, but only these users have them in `/user/repos`.
    pub collaborators: Vec<(u64, Permission)>,
    pub pulls: Vec<PullRequest>,
    /// Issues that are not pull requests. Issues and pull requests share one number
    /// sequence per repository, as on GitHub.
    pub issues: Vec<Issue>,
    /// The default branch's history, oldest first.
    pub commits: Vec<Commit>,
    /// Oldest first, as GitHub lists stargazers.
    pub stars: Vec<Star>,
    pub forks: Vec<Fork>,
    /// Oldest first.
    pub releases: Vec<Release>,
    pub workflows: Vec<Workflow>,
    /// Oldest first.
    pub runs: Vec<WorkflowRun>,
    /// Oldest first.
    pub deployments: Vec<Deployment>,
    pub hooks: Vec<Hook>,
    /// The npm package it publishes, with its daily downloads.
    pub package: Option<Package>,
}

/// An npm package and its downloads per UTC day, as npm's download counts API serves
/// them (`crate::npm`).
#[derive(Debug, Clone, PartialEq)]
pub struct Package {
    /// `name` or `@scope/name`.
    pub name: String,
    /// The day of `daily[0]`; npm knows nothing before it.
    pub first_day: chrono::NaiveDate,
    pub daily: Vec<u64>,
}

impl Package {
    /// Downloads on `day` (0 outside what is known).
    pub fn on(&self, day: chrono::NaiveDate) -> u64 {
        let k = (day - self.first_day).num_days();
        if k < 0 {
            return 0;
        }
        self.daily.get(k as usize).copied().unwrap_or(0)
    }
}

impl Repository {
    /// A repository with no history yet: public, `main` as its default branch, created,
    /// updated and pushed at `created_at`.
    pub fn new(
        id: u64,
        owner: &str,
        name: &str,
        created_at: Time,
        collaborators: Vec<(u64, Permission)>,
    ) -> Repository {
        Repository {
            id,
            owner: owner.to_string(),
            name: name.to_string(),
            former_names: Vec::new(),
            description: String::new(),
            private: false,
            language: String::new(),
            topics: Vec::new(),
            default_branch: "main".into(),
            created_at,
            updated_at: created_at,
            pushed_at: created_at,
            archived: false,
            collaborators,
            pulls: Vec::new(),
            issues: Vec::new(),
            commits: Vec::new(),
            stars: Vec::new(),
            forks: Vec::new(),
            releases: Vec::new(),
            workflows: Vec::new(),
            runs: Vec::new(),
            deployments: Vec::new(),
            hooks: Vec::new(),
            package: None,
        }
    }

    pub fn full_name(&self) -> String {
        format!("{}/{}", self.owner, self.name)
    }

    pub fn permission_of(&self, user_id: u64) -> Option<Permission> {
        // The app is installed on the organisation for all repositories, read-only.
        if user_id == crate::app::APP_BOT_ID {
            return Some(Permission::Pull);
        }
        self.collaborators
            .iter()
            .find(|(id, _)| *id == user_id)
            .map(|(_, p)| *p)
    }

    pub fn visible_to(&self, user_id: u64) -> bool {
        !self.private || self.permission_of(user_id).is_some()
    }

    /// Whether a request by `viewer` (anonymous when `None`) may see this repository.
    pub fn visible_to_viewer(&self, viewer: Option<&User>) -> bool {
        viewer.map_or(!self.private, |u| self.visible_to(u.id))
    }

    pub fn pull(&self, number: u64) -> Option<&PullRequest> {
        self.pulls
            .binary_search_by_key(&number, |p| p.number)
            .ok()
            .map(|i| &self.pulls[i])
    }

    pub fn pull_mut(&mut self, number: u64) -> Option<&mut PullRequest> {
        let i = self
            .pulls
            .binary_search_by_key(&number, |p| p.number)
            .ok()?;
        Some(&mut self.pulls[i])
    }

    pub fn issue(&self, number: u64) -> Option<&Issue> {
        self.issues
            .binary_search_by_key(&number, |i| i.number)
            .ok()
            .map(|i| &self.issues[i])
    }

    pub fn issue_mut(&mut self, number: u64) -> Option<&mut Issue> {
        let i = self
            .issues
            .binary_search_by_key(&number, |i| i.number)
            .ok()?;
        Some(&mut self.issues[i])
    }

    /// The next issue/pull request number.
    pub fn next_number(&self) -> u64 {
        let last_pull = self.pulls.last().map_or(0, |p| p.number);
        let last_issue = self.issues.last().map_or(0, |i| i.number);
        last_pull.max(last_issue) + 1
    }

    pub fn commit(&self, sha: &Sha) -> Option<&Commit> {
        self.commits.iter().rev().find(|c| c.sha == *sha)
    }

    pub fn head(&self) -> Option<&Commit> {
        self.commits.last()
    }

    /// The branches that exist: the default branch and every open pull request's head.
    pub fn branches(&self) -> Vec<(String, Sha)> {
        let mut branches: Vec<(String, Sha)> = Vec::new();
        if let Some(head) = self.head() {
            branches.push((self.default_branch.clone(), head.sha));
        }
        for p in self.pulls.iter().filter(|p| p.state == PullState::Open) {
            branches.push((p.head_ref.clone(), p.head_sha));
        }
        branches.sort_by(|a, b| a.0.cmp(&b.0));
        branches
    }

    pub fn workflow(&self, id: u64) -> Option<&Workflow> {
        self.workflows.iter().find(|w| w.id == id)
    }

    /// The branch a workflow run ran on.
    pub fn run_branch(&self, run: &WorkflowRun) -> &str {
        run.pull_number
            .and_then(|n| self.pull(n))
            .map_or(self.default_branch.as_str(), |p| p.head_ref.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PullState {
    Open,
    Closed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewState {
    Approved,
    ChangesRequested,
    Commented,
    Dismissed,
}

impl ReviewState {
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewState::Approved => "APPROVED",
            ReviewState::ChangesRequested => "CHANGES_REQUESTED",
            ReviewState::Commented => "COMMENTED",
            ReviewState::Dismissed => "DISMISSED",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Review {
    pub id: u64,
    pub reviewer_id: u64,
    pub state: ReviewState,
    pub submitted_at: Time,
    pub commit_sha: Sha,
}

/// A conversation comment on an issue or a pull request.
#[derive(Debug, Clone)]
pub struct Comment {
    pub id: u64,
    pub author_id: u64,
    pub created_at: Time,
    pub updated_at: Time,
}

/// A comment on a pull request's diff, part of a review.
#[derive(Debug, Clone)]
pub struct ReviewComment {
    pub id: u64,
    pub review_id: u64,
    pub author_id: u64,
    pub created_at: Time,
    pub updated_at: Time,
}

#[derive(Debug, Clone)]
pub struct PullRequest {
    pub id: u64,
    /// The id of the issue GitHub keeps for every pull request (`/issues` lists it).
    pub issue_id: u64,
    pub number: u64,
    pub title: String,
    /// The description; `Fixes #N` links (and, merged, closes) issue N.
    pub body: Option<String>,
    pub author_id: u64,
    pub state: PullState,
    pub draft: bool,
    pub labels: Vec<&'static str>,
    pub created_at: Time,
    pub updated_at: Time,
    pub closed_at: Option<Time>,
    pub merged_at: Option<Time>,
    pub merged_by: Option<u64>,
    /// When a pull request opened as a draft was marked ready for review.
    pub ready_for_review_at: Option<Time>,
    /// The author date of the first commit on the branch.
    pub first_commit_at: Time,
    pub head_ref: String,
    pub base_ref: String,
    pub head_sha: Sha,
    pub merge_commit_sha: Option<Sha>,
    pub additions: u32,
    pub deletions: u32,
    pub changed_files: u32,
    pub commits: u32,
    pub reviews: Vec<Review>,
    pub comments: Vec<Comment>,
    pub review_comments: Vec<ReviewComment>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IssueState {
    Open,
    Closed,
}

#[derive(Debug, Clone)]
pub struct Issue {
    pub id: u64,
    pub number: u64,
    pub title: String,
    pub author_id: u64,
    pub state: IssueState,
    /// `completed` or `not_planned` once closed.
    pub state_reason: Option<&'static str>,
    pub labels: Vec<&'static str>,
    pub assignee_ids: Vec<u64>,
    pub comments: Vec<Comment>,
    pub created_at: Time,
    pub updated_at: Time,
    pub closed_at: Option<Time>,
}

/// What put a commit on the default branch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommitKind {
    /// Work on a pull request's branch, merged with it.
    Work { pull: u64 },
    /// The merge commit of a pull request.
    Merge { pull: u64 },
    /// Pushed straight to the default branch.
    Direct,
}

#[derive(Debug, Clone)]
pub struct Commit {
    pub sha: Sha,
    pub parent: Option<Sha>,
    pub kind: CommitKind,
    pub author_id: u64,
    pub authored_at: Time,
    pub committed_at: Time,
    pub additions: u32,
    pub deletions: u32,
    pub files: u32,
}

#[derive(Debug, Clone, Copy)]
pub struct Star {
    pub user_id: u64,
    pub starred_at: Time,
}

#[derive(Debug, Clone)]
pub struct Fork {
    pub id: u64,
    pub owner_id: u64,
    pub created_at: Time,
}

#[derive(Debug, Clone)]
pub struct Release {
    pub id: u64,
    pub tag: String,
    pub name: String,
    pub author_id: u64,
    pub sha: Sha,
    pub prerelease: bool,
    pub created_at: Time,
    pub published_at: Time,
}

#[derive(Debug, Clone)]
pub struct Workflow {
    pub id: u64,
    pub name: &'static str,
    pub path: &'static str,
    pub created_at: Time,
    pub updated_at: Time,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunStatus {
    Queued,
    InProgress,
    Completed,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Queued => "queued",
            RunStatus::InProgress => "in_progress",
            RunStatus::Completed => "completed",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conclusion {
    Success,
    Failure,
    Cancelled,
    Skipped,
}

impl Conclusion {
    pub fn as_str(self) -> &'static str {
        match self {
            Conclusion::Success => "success",
            Conclusion::Failure => "failure",
            Conclusion::Cancelled => "cancelled",
            Conclusion::Skipped => "skipped",
        }
    }
}

#[derive(Debug, Clone)]
pub struct WorkflowRun {
    pub id: u64,
    pub workflow_id: u64,
    pub run_number: u64,
    pub event: &'static str,
    pub head_sha: Sha,
    /// The pull request a `pull_request` run ran for (its branch is the run's branch).
    pub pull_number: Option<u64>,
    pub actor_id: u64,
    pub status: RunStatus,
    pub conclusion: Option<Conclusion>,
    pub run_attempt: u32,
    pub created_at: Time,
    pub run_started_at: Time,
    pub updated_at: Time,
}

/// A job of a workflow run (also what GitHub shows as a check run).
#[derive(Debug, Clone)]
pub struct Job {
    pub id: u64,
    pub name: &'static str,
    pub status: RunStatus,
    pub conclusion: Option<Conclusion>,
    pub started_at: Time,
    pub completed_at: Option<Time>,
}

impl WorkflowRun {
    /// The run's jobs, derived from the run so they cost no memory: the workflow's job
    /// names, sequential timings inside the run, and for a failed run the failing job.
    pub fn jobs(&self, workflow: &Workflow) -> Vec<Job> {
        let names: &[&'static str] = match workflow.name {
            "Deploy" => &["deploy"],
            _ => &["build", "test", "lint"],
        };
        let mut rng = Rng::new(self.id);
        let failing = rng.range(0, names.len() as u64) as usize;
        let total = (self.updated_at - self.run_started_at)
            .num_seconds()
            .max(names.len() as i64);
        let mut at = self.run_started_at;
        names
            .iter()
            .enumerate()
            .map(|(k, name)| {
                let share = if k + 1 == names.len() {
                    (self.run_started_at + Duration::seconds(total) - at).num_seconds()
                } else {
                    total / names.len() as i64
                };
                let started_at = at;
                let end = at + Duration::seconds(share.max(1));
                at = end;
                let (status, conclusion, completed_at) = match (self.status, self.conclusion) {
                    (RunStatus::Completed, Some(Conclusion::Failure)) if k == failing => {
                        (RunStatus::Completed, Some(Conclusion::Failure), Some(end))
                    }
                    (RunStatus::Completed, Some(Conclusion::Failure)) if k > failing => {
                        (RunStatus::Completed, Some(Conclusion::Skipped), Some(end))
                    }
                    (RunStatus::Completed, Some(Conclusion::Failure)) => {
                        (RunStatus::Completed, Some(Conclusion::Success), Some(end))
                    }
                    (RunStatus::Completed, c) => (RunStatus::Completed, c, Some(end)),
                    (s, _) => (s, None, None),
                };
                Job {
                    id: self.id * 8 + k as u64,
                    name,
                    status,
                    conclusion,
                    started_at,
                    completed_at,
                }
            })
            .collect()
    }
}

#[derive(Debug, Clone)]
pub struct DeploymentStatus {
    pub id: u64,
    pub state: &'static str,
    pub creator_id: u64,
    pub created_at: Time,
}

#[derive(Debug, Clone)]
pub struct Deployment {
    pub id: u64,
    pub sha: Sha,
    pub git_ref: String,
    pub environment: &'static str,
    pub creator_id: u64,
    pub created_at: Time,
    pub updated_at: Time,
    /// Oldest first; GitHub lists them newest first.
    pub statuses: Vec<DeploymentStatus>,
}

#[derive(Debug, Clone)]
pub struct Hook {
    pub id: u64,
    pub url: String,
    pub secret: Option<String>,
    pub content_type: String,
    pub events: Vec<String>,
    pub active: bool,
    pub created_at: Time,
    pub updated_at: Time,
}

impl Hook {
    pub fn wants(&self, event: &str) -> bool {
        self.active && self.events.iter().any(|e| e == event || e == "*")
    }
}

/// The labels every generated repository has, with GitHub's default colours.
pub const LABELS: &[(&str, &str, &str)] = &[
    ("bug", "d73a4a", "Something isn't working"),
    ("enhancement", "a2eeef", "New feature or request"),
    (
        "documentation",
        "0075ca",
        "Improvements or additions to documentation",
    ),
    ("incident", "b60205", "A production incident"),
    ("good first issue", "7057ff", "Good for newcomers"),
    (
        "dependencies",
        "0366d6",
        "Pull requests that update a dependency file",
    ),
];

/// Everything the simulator serves.
#[derive(Debug, Clone)]
pub struct World {
    pub now: Time,
    pub users: Vec<User>,
    pub org: Organization,
    pub teams: Vec<Team>,
    pub repos: Vec<Repository>,
    /// Ids for objects created after generation (by the control API).
    pub next_id: u64,
    /// Where each pull request, issue and workflow run sits, built on first use.
    pub nodes: NodeIndex,
}

/// Positions `(repository, item)` of the objects GraphQL looks up by node id, so
/// `nodes(ids:)` does not scan every repository (a `large` world has 700k runs).
/// An entry is checked against the item it points at before use, so a stale index
/// can only cost a scan, never a wrong answer; `World::apply` clears it.
#[derive(Debug, Default)]
pub struct NodeIndex(std::sync::OnceLock<NodePositions>);

type NodePositions = HashMap<(NodeKind, u64), (usize, usize)>;

impl Clone for NodeIndex {
    fn clone(&self) -> Self {
        NodeIndex::default()
    }
}

impl NodeIndex {
    pub fn clear(&mut self) {
        self.0 = std::sync::OnceLock::new();
    }
}

/// What kind of repository item a node id names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NodeKind {
    Pull,
    Issue,
    Run,
}

impl NodeKind {
    const ALL: [NodeKind; 3] = [NodeKind::Pull, NodeKind::Issue, NodeKind::Run];

    /// How many items of this kind a repository holds.
    fn count(self, repo: &Repository) -> usize {
        match self {
            NodeKind::Pull => repo.pulls.len(),
            NodeKind::Issue => repo.issues.len(),
            NodeKind::Run => repo.runs.len(),
        }
    }

    /// The id of a repository's `i`th item of this kind.
    fn id_at(self, repo: &Repository, i: usize) -> Option<u64> {
        match self {
            NodeKind::Pull => repo.pulls.get(i).map(|p| p.id),
            NodeKind::Issue => repo.issues.get(i).map(|x| x.id),
            NodeKind::Run => repo.runs.get(i).map(|x| x.id),
        }
    }
}

impl World {
    pub fn user_by_token(&self, token: &str) -> Option<&User> {
        self.users.iter().find(|u| u.token == token)
    }

    pub fn user_by_login(&self, login: &str) -> Option<&User> {
        self.users
            .iter()
            .find(|u| u.login.eq_ignore_ascii_case(login))
    }

    pub fn user(&self, id: u64) -> Option<&User> {
        self.users
            .binary_search_by_key(&id, |u| u.id)
            .ok()
            .map(|i| &self.users[i])
    }

    /// A user or a stargazer, by id.
    pub fn account(&self, id: u64) -> Option<Account<'_>> {
        if let Some(u) = self.user(id) {
            return Some(Account {
                id,
                login: std::borrow::Cow::Borrowed(&u.login),
                is_bot: u.is_bot,
            });
        }
        (STARGAZER_BASE..STARGAZER_BASE + STARGAZER_POOL)
            .contains(&id)
            .then(|| Account {
                id,
                login: std::borrow::Cow::Owned(format!("stargazer-{}", id - STARGAZER_BASE)),
                is_bot: false,
            })
    }

    pub fn repo(&self, owner: &str, name: &str) -> Option<&Repository> {
        self.repos
            .iter()
            .find(|r| r.owner.eq_ignore_ascii_case(owner) && r.name.eq_ignore_ascii_case(name))
    }

    pub fn repo_mut(&mut self, owner: &str, name: &str) -> Option<&mut Repository> {
        self.repos
            .iter_mut()
            .find(|r| r.owner.eq_ignore_ascii_case(owner) && r.name.eq_ignore_ascii_case(name))
    }

    /// The position `(repository, item)` of a pull request, issue or workflow run.
    pub fn locate(&self, kind: NodeKind, id: u64) -> Option<(usize, usize)> {
        let positions = self.nodes.0.get_or_init(|| {
            let mut at = NodePositions::new();
            for (r, repo) in self.repos.iter().enumerate() {
                for k in NodeKind::ALL {
                    at.extend(
                        (0..k.count(repo)).filter_map(|i| Some(((k, k.id_at(repo, i)?), (r, i)))),
                    );
                }
            }
            at
        });
        let holds = |(r, i): (usize, usize)| {
            let repo = self.repos.get(r)?;
            (kind.id_at(repo, i) == Some(id)).then_some((r, i))
        };
        positions
            .get(&(kind, id))
            .copied()
            .and_then(holds)
            .or_else(|| {
                self.repos.iter().enumerate().find_map(|(r, repo)| {
                    let i = (0..kind.count(repo)).position(|i| kind.id_at(repo, i) == Some(id))?;
                    Some((r, i))
                })
            })
    }

    pub fn repo_by_id(&self, id: u64) -> Option<&Repository> {
        self.repos.iter().find(|r| r.id == id)
    }

    /// The repository that used to be called `owner/name`, if one was renamed.
    pub fn renamed_from(&self, owner: &str, name: &str) -> Option<&Repository> {
        self.repos.iter().find(|r| {
            r.owner.eq_ignore_ascii_case(owner)
                && r.former_names.iter().any(|n| n.eq_ignore_ascii_case(name))
        })
    }

    /// The repositories a user is a collaborator on, as `/user/repos` lists them.
    pub fn repos_of(&self, user_id: u64) -> impl Iterator<Item = &Repository> {
        self.repos
            .iter()
            .filter(move |r| r.permission_of(user_id).is_some())
    }

    pub fn is_member(&self, user_id: u64) -> bool {
        self.org.members.iter().any(|(id, _)| *id == user_id)
    }

    pub fn team(&self, slug: &str) -> Option<&Team> {
        self.teams
            .iter()
            .find(|t| t.slug.eq_ignore_ascii_case(slug))
    }

    /// A fresh id for an object created now.
    pub fn allocate_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }
}

/// Tokens look like GitHub's OAuth tokens (`gho_` + 36 characters) and are stable per seed.
pub fn token_for(seed: u64, login: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("{seed}:{login}").as_bytes());
    format!("gho_{}", &hex::encode(digest)[..36])
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn anchor() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 2, 0, 0, 0).unwrap()
    }

    #[test]
    fn same_seed_same_world() {
        let a = World::generate(7, Size::Small, anchor());
        let b = World::generate(7, Size::Small, anchor());
        let pulls = |w: &World| -> Vec<(u64, String, Option<DateTime<Utc>>)> {
            w.repos
                .iter()
                .flat_map(|r| r.pulls.iter().map(|p| (p.id, p.title.clone(), p.merged_at)))
                .collect()
        };
        assert_eq!(pulls(&a), pulls(&b));
        let c = World::generate(8, Size::Small, anchor());
        assert_ne!(pulls(&a), pulls(&c));
    }

    #[test]
    fn history_is_consistent() {
        let w = World::generate(1, Size::Small, anchor());
        assert_eq!(w.repos.len(), 5);
        for repo in &w.repos {
            // Issues and pull requests share one gap-free number sequence.
            let mut numbers: Vec<u64> = repo
                .pulls
                .iter()
                .map(|p| p.number)
                .chain(repo.issues.iter().map(|i| i.number))
                .collect();
            numbers.sort();
            assert_eq!(numbers, (1..=numbers.len() as u64).collect::<Vec<_>>());
            for issue in &repo.issues {
                assert_eq!(issue.closed_at.is_some(), issue.state == IssueState::Closed);
                assert_eq!(issue.closed_at.is_some(), issue.state_reason.is_some());
                assert!(issue.updated_at >= issue.created_at);
            }
            for p in &repo.pulls {
                assert!(p.created_at < w.now);
                assert!(p.updated_at >= p.created_at);
                if let Some(m) = p.merged_at {
                    assert_eq!(p.closed_at, Some(m));
                    assert_eq!(p.state, PullState::Closed);
                }
                if p.state == PullState::Open {
                    assert!(p.closed_at.is_none());
                }
            }
        }
        // The busiest repository needs several pages of 100.
        assert!(w.repos[0].pulls.len() > 200, "{}", w.repos[0].pulls.len());
    }

    #[test]
    fn carol_sees_one_repository() {
        let w = World::generate(1, Size::Small, anchor());
        let carol = w.user_by_login("carol").unwrap();
        let names: Vec<String> = w.repos_of(carol.id).map(|r| r.full_name()).collect();
        assert_eq!(names, vec!["acme/api".to_string()]);
        let alice = w.user_by_login("alice").unwrap();
        assert_eq!(w.repos_of(alice.id).count(), 5);
    }
}
