//! What the sync scheduler knows: which repositories someone tracks, and when each of
//! their resources was last checked for changes.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

/// A tracked repository with the token that will read it and its resources' last checks.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Tracked {
    pub github_id: i64,
    pub node_id: String,
    pub full_name: String,
    /// The user whose token reads it (the most recently signed in with access).
    pub user_id: i64,
    pub checked: sqlx::types::Json<std::collections::HashMap<String, DateTime<Utc>>>,
    /// When each resource was last read to the end (a run that succeeded, or found it
    /// unavailable).
    pub read: sqlx::types::Json<std::collections::HashMap<String, DateTime<Utc>>>,
}

/// Takes the scheduler's advisory lock on `conn` if no other session holds it; false when
/// another process is scheduling. Released by [`unlock`] or when the session ends.
pub async fn try_lock(conn: &mut sqlx::PgConnection, key: i64) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
        .bind(key)
        .fetch_one(conn)
        .await
}

pub async fn unlock(conn: &mut sqlx::PgConnection, key: i64) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(key)
        .execute(conn)
        .await?;
    Ok(())
}

/// Every repository at least one user tracks and may still see.
pub async fn tracked(pool: &PgPool) -> Result<Vec<Tracked>, sqlx::Error> {
    sqlx::query_as(
        "SELECT r.github_id, r.node_id, r.full_name, reader.user_id,
                coalesce((SELECT jsonb_object_agg(s.resource, s.checked_at)
                            FROM sync_schedule s WHERE s.repository_id = r.github_id),
                         '{}'::jsonb) AS checked,
                coalesce((SELECT jsonb_object_agg(x.resource, x.finished_at)
                            FROM (SELECT resource, max(finished_at) AS finished_at
                                    FROM sync_runs
                                   WHERE repository_id = r.github_id
                                     AND status IN ('succeeded', 'unavailable')
                                   GROUP BY resource) x),
                         '{}'::jsonb) AS read
           FROM repositories r
           CROSS JOIN LATERAL (
                SELECT a.user_id FROM repository_access a
                  JOIN users u ON u.id = a.user_id
                  JOIN user_tokens tok ON tok.user_id = u.id
                 WHERE a.repository_id = r.github_id
                 ORDER BY u.last_login_at DESC LIMIT 1) reader
          WHERE r.node_id IS NOT NULL
            AND EXISTS (SELECT 1 FROM tracked_repositories t
                          JOIN repository_access a USING (user_id, repository_id)
                         WHERE t.repository_id = r.github_id)
          ORDER BY r.github_id",
    )
    .fetch_all(pool)
    .await
}

/// Records that `resources` of a repository were checked at `at`.
pub async fn mark_checked(
    pool: &PgPool,
    repository_id: i64,
    resources: &[String],
    at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO sync_schedule (repository_id, resource, checked_at)
         SELECT $1, resource, $3 FROM UNNEST($2::text[]) AS resource
         ON CONFLICT (repository_id, resource) DO UPDATE SET checked_at = EXCLUDED.checked_at",
    )
    .bind(repository_id)
    .bind(resources)
    .bind(at)
    .execute(pool)
    .await?;
    Ok(())
}
