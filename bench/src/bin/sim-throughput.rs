//! The GitHub simulator's own speed on this machine, so that sync benchmarks are known not
//! to be limited by it: requests per second for the paginated lists a sync reads (100
//! items a page) and for the engine's GraphQL pull-request query, with 1 and 4 concurrent
//! clients, each row bounded in time and count.
//!
//! Usage: cargo run --release -p pulseboard-bench --bin sim-throughput

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use chrono::TimeZone;
use ghsim::{RateLimit, RunningSimulator, SimConfig, Size};

const RUN: Duration = Duration::from_secs(4);
const MAX_REQUESTS_PER_CLIENT: usize = 50_000;

/// One kind of request: a REST list read page by page, or a GraphQL query.
#[derive(Clone)]
enum Target {
    Rest { path: String, pages: usize },
    Graphql { query: String },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let now = chrono::Utc.with_ymd_and_hms(2026, 11, 2, 0, 0, 0).unwrap();
    // No rate limit: we measure the server, not the budget.
    let sim = RunningSimulator::start(
        SimConfig::new(7, Size::Small, now).with_rate_limit(RateLimit::Disabled),
        SocketAddr::from(([127, 0, 0, 1], 0)),
    )
    .await?;
    let (token, targets) = sim.sim.with_world(|w| {
        let repo = w.repo("acme", "api").expect("acme/api exists");
        let pages = |n: usize| n.div_ceil(100).max(1);
        let rest = |path: &str, n: usize| Target::Rest {
            path: path.to_string(),
            pages: pages(n),
        };
        let issues = repo.issues.len() + repo.pulls.len();
        let targets = vec![
            (
                "pulls",
                rest("/repos/acme/api/pulls?state=all", repo.pulls.len()),
            ),
            ("issues", rest("/repos/acme/api/issues?state=all", issues)),
            (
                "commits",
                rest("/repos/acme/api/commits?", repo.commits.len()),
            ),
            (
                "actions/runs",
                rest("/repos/acme/api/actions/runs?", repo.runs.len()),
            ),
            (
                "stargazers",
                rest("/repos/acme/api/stargazers?", repo.stars.len()),
            ),
            (
                "graphql PRs",
                Target::Graphql {
                    query: include_str!(
                        "../../../crates/engine/src/github/queries/pull_requests.graphql"
                    )
                    .to_string(),
                },
            ),
        ];
        (
            w.user_by_login("alice")
                .expect("alice exists")
                .token
                .clone(),
            targets,
        )
    });
    println!("acme/api at size small, 100 items a page, {RUN:?} per row");
    println!(
        "{:>14} {:>8} {:>10} {:>10} {:>10}",
        "request", "clients", "requests", "req/s", "MB/s"
    );
    for (name, target) in targets {
        for clients in [1usize, 4] {
            let started = Instant::now();
            let mut tasks = Vec::new();
            for c in 0..clients {
                let base = sim.base_url.clone();
                let token = token.clone();
                let target = target.clone();
                tasks.push(tokio::spawn(async move {
                    let http = reqwest::Client::new();
                    let (mut n, mut bytes) = (0usize, 0usize);
                    while started.elapsed() < RUN && n < MAX_REQUESTS_PER_CLIENT {
                        let req = match &target {
                            Target::Rest { path, pages } => {
                                let page = (c + n) % pages + 1;
                                http.get(format!("{base}{path}&per_page=100&page={page}"))
                            }
                            Target::Graphql { query } => http.post(format!("{base}/graphql")).json(
                                &serde_json::json!({
                                    "query": query,
                                    "variables": { "owner": "acme", "name": "api", "first": 100 },
                                }),
                            ),
                        };
                        let res = req.bearer_auth(&token).send().await?;
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
                "{name:>14} {clients:>8} {requests:>10} {:>10.0} {:>10.1}",
                requests as f64 / secs,
                bytes as f64 / secs / 1e6
            );
        }
    }
    sim.stop().await;
    Ok(())
}
