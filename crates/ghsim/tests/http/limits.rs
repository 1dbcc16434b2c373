//! GitHub's primary rate limit, conditional requests and accounting, over real HTTP.

use crate::support::*;
use ghsim::{RateLimit, RunningSimulator};
use serde_json::Value;

async fn sim(rate_limit: RateLimit) -> RunningSimulator {
    start(config().with_rate_limit(rate_limit)).await
}

#[tokio::test]
async fn primary_limit_counts_down_blocks_and_resets() {
    let sim = sim(RateLimit::PerHour(3)).await;
    let alice = token(&sim, "alice");
    let before = chrono::Utc::now().timestamp();
    let first = get(&sim, "/user", Some(&alice), &[]).await;
    assert_eq!(first.status(), 200);
    assert_eq!(num(&first, "x-ratelimit-limit"), 3);
    assert_eq!(num(&first, "x-ratelimit-used"), 1);
    assert_eq!(num(&first, "x-ratelimit-remaining"), 2);
    assert_eq!(
        header(&first, "x-ratelimit-resource").as_deref(),
        Some("core")
    );
    let reset = num(&first, "x-ratelimit-reset");
    assert!((before + 3600..=before + 3602).contains(&reset), "{reset}");

    assert_eq!(get(&sim, "/user", Some(&alice), &[]).await.status(), 200);
    let third = get(&sim, "/user/repos", Some(&alice), &[]).await;
    assert_eq!(num(&third, "x-ratelimit-remaining"), 0);
    let blocked = get(&sim, "/user", Some(&alice), &[]).await;
    assert_eq!(blocked.status(), 403);
    assert_eq!(num(&blocked, "x-ratelimit-remaining"), 0);
    assert_eq!(num(&blocked, "x-ratelimit-reset"), reset);
    let body: Value = blocked.json().await.unwrap();
    assert!(body["message"]
        .as_str()
        .unwrap()
        .contains("rate limit exceeded"));

    // Another token has its own budget.
    let bob = token(&sim, "bob");
    assert_eq!(get(&sim, "/user", Some(&bob), &[]).await.status(), 200);

    // /rate_limit tells the truth and is free.
    let status = get(&sim, "/rate_limit", Some(&alice), &[]).await;
    assert_eq!(status.status(), 200);
    let body: Value = status.json().await.unwrap();
    assert_eq!(body["resources"]["core"]["remaining"], 0);
    assert_eq!(body["resources"]["core"]["reset"], reset);
    assert_eq!(body["rate"]["used"], 3);

    // An hour later the window has reset.
    advance(&sim, 3600).await;
    let after = get(&sim, "/user", Some(&alice), &[]).await;
    assert_eq!(after.status(), 200);
    assert_eq!(num(&after, "x-ratelimit-remaining"), 2);
    assert!(num(&after, "x-ratelimit-reset") >= reset + 3600);

    let stats = sim.sim.stats();
    assert_eq!(stats.rate_limited, 1);
    assert_eq!(stats.rate_limit_points, 5);
    assert_eq!(stats.by_route["GET /user"], 5);
}

#[tokio::test]
async fn conditional_requests_are_free() {
    let sim = sim(RateLimit::PerHour(100)).await;
    let alice = token(&sim, "alice");
    let first = get(
        &sim,
        "/repos/acme/api/pulls?state=all&per_page=100",
        Some(&alice),
        &[],
    )
    .await;
    let etag = header(&first, "etag").expect("an ETag");
    assert!(
        etag.starts_with('"') && etag.ends_with('"'),
        "strong ETag: {etag}"
    );
    assert_eq!(num(&first, "x-ratelimit-remaining"), 99);

    let again = get(
        &sim,
        "/repos/acme/api/pulls?state=all&per_page=100",
        Some(&alice),
        &[("If-None-Match", &etag)],
    )
    .await;
    assert_eq!(again.status(), 304);
    assert_eq!(header(&again, "etag").as_deref(), Some(etag.as_str()));
    assert_eq!(num(&again, "x-ratelimit-remaining"), 99);
    assert!(again.bytes().await.unwrap().is_empty());

    // A different page has a different tag, so the old one does not match.
    let other = get(
        &sim,
        "/repos/acme/api/pulls?state=all&per_page=100&page=2",
        Some(&alice),
        &[("If-None-Match", &etag)],
    )
    .await;
    assert_eq!(other.status(), 200);

    // Last-Modified / If-Modified-Since on an object.
    let repo = get(&sim, "/repos/acme/api", Some(&alice), &[]).await;
    let modified = header(&repo, "last-modified").expect("Last-Modified");
    let again = get(
        &sim,
        "/repos/acme/api",
        Some(&alice),
        &[("If-Modified-Since", &modified)],
    )
    .await;
    assert_eq!(again.status(), 304);
    let older = get(
        &sim,
        "/repos/acme/api",
        Some(&alice),
        &[("If-Modified-Since", "Mon, 01 Jan 2001 00:00:00 GMT")],
    )
    .await;
    assert_eq!(older.status(), 200);

    let stats: ghsim::Stats = reqwest::get(format!("{}/_sim/stats", sim.base_url))
        .await
        .unwrap()
        .json::<Value>()
        .await
        .map(|v| serde_json::from_value(v).unwrap())
        .unwrap();
    assert_eq!(stats.not_modified, 2);
    assert_eq!(stats.rate_limit_points, 4);
    assert_eq!(stats.requests, 6);
}

#[tokio::test]
async fn enterprise_mode_without_rate_limiting() {
    let sim = sim(RateLimit::Disabled).await;
    let alice = token(&sim, "alice");
    let res = get(&sim, "/user", Some(&alice), &[]).await;
    assert_eq!(res.status(), 200);
    assert!(res
        .headers()
        .keys()
        .all(|k| !k.as_str().starts_with("x-ratelimit")));
    let res = get(&sim, "/rate_limit", Some(&alice), &[]).await;
    assert_eq!(res.status(), 404);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["message"], "Rate limiting is not enabled.");
}

#[tokio::test]
async fn anonymous_requests_get_sixty() {
    let sim = sim(RateLimit::PerHour(5000)).await;
    let res = reqwest::get(format!("{}/repos/acme/api", sim.base_url))
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(num(&res, "x-ratelimit-limit"), 60);
}

#[tokio::test]
async fn secondary_limit_per_minute_answers_retry_after() {
    let sim = start(config().with_secondary_limits(ghsim::SecondaryLimits {
        max_concurrent: 100,
        per_minute: 3,
    }))
    .await;
    let alice = token(&sim, "alice");
    for _ in 0..3 {
        assert_eq!(get(&sim, "/user", Some(&alice), &[]).await.status(), 200);
    }
    let refused = get(&sim, "/user", Some(&alice), &[]).await;
    assert_eq!(refused.status(), 403);
    let retry: i64 = num(&refused, "retry-after");
    assert!((1..=60).contains(&retry), "{retry}");
    let body: Value = refused.json().await.unwrap();
    assert!(body["message"]
        .as_str()
        .unwrap()
        .contains("secondary rate limit"));
    // The refused request cost no primary budget.
    advance(&sim, 60).await;
    let ok = get(&sim, "/user", Some(&alice), &[]).await;
    assert_eq!(ok.status(), 200);
    assert_eq!(num(&ok, "x-ratelimit-used"), 4);
    assert_eq!(sim.sim.stats().secondary_limited, 1);
}

#[tokio::test]
async fn secondary_limit_on_concurrency() {
    let sim = start(config().with_secondary_limits(ghsim::SecondaryLimits {
        max_concurrent: 2,
        per_minute: 900,
    }))
    .await;
    sim.sim.faults().add(ghsim::FaultRule {
        route: "*".into(),
        fault: ghsim::Fault::Latency {
            ms: 1500,
            jitter_ms: 0,
        },
        count: None,
        after: 0,
    });
    let alice = token(&sim, "alice");
    let calls = (0..5).map(|_| {
        let base = sim.base_url.clone();
        let alice = alice.clone();
        tokio::spawn(async move {
            reqwest::Client::new()
                .get(format!("{base}/user"))
                .bearer_auth(alice)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        })
    });
    let mut statuses = Vec::new();
    for c in calls.collect::<Vec<_>>() {
        statuses.push(c.await.unwrap());
    }
    statuses.sort();
    // Each request stays in flight for its 1.5 s of latency, so of five at once exactly
    // two get in.
    assert_eq!(statuses, vec![200, 200, 403, 403, 403], "{statuses:?}");
    let stats = sim.sim.stats();
    assert_eq!(stats.concurrent_peak, 2);
    assert_eq!(stats.secondary_limited, 3);
}

#[tokio::test]
async fn a_short_window_resets_in_real_time() {
    let sim = start(
        config()
            .with_rate_limit(RateLimit::PerHour(1))
            .with_window(2),
    )
    .await;
    let alice = token(&sim, "alice");
    let first = get(&sim, "/user", Some(&alice), &[]).await;
    let reset = num(&first, "x-ratelimit-reset");
    assert!(reset <= chrono::Utc::now().timestamp() + 2);
    assert_eq!(get(&sim, "/user", Some(&alice), &[]).await.status(), 403);
    // Waiting until the announced reset is enough.
    let wait = (reset - chrono::Utc::now().timestamp()).max(0) as u64;
    tokio::time::sleep(std::time::Duration::from_millis(wait * 1000 + 1100)).await;
    assert_eq!(get(&sim, "/user", Some(&alice), &[]).await.status(), 200);
}
