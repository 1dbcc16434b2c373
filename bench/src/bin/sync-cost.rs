//! The sync engine's cost against the simulator: requests and rate-limit points for a
//! full sync compared with the minimum possible for the same data at 100 items a request,
//! an incremental sync when nothing changed, wall time, rows written per second and how
//! much the process's memory grew.
//!
//! Usage: cargo run --release -p pulseboard-bench --bin sync-cost -- SIZE [LATENCY_MS]
//! (SIZE: small, medium or large; LATENCY_MS added to every simulated request).
//!
//! GitHub's per-minute pacing is off unless PULSEBOARD_GITHUB_REST_POINTS_PER_MINUTE or
//! PULSEBOARD_GITHUB_GRAPHQL_POINTS_PER_MINUTE say otherwise: this measures the engine,
//! and the pacing's own floor is plain arithmetic (requests / points a minute).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use chrono::TimeZone;
use engine::github::GitHubClient;
use engine::sync::{worker, Mode, Syncer};
use ghsim::Size;

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))?
                .split_whitespace()
                .nth(1)?
                .parse()
                .ok()
        })
        .unwrap_or(0)
}

const TABLES: &[&str] = &[
    "pull_requests",
    "pull_request_reviews",
    "issues",
    "commits",
    "workflow_runs",
    "workflow_jobs",
    "deployments",
    "deployment_statuses",
    "releases",
    "tags",
    "stargazers",
    "forks",
    "contributors",
    "workflows",
];

fn main() -> anyhow::Result<()> {
    // Pacing is off unless asked for: this measures the engine, not GitHub's limits.
    let pace = |name: &str| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0)
    };
    let _ = engine::github::governor::configure(engine::github::governor::GovernorConfig {
        rest_per_minute: pace("PULSEBOARD_GITHUB_REST_POINTS_PER_MINUTE"),
        graphql_per_minute: pace("PULSEBOARD_GITHUB_GRAPHQL_POINTS_PER_MINUTE"),
        ..Default::default()
    });
    tokio::runtime::Runtime::new()?.block_on(run())
}

async fn run() -> anyhow::Result<()> {
    let size_name = std::env::args().nth(1).unwrap_or_else(|| "medium".into());
    let size: Size = size_name.parse().map_err(anyhow::Error::msg)?;
    let latency: u64 = std::env::args()
        .nth(2)
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let now = chrono::Utc.with_ymd_and_hms(2026, 11, 2, 0, 0, 0).unwrap();

    let dir = tempfile::tempdir()?;
    let (pg, pool) = pulseboard_bench::database(dir.path()).await?;
    let sim = pulseboard_bench::simulator(size, now).await?;
    if latency > 0 {
        sim.sim.faults().add(ghsim::FaultRule {
            route: "*".into(),
            fault: ghsim::Fault::Latency {
                ms: latency,
                jitter_ms: 0,
            },
            count: None,
            after: 0,
        });
    }
    let (token, user) = pulseboard_bench::sign_in_alice(&pool, &sim).await?;
    let client = GitHubClient::new(&sim.base_url, &token)?.with_cache(
        engine::db::http_cache::PgResponseCache::shared(pool.clone()),
    );
    let repos = engine::db::repos::visible_refs(&pool, user.id).await?;

    // The minimum: every stored item fetched once, 100 to a request, plus each repository.
    let minimum: u64 = sim.sim.with_world(|w| {
        let pages = |n: usize| n.div_ceil(100) as u64;
        w.repos
            .iter()
            .filter(|r| repos.iter().any(|x| x.github_id == r.id as i64))
            .map(|r| {
                let completed: Vec<_> = r
                    .runs
                    .iter()
                    .filter(|x| x.status == ghsim::data::RunStatus::Completed)
                    .collect();
                let jobs: usize = completed
                    .iter()
                    .map(|x| x.jobs(r.workflow(x.workflow_id).unwrap()).len())
                    .sum();
                let authors: std::collections::HashSet<u64> =
                    r.commits.iter().map(|c| c.author_id).collect();
                1 + pages(r.pulls.len())
                    + pages(r.pulls.iter().map(|p| p.reviews.len()).sum())
                    + pages(r.issues.len())
                    + pages(r.commits.len())
                    + pages(r.runs.len())
                    + pages(jobs)
                    + pages(r.deployments.len())
                    + pages(r.deployments.iter().map(|d| d.statuses.len()).sum())
                    + pages(r.releases.len())
                    + pages(r.releases.len())
                    + pages(r.stars.len())
                    + pages(r.forks.len())
                    + pages(authors.len())
                    + pages(r.workflows.len())
            })
            .sum()
    });

    // The simulator's own lookup index is built on first use; build it now so that the
    // memory measured below is the engine's.
    sim.sim
        .with_world(|w| w.locate(ghsim::data::NodeKind::Run, 0));
    let syncer = Syncer::new(pool.clone(), client.clone());
    let before_rss = rss_kib();
    let peak = Arc::new(AtomicU64::new(before_rss));
    let sampler = {
        let peak = peak.clone();
        tokio::spawn(async move {
            loop {
                peak.fetch_max(rss_kib(), Ordering::Relaxed);
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
        })
    };
    let stats0 = sim.sim.stats();
    let started = Instant::now();
    let outcomes = worker::sync_planned(&syncer, &repos, &[], Mode::Full).await?;
    let full_secs = started.elapsed().as_secs_f64();
    sampler.abort();
    let stats1 = sim.sim.stats();
    let errors: Vec<String> = outcomes.iter().flat_map(|o| o.errors()).collect();
    anyhow::ensure!(errors.is_empty(), "the sync failed: {errors:?}");
    let mut rows = 0i64;
    for t in TABLES {
        let n: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {t}"))
            .fetch_one(&pool)
            .await?;
        rows += n;
    }
    let full_requests = stats1.requests - stats0.requests;
    let full_points = stats1.rate_limit_points - stats0.rate_limit_points;

    let started = Instant::now();
    let outcomes = worker::sync_planned(&syncer, &repos, &[], Mode::Incremental).await?;
    let incr_secs = started.elapsed().as_secs_f64();
    let stats2 = sim.sim.stats();
    let read: usize = outcomes.iter().map(|o| o.resources.len()).sum();

    let pacing = engine::github::governor::configured();
    println!(
        "size {size_name}, {} repositories, {latency} ms simulated latency, {} requests in flight, pacing REST {} / GraphQL {} points a minute (0: off)",
        repos.len(),
        pacing.concurrency,
        pacing.rest_per_minute,
        pacing.graphql_per_minute,
    );
    println!("full sync: {full_requests} requests, {full_points} points; minimum {minimum} requests (ratio {:.2} requests, {:.2} points)",
        full_requests as f64 / minimum as f64, full_points as f64 / minimum as f64);
    println!(
        "full sync: {full_secs:.1} s, {rows} rows, {:.0} rows/s",
        rows as f64 / full_secs
    );
    println!(
        "memory: {} MiB before, peak {} MiB during the sync (+{} MiB)",
        before_rss / 1024,
        peak.load(Ordering::Relaxed) / 1024,
        (peak.load(Ordering::Relaxed).saturating_sub(before_rss)) / 1024
    );
    println!(
        "incremental, nothing changed: {} requests, {} points, {} resources read, {incr_secs:.2} s",
        stats2.requests - stats1.requests,
        stats2.rate_limit_points - stats1.rate_limit_points,
        read
    );
    let by_route = {
        let mut v: Vec<(String, u64)> = stats1
            .by_route
            .iter()
            .map(|(k, n)| (k.clone(), n - stats0.by_route.get(k).copied().unwrap_or(0)))
            .filter(|(_, n)| *n > 0)
            .collect();
        v.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
        v
    };
    for (route, n) in by_route {
        println!("  {n:>7}  {route}");
    }
    pool.close().await;
    pg.stop().await?;
    Ok(())
}
