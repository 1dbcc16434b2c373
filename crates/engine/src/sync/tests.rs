use std::net::SocketAddr;

use chrono::TimeZone;
use ghsim::{RunningSimulator, SimConfig, Size};

use super::*;
use crate::auth::{SecretKey, TokenCipher};

/// A signed-in alice who may see the simulator's repositories, her token, and the
/// repository the tests sync with its number of pull requests.
struct Fixture {
    user_id: i64,
    cipher: TokenCipher,
    sim: RunningSimulator,
    pool: sqlx::PgPool,
    token: String,
    repo_id: i64,
    total: usize,
}

async fn setup() -> Fixture {
    setup_with(SimConfig::new(7, Size::Small, anchor())).await
}

fn anchor() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc.with_ymd_and_hms(2026, 11, 2, 0, 0, 0).unwrap()
}

async fn setup_with(config: SimConfig) -> Fixture {
    let sim = RunningSimulator::start(config, SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    let pool = crate::testing::fresh_database().await;
    let token = sim
        .sim
        .with_world(|w| w.user_by_login("alice").unwrap().token.clone());
    let client = GitHubClient::new(&sim.base_url, &token).unwrap();
    let gh_user = client.current_user().await.unwrap();
    let cipher = TokenCipher::new(&SecretKey::generate());
    let user = db::users::upsert_signed_in(&pool, &cipher, &gh_user, &token, "")
        .await
        .unwrap();
    refresh_access(&pool, &client, user.id).await.unwrap();
    let repo_id = db::repos::find_visible(&pool, user.id, "acme/api")
        .await
        .unwrap()
        .unwrap()
        .github_id;
    let total = sim
        .sim
        .with_world(|w| w.repo("acme", "api").unwrap().pulls.len());
    Fixture {
        user_id: user.id,
        cipher,
        sim,
        pool,
        token,
        repo_id,
        total,
    }
}

/// Syncs `resources` of acme/api with `client`.
async fn sync_api(
    pool: &sqlx::PgPool,
    client: &GitHubClient,
    repo_id: i64,
    resources: &[Resource],
    mode: Mode,
) -> RepoOutcome {
    Syncer::new(pool.clone(), client.clone())
        .repository(
            repo_id,
            "acme/api",
            resources,
            mode,
            &changes::Expected::default(),
        )
        .await
        .unwrap()
}

fn issue_pages(sim: &RunningSimulator) -> (usize, usize) {
    sim.sim.with_world(|w| {
        let r = w.repo("acme", "api").unwrap();
        (
            (r.issues.len() + r.pulls.len()).div_ceil(100),
            r.issues.len(),
        )
    })
}

#[tokio::test]
async fn unchanged_data_costs_no_rate_limit_even_after_a_restart() {
    let Fixture {
        sim,
        pool,
        token,
        repo_id,
        ..
    } = setup().await;
    let (pages, issues) = issue_pages(&sim);
    let client = GitHubClient::new(&sim.base_url, &token)
        .unwrap()
        .with_cache(crate::db::http_cache::PgResponseCache::shared(pool.clone()));
    let before = sim.sim.stats();
    let first = sync_api(&pool, &client, repo_id, &[Resource::Issues], Mode::Full).await;
    let after_first = sim.sim.stats();
    let report = first.resources[0].report;
    assert_eq!(first.resources[0].error, None);
    assert_eq!(report.items as usize, issues);
    assert_eq!(report.pages as usize, pages);
    assert_eq!(report.not_modified, 0);
    assert_eq!(report.points as usize, pages);
    assert_eq!(
        (after_first.rate_limit_points - before.rate_limit_points) as usize,
        pages
    );

    // A new client, as after a restart: only the database remembers.
    let client = GitHubClient::new(&sim.base_url, &token)
        .unwrap()
        .with_cache(crate::db::http_cache::PgResponseCache::shared(pool.clone()));
    let second = sync_api(&pool, &client, repo_id, &[Resource::Issues], Mode::Full).await;
    let after_second = sim.sim.stats();
    assert_eq!(second.resources[0].report.not_modified as usize, pages);
    assert_eq!(second.resources[0].report.points, 0);
    assert_eq!(
        after_second.rate_limit_points,
        after_first.rate_limit_points
    );
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM issues")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(stored as usize, issues);
    let recorded: i32 =
        sqlx::query_scalar("SELECT not_modified FROM sync_runs ORDER BY id DESC LIMIT 1")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(recorded as usize, pages);
    // The budget the 304s reported: /user, /user/repos and the first sync's pages.
    let budget = client.budget().expect("the simulator reports a budget");
    assert_eq!(budget.limit, 5000);
    assert_eq!(budget.used as usize, 2 + pages);
}

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

fn fast_retries() -> crate::github::governor::RetryPolicy {
    crate::github::governor::RetryPolicy {
        max_retries: 3,
        base_delay: std::time::Duration::from_millis(5),
        max_delay: std::time::Duration::from_millis(50),
        max_wait: std::time::Duration::from_secs(5),
    }
}

fn fault(route: &str, fault: ghsim::Fault, count: u32) -> ghsim::FaultRule {
    ghsim::FaultRule {
        route: route.into(),
        fault,
        count: Some(count),
        after: 0,
    }
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

/// Syncs and insists that every resource succeeded.
async fn sync_ok(syncer: &Syncer, repos: &[RepoRef], mode: Mode) -> Vec<RepoOutcome> {
    let outcomes = worker::sync_planned(syncer, repos, &[], mode)
        .await
        .unwrap();
    for o in &outcomes {
        assert!(o.errors().is_empty(), "{:?}", o.errors());
    }
    outcomes
}

/// A full sync of every repository alice sees while `rules` break GitHub's answers,
/// checked against the world's truth. Every rule must have fired.
async fn full_sync_under(rules: Vec<ghsim::FaultRule>) -> Fixture {
    let fx = setup().await;
    for rule in rules {
        fx.sim.sim.faults().add(rule);
    }
    let syncer = alice_syncer(&fx);
    let repos = alice_repos(&fx).await;
    sync_ok(&syncer, &repos, Mode::Full).await;
    assert_eq!(
        fx.sim.sim.faults().list(),
        vec![],
        "some faults never fired"
    );
    let retries: i64 =
        sqlx::query_scalar("SELECT coalesce(sum(retries), 0)::bigint FROM sync_runs")
            .fetch_one(&fx.pool)
            .await
            .unwrap();
    assert!(retries > 0, "no retry was recorded");
    assert_matches_world(&fx.pool, &fx.sim, &names(&repos)).await;
    fx
}

/// `bursts` runs of `len` consecutive failures of any request, `gap` requests apart.
fn bursts(faults: &[ghsim::Fault], bursts: u32, len: u32, gap: u32) -> Vec<ghsim::FaultRule> {
    (0..bursts)
        .map(|k| ghsim::FaultRule {
            route: "*".into(),
            fault: faults[k as usize % faults.len()].clone(),
            count: Some(len),
            after: 5 + k * gap,
        })
        .collect()
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

/// Compares every table with the simulator's world for `repos` (names in acme/),
/// counts and, for a sample, field by field.
async fn assert_matches_world(pool: &sqlx::PgPool, sim: &RunningSimulator, repos: &[String]) {
    use ghsim::data::{CommitKind, RunStatus};
    for name in repos {
        let truth = sim
            .sim
            .with_world(|w| w.repo("acme", name).unwrap().clone());
        let id = truth.id as i64;
        let count = |table: &'static str| {
            let pool = pool.clone();
            async move {
                let n: i64 = sqlx::query_scalar(&format!(
                    "SELECT count(*) FROM {table} WHERE repository_id = $1"
                ))
                .bind(id)
                .fetch_one(&pool)
                .await
                .unwrap();
                n as usize
            }
        };
        let ctx = format!("acme/{name}");
        assert_eq!(
            count("pull_requests").await,
            truth.pulls.len(),
            "{ctx} pull requests"
        );
        let reviews: usize = truth.pulls.iter().map(|p| p.reviews.len()).sum();
        assert_eq!(
            count("pull_request_reviews").await,
            reviews,
            "{ctx} reviews"
        );
        assert_eq!(count("issues").await, truth.issues.len(), "{ctx} issues");
        assert_eq!(count("commits").await, truth.commits.len(), "{ctx} commits");
        assert_eq!(count("workflow_runs").await, truth.runs.len(), "{ctx} runs");
        let jobs: usize = truth
            .runs
            .iter()
            .filter(|r| r.status == RunStatus::Completed)
            .map(|r| r.jobs(truth.workflow(r.workflow_id).unwrap()).len())
            .sum();
        assert_eq!(count("workflow_jobs").await, jobs, "{ctx} jobs");
        assert_eq!(
            count("workflows").await,
            truth.workflows.len(),
            "{ctx} workflows"
        );
        assert_eq!(
            count("deployments").await,
            truth.deployments.len(),
            "{ctx} deployments"
        );
        let statuses: usize = truth.deployments.iter().map(|d| d.statuses.len()).sum();
        assert_eq!(
            count("deployment_statuses").await,
            statuses,
            "{ctx} deployment statuses"
        );
        assert_eq!(
            count("releases").await,
            truth.releases.len(),
            "{ctx} releases"
        );
        assert_eq!(count("tags").await, truth.releases.len(), "{ctx} tags");
        assert_eq!(
            count("stargazers").await,
            truth.stars.len(),
            "{ctx} stargazers"
        );
        assert_eq!(count("forks").await, truth.forks.len(), "{ctx} forks");
        let authors: std::collections::HashSet<u64> =
            truth.commits.iter().map(|c| c.author_id).collect();
        assert_eq!(
            count("contributors").await,
            authors.len(),
            "{ctx} contributors"
        );

        // Field by field, for a sample.
        for p in truth.pulls.iter().step_by(7) {
            type PullFacts = (
                String,
                bool,
                Option<i32>,
                Option<i32>,
                Option<i32>,
                Option<i32>,
                Option<chrono::DateTime<chrono::Utc>>,
                Option<chrono::DateTime<chrono::Utc>>,
                Option<chrono::DateTime<chrono::Utc>>,
                Option<chrono::DateTime<chrono::Utc>>,
                Option<String>,
                Vec<String>,
            );
            let row: PullFacts = sqlx::query_as(
                "SELECT state, draft, additions, deletions, changed_files, commits_count, merged_at,
                        closed_at, first_commit_at, ready_for_review_at, merged_by_login, labels
                   FROM pull_requests WHERE github_id = $1",
            )
            .bind(p.id as i64)
            .fetch_one(pool)
            .await
            .unwrap();
            let merged_by = sim.sim.with_world(|w| {
                p.merged_by
                    .and_then(|id| w.user(id))
                    .map(|u| u.login.clone())
            });
            let expected: PullFacts = (
                if p.state == ghsim::PullState::Open {
                    "open".into()
                } else {
                    "closed".into()
                },
                p.draft,
                Some(p.additions as i32),
                Some(p.deletions as i32),
                Some(p.changed_files as i32),
                Some(p.commits as i32),
                p.merged_at,
                p.closed_at,
                if p.merged_at.is_some() {
                    Some(p.first_commit_at)
                } else {
                    row.8
                },
                p.ready_for_review_at,
                merged_by,
                p.labels.iter().map(|l| l.to_string()).collect(),
            );
            assert_eq!(row, expected, "{ctx} #{}", p.number);
        }
        for i in truth.issues.iter().step_by(5) {
            type IssueFacts = (
                String,
                Option<String>,
                Vec<String>,
                i32,
                Option<chrono::DateTime<chrono::Utc>>,
                chrono::DateTime<chrono::Utc>,
                String,
            );
            let row: IssueFacts = sqlx::query_as(
                "SELECT state, state_reason, labels, comments_count, closed_at, updated_at, title
                   FROM issues WHERE github_id = $1",
            )
            .bind(i.id as i64)
            .fetch_one(pool)
            .await
            .unwrap();
            assert_eq!(
                row,
                (
                    if i.state == ghsim::IssueState::Open {
                        "open".into()
                    } else {
                        "closed".into()
                    },
                    i.state_reason.map(str::to_string),
                    i.labels.iter().map(|l| l.to_string()).collect(),
                    i.comments.len() as i32,
                    i.closed_at,
                    i.updated_at,
                    i.title.clone(),
                ),
                "{ctx} issue #{}",
                i.number
            );
        }
        for c in truth.commits.iter().step_by(11) {
            let row: (
                Option<String>,
                chrono::DateTime<chrono::Utc>,
                Option<i32>,
                Option<i32>,
            ) = sqlx::query_as(
                "SELECT parent_sha, committed_at, additions, deletions FROM commits
                  WHERE repository_id = $1 AND sha = $2",
            )
            .bind(id)
            .bind(c.sha.hex())
            .fetch_one(pool)
            .await
            .unwrap();
            assert_eq!(
                row,
                (
                    c.parent.map(|p| p.hex()),
                    c.committed_at,
                    Some(c.additions as i32),
                    Some(c.deletions as i32)
                ),
                "{ctx} commit {} ({:?})",
                c.sha,
                c.kind == CommitKind::Direct
            );
        }
        for r in truth.runs.iter().step_by(13) {
            let row: (String, Option<String>, i32, String, String) = sqlx::query_as(
                "SELECT status, conclusion, run_attempt, event, head_branch FROM workflow_runs WHERE github_id = $1",
            )
            .bind(r.id as i64)
            .fetch_one(pool)
            .await
            .unwrap();
            assert_eq!(
                row,
                (
                    r.status.as_str().to_string(),
                    r.conclusion.map(|c| c.as_str().to_string()),
                    r.run_attempt as i32,
                    r.event.to_string(),
                    truth.run_branch(r).to_string()
                ),
                "{ctx} run {}",
                r.id
            );
        }
        for s in truth.stars.iter().step_by(17) {
            let at: chrono::DateTime<chrono::Utc> = sqlx::query_scalar(
                "SELECT starred_at FROM stargazers WHERE repository_id = $1 AND user_github_id = $2",
            )
            .bind(id)
            .bind(s.user_id as i64)
            .fetch_one(pool)
            .await
            .unwrap();
            assert_eq!(at, s.starred_at, "{ctx} star");
        }
    }
}

/// A syncer for alice, as the CLI and the worker build it.
fn alice_syncer(fx: &Fixture) -> Syncer {
    let client = GitHubClient::new(&fx.sim.base_url, &fx.token)
        .unwrap()
        .with_cache(crate::db::http_cache::PgResponseCache::shared(
            fx.pool.clone(),
        ))
        .with_retry_policy(fast_retries());
    Syncer::new(fx.pool.clone(), client)
}

/// Every repository alice can see.
async fn alice_repos(fx: &Fixture) -> Vec<RepoRef> {
    db::repos::visible_refs(&fx.pool, fx.user_id).await.unwrap()
}

fn names(repos: &[RepoRef]) -> Vec<String> {
    repos
        .iter()
        .map(|r| r.full_name.trim_start_matches("acme/").to_string())
        .collect()
}

#[tokio::test]
async fn full_then_incremental_sync_equals_the_worlds_truth() {
    let fx = setup_with(SimConfig::new(7, Size::Medium, anchor())).await;
    let syncer = alice_syncer(&fx);
    let repos = alice_repos(&fx).await;
    assert_eq!(repos.len(), 20);
    let outcomes = worker::sync_planned(&syncer, &repos, &[], Mode::Full)
        .await
        .unwrap();
    for o in &outcomes {
        assert!(o.errors().is_empty(), "{:?}", o.errors());
    }
    assert_matches_world(&fx.pool, &fx.sim, &names(&repos)).await;

    // Nothing changed: one request (1 point) for all 20 repositories.
    let before = fx.sim.sim.stats();
    let outcomes = worker::sync_planned(&syncer, &repos, &[], Mode::Incremental)
        .await
        .unwrap();
    let after = fx.sim.sim.stats();
    assert!(outcomes.iter().all(|o| o.resources.is_empty()));
    assert_eq!(after.rate_limit_points - before.rate_limit_points, 1);
    assert_eq!(after.requests - before.requests, 1);

    // GitHub changes: new and old items, deletions, a force-push, a rename.
    use ghsim::activity::Activity;
    let act = |repo: &'static str, a: Activity| {
        let sim = fx.sim.sim.clone();
        async move { sim.act("acme", repo, a, None).await.unwrap() }
    };
    let opened = act(
        "api",
        Activity::OpenPull {
            author: "bob".into(),
            title: None,
            draft: false,
            additions: Some(5),
            deletions: None,
            commits: Some(2),
        },
    )
    .await;
    let number = opened.number.unwrap();
    act(
        "api",
        Activity::Review {
            number,
            reviewer: "dave".into(),
            state: "APPROVED".into(),
        },
    )
    .await;
    act(
        "api",
        Activity::MergePull {
            number,
            by: Some("dave".into()),
        },
    )
    .await;
    let old = fx
        .sim
        .sim
        .with_world(|w| w.repo("acme", "web").unwrap().issues[0].number);
    act(
        "web",
        Activity::Edit {
            number: old,
            title: "An old issue, edited".into(),
        },
    )
    .await;
    let gone = fx
        .sim
        .sim
        .with_world(|w| w.repo("acme", "web").unwrap().issues[1].number);
    act("web", Activity::DeleteIssue { number: gone }).await;
    act(
        "web",
        Activity::OpenIssue {
            author: "erin".into(),
            title: None,
            labels: vec!["bug".into()],
        },
    )
    .await;
    act(
        "docs",
        Activity::Push {
            author: "bob".into(),
            commits: 2,
            force_replace: 3,
        },
    )
    .await;
    act("docs", Activity::Star { user: None }).await;
    let unstar = fx
        .sim
        .sim
        .with_world(|w| w.repo("acme", "mobile").unwrap().stars[0].user_id);
    act("mobile", Activity::Unstar { user: unstar }).await;
    act(
        "mobile",
        Activity::Deploy {
            environment: "production".into(),
            state: "success".into(),
        },
    )
    .await;
    act(
        "mobile",
        Activity::Release {
            tag: "v9.9.9".into(),
        },
    )
    .await;
    act(
        "billing",
        Activity::Rename {
            name: "payments".into(),
        },
    )
    .await;

    let before = fx.sim.sim.stats();
    let outcomes = worker::sync_planned(&syncer, &repos, &[], Mode::Incremental)
        .await
        .unwrap();
    for o in &outcomes {
        assert!(o.errors().is_empty(), "{:?}", o.errors());
    }
    let spent = fx.sim.sim.stats().rate_limit_points - before.rate_limit_points;
    let mut now_names = names(&repos);
    for n in &mut now_names {
        if n == "billing" {
            *n = "payments".into();
        }
    }
    assert_matches_world(&fx.pool, &fx.sim, &now_names).await;
    let renamed: String = sqlx::query_scalar(
        "SELECT full_name FROM repositories WHERE full_name ILIKE 'acme/payments'",
    )
    .fetch_one(&fx.pool)
    .await
    .unwrap();
    assert_eq!(renamed, "acme/payments");
    // Only what changed was read.
    let untouched: Vec<&RepoOutcome> = outcomes
        .iter()
        .zip(&repos)
        .filter(|(_, r)| {
            let n = &r.full_name;
            ![
                "acme/api",
                "acme/web",
                "acme/docs",
                "acme/mobile",
                "acme/billing",
            ]
            .contains(&n.as_str())
        })
        .map(|(o, _)| o)
        .collect();
    assert!(untouched.iter().all(|o| o.resources.is_empty()));
    assert!(
        spent < 60,
        "an incremental sync of five changed repositories spent {spent} points"
    );
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

#[tokio::test]
async fn jobs_are_claimed_once_and_abandoned_ones_are_taken_over() {
    let fx = setup().await;
    let repos = alice_repos(&fx).await;
    let (a, b) = (repos[0].github_id, repos[1].github_id);
    let job_a = db::jobs::enqueue(&fx.pool, a, &[], "full", Some(fx.user_id), 0)
        .await
        .unwrap();
    let job_b = db::jobs::enqueue(&fx.pool, b, &[], "full", Some(fx.user_id), 0)
        .await
        .unwrap();
    // One live job per repository: asking again returns the same one.
    let again = db::jobs::enqueue(&fx.pool, a, &[], "incremental", None, 0)
        .await
        .unwrap();
    assert_eq!(again.id, job_a.id);
    // Two workers claiming at once get different jobs; a third finds nothing.
    let (x, y) = tokio::join!(
        db::jobs::claim(&fx.pool, "w1", worker::STALE_SECS),
        db::jobs::claim(&fx.pool, "w2", worker::STALE_SECS)
    );
    let (x, y) = (x.unwrap().unwrap(), y.unwrap().unwrap());
    assert_ne!(x.id, y.id);
    assert!([job_a.id, job_b.id].contains(&x.id) && [job_a.id, job_b.id].contains(&y.id));
    assert!(db::jobs::claim(&fx.pool, "w3", worker::STALE_SECS)
        .await
        .unwrap()
        .is_none());
    // w1 dies: its heartbeat goes stale and w3 takes the job over.
    sqlx::query(
        "UPDATE sync_jobs SET heartbeat_at = now() - interval '10 minutes' WHERE claimed_by = 'w1'",
    )
    .execute(&fx.pool)
    .await
    .unwrap();
    let taken = db::jobs::claim(&fx.pool, "w3", worker::STALE_SECS)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(taken.id, x.id);
    assert_eq!(taken.attempts, 2);
    // The dead worker can no longer keep or finish it.
    assert!(!db::jobs::heartbeat(&fx.pool, x.id, "w1").await.unwrap());
}

#[tokio::test]
async fn a_worker_runs_queued_jobs_to_the_truth() {
    let fx = setup().await;
    let clients =
        crate::clients::Clients::new(fx.pool.clone(), fx.cipher.clone(), fx.sim.base_url.clone());
    let docs = alice_repos(&fx)
        .await
        .into_iter()
        .find(|r| r.full_name == "acme/docs")
        .unwrap();
    let job = db::jobs::enqueue(&fx.pool, docs.github_id, &[], "full", None, 0)
        .await
        .unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let worker = tokio::spawn(worker::work(
        fx.pool.clone(),
        clients,
        "test-worker".into(),
        std::time::Duration::from_millis(100),
        async move {
            let _ = stopped.await;
        },
    ));
    let mut finished = None;
    for _ in 0..600 {
        let j = db::jobs::get(&fx.pool, job.id).await.unwrap().unwrap();
        if j.finished_at.is_some() {
            finished = Some(j);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let _ = stop.send(());
    worker.await.unwrap();
    let j = finished.expect("the job finished");
    assert_eq!(j.status, "succeeded", "{:?}", j.error);
    assert_matches_world(&fx.pool, &fx.sim, &["docs".to_string()]).await;
    let runs: i64 = sqlx::query_scalar("SELECT count(*) FROM sync_runs WHERE job_id = $1")
        .bind(job.id)
        .fetch_one(&fx.pool)
        .await
        .unwrap();
    assert_eq!(runs as usize, Resource::ALL.len());
}

#[tokio::test]
async fn organisations_and_teams_as_github_lists_them() {
    let fx = setup().await;
    let client = GitHubClient::new(&fx.sim.base_url, &fx.token).unwrap();
    let teams = sync_organizations(&fx.pool, &client, fx.user_id)
        .await
        .unwrap();
    let truth = fx.sim.sim.with_world(|w| {
        w.teams
            .iter()
            .map(|t| {
                (
                    t.slug.clone(),
                    t.members.len() as i64,
                    t.repo_ids.len() as i64,
                )
            })
            .collect::<Vec<_>>()
    });
    assert_eq!(teams, truth.len());
    for (slug, members, repos) in truth {
        let (m, r): (i64, i64) = sqlx::query_as(
            "SELECT (SELECT count(*) FROM team_members tm WHERE tm.team_id = t.github_id),
                    (SELECT count(*) FROM team_repositories tr WHERE tr.team_id = t.github_id)
               FROM teams t WHERE t.slug = $1",
        )
        .bind(&slug)
        .fetch_one(&fx.pool)
        .await
        .unwrap();
        assert_eq!((m, r), (members, repos), "team {slug}");
    }
    let orgs: i64 =
        sqlx::query_scalar("SELECT count(*) FROM organization_access WHERE user_id = $1")
            .bind(fx.user_id)
            .fetch_one(&fx.pool)
            .await
            .unwrap();
    assert_eq!(orgs, 1);
}

/// Runs every queued job here and now, as a worker would; returns them as finished.
async fn drain_queue(pool: &sqlx::PgPool, clients: &crate::clients::Clients) -> Vec<db::jobs::Job> {
    let mut done = Vec::new();
    while let Some(job) = db::jobs::claim(pool, "test", worker::STALE_SECS)
        .await
        .unwrap()
    {
        let outcome = worker::run_job(pool, clients, &job, None).await.unwrap();
        assert!(outcome.errors().is_empty(), "{:?}", outcome.errors());
        db::jobs::finish(pool, job.id, "test", None).await.unwrap();
        done.push(job);
    }
    done
}

#[tokio::test]
async fn the_scheduler_asks_once_per_interval_and_queues_only_what_changed() {
    use scheduler::{Intervals, Tick};
    let fx = setup().await;
    let clients =
        crate::clients::Clients::new(fx.pool.clone(), fx.cipher.clone(), fx.sim.base_url.clone());
    let repos = alice_repos(&fx).await;
    let n = repos.len();
    for RepoRef { github_id: id, .. } in &repos {
        assert!(db::repos::track(&fx.pool, fx.user_id, *id).await.unwrap());
    }
    let intervals = Intervals::default();
    let t0 = chrono::Utc::now();
    let minutes = |m: i64| t0 + chrono::Duration::minutes(m);

    // Never synced: one request asks about all of them, and each gets a job.
    let tick = scheduler::tick(&fx.pool, &clients, &intervals, t0)
        .await
        .unwrap();
    assert_eq!(
        tick,
        Some(Tick {
            due: n,
            queued: n,
            unchanged: 0,
            requests: 1
        })
    );
    assert_eq!(drain_queue(&fx.pool, &clients).await.len(), n);
    assert_matches_world(&fx.pool, &fx.sim, &names(&repos)).await;

    // A minute later nothing is due: not a single request.
    let before = fx.sim.sim.stats().requests;
    let tick = scheduler::tick(&fx.pool, &clients, &intervals, minutes(1))
        .await
        .unwrap();
    assert_eq!(tick, Some(Tick::default()));
    assert_eq!(fx.sim.sim.stats().requests, before);

    // An hour and a half later, nothing changed: one request, no job.
    let tick = scheduler::tick(&fx.pool, &clients, &intervals, minutes(90))
        .await
        .unwrap();
    assert_eq!(
        tick,
        Some(Tick {
            due: n,
            queued: 0,
            unchanged: n,
            requests: 1
        })
    );
    assert_eq!(fx.sim.sim.stats().requests, before + 1);

    // Someone stars api and opens an issue there. At 2 hours the stars are not due
    // (every 3 hours), so api's job reads the issues only; at 3 hours the stars.
    let act = |a: ghsim::activity::Activity| {
        let sim = fx.sim.sim.clone();
        async move { sim.act("acme", "api", a, None).await.unwrap() }
    };
    act(ghsim::activity::Activity::Star { user: None }).await;
    act(ghsim::activity::Activity::OpenIssue {
        author: "bob".into(),
        title: Some("The export is empty".into()),
        labels: vec![],
    })
    .await;
    let api = repos
        .iter()
        .find(|r| r.full_name == "acme/api")
        .unwrap()
        .github_id;
    let tick = scheduler::tick(&fx.pool, &clients, &intervals, minutes(150))
        .await
        .unwrap();
    assert_eq!(
        tick,
        Some(Tick {
            due: n,
            queued: 1,
            unchanged: n - 1,
            requests: 1
        })
    );
    let jobs = drain_queue(&fx.pool, &clients).await;
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].repository_id, api);
    assert!(jobs[0].resources.contains(&"issues".to_string()));
    assert!(!jobs[0].resources.contains(&"stargazers".to_string()));
    assert!(!jobs[0].resources.contains(&"commits".to_string()));

    let tick = scheduler::tick(&fx.pool, &clients, &intervals, minutes(185))
        .await
        .unwrap();
    assert_eq!(tick.map(|t| t.queued), Some(1));
    let jobs = drain_queue(&fx.pool, &clients).await;
    assert_eq!(jobs.len(), 1);
    assert!(jobs[0].resources.contains(&"stargazers".to_string()));
    assert_matches_world(&fx.pool, &fx.sim, &names(&repos)).await;
}

#[tokio::test]
async fn reading_everything_again_reads_everything_and_stays_true() {
    let fx = setup().await;
    let syncer = alice_syncer(&fx);
    let web: Vec<_> = alice_repos(&fx)
        .await
        .into_iter()
        .filter(|r| r.full_name == "acme/web")
        .collect();
    worker::sync_planned(&syncer, &web, &[], Mode::Incremental)
        .await
        .unwrap();
    // A force-push the next full read must notice, though no incremental sync ran.
    fx.sim
        .sim
        .act(
            "acme",
            "web",
            ghsim::activity::Activity::Push {
                author: "bob".into(),
                commits: 1,
                force_replace: 2,
            },
            None,
        )
        .await
        .unwrap();
    let again = worker::sync_planned(&syncer, &web, &[], Mode::Full)
        .await
        .unwrap();
    let commits = fx
        .sim
        .sim
        .with_world(|w| w.repo("acme", "web").unwrap().commits.len());
    let read = again[0]
        .resources
        .iter()
        .find(|r| r.resource == Resource::Commits)
        .unwrap();
    assert_eq!(read.error, None);
    assert_eq!(
        read.report.items as usize, commits,
        "every commit read again"
    );
    assert_matches_world(&fx.pool, &fx.sim, &["web".to_string()]).await;
}

#[tokio::test]
async fn a_github_app_installation_syncs_to_the_truth_and_renews_its_token() {
    use crate::github::app::AppCredentials;
    let fx = setup().await;
    let app = fx.sim.sim.github_app();
    let creds = AppCredentials::from_pem(app.id, &app.private_key_pem()).unwrap();
    let client = GitHubClient::for_installation(&fx.sim.base_url, &creds, app.installation_id)
        .await
        .unwrap()
        .with_cache(crate::db::http_cache::PgResponseCache::shared(
            fx.pool.clone(),
        ))
        .with_retry_policy(fast_retries());

    // Installed on the organisation for all repositories: it reads every one of them,
    // private ones included, and is nobody's user.
    let listed = client.installation_repositories().await.unwrap();
    let mut names: Vec<String> = listed.iter().map(|r| r.full_name.clone()).collect();
    names.sort();
    let mut truth: Vec<String> = fx
        .sim
        .sim
        .with_world(|w| w.repos.iter().map(|r| r.full_name()).collect());
    truth.sort();
    assert_eq!(names, truth);
    let err = client.current_user().await.unwrap_err();
    assert!(
        matches!(
            err,
            crate::github::GitHubError::Forbidden { status: 403, .. }
        ),
        "{err}"
    );

    let infra = listed.iter().find(|r| r.full_name == "acme/infra").unwrap();
    assert!(infra.private);
    let mut tx = fx.pool.begin().await.unwrap();
    db::repos::upsert(&mut tx, infra).await.unwrap();
    tx.commit().await.unwrap();
    let target = vec![RepoRef {
        github_id: infra.id,
        node_id: infra.node_id.clone(),
        full_name: infra.full_name.clone(),
    }];
    let syncer = Syncer::new(fx.pool.clone(), client.clone());
    sync_ok(&syncer, &target, Mode::Full).await;
    assert_matches_world(&fx.pool, &fx.sim, &["infra".to_string()]).await;

    // Tokens now last just past the renewal margin: the next one is renewed before it
    // expires, by the client's own clock, without a refusal.
    let lifetime = crate::github::app::RENEW_BEFORE_SECS + 2;
    fx.sim.sim.github_app().set_token_lifetime(lifetime);
    fx.sim.sim.revoke_token(&client.current_token());
    let act = |a: ghsim::activity::Activity| {
        let sim = fx.sim.sim.clone();
        async move { sim.act("acme", "infra", a, None).await.unwrap() }
    };
    act(ghsim::activity::Activity::Star { user: None }).await;
    // The revoked token is refused once; a new one is minted and the sync goes on.
    let retries = client.retries();
    sync_ok(&syncer, &target, Mode::Incremental).await;
    assert_eq!(client.token_renewals(), 1);
    assert_eq!(fx.sim.sim.github_app().tokens_minted(), 2);
    assert!(client.retries() > retries);
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    act(ghsim::activity::Activity::Unstar {
        user: fx.sim.sim.with_world(|w| {
            w.repo("acme", "infra")
                .unwrap()
                .stars
                .last()
                .unwrap()
                .user_id
        }),
    })
    .await;
    let retries = client.retries();
    sync_ok(&syncer, &target, Mode::Incremental).await;
    assert_eq!(client.token_renewals(), 2);
    assert_eq!(fx.sim.sim.github_app().tokens_minted(), 3);
    assert_eq!(
        client.retries(),
        retries,
        "renewed ahead of expiry, not after a refusal"
    );
    assert_matches_world(&fx.pool, &fx.sim, &["infra".to_string()]).await;

    // Another app's key is refused with a message that says what to check.
    let mut rng = rand::thread_rng();
    let stranger = rsa::RsaPrivateKey::new(&mut rng, 1024).unwrap();
    let pem = rsa::pkcs1::EncodeRsaPrivateKey::to_pkcs1_pem(&stranger, rsa::pkcs1::LineEnding::LF)
        .unwrap();
    let wrong = AppCredentials::from_pem(app.id, &pem).unwrap();
    let err = GitHubClient::for_installation(&fx.sim.base_url, &wrong, app.installation_id)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("GITHUB_APP_PRIVATE_KEY"), "{err}");
}

#[tokio::test]
async fn a_restarted_worker_takes_its_job_back_at_once_and_marks_the_dead_run() {
    let fx = setup().await;
    let clients =
        crate::clients::Clients::new(fx.pool.clone(), fx.cipher.clone(), fx.sim.base_url.clone());
    let docs = alice_repos(&fx)
        .await
        .into_iter()
        .find(|r| r.full_name == "acme/docs")
        .unwrap();
    // The process named "host:3000" claimed the job, started a run and was killed: its
    // heartbeat is still fresh, so another worker would wait a minute.
    let job = db::jobs::enqueue(&fx.pool, docs.github_id, &[], "full", None, 0)
        .await
        .unwrap();
    let claimed = db::jobs::claim(&fx.pool, "host:3000", worker::STALE_SECS)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(claimed.id, job.id);
    let dead_run = db::sync_runs::start(&fx.pool, docs.github_id, "issues", None, Some(job.id))
        .await
        .unwrap();
    assert!(db::jobs::claim(&fx.pool, "other:3000", worker::STALE_SECS)
        .await
        .unwrap()
        .is_none());

    // The same process starts again: it takes the job back without waiting.
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let started = std::time::Instant::now();
    let worker = tokio::spawn(worker::work(
        fx.pool.clone(),
        clients,
        "host:3000".into(),
        std::time::Duration::from_millis(100),
        async move {
            let _ = stopped.await;
        },
    ));
    let mut finished = None;
    for _ in 0..600 {
        let j = db::jobs::get(&fx.pool, job.id).await.unwrap().unwrap();
        if j.finished_at.is_some() {
            finished = Some(j);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let _ = stop.send(());
    worker.await.unwrap();
    let j = finished.expect("the job finished");
    assert_eq!(j.status, "succeeded", "{:?}", j.error);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(worker::STALE_SECS as u64),
        "took the job back without waiting for the stale heartbeat"
    );
    let (status, error): (String, Option<String>) =
        sqlx::query_as("SELECT status, error FROM sync_runs WHERE id = $1")
            .bind(dead_run)
            .fetch_one(&fx.pool)
            .await
            .unwrap();
    assert_eq!(status, "interrupted");
    assert!(error.unwrap().contains("resumed"));
    let still_running: i64 =
        sqlx::query_scalar("SELECT count(*) FROM sync_runs WHERE status = 'running'")
            .fetch_one(&fx.pool)
            .await
            .unwrap();
    assert_eq!(still_running, 0);
    assert_matches_world(&fx.pool, &fx.sim, &["docs".to_string()]).await;
}

#[tokio::test]
async fn a_stopping_worker_hands_its_job_back() {
    let fx = setup().await;
    let clients =
        crate::clients::Clients::new(fx.pool.clone(), fx.cipher.clone(), fx.sim.base_url.clone());
    let docs = alice_repos(&fx)
        .await
        .into_iter()
        .find(|r| r.full_name == "acme/docs")
        .unwrap();
    // Slow GitHub down so the job is still running when the worker is told to stop.
    fx.sim.sim.faults().add(ghsim::FaultRule {
        route: "*".into(),
        fault: ghsim::Fault::Latency {
            ms: 300,
            jitter_ms: 0,
        },
        count: None,
        after: 0,
    });
    let job = db::jobs::enqueue(&fx.pool, docs.github_id, &[], "full", None, 0)
        .await
        .unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let worker = tokio::spawn(worker::work(
        fx.pool.clone(),
        clients,
        "host:3000".into(),
        std::time::Duration::from_millis(100),
        async move {
            let _ = stopped.await;
        },
    ));
    for _ in 0..100 {
        let j = db::jobs::get(&fx.pool, job.id).await.unwrap().unwrap();
        if j.status == "running" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let _ = stop.send(());
    worker.await.unwrap();
    let j = db::jobs::get(&fx.pool, job.id).await.unwrap().unwrap();
    assert_eq!(j.status, "queued", "handed back to the queue");
    assert!(j.finished_at.is_none());
    // Another process picks it up at once.
    let next = db::jobs::claim(&fx.pool, "other:3000", worker::STALE_SECS)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(next.id, job.id);
    let running: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM sync_runs WHERE job_id = $1 AND status = 'running'",
    )
    .bind(job.id)
    .fetch_one(&fx.pool)
    .await
    .unwrap();
    assert_eq!(running, 0, "its unfinished run is marked interrupted");
}
