//! Issues (GitHub's issues listing without its pull requests): the one writer and reads.

use chrono::{DateTime, Utc};
use serde::Serialize;

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
