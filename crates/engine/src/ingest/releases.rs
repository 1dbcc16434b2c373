//! Releases and tags (REST).

use crate::db::releases::{ReleaseRow, TagRow};
use crate::github::models::{GhRelease, GhTag};

pub fn release(repository_id: i64, r: GhRelease) -> ReleaseRow {
    ReleaseRow {
        github_id: r.id,
        repository_id,
        tag_name: r.tag_name,
        name: r.name,
        draft: r.draft,
        prerelease: r.prerelease,
        author_login: r.author.map(|a| a.login),
        created_at: r.created_at,
        published_at: r.published_at,
    }
}

pub fn tag(repository_id: i64, t: GhTag) -> TagRow {
    TagRow {
        repository_id,
        name: t.name,
        sha: t.commit.sha,
    }
}
