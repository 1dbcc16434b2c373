//! `pulseboard`: serve the dashboard, run the demo, sync from the command line, or run the
//! GitHub simulator.

use std::net::SocketAddr;

use clap::Parser;
use server::config::{Cli, Command, OAuthApp};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,tower_sessions=warn".into()),
        )
        .init();
    match run(Cli::parse()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("pulseboard: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => {
            let config = args.into_config()?;
            if config.oauth.is_none() {
                eprintln!(
                    "Sign-in with GitHub is not configured, so nobody can sign in yet.\n\
                     To use your GitHub: create an OAuth app at {}/settings/developers with the callback URL\n\
                     {}auth/github/callback, then set GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET.\n\
                     To try Pulseboard without GitHub: `pulseboard demo` (or `make run`).",
                    config.github_web_url.as_str().trim_end_matches('/'),
                    config.public_url
                );
            }
            server::serve(config, server::shutdown_signal()).await
        }
        Command::Demo(args) => {
            let seed = args.seed;
            let hostile_text = args.hostile_text;
            let mut config = args.serve.into_config()?;
            // The demo's simulated users and repositories never mix with real ones.
            if config.database_url.take().is_some() {
                eprintln!(
                    "Demo mode ignores DATABASE_URL and keeps its data in a private database."
                );
            }
            config.data_dir = config.data_dir.join("demo");
            let mut sim_config = ghsim::SimConfig::new(seed, ghsim::Size::Small, demo_now());
            if hostile_text {
                sim_config = sim_config.with_hostile_text();
            }
            let sim =
                ghsim::RunningSimulator::start(sim_config, SocketAddr::from(([127, 0, 0, 1], 0)))
                    .await?;
            let app = sim.sim.oauth_app().clone();
            let base: url::Url = sim.base_url.parse()?;
            config.github_api_url = base.clone();
            config.npm_url = base.clone();
            config.github_web_url = base;
            config.oauth = Some(OAuthApp {
                client_id: app.client_id,
                client_secret: server::config::Secret::from_demo(app.client_secret),
            });
            println!(
                "Demo mode: a simulated GitHub runs at {} (seed {seed}); sign in as any of its users.",
                sim.base_url
            );
            let result = server::serve(config, server::shutdown_signal()).await;
            sim.stop().await;
            result
        }
        Command::Sync(args) => server::sync_cli::run(args).await,
        Command::Metrics(args) => server::metrics_cli::run(args).await,
        Command::Settings(args) => server::metrics_cli::settings(args).await,
        Command::Sim(args) => {
            let size: ghsim::Size = args
                .size
                .parse()
                .map_err(|e: String| anyhow::anyhow!("--size: {e}"))?;
            let rate_limit = if args.no_rate_limit {
                ghsim::RateLimit::Disabled
            } else {
                ghsim::RateLimit::PerHour(args.rate_limit)
            };
            let faults: Vec<ghsim::FaultRule> = args
                .faults
                .iter()
                .map(|text| {
                    serde_json::from_str(text).map_err(|e| anyhow::anyhow!("--fault {text}: {e}"))
                })
                .collect::<anyhow::Result<_>>()?;
            let mut config = ghsim::SimConfig::new(args.seed, size, demo_now());
            if let Some(path) = &args.scenario {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| anyhow::anyhow!("--scenario {}: {e}", path.display()))?;
                let world = ghsim::scenario::Scenario::parse(&text)
                    .and_then(ghsim::scenario::Scenario::into_world)
                    .map_err(|e| anyhow::anyhow!("--scenario {}: {e}", path.display()))?;
                config = config.with_world(world);
            }
            let sim = ghsim::RunningSimulator::start(
                config
                    .with_rate_limit(rate_limit)
                    .with_window(args.rate_limit_window),
                SocketAddr::from(([127, 0, 0, 1], args.port)),
            )
            .await?;
            for rule in faults {
                sim.sim.faults().add(rule);
            }
            if args.latency_ms > 0 {
                sim.sim.faults().add(ghsim::FaultRule {
                    route: "*".into(),
                    fault: ghsim::Fault::Latency {
                        ms: args.latency_ms,
                        jitter_ms: 0,
                    },
                    count: None,
                    after: 0,
                });
            }
            let app = sim.sim.oauth_app().clone();
            println!("GitHub simulator at {}", sim.base_url);
            println!("OAuth client id: {}", app.client_id);
            println!("OAuth client secret: {}", app.client_secret);
            let gh_app = sim.sim.github_app();
            // Removed again when the simulator stops.
            let (_key_dir, key_file) = server::private_key_file(&gh_app.private_key_pem())?;
            println!(
                "GitHub App id: {} (installation {} on acme), private key: {}",
                gh_app.id,
                gh_app.installation_id,
                key_file.display()
            );
            println!("GraphQL: POST {}/graphql", sim.base_url);
            println!("Control API: {}/_sim/stats, /_sim/faults, /_sim/time/advance, /_sim/repos/OWNER/REPO/activity", sim.base_url);
            sim.sim.with_world(|w| {
                for u in &w.users {
                    println!("token for {}: {}", u.login, u.token);
                }
            });
            server::shutdown_signal().await;
            sim.stop().await;
            Ok(())
        }
    }
}

/// The demo's history ends at today's midnight (UTC), so it looks current but is the
/// same all day.
fn demo_now() -> chrono::DateTime<chrono::Utc> {
    let today = chrono::Utc::now().date_naive();
    today
        .and_hms_opt(0, 0, 0)
        .expect("midnight exists")
        .and_utc()
}
