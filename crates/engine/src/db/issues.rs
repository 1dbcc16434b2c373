//! Issues (GitHub's issues listing without its pull requests): the one writer and reads.

use chrono::{DateTime, Utc};
use serde::Serialize;

use sqlx::PgPool;

use super::{Stored, Table};

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

impl Stored for IssueRow {
    const TABLE: Table = Table::new("issues", &["github_id"]);
}

/// An issue labelled as an incident: when it was opened and closed.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Incident {
    pub number: i32,
    pub created_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
}

/// The issues of a repository the user may see that carry the label `label`
/// (case-insensitive), oldest first.
pub async fn labelled(
    pool: &PgPool,
    user_id: i64,
    repository_id: i64,
    label: &str,
) -> Result<Vec<Incident>, sqlx::Error> {
    sqlx::query_as(
        "SELECT i.number, i.created_at, i.closed_at FROM issues i
           JOIN repository_access a ON a.repository_id = i.repository_id AND a.user_id = $1
          WHERE i.repository_id = $2
            AND EXISTS (SELECT 1 FROM unnest(i.labels) l WHERE lower(l) = lower($3))
          ORDER BY i.created_at",
    )
    .bind(user_id)
    .bind(repository_id)
    .bind(label)
    .fetch_all(pool)
    .await
}
