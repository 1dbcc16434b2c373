//! GitHub Actions: workflows, workflow runs and their jobs; the one writer of each.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{upsert, Conn, Stored, Table};

#[derive(Debug, Clone, Serialize)]
pub struct RunRow {
    pub github_id: i64,
    pub repository_id: i64,
    pub workflow_id: i64,
    pub check_suite_node_id: Option<String>,
    pub run_number: i64,
    pub run_attempt: i64,
    pub event: String,
    pub status: String,
    pub conclusion: Option<String>,
    pub head_branch: Option<String>,
    pub head_sha: String,
    pub actor_login: Option<String>,
    pub created_at: DateTime<Utc>,
    pub run_started_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

impl Stored for RunRow {
    const TABLE: Table = Table {
    also: "jobs_synced_at = CASE WHEN workflow_runs.updated_at = EXCLUDED.updated_at THEN workflow_runs.jobs_synced_at END",
    ..Table::new("workflow_runs", &["github_id"])
};
}

/// Completed runs whose jobs are not stored for their latest state: (run id, check suite
/// node id).
pub async fn runs_needing_jobs(
    conn: &mut Conn,
    repository_id: i64,
    limit: i64,
    except: &[i64],
) -> Result<Vec<(i64, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT github_id, check_suite_node_id FROM workflow_runs
          WHERE repository_id = $1 AND status = 'completed' AND jobs_synced_at IS NULL
            AND check_suite_node_id IS NOT NULL AND NOT (github_id = ANY($3))
          ORDER BY github_id LIMIT $2",
    )
    .bind(repository_id)
    .bind(limit)
    .bind(except)
    .fetch_all(conn)
    .await
}

#[derive(Debug, Clone, Serialize)]
pub struct JobRow {
    pub github_id: i64,
    pub run_id: i64,
    pub repository_id: i64,
    pub name: String,
    pub status: String,
    pub conclusion: Option<String>,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
}

impl Stored for JobRow {
    const TABLE: Table = Table::new("workflow_jobs", &["github_id"]);
}

/// Stores the jobs of `runs` (replacing what was there) and marks the runs' jobs synced.
pub async fn replace_jobs(
    conn: &mut Conn,
    runs: &[i64],
    rows: &[JobRow],
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM workflow_jobs WHERE run_id = ANY($1)")
        .bind(runs)
        .execute(&mut *conn)
        .await?;
    upsert(conn, rows).await?;
    sqlx::query("UPDATE workflow_runs SET jobs_synced_at = now() WHERE github_id = ANY($1)")
        .bind(runs)
        .execute(conn)
        .await?;
    Ok(())
}

#[derive(Debug, Clone, Serialize)]
pub struct WorkflowRow {
    pub github_id: i64,
    pub repository_id: i64,
    pub name: String,
    pub path: String,
    pub state: String,
}

impl Stored for WorkflowRow {
    const TABLE: Table = Table::new("workflows", &["github_id"]);
}
