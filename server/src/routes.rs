//! The axum router: the Leptos app and its server functions, sign-in routes, health, and
//! static files, behind the Postgres-backed session layer.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};
use tower_sessions_sqlx_store::PostgresStore;

use crate::state::AppState;

pub const SESSION_COOKIE: &str = "pulseboard_session";
/// Sessions end after this long without a request.
pub const SESSION_IDLE_DAYS: i64 = 14;

pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(app::App);
    let engine = state.engine.clone();
    let fallback_engine = state.engine.clone();
    let store = PostgresStore::new(state.engine.pool.clone());
    let sessions = SessionManagerLayer::new(store)
        .with_name(SESSION_COOKIE)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(state.web.secure_cookies)
        .with_expiry(Expiry::OnInactivity(time::Duration::days(
            SESSION_IDLE_DAYS,
        )));
    Router::new()
        .route("/healthz", get(health))
        .merge(crate::auth::router())
        .merge(crate::events::router())
        .leptos_routes_with_context(&state, routes, move || provide_context(engine.clone()), {
            let options = state.leptos_options.clone();
            move || app::shell(options.clone())
        })
        // Static files, and the app's own "not found" page rendered with the same context.
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(
            move || provide_context(fallback_engine.clone()),
            app::shell,
        ))
        .layer(sessions)
        .with_state(state)
}

async fn health(State(state): State<AppState>) -> (StatusCode, &'static str) {
    match sqlx::query("SELECT 1").execute(&state.engine.pool).await {
        Ok(_) => (StatusCode::OK, "ok"),
        Err(e) => {
            tracing::error!(error = %e, "health check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
        }
    }
}
