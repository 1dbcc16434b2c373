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

/// The fast fixture, with how many pages and issues acme/api's issue listing has.
async fn issues_fixture() -> (Fixture, GitHubClient, (usize, usize)) {
    let (fx, client) = fast_fixture().await;
    let pages = issue_pages(&fx.sim);
    (fx, client, pages)
}

/// The issues fixture under `rule`, after a full sync of acme/api's issues that stored
/// every one of them.
async fn all_issues_under(rule: ghsim::FaultRule) -> (Fixture, GitHubClient, (usize, usize)) {
    let (fx, client, (pages, issues)) = issues_fixture().await;
    fx.sim.sim.faults().add(rule);
    let stored = synced(&fx.pool, &client, fx.repo_id, Resource::Issues, "issues").await;
    assert_eq!(stored as usize, issues, "every issue is stored");
    (fx, client, (pages, issues))
}

/// Syncs `resource` of acme/api into `table` while `fault` answers GitHub's GraphQL
/// endpoint `times` times: how many acme/api has in the simulator (`truth`), how many
/// were stored, and the fixture with its client.
async fn api_under_graphql_fault(
    fault: ghsim::Fault,
    times: u32,
    (resource, table): (Resource, &str),
    truth: impl Fn(&ghsim::data::Repository) -> usize,
) -> (usize, usize, Fixture, GitHubClient) {
    let (fx, client) = fast_fixture().await;
    let expected = fx
        .sim
        .sim
        .with_world(|w| truth(w.repo("acme", "api").unwrap()));
    fx.sim
        .sim
        .faults()
        .add(super::fault("POST /graphql", fault, times));
    let stored = synced(&fx.pool, &client, fx.repo_id, resource, table).await as usize;
    (expected, stored, fx, client)
}

/// Syncs contributors, then syncs them again while `refusal` answers GitHub's contributors
/// listing `times` times: the fixture, how many were stored, and the second sync's outcome.
async fn contributors_again_under(
    refusal: ghsim::Fault,
    times: u32,
) -> (Fixture, i64, RepoOutcome) {
    let (fx, client) = fast_fixture().await;
    let stored = synced(
        &fx.pool,
        &client,
        fx.repo_id,
        Resource::Contributors,
        "contributors",
    )
    .await;
    assert!(stored > 0);
    let route = "GET /repos/{owner}/{repo}/contributors";
    fx.sim.sim.faults().add(fault(route, refusal, times));
    let resources = [Resource::Contributors];
    let outcome = sync_api(&fx.pool, &client, fx.repo_id, &resources, Mode::Full).await;
    (fx, stored, outcome)
}

#[tokio::test]
async fn an_answer_that_cannot_be_read_never_empties_a_table() {
    // A proxy answers with its login page instead of GitHub's list.
    let login_page = "<html><body>Please sign in to the corporate proxy</body></html>";
    let (Fixture { pool, .. }, stored, outcome) = contributors_again_under(
        ghsim::Fault::Body {
            body: login_page.into(),
        },
        10,
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
    // A GitHub Enterprise Server behind a proxy names its own host in every Link.
    let ghe = always(ghsim::Fault::LinkHost {
        base: "https://ghe.corp.example/api/v3".into(),
    });
    let (fx, client, (pages, issues)) = all_issues_under(ghe).await;
    assert!(pages > 1, "the listing must span pages for links to matter");
    let Fixture {
        sim, pool, repo_id, ..
    } = fx;

    // A link to what is not GitHub's API is not followed: a clear error, nothing lost.
    sim.sim.faults().clear();
    sim.sim.faults().add(always(ghsim::Fault::LinkHost {
        base: "https://elsewhere.example/collect".into(),
    }));
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
    let route = "GET /repos/{owner}/{repo}/issues";
    let (_, client, _) = all_issues_under(fault(route, ghsim::Fault::SecondaryLimit, 2)).await;
    assert_eq!(client.retries(), 2);
    // One wait, then a longer one (the policy's 200 ms stands for GitHub's minute).
    assert!(client.waited_ms() >= 200 + 400, "{}", client.waited_ms());
}

#[tokio::test]
async fn graphqls_transient_something_went_wrong_is_retried() {
    let (pulls, stored, _, client) = api_under_graphql_fault(
        ghsim::Fault::GraphqlError {
            message: "Something went wrong while executing your query. This may be the result of a timeout, or it could be a GitHub bug. Please include `0000:1111:2222` when reporting this issue.".into(),
        },
        2,
        (Resource::PullRequests, "pull_requests"),
        |r| r.pulls.len(),
    )
    .await;
    assert_eq!(stored, pulls);
    assert_eq!(client.retries(), 2);
}

#[tokio::test]
async fn a_commit_without_an_author_date_is_stored_with_its_commit_date() {
    // GitHub sends `authoredDate: null` for a commit with a malformed date, though its
    // schema says never: here for the newest commit of the first page.
    let (commits, stored, Fixture { sim, pool, .. }, _) = api_under_graphql_fault(
        ghsim::Fault::NullField {
            field: "authoredDate".into(),
            items: 1,
        },
        1,
        (Resource::Commits, "commits"),
        |r| r.commits.len(),
    )
    .await;
    assert_eq!(stored, commits);
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
    let reason = "The history or contributor list is too large to list contributors for this repository via the API.";
    let (Fixture { pool, .. }, stored, outcome) = contributors_again_under(
        ghsim::Fault::Refused {
            status: 403,
            message: reason.into(),
        },
        1,
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
    let repos = alice_repos_named(&fx, &["docs", "web"]).await;
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
