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
    /// GitHub's kind of account: `User`, `Bot`, `Organization`, `Mannequin`.
    pub author_type: Option<String>,
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

/// One of the first conversation comments of a pull request (or, to come, an issue).
#[derive(Debug, Clone, Serialize)]
pub struct CommentRow {
    pub github_id: i64,
    pub repository_id: i64,
    pub issue_number: i64,
    pub author_login: Option<String>,
    pub author_type: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl Stored for CommentRow {
    const TABLE: Table = Table::new("conversation_comments", &["github_id"]);
}

/// A page of pull requests as GitHub gave them, with their reviews and first comments.
#[derive(Debug, Default)]
pub struct PullPage {
    pub pulls: Vec<PullRow>,
    pub reviews: Vec<ReviewRow>,
    pub comments: Vec<CommentRow>,
}

/// The one writer of pull requests: stores a page, replaces the reviews and first comments
/// of its pull requests, and brings their derived facts up to date
/// ([`crate::facts::refresh_pulls`]), all in the caller's transaction.
pub async fn store_page(conn: &mut Conn, repository_id: i64, page: &PullPage) -> crate::Result<()> {
    let numbers: Vec<i64> = page.pulls.iter().map(|p| p.number).collect();
    upsert(&mut *conn, &page.pulls).await?;
    for sql in [
        "DELETE FROM pull_request_reviews WHERE repository_id = $1 AND pull_number = ANY($2)",
        "DELETE FROM conversation_comments WHERE repository_id = $1 AND issue_number = ANY($2)",
    ] {
        sqlx::query(sql)
            .bind(repository_id)
            .bind(&numbers)
            .execute(&mut *conn)
            .await?;
    }
    upsert(&mut *conn, &page.reviews).await?;
    upsert(&mut *conn, &page.comments).await?;
    crate::facts::refresh_pulls(conn, repository_id, Some(&numbers)).await
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
