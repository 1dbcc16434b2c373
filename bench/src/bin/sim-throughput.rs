//! The GitHub simulator's own speed on this machine, so that sync benchmarks are known not
//! to be limited by it: requests per second for paginated pull-request lists (100 a page)
//! with 1, 4 and 16 concurrent clients, each run bounded in time and count.
//!
//! Usage: cargo run --release -p pulseboard-bench --bin sim-throughput

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use chrono::TimeZone;
use ghsim::{RateLimit, RunningSimulator, SimConfig, Size};

const RUN: Duration = Duration::from_secs(5);
const MAX_REQUESTS_PER_CLIENT: usize = 50_000;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let now = chrono::Utc.with_ymd_and_hms(2026, 11, 2, 0, 0, 0).unwrap();
    // No rate limit: we measure the server, not the budget.
    let sim = RunningSimulator::start(
        SimConfig::new(7, Size::Small, now).with_rate_limit(RateLimit::Disabled),
        SocketAddr::from(([127, 0, 0, 1], 0)),
    )
    .await?;
    let (token, pages) = sim.sim.with_world(|w| {
        let repo = w.repo("acme", "api").expect("acme/api exists");
        (
            w.user_by_login("alice")
                .expect("alice exists")
                .token
                .clone(),
            repo.pulls.len().div_ceil(100),
        )
    });
    println!("paginated GET /repos/acme/api/pulls?state=all&per_page=100 ({pages} pages), {RUN:?} per row");
    println!(
        "{:>8} {:>10} {:>12} {:>12}",
        "clients", "requests", "req/s", "MB/s"
    );
    for clients in [1usize, 4, 16] {
        let started = Instant::now();
        let mut tasks = Vec::new();
        for c in 0..clients {
            let base = sim.base_url.clone();
            let token = token.clone();
            tasks.push(tokio::spawn(async move {
                let http = reqwest::Client::new();
                let (mut n, mut bytes) = (0usize, 0usize);
                while started.elapsed() < RUN && n < MAX_REQUESTS_PER_CLIENT {
                    let page = (c + n) % pages + 1;
                    let res = http
                        .get(format!(
                            "{base}/repos/acme/api/pulls?state=all&per_page=100&page={page}"
                        ))
                        .bearer_auth(&token)
                        .send()
                        .await?;
                    anyhow::ensure!(res.status() == 200, "status {}", res.status());
                    bytes += res.bytes().await?.len();
                    n += 1;
                }
                Ok::<_, anyhow::Error>((n, bytes))
            }));
        }
        let (mut requests, mut bytes) = (0, 0);
        for t in tasks {
            let (n, b) = t.await??;
            requests += n;
            bytes += b;
        }
        let secs = started.elapsed().as_secs_f64();
        println!(
            "{clients:>8} {requests:>10} {:>12.0} {:>12.1}",
            requests as f64 / secs,
            bytes as f64 / secs / 1e6
        );
    }
    sim.stop().await;
    Ok(())
}
