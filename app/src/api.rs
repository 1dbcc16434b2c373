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
    pub items: i32,
    pub pages: i32,
    pub requests: i32,
    pub not_modified: i32,
    pub points: i32,
    pub retries: i32,
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

/// What a failed server function says to the person: the server's sentence as it is
/// (without leptos' "error running server function" prefix), or, when the server could not
/// be reached, that.
pub fn error_text(e: &ServerFnError) -> String {
    match e {
        ServerFnError::ServerError(message) => message.clone(),
        _ => "Pulseboard could not be reached or answered unexpectedly; check the connection and try again.".to_string(),
    }
}

/// Server-side helpers shared by the server functions.
#[cfg(feature = "ssr")]
pub mod ssr {
    use http::StatusCode;
    use leptos::prelude::*;

    /// Where the signed-in user's id is kept in the session.
    pub const SESSION_USER_ID: &str = "user_id";
    /// Where the sign-in time (Unix seconds) is kept in the session.
    pub const SESSION_SIGNED_IN_AT: &str = "signed_in_at";
    /// A session ends this long after sign-in however active it is (30 days).
    pub const SESSION_ABSOLUTE_SECS: i64 = 30 * 86_400;

    /// What people see when PostgreSQL cannot be reached.
    pub const DATABASE_UNAVAILABLE: &str =
        "The database is unavailable. Pulseboard keeps retrying; try again in a moment.";

    pub fn engine() -> Result<engine::Engine, ServerFnError> {
        use_context::<engine::Engine>().ok_or_else(|| {
            tracing::error!("server misconfigured: no engine in context");
            fail(StatusCode::INTERNAL_SERVER_ERROR, GENERIC)
        })
    }

    const GENERIC: &str = "Something went wrong on the server; the details are in its log.";

    /// An error with its HTTP status: the message is for people, never internals.
    pub fn fail(status: StatusCode, message: &str) -> ServerFnError {
        if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
            res.set_status(status);
        }
        ServerFnError::new(message)
    }

    fn now_secs() -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0)
    }

    /// Records who signed in and when, in a session whose id was just renewed.
    pub async fn start_session(
        session: &tower_sessions::Session,
        user_id: i64,
    ) -> Result<(), tower_sessions::session::Error> {
        session.insert(SESSION_USER_ID, user_id).await?;
        session.insert(SESSION_SIGNED_IN_AT, now_secs()).await
    }

    /// The signed-in user of a session, if any. A session older than its absolute
    /// lifetime (or from before sign-in times were kept) is ended here.
    pub async fn session_user_id(
        session: &tower_sessions::Session,
    ) -> Result<Option<i64>, tower_sessions::session::Error> {
        let Some(user_id) = session.get::<i64>(SESSION_USER_ID).await? else {
            return Ok(None);
        };
        let signed_in_at = session.get::<i64>(SESSION_SIGNED_IN_AT).await?;
        match signed_in_at {
            Some(t) if now_secs() - t <= SESSION_ABSOLUTE_SECS => Ok(Some(user_id)),
            _ => {
                session.flush().await?;
                Ok(None)
            }
        }
    }

    /// The signed-in user's id, if any.
    pub async fn current_user_id() -> Result<Option<i64>, ServerFnError> {
        let session: tower_sessions::Session = leptos_axum::extract().await.map_err(|e| {
            tracing::error!(error = %e, "no session layer");
            fail(StatusCode::INTERNAL_SERVER_ERROR, GENERIC)
        })?;
        session_user_id(&session).await.map_err(|e| {
            tracing::error!(error = %e, "session store failed");
            fail(StatusCode::SERVICE_UNAVAILABLE, DATABASE_UNAVAILABLE)
        })
    }

    pub async fn require_user_id() -> Result<i64, ServerFnError> {
        match current_user_id().await? {
            Some(id) => Ok(id),
            None => Err(fail(
                StatusCode::UNAUTHORIZED,
                "You are signed out. Sign in with GitHub to continue.",
            )),
        }
    }

    /// Engine errors become a status and a message a person can act on; internal
    /// details (SQL, decoding, GitHub's raw answers) go to the log only.
    pub fn user_error(e: engine::Error) -> ServerFnError {
        use engine::github::GitHubError as G;
        use engine::Error as E;
        let (status, message) = match &e {
            E::NotFound => (
                StatusCode::NOT_FOUND,
                "Not found: this repository is not on Pulseboard for you. Add it from the home page.".to_string(),
            ),
            E::Forbidden => (StatusCode::FORBIDDEN, e.to_string()),
            E::NoToken | E::GitHub(G::Unauthorized(_)) => (
                StatusCode::UNAUTHORIZED,
                "GitHub no longer accepts your sign-in: sign out and sign in with GitHub again.".to_string(),
            ),
            E::Invalid(m) => (StatusCode::BAD_REQUEST, m.clone()),
            E::GitHub(G::RateLimited { .. }) => (StatusCode::TOO_MANY_REQUESTS, e.to_string()),
            E::GitHub(G::NotFound | G::Forbidden { .. }) => (
                StatusCode::FORBIDDEN,
                "GitHub does not let your account see this repository.".to_string(),
            ),
            E::GitHub(_) => (
                StatusCode::BAD_GATEWAY,
                "GitHub did not answer as expected; try again shortly.".to_string(),
            ),
            E::Database(_) if e.is_unavailable() => {
                (StatusCode::SERVICE_UNAVAILABLE, DATABASE_UNAVAILABLE.to_string())
            }
            E::Decrypt | E::Database(_) => (StatusCode::INTERNAL_SERVER_ERROR, GENERIC.to_string()),
        };
        if status.is_server_error() {
            tracing::error!(error = %e, "request failed");
        } else {
            tracing::info!(error = %e, status = status.as_u16(), "request refused");
        }
        fail(status, &message)
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
        repository: full_name,
        resources: j.resources,
        mode: j.mode,
        status: j.status,
        queued_at: stamp(j.created_at),
        started_at: j.started_at.map(stamp),
    })
}
