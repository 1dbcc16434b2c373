//! Deployments and their statuses: the one writer, and which ones changed.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{upsert, Conn};

#[derive(Debug, Clone, Serialize)]
pub struct DeploymentRow {
    pub github_id: i64,
    pub repository_id: i64,
    pub sha: String,
    pub environment: String,
    pub creator_login: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DeploymentStatusRow {
    pub deployment_id: i64,
    pub node_id: String,
    pub repository_id: i64,
    pub state: String,
    pub created_at: DateTime<Utc>,
}

pub async fn upsert_deployments(
    conn: &mut Conn,
    rows: &[DeploymentRow],
    statuses: &[DeploymentStatusRow],
) -> Result<u64, sqlx::Error> {
    let n = upsert(
        &mut *conn,
        "INSERT INTO deployments (github_id, repository_id, sha, environment, creator_login,
            created_at, updated_at)
         SELECT * FROM jsonb_to_recordset($1) AS u(github_id bigint, repository_id bigint,
                sha text, environment text, creator_login text, created_at timestamptz,
                updated_at timestamptz)
         ON CONFLICT (github_id) DO UPDATE SET environment = EXCLUDED.environment,
            updated_at = EXCLUDED.updated_at",
        rows,
    )
    .await?;
    upsert(
        conn,
        "INSERT INTO deployment_statuses (deployment_id, node_id, repository_id, state, created_at)
         SELECT * FROM jsonb_to_recordset($1) AS u(deployment_id bigint, node_id text,
                repository_id bigint, state text, created_at timestamptz)
         ON CONFLICT (deployment_id, node_id) DO UPDATE SET state = EXCLUDED.state",
        statuses,
    )
    .await?;
    Ok(n)
}

/// The stored `updated_at` of deployments, to tell which ones changed.
pub async fn deployment_versions(
    conn: &mut Conn,
    ids: &[i64],
) -> Result<Vec<(i64, DateTime<Utc>)>, sqlx::Error> {
    sqlx::query_as("SELECT github_id, updated_at FROM deployments WHERE github_id = ANY($1)")
        .bind(ids)
        .fetch_all(conn)
        .await
}
