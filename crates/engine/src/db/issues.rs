//! Issues (GitHub's issues listing without its pull requests): the one writer and reads.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{upsert, Conn};

#[derive(Debug, Clone, Serialize)]
pub struct IssueRow {
    pub github_id: i64,
    pub repository_id: i64,
    pub number: i64,
    pub title: String,
    pub state: String,
    pub state_reason: Option<String>,
    pub author_github_id: Option<i64>,
    pub author_login: Option<String>,
    pub labels: Vec<String>,
    pub assignees: Vec<String>,
    pub comments_count: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
}

pub async fn upsert_issues(conn: &mut Conn, rows: &[IssueRow]) -> Result<u64, sqlx::Error> {
    upsert(
        conn,
        "INSERT INTO issues (github_id, repository_id, number, title, state, state_reason,
            author_github_id, author_login, labels, assignees, comments_count, created_at,
            updated_at, closed_at)
         SELECT github_id, repository_id, number, title, state, state_reason, author_github_id,
                author_login, ARRAY(SELECT jsonb_array_elements_text(labels)),
                ARRAY(SELECT jsonb_array_elements_text(assignees)), comments_count, created_at,
                updated_at, closed_at
           FROM jsonb_to_recordset($1) AS u(github_id bigint, repository_id bigint, number int,
                title text, state text, state_reason text, author_github_id bigint,
                author_login text, labels jsonb, assignees jsonb, comments_count int,
                created_at timestamptz, updated_at timestamptz, closed_at timestamptz)
         ON CONFLICT (github_id) DO UPDATE SET number = EXCLUDED.number, title = EXCLUDED.title,
            state = EXCLUDED.state, state_reason = EXCLUDED.state_reason,
            author_github_id = EXCLUDED.author_github_id, author_login = EXCLUDED.author_login,
            labels = EXCLUDED.labels, assignees = EXCLUDED.assignees,
            comments_count = EXCLUDED.comments_count, created_at = EXCLUDED.created_at,
            updated_at = EXCLUDED.updated_at, closed_at = EXCLUDED.closed_at",
        rows,
    )
    .await
}
