//! Stargazers, forks and contributors: the one writer of each.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{upsert, Conn};

#[derive(Debug, Clone, Serialize)]
pub struct StarRow {
    pub repository_id: i64,
    pub user_github_id: i64,
    pub login: String,
    pub starred_at: DateTime<Utc>,
}

pub async fn upsert_stars(conn: &mut Conn, rows: &[StarRow]) -> Result<u64, sqlx::Error> {
    upsert(
        conn,
        "INSERT INTO stargazers (repository_id, user_github_id, login, starred_at)
         SELECT * FROM jsonb_to_recordset($1) AS u(repository_id bigint, user_github_id bigint,
                login text, starred_at timestamptz)
         ON CONFLICT (repository_id, user_github_id) DO UPDATE SET login = EXCLUDED.login,
            starred_at = EXCLUDED.starred_at",
        rows,
    )
    .await
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
    upsert(
        conn,
        "INSERT INTO forks (github_id, repository_id, full_name, owner_login, created_at)
         SELECT * FROM jsonb_to_recordset($1) AS u(github_id bigint, repository_id bigint,
                full_name text, owner_login text, created_at timestamptz)
         ON CONFLICT (github_id) DO UPDATE SET full_name = EXCLUDED.full_name,
            owner_login = EXCLUDED.owner_login",
        rows,
    )
    .await
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
    super::replace_repository_rows(
        conn,
        super::Replaced::Contributors,
        repository_id,
        "INSERT INTO contributors (repository_id, user_github_id, login, contributions)
         SELECT * FROM jsonb_to_recordset($1) AS u(repository_id bigint, user_github_id bigint,
                login text, contributions int)
         ON CONFLICT (repository_id, user_github_id) DO UPDATE SET
            contributions = EXCLUDED.contributions",
        rows,
    )
    .await
}
