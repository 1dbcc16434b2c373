//! `GET /api/sync/events`: sync progress as server-sent events, for the signed-in user and
//! only of repositories GitHub lets them see.

use std::collections::HashSet;
use std::convert::Infallible;
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use engine::sync::Progress;
use engine::Engine;
use tokio::sync::broadcast::error::RecvError;
use tower_sessions::session::Id;
use tower_sessions::Session;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/sync/events", get(stream))
}

/// Which repositories one subscriber may hear about. Access changes (GitHub revokes it,
/// a sign-in refreshes it) are picked up within a minute, and an event for a repository
/// not seen before is checked again at most every few seconds.
struct Audience {
    user_id: i64,
    ids: HashSet<i64>,
    checked: Instant,
}

const RECHECK: Duration = Duration::from_secs(60);
const RECHECK_UNKNOWN: Duration = Duration::from_secs(5);

impl Audience {
    async fn load(engine: &Engine, user_id: i64) -> engine::Result<Audience> {
        Ok(Audience {
            user_id,
            ids: engine
                .visible_repository_ids(user_id)
                .await?
                .into_iter()
                .collect(),
            checked: Instant::now(),
        })
    }

    async fn may_see(&mut self, engine: &Engine, repository_id: i64) -> bool {
        let age = self.checked.elapsed();
        let stale = age > RECHECK || (!self.ids.contains(&repository_id) && age > RECHECK_UNKNOWN);
        if stale {
            match Audience::load(engine, self.user_id).await {
                Ok(fresh) => *self = fresh,
                // Unsure: say nothing rather than too much.
                Err(e) => {
                    tracing::warn!(error = %e, "could not recheck who may see sync progress");
                    return false;
                }
            }
        }
        self.ids.contains(&repository_id)
    }
}

/// How often a stream asks the session store whether its session still exists (sign-out
/// in another process, expiry); sign-out in this process ends it at once.
const SESSION_RECHECK: Duration = Duration::from_secs(5);

async fn stream(State(state): State<AppState>, session: Session) -> Response {
    let user_id = match app::api::ssr::session_user_id(&session).await {
        Ok(Some(id)) => id,
        Ok(None) => return (StatusCode::UNAUTHORIZED, "Sign in to follow syncs.").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "session store failed");
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                app::api::ssr::DATABASE_UNAVAILABLE,
            )
                .into_response();
        }
    };
    let Some(session_id) = session.id() else {
        return (StatusCode::UNAUTHORIZED, "Sign in to follow syncs.").into_response();
    };
    let engine = state.engine.clone();
    let audience = match Audience::load(&engine, user_id).await {
        Ok(a) => a,
        Err(e) => {
            tracing::error!(error = %e, "could not read the user's repositories");
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                app::api::ssr::DATABASE_UNAVAILABLE,
            )
                .into_response();
        }
    };
    let rx = state.sync_events.subscribe();
    let events = futures::stream::unfold(
        (rx, audience, engine),
        |(mut rx, mut audience, engine)| async move {
            loop {
                let event = match rx.recv().await {
                    Ok(p) => {
                        if !audience.may_see(&engine, p.repository_id).await {
                            continue;
                        }
                        progress_event(&p, audience.user_id)
                    }
                    // Too slow a reader: say how much was missed and go on.
                    Err(RecvError::Lagged(n)) => {
                        Event::default().event("lagged").data(n.to_string())
                    }
                    Err(RecvError::Closed) => return None,
                };
                return Some((Ok::<_, Infallible>(event), (rx, audience, engine)));
            }
        },
    );
    // The stream ends with the process, or with the session.
    let ended = session_ended(state.clone(), session_id);
    let shutdown = state.shutdown.wait();
    let end = async move {
        tokio::select! {
            _ = ended => {}
            _ = shutdown => {}
        }
    };
    use futures::StreamExt as _;
    Sse::new(events.take_until(end))
        .keep_alive(KeepAlive::default())
        .into_response()
}

/// Resolves when the session is signed out here, or is found gone from the store.
async fn session_ended(state: AppState, id: Id) {
    use tower_sessions::SessionStore as _;
    let mut signed_out = state.signed_out.subscribe();
    let mut recheck = tokio::time::interval(SESSION_RECHECK);
    recheck.tick().await;
    loop {
        tokio::select! {
            ended = signed_out.recv() => match ended {
                Ok(ended) if ended == id => return,
                Ok(_) | Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => return,
            },
            _ = recheck.tick() => {
                // An unreadable store keeps the stream: the next check decides.
                if let Ok(None) = state.sessions.load(&id).await {
                    return;
                }
            }
        }
    }
}

/// One progress event as this person may see it, in the wire type the browser parses
/// (`app::api::LiveProgress`): the rate limit left only on their own token, no job ids.
fn progress_event(p: &Progress, viewer: i64) -> Event {
    let mut live: app::api::LiveProgress = p.live.clone();
    if p.requested_by != Some(viewer) {
        live.rate_remaining = None;
    }
    Event::default()
        .event("progress")
        .json_data(&live)
        .unwrap_or_else(|_| Event::default().event("lagged").data("1"))
}
