//! GitHub Actions: workflows, workflow runs and their jobs; the one writer of each.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{upsert, Conn};

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

pub async fn upsert_runs(conn: &mut Conn, rows: &[RunRow]) -> Result<u64, sqlx::Error> {
    upsert(
        conn,
        "INSERT INTO workflow_runs (github_id, repository_id, workflow_id, check_suite_node_id,
            run_number, run_attempt, event, status, conclusion, head_branch, head_sha,
            actor_login, created_at, run_started_at, updated_at)
         SELECT * FROM jsonb_to_recordset($1) AS u(github_id bigint, repository_id bigint,
                workflow_id bigint, check_suite_node_id text, run_number int, run_attempt int,
                event text, status text, conclusion text, head_branch text, head_sha text,
                actor_login text, created_at timestamptz, run_started_at timestamptz,
                updated_at timestamptz)
         ON CONFLICT (github_id) DO UPDATE SET run_attempt = EXCLUDED.run_attempt,
            status = EXCLUDED.status, conclusion = EXCLUDED.conclusion,
            run_started_at = EXCLUDED.run_started_at, updated_at = EXCLUDED.updated_at,
            check_suite_node_id = EXCLUDED.check_suite_node_id,
            jobs_synced_at = CASE WHEN workflow_runs.updated_at = EXCLUDED.updated_at
                                  THEN workflow_runs.jobs_synced_at END",
        rows,
    )
    .await
}

/// Completed runs whose jobs are not stored for their latest state: (run id, check suite
/// node id).
pub async fn runs_needing_jobs(
    conn: &mut Conn,
    repository_id: i64,
    limit: i64,
) -> Result<Vec<(i64, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT github_id, check_suite_node_id FROM workflow_runs
          WHERE repository_id = $1 AND status = 'completed' AND jobs_synced_at IS NULL
            AND check_suite_node_id IS NOT NULL
          ORDER BY github_id LIMIT $2",
    )
    .bind(repository_id)
    .bind(limit)
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
    upsert(
        conn,
        "INSERT INTO workflow_jobs (github_id, run_id, repository_id, name, status, conclusion,
            started_at, completed_at)
         SELECT * FROM jsonb_to_recordset($1) AS u(github_id bigint, run_id bigint,
                repository_id bigint, name text, status text, conclusion text,
                started_at timestamptz, completed_at timestamptz)
         ON CONFLICT (github_id) DO UPDATE SET status = EXCLUDED.status,
            conclusion = EXCLUDED.conclusion, started_at = EXCLUDED.started_at,
            completed_at = EXCLUDED.completed_at",
        rows,
    )
    .await?;
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

pub async fn upsert_workflows(conn: &mut Conn, rows: &[WorkflowRow]) -> Result<u64, sqlx::Error> {
    upsert(
        conn,
        "INSERT INTO workflows (github_id, repository_id, name, path, state)
         SELECT * FROM jsonb_to_recordset($1) AS u(github_id bigint, repository_id bigint,
                name text, path text, state text)
         ON CONFLICT (github_id) DO UPDATE SET name = EXCLUDED.name, path = EXCLUDED.path,
            state = EXCLUDED.state",
        rows,
    )
    .await
}
