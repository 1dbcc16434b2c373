//! The default branch's commits: the one writer, what is known, and what a force-push
//! removed.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{Conn, Stored, Table};

#[derive(Debug, Clone, Serialize)]
pub struct CommitRow {
    pub repository_id: i64,
    pub sha: String,
    pub parent_sha: Option<String>,
    pub author_github_id: Option<i64>,
    pub author_login: Option<String>,
    pub author_name: Option<String>,
    pub author_email: Option<String>,
    pub authored_at: DateTime<Utc>,
    pub committed_at: DateTime<Utc>,
    pub additions: Option<i64>,
    pub deletions: Option<i64>,
    pub message_headline: String,
}

impl Stored for CommitRow {
    /// A commit's sizes never change: one GitHub could not compute this time keeps what
    /// an earlier read stored.
    const TABLE: Table = Table {
        keep_when_null: &["additions", "deletions"],
        ..Table::new("commits", &["repository_id", "sha"])
    };
}

/// The shas among `shas` already stored for the repository.
pub async fn known_commits(
    conn: &mut Conn,
    repository_id: i64,
    shas: &[String],
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT sha FROM commits WHERE repository_id = $1 AND sha = ANY($2)")
        .bind(repository_id)
        .bind(shas)
        .fetch_all(conn)
        .await
}

/// Removes the commits that a force-push took off the branch: those reachable from
/// `old_head` (through stored parents) down to, but not including, `keep_from`, that are
/// not in `new_chain`.
pub async fn drop_rewritten_commits(
    conn: &mut Conn,
    repository_id: i64,
    old_head: &str,
    keep_from: Option<&str>,
    new_chain: &[String],
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "WITH RECURSIVE chain(sha, parent_sha) AS (
            SELECT sha, parent_sha FROM commits WHERE repository_id = $1 AND sha = $2
            UNION ALL
            SELECT c.sha, c.parent_sha FROM commits c JOIN chain ON c.sha = chain.parent_sha
             WHERE c.repository_id = $1 AND chain.sha IS DISTINCT FROM $3
         )
         DELETE FROM commits WHERE repository_id = $1
            AND sha IN (SELECT sha FROM chain WHERE sha IS DISTINCT FROM $3)
            AND NOT (sha = ANY($4))",
    )
    .bind(repository_id)
    .bind(old_head)
    .bind(keep_from)
    .bind(new_chain)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}
