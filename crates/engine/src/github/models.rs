//! The fields of GitHub's REST objects that Pulseboard reads. Anything else GitHub sends is
//! ignored, so new fields never break a sync.

use chrono::{DateTime, Utc};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct GhUser {
    pub id: i64,
    pub login: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub avatar_url: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct GhAccount {
    pub id: i64,
    pub login: String,
    /// `User`, `Bot` or `Organization`.
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct GhPermissions {
    pub admin: bool,
    #[serde(default)]
    pub maintain: Option<bool>,
    pub push: bool,
    #[serde(default)]
    pub triage: Option<bool>,
    pub pull: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct GhRepository {
    pub id: i64,
    #[serde(default)]
    pub node_id: Option<String>,
    pub name: String,
    pub full_name: String,
    pub owner: GhAccount,
    pub private: bool,
    pub description: Option<String>,
    pub fork: bool,
    pub html_url: String,
    pub default_branch: String,
    #[serde(default)]
    pub archived: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub pushed_at: Option<DateTime<Utc>>,
    pub stargazers_count: i64,
    pub forks_count: i64,
    pub open_issues_count: i64,
    #[serde(default)]
    pub permissions: Option<GhPermissions>,
    #[serde(default)]
    pub language: Option<String>,
    #[serde(default)]
    pub topics: Vec<String>,
}

/// `GET /repos/{owner}/{repo}/issues` items: issues, and pull requests marked by
/// `pull_request`.
#[derive(Debug, Clone, Deserialize)]
pub struct GhIssue {
    pub id: i64,
    pub number: i64,
    pub title: String,
    pub state: String,
    #[serde(default)]
    pub state_reason: Option<String>,
    pub user: Option<GhAccount>,
    #[serde(default)]
    pub labels: Vec<GhLabel>,
    #[serde(default)]
    pub assignees: Vec<GhAccount>,
    #[serde(default)]
    pub comments: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub pull_request: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct GhLabel {
    pub name: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct GhWorkflow {
    pub id: i64,
    pub name: String,
    pub path: String,
    pub state: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct GhWorkflows {
    pub workflows: Vec<GhWorkflow>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct GhWorkflowRun {
    pub id: i64,
    pub workflow_id: i64,
    #[serde(default)]
    pub check_suite_node_id: Option<String>,
    pub run_number: i64,
    #[serde(default)]
    pub run_attempt: Option<i64>,
    pub event: String,
    pub status: Option<String>,
    pub conclusion: Option<String>,
    pub head_branch: Option<String>,
    pub head_sha: String,
    #[serde(default)]
    pub actor: Option<GhAccount>,
    pub created_at: DateTime<Utc>,
    #[serde(default)]
    pub run_started_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

/// `GET /installation/repositories`.
#[derive(Debug, Clone, Deserialize)]
pub struct GhInstallationRepositories {
    pub total_count: i64,
    pub repositories: Vec<GhRepository>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct GhWorkflowRuns {
    pub total_count: i64,
    pub workflow_runs: Vec<GhWorkflowRun>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct GhJob {
    pub id: i64,
    pub run_id: i64,
    pub name: String,
    pub status: String,
    pub conclusion: Option<String>,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct GhJobs {
    pub jobs: Vec<GhJob>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct GhRelease {
    pub id: i64,
    pub tag_name: String,
    pub name: Option<String>,
    pub draft: bool,
    pub prerelease: bool,
    pub author: Option<GhAccount>,
    pub created_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct GhTagCommit {
    pub sha: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct GhTag {
    pub name: String,
    pub commit: GhTagCommit,
}

/// A stargazer as `application/vnd.github.star+json` returns it.
#[derive(Debug, Clone, Deserialize)]
pub struct GhStargazer {
    pub starred_at: DateTime<Utc>,
    pub user: GhAccount,
}

#[derive(Debug, Clone, Deserialize)]
pub struct GhFork {
    pub id: i64,
    pub full_name: String,
    pub owner: GhAccount,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct GhContributor {
    #[serde(default)]
    pub id: Option<i64>,
    #[serde(default)]
    pub login: Option<String>,
    pub contributions: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct GhOrganization {
    pub id: i64,
    pub login: String,
    #[serde(default)]
    pub name: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct GhTeam {
    pub id: i64,
    pub slug: String,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
}

/// GitHub's GraphQL answers, for the engine's queries in `queries/`.
pub mod gql {
    use chrono::{DateTime, Utc};
    use serde::Deserialize;

    #[derive(Debug, Clone, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct PageInfo {
        pub has_next_page: bool,
        pub end_cursor: Option<String>,
    }

    #[derive(Debug, Clone, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Actor {
        /// GitHub's kind of account (`User`, `Bot`, `Organization`, `Mannequin`), when asked.
        #[serde(rename = "__typename", default)]
        pub typename: Option<String>,
        pub login: String,
        #[serde(default)]
        pub database_id: Option<i64>,
    }

    #[derive(Debug, Clone, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Nodes<T> {
        pub nodes: Vec<T>,
    }

    #[derive(Debug, Clone, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Counted<T> {
        pub total_count: i64,
        pub nodes: Vec<T>,
    }

    #[derive(Debug, Clone, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Connection<T> {
        pub total_count: i64,
        pub page_info: PageInfo,
        pub nodes: Vec<T>,
    }

    #[derive(Debug, Clone, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Oid {
        pub oid: String,
    }

    #[derive(Debug, Clone, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct AuthoredDate {
        /// Null for a commit whose author date GitHub cannot parse, though its schema says
        /// never: stored as unknown.
        #[serde(default)]
        pub authored_date: Option<DateTime<Utc>>,
    }

    #[derive(Debug, Clone, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct PullCommit {
        pub commit: AuthoredDate,
    }

    #[derive(Debug, Clone, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Review {
        pub database_id: i64,
        pub state: String,
        pub submitted_at: Option<DateTime<Utc>>,
        pub author: Option<Actor>,
    }

    #[derive(Debug, Clone, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Comment {
        pub database_id: i64,
        pub created_at: DateTime<Utc>,
        pub author: Option<Actor>,
    }

    #[derive(Debug, Clone, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct CreatedAt {
        #[serde(default)]
        pub created_at: Option<DateTime<Utc>>,
    }

    #[derive(Debug, Clone, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Name {
        pub name: String,
    }

    #[derive(Debug, Clone, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct PullRequest {
        pub database_id: i64,
        pub number: i64,
        pub title: String,
        pub state: String,
        pub is_draft: bool,
        pub created_at: DateTime<Utc>,
        pub updated_at: DateTime<Utc>,
        pub closed_at: Option<DateTime<Utc>>,
        pub merged_at: Option<DateTime<Utc>>,
        pub author: Option<Actor>,
        pub merged_by: Option<Actor>,
        pub author_association: String,
        /// Sizes: absent when GitHub could not compute them (asked again without them).
        #[serde(default)]
        pub additions: Option<i64>,
        #[serde(default)]
        pub deletions: Option<i64>,
        #[serde(default)]
        pub changed_files: Option<i64>,
        pub base_ref_name: String,
        pub head_ref_name: String,
        pub head_ref_oid: String,
        pub merge_commit: Option<Oid>,
        pub total_comments_count: Option<i64>,
        pub commits: Counted<PullCommit>,
        pub reviews: Counted<Review>,
        /// The first conversation comments (GitHub's order).
        pub comments: Counted<Comment>,
        pub timeline_items: Nodes<CreatedAt>,
        pub labels: Nodes<Name>,
    }

    #[derive(Debug, Clone, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct PullRequestsRepo {
        pub database_id: i64,
        pub pull_requests: Connection<PullRequest>,
    }

    #[derive(Debug, Clone, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct PullRequestsData {
        pub repository: Option<PullRequestsRepo>,
    }

    #[derive(Debug, Clone, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct GitActor {
        pub name: Option<String>,
        pub email: Option<String>,
        pub user: Option<Actor>,
    }

    #[derive(Debug, Clone, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct HistoryCommit {
        pub oid: String,
        pub message_headline: String,
        /// Null for commits whose author date GitHub cannot parse, though its schema
        /// says never.
        #[serde(default)]
        pub authored_date: Option<DateTime<Utc>>,
        pub committed_date: DateTime<Utc>,
        /// Sizes: absent when GitHub could not compute them for a huge commit (asked
        /// again without them), stored as unknown.
        #[serde(default)]
        pub additions: Option<i64>,
        #[serde(default)]
        pub deletions: Option<i64>,
        pub author: Option<GitActor>,
        pub parents: Nodes<Oid>,
    }

    #[derive(Debug, Clone, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct History {
        pub history: Connection<HistoryCommit>,
    }

    #[derive(Debug, Clone, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct HistoryRef {
        pub name: String,
        pub target: Option<History>,
    }

    #[derive(Debug, Clone, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct HistoryRepo {
        pub default_branch_ref: Option<HistoryRef>,
    }

    #[derive(Debug, Clone, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct HistoryData {
        pub repository: Option<HistoryRepo>,
    }

    #[derive(Debug, Clone, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct CheckRun {
        pub database_id: i64,
        pub name: String,
        pub status: String,
        pub conclusion: Option<String>,
        pub started_at: Option<DateTime<Utc>>,
        pub completed_at: Option<DateTime<Utc>>,
    }

    #[derive(Debug, Clone, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct SuiteRun {
        pub database_id: i64,
    }

    #[derive(Debug, Clone, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct CheckSuite {
        pub workflow_run: Option<SuiteRun>,
        pub check_runs: Counted<CheckRun>,
    }

    #[derive(Debug, Clone, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct CheckSuitesData {
        pub nodes: Vec<Option<CheckSuite>>,
    }

    #[derive(Debug, Clone, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct DeploymentStatus {
        pub state: String,
        pub created_at: DateTime<Utc>,
        #[serde(default)]
        pub id: Option<String>,
    }

    #[derive(Debug, Clone, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Deployment {
        pub database_id: i64,
        pub environment: String,
        pub commit_oid: String,
        pub created_at: DateTime<Utc>,
        pub updated_at: DateTime<Utc>,
        pub creator: Option<Actor>,
        pub statuses: Counted<DeploymentStatus>,
    }

    #[derive(Debug, Clone, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct DeploymentsRepo {
        pub deployments: Connection<Deployment>,
    }

    /// A connection read through its edges (where the edge carries data of its own).
    #[derive(Debug, Clone, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct EdgeConnection<T> {
        pub total_count: i64,
        pub page_info: PageInfo,
        pub edges: Vec<T>,
    }

    #[derive(Debug, Clone, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct StarEdge {
        pub starred_at: DateTime<Utc>,
        pub node: Actor,
    }

    #[derive(Debug, Clone, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct StargazersRepo {
        pub stargazers: EdgeConnection<StarEdge>,
    }

    #[derive(Debug, Clone, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct StargazersData {
        pub repository: Option<StargazersRepo>,
    }

    #[derive(Debug, Clone, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct DeploymentsData {
        pub repository: Option<DeploymentsRepo>,
    }

    /// What changed in a repository, read for up to 100 repositories at once.
    #[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
    #[serde(rename_all = "camelCase")]
    pub struct ChangeSignal {
        pub database_id: i64,
        pub name_with_owner: String,
        pub pushed_at: Option<DateTime<Utc>>,
        pub updated_at: DateTime<Utc>,
        pub stargazer_count: i64,
        pub fork_count: i64,
        #[serde(default)]
        pub default_branch_ref: Option<serde_json::Value>,
        #[serde(default)]
        pub pull_requests: Option<serde_json::Value>,
        #[serde(default)]
        pub issues: Option<serde_json::Value>,
        #[serde(default)]
        pub releases: Option<serde_json::Value>,
        #[serde(default)]
        pub deployments: Option<serde_json::Value>,
    }

    #[derive(Debug, Clone, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct ChangesData {
        pub nodes: Vec<Option<ChangeSignal>>,
    }
}

/// A comment of `GET /repos/{owner}/{repo}/issues/comments` (on an issue or a pull
/// request's conversation).
#[derive(Debug, Clone, Deserialize)]
pub struct GhIssueComment {
    pub id: i64,
    pub user: Option<GhAccount>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// `…/repos/{owner}/{repo}/issues/{number}`.
    pub issue_url: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct GhReview {
    pub id: i64,
    pub state: String,
    pub submitted_at: Option<DateTime<Utc>>,
    pub user: Option<GhAccount>,
}
