//! Releases and tags: the one writer of each.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{upsert, Conn};

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
    upsert(
        conn,
        "INSERT INTO releases (github_id, repository_id, tag_name, name, draft, prerelease,
            author_login, created_at, published_at)
         SELECT * FROM jsonb_to_recordset($1) AS u(github_id bigint, repository_id bigint,
                tag_name text, name text, draft bool, prerelease bool, author_login text,
                created_at timestamptz, published_at timestamptz)
         ON CONFLICT (github_id) DO UPDATE SET tag_name = EXCLUDED.tag_name,
            name = EXCLUDED.name, draft = EXCLUDED.draft, prerelease = EXCLUDED.prerelease,
            published_at = EXCLUDED.published_at",
        rows,
    )
    .await
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
    super::replace_repository_rows(
        conn,
        super::Replaced::Tags,
        repository_id,
        "INSERT INTO tags (repository_id, name, sha)
         SELECT * FROM jsonb_to_recordset($1) AS u(repository_id bigint, name text, sha text)
         ON CONFLICT (repository_id, name) DO UPDATE SET sha = EXCLUDED.sha",
        rows,
    )
    .await
}
