//! The simulator's own control API under `/_sim/`: accounting and the clock. Not part of
//! GitHub; tests and benchmarks use it to read what a client spent and to move time.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

use crate::faults::FaultRule;
use crate::limits::Stats;
use crate::server::Simulator;

pub fn router() -> Router<Arc<Simulator>> {
    Router::new()
        .route("/_sim/stats", get(stats))
        .route("/_sim/stats/reset", post(reset_stats))
        .route("/_sim/time/advance", post(advance_time))
        .route(
            "/_sim/faults",
            get(list_faults).post(add_fault).delete(clear_faults),
        )
        .route("/_sim/tokens/revoke", post(revoke_token))
}

async fn list_faults(State(sim): State<Arc<Simulator>>) -> Json<Vec<FaultRule>> {
    Json(sim.faults.list())
}

/// Adds a rule, e.g. `{"route": "GET /user", "fault": {"kind": "status", "status": 502}, "count": 3}`.
async fn add_fault(State(sim): State<Arc<Simulator>>, Json(rule): Json<FaultRule>) -> StatusCode {
    sim.faults.add(rule);
    StatusCode::NO_CONTENT
}

async fn clear_faults(State(sim): State<Arc<Simulator>>) -> StatusCode {
    sim.faults.clear();
    StatusCode::NO_CONTENT
}

#[derive(Debug, Deserialize)]
struct Revoke {
    token: String,
}

async fn revoke_token(State(sim): State<Arc<Simulator>>, Json(r): Json<Revoke>) -> StatusCode {
    sim.revoke_token(&r.token);
    StatusCode::NO_CONTENT
}

async fn stats(State(sim): State<Arc<Simulator>>) -> Json<Stats> {
    Json(sim.stats())
}

async fn reset_stats(State(sim): State<Arc<Simulator>>) -> StatusCode {
    sim.limits.reset_stats();
    StatusCode::NO_CONTENT
}

#[derive(Debug, Deserialize)]
struct Advance {
    seconds: i64,
}

/// Moves the simulator's clock forward (rate-limit windows expire as if time had passed).
async fn advance_time(
    State(sim): State<Arc<Simulator>>,
    Json(a): Json<Advance>,
) -> Result<StatusCode, (StatusCode, String)> {
    if a.seconds < 0 {
        return Err((
            StatusCode::UNPROCESSABLE_ENTITY,
            "seconds must not be negative".into(),
        ));
    }
    sim.clock.advance(a.seconds);
    Ok(StatusCode::NO_CONTENT)
}
