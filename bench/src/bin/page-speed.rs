//! Server-side render time of the pages on `large` after a full sync: the overview of the
//! organisation over a year, the DORA page of the organisation over 13 weeks, and a
//! repository's page and the repositories table, each asked by 32 connections at once,
//! p50 / p95 of the whole response and the CPU each request cost the server and PostgreSQL
//! (with the reqwest load below, the server's column includes the client), beside the
//! floor (a page of the same shell with no data of its own); then the time until each is
//! interactive in headless Chromium (`bench/interactive.mjs`; BENCHMARKS.md, "Pages").
//!
//! The load comes from `wrk` (Debian's package: `apt-get install wrk`), a process of its own
//! that only frames HTTP, for `SECONDS` per page (default 10; `bench/wrk-percentiles.lua`
//! prints p50 and p95). `PULSEBOARD_BENCH_LOAD=reqwest` uses the earlier load instead: 32
//! reqwest tasks in this process, `SECONDS` requests each, sharing the server's runtime.
//!
//! Needs the database `metrics-speed` keeps: `PULSEBOARD_BENCH_DATA=/path cargo run
//! --release -p pulseboard-bench --bin page-speed [SECONDS]` (`.cargo/config.toml` sets
//! `LEPTOS_OUTPUT_NAME`, which Leptos reads when it compiles to name the WASM the pages
//! load, as `cargo leptos` does). The server
//! runs in this process (routes and state as `pulseboard serve` builds them, without its
//! worker and scheduler), signed in through the simulator's OAuth consent like a browser.
//! `PULSEBOARD_BENCH_PAGES=overview,dora` times only the pages whose label starts with
//! one of these words; `PULSEBOARD_BENCH_INTERACTIVE=off` skips the browser's timing;
//! `PULSEBOARD_BENCH_SAVE=DIR` keeps each page's HTML there.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Instant;

use chrono::{TimeZone, Utc};
use clap::Parser;
use ghsim::Size;
use reqwest::redirect::Policy;
use server::config::{Cli, Command, OAuthApp, Secret};

/// The allocator `pulseboard` serves with.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const CONNECTIONS: usize = 32;

fn percentile(sorted: &[f64], q: f64) -> f64 {
    let rank = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn location(res: &reqwest::Response) -> anyhow::Result<String> {
    Ok(res
        .headers()
        .get(reqwest::header::LOCATION)
        .ok_or_else(|| anyhow::anyhow!("no Location in {res:?}"))?
        .to_str()?
        .to_string())
}

/// Keeps a page's HTML in `PULSEBOARD_BENCH_SAVE`, when set.
fn save(label: &str, body: &str) -> anyhow::Result<()> {
    if let Ok(dir) = std::env::var("PULSEBOARD_BENCH_SAVE") {
        let name: String = label
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        std::fs::write(format!("{dir}/{name}.html"), body)?;
    }
    Ok(())
}

/// Asks `url` from [`CONNECTIONS`] connections for `seconds` with wrk, signed in by
/// `cookie`: the requests made, p50 and p95 in ms, and the seconds taken. Fails when any
/// request failed (a status other than 2xx, or a connection error).
async fn wrk(url: &str, cookie: &str, seconds: usize) -> anyhow::Result<(u64, f64, f64, f64)> {
    let started = Instant::now();
    let out = tokio::process::Command::new("wrk")
        .args(["-t1", &format!("-c{CONNECTIONS}"), &format!("-d{seconds}s")])
        .args(["--timeout", "30s", "-s"])
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/wrk-percentiles.lua"))
        .args(["-H", &format!("Cookie: {cookie}"), url])
        .output()
        .await
        .map_err(|e| anyhow::anyhow!("wrk (apt-get install wrk): {e}"))?;
    let wall = started.elapsed().as_secs_f64();
    let text = String::from_utf8_lossy(&out.stdout);
    anyhow::ensure!(out.status.success(), "wrk failed: {text}");
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("pulseboard-wrk "))
        .ok_or_else(|| anyhow::anyhow!("wrk printed no summary:\n{text}"))?;
    let f: Vec<&str> = line.split_whitespace().collect();
    anyhow::ensure!(f.len() == 5, "wrk's summary: {line}");
    let (requests, failed): (u64, u64) = (f[0].parse()?, f[1].parse()?);
    anyhow::ensure!(
        failed == 0,
        "{failed} of {requests} requests failed:\n{text}"
    );
    Ok((requests, f[2].parse()?, f[3].parse()?, wall))
}

/// The CPU time, in seconds, that this process and PostgreSQL have used so far, from
/// `/proc/PID/stat` in Linux's 100 ticks a second: what a page's requests cost, which
/// varies far less between runs than their latency on a shared machine. `(server,
/// postgres)`: this process' `utime + stime` (not its children's: wrk is one), and every
/// `postgres` process' `utime + stime` plus what its ended children used (`cutime +
/// cstime`, so that the postmaster counts a backend or parallel worker that exited).
fn cpu_seconds() -> (f64, f64) {
    const TICKS: f64 = 100.0;
    // (command, own ticks, ended children's ticks)
    let used = |stat: &str| -> Option<(String, f64, f64)> {
        let (head, tail) = stat.rsplit_once(')')?;
        let comm = head.split_once('(')?.1.to_string();
        // After the command: state is field 3; utime, stime, cutime, cstime 14 to 17.
        let f: Vec<f64> = tail
            .split_whitespace()
            .skip(11)
            .take(4)
            .map(|v| v.parse().unwrap_or(0.0))
            .collect();
        (f.len() == 4).then(|| (comm, f[0] + f[1], f[2] + f[3]))
    };
    let own = std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| used(&s))
        .map_or(0.0, |(_, t, _)| t / TICKS);
    let postgres = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| std::fs::read_to_string(e.path().join("stat")).ok())
        .filter_map(|s| used(&s))
        .filter(|(comm, _, _)| comm == "postgres")
        .map(|(_, t, children)| (t + children) / TICKS)
        .sum();
    (own, postgres)
}

/// Asks `url` from [`CONNECTIONS`] reqwest tasks in this process, `per_connection` requests
/// each, timing each whole response: as [`wrk`] gives them. Fails at the first failed request.
async fn in_process(
    client: &reqwest::Client,
    url: &str,
    per_connection: usize,
) -> anyhow::Result<(u64, f64, f64, f64)> {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..CONNECTIONS {
        let (client, url) = (client.clone(), url.to_string());
        tasks.push(tokio::spawn(async move {
            let mut times = Vec::with_capacity(per_connection);
            for _ in 0..per_connection {
                let t = Instant::now();
                let res = client.get(&url).send().await?.error_for_status()?;
                let _ = res.bytes().await?;
                times.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            Ok::<_, anyhow::Error>(times)
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await??);
    }
    let wall = started.elapsed().as_secs_f64();
    all.sort_by(f64::total_cmp);
    Ok((
        all.len() as u64,
        percentile(&all, 0.5),
        percentile(&all, 0.95),
        wall,
    ))
}

fn main() -> anyhow::Result<()> {
    tokio::runtime::Runtime::new()?.block_on(run())
}

async fn run() -> anyhow::Result<()> {
    let per_connection: usize = std::env::args()
        .nth(1)
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    let with_wrk = std::env::var("PULSEBOARD_BENCH_LOAD").as_deref() != Ok("reqwest");
    let dir = std::env::var_os("PULSEBOARD_BENCH_DATA").ok_or_else(|| {
        anyhow::anyhow!(
            "PULSEBOARD_BENCH_DATA: the directory of the database metrics-speed kept for large"
        )
    })?;
    let (pg, pool) = pulseboard_bench::database(std::path::Path::new(&dir)).await?;
    let synced: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pull_requests)")
        .fetch_one(&pool)
        .await?;
    anyhow::ensure!(
        synced,
        "{dir:?} holds no synced world: run metrics-speed large first"
    );
    engine::facts::backfill(&pool).await?;
    engine::facts::backfill_rollups(&pool).await?;
    // The same world and clock as metrics-speed.
    let now = Utc.with_ymd_and_hms(2026, 11, 2, 0, 0, 0).unwrap();
    let sim = pulseboard_bench::simulator(Size::Large, now).await?;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr: SocketAddr = listener.local_addr()?;
    let data_dir = tempfile::tempdir()?;
    let addr_text = addr.to_string();
    let argv = [
        "pulseboard",
        "serve",
        "--addr",
        &addr_text,
        "--data-dir",
        data_dir.path().to_str().unwrap_or("."),
        "--github-api-url",
        &sim.base_url,
        "--github-web-url",
        &sim.base_url,
    ];
    let Command::Serve(args) = Cli::try_parse_from(argv)?.command else {
        anyhow::bail!("not the serve command")
    };
    let mut config = args.into_config()?;
    let app = sim.sim.oauth_app().clone();
    config.oauth = Some(OAuthApp {
        client_id: app.client_id,
        client_secret: Secret::from_demo(app.client_secret),
    });
    let key = server::secret_key(&config)?;
    let state = server::app_state(&config, pool.clone(), &key);
    let shutdown = state.shutdown.clone();
    let router = server::routes::router(state);
    let limits = server::connection_limits(&config);
    let task = tokio::spawn(server::http::serve(
        listener,
        router,
        limits,
        shutdown.wait(),
    ));
    let base = format!("http://{addr}");

    // Sign in as alice through the simulator's consent page.
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let client = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(Policy::none())
        .pool_max_idle_per_host(CONNECTIONS)
        .build()?;
    let to = location(
        &client
            .get(format!("{base}/auth/github/login"))
            .send()
            .await?,
    )?;
    let params: HashMap<String, String> = url::Url::parse(&to)?
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let mut form: Vec<(&str, &str)> = vec![("login", "alice"), ("decision", "allow")];
    for k in [
        "client_id",
        "redirect_uri",
        "scope",
        "state",
        "code_challenge",
        "code_challenge_method",
    ] {
        if let Some(v) = params.get(k) {
            form.push((k, v));
        }
    }
    let callback = location(
        &client
            .post(format!("{}/login/oauth/authorize", sim.base_url))
            .form(&form)
            .send()
            .await?,
    )?;
    let landed = location(&client.get(&callback).send().await?)?;
    anyhow::ensure!(landed == "/", "sign-in failed: went to {landed}");
    // alice follows every repository she may see (the onboarding's "Follow all"), so the
    // repositories table lists the organisation's 200.
    let alice = engine::db::users::id_by_login(&pool, "alice")
        .await?
        .ok_or_else(|| anyhow::anyhow!("alice has not signed in"))?;
    let visible: Vec<(i64,)> =
        sqlx::query_as("SELECT repository_id FROM repository_access WHERE user_id = $1")
            .bind(alice)
            .fetch_all(&pool)
            .await?;
    for (id,) in visible {
        engine::db::repos::track(&pool, alice, id).await?;
    }

    let pages = [
        (
            "overview, organisation over a year",
            format!("{base}/overview?scope=org%3Aacme&from=2025-11-02&to=2026-11-02&report=2023"),
            "data-testid=\"overview-summary\"",
        ),
        (
            "DORA, organisation over 13 weeks",
            format!(
                "{base}/dora?scope=org%3Aacme&from=2026-08-03&to=2026-11-02&report=2023&grain=week"
            ),
            "data-testid=\"dora-parts\"",
        ),
        (
            "repository page (acme/api)",
            format!("{base}/repos/acme/api"),
            "throughput-chart",
        ),
        // The floor: the shell every page shares (session, person, header) around a page
        // with no data of its own.
        (
            "floor: sign-in error page, no data",
            format!("{base}/auth/error"),
            "data-testid=\"auth-error\"",
        ),
        (
            "repositories table (12 weeks)",
            format!("{base}/repos"),
            "data-testid=\"repo-table\"",
        ),
    ];
    // What wrk sends as the signed-in browser does.
    let cookie = {
        use reqwest::cookie::CookieStore;
        jar.cookies(&url::Url::parse(&base)?)
            .ok_or_else(|| anyhow::anyhow!("no session cookie after signing in"))?
            .to_str()?
            .to_string()
    };
    if with_wrk {
        println!(
            "{CONNECTIONS} connections from wrk (one thread) for {per_connection} s a page; ms (p50 / p95); the first request computes, the rest read what it kept"
        );
    } else {
        println!(
            "{CONNECTIONS} connections from reqwest in this process, {per_connection} requests each; ms (p50 / p95); the first request computes, the rest read what it kept"
        );
    }
    println!(
        "{:<40} {:>10} {:>20} {:>12} {:>8} {:>21}",
        "page", "first", "p50 / p95", "requests/s", "KB", "CPU ms/req (srv / pg)"
    );
    // `PULSEBOARD_BENCH_PAGES=overview,dora` times only the pages whose label starts
    // with one of these words (all by default).
    let only: Option<Vec<String>> = std::env::var("PULSEBOARD_BENCH_PAGES")
        .ok()
        .map(|v| v.split(',').map(str::to_string).collect());
    let chosen = |label: &str| {
        only.as_ref()
            .is_none_or(|o| o.iter().any(|w| label.starts_with(w.as_str())))
    };
    for (label, url, marker) in pages.clone() {
        if !chosen(label) {
            continue;
        }
        let started = Instant::now();
        let body = client
            .get(&url)
            .send()
            .await?
            .error_for_status()?
            .text()
            .await?;
        let first = started.elapsed().as_secs_f64() * 1000.0;
        anyhow::ensure!(
            body.contains(marker),
            "{label}: the page lacks {marker}:\n{body}"
        );
        let cpu_before = cpu_seconds();
        let (requests, p50, p95, wall) = if with_wrk {
            wrk(&url, &cookie, per_connection).await?
        } else {
            in_process(&client, &url, per_connection).await?
        };
        let cpu_after = cpu_seconds();
        let per_request = |before: f64, after: f64| (after - before) * 1000.0 / requests as f64;
        println!(
            "{:<40} {:>10.1} {:>9.1} / {:>8.1} {:>12.0} {:>8.1} {:>13.2} / {:>5.2}",
            label,
            first,
            p50,
            p95,
            requests as f64 / wall,
            body.len() as f64 / 1024.0,
            per_request(cpu_before.0, cpu_after.0),
            per_request(cpu_before.1, cpu_after.1),
        );
        save(label, &body)?;
    }
    // Time until interactive in headless Chromium (the release site must be built:
    // `cargo leptos build --release`; skipped with a note when node is missing).
    let paths: Vec<String> = pages
        .iter()
        .filter(|(label, _, _)| chosen(label))
        .map(|(_, url, _)| url.trim_start_matches(&base).to_string())
        .collect();
    let status = if std::env::var("PULSEBOARD_BENCH_INTERACTIVE").as_deref() == Ok("off") {
        Ok(std::process::ExitStatus::default())
    } else {
        std::process::Command::new("node")
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/interactive.mjs"))
            .arg(&base)
            .arg("10")
            .args(&paths)
            .status()
    };
    match status {
        Ok(s) if s.success() => {}
        Ok(s) => eprintln!("bench/interactive.mjs failed: {s}"),
        Err(e) => eprintln!("could not run node bench/interactive.mjs: {e}"),
    }
    shutdown.begin();
    let _ = task.await;
    pool.close().await;
    pg.stop().await?;
    Ok(())
}
