//! Shared by the simulator's HTTP tests: a simulator on a free port with a fixed history,
//! and small helpers for requests and headers.

#![allow(dead_code)]

pub mod graphql_schema;
pub mod openapi;

use std::net::SocketAddr;

use chrono::TimeZone;
use ghsim::{RunningSimulator, SimConfig, Size};

/// Seed 7, small, history ending 2026-11-02: the numbers every test reasons about.
pub fn config() -> SimConfig {
    let now = chrono::Utc.with_ymd_and_hms(2026, 11, 2, 0, 0, 0).unwrap();
    SimConfig::new(7, Size::Small, now)
}

pub async fn start(config: SimConfig) -> RunningSimulator {
    RunningSimulator::start(config, SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap()
}

pub fn token(sim: &RunningSimulator, login: &str) -> String {
    sim.sim
        .with_world(|w| w.user_by_login(login).unwrap().token.clone())
}

pub async fn get(
    sim: &RunningSimulator,
    path: &str,
    token: Option<&str>,
    extra: &[(&str, &str)],
) -> reqwest::Response {
    let mut req = reqwest::Client::new()
        .get(format!("{}{path}", sim.base_url))
        .header("Accept", "application/vnd.github+json");
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    for (k, v) in extra {
        req = req.header(*k, *v);
    }
    req.send().await.unwrap()
}

pub fn header(res: &reqwest::Response, name: &str) -> Option<String> {
    res.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_string())
}

pub fn num(res: &reqwest::Response, name: &str) -> i64 {
    header(res, name)
        .unwrap_or_else(|| panic!("no {name}"))
        .parse()
        .unwrap()
}

pub fn links(res: &reqwest::Response) -> Option<String> {
    header(res, "link")
}

/// Moves the simulator's clock, through its control API.
pub async fn advance(sim: &RunningSimulator, seconds: i64) {
    let res = reqwest::Client::new()
        .post(format!("{}/_sim/time/advance", sim.base_url))
        .json(&serde_json::json!({ "seconds": seconds }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
}
