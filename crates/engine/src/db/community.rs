//! Stargazers, forks and contributors: the one writer of each.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{Conn, Stored, Table};

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

/// The newest `starred_at` stored for a repository (none without stars).
pub async fn newest_star(
    conn: &mut Conn,
    repository_id: i64,
) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    sqlx::query_scalar("SELECT max(starred_at) FROM stargazers WHERE repository_id = $1")
        .bind(repository_id)
        .fetch_one(conn)
        .await
}
