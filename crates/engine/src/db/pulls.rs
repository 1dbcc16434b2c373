//! Pull requests and their reviews: the one writer of each (the sync, and the webhook
//! applier to come, write through it) and the reads.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgPool;

use super::{upsert, Conn, Stored, Table};

#[derive(Debug, Clone, Serialize)]
pub struct PullRow {
    pub github_id: i64,
    pub repository_id: i64,
    pub number: i64,
    pub title: String,
    pub state: String,
    pub draft: bool,
    pub author_github_id: Option<i64>,
    pub author_login: Option<String>,
    pub author_association: Option<String>,
    pub base_ref: String,
    pub head_ref: String,
    pub head_sha: Option<String>,
    pub merge_commit_sha: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub merged_at: Option<DateTime<Utc>>,
    pub additions: Option<i64>,
    pub deletions: Option<i64>,
    pub changed_files: Option<i64>,
    pub commits_count: Option<i64>,
    pub comments_count: Option<i64>,
    pub merged_by_github_id: Option<i64>,
    pub merged_by_login: Option<String>,
    pub first_commit_at: Option<DateTime<Utc>>,
    pub ready_for_review_at: Option<DateTime<Utc>>,
    pub labels: Vec<String>,
}

impl Stored for PullRow {
    const TABLE: Table = Table {
        keep_when_null: &[
            "additions",
            "deletions",
            "changed_files",
            "commits_count",
            "comments_count",
            "merged_by_github_id",
            "merged_by_login",
            "first_commit_at",
            "ready_for_review_at",
        ],
        also: "synced_at = now()",
        ..Table::new("pull_requests", &["github_id"])
    };
}

#[derive(Debug, Clone, Serialize)]
pub struct ReviewRow {
    pub github_id: i64,
    pub repository_id: i64,
    pub pull_number: i64,
    pub reviewer_github_id: Option<i64>,
    pub reviewer_login: Option<String>,
    pub state: String,
    pub submitted_at: Option<DateTime<Utc>>,
}

impl Stored for ReviewRow {
    const TABLE: Table = Table::new("pull_request_reviews", &["github_id"]);
}

/// Replaces the reviews of the pull requests `numbers` with `rows`.
pub async fn replace_reviews(
    conn: &mut Conn,
    repository_id: i64,
    numbers: &[i64],
    rows: &[ReviewRow],
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "DELETE FROM pull_request_reviews WHERE repository_id = $1 AND pull_number = ANY($2)",
    )
    .bind(repository_id)
    .bind(numbers)
    .execute(&mut *conn)
    .await?;
    upsert(conn, rows).await?;
    Ok(())
}

/// Opening and merge times of a repository's pull requests, for a user who may see it.
pub async fn lifecycle_times(
    pool: &PgPool,
    user_id: i64,
    repository_id: i64,
) -> Result<Vec<(DateTime<Utc>, Option<DateTime<Utc>>)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT p.created_at, p.merged_at
           FROM pull_requests p
           JOIN repository_access a ON a.repository_id = p.repository_id AND a.user_id = $1
          WHERE p.repository_id = $2
          ORDER BY p.created_at",
    )
    .bind(user_id)
    .bind(repository_id)
    .fetch_all(pool)
    .await
}

pub async fn count(pool: &PgPool, repository_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT count(*) FROM pull_requests WHERE repository_id = $1")
        .bind(repository_id)
        .fetch_one(pool)
        .await
}

/// A merged pull request, with what its stages need.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct MergedPull {
    pub number: i32,
    pub author_login: Option<String>,
    /// The author time of the branch's first commit; unknown when GitHub gave none.
    pub first_commit_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// When a pull request opened as a draft was marked ready.
    pub ready_for_review_at: Option<DateTime<Utc>>,
    pub merged_at: DateTime<Utc>,
    /// The commit GitHub reports as its merge (a merge, squash or rebased commit).
    pub merge_commit_sha: Option<String>,
    /// The first review submitted by someone other than the author and not a bot.
    pub first_review_at: Option<DateTime<Utc>>,
}

/// The pull requests of a repository the user may see, merged in `[from, to)` (all of them
/// with `None`), with the first review by someone other than the author and not a bot.
pub async fn merged_in(
    pool: &PgPool,
    user_id: i64,
    repository_id: i64,
    period: Option<(DateTime<Utc>, DateTime<Utc>)>,
) -> Result<Vec<MergedPull>, sqlx::Error> {
    let (from, to) = period.unzip();
    sqlx::query_as(
        "SELECT p.number, p.author_login, p.first_commit_at, p.created_at,
                p.ready_for_review_at, p.merged_at, p.merge_commit_sha,
                (SELECT min(r.submitted_at) FROM pull_request_reviews r
                  WHERE r.repository_id = p.repository_id AND r.pull_number = p.number
                    AND r.reviewer_login IS DISTINCT FROM p.author_login
                    AND r.reviewer_login NOT LIKE '%[bot]') AS first_review_at
           FROM pull_requests p
           JOIN repository_access a ON a.repository_id = p.repository_id AND a.user_id = $1
          WHERE p.repository_id = $2 AND p.merged_at IS NOT NULL
            AND ($3::timestamptz IS NULL OR p.merged_at >= $3)
            AND ($4::timestamptz IS NULL OR p.merged_at < $4)
          ORDER BY p.merged_at",
    )
    .bind(user_id)
    .bind(repository_id)
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await
}
