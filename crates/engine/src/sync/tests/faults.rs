//! GitHub failing in every way a sync meets (5xx, resets, truncation, limits, revocation,
//! a killed process): each ends in the truth or a clear error, and keeps what it stored.

use super::*;

#[tokio::test]
async fn a_failed_page_is_recorded_keeps_what_was_stored_and_the_next_run_resumes() {
    let Fixture {
        sim,
        pool,
        token,
        repo_id,
        ..
    } = setup().await;
    let (pages, issues) = issue_pages(&sim);
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
    let client = GitHubClient::new(&sim.base_url, &token)
        .unwrap()
        .with_retry_policy(fast_retries());
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
    full_sync_under(bursts(&[status(502), status(500), status(503)], 12, 2, 20)).await;
}

#[tokio::test]
async fn dropped_and_cut_off_connections_still_end_in_the_truth() {
    full_sync_under(bursts(
        &[ghsim::Fault::Reset, ghsim::Fault::Truncate],
        12,
        2,
        20,
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

#[tokio::test]
async fn not_found_is_not_retried() {
    let Fixture { sim, token, .. } = setup().await;
    sim.sim.faults().add(fault(
        "GET /repos/{owner}/{repo}",
        ghsim::Fault::Status {
            status: 404,
            retry_after: None,
        },
        1,
    ));
    let client = GitHubClient::new(&sim.base_url, &token)
        .unwrap()
        .with_retry_policy(fast_retries());
    let err = client.repository("acme/api").await.unwrap_err();
    assert!(matches!(err, crate::github::GitHubError::NotFound), "{err}");
    assert_eq!(client.requests_made(), 1);
    assert_eq!(client.retries(), 0);
}

#[tokio::test]
async fn secondary_limits_are_waited_out() {
    let Fixture { sim, token, .. } = setup().await;
    sim.sim.faults().add(fault(
        "GET /repos/{owner}/{repo}",
        ghsim::Fault::Status {
            status: 403,
            retry_after: Some(1),
        },
        1,
    ));
    let client = GitHubClient::new(&sim.base_url, &token)
        .unwrap()
        .with_retry_policy(fast_retries());
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
    let repos: Vec<RepoRef> = alice_repos(&fx)
        .await
        .into_iter()
        .filter(|r| r.full_name == "acme/api")
        .collect();
    // Slow GitHub down and stop the sync mid-way, as a killed process stops.
    fx.sim.sim.faults().add(ghsim::FaultRule {
        route: "*".into(),
        fault: ghsim::Fault::Latency {
            ms: 30,
            jitter_ms: 0,
        },
        count: None,
        after: 0,
    });
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
    let outcomes = worker::sync_planned(&syncer, &repos, &[], Mode::Full)
        .await
        .unwrap();
    assert!(
        outcomes[0].errors().is_empty(),
        "{:?}",
        outcomes[0].errors()
    );
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
    let repos: Vec<RepoRef> = alice_repos(&fx)
        .await
        .into_iter()
        .filter(|r| r.full_name == "acme/docs")
        .collect();
    let outcomes = worker::sync_planned(&syncer, &repos, &[], Mode::Full)
        .await
        .unwrap();
    assert!(
        outcomes[0].errors().is_empty(),
        "{:?}",
        outcomes[0].errors()
    );
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
    let repos: Vec<RepoRef> = alice_repos(&fx)
        .await
        .into_iter()
        .filter(|r| r.full_name == "acme/api")
        .collect();
    worker::sync_planned(&syncer, &repos, &[Resource::PullRequests], Mode::Full)
        .await
        .unwrap();
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM pull_requests")
        .fetch_one(&fx.pool)
        .await
        .unwrap();
    fx.sim.sim.revoke_token(&fx.token);
    let err = worker::sync_planned(&syncer, &repos, &[], Mode::Incremental)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("sign in again"), "{err}");
    let after: i64 = sqlx::query_scalar("SELECT count(*) FROM pull_requests")
        .fetch_one(&fx.pool)
        .await
        .unwrap();
    assert_eq!(after, stored);
}

/// Reads one resource of acme/api in full and insists it succeeded; returns how many rows
/// `table` then holds.
async fn synced(
    pool: &sqlx::PgPool,
    client: &GitHubClient,
    repo_id: i64,
    resource: Resource,
    table: &str,
) -> i64 {
    let outcome = sync_api(pool, client, repo_id, &[resource], Mode::Full).await;
    assert_eq!(outcome.resources[0].error, None);
    count(pool, table).await
}

async fn count(pool: &sqlx::PgPool, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
        .fetch_one(pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn an_answer_that_cannot_be_read_never_empties_a_table() {
    let (
        Fixture {
            sim, pool, repo_id, ..
        },
        client,
    ) = fast_fixture().await;
    let stored = synced(
        &pool,
        &client,
        repo_id,
        Resource::Contributors,
        "contributors",
    )
    .await;
    assert!(stored > 0);
    // A proxy answers with its login page instead of GitHub's list.
    sim.sim.faults().add(fault(
        "GET /repos/{owner}/{repo}/contributors",
        ghsim::Fault::Body {
            body: "<html><body>Please sign in to the corporate proxy</body></html>".into(),
        },
        10,
    ));
    let outcome = sync_api(
        &pool,
        &client,
        repo_id,
        &[Resource::Contributors],
        Mode::Full,
    )
    .await;
    let error = outcome.resources[0].error.clone().expect("the read failed");
    assert!(error.contains("could not be read"), "{error}");
    assert_eq!(
        count(&pool, "contributors").await,
        stored,
        "contributors were deleted"
    );
}

#[tokio::test]
async fn links_naming_another_host_are_followed_on_the_configured_base_and_foreign_ones_refused() {
    let (
        Fixture {
            sim, pool, repo_id, ..
        },
        client,
    ) = fast_fixture().await;
    let (pages, issues) = issue_pages(&sim);
    assert!(pages > 1, "the listing must span pages for links to matter");
    // A GitHub Enterprise Server behind a proxy names its own host in every Link.
    sim.sim.faults().add(ghsim::FaultRule {
        route: "*".into(),
        fault: ghsim::Fault::LinkHost {
            base: "https://ghe.corp.example/api/v3".into(),
        },
        count: None,
        after: 0,
    });
    assert_eq!(
        synced(&pool, &client, repo_id, Resource::Issues, "issues").await as usize,
        issues
    );

    // A link to what is not GitHub's API is not followed: a clear error, nothing lost.
    sim.sim.faults().clear();
    sim.sim.faults().add(ghsim::FaultRule {
        route: "*".into(),
        fault: ghsim::Fault::LinkHost {
            base: "https://elsewhere.example/collect".into(),
        },
        count: None,
        after: 0,
    });
    let outcome = sync_api(&pool, &client, repo_id, &[Resource::Issues], Mode::Full).await;
    let error = outcome.resources[0].error.clone().expect("the read failed");
    assert!(error.contains("not followed"), "{error}");
    assert_eq!(
        count(&pool, "issues").await as usize,
        issues,
        "issues were lost"
    );
    assert!(
        !sim.sim
            .stats()
            .by_route
            .keys()
            .any(|r| r.contains("collect")),
        "the link was asked for"
    );
}

#[tokio::test]
async fn a_secondary_limit_without_retry_after_is_waited_out() {
    let (
        Fixture {
            sim, pool, repo_id, ..
        },
        client,
    ) = fast_fixture().await;
    let (_, issues) = issue_pages(&sim);
    sim.sim.faults().add(fault(
        "GET /repos/{owner}/{repo}/issues",
        ghsim::Fault::SecondaryLimit,
        2,
    ));
    assert_eq!(
        synced(&pool, &client, repo_id, Resource::Issues, "issues").await as usize,
        issues
    );
    assert_eq!(client.retries(), 2);
    // One wait, then a longer one (the policy's 200 ms stands for GitHub's minute).
    assert!(client.waited_ms() >= 200 + 400, "{}", client.waited_ms());
}

#[tokio::test]
async fn graphqls_transient_something_went_wrong_is_retried() {
    let (
        Fixture {
            sim, pool, repo_id, ..
        },
        client,
    ) = fast_fixture().await;
    let pulls = sim
        .sim
        .with_world(|w| w.repo("acme", "api").unwrap().pulls.len());
    sim.sim.faults().add(fault(
        "POST /graphql",
        ghsim::Fault::GraphqlError {
            message: "Something went wrong while executing your query. This may be the result of a timeout, or it could be a GitHub bug. Please include `0000:1111:2222` when reporting this issue.".into(),
        },
        2,
    ));
    assert_eq!(
        synced(
            &pool,
            &client,
            repo_id,
            Resource::PullRequests,
            "pull_requests"
        )
        .await as usize,
        pulls
    );
    assert_eq!(client.retries(), 2);
}

#[tokio::test]
async fn a_commit_without_an_author_date_is_stored_with_its_commit_date() {
    let (
        Fixture {
            sim, pool, repo_id, ..
        },
        client,
    ) = fast_fixture().await;
    let commits = sim
        .sim
        .with_world(|w| w.repo("acme", "api").unwrap().commits.len());
    // GitHub sends `authoredDate: null` for a commit with a malformed date, though its
    // schema says never: here for the newest commit of the first page.
    sim.sim.faults().add(fault(
        "POST /graphql",
        ghsim::Fault::NullField {
            field: "authoredDate".into(),
            items: 1,
        },
        1,
    ));
    assert_eq!(
        synced(&pool, &client, repo_id, Resource::Commits, "commits").await as usize,
        commits
    );
    let head = sim.sim.with_world(|w| {
        let r = w.repo("acme", "api").unwrap();
        let c = r.commits.last().unwrap();
        (c.sha.hex(), c.committed_at)
    });
    let stored: chrono::DateTime<chrono::Utc> =
        sqlx::query_scalar("SELECT authored_at FROM commits WHERE sha = $1")
            .bind(&head.0)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(
        stored, head.1,
        "the commit date stands in for the missing author date"
    );
}

#[tokio::test]
async fn a_contributor_list_too_large_for_github_is_unavailable_not_a_failure() {
    let (
        Fixture {
            sim, pool, repo_id, ..
        },
        client,
    ) = fast_fixture().await;
    let stored = synced(
        &pool,
        &client,
        repo_id,
        Resource::Contributors,
        "contributors",
    )
    .await;
    let reason = "The history or contributor list is too large to list contributors for this repository via the API.";
    sim.sim.faults().add(fault(
        "GET /repos/{owner}/{repo}/contributors",
        ghsim::Fault::Refused {
            status: 403,
            message: reason.into(),
        },
        1,
    ));
    let outcome = sync_api(
        &pool,
        &client,
        repo_id,
        &[Resource::Contributors],
        Mode::Full,
    )
    .await;
    assert!(outcome.errors().is_empty(), "{:?}", outcome.errors());
    assert!(outcome.resources[0]
        .unavailable
        .as_deref()
        .is_some_and(|u| u.contains("too large")));
    let (status, error): (String, Option<String>) =
        sqlx::query_as("SELECT status, error FROM sync_runs ORDER BY id DESC LIMIT 1")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(status, "unavailable");
    assert!(error.unwrap().contains("too large"));
    assert_eq!(
        count(&pool, "contributors").await,
        stored,
        "what was stored stays"
    );
}

#[tokio::test]
async fn a_repository_github_refuses_is_recorded_and_the_others_sync() {
    let fx = setup().await;
    let syncer = alice_syncer(&fx);
    let repos: Vec<RepoRef> = alice_repos(&fx)
        .await
        .into_iter()
        .filter(|r| r.full_name == "acme/docs" || r.full_name == "acme/web")
        .collect();
    let web = repos.iter().find(|r| r.full_name == "acme/web").unwrap();
    // An organisation enforcing SAML: in the one change-detection request for both, web's
    // node is null with a FORBIDDEN error at its path; docs has its data.
    let saml = "Resource protected by organization SAML enforcement. You must grant your Personal Access token access to this organization.";
    fx.sim.sim.faults().add(fault(
        "POST /graphql",
        ghsim::Fault::ForbidNode {
            database_id: web.github_id as u64,
            message: saml.into(),
        },
        1,
    ));
    let outcomes = worker::sync_planned(&syncer, &repos, &[], Mode::Incremental)
        .await
        .expect("one refused repository does not fail the others");
    for (repo, outcome) in repos.iter().zip(&outcomes) {
        if repo.full_name == "acme/web" {
            let errors = outcome.errors();
            assert_eq!(errors.len(), 1, "{errors:?}");
            assert!(errors[0].contains("SAML"), "{errors:?}");
            assert!(
                errors[0].contains("authorise the token for SSO"),
                "{errors:?}"
            );
        } else {
            assert!(outcome.errors().is_empty(), "{:?}", outcome.errors());
        }
    }
    assert_matches_world(&fx.pool, &fx.sim, &["docs".to_string()]).await;
    let recorded: (String, Option<String>) = sqlx::query_as(
        "SELECT status, error FROM sync_runs WHERE repository_id = $1 AND resource = 'repository'",
    )
    .bind(web.github_id)
    .fetch_one(&fx.pool)
    .await
    .unwrap();
    assert_eq!(recorded.0, "failed");
    assert!(recorded.1.unwrap().contains("SAML"));
}
