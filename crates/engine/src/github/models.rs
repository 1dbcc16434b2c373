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
}

#[derive(Debug, Clone, Deserialize)]
pub struct GhBranchRef {
    pub r#ref: String,
    pub sha: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct GhPullRequest {
    pub id: i64,
    #[serde(default)]
    pub node_id: Option<String>,
    pub number: i64,
    pub title: String,
    pub state: String,
    #[serde(default)]
    pub draft: Option<bool>,
    pub user: Option<GhAccount>,
    #[serde(default)]
    pub author_association: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub merged_at: Option<DateTime<Utc>>,
    pub merge_commit_sha: Option<String>,
    pub base: GhBranchRef,
    pub head: GhBranchRef,
}
