//! Server functions: each asks who is signed in, calls one engine function, and maps the
//! error. The types here cross the wire, so they are plain serialisable data.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub login: String,
    pub name: Option<String>,
    pub avatar_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepoSummary {
    pub full_name: String,
    pub description: Option<String>,
    pub private: bool,
    pub permission: String,
    pub tracked: bool,
    pub html_url: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeekPoint {
    /// ISO date of the Monday that starts the week (UTC).
    pub week_start: String,
    pub opened: u32,
    pub merged: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastSync {
    pub status: String,
    pub finished_at: Option<String>,
    pub items: i32,
    pub pages: i32,
    pub requests: i32,
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepoOverview {
    pub repo: RepoSummary,
    pub weeks: Vec<WeekPoint>,
    pub pull_requests: u32,
    pub merged: u32,
    pub last_sync: Option<LastSync>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tracked {
    pub full_name: String,
    pub pull_requests: u32,
    pub requests: u32,
}

/// A sync job waiting or running.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobView {
    pub id: i64,
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
    pub id: i64,
    pub repository: String,
    pub resource: String,
    pub status: String,
    pub started_at: String,
    /// How long it took, once finished ("4.2 s").
    pub took: Option<String>,
    pub items: i32,
    pub pages: i32,
    pub requests: i32,
    pub not_modified: i32,
    pub points: i32,
    pub retries: i32,
    pub waited: Option<String>,
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

/// A page of sync progress as `/api/sync/events` streams it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveProgress {
    pub repository: String,
    pub resource: String,
    pub items: u32,
    pub pages: u32,
    pub total: Option<u64>,
    pub rate_remaining: Option<u32>,
    pub eta_secs: Option<u64>,
    pub done: bool,
}

/// Server-side helpers shared by the server functions.
#[cfg(feature = "ssr")]
pub mod ssr {
    use leptos::prelude::*;

    /// Where the signed-in user's id is kept in the session.
    pub const SESSION_USER_ID: &str = "user_id";

    pub fn engine() -> Result<engine::Engine, ServerFnError> {
        use_context::<engine::Engine>()
            .ok_or_else(|| ServerFnError::new("server misconfigured: no engine in context"))
    }

    /// The signed-in user's id, if any.
    pub async fn current_user_id() -> Result<Option<i64>, ServerFnError> {
        let session: tower_sessions::Session = leptos_axum::extract().await?;
        session
            .get::<i64>(SESSION_USER_ID)
            .await
            .map_err(|e| ServerFnError::new(format!("session store: {e}")))
    }

    pub async fn require_user_id() -> Result<i64, ServerFnError> {
        match current_user_id().await? {
            Some(id) => Ok(id),
            None => {
                if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
                    res.set_status(http::StatusCode::UNAUTHORIZED);
                }
                Err(ServerFnError::new(
                    "You are signed out. Sign in with GitHub to continue.",
                ))
            }
        }
    }

    /// Engine errors become messages a person can act on; internal details go to the log.
    pub fn user_error(e: engine::Error) -> ServerFnError {
        if e.is_user_facing() {
            ServerFnError::new(e.to_string())
        } else {
            tracing::error!(error = %e, "request failed");
            ServerFnError::new("Something went wrong on the server; the details are in its log.")
        }
    }
}

#[server(endpoint = "me")]
pub async fn signed_in_user() -> Result<Option<Me>, ServerFnError> {
    let Some(user_id) = ssr::current_user_id().await? else {
        return Ok(None);
    };
    let engine = ssr::engine()?;
    let user = engine.user(user_id).await.map_err(ssr::user_error)?;
    Ok(user.map(|u| Me {
        login: u.login,
        name: u.name,
        avatar_url: u.avatar_url,
    }))
}

#[server(endpoint = "repositories")]
pub async fn list_repositories(refresh: bool) -> Result<Vec<RepoSummary>, ServerFnError> {
    let user_id = ssr::require_user_id().await?;
    let engine = ssr::engine()?;
    let repos = engine
        .visible_repositories(user_id, refresh)
        .await
        .map_err(ssr::user_error)?;
    Ok(repos.into_iter().map(summary).collect())
}

#[cfg(feature = "ssr")]
fn summary(r: engine::db::repos::Repository) -> RepoSummary {
    RepoSummary {
        full_name: r.full_name,
        description: r.description,
        private: r.private,
        permission: r.permission,
        tracked: r.tracked,
        html_url: r.html_url,
    }
}

#[server(endpoint = "track")]
pub async fn track_repository(full_name: String) -> Result<Tracked, ServerFnError> {
    let user_id = ssr::require_user_id().await?;
    let engine = ssr::engine()?;
    let report = engine
        .track_and_sync(user_id, &full_name)
        .await
        .map_err(ssr::user_error)?;
    Ok(Tracked {
        full_name,
        pull_requests: report.items,
        requests: report.requests,
    })
}

#[server(endpoint = "overview")]
pub async fn repository_overview(full_name: String) -> Result<RepoOverview, ServerFnError> {
    let user_id = ssr::require_user_id().await?;
    let engine = ssr::engine()?;
    let o = engine
        .pull_request_throughput(user_id, &full_name)
        .await
        .map_err(ssr::user_error)?;
    Ok(RepoOverview {
        pull_requests: o.weeks.iter().map(|w| w.opened).sum(),
        merged: o.weeks.iter().map(|w| w.merged).sum(),
        weeks: o
            .weeks
            .into_iter()
            .map(|w| WeekPoint {
                week_start: w.week_start.to_string(),
                opened: w.opened,
                merged: w.merged,
            })
            .collect(),
        last_sync: o.last_sync.map(|s| LastSync {
            status: s.status,
            finished_at: s
                .finished_at
                .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string()),
            items: s.items,
            pages: s.pages,
            requests: s.requests,
            error: s.error,
        }),
        repo: summary(o.repo),
    })
}

#[cfg(feature = "ssr")]
fn stamp(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

#[cfg(feature = "ssr")]
fn seconds(ms: i64) -> String {
    format!("{:.1} s", ms as f64 / 1000.0)
}

#[server(endpoint = "sync_activity")]
pub async fn load_sync_activity() -> Result<SyncActivity, ServerFnError> {
    let user_id = ssr::require_user_id().await?;
    let engine = ssr::engine()?;
    let a = engine
        .sync_activity(user_id)
        .await
        .map_err(ssr::user_error)?;
    let tracked = engine
        .visible_repositories(user_id, false)
        .await
        .map_err(ssr::user_error)?
        .into_iter()
        .filter(|r| r.tracked)
        .map(|r| r.full_name)
        .collect();
    Ok(SyncActivity {
        jobs: a
            .jobs
            .into_iter()
            .map(|j| JobView {
                id: j.id,
                repository: j.repository,
                resources: j.resources,
                mode: j.mode,
                status: j.status,
                queued_at: stamp(j.created_at),
                started_at: j.started_at.map(stamp),
            })
            .collect(),
        runs: a
            .runs
            .into_iter()
            .map(|r| RunView {
                id: r.id,
                repository: r.repository,
                resource: r.resource,
                status: r.status,
                started_at: stamp(r.started_at),
                took: r
                    .finished_at
                    .map(|f| seconds((f - r.started_at).num_milliseconds())),
                items: r.items,
                pages: r.pages,
                requests: r.requests,
                not_modified: r.not_modified,
                points: r.points,
                retries: r.retries,
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
pub async fn sync_now(full_name: String, full: bool) -> Result<JobView, ServerFnError> {
    let user_id = ssr::require_user_id().await?;
    let engine = ssr::engine()?;
    let j = engine
        .request_sync(user_id, &full_name, full)
        .await
        .map_err(ssr::user_error)?;
    Ok(JobView {
        id: j.id,
        repository: full_name,
        resources: j.resources,
        mode: j.mode,
        status: j.status,
        queued_at: stamp(j.created_at),
        started_at: j.started_at.map(stamp),
    })
}
