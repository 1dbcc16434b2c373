//! Stargazers, forks and contributors: the one writer of each.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{upsert, Conn, Table};

const STARGAZERS: Table = Table::new("stargazers", &["repository_id", "user_github_id"]);
const FORKS: Table = Table::new("forks", &["github_id"]);
const CONTRIBUTORS: Table = Table::new("contributors", &["repository_id", "user_github_id"]);

#[derive(Debug, Clone, Serialize)]
pub struct StarRow {
    pub repository_id: i64,
    pub user_github_id: i64,
    pub login: String,
    pub starred_at: DateTime<Utc>,
}

pub async fn upsert_stars(conn: &mut Conn, rows: &[StarRow]) -> Result<u64, sqlx::Error> {
    upsert(conn, &STARGAZERS, rows).await
}

#[derive(Debug, Clone, Serialize)]
pub struct ForkRow {
    pub github_id: i64,
    pub repository_id: i64,
    pub full_name: String,
    pub owner_login: String,
    pub created_at: DateTime<Utc>,
}

pub async fn upsert_forks(conn: &mut Conn, rows: &[ForkRow]) -> Result<u64, sqlx::Error> {
    upsert(conn, &FORKS, rows).await
}

#[derive(Debug, Clone, Serialize)]
pub struct ContributorRow {
    pub repository_id: i64,
    pub user_github_id: i64,
    pub login: String,
    pub contributions: i64,
}

pub async fn replace_contributors(
    conn: &mut Conn,
    repository_id: i64,
    rows: &[ContributorRow],
) -> Result<u64, sqlx::Error> {
    super::replace_repository_rows(conn, &CONTRIBUTORS, repository_id, rows).await
}
