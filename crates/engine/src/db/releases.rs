//! Releases and tags: the one writer of each.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{Stored, Table};

#[derive(Debug, Clone, Serialize)]
pub struct ReleaseRow {
    pub github_id: i64,
    pub repository_id: i64,
    pub tag_name: String,
    pub name: Option<String>,
    pub draft: bool,
    pub prerelease: bool,
    pub author_login: Option<String>,
    pub created_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
}

impl Stored for ReleaseRow {
    const TABLE: Table = Table::new("releases", &["github_id"]);
}

#[derive(Debug, Clone, Serialize)]
pub struct TagRow {
    pub repository_id: i64,
    pub name: String,
    pub sha: String,
}

impl Stored for TagRow {
    const TABLE: Table = Table::new("tags", &["repository_id", "name"]);
}
