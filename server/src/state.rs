//! What every request handler and server function can reach.

use std::sync::Arc;

use axum::extract::FromRef;
use engine::auth::Sealer;
use engine::Engine;
use leptos::prelude::LeptosOptions;

use crate::config::OAuthApp;
use crate::security::Policy;
use crate::sessions::HashedIds;

#[derive(Clone, Debug, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub engine: Engine,
    pub web: WebSettings,
    /// Sync progress from every process (Postgres LISTEN), for the event stream.
    pub sync_events: tokio::sync::broadcast::Sender<engine::sync::Progress>,
    /// The session store (PostgreSQL, ids hashed).
    pub sessions: HashedIds,
    /// Set once when the process begins to stop; long-lived responses end on it.
    pub shutdown: Shutdown,
    /// Sessions ended by signing out in this process: their event streams end at once
    /// (streams of other processes notice within seconds by asking the store).
    pub signed_out: tokio::sync::broadcast::Sender<tower_sessions::session::Id>,
}

/// Sign-in settings, the cookie sealer for the OAuth round trip, and how Pulseboard is
/// reached.
#[derive(Clone, Debug)]
pub struct WebSettings {
    pub oauth: Option<OAuthApp>,
    pub github_web_url: url::Url,
    pub public_url: url::Url,
    pub oauth_cookie: Sealer,
    /// The public origin, and whether it is https (Secure cookies, HSTS, `__Host-`).
    pub policy: Arc<Policy>,
    /// Rate limits use the address the reverse proxy reports.
    pub behind_proxy: bool,
    /// How long an ordinary request may take.
    pub request_timeout: std::time::Duration,
}

/// The process-wide "stop now" signal: cheap to clone, fired once.
#[derive(Clone, Debug)]
pub struct Shutdown(Arc<tokio::sync::watch::Sender<bool>>);

impl Default for Shutdown {
    fn default() -> Self {
        Shutdown(Arc::new(tokio::sync::watch::channel(false).0))
    }
}

impl Shutdown {
    pub fn begin(&self) {
        self.0.send_replace(true);
    }

    /// Resolves once shutdown has begun (at once if it already has).
    pub fn wait(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let mut rx = self.0.subscribe();
        async move {
            let _ = rx.wait_for(|stop| *stop).await;
        }
    }
}
