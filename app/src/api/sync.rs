//! The sync page: jobs, runs, "Sync now", and the progress events' wire type.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::AppResult;

/// A sync job waiting or running (no ids: they are the instance's, not the person's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobView {
    pub repository: String,
    /// Empty: everything.
    pub resources: Vec<String>,
    pub mode: String,
    pub status: String,
    pub queued_at: String,
    pub started_at: Option<String>,
}

/// One resource of one repository synced once, with what it cost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunView {
    pub repository: String,
    pub resource: String,
    pub status: String,
    pub started_at: String,
    /// How long it took, once finished ("4.2 s").
    pub took: Option<String>,
    #[serde(flatten)]
    pub cost: wire::RunCost,
    pub waited: Option<String>,
    /// The rate limit left on the person's own token after the run; None for runs that
    /// spent someone else's.
    pub rate_remaining: Option<i32>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncActivity {
    pub jobs: Vec<JobView>,
    pub runs: Vec<RunView>,
    /// The repositories on the user's dashboard, which "Sync now" can queue.
    pub tracked: Vec<String>,
}

pub use wire::LiveProgress;

#[cfg(feature = "ssr")]
fn stamp(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

#[cfg(feature = "ssr")]
fn seconds(ms: i64) -> String {
    format!("{:.1} s", ms as f64 / 1000.0)
}

#[cfg(feature = "ssr")]
fn job_view(j: engine::db::jobs::LiveJob) -> JobView {
    JobView {
        repository: j.repository,
        resources: j.resources,
        mode: j.mode,
        status: j.status,
        queued_at: stamp(j.created_at),
        started_at: j.started_at.map(stamp),
    }
}

/// The sync jobs running and queued of the repositories the person may see (the
/// overview's "Syncing now": the jobs only, without the sync page's history).
#[server(endpoint = "syncing_now")]
pub async fn syncing_now() -> AppResult<Vec<JobView>> {
    let user_id = super::ssr::require_user_id().await?;
    let engine = super::ssr::engine()?;
    Ok(engine
        .sync_jobs(user_id)
        .await
        .map_err(super::ssr::user_error)?
        .into_iter()
        .map(job_view)
        .collect())
}

#[server(endpoint = "sync_activity")]
pub async fn load_sync_activity() -> AppResult<SyncActivity> {
    let user_id = super::ssr::require_user_id().await?;
    let engine = super::ssr::engine()?;
    let a = engine
        .sync_activity(user_id)
        .await
        .map_err(super::ssr::user_error)?;
    let tracked = engine
        .visible_repositories(user_id, false)
        .await
        .map_err(super::ssr::user_error)?
        .into_iter()
        .filter(|r| r.tracked)
        .map(|r| r.full_name)
        .collect();
    Ok(SyncActivity {
        jobs: a.jobs.into_iter().map(job_view).collect(),
        runs: a
            .runs
            .into_iter()
            .map(|r| RunView {
                repository: r.repository,
                resource: r.resource,
                status: r.status,
                started_at: stamp(r.started_at),
                took: r
                    .finished_at
                    .map(|f| seconds((f - r.started_at).num_milliseconds())),
                cost: r.cost,
                waited: (r.waited_ms > 0).then(|| seconds(r.waited_ms)),
                rate_remaining: r.rate_remaining,
                error: r.error,
            })
            .collect(),
        tracked,
    })
}

/// Queues a sync of a tracked repository now; `full` reads everything again.
#[server(endpoint = "sync_now")]
pub async fn sync_now(full_name: String, full: bool) -> AppResult<JobView> {
    let user_id = super::ssr::require_user_id().await?;
    let engine = super::ssr::engine()?;
    let j = engine
        .request_sync(user_id, &full_name, full)
        .await
        .map_err(super::ssr::user_error)?;
    Ok(JobView {
        repository: full_name,
        resources: j.resources,
        mode: j.mode,
        status: j.status,
        queued_at: stamp(j.created_at),
        started_at: j.started_at.map(stamp),
    })
}
