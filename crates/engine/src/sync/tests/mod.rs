//! The sync engine against the GitHub simulator over real HTTP and a real PostgreSQL:
//! shared fixtures here, tests by topic in the submodules.

mod cost;
mod crosscheck;
mod faults;
mod jobs;
mod old_items;
mod quirks;
mod quirks_everywhere;
mod scenario;
mod truth;

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

/// The fixture, with a client for alice's token that retries quickly.
async fn fast_fixture() -> (Fixture, GitHubClient) {
    let fx = setup().await;
    let client = GitHubClient::new(&fx.sim.base_url, &fx.token)
        .unwrap()
        .with_retry_policy(fast_retries());
    (fx, client)
}

fn fast_retries() -> crate::github::governor::RetryPolicy {
    crate::github::governor::RetryPolicy {
        max_retries: 3,
        base_delay: std::time::Duration::from_millis(5),
        max_delay: std::time::Duration::from_millis(50),
        max_wait: std::time::Duration::from_secs(5),
        secondary_wait: std::time::Duration::from_millis(200),
    }
}

/// `fault` on every request from now on.
fn always(fault: ghsim::Fault) -> ghsim::FaultRule {
    ghsim::FaultRule {
        route: "*".into(),
        fault,
        count: None,
        after: 0,
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

/// Compares every table with the simulator's world for `repos` (names in acme/),
/// counts and, for a sample, field by field.
async fn assert_matches_world(pool: &sqlx::PgPool, sim: &RunningSimulator, repos: &[String]) {
    assert_matches_world_but(pool, sim, repos, &Recorded::default()).await
}

/// What a comparison with the world takes as recorded rather than missing.
#[derive(Debug, Default)]
struct Recorded {
    /// (repository, table) that Pulseboard recorded as unavailable, with GitHub's reason.
    unavailable: std::collections::HashSet<(i64, &'static str)>,
    /// Values stored as unknown (NULL) where GitHub could not compute them or sent null
    /// against its schema: sizes, a pull request's first commit time.
    unknowns: bool,
}

/// [`assert_matches_world`], but taking what Pulseboard `recorded` as unavailable or
/// unknown for what it says it is.
async fn assert_matches_world_but(
    pool: &sqlx::PgPool,
    sim: &RunningSimulator,
    repos: &[String],
    recorded: &Recorded,
) {
    use ghsim::data::{CommitKind, RunStatus};
    // A size stored as unknown where that is recorded; otherwise the truth's.
    let size = |stored: Option<i32>, truth: u32| {
        if recorded.unknowns && stored.is_none() {
            None
        } else {
            Some(truth as i32)
        }
    };
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
        let reviews: usize = truth.pulls.iter().map(|p| p.reviews.len()).sum();
        let jobs: usize = truth
            .runs
            .iter()
            .filter(|r| r.status == RunStatus::Completed)
            .map(|r| r.jobs(truth.workflow(r.workflow_id).unwrap()).len())
            .sum();
        let statuses: usize = truth.deployments.iter().map(|d| d.statuses.len()).sum();
        let authors: std::collections::HashSet<u64> =
            truth.commits.iter().map(|c| c.author_id).collect();
        let expected = [
            ("pull_requests", truth.pulls.len()),
            ("pull_request_reviews", reviews),
            ("issues", truth.issues.len()),
            ("commits", truth.commits.len()),
            ("workflow_runs", truth.runs.len()),
            ("workflow_jobs", jobs),
            ("workflows", truth.workflows.len()),
            ("deployments", truth.deployments.len()),
            ("deployment_statuses", statuses),
            ("releases", truth.releases.len()),
            ("tags", truth.releases.len()),
            ("stargazers", truth.stars.len()),
            ("forks", truth.forks.len()),
            ("contributors", authors.len()),
        ];
        for (table, rows) in expected {
            if !recorded.unavailable.contains(&(id, table)) {
                assert_eq!(count(table).await, rows, "{ctx} {table}");
            }
        }

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
                size(row.2, p.additions),
                size(row.3, p.deletions),
                size(row.4, p.changed_files),
                Some(p.commits as i32),
                p.merged_at,
                p.closed_at,
                if p.merged_at.is_some() && !(recorded.unknowns && row.8.is_none()) {
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
                    size(row.2, c.additions),
                    size(row.3, c.deletions)
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

/// Clients acting as the fixture's signed-in users, as a `serve` process has them.
fn fixture_clients(fx: &Fixture) -> crate::clients::Clients {
    crate::clients::Clients::new(fx.pool.clone(), fx.cipher.clone(), fx.sim.base_url.clone())
}

/// Every repository alice can see.
async fn alice_repos(fx: &Fixture) -> Vec<RepoRef> {
    db::repos::visible_refs(&fx.pool, fx.user_id).await.unwrap()
}

/// The repositories of alice's named `acme/<name>`, in her order.
async fn alice_repos_named(fx: &Fixture, names: &[&str]) -> Vec<RepoRef> {
    let wanted: Vec<String> = names.iter().map(|n| format!("acme/{n}")).collect();
    alice_repos(fx)
        .await
        .into_iter()
        .filter(|r| wanted.contains(&r.full_name))
        .collect()
}

fn names(repos: &[RepoRef]) -> Vec<String> {
    repos
        .iter()
        .map(|r| r.full_name.trim_start_matches("acme/").to_string())
        .collect()
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
