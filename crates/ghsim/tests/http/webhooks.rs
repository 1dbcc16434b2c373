//! Hooks registered over REST receive GitHub-shaped deliveries for activity created
//! through the control API: headers, HMAC signature over the exact body, payloads that
//! validate against GitHub's webhook description, one attempt, and redelivery.

use std::sync::{Arc, Mutex};

use crate::support::openapi;
use crate::support::*;
use axum::body::Bytes;
use axum::http::HeaderMap;
use serde_json::{json, Value};

#[derive(Clone, Default)]
struct Received(Arc<Mutex<Vec<(HeaderMap, Bytes)>>>);

/// A receiver on a free port that records every request and answers `status`.
async fn receiver(status: u16) -> (String, Received) {
    let received = Received::default();
    let store = received.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: Bytes| {
            let store = store.clone();
            async move {
                store.0.lock().unwrap().push((headers, body));
                axum::http::StatusCode::from_u16(status).unwrap()
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/hook"), received)
}

async fn act(sim: &ghsim::RunningSimulator, repo: &str, body: Value) -> Value {
    let res = reqwest::Client::new()
        .post(format!("{}/_sim/repos/acme/{repo}/activity", sim.base_url))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{body}");
    res.json().await.unwrap()
}

fn header_of(h: &HeaderMap, name: &str) -> String {
    h.get(name).unwrap().to_str().unwrap().to_string()
}

/// Adds a hook for every event of acme/api that delivers to `url`; returns it.
async fn add_hook(sim: &ghsim::RunningSimulator, token: &str, url: &str, secret: &str) -> Value {
    let res = reqwest::Client::new()
        .post(format!("{}/repos/acme/api/hooks", sim.base_url))
        .bearer_auth(token)
        .json(&json!({
            "name": "web",
            "config": { "url": url, "content_type": "json", "secret": secret },
            "events": ["*"],
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    res.json().await.unwrap()
}

/// The webhook operation a delivery is (`issues-reopened`), as GitHub's description
/// names it.
fn operation(event: &str, payload: &Value) -> String {
    match payload["action"].as_str() {
        Some(action) => format!("{}-{}", event.replace('_', "-"), action.replace('_', "-")),
        None => event.replace('_', "-"),
    }
}

#[tokio::test]
async fn changes_to_old_items_deliver_githubs_events() {
    let hooks_spec = openapi::webhooks_spec();
    let sim = start(config()).await;
    let alice = token(&sim, "alice");
    let (url, received) = receiver(200).await;
    add_hook(&sim, &alice, &url, "s").await;
    let old = sim.sim.with_world(|w| {
        let r = w.repo("acme", "api").unwrap();
        let closed = r
            .issues
            .iter()
            .find(|i| i.closed_at.is_some())
            .unwrap()
            .number;
        let pull = r
            .pulls
            .iter()
            .find(|p| p.closed_at.is_some() && p.merged_at.is_none())
            .unwrap()
            .number;
        let reviewed = r.pulls.iter().find(|p| !p.reviews.is_empty()).unwrap();
        let review = (reviewed.number, reviewed.reviews[0].id);
        let old = (r.runs[0].id, r.deployments[0].id, r.releases[0].tag.clone());
        (closed, pull, review, old)
    });
    let (closed, pull, (reviewed, review), (run, deployment, tag)) = old;
    for change in [
        json!({ "kind": "reopen", "number": closed }),
        json!({ "kind": "label", "number": closed, "labels": ["bug", "incident"] }),
        json!({ "kind": "reopen", "number": pull }),
        json!({ "kind": "label", "number": pull, "labels": ["enhancement"] }),
        json!({ "kind": "dismiss_review", "number": reviewed, "review_id": review }),
        json!({ "kind": "rerun", "run_id": run, "conclusion": "failure" }),
        json!({ "kind": "deployment_status", "deployment_id": deployment, "state": "inactive" }),
        json!({ "kind": "edit_release", "tag": tag, "name": "Renamed" }),
    ] {
        act(&sim, "api", change).await;
    }
    let got = received.0.lock().unwrap().clone();
    let operations: Vec<String> = got
        .iter()
        .skip(1) // the ping
        .map(|(headers, body)| {
            let payload: Value = serde_json::from_slice(body).unwrap();
            let operation = operation(&header_of(headers, "x-github-event"), &payload);
            openapi::assert_valid_webhook(&hooks_spec, &operation, &payload);
            operation
        })
        .collect();
    assert_eq!(
        operations,
        [
            "issues-reopened",
            "issues-labeled",
            "pull-request-reopened",
            "pull-request-labeled",
            "pull-request-review-dismissed",
            "workflow-run-completed",
            "deployment-status-created",
            "release-edited",
        ]
    );
}

#[tokio::test]
async fn deliveries_are_signed_shaped_and_redeliverable() {
    let rest = openapi::rest_spec();
    let hooks_spec = openapi::webhooks_spec();
    let sim = start(config()).await;
    let alice = token(&sim, "alice");
    let (url, received) = receiver(200).await;
    let secret = "It's a Secret to Everybody";
    let client = reqwest::Client::new();
    let hook = add_hook(&sim, &alice, &url, secret).await;
    openapi::assert_valid_for(&rest, "post", "/repos/{owner}/{repo}/hooks", &hook);
    assert_eq!(
        hook["config"]["secret"], "********",
        "the secret is never shown"
    );
    let hook_id = hook["id"].as_u64().unwrap();
    // GitHub pings a new hook.
    {
        let got = received.0.lock().unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(header_of(&got[0].0, "x-github-event"), "ping");
        let body: Value = serde_json::from_slice(&got[0].1).unwrap();
        openapi::assert_valid_webhook(&hooks_spec, "ping", &body);
    }

    let opened = act(
        &sim,
        "api",
        json!({ "kind": "open_pull", "author": "bob", "title": "Add retries" }),
    )
    .await;
    let number = opened["number"].as_u64().unwrap();
    act(
        &sim,
        "api",
        json!({ "kind": "review", "number": number, "reviewer": "dave", "state": "APPROVED" }),
    )
    .await;
    act(
        &sim,
        "api",
        json!({ "kind": "comment", "number": number, "author": "erin" }),
    )
    .await;
    act(
        &sim,
        "api",
        json!({ "kind": "merge_pull", "number": number, "by": "dave" }),
    )
    .await;
    act(
        &sim,
        "api",
        json!({ "kind": "open_issue", "author": "carol", "labels": ["bug"] }),
    )
    .await;
    act(
        &sim,
        "api",
        json!({ "kind": "deploy", "environment": "production" }),
    )
    .await;
    act(&sim, "api", json!({ "kind": "star" })).await;
    act(&sim, "api", json!({ "kind": "release", "tag": "v9.0.0" })).await;

    let got = received.0.lock().unwrap().clone();
    let events: Vec<String> = got
        .iter()
        .map(|(h, _)| header_of(h, "x-github-event"))
        .collect();
    assert_eq!(
        events,
        [
            "ping",
            "pull_request",
            "pull_request_review",
            "issue_comment",
            "pull_request",
            "push",
            "workflow_run",
            "issues",
            "deployment",
            "deployment_status",
            "star",
            "release"
        ]
    );
    let mut guids = std::collections::HashSet::new();
    for (headers, body) in &got {
        // The signature is an HMAC of the exact bytes received.
        assert_eq!(
            header_of(headers, "x-hub-signature-256"),
            ghsim::webhooks::signature_256(secret.as_bytes(), body)
        );
        assert_eq!(header_of(headers, "x-github-hook-id"), hook_id.to_string());
        assert_eq!(
            header_of(headers, "x-github-hook-installation-target-type"),
            "repository"
        );
        assert!(header_of(headers, "user-agent").starts_with("GitHub-Hookshot/"));
        assert!(guids.insert(header_of(headers, "x-github-delivery")));
        let payload: Value = serde_json::from_slice(body).unwrap();
        let operation = operation(&header_of(headers, "x-github-event"), &payload);
        openapi::assert_valid_webhook(&hooks_spec, &operation, &payload);
    }
    let merged: Value = serde_json::from_slice(&got[4].1).unwrap();
    assert_eq!(merged["action"], "closed");
    assert_eq!(merged["pull_request"]["merged"], true);
    let push: Value = serde_json::from_slice(&got[5].1).unwrap();
    assert!(
        push["repository"]["pushed_at"].is_i64(),
        "push payloads carry epoch times"
    );

    // The activity shows in the REST API.
    let res = get(
        &sim,
        &format!("/repos/acme/api/pulls/{number}"),
        Some(&alice),
        &[],
    )
    .await;
    let pull: Value = res.json().await.unwrap();
    assert_eq!(pull["merged"], true);
    assert_eq!(pull["comments"], 1);

    // The delivery log, and redelivery with the same GUID.
    let res = get(
        &sim,
        &format!("/repos/acme/api/hooks/{hook_id}/deliveries"),
        Some(&alice),
        &[],
    )
    .await;
    let log: Vec<Value> = res.json().await.unwrap();
    assert_eq!(log.len(), got.len());
    assert!(log.iter().all(|d| d["status_code"] == 200));
    let first_push = log.iter().find(|d| d["event"] == "push").unwrap();
    let res = client
        .post(format!(
            "{}/repos/acme/api/hooks/{hook_id}/deliveries/{}/attempts",
            sim.base_url, first_push["id"]
        ))
        .bearer_auth(&alice)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    let again = received.0.lock().unwrap().last().cloned().unwrap();
    assert_eq!(
        header_of(&again.0, "x-github-delivery"),
        first_push["guid"].as_str().unwrap()
    );
    assert_eq!(again.1, got[5].1, "the same body");
}

#[tokio::test]
async fn one_attempt_and_no_retry_when_the_receiver_fails() {
    let sim = start(config()).await;
    let alice = token(&sim, "alice");
    let (url, received) = receiver(500).await;
    let res = reqwest::Client::new()
        .post(format!("{}/repos/acme/api/hooks", sim.base_url))
        .bearer_auth(&alice)
        .json(&json!({ "config": { "url": url, "content_type": "json" }, "events": ["issues"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let hook_id = res.json::<Value>().await.unwrap()["id"].as_u64().unwrap();
    // Not subscribed to pushes: nothing is sent for them.
    act(&sim, "api", json!({ "kind": "push", "author": "bob" })).await;
    act(
        &sim,
        "api",
        json!({ "kind": "open_issue", "author": "bob" }),
    )
    .await;
    let got = received.0.lock().unwrap().clone();
    // The ping, then one attempt for the issue; no retries, and no signature without a secret.
    assert_eq!(got.len(), 2);
    assert!(got[1].0.get("x-hub-signature-256").is_none());
    let res = get(
        &sim,
        &format!("/repos/acme/api/hooks/{hook_id}/deliveries"),
        Some(&alice),
        &[],
    )
    .await;
    let log: Vec<Value> = res.json().await.unwrap();
    assert_eq!(log[0]["status_code"], 500);
    assert_eq!(log[0]["event"], "issues");
    // Bad hook definitions are GitHub's 422.
    let res = reqwest::Client::new()
        .post(format!("{}/repos/acme/api/hooks", sim.base_url))
        .bearer_auth(&alice)
        .json(&json!({ "config": { "url": "ftp://example" } }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    // Deleting a hook stops deliveries.
    let res = reqwest::Client::new()
        .delete(format!("{}/repos/acme/api/hooks/{hook_id}", sim.base_url))
        .bearer_auth(&alice)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    act(
        &sim,
        "api",
        json!({ "kind": "open_issue", "author": "bob" }),
    )
    .await;
    assert_eq!(received.0.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn activity_changes_what_the_api_serves() {
    let sim = start(config()).await;
    let alice = token(&sim, "alice");
    let before = get(
        &sim,
        "/repos/acme/api/commits?per_page=1",
        Some(&alice),
        &[],
    )
    .await;
    let etag = header(&before, "etag").unwrap();
    let body: Vec<Value> = before.json().await.unwrap();
    let old_head = body[0]["sha"].as_str().unwrap().to_string();
    // An unchanged list is a free 304.
    let res = get(
        &sim,
        "/repos/acme/api/commits?per_page=1",
        Some(&alice),
        &[("If-None-Match", &etag)],
    )
    .await;
    assert_eq!(res.status(), 304);
    // A force-push replaces the newest commit: the head and the ETag change.
    let out = act(
        &sim,
        "api",
        json!({ "kind": "push", "author": "bob", "commits": 1, "force_replace": 1 }),
    )
    .await;
    let res = get(
        &sim,
        "/repos/acme/api/commits?per_page=2",
        Some(&alice),
        &[("If-None-Match", &etag)],
    )
    .await;
    assert_eq!(res.status(), 200);
    let body: Vec<Value> = res.json().await.unwrap();
    assert_eq!(body[0]["sha"], out["sha"]);
    assert_ne!(body[1]["sha"], old_head, "the replaced commit is gone");
    // Editing an old issue moves it into `since`.
    let (old, now) = sim
        .sim
        .with_world(|w| (w.repo("acme", "api").unwrap().issues[0].number, w.now));
    act(
        &sim,
        "api",
        json!({ "kind": "edit", "number": old, "title": "Renamed" }),
    )
    .await;
    let since = ghsim::json::ts(now);
    let res = get(
        &sim,
        &format!("/repos/acme/api/issues?state=all&since={since}"),
        Some(&alice),
        &[],
    )
    .await;
    let items: Vec<Value> = res.json().await.unwrap();
    assert!(items
        .iter()
        .any(|i| i["number"] == old && i["title"] == "Renamed"));
    // A deleted issue disappears.
    act(
        &sim,
        "api",
        json!({ "kind": "delete_issue", "number": old }),
    )
    .await;
    let res = get(
        &sim,
        &format!("/repos/acme/api/issues/{old}"),
        Some(&alice),
        &[],
    )
    .await;
    assert_eq!(res.status(), 404);
    // Bad activity is refused with a reason.
    let res = reqwest::Client::new()
        .post(format!("{}/_sim/repos/acme/api/activity", sim.base_url))
        .json(&json!({ "kind": "merge_pull", "number": 999_999 }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let res = reqwest::Client::new()
        .post(format!("{}/_sim/repos/acme/api/activity", sim.base_url))
        .json(&json!({ "kind": "teleport" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
}
