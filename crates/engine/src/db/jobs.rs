//! The sync job queue, in Postgres: any number of `pulseboard` processes claim jobs with
//! `FOR UPDATE SKIP LOCKED`, keep them with a heartbeat, and take over a job whose
//! claimant stopped beating (a killed process).

use chrono::{DateTime, Utc};
use sqlx::PgPool;

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct Job {
    pub id: i64,
    pub repository_id: i64,
    pub resources: Vec<String>,
    pub mode: String,
    pub requested_by: Option<i64>,
    pub status: String,
    pub attempts: i32,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub error: Option<String>,
}

const COLUMNS: &str = "id, repository_id, resources, mode, requested_by, status, attempts,
    created_at, started_at, finished_at, error";

/// Queues a sync of a repository unless one is already queued or running; returns the
/// live job either way.
pub async fn enqueue(
    pool: &PgPool,
    repository_id: i64,
    resources: &[String],
    mode: &str,
    requested_by: Option<i64>,
    priority: i32,
) -> Result<Job, sqlx::Error> {
    let inserted: Option<Job> = sqlx::query_as(&format!(
        "INSERT INTO sync_jobs (repository_id, resources, mode, requested_by, priority)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (repository_id) WHERE status IN ('queued', 'running') DO NOTHING
         RETURNING {COLUMNS}"
    ))
    .bind(repository_id)
    .bind(resources)
    .bind(mode)
    .bind(requested_by)
    .bind(priority)
    .fetch_optional(pool)
    .await?;
    match inserted {
        Some(job) => Ok(job),
        None => {
            sqlx::query_as(&format!(
                "SELECT {COLUMNS} FROM sync_jobs
                  WHERE repository_id = $1 AND status IN ('queued', 'running')"
            ))
            .bind(repository_id)
            .fetch_one(pool)
            .await
        }
    }
}

/// Claims the next job: queued and due, or running but abandoned (no heartbeat for
/// `stale_secs`). Concurrent claimants never get the same job.
pub async fn claim(
    pool: &PgPool,
    worker: &str,
    stale_secs: i64,
) -> Result<Option<Job>, sqlx::Error> {
    sqlx::query_as(&format!(
        "UPDATE sync_jobs SET status = 'running', claimed_by = $1, heartbeat_at = now(),
                started_at = coalesce(started_at, now()), attempts = attempts + 1
          WHERE id = (
                SELECT id FROM sync_jobs
                 WHERE (status = 'queued' AND run_after <= now())
                    OR (status = 'running' AND heartbeat_at < now() - make_interval(secs => $2))
                 ORDER BY priority DESC, run_after, id
                 FOR UPDATE SKIP LOCKED
                 LIMIT 1)
          RETURNING {COLUMNS}"
    ))
    .bind(worker)
    .bind(stale_secs as f64)
    .fetch_optional(pool)
    .await
}

/// Keeps a claimed job; false when the job was taken over meanwhile.
pub async fn heartbeat(pool: &PgPool, job_id: i64, worker: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE sync_jobs SET heartbeat_at = now()
          WHERE id = $1 AND claimed_by = $2 AND status = 'running'",
    )
    .bind(job_id)
    .bind(worker)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn finish(
    pool: &PgPool,
    job_id: i64,
    worker: &str,
    error: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE sync_jobs SET finished_at = now(), error = $3,
                status = CASE WHEN $3::text IS NULL THEN 'succeeded' ELSE 'failed' END
          WHERE id = $1 AND claimed_by = $2",
    )
    .bind(job_id)
    .bind(worker)
    .bind(error)
    .execute(pool)
    .await?;
    Ok(())
}

/// Hands a claimed job back to the queue (its process is stopping): another worker, or
/// this one after a restart, resumes it from its checkpoints at once.
pub async fn release(pool: &PgPool, job_id: i64, worker: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE sync_jobs SET status = 'queued', claimed_by = NULL, heartbeat_at = NULL,
                run_after = now()
          WHERE id = $1 AND claimed_by = $2 AND status = 'running'",
    )
    .bind(job_id)
    .bind(worker)
    .execute(pool)
    .await?;
    Ok(())
}

/// Hands back every job still marked as claimed by `worker`: a restarted process takes
/// back what its killed predecessor (same name) held, without waiting for the heartbeat
/// to go stale. Returns how many.
pub async fn release_all_of(pool: &PgPool, worker: &str) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE sync_jobs SET status = 'queued', claimed_by = NULL, heartbeat_at = NULL,
                run_after = now()
          WHERE claimed_by = $1 AND status = 'running'",
    )
    .bind(worker)
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}

pub async fn get(pool: &PgPool, job_id: i64) -> Result<Option<Job>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM sync_jobs WHERE id = $1"))
        .bind(job_id)
        .fetch_optional(pool)
        .await
}

/// A queued or running job as the sync page lists it.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
pub struct LiveJob {
    pub id: i64,
    pub repository_id: i64,
    pub repository: String,
    pub resources: Vec<String>,
    pub mode: String,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
}

/// Queued and running jobs of the repositories the user may see, running first.
pub async fn live(pool: &PgPool, user_id: i64) -> Result<Vec<LiveJob>, sqlx::Error> {
    sqlx::query_as(
        "SELECT j.id, j.repository_id, r.full_name AS repository, j.resources, j.mode,
                j.status, j.created_at, j.started_at
           FROM sync_jobs j
           JOIN repository_access a ON a.repository_id = j.repository_id AND a.user_id = $1
           JOIN repositories r ON r.github_id = j.repository_id
          WHERE j.status IN ('queued', 'running')
          ORDER BY j.status = 'running' DESC, j.priority DESC, j.run_after, j.id",
    )
    .bind(user_id)
    .fetch_all(pool)
    .await
}
