//! Stargazers, forks and contributors: the one writer of each.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{Stored, Table};

#[derive(Debug, Clone, Serialize)]
pub struct StarRow {
    pub repository_id: i64,
    pub user_github_id: i64,
    pub login: String,
    pub starred_at: DateTime<Utc>,
}

impl Stored for StarRow {
    const TABLE: Table = Table::new("stargazers", &["repository_id", "user_github_id"]);
}

#[derive(Debug, Clone, Serialize)]
pub struct ForkRow {
    pub github_id: i64,
    pub repository_id: i64,
    pub full_name: String,
    pub owner_login: String,
    pub created_at: DateTime<Utc>,
}

impl Stored for ForkRow {
    const TABLE: Table = Table::new("forks", &["github_id"]);
}

#[derive(Debug, Clone, Serialize)]
pub struct ContributorRow {
    pub repository_id: i64,
    pub user_github_id: i64,
    pub login: String,
    pub contributions: i64,
}

impl Stored for ContributorRow {
    const TABLE: Table = Table::new("contributors", &["repository_id", "user_github_id"]);
}
