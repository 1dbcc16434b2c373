//! Every fault the simulator can inject, as a client sees it over real HTTP.

use std::time::{Duration, Instant};

use crate::support::*;
use ghsim::{Fault, FaultRule, RunningSimulator};
use serde_json::{json, Value};

async fn sim() -> RunningSimulator {
    start(config()).await
}

fn alice(sim: &RunningSimulator) -> String {
    token(sim, "alice")
}

/// Adds a rule through the control API, as a test in another process would.
async fn inject(sim: &RunningSimulator, rule: Value) {
    let res = reqwest::Client::new()
        .post(format!("{}/_sim/faults", sim.base_url))
        .json(&rule)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
}

#[tokio::test]
async fn status_bursts_then_recovery_without_spending_the_limit() {
    let sim = sim().await;
    let token = alice(&sim);
    inject(
        &sim,
        json!({"route": "GET /user", "fault": {"kind": "status", "status": 502}, "count": 2}),
    )
    .await;
    for _ in 0..2 {
        let res = get(&sim, "/user", Some(&token), &[]).await;
        assert_eq!(res.status(), 502);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["message"], "Server Error");
    }
    let ok = get(&sim, "/user", Some(&token), &[]).await;
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.headers()["x-ratelimit-used"], "1");
    // The rule is used up and gone.
    assert!(sim.sim.faults().list().is_empty());
    // Other routes were never affected.
    assert_eq!(
        get(&sim, "/user/repos", Some(&token), &[]).await.status(),
        200
    );
}

#[tokio::test]
async fn blocked_missing_and_computing() {
    let sim = sim().await;
    let token = alice(&sim);
    for (status, fault) in [
        (451, json!({"kind": "status", "status": 451})),
        (404, json!({"kind": "status", "status": 404})),
        (403, json!({"kind": "status", "status": 403})),
        (202, json!({"kind": "accepted"})),
    ] {
        inject(
            &sim,
            json!({"route": "GET /repos/{owner}/{repo}", "fault": fault, "count": 1}),
        )
        .await;
        assert_eq!(
            get(&sim, "/repos/acme/api", Some(&token), &[])
                .await
                .status(),
            status
        );
    }
    assert_eq!(
        get(&sim, "/repos/acme/api", Some(&token), &[])
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn latency_fixed_and_jittered() {
    let sim = sim().await;
    let token = alice(&sim);
    sim.sim.faults().add(FaultRule {
        route: "*".into(),
        fault: Fault::Latency {
            ms: 200,
            jitter_ms: 100,
        },
        count: Some(3),
        after: 0,
    });
    for _ in 0..3 {
        let started = Instant::now();
        assert_eq!(get(&sim, "/user", Some(&token), &[]).await.status(), 200);
        let took = started.elapsed();
        assert!(took >= Duration::from_millis(200), "{took:?}");
    }
    let started = Instant::now();
    get(&sim, "/user", Some(&token), &[]).await;
    assert!(started.elapsed() < Duration::from_millis(200));
}

#[tokio::test]
async fn resets_and_truncated_bodies_fail_the_read() {
    let sim = sim().await;
    let token = alice(&sim);
    for kind in ["reset", "truncate"] {
        inject(
            &sim,
            json!({"route": "GET /repos/{owner}/{repo}/pulls", "fault": {"kind": kind}, "count": 1}),
        )
        .await;
        let sent = reqwest::Client::new()
            .get(format!(
                "{}/repos/acme/api/pulls?state=all&per_page=100",
                sim.base_url
            ))
            .bearer_auth(&token)
            .send()
            .await;
        // A reset may surface while reading the head or the body; either way no data.
        let failed = match sent {
            Err(_) => true,
            Ok(res) => res.bytes().await.is_err(),
        };
        assert!(failed, "{kind}: the request must fail");
    }
    let res = get(
        &sim,
        "/repos/acme/api/pulls?state=all&per_page=100",
        Some(&token),
        &[],
    )
    .await;
    assert_eq!(res.json::<Vec<Value>>().await.unwrap().len(), 100);
}

#[tokio::test]
async fn revoked_tokens_get_401() {
    let sim = sim().await;
    let token = alice(&sim);
    assert_eq!(get(&sim, "/user", Some(&token), &[]).await.status(), 200);
    reqwest::Client::new()
        .post(format!("{}/_sim/tokens/revoke", sim.base_url))
        .json(&json!({ "token": token }))
        .send()
        .await
        .unwrap();
    let res = get(&sim, "/user", Some(&token), &[]).await;
    assert_eq!(res.status(), 401);
    assert_eq!(
        res.json::<Value>().await.unwrap()["message"],
        "Bad credentials"
    );
}

#[tokio::test]
async fn after_lets_the_first_requests_through() {
    let sim = sim().await;
    let token = alice(&sim);
    inject(
        &sim,
        json!({"route": "GET /user", "fault": {"kind": "status", "status": 503}, "count": 1, "after": 2}),
    )
    .await;
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(
            get(&sim, "/user", Some(&token), &[])
                .await
                .status()
                .as_u16(),
        );
    }
    assert_eq!(statuses, vec![200, 200, 503, 200]);
}
