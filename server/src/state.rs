//! What every request handler and server function can reach.

use axum::extract::FromRef;
use engine::auth::Sealer;
use engine::Engine;
use leptos::prelude::LeptosOptions;

use crate::config::OAuthApp;

#[derive(Clone, Debug, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub engine: Engine,
    pub web: WebSettings,
    /// Sync progress from every process (Postgres LISTEN), for the event stream.
    pub sync_events: tokio::sync::broadcast::Sender<engine::sync::Progress>,
}

/// Sign-in settings and the cookie sealer for the OAuth round trip.
#[derive(Clone, Debug)]
pub struct WebSettings {
    pub oauth: Option<OAuthApp>,
    pub github_web_url: url::Url,
    pub public_url: url::Url,
    pub oauth_cookie: Sealer,
    /// Whether cookies are marked Secure (Pulseboard is reached over https).
    pub secure_cookies: bool,
}
