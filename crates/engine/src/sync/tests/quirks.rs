//! GitHub as it really is (issue 12's quirks): answers that cannot be read, links naming
//! another host, secondary limits without `Retry-After`, GraphQL's transient errors and
//! nulls where its schema says never, lists too large to compute, refused repositories.
//! Each ends in the truth or in a recorded, explained gap, and never loses stored rows.

use super::*;

/// The fast fixture with acme/api cut to its first `keep` issues (a reported case), after
/// a full sync of its issues under `rule` that stored every one of them.
async fn all_issues_under(
    rule: ghsim::FaultRule,
    keep: usize,
) -> (Fixture, GitHubClient, (usize, usize)) {
    let (fx, client) = fast_fixture().await;
    fx.sim
        .sim
        .with_repo_mut("acme", "api", |r| r.issues.truncate(keep));
    let (pages, issues) = issue_pages(&fx.sim);
    assert_eq!(issues, keep, "acme/api has enough issues");
    fx.sim.sim.faults().add(rule);
    let stored = synced(&fx.pool, &client, fx.repo_id, Resource::Issues, "issues").await;
    assert_eq!(stored as usize, keep, "every issue is stored");
    (fx, client, (pages, issues))
}

/// Syncs `resource` of acme/api, shaped by `shape` (a reported case), into `table` while
/// `fault` answers GitHub's GraphQL endpoint `times` times: how many were stored, and the
/// fixture with its client.
async fn api_under_graphql_fault(
    fault: ghsim::Fault,
    times: u32,
    (resource, table): (Resource, &str),
    shape: impl FnOnce(&mut ghsim::data::Repository),
) -> (usize, Fixture, GitHubClient) {
    let (fx, client) = fast_fixture().await;
    fx.sim.sim.with_repo_mut("acme", "api", shape);
    fx.sim
        .sim
        .faults()
        .add(super::fault("POST /graphql", fault, times));
    let stored = synced(&fx.pool, &client, fx.repo_id, resource, table).await as usize;
    (stored, fx, client)
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
    // 12-link-header-other-host: 150 issues (GitHub's listing holds the pull requests
    // too, so it spans pages).
    let (fx, client, (pages, issues)) = all_issues_under(ghe, 150).await;
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
    // 04-secondary-rate-limit-no-retry-after: issues #1-#3, all stored.
    let route = "GET /repos/{owner}/{repo}/issues";
    let limited = fault(route, ghsim::Fault::SecondaryLimit, 2);
    let (_, client, _) = all_issues_under(limited, 3).await;
    assert_eq!(client.retries(), 2);
    // One wait, then a longer one (the policy's 200 ms stands for GitHub's minute).
    assert!(client.waited_ms() >= 200 + 400, "{}", client.waited_ms());
}

#[tokio::test]
async fn graphqls_transient_something_went_wrong_is_retried() {
    // 05-graphql-200-something-went-wrong: all 3 pull requests stored.
    let (stored, _, client) = api_under_graphql_fault(
        ghsim::Fault::GraphqlError {
            message: "Something went wrong while executing your query. This may be the result of a timeout, or it could be a GitHub bug. Please include `0000:1111:2222` when reporting this issue.".into(),
        },
        2,
        (Resource::PullRequests, "pull_requests"),
        |r| r.pulls.truncate(3),
    )
    .await;
    assert_eq!(stored, 3);
    assert_eq!(client.retries(), 2);
}

#[tokio::test]
async fn a_commit_without_an_author_date_is_stored_with_its_commit_date() {
    // GitHub sends `authoredDate: null` for a commit with a malformed date, though its
    // schema says never: here for the newest commit of the first page.
    // 07-commit-null-authored-date: all 3 commits stored.
    let (stored, Fixture { sim, pool, .. }, _) = api_under_graphql_fault(
        ghsim::Fault::NullField {
            field: "authoredDate".into(),
            items: 1,
        },
        1,
        (Resource::Commits, "commits"),
        |r| r.commits.truncate(3),
    )
    .await;
    assert_eq!(stored, 3);
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

#[tokio::test]
async fn a_commit_whose_size_github_cannot_compute_is_stored_with_its_size_unknown() {
    // 08-commit-additions-unavailable: three commits; for the newest GitHub answers "The
    // additions count for this commit is unavailable." with that commit null.
    let (fx, client) = fast_fixture().await;
    let commits = fx.sim.sim.with_repo_mut("acme", "api", |r| {
        r.commits.truncate(3);
        r.commits
            .iter()
            .map(|c| (c.sha.hex(), c.additions as i64))
            .collect::<Vec<_>>()
    });
    let commits = commits.unwrap();
    let huge = commits[2].0.clone();
    fx.sim.sim.faults().add(fault(
        "POST /graphql",
        ghsim::Fault::UnavailableField {
            field: "additions".into(),
            message: "The additions count for this commit is unavailable.".into(),
            items: 1,
        },
        1,
    ));
    for mode in [Mode::Full, Mode::Incremental] {
        let resources = [Resource::Commits];
        let outcome = sync_api(&fx.pool, &client, fx.repo_id, &resources, mode).await;
        assert!(outcome.errors().is_empty(), "{:?}", outcome.errors());
    }
    let stored: Vec<(String, Option<i64>)> =
        sqlx::query_as("SELECT sha, additions::bigint FROM commits ORDER BY committed_at")
            .fetch_all(&fx.pool)
            .await
            .unwrap();
    assert_eq!(stored.len(), 3, "all 3 commits stored");
    for (sha, additions) in stored {
        let (_, truth) = commits.iter().find(|(s, _)| *s == sha).unwrap();
        if sha == huge {
            assert_eq!(
                additions, None,
                "the size GitHub could not compute is unknown"
            );
        } else {
            assert_eq!(additions, Some(*truth));
        }
    }
}

#[tokio::test]
async fn a_graphql_page_too_heavy_for_github_is_asked_for_in_smaller_pages() {
    // 06-graphql-502-page-too-heavy: 150 pull requests; the second page of 100 times out
    // (502) every time, smaller pages work.
    let (fx, client) = fast_fixture().await;
    let pulls = fx.sim.sim.with_repo_mut("acme", "api", |r| {
        assert!(
            r.pulls.len() >= 150,
            "acme/api has {} pull requests",
            r.pulls.len()
        );
        r.pulls.truncate(150);
        r.pulls.len()
    });
    assert_eq!(pulls, Some(150));
    fx.sim.sim.faults().add(ghsim::FaultRule {
        route: "POST /graphql".into(),
        fault: ghsim::Fault::PageTooHeavy { max_first: 50 },
        count: None,
        after: 1,
    });
    let resources = [Resource::PullRequests];
    let outcome = sync_api(&fx.pool, &client, fx.repo_id, &resources, Mode::Full).await;
    assert!(outcome.errors().is_empty(), "{:?}", outcome.errors());
    assert_eq!(
        count(&fx.pool, "pull_requests").await,
        150,
        "all 150 stored"
    );
    let page_size: Option<i64> = sqlx::query_scalar(
        "SELECT (state->>'page_size')::bigint FROM sync_checkpoints WHERE resource = 'pull_requests'",
    )
    .fetch_one(&fx.pool)
    .await
    .unwrap();
    assert_eq!(page_size, Some(50), "the size that worked is remembered");
    // The next read asks for what worked from the start: no more timeouts.
    let retries = client.retries();
    let outcome = sync_api(&fx.pool, &client, fx.repo_id, &resources, Mode::Full).await;
    assert!(outcome.errors().is_empty(), "{:?}", outcome.errors());
    assert_eq!(client.retries(), retries, "no page timed out again");
    assert_eq!(count(&fx.pool, "pull_requests").await, 150);
}

#[tokio::test]
async fn stars_past_githubs_listing_cap_are_read_newest_first_and_never_past_the_cap() {
    // 03-stargazers-40k-cap: 40,050 stars, then 10 more. GitHub's REST listing shows the
    // oldest 40,000 and answers 422 past page 400.
    let (fx, client) = fast_fixture().await;
    let start = anchor() - chrono::Duration::days(400);
    let set_stars = |n: u64| {
        fx.sim.sim.with_repo_mut("acme", "api", |r| {
            r.stars = (0..n)
                .map(|i| ghsim::data::Star {
                    user_id: ghsim::data::STARGAZER_BASE + i,
                    starred_at: start + chrono::Duration::minutes(i as i64),
                })
                .collect();
            r.stars.last().map(|s| s.starred_at)
        })
    };
    let stars = [Resource::Repository, Resource::Stargazers];
    let sync = |mode| sync_api(&fx.pool, &client, fx.repo_id, &stars, mode);
    let newest = || async {
        let (stored, newest): (i64, Option<chrono::DateTime<chrono::Utc>>) =
            sqlx::query_as("SELECT count(*), max(starred_at) FROM stargazers")
                .fetch_one(&fx.pool)
                .await
                .unwrap();
        (stored, newest)
    };

    let latest = set_stars(40_050).unwrap();
    let outcome = sync(Mode::Full).await;
    assert!(outcome.errors().is_empty(), "{:?}", outcome.errors());
    assert_eq!(
        newest().await,
        (40_050, latest),
        "every star, the newest too"
    );

    let latest = set_stars(40_060).unwrap();
    let before = fx.sim.sim.stats().requests;
    let outcome = sync(Mode::Incremental).await;
    assert!(outcome.errors().is_empty(), "{:?}", outcome.errors());
    assert_eq!(newest().await, (40_060, latest), "the 10 new stars arrived");
    // The repository and one page of the newest stars: nothing past the cap.
    assert_eq!(fx.sim.sim.stats().requests - before, 2);

    // Someone unstars: the counts disagree, so everything is listed and reconciled.
    fx.sim
        .sim
        .with_repo_mut("acme", "api", |r| r.stars.remove(7));
    let outcome = sync(Mode::Incremental).await;
    assert!(outcome.errors().is_empty(), "{:?}", outcome.errors());
    assert_eq!(newest().await, (40_059, latest));
    let gone: i64 = sqlx::query_scalar("SELECT count(*) FROM stargazers WHERE user_github_id = $1")
        .bind((ghsim::data::STARGAZER_BASE + 7) as i64)
        .fetch_one(&fx.pool)
        .await
        .unwrap();
    assert_eq!(gone, 0, "the unstar is gone");
}

#[tokio::test]
async fn the_simulator_refuses_stargazer_pages_past_githubs_cap() {
    let (fx, client) = fast_fixture().await;
    let path = "/repos/acme/api/stargazers?per_page=100&page=401";
    let err = client
        .get_page::<crate::github::models::GhAccount>(path)
        .await
        .unwrap_err();
    assert!(
        matches!(err, crate::github::GitHubError::Status { status: 422, .. }),
        "{err}"
    );
    drop(fx);
}

#[tokio::test]
async fn a_check_suite_github_does_not_show_keeps_its_run_to_be_read_again() {
    // GitHub answers the batch of check suites with one node null (refused, say): that
    // run's jobs are not "synced with none", they are asked for again.
    let (fx, client) = fast_fixture().await;
    let (run, jobs) = fx.sim.sim.with_world(|w| {
        let r = w.repo("acme", "api").unwrap();
        let run = r
            .runs
            .iter()
            .rev()
            .find(|x| x.status == ghsim::data::RunStatus::Completed)
            .unwrap();
        (run.id, run.jobs(r.workflow(run.workflow_id).unwrap()).len())
    });
    assert!(jobs > 0);
    let refused = ghsim::Fault::ForbidNode {
        database_id: run,
        message: "Resource protected by organization SAML enforcement.".into(),
    };
    fx.sim.sim.faults().add(fault("POST /graphql", refused, 20));
    let stored_jobs = || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM workflow_jobs WHERE run_id = $1")
            .bind(run as i64)
            .fetch_one(&fx.pool)
            .await
            .unwrap()
    };
    let runs = [Resource::WorkflowRuns];
    let outcome = sync_api(&fx.pool, &client, fx.repo_id, &runs, Mode::Full).await;
    assert!(outcome.errors().is_empty(), "{:?}", outcome.errors());
    assert_eq!(stored_jobs().await, 0);
    fx.sim.sim.faults().clear();
    let outcome = sync_api(&fx.pool, &client, fx.repo_id, &runs, Mode::Incremental).await;
    assert!(outcome.errors().is_empty(), "{:?}", outcome.errors());
    assert_eq!(
        stored_jobs().await as usize,
        jobs,
        "asked for again and stored"
    );
}
