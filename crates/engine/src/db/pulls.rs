//! Pull requests as GitHub reports them.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use crate::github::models::GhPullRequest;

/// Upserts a page of pull requests in one statement (idempotent on GitHub's id).
pub async fn upsert_page(
    conn: &mut sqlx::PgConnection,
    repository_id: i64,
    pulls: &[GhPullRequest],
) -> Result<u64, sqlx::Error> {
    if pulls.is_empty() {
        return Ok(0);
    }
    let col = |f: fn(&GhPullRequest) -> Option<String>| pulls.iter().map(f).collect::<Vec<_>>();
    let ids: Vec<i64> = pulls.iter().map(|p| p.id).collect();
    let numbers: Vec<i32> = pulls.iter().map(|p| p.number as i32).collect();
    let titles: Vec<String> = pulls.iter().map(|p| p.title.clone()).collect();
    let states: Vec<String> = pulls.iter().map(|p| p.state.clone()).collect();
    let drafts: Vec<bool> = pulls.iter().map(|p| p.draft.unwrap_or(false)).collect();
    let author_ids: Vec<Option<i64>> = pulls
        .iter()
        .map(|p| p.user.as_ref().map(|u| u.id))
        .collect();
    let created: Vec<DateTime<Utc>> = pulls.iter().map(|p| p.created_at).collect();
    let updated: Vec<DateTime<Utc>> = pulls.iter().map(|p| p.updated_at).collect();
    let closed: Vec<Option<DateTime<Utc>>> = pulls.iter().map(|p| p.closed_at).collect();
    let merged: Vec<Option<DateTime<Utc>>> = pulls.iter().map(|p| p.merged_at).collect();
    let result = sqlx::query(
        "INSERT INTO pull_requests (github_id, repository_id, number, node_id, title, state, draft,
            author_github_id, author_login, author_association, base_ref, head_ref, head_sha,
            merge_commit_sha, created_at, updated_at, closed_at, merged_at, synced_at)
         SELECT u.github_id, $1, u.number, u.node_id, u.title, u.state, u.draft,
                u.author_github_id, u.author_login, u.author_association, u.base_ref,
                u.head_ref, u.head_sha, u.merge_commit_sha, u.created_at, u.updated_at,
                u.closed_at, u.merged_at, now()
           FROM UNNEST($2::bigint[], $3::int[], $4::text[], $5::text[],
                $6::text[], $7::bool[], $8::bigint[], $9::text[], $10::text[], $11::text[],
                $12::text[], $13::text[], $14::text[], $15::timestamptz[], $16::timestamptz[],
                $17::timestamptz[], $18::timestamptz[])
              AS u(github_id, number, node_id, title, state, draft, author_github_id,
                   author_login, author_association, base_ref, head_ref, head_sha,
                   merge_commit_sha, created_at, updated_at, closed_at, merged_at)
         ON CONFLICT (github_id) DO UPDATE SET
            repository_id = EXCLUDED.repository_id, number = EXCLUDED.number,
            node_id = EXCLUDED.node_id, title = EXCLUDED.title, state = EXCLUDED.state,
            draft = EXCLUDED.draft, author_github_id = EXCLUDED.author_github_id,
            author_login = EXCLUDED.author_login,
            author_association = EXCLUDED.author_association, base_ref = EXCLUDED.base_ref,
            head_ref = EXCLUDED.head_ref, head_sha = EXCLUDED.head_sha,
            merge_commit_sha = EXCLUDED.merge_commit_sha, created_at = EXCLUDED.created_at,
            updated_at = EXCLUDED.updated_at, closed_at = EXCLUDED.closed_at,
            merged_at = EXCLUDED.merged_at, synced_at = now()",
    )
    .bind(repository_id)
    .bind(&ids)
    .bind(&numbers)
    .bind(col(|p| p.node_id.clone()))
    .bind(&titles)
    .bind(&states)
    .bind(&drafts)
    .bind(&author_ids)
    .bind(col(|p| p.user.as_ref().map(|u| u.login.clone())))
    .bind(col(|p| p.author_association.clone()))
    .bind(col(|p| Some(p.base.r#ref.clone())))
    .bind(col(|p| Some(p.head.r#ref.clone())))
    .bind(col(|p| Some(p.head.sha.clone())))
    .bind(col(|p| p.merge_commit_sha.clone()))
    .bind(&created)
    .bind(&updated)
    .bind(&closed)
    .bind(&merged)
    .execute(conn)
    .await?;
    Ok(result.rows_affected())
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
