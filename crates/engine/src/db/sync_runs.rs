//! The history of syncs: one row per repository and resource per run, with its cost.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgPool;

/// What one sync did and what it cost.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct SyncReport {
    pub items: u32,
    pub pages: u32,
    pub requests: u32,
    /// Requests GitHub answered 304 Not Modified: free of rate limit.
    pub not_modified: u32,
    /// Rate-limit points spent (REST requests GitHub counted plus GraphQL costs).
    pub points: u32,
    pub retries: u32,
}

impl std::ops::AddAssign for SyncReport {
    fn add_assign(&mut self, o: SyncReport) {
        self.items += o.items;
        self.pages += o.pages;
        self.requests += o.requests;
        self.not_modified += o.not_modified;
        self.points += o.points;
        self.retries += o.retries;
    }
}

/// What a run did, as recorded when it finishes: its report, the time it spent waiting
/// for GitHub's limits, and the rate limit left on the token it spent.
#[derive(Debug, Clone, Copy, Default)]
pub struct RunCounts {
    pub report: SyncReport,
    pub waited_ms: u64,
    pub rate_remaining: Option<u32>,
}

pub async fn start(
    pool: &PgPool,
    repository_id: i64,
    resource: &str,
    requested_by: Option<i64>,
    job_id: Option<i64>,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO sync_runs (repository_id, resource, requested_by, status, job_id)
         VALUES ($1, $2, $3, 'running', $4) RETURNING id",
    )
    .bind(repository_id)
    .bind(resource)
    .bind(requested_by)
    .bind(job_id)
    .fetch_one(pool)
    .await
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunEnd<'a> {
    Succeeded,
    /// With the public sentence saying why.
    Failed(&'a str),
    /// GitHub refuses to list it for a reason of its own (its words): not a failure.
    Unavailable(&'a str),
}

pub async fn finish(
    pool: &PgPool,
    run_id: i64,
    counts: RunCounts,
    end: RunEnd<'_>,
) -> Result<(), sqlx::Error> {
    let (status, error) = match end {
        RunEnd::Succeeded => ("succeeded", None),
        RunEnd::Failed(e) => ("failed", Some(e)),
        RunEnd::Unavailable(reason) => ("unavailable", Some(reason)),
    };
    sqlx::query(
        "UPDATE sync_runs SET finished_at = now(), items = $2, pages = $3, requests = $4,
                not_modified = $6, points = $7, retries = $8, waited_ms = $9,
                rate_remaining = $10,
                status = $11, error = $5
          WHERE id = $1",
    )
    .bind(run_id)
    .bind(counts.report.items as i32)
    .bind(counts.report.pages as i32)
    .bind(counts.report.requests as i32)
    .bind(error)
    .bind(counts.report.not_modified as i32)
    .bind(counts.report.points as i32)
    .bind(counts.report.retries as i32)
    .bind(counts.waited_ms as i64)
    .bind(counts.rate_remaining.map(|r| r as i32))
    .bind(status)
    .execute(pool)
    .await?;
    Ok(())
}

const RUN_COLUMNS: &str = "s.id, r.full_name AS repository, s.resource, s.status, s.started_at,
    s.finished_at, s.items, s.pages, s.requests, s.not_modified, s.points, s.retries,
    s.waited_ms, CASE WHEN s.requested_by = $1 THEN s.rate_remaining END AS rate_remaining,
    s.error";

/// The latest run of a repository, for a user who may see it.
pub async fn latest(
    pool: &PgPool,
    user_id: i64,
    repository_id: i64,
) -> Result<Option<SyncRun>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {RUN_COLUMNS}
           FROM sync_runs s
           JOIN repository_access a ON a.repository_id = s.repository_id AND a.user_id = $1
           JOIN repositories r ON r.github_id = s.repository_id
          WHERE s.repository_id = $2
          ORDER BY s.started_at DESC LIMIT 1"
    ))
    .bind(user_id)
    .bind(repository_id)
    .fetch_optional(pool)
    .await
}

/// When each repository the user may see was last read, whatever the resource: its
/// newest finished run's end and status, by repository id.
pub async fn last_finished(
    pool: &PgPool,
    user_id: i64,
) -> Result<Vec<(i64, DateTime<Utc>, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT DISTINCT ON (s.repository_id) s.repository_id, s.finished_at, s.status
           FROM sync_runs s
           JOIN repository_access a ON a.repository_id = s.repository_id AND a.user_id = $1
          WHERE s.finished_at IS NOT NULL
          ORDER BY s.repository_id, s.finished_at DESC",
    )
    .bind(user_id)
    .fetch_all(pool)
    .await
}

/// How long a sync run is kept once a newer run of the same repository and resource exists.
pub const KEEP_DAYS: i64 = 30;

/// Deletes the runs that finished more than [`KEEP_DAYS`] before `now` and are not the
/// latest of their repository and resource (which the pages show); returns how many.
pub async fn prune(pool: &PgPool, now: chrono::DateTime<chrono::Utc>) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "DELETE FROM sync_runs s
          WHERE s.status <> 'running'
            AND s.started_at < $1 - make_interval(days => $2::int)
            AND EXISTS (SELECT 1 FROM sync_runs n
                         WHERE n.repository_id = s.repository_id AND n.resource = s.resource
                           AND n.started_at > s.started_at)",
    )
    .bind(now)
    .bind(KEEP_DAYS as i32)
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}

/// Marks the runs of a job that are still "running" as interrupted: their process
/// stopped or died, and the job is being resumed from its checkpoints. Returns how many.
pub async fn interrupt_job_runs(pool: &PgPool, job_id: i64) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE sync_runs SET status = 'interrupted', finished_at = now(),
                error = 'interrupted: the process running it stopped; the sync resumed from its checkpoint'
          WHERE job_id = $1 AND status = 'running'",
    )
    .bind(job_id)
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}

/// One resource of one repository synced once, with what it cost. `rate_remaining` is
/// only read for the person whose token the run spent.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct SyncRun {
    pub id: i64,
    pub repository: String,
    pub resource: String,
    pub status: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    #[sqlx(flatten)]
    pub cost: wire::RunCost,
    pub waited_ms: i64,
    pub rate_remaining: Option<i32>,
    pub error: Option<String>,
}

/// The newest runs of the repositories the user may see, newest first.
pub async fn history(pool: &PgPool, user_id: i64, limit: i64) -> Result<Vec<SyncRun>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {RUN_COLUMNS}
           FROM sync_runs s
           JOIN repository_access a ON a.repository_id = s.repository_id AND a.user_id = $1
           JOIN repositories r ON r.github_id = s.repository_id
          ORDER BY s.started_at DESC, s.id DESC
          LIMIT $2"
    ))
    .bind(user_id)
    .bind(limit)
    .fetch_all(pool)
    .await
}
