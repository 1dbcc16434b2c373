//! GitHub failing in every way a sync meets (5xx, resets, truncation, limits, revocation,
//! a killed process): each ends in the truth or a clear error, and keeps what it stored.

use super::*;

#[tokio::test]
async fn a_failed_page_is_recorded_keeps_what_was_stored_and_the_next_run_resumes() {
    let (fx, client, (pages, issues)) = issues_fixture().await;
    let Fixture {
        sim, pool, repo_id, ..
    } = fx;
    assert!(pages > 3);
    // Pages 1 and 2 arrive; from then on the server fails, through every retry.
    sim.sim.faults().add(ghsim::FaultRule {
        route: "GET /repos/{owner}/{repo}/issues".into(),
        fault: ghsim::Fault::Status {
            status: 502,
            retry_after: None,
        },
        count: None,
        after: 2,
    });
    let outcome = sync_api(&pool, &client, repo_id, &[Resource::Issues], Mode::Full).await;
    let error = outcome.resources[0].error.clone().unwrap();
    assert!(error.contains("502"), "{error}");
    let (status, items, pages_done, recorded): (String, i32, i32, Option<String>) = sqlx::query_as(
        "SELECT status, items, pages, error FROM sync_runs ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((status.as_str(), pages_done), ("failed", 2));
    assert!(recorded.unwrap().contains("502"));
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM issues")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(stored, i64::from(items));
    // Two pages, then the third page tried 1 + 3 times.
    assert_eq!(client.requests_made(), 2 + 4);
    assert_eq!(client.retries(), 3);

    // GitHub recovers: the next run starts at page 3, not page 1, and completes.
    sim.sim.faults().clear();
    let before = sim.sim.stats().requests;
    let outcome = sync_api(&pool, &client, repo_id, &[Resource::Issues], Mode::Full).await;
    assert_eq!(outcome.resources[0].error, None);
    assert_eq!((sim.sim.stats().requests - before) as usize, pages - 2);
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM issues")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(stored as usize, issues);
}

#[tokio::test]
async fn transient_failures_are_retried_and_the_sync_completes() {
    let Fixture {
        sim,
        pool,
        token,
        repo_id,
        total,
        ..
    } = setup().await;
    let pulls = "POST /graphql";
    let faults = sim.sim.faults();
    faults.add(fault(
        pulls,
        ghsim::Fault::Status {
            status: 502,
            retry_after: None,
        },
        1,
    ));
    faults.add(fault(pulls, ghsim::Fault::Reset, 1));
    faults.add(fault(pulls, ghsim::Fault::Truncate, 1));
    let client = GitHubClient::new(&sim.base_url, &token)
        .unwrap()
        .with_retry_policy(fast_retries());
    let outcome = sync_api(
        &pool,
        &client,
        repo_id,
        &[Resource::PullRequests],
        Mode::Full,
    )
    .await;
    assert_eq!(outcome.resources[0].error, None);
    assert_eq!(outcome.resources[0].report.items as usize, total);
    assert_eq!(client.retries(), 3);
    assert_eq!(
        db::pulls::count(&pool, repo_id).await.unwrap() as usize,
        total
    );
}

#[tokio::test]
async fn server_error_bursts_still_end_in_the_truth() {
    let status = |status| ghsim::Fault::Status {
        status,
        retry_after: None,
    };
    full_sync_under(bursts(&[status(502), status(500), status(503)], 12, 2, 15)).await;
}

#[tokio::test]
async fn dropped_and_cut_off_connections_still_end_in_the_truth() {
    full_sync_under(bursts(
        &[ghsim::Fault::Reset, ghsim::Fault::Truncate],
        12,
        2,
        15,
    ))
    .await;
}

#[tokio::test]
async fn secondary_limits_still_end_in_the_truth() {
    let limited = |status| ghsim::Fault::Status {
        status,
        retry_after: Some(1),
    };
    let fx = full_sync_under(bursts(&[limited(403), limited(429)], 4, 1, 50)).await;
    let waited: i64 =
        sqlx::query_scalar("SELECT coalesce(sum(waited_ms), 0)::bigint FROM sync_runs")
            .fetch_one(&fx.pool)
            .await
            .unwrap();
    assert!(waited >= 4 * 1000, "waited only {waited} ms");
}

/// The fast fixture, with GitHub answering the next read of one repository with `status`.
async fn repository_answered_once_with(
    status: u16,
    retry_after: Option<u64>,
) -> (Fixture, GitHubClient) {
    let (fx, client) = fast_fixture().await;
    let answer = ghsim::Fault::Status {
        status,
        retry_after,
    };
    fx.sim
        .sim
        .faults()
        .add(fault("GET /repos/{owner}/{repo}", answer, 1));
    (fx, client)
}

#[tokio::test]
async fn not_found_is_not_retried() {
    let (_fx, client) = repository_answered_once_with(404, None).await;
    let err = client.repository("acme/api").await.unwrap_err();
    assert!(matches!(err, crate::github::GitHubError::NotFound), "{err}");
    assert_eq!(client.requests_made(), 1);
    assert_eq!(client.retries(), 0);
}

#[tokio::test]
async fn secondary_limits_are_waited_out() {
    let (_fx, client) = repository_answered_once_with(403, Some(1)).await;
    let started = std::time::Instant::now();
    let repo = client.repository("acme/api").await.unwrap();
    assert_eq!(repo.full_name, "acme/api");
    assert!(started.elapsed() >= std::time::Duration::from_secs(1));
    assert_eq!(client.retries(), 1);
    assert!(client.waited_ms() >= 1000);
}

#[tokio::test]
async fn revoked_tokens_fail_clearly_without_retries() {
    let Fixture { sim, token, .. } = setup().await;
    sim.sim.revoke_token(&token);
    let client = GitHubClient::new(&sim.base_url, &token)
        .unwrap()
        .with_retry_policy(fast_retries());
    let err = client.current_user().await.unwrap_err();
    assert!(
        matches!(err, crate::github::GitHubError::Unauthorized(_)),
        "{err}"
    );
    assert!(err.to_string().contains("sign in again"), "{err}");
    assert_eq!(client.requests_made(), 1);
}

#[tokio::test]
async fn an_interrupted_sync_resumes_without_gaps_or_duplicates() {
    let fx = setup().await;
    let syncer = alice_syncer(&fx);
    let repos = alice_repos_named(&fx, &["api"]).await;
    // Slow GitHub down and stop the sync mid-way, as a killed process stops.
    fx.sim.sim.faults().add(always(ghsim::Fault::Latency {
        ms: 30,
        jitter_ms: 0,
    }));
    let task = {
        let syncer = syncer.clone();
        let repos = repos.clone();
        tokio::spawn(async move { worker::sync_planned(&syncer, &repos, &[], Mode::Full).await })
    };
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    task.abort();
    let _ = task.await;
    let partial: i64 = sqlx::query_scalar("SELECT count(*) FROM sync_checkpoints WHERE resume IS NOT NULL OR completed_at IS NOT NULL")
        .fetch_one(&fx.pool)
        .await
        .unwrap();
    assert!(partial > 0, "the sync stopped before writing anything");
    fx.sim.sim.faults().clear();
    sync_ok(&syncer, &repos, Mode::Full).await;
    assert_matches_world(&fx.pool, &fx.sim, &["api".to_string()]).await;
}

#[tokio::test]
async fn an_exhausted_primary_limit_is_waited_for_and_the_sync_finishes() {
    // A budget of 8 points in a 3-second window: the sync runs out and waits.
    let fx = setup_with(
        SimConfig::new(7, Size::Small, anchor())
            .with_rate_limit(ghsim::RateLimit::PerHour(8))
            .with_window(3),
    )
    .await;
    let syncer = alice_syncer(&fx);
    let repos = alice_repos_named(&fx, &["docs"]).await;
    sync_ok(&syncer, &repos, Mode::Full).await;
    // More than one window's budget was needed, so the sync had to wait for a reset
    // (ahead of time, from the budget GitHub reported, or after a refusal).
    assert!(
        fx.sim.sim.stats().rate_limit_points > 8,
        "the budget never ran out"
    );
    let waited: i64 = sqlx::query_scalar("SELECT coalesce(max(waited_ms), 0) FROM sync_runs")
        .fetch_one(&fx.pool)
        .await
        .unwrap();
    assert!(waited > 0, "no wait was recorded");
    assert_matches_world(&fx.pool, &fx.sim, &["docs".to_string()]).await;
}

#[tokio::test]
async fn a_revoked_token_stops_the_sync_with_a_clear_error_and_keeps_the_data() {
    let fx = setup().await;
    let syncer = alice_syncer(&fx);
    let repos = alice_repos_named(&fx, &["api"]).await;
    worker::sync_planned(&syncer, &repos, &[Resource::PullRequests], Mode::Full)
        .await
        .unwrap();
    let stored = count(&fx.pool, "pull_requests").await;
    fx.sim.sim.revoke_token(&fx.token);
    let err = worker::sync_planned(&syncer, &repos, &[], Mode::Incremental)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("sign in again"), "{err}");
    assert_eq!(count(&fx.pool, "pull_requests").await, stored);
}
