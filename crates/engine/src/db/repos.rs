//! Repositories, who may see them, and which ones each user follows.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgPool;

use crate::github::models::GhRepository;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Repository {
    pub github_id: i64,
    pub owner_login: String,
    pub name: String,
    pub full_name: String,
    pub private: bool,
    pub description: Option<String>,
    pub default_branch: String,
    pub archived: bool,
    pub html_url: String,
    pub pushed_at: Option<DateTime<Utc>>,
    pub stargazers_count: i32,
    /// GitHub's main language of the repository, when it names one.
    pub language: Option<String>,
    pub topics: Vec<String>,
    pub permission: String,
    pub tracked: bool,
}

const SELECT_VISIBLE: &str = "
    SELECT r.github_id, r.owner_login, r.name, r.full_name, r.private, r.description,
           r.default_branch, r.archived, r.html_url, r.pushed_at, r.stargazers_count,
           r.language, r.topics, a.permission, (t.user_id IS NOT NULL) AS tracked
      FROM repositories r
      JOIN repository_access a ON a.repository_id = r.github_id AND a.user_id = $1
      LEFT JOIN tracked_repositories t ON t.repository_id = r.github_id AND t.user_id = $1";

fn permission_of(repo: &GhRepository) -> &'static str {
    match &repo.permissions {
        Some(p) if p.admin => "admin",
        Some(p) if p.maintain.unwrap_or(false) => "maintain",
        Some(p) if p.push => "push",
        Some(p) if p.triage.unwrap_or(false) => "triage",
        _ => "pull",
    }
}

/// Stores what GitHub's `/user/repos` said for this user: the repositories themselves, and
/// exactly this set as the user's access (anything GitHub no longer lists is revoked).
pub async fn replace_access(
    pool: &PgPool,
    user_id: i64,
    repos: &[GhRepository],
) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    for repo in repos {
        upsert(&mut tx, repo).await?;
    }
    let ids: Vec<i64> = repos.iter().map(|r| r.id).collect();
    let permissions: Vec<&str> = repos.iter().map(permission_of).collect();
    sqlx::query(
        "DELETE FROM repository_access WHERE user_id = $1 AND NOT (repository_id = ANY($2))",
    )
    .bind(user_id)
    .bind(&ids)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO repository_access (user_id, repository_id, permission)
         SELECT $1, * FROM UNNEST($2::bigint[], $3::text[])
         ON CONFLICT (user_id, repository_id) DO UPDATE
            SET permission = EXCLUDED.permission, verified_at = now()",
    )
    .bind(user_id)
    .bind(&ids)
    .bind(&permissions)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// Creates or refreshes one repository row from GitHub's object.
pub async fn upsert(conn: &mut sqlx::PgConnection, repo: &GhRepository) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO repositories (github_id, node_id, owner_login, name, full_name, private,
            description, default_branch, archived, fork, html_url, created_at, updated_at,
            pushed_at, stargazers_count, forks_count, open_issues_count, language, topics,
            fetched_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
                 $18, $19, now())
         ON CONFLICT (github_id) DO UPDATE SET
            node_id = EXCLUDED.node_id, owner_login = EXCLUDED.owner_login,
            name = EXCLUDED.name, full_name = EXCLUDED.full_name, private = EXCLUDED.private,
            description = EXCLUDED.description, default_branch = EXCLUDED.default_branch,
            archived = EXCLUDED.archived, fork = EXCLUDED.fork, html_url = EXCLUDED.html_url,
            created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at,
            pushed_at = EXCLUDED.pushed_at, stargazers_count = EXCLUDED.stargazers_count,
            forks_count = EXCLUDED.forks_count, open_issues_count = EXCLUDED.open_issues_count,
            language = EXCLUDED.language, topics = EXCLUDED.topics,
            former_full_names = CASE
                WHEN repositories.full_name <> EXCLUDED.full_name
                THEN array_append(repositories.former_full_names, repositories.full_name)
                ELSE repositories.former_full_names END,
            fetched_at = now()",
    )
    .bind(repo.id)
    .bind(&repo.node_id)
    .bind(&repo.owner.login)
    .bind(&repo.name)
    .bind(&repo.full_name)
    .bind(repo.private)
    .bind(&repo.description)
    .bind(&repo.default_branch)
    .bind(repo.archived)
    .bind(repo.fork)
    .bind(&repo.html_url)
    .bind(repo.created_at)
    .bind(repo.updated_at)
    .bind(repo.pushed_at)
    .bind(repo.stargazers_count as i32)
    .bind(repo.forks_count as i32)
    .bind(repo.open_issues_count as i32)
    .bind(&repo.language)
    .bind(&repo.topics)
    .execute(conn)
    .await?;
    Ok(())
}

/// Every repository the user may see, tracked ones first.
pub async fn visible(pool: &PgPool, user_id: i64) -> Result<Vec<Repository>, sqlx::Error> {
    sqlx::query_as(&format!(
        "{SELECT_VISIBLE} ORDER BY tracked DESC, lower(r.full_name)"
    ))
    .bind(user_id)
    .fetch_all(pool)
    .await
}

/// One repository by `owner/name`, only if the user may see it.
pub async fn find_visible(
    pool: &PgPool,
    user_id: i64,
    full_name: &str,
) -> Result<Option<Repository>, sqlx::Error> {
    sqlx::query_as(&format!(
        "{SELECT_VISIBLE} WHERE lower(r.full_name) = lower($2)"
    ))
    .bind(user_id)
    .bind(full_name)
    .fetch_optional(pool)
    .await
}

/// Follows a repository; only one the user may see (returns false otherwise).
pub async fn track(pool: &PgPool, user_id: i64, repository_id: i64) -> Result<bool, sqlx::Error> {
    let inserted = sqlx::query(
        "INSERT INTO tracked_repositories (user_id, repository_id)
         SELECT user_id, repository_id FROM repository_access
          WHERE user_id = $1 AND repository_id = $2
         ON CONFLICT DO NOTHING",
    )
    .bind(user_id)
    .bind(repository_id)
    .execute(pool)
    .await?;
    if inserted.rows_affected() == 1 {
        return Ok(true);
    }
    let already: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM tracked_repositories t
           JOIN repository_access a USING (user_id, repository_id)
          WHERE t.user_id = $1 AND t.repository_id = $2)",
    )
    .bind(user_id)
    .bind(repository_id)
    .fetch_one(pool)
    .await?;
    Ok(already)
}

/// A repository as a sync names it: GitHub's id, `owner/name`, and its GraphQL node id
/// when known.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RepoRef {
    pub github_id: i64,
    pub full_name: String,
    pub node_id: Option<String>,
}

/// The repositories the user may see, as syncs name them, by name.
pub async fn visible_refs(pool: &PgPool, user_id: i64) -> Result<Vec<RepoRef>, sqlx::Error> {
    sqlx::query_as(
        "SELECT r.github_id, r.full_name, r.node_id FROM repositories r
           JOIN repository_access a ON a.repository_id = r.github_id AND a.user_id = $1
          ORDER BY r.full_name",
    )
    .bind(user_id)
    .fetch_all(pool)
    .await
}

/// A repository by GitHub's id, for jobs and the CLI: the caller has already established
/// that its token may read it.
pub async fn by_id(pool: &PgPool, repository_id: i64) -> Result<Option<RepoRef>, sqlx::Error> {
    sqlx::query_as("SELECT github_id, full_name, node_id FROM repositories WHERE github_id = $1")
        .bind(repository_id)
        .fetch_optional(pool)
        .await
}

/// A user whose token can read the repository (the most recently signed in).
pub async fn someone_with_access(
    pool: &PgPool,
    repository_id: i64,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT a.user_id FROM repository_access a JOIN users u ON u.id = a.user_id
          JOIN user_tokens t ON t.user_id = u.id
          WHERE a.repository_id = $1 ORDER BY u.last_login_at DESC LIMIT 1",
    )
    .bind(repository_id)
    .fetch_optional(pool)
    .await
}

/// The repository's `stargazers_count` as GitHub last reported it (none before its first
/// sync).
pub async fn stargazers_count(
    conn: &mut sqlx::PgConnection,
    repository_id: i64,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT stargazers_count::bigint FROM repositories WHERE github_id = $1")
        .bind(repository_id)
        .fetch_optional(conn)
        .await
}
