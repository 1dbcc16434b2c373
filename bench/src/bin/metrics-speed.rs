//! How fast the metrics answer after a full sync of a simulated world: every metric query
//! (one family each, as `engine::metrics::report` runs them) for one repository and for
//! the whole organisation over a year, p50 and p95 over repeated runs; the whole report;
//! the cost of keeping the derived facts current per 1,000 changed pull requests; and the
//! plans PostgreSQL chose for the organisation's queries (EXPLAIN ANALYZE).
//!
//! Usage: cargo run --release -p pulseboard-bench --bin metrics-speed -- SIZE [RUNS]
//! (SIZE: small, medium or large; RUNS per query, 30 by default).
//!
//! With `PULSEBOARD_BENCH_DATA=DIR` the database lives in DIR and is kept: a later run on
//! the same DIR (and SIZE) skips the sync, migrates the kept database and derives what an
//! upgrade derives at startup, so query changes are measured without an hour of sync.

use std::future::Future;
use std::time::Instant;

use chrono::{Duration, TimeZone, Utc};
use engine::db::metrics::{self, activity};
use engine::github::GitHubClient;
use engine::sync::{worker, Mode, Syncer};
use ghsim::Size;

fn percentile(sorted: &[f64], q: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * q;
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// Runs `f` `runs` times (after one warm-up) and returns p50 and p95 in milliseconds.
async fn time<F, Fut, T>(runs: usize, mut f: F) -> anyhow::Result<(f64, f64)>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = anyhow::Result<T>>,
{
    f().await?;
    let mut ms = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        f().await?;
        ms.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    ms.sort_by(f64::total_cmp);
    Ok((percentile(&ms, 0.5), percentile(&ms, 0.95)))
}

/// The report's priority list, as of the benchmark's now.
async fn priorities(
    pool: &sqlx::PgPool,
    ids: &[i64],
) -> Result<Vec<wire::PriorityIssue>, engine::Error> {
    let now = Utc.with_ymd_and_hms(2026, 11, 2, 0, 0, 0).unwrap();
    engine::metrics::priorities(pool, ids, now, engine::metrics::PRIORITY_LIST).await
}

fn main() -> anyhow::Result<()> {
    tokio::runtime::Runtime::new()?.block_on(run())
}

async fn run() -> anyhow::Result<()> {
    let size_name = std::env::args().nth(1).unwrap_or_else(|| "medium".into());
    let size: Size = size_name.parse().map_err(anyhow::Error::msg)?;
    let runs: usize = std::env::args()
        .nth(2)
        .and_then(|v| v.parse().ok())
        .unwrap_or(30);
    let now = Utc.with_ymd_and_hms(2026, 11, 2, 0, 0, 0).unwrap();

    let temp = tempfile::tempdir()?;
    let dir = match std::env::var_os("PULSEBOARD_BENCH_DATA") {
        Some(kept) => std::path::PathBuf::from(kept),
        None => temp.path().to_path_buf(),
    };
    let (pg, pool) = pulseboard_bench::database(&dir).await?;
    let synced: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pull_requests)")
        .fetch_one(&pool)
        .await?;
    let sim = pulseboard_bench::simulator(size, now).await?;
    let (token, user) = pulseboard_bench::sign_in_alice(&pool, &sim).await?;
    let client = GitHubClient::new(&sim.base_url, &token)?;
    let repos = engine::db::repos::visible_refs(&pool, user.id).await?;
    let started = Instant::now();
    if synced {
        let derived =
            engine::facts::backfill(&pool).await? + engine::facts::backfill_rollups(&pool).await?;
        println!(
            "kept database in {}: not synced again; {derived} repositories derived at startup",
            dir.display()
        );
    } else {
        let outcomes =
            worker::sync_planned(&Syncer::new(pool.clone(), client), &repos, &[], Mode::Full)
                .await?;
        let errors: Vec<String> = outcomes.iter().flat_map(|o| o.errors()).collect();
        anyhow::ensure!(errors.is_empty(), "the sync failed: {errors:?}");
    }
    let sync_secs = started.elapsed().as_secs_f64();
    sqlx::query("ANALYZE").execute(&pool).await?;
    let count = |t: &str| {
        let pool = pool.clone();
        let sql = format!("SELECT count(*) FROM {t}");
        async move { sqlx::query_scalar::<_, i64>(&sql).fetch_one(&pool).await }
    };
    println!(
        "size {size_name}: {} repositories, {} pull requests ({} facts), {} production deployments, {} changes attributed; full sync {sync_secs:.0} s",
        repos.len(),
        count("pull_requests").await?,
        count("pull_request_facts").await?,
        count("production_deployments").await?,
        count("change_deployments").await?,
    );

    let year = (now - Duration::days(365), now);
    let org: Vec<i64> = repos.iter().map(|r| r.github_id).collect();
    // The repository with the most pull requests.
    let (one, one_name): (i64, String) = sqlx::query_as(
        "SELECT r.github_id, r.full_name FROM repositories r
           JOIN pull_requests p ON p.repository_id = r.github_id
          GROUP BY r.github_id, r.full_name ORDER BY count(*) DESC LIMIT 1",
    )
    .fetch_one(&pool)
    .await?;
    println!("query (p50 / p95 ms over {runs} runs)    one repository ({one_name})    organisation ({} repositories)", org.len());
    macro_rules! family {
        ($label:expr, $call:expr) => {{
            let mut cells = Vec::new();
            for ids in [vec![one], org.clone()] {
                let pool = &pool;
                let ids = &ids;
                let (p50, p95) = time(runs, || async move {
                    let _ = $call(pool, ids).await?;
                    Ok::<_, anyhow::Error>(())
                })
                .await?;
                cells.push(format!("{p50:>7.1} / {p95:>7.1}"));
            }
            println!("{:<36} {:>22} {:>22}", $label, cells[0], cells[1]);
        }};
    }
    family!("flow (cycle time, reviews)", |p, ids| metrics::flow(
        p, ids, year
    ));
    family!("velocity, size, work in progress", |p, ids| {
        activity::velocity(p, ids, year)
    });
    family!("deployment sources", metrics::deployment_sources);
    // What the report reads: the period, the longest incident window before it (the
    // default 7 days, and one more) and up to a day after now.
    family!("deployments (+ incident window)", |p, ids| {
        metrics::deployments(
            p,
            ids,
            (
                year.0 - Duration::days(8),
                chrono::Utc::now().max(now) + Duration::days(1),
            ),
        )
    });
    family!("lead time for changes", |p, ids| metrics::lead_time(
        p, ids, year
    ));
    family!("incidents", |p, ids| metrics::incidents(p, ids, year));
    family!("reverts", |p, ids| metrics::reverts(p, ids, year));
    family!("issues", |p, ids| activity::issues(p, ids, year));
    family!("CI", |p, ids| activity::ci(p, ids, year));
    family!("growth and community", |p, ids| activity::growth(
        p, ids, year
    ));
    family!("weekly history (anomalies, forecasts)", |p, ids| {
        metrics::weekly(p, ids, (year.0 - Duration::weeks(12), now))
    });
    family!("open issues by priority", priorities);
    family!("npm downloads", |p, ids| engine::db::packages::downloads(
        p, ids, year
    ));
    let mut cells = Vec::new();
    for scope in [one_name.clone(), "org:acme".to_string()] {
        let (pool, scope) = (&pool, &scope);
        let (p50, p95) = time(runs, || async move {
            engine::metrics::report(pool, user.id, scope, year, wire::DoraReport::Y2023).await?;
            Ok::<_, anyhow::Error>(())
        })
        .await?;
        cells.push(format!("{p50:>7.1} / {p95:>7.1}"));
    }
    println!(
        "{:<36} {:>22} {:>22}",
        "the whole report", cells[0], cells[1]
    );

    // Keeping the facts current: 1,000 pull requests of the biggest repository derived
    // again, then its delivery (positions, deployments, attribution).
    let numbers: Vec<i64> = sqlx::query_scalar(
        "SELECT number::bigint FROM pull_requests WHERE repository_id = $1 ORDER BY updated_at DESC LIMIT 1000",
    )
    .bind(one)
    .fetch_all(&pool)
    .await?;
    let (p50, p95) = time(5, || {
        let (pool, numbers) = (&pool, &numbers);
        async move {
            let mut tx = pool.begin().await?;
            engine::facts::refresh_pulls(&mut tx, one, Some(numbers)).await?;
            tx.commit().await?;
            Ok::<_, anyhow::Error>(())
        }
    })
    .await?;
    println!(
        "derive the facts of {} pull requests again: {p50:.0} / {p95:.0} ms (p50 / p95 over 5 runs)",
        numbers.len()
    );
    let (p50, p95) = time(5, || {
        let pool = &pool;
        async move {
            engine::facts::refresh_delivery(pool, one, true).await?;
            Ok::<_, anyhow::Error>(())
        }
    })
    .await?;
    println!("derive {one_name}'s delivery again (positions, deployments, attribution): {p50:.0} / {p95:.0} ms");
    let (p50, p95) = time(5, || {
        let pool = &pool;
        async move {
            engine::facts::refresh_rollups(pool, one).await?;
            Ok::<_, anyhow::Error>(())
        }
    })
    .await?;
    let rows: i64 = sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM pull_requests WHERE repository_id = $1)
              + (SELECT count(*) FROM workflow_runs WHERE repository_id = $1)
              + (SELECT count(*) FROM issues WHERE repository_id = $1)
              + (SELECT count(*) FROM commits WHERE repository_id = $1)
              + (SELECT count(*) FROM stargazers WHERE repository_id = $1)",
    )
    .bind(one)
    .fetch_one(&pool)
    .await?;
    println!("rebuild {one_name}'s rollups ({rows} pull requests, runs, issues, commits and stars): {p50:.0} / {p95:.0} ms");

    // The plans of the organisation's heaviest reads: a year of flow from its rows, and of
    // CI from the rollups (the pieces of the year, as `rollups::read` asks for them).
    let pieces = engine::db::rollups::pieces(year.0, year.1).unwrap_or_default();
    let grains: Vec<&str> = pieces.iter().map(|(g, _)| *g).collect();
    let starts: Vec<chrono::NaiveDate> = pieces.iter().map(|(_, d)| *d).collect();
    for (label, sql) in [
        (
            "flow (rows)",
            "SELECT count(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY cycle_hours)
               FROM pull_request_facts WHERE repository_id = ANY($1) AND merged_at >= $2
                AND merged_at < $3 AND NOT is_bot AND $4::text[] IS NOT NULL
                AND $5::date[] IS NOT NULL",
        ),
        (
            "CI (rollups)",
            "SELECT start, body FROM metric_packs
              WHERE family = 'ci' AND $2::timestamptz IS NOT NULL AND $3::timestamptz IS NOT NULL
                AND (grain, start) IN (SELECT * FROM unnest($4::text[], $5::date[]))
                AND repository_id = ANY($1)",
        ),
    ] {
        let plan: Vec<String> =
            sqlx::query_scalar(&format!("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {sql}"))
                .bind(&org)
                .bind(year.0)
                .bind(year.1)
                .bind(&grains)
                .bind(&starts)
                .fetch_all(&pool)
                .await?;
        println!("plan of the organisation's {label} query:");
        for line in plan {
            println!("    {line}");
        }
    }
    pool.close().await;
    pg.stop().await?;
    Ok(())
}
