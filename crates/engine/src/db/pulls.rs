//! Pull requests and their reviews: the one writer of each (the sync, and the webhook
//! applier to come, write through it) and the reads.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgPool;

use super::{upsert, Conn};

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

pub async fn upsert_pulls(conn: &mut Conn, rows: &[PullRow]) -> Result<u64, sqlx::Error> {
    upsert(
        conn,
        "INSERT INTO pull_requests (github_id, repository_id, number, title, state, draft,
            author_github_id, author_login, author_association, base_ref, head_ref, head_sha,
            merge_commit_sha, created_at, updated_at, closed_at, merged_at, additions, deletions,
            changed_files, commits_count, comments_count, merged_by_github_id, merged_by_login,
            first_commit_at, ready_for_review_at, labels, synced_at)
         SELECT github_id, repository_id, number, title, state, draft, author_github_id,
                author_login, author_association, base_ref, head_ref, head_sha,
                merge_commit_sha, created_at, updated_at, closed_at, merged_at, additions,
                deletions, changed_files, commits_count, comments_count, merged_by_github_id,
                merged_by_login, first_commit_at, ready_for_review_at,
                ARRAY(SELECT jsonb_array_elements_text(labels)), now()
           FROM jsonb_to_recordset($1) AS u(github_id bigint, repository_id bigint,
                number int, title text, state text, draft bool, author_github_id bigint,
                author_login text, author_association text, base_ref text, head_ref text,
                head_sha text, merge_commit_sha text, created_at timestamptz,
                updated_at timestamptz, closed_at timestamptz, merged_at timestamptz,
                additions int, deletions int, changed_files int, commits_count int,
                comments_count int, merged_by_github_id bigint, merged_by_login text,
                first_commit_at timestamptz, ready_for_review_at timestamptz, labels jsonb)
         ON CONFLICT (github_id) DO UPDATE SET
            repository_id = EXCLUDED.repository_id, number = EXCLUDED.number,
            title = EXCLUDED.title, state = EXCLUDED.state, draft = EXCLUDED.draft,
            author_github_id = EXCLUDED.author_github_id, author_login = EXCLUDED.author_login,
            author_association = EXCLUDED.author_association, base_ref = EXCLUDED.base_ref,
            head_ref = EXCLUDED.head_ref, head_sha = EXCLUDED.head_sha,
            merge_commit_sha = EXCLUDED.merge_commit_sha, created_at = EXCLUDED.created_at,
            updated_at = EXCLUDED.updated_at, closed_at = EXCLUDED.closed_at,
            merged_at = EXCLUDED.merged_at,
            additions = coalesce(EXCLUDED.additions, pull_requests.additions),
            deletions = coalesce(EXCLUDED.deletions, pull_requests.deletions),
            changed_files = coalesce(EXCLUDED.changed_files, pull_requests.changed_files),
            commits_count = coalesce(EXCLUDED.commits_count, pull_requests.commits_count),
            comments_count = coalesce(EXCLUDED.comments_count, pull_requests.comments_count),
            merged_by_github_id = coalesce(EXCLUDED.merged_by_github_id, pull_requests.merged_by_github_id),
            merged_by_login = coalesce(EXCLUDED.merged_by_login, pull_requests.merged_by_login),
            first_commit_at = coalesce(EXCLUDED.first_commit_at, pull_requests.first_commit_at),
            ready_for_review_at = coalesce(EXCLUDED.ready_for_review_at, pull_requests.ready_for_review_at),
            labels = EXCLUDED.labels, synced_at = now()",
        rows,
    )
    .await
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
    upsert(
        conn,
        "INSERT INTO pull_request_reviews (github_id, repository_id, pull_number,
            reviewer_github_id, reviewer_login, state, submitted_at)
         SELECT * FROM jsonb_to_recordset($1) AS u(github_id bigint, repository_id bigint,
                pull_number int, reviewer_github_id bigint, reviewer_login text, state text,
                submitted_at timestamptz)
         ON CONFLICT (github_id) DO UPDATE SET state = EXCLUDED.state,
            submitted_at = EXCLUDED.submitted_at, pull_number = EXCLUDED.pull_number",
        rows,
    )
    .await?;
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
