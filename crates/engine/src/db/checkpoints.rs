//! Where each resource of each repository got to, written in the same transaction as the
//! data it describes.

use chrono::{DateTime, Utc};

type Conn = sqlx::PgConnection;

#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct Checkpoint {
    /// A sync in progress resumes here (a cursor or a page path).
    pub resume: Option<String>,
    /// The newest change the last complete sync saw.
    pub high_water: Option<DateTime<Utc>>,
    /// Resource-specific state.
    pub state: sqlx::types::Json<serde_json::Value>,
    pub completed_at: Option<DateTime<Utc>>,
}

pub async fn load(
    conn: &mut Conn,
    repository_id: i64,
    resource: &str,
) -> Result<Checkpoint, sqlx::Error> {
    let found: Option<Checkpoint> = sqlx::query_as(
        "SELECT resume, high_water, state, completed_at FROM sync_checkpoints
          WHERE repository_id = $1 AND resource = $2",
    )
    .bind(repository_id)
    .bind(resource)
    .fetch_optional(conn)
    .await?;
    Ok(found.unwrap_or(Checkpoint {
        state: sqlx::types::Json(serde_json::json!({})),
        ..Checkpoint::default()
    }))
}

pub async fn save(
    conn: &mut Conn,
    repository_id: i64,
    resource: &str,
    checkpoint: &Checkpoint,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO sync_checkpoints (repository_id, resource, resume, high_water, state,
            completed_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, now())
         ON CONFLICT (repository_id, resource) DO UPDATE SET resume = EXCLUDED.resume,
            high_water = EXCLUDED.high_water, state = EXCLUDED.state,
            completed_at = EXCLUDED.completed_at, updated_at = now()",
    )
    .bind(repository_id)
    .bind(resource)
    .bind(&checkpoint.resume)
    .bind(checkpoint.high_water)
    .bind(&checkpoint.state)
    .bind(checkpoint.completed_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// The states of a repository's checkpoints whose names start with `prefix`, by name.
pub async fn states_with_prefix(
    conn: &mut Conn,
    repository_id: i64,
    prefix: &str,
) -> Result<std::collections::HashMap<String, serde_json::Value>, sqlx::Error> {
    let rows: Vec<(String, sqlx::types::Json<serde_json::Value>)> = sqlx::query_as(
        "SELECT resource, state FROM sync_checkpoints
          WHERE repository_id = $1 AND starts_with(resource, $2)",
    )
    .bind(repository_id)
    .bind(prefix)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(name, state)| (name, state.0))
        .collect())
}

/// Stores one completed state under several checkpoint names at once.
pub async fn save_completed_states(
    conn: &mut Conn,
    repository_id: i64,
    names: &[String],
    state: &serde_json::Value,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO sync_checkpoints (repository_id, resource, state, completed_at, updated_at)
         SELECT $1, name, $3, now(), now() FROM UNNEST($2::text[]) AS name
         ON CONFLICT (repository_id, resource) DO UPDATE SET resume = NULL,
            high_water = NULL, state = EXCLUDED.state,
            completed_at = EXCLUDED.completed_at, updated_at = now()",
    )
    .bind(repository_id)
    .bind(names)
    .bind(sqlx::types::Json(state))
    .execute(conn)
    .await?;
    Ok(())
}

/// Forgets every checkpoint of a repository, so the next sync is a full one.
pub async fn reset(conn: &mut Conn, repository_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sync_checkpoints WHERE repository_id = $1")
        .bind(repository_id)
        .execute(conn)
        .await?;
    Ok(())
}
