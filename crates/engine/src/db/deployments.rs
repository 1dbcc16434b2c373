//! Deployments and their statuses: the one writer, and which ones changed.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{upsert, Conn, Stored, Table};

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

impl Stored for DeploymentRow {
    const TABLE: Table = Table::new("deployments", &["github_id"]);
}

#[derive(Debug, Clone, Serialize)]
pub struct DeploymentStatusRow {
    pub deployment_id: i64,
    pub node_id: String,
    pub repository_id: i64,
    pub state: String,
    pub created_at: DateTime<Utc>,
}

impl Stored for DeploymentStatusRow {
    const TABLE: Table = Table::new("deployment_statuses", &["deployment_id", "node_id"]);
}

pub async fn upsert_deployments(
    conn: &mut Conn,
    rows: &[DeploymentRow],
    statuses: &[DeploymentStatusRow],
) -> Result<u64, sqlx::Error> {
    let n = upsert(&mut *conn, rows).await?;
    upsert(conn, statuses).await?;
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
