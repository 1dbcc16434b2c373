//! Releases and tags: the one writer of each.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{upsert, Conn, Table};

const RELEASES: Table = Table::new("releases", &["github_id"]);
const TAGS: Table = Table::new("tags", &["repository_id", "name"]);

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

pub async fn upsert_releases(conn: &mut Conn, rows: &[ReleaseRow]) -> Result<u64, sqlx::Error> {
    upsert(conn, &RELEASES, rows).await
}

#[derive(Debug, Clone, Serialize)]
pub struct TagRow {
    pub repository_id: i64,
    pub name: String,
    pub sha: String,
}

/// Replaces a repository's tags with `rows` (a complete listing).
pub async fn replace_tags(
    conn: &mut Conn,
    repository_id: i64,
    rows: &[TagRow],
) -> Result<u64, sqlx::Error> {
    super::replace_repository_rows(conn, &TAGS, repository_id, rows).await
}
