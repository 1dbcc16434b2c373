//! The axum router: the Leptos app and its server functions, sign-in routes, the event
//! stream, health, and static files, behind sessions, request limits, the same-origin
//! rule and the security headers.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, AxumRouteListing, LeptosRoutes};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::{ResponseBodyTimeoutLayer, TimeoutLayer};
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

use crate::security::{self, CspNonce, RateLimits};
use crate::sessions;
use crate::state::AppState;

/// Request bodies larger than this are answered 413: server functions take a few fields.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// What each rendered page and server function gets as context: the engine for this
/// request (which resolves each scope the page's parts name once,
/// [`engine::Engine::for_request`]), and this response's CSP nonce (from the
/// security-headers middleware) for the scripts it writes.
fn context(engine: engine::Engine) -> impl Fn() + Clone + Send + 'static {
    move || {
        provide_context(engine.for_request());
        let nonce = use_context::<http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<CspNonce>().cloned());
        if let Some(CspNonce(nonce)) = nonce {
            provide_context(leptos::nonce::Nonce::from_value(nonce));
        }
    }
}

/// The app's routes, listed once per process.
///
/// Listing them renders the app with every resource's loading suppressed by a flag that is
/// global to the process (leptos_router's `RouteList::generate`): a page rendered by another
/// server in this process at that moment would wait for ever for its data (leptos-rs/leptos
/// issue 4773). Tests start many servers in one process; this makes them list routes once,
/// before any of them can render.
fn route_list() -> Vec<AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<AxumRouteListing>> = std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(app::App)).clone()
}

pub fn router(state: AppState) -> Router {
    let routes = route_list();
    let web = state.web.clone();
    let sessions = SessionManagerLayer::new(state.sessions.clone())
        .with_name(sessions::cookie_name(web.policy.https))
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(web.policy.https)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(time::Duration::days(
            sessions::IDLE_DAYS,
        )));
    let limits = RateLimits::new(
        security::ClientIdentity {
            behind_proxy: web.behind_proxy,
        },
        sessions::cookie_name(web.policy.https).to_string(),
    );
    let policy = web.policy.clone();
    // Everything but the event stream answers within the request timeout, and its body
    // never waits longer than that for its next part.
    let timed = Router::new()
        .route("/healthz", get(health))
        .merge(crate::auth::router())
        .leptos_routes_with_context(&state, routes, context(state.engine.clone()), {
            let options = state.leptos_options.clone();
            move || app::shell(options.clone())
        })
        // Static files, and the app's own "not found" page rendered with the same context.
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(context(state.engine.clone()), app::shell))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            web.request_timeout,
        ))
        // A page streams its body after the headers: a part that stalls (a resource that
        // never resolves) for the request timeout ends the response, cut short, rather than
        // holding the connection open for ever.
        .layer(ResponseBodyTimeoutLayer::new(web.request_timeout));
    timed
        .merge(crate::events::router())
        .layer(sessions)
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn_with_state(
            policy.clone(),
            security::same_origin_only,
        ))
        .layer(axum::middleware::from_fn_with_state(
            limits,
            security::rate_limit,
        ))
        .layer(axum::middleware::from_fn_with_state(
            policy,
            security::headers,
        ))
        .with_state(state)
}

async fn health(State(state): State<AppState>) -> (StatusCode, &'static str) {
    match state.engine.health().await {
        Ok(_) => (StatusCode::OK, "ok"),
        Err(e) => {
            tracing::error!(error = %e, "health check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
        }
    }
}
