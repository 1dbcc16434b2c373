//! The simulator's own control API under `/_sim/`: accounting and the clock. Not part of
//! GitHub; tests and benchmarks use it to read what a client spent and to move time.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

use crate::activity::{Activity, ActivityError, Outcome};
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
        .route("/_sim/repos/{owner}/{repo}/activity", post(activity))
}

#[derive(Debug, Deserialize)]
struct ActivityRequest {
    #[serde(flatten)]
    activity: Activity,
    at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Creates activity, e.g. `{"kind": "open_pull", "author": "bob"}` or
/// `{"kind": "merge_pull", "number": 12}`, and delivers the webhooks it raises before
/// answering with what was created and the delivery ids.
async fn activity(
    State(sim): State<Arc<Simulator>>,
    Path((owner, repo)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> Result<Json<Outcome>, (StatusCode, String)> {
    let req: ActivityRequest = serde_json::from_slice(&body).map_err(|e| {
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("bad activity: {e}"),
        )
    })?;
    Ok(Json(sim.act(&owner, &repo, req.activity, req.at).await?))
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
    let mut world = sim.world.write().unwrap_or_else(|e| e.into_inner());
    world.now += chrono::Duration::seconds(a.seconds);
    Ok(StatusCode::NO_CONTENT)
}

impl Simulator {
    /// Applies activity to the world; returns its outcome (with the events to deliver)
    /// and the repository's hooks.
    fn apply_activity(
        &self,
        owner: &str,
        repo: &str,
        activity: Activity,
        at: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Result<(Outcome, Vec<crate::data::Hook>), (StatusCode, String)> {
        let mut world = self.world.write().unwrap_or_else(|e| e.into_inner());
        let outcome = world
            .apply(owner, repo, activity, at, &self.urls)
            .map_err(|e| {
                let status = match e {
                    ActivityError::NoRepository(_) | ActivityError::NoItem(_) => {
                        StatusCode::NOT_FOUND
                    }
                    _ => StatusCode::UNPROCESSABLE_ENTITY,
                };
                (status, e.to_string())
            })?;
        let hooks = outcome
            .events
            .first()
            .and_then(|e| world.repo_by_id(e.repository_id))
            .map(|r| r.hooks.clone())
            .unwrap_or_default();
        Ok((outcome, hooks))
    }

    /// Applies activity and delivers its webhooks, as `POST /_sim/repos/…/activity` does.
    pub async fn act(
        &self,
        owner: &str,
        repo: &str,
        activity: Activity,
        at: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Result<Outcome, (StatusCode, String)> {
        let (mut outcome, hooks) = self.apply_activity(owner, repo, activity, at)?;
        for event in std::mem::take(&mut outcome.events) {
            let ids = self.deliveries.emit(&hooks, &event).await;
            outcome.deliveries.extend(ids);
        }
        Ok(outcome)
    }
}
