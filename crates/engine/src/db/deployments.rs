//! Deployments and their statuses: the one writer, and which ones changed.

use chrono::{DateTime, Utc};
use serde::Serialize;

use sqlx::PgPool;

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

/// A deployment that succeeded: one per environment and commit, at its first `success`
/// status (a redeploy or a retry of the same commit to the same environment is the same
/// deployment), with the first `failure` or `error` status it got after that.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Deployed {
    pub environment: String,
    pub sha: String,
    pub succeeded_at: DateTime<Utc>,
    pub failed_at: Option<DateTime<Utc>>,
}

/// The deployments of a repository the user may see to environments matching
/// `environments` (a PostgreSQL regular expression, case-insensitive), each at its first
/// success, that succeeded in `[from, to)`; with `None` for the period, all of them.
pub async fn succeeded(
    pool: &PgPool,
    user_id: i64,
    repository_id: i64,
    environments: &str,
    period: Option<(DateTime<Utc>, DateTime<Utc>)>,
) -> Result<Vec<Deployed>, sqlx::Error> {
    let (from, to) = period.unzip();
    sqlx::query_as(
        "WITH firsts AS (
            SELECT d.environment, d.sha, min(s.created_at) AS succeeded_at
              FROM deployments d
              JOIN repository_access a ON a.repository_id = d.repository_id AND a.user_id = $1
              JOIN deployment_statuses s ON s.deployment_id = d.github_id AND s.state = 'success'
             WHERE d.repository_id = $2 AND d.environment ~* $3
             GROUP BY d.environment, d.sha)
         SELECT f.environment, f.sha, f.succeeded_at,
                (SELECT min(s.created_at) FROM deployments d
                   JOIN deployment_statuses s ON s.deployment_id = d.github_id
                  WHERE d.repository_id = $2 AND d.environment = f.environment
                    AND d.sha = f.sha AND s.state IN ('failure', 'error')
                    AND s.created_at > f.succeeded_at) AS failed_at
           FROM firsts f
          WHERE ($4::timestamptz IS NULL OR f.succeeded_at >= $4)
            AND ($5::timestamptz IS NULL OR f.succeeded_at < $5)
          ORDER BY f.succeeded_at",
    )
    .bind(user_id)
    .bind(repository_id)
    .bind(environments)
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await
}
