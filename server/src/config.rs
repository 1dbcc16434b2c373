//! Configuration from flags and environment variables. Every value is checked at start-up
//! and a bad one is an error that names its variable; secrets never reach logs or `Debug`.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use url::Url;

/// A configuration value that must never be printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// The simulator's generated OAuth secret, which is a secret all the same.
    pub fn from_demo(value: String) -> Self {
        Secret(value)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[derive(Debug, Parser)]
#[command(
    name = "pulseboard",
    version,
    about = "A self-hosted GitHub engineering dashboard"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the dashboard (a private PostgreSQL server is started when DATABASE_URL is unset).
    Serve(ServeArgs),
    /// Serve the dashboard against a built-in GitHub simulator: no GitHub account needed.
    Demo(DemoArgs),
    /// Run the GitHub simulator on its own.
    Sim(SimArgs),
    /// Sync repositories now: OWNER/REPO, org:NAME or user:NAME.
    Sync(SyncArgs),
    /// Print the metrics (METRICS.md) of a repository, an organisation, a team or what you
    /// follow, with their provenance, as stored by the last sync.
    Metrics(MetricsArgs),
    /// Show or change how a repository's metrics are decided (METRICS.md, "Settings"):
    /// its deployment source, production environments, incident labels and window, bots.
    Settings(SettingsArgs),
}

#[derive(Debug, Clone, Args)]
pub struct SettingsArgs {
    #[command(flatten)]
    pub serve: ServeArgs,
    /// OWNER/REPO.
    pub repository: String,
    /// Whose view: the login of a user who has signed in. Changing needs GitHub's admin or
    /// maintain role on the repository.
    #[arg(long = "as")]
    pub as_user: String,
    /// auto, deployments, workflow_runs, releases or merged_pull_requests.
    #[arg(long)]
    pub deployment_source: Option<String>,
    /// Production environments of the Deployments API (a regular expression).
    #[arg(long)]
    pub production_environments: Option<String>,
    /// Workflows that deploy, by name or path (a regular expression).
    #[arg(long)]
    pub deployment_workflows: Option<String>,
    /// Incident labels, comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub incident_labels: Option<Vec<String>>,
    /// Days after a deployment in which an incident is put on it (1-365).
    #[arg(long)]
    pub incident_window_days: Option<i32>,
    /// Whether merged reverts fail the deployment that shipped the change: true or false.
    #[arg(long)]
    pub revert_failures: Option<bool>,
    /// More bot logins, comma-separated (replaces the list; empty for none).
    #[arg(long, value_delimiter = ',')]
    pub bot_logins: Option<Vec<String>>,
    /// Bot pull request titles (a regular expression; empty for none).
    #[arg(long)]
    pub bot_title_pattern: Option<String>,
    /// The npm package the repository publishes (`name` or `@scope/name`; empty for none):
    /// the next sync reads its downloads.
    #[arg(long)]
    pub npm_package: Option<String>,
    /// Labels marking a critical issue, comma-separated (replaces the list).
    #[arg(long, value_delimiter = ',')]
    pub critical_labels: Option<Vec<String>>,
    /// Labels marking a high-severity issue, comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub high_labels: Option<Vec<String>>,
    /// Labels marking a medium-severity issue, comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub medium_labels: Option<Vec<String>>,
    /// Labels marking a low-severity issue, comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub low_labels: Option<Vec<String>>,
    /// The resolution SLAs of critical, high, medium and low issues in hours (four numbers,
    /// comma-separated; default 4,24,72,168).
    #[arg(long, value_delimiter = ',')]
    pub sla_hours: Option<Vec<i32>>,
}

#[derive(Debug, Clone, Args)]
pub struct MetricsArgs {
    #[command(flatten)]
    pub serve: ServeArgs,
    /// OWNER/REPO, org:NAME, user:NAME, team:ORG/SLUG or tracked.
    pub scope: String,
    /// Whose view: the login of a user who has signed in (or synced with their token).
    #[arg(long = "as")]
    pub as_user: String,
    /// The period's first day (YYYY-MM-DD, UTC); 30 days before --to by default.
    #[arg(long)]
    pub from: Option<String>,
    /// The day after the period (YYYY-MM-DD, UTC); tomorrow by default.
    #[arg(long)]
    pub to: Option<String>,
    /// JSON instead of a table (field names are METRICS.md's).
    #[arg(long)]
    pub json: bool,
    /// What lies behind DORA's four keys in the period instead of the figures: the
    /// deployments, changes and incidents, each with why (METRICS.md, "Attribution").
    #[arg(long, conflicts_with = "grain")]
    pub attribution: bool,
    /// The State of DevOps report whose performance levels grade the four keys: 2023 or
    /// 2024.
    #[arg(long, default_value = "2023", value_parser = ["2023", "2024"])]
    pub dora_report: String,
    /// A series instead of one report: every metric per day, week (from Monday) or month
    /// of the period.
    #[arg(long, value_parser = ["day", "week", "month"])]
    pub grain: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct SyncArgs {
    #[command(flatten)]
    pub serve: ServeArgs,
    /// What to sync: OWNER/REPO, org:NAME (every repository of an organisation) or
    /// user:NAME (the token's own repositories). Several may be given.
    #[arg(required = true)]
    pub targets: Vec<String>,
    /// Read everything, not only what changed since the last sync.
    #[arg(long)]
    pub full: bool,
    /// Only these resources, comma-separated (pull_requests, issues, commits,
    /// contributors, workflows, workflow_runs, deployments, releases, tags, stargazers,
    /// forks, repository).
    #[arg(long)]
    pub resources: Option<String>,
    /// Use the stored token of this signed-in user instead of GITHUB_TOKEN.
    #[arg(long = "as", conflicts_with = "installation")]
    pub as_user: Option<String>,
    /// Act as this installation of the GitHub App (GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY).
    #[arg(long)]
    pub installation: Option<u64>,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// PostgreSQL URL; when unset, a private server runs under the data directory.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// Address to listen on.
    #[arg(long, env = "PULSEBOARD_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: String,
    /// Where Pulseboard keeps its private database and generated secret key.
    #[arg(long, env = "PULSEBOARD_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,
    /// 32 bytes (64 hex digits or base64) protecting stored tokens; generated into the
    /// data directory when unset.
    #[arg(long, env = "PULSEBOARD_SECRET_KEY", hide_env_values = true)]
    pub secret_key: Option<String>,
    /// The URL people use to reach Pulseboard (for the OAuth callback); defaults to
    /// http://ADDR.
    #[arg(long, env = "PULSEBOARD_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// GitHub's REST API (GitHub Enterprise Server: https://HOST/api/v3).
    #[arg(long, env = "GITHUB_API_URL", default_value = "https://api.github.com")]
    pub github_api_url: String,
    /// GitHub's web address, for the OAuth sign-in pages.
    #[arg(long, env = "GITHUB_WEB_URL", default_value = "https://github.com")]
    pub github_web_url: String,
    /// npm's download counts API, for the downloads of packages repositories publish.
    #[arg(long, env = "PULSEBOARD_NPM_URL", default_value = engine::npm::DEFAULT_URL)]
    pub npm_url: String,
    /// The OAuth app's client id.
    #[arg(long, env = "GITHUB_CLIENT_ID")]
    pub github_client_id: Option<String>,
    /// The OAuth app's client secret.
    #[arg(long, env = "GITHUB_CLIENT_SECRET", hide_env_values = true)]
    pub github_client_secret: Option<String>,
    /// A token for background syncs and the CLI (a personal access token).
    #[arg(long, env = "GITHUB_TOKEN", hide_env_values = true)]
    pub github_token: Option<String>,
    /// The GitHub App's id, for syncing as an installation of the app.
    #[arg(long, env = "GITHUB_APP_ID")]
    pub github_app_id: Option<u64>,
    /// The GitHub App's private key: the PEM text, or the path of the .pem file.
    #[arg(long, env = "GITHUB_APP_PRIVATE_KEY", hide_env_values = true)]
    pub github_app_private_key: Option<String>,
    /// The secret GitHub signs webhook deliveries with.
    #[arg(long, env = "GITHUB_WEBHOOK_SECRET", hide_env_values = true)]
    pub github_webhook_secret: Option<String>,
    /// Where the compiled site (pkg/, vendor/) is; found next to the binary by default.
    #[arg(long, env = "LEPTOS_SITE_ROOT")]
    pub site_root: Option<PathBuf>,
    /// Where PostgreSQL's server binaries are (initdb, pg_ctl, postgres), for the private
    /// server; searched on PATH and in the usual places when unset.
    #[arg(long, env = "PULSEBOARD_PG_BIN")]
    pub pg_bin: Option<PathBuf>,
    /// How often tracked repositories are checked for changes (90s, 15m, 1h, 1d).
    #[arg(long, env = "PULSEBOARD_SYNC_EVERY", default_value = "1h")]
    pub sync_every: String,
    /// Intervals for single resources, e.g. `stargazers=6h,forks=1d` (stars default to
    /// every 3 hours).
    #[arg(long, env = "PULSEBOARD_SYNC_INTERVALS", default_value = "")]
    pub sync_intervals: String,
    /// How often the resources whose old items change without a signal GitHub shows
    /// (workflow re-runs, statuses of old deployments, edited releases, workflows) are read
    /// whatever the signals say.
    #[arg(long, env = "PULSEBOARD_SYNC_RECONCILE_EVERY", default_value = "1d")]
    pub sync_reconcile_every: String,
    /// How long an ordinary request may take before it is answered 408 (event streams
    /// are exempt).
    #[arg(long, env = "PULSEBOARD_REQUEST_TIMEOUT", default_value = "60s")]
    pub request_timeout: String,
    /// A client that has not sent a request's headers within this is disconnected.
    #[arg(long, env = "PULSEBOARD_HEADER_TIMEOUT", default_value = "10s")]
    pub header_timeout: String,
    /// Open connections at most (also kept under the process's open-file limit).
    #[arg(long, env = "PULSEBOARD_MAX_CONNECTIONS", default_value_t = 4096)]
    pub max_connections: usize,
    /// Open connections from one client address at most; not enforced with
    /// PULSEBOARD_BEHIND_PROXY, where every connection comes from the proxy.
    #[arg(
        long,
        env = "PULSEBOARD_MAX_CONNECTIONS_PER_CLIENT",
        default_value_t = 256
    )]
    pub max_connections_per_client: usize,
    /// After SIGTERM, how long requests in flight may take to finish.
    #[arg(long, env = "PULSEBOARD_SHUTDOWN_GRACE", default_value = "10s")]
    pub shutdown_grace: String,
    /// Requests in flight per GitHub token, across the process (GitHub recommends serial
    /// requests; a few in parallel are tolerated).
    #[arg(long, env = "PULSEBOARD_GITHUB_CONCURRENCY", default_value_t = 4)]
    pub github_concurrency: u32,
    /// Share (percent) of each rate-limit budget that background syncs leave for people
    /// using the dashboard.
    #[arg(long, env = "PULSEBOARD_GITHUB_RESERVE_PERCENT", default_value_t = 10)]
    pub github_reserve_percent: u32,
    /// Pacing of REST requests per token, in points a minute (GitHub's secondary limit is
    /// 900); 0 turns it off.
    #[arg(
        long,
        env = "PULSEBOARD_GITHUB_REST_POINTS_PER_MINUTE",
        default_value_t = 900
    )]
    pub github_rest_points_per_minute: u32,
    /// The same for GraphQL (GitHub's secondary limit is 2,000 points a minute).
    #[arg(
        long,
        env = "PULSEBOARD_GITHUB_GRAPHQL_POINTS_PER_MINUTE",
        default_value_t = 2000
    )]
    pub github_graphql_points_per_minute: u32,
    /// Pulseboard is reached through a reverse proxy that appends the client's address to
    /// X-Forwarded-For: rate limits use that address instead of the proxy's.
    #[arg(long, env = "PULSEBOARD_BEHIND_PROXY", default_value_t = false)]
    pub behind_proxy: bool,
}

#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    #[command(flatten)]
    pub serve: ServeArgs,
    /// Seed of the simulated GitHub's data.
    #[arg(long, env = "PULSEBOARD_DEMO_SEED", default_value_t = 42)]
    pub seed: u64,
    /// Fill descriptions, titles, labels and names with XSS payloads (for security tests).
    #[arg(long, hide = true)]
    pub hostile_text: bool,
}

#[derive(Debug, Clone, Args)]
pub struct SimArgs {
    #[arg(long, default_value_t = 9000)]
    pub port: u16,
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// small, medium or large.
    #[arg(long, default_value = "small")]
    pub size: String,
    /// Requests per hour per token.
    #[arg(long, default_value_t = 5000)]
    pub rate_limit: u32,
    /// Behave like a GitHub Enterprise Server with rate limiting switched off.
    #[arg(long, conflicts_with = "rate_limit")]
    pub no_rate_limit: bool,
    /// Added to every REST response (simulated network and server time).
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Seconds a primary rate-limit window lasts (GitHub: 3600).
    #[arg(long, default_value_t = 3600)]
    pub rate_limit_window: i64,
    /// A fault rule as the control API takes it, e.g.
    /// '{"route":"GET /repos/{owner}/{repo}/pulls","fault":{"kind":"status","status":502},"count":3}'.
    /// Repeatable.
    #[arg(long = "fault")]
    pub faults: Vec<String>,
    /// A world described by hand (JSON; the format is in the README) instead of the
    /// generated one: `--seed` and `--size` then do not apply.
    #[arg(long, conflicts_with_all = ["seed", "size"])]
    pub scenario: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
#[error("{variable}: {problem}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub problem: String,
}

fn bad(variable: &'static str, problem: impl Into<String>) -> ConfigError {
    ConfigError {
        variable,
        problem: problem.into(),
    }
}

/// The GitHub OAuth app people sign in through.
#[derive(Debug, Clone)]
pub struct OAuthApp {
    pub client_id: String,
    pub client_secret: Secret,
}

/// Checked configuration for `serve` and `demo`.
#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: Option<Secret>,
    pub addr: SocketAddr,
    pub data_dir: PathBuf,
    pub secret_key: Option<Secret>,
    pub public_url: Url,
    pub github_api_url: Url,
    pub github_web_url: Url,
    pub npm_url: Url,
    pub oauth: Option<OAuthApp>,
    pub github_token: Option<Secret>,
    pub github_webhook_secret: Option<Secret>,
    pub github_app: Option<engine::github::app::AppCredentials>,
    pub site_root: PathBuf,
    pub sync_intervals: engine::sync::scheduler::Intervals,
    pub request_timeout: std::time::Duration,
    pub connections: crate::http::ConnectionLimits,
    pub behind_proxy: bool,
    /// Where to look for PostgreSQL's server binaries for the private server.
    pub pg_binaries: engine::pg::BinarySearch,
    /// How every GitHub client of the process paces itself.
    pub governor: engine::github::governor::GovernorConfig,
}

/// A client that takes nothing of a response for this long is disconnected (an event
/// stream sends a keep-alive every 15 s, so a live one always moves).
pub const WRITE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

fn duration(variable: &'static str, value: &str) -> Result<std::time::Duration, ConfigError> {
    engine::sync::scheduler::parse_duration(value)
        .filter(|d| !d.is_zero())
        .ok_or_else(|| {
            bad(
                variable,
                format!("{value:?} is not a duration like 10s, 5m or 1h"),
            )
        })
}

fn http_url(variable: &'static str, value: &str) -> Result<Url, ConfigError> {
    let url =
        Url::parse(value).map_err(|e| bad(variable, format!("{value:?} is not a URL ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(bad(
            variable,
            format!("{value:?} must be an http:// or https:// URL"),
        ));
    }
    Ok(url)
}

fn non_empty(variable: &'static str, value: Option<String>) -> Result<Option<Secret>, ConfigError> {
    match value {
        Some(v) if v.trim().is_empty() => Err(bad(variable, "is set but empty")),
        Some(v) => Ok(Some(Secret(v))),
        None => Ok(None),
    }
}

impl ServeArgs {
    pub fn into_config(self) -> Result<Config, ConfigError> {
        let addr: SocketAddr = self.addr.parse().map_err(|_| {
            bad(
                "PULSEBOARD_ADDR",
                format!("{:?} is not an address like 127.0.0.1:3000", self.addr),
            )
        })?;
        let database_url = non_empty("DATABASE_URL", self.database_url)?;
        if let Some(url) = &database_url {
            let ok = url.expose().starts_with("postgres://")
                || url.expose().starts_with("postgresql://");
            if !ok {
                return Err(bad(
                    "DATABASE_URL",
                    "must start with postgres:// or postgresql://",
                ));
            }
        }
        let secret_key = non_empty("PULSEBOARD_SECRET_KEY", self.secret_key)?;
        if let Some(key) = &secret_key {
            engine::auth::SecretKey::parse(key.expose())
                .map_err(|e| bad("PULSEBOARD_SECRET_KEY", e.to_string()))?;
        }
        let public_url = match self.public_url {
            Some(u) => http_url("PULSEBOARD_PUBLIC_URL", &u)?,
            None => Url::parse(&format!("http://{addr}"))
                .map_err(|e| bad("PULSEBOARD_ADDR", e.to_string()))?,
        };
        let github_api_url = http_url("GITHUB_API_URL", &self.github_api_url)?;
        let github_web_url = http_url("GITHUB_WEB_URL", &self.github_web_url)?;
        let npm_url = http_url("PULSEBOARD_NPM_URL", &self.npm_url)?;
        let client_secret = non_empty("GITHUB_CLIENT_SECRET", self.github_client_secret)?;
        let oauth = match (self.github_client_id, client_secret) {
            (Some(id), Some(secret)) if !id.trim().is_empty() => Some(OAuthApp {
                client_id: id.trim().to_string(),
                client_secret: secret,
            }),
            (Some(_), None) => {
                return Err(bad(
                    "GITHUB_CLIENT_SECRET",
                    "GITHUB_CLIENT_ID is set, so its secret is needed too",
                ))
            }
            (None, Some(_)) => {
                return Err(bad(
                    "GITHUB_CLIENT_ID",
                    "GITHUB_CLIENT_SECRET is set, so the client id is needed too",
                ))
            }
            (Some(_), Some(_)) => return Err(bad("GITHUB_CLIENT_ID", "is set but empty")),
            (None, None) => None,
        };
        Ok(Config {
            database_url,
            addr,
            data_dir: self.data_dir,
            secret_key,
            public_url,
            github_api_url,
            github_web_url,
            npm_url,
            oauth,
            github_token: non_empty("GITHUB_TOKEN", self.github_token)?,
            github_webhook_secret: non_empty("GITHUB_WEBHOOK_SECRET", self.github_webhook_secret)?,
            github_app: github_app(self.github_app_id, self.github_app_private_key)?,
            site_root: self.site_root.unwrap_or_else(default_site_root),
            sync_intervals: engine::sync::scheduler::Intervals::every(&self.sync_every)
                .map_err(|e| bad("PULSEBOARD_SYNC_EVERY", e))?
                .with_overrides(&self.sync_intervals)
                .map_err(|e| bad("PULSEBOARD_SYNC_INTERVALS", e))?
                .reconciling_every(&self.sync_reconcile_every)
                .map_err(|e| bad("PULSEBOARD_SYNC_RECONCILE_EVERY", e))?,
            request_timeout: duration("PULSEBOARD_REQUEST_TIMEOUT", &self.request_timeout)?,
            connections: crate::http::ConnectionLimits {
                header_read_timeout: duration("PULSEBOARD_HEADER_TIMEOUT", &self.header_timeout)?,
                write_timeout: WRITE_TIMEOUT,
                max_connections: match self.max_connections {
                    0 => return Err(bad("PULSEBOARD_MAX_CONNECTIONS", "must be at least 1")),
                    n => n,
                },
                max_connections_per_client: match (
                    self.behind_proxy,
                    self.max_connections_per_client,
                ) {
                    (true, _) => None,
                    (false, 0) => {
                        return Err(bad(
                            "PULSEBOARD_MAX_CONNECTIONS_PER_CLIENT",
                            "must be at least 1",
                        ))
                    }
                    (false, n) => Some(n),
                },
                shutdown_grace: duration("PULSEBOARD_SHUTDOWN_GRACE", &self.shutdown_grace)?,
            },
            behind_proxy: self.behind_proxy,
            pg_binaries: engine::pg::BinarySearch {
                explicit: self.pg_bin,
                path: std::env::var_os("PATH"),
            },
            governor: engine::github::governor::GovernorConfig {
                concurrency: match self.github_concurrency {
                    0 => return Err(bad("PULSEBOARD_GITHUB_CONCURRENCY", "must be at least 1")),
                    n => n as usize,
                },
                reserve_percent: match self.github_reserve_percent {
                    n @ 0..=99 => n,
                    _ => {
                        return Err(bad(
                            "PULSEBOARD_GITHUB_RESERVE_PERCENT",
                            "must be a percentage below 100",
                        ))
                    }
                },
                rest_per_minute: self.github_rest_points_per_minute,
                graphql_per_minute: self.github_graphql_points_per_minute,
            },
        })
    }
}

/// The app's credentials when both halves are given; the key is PEM text or a file.
fn github_app(
    id: Option<u64>,
    key: Option<String>,
) -> Result<Option<engine::github::app::AppCredentials>, ConfigError> {
    let (id, key) = match (id, key) {
        (None, None) => return Ok(None),
        (Some(_), None) => {
            return Err(bad(
                "GITHUB_APP_PRIVATE_KEY",
                "GITHUB_APP_ID is set, so the app's private key is needed too",
            ))
        }
        (None, Some(_)) => {
            return Err(bad(
                "GITHUB_APP_ID",
                "GITHUB_APP_PRIVATE_KEY is set, so the app's id is needed too",
            ))
        }
        (Some(id), Some(key)) => (id, key),
    };
    let pem = if key.contains("-----BEGIN") {
        key
    } else {
        std::fs::read_to_string(key.trim()).map_err(|e| {
            bad(
                "GITHUB_APP_PRIVATE_KEY",
                format!("is neither PEM text nor a readable file ({e})"),
            )
        })?
    };
    engine::github::app::AppCredentials::from_pem(id, &pem)
        .map(Some)
        .map_err(|e| bad("GITHUB_APP_PRIVATE_KEY", e))
}

/// cargo-leptos puts the site in `target/site` and the binary in `target/<profile>/`.
fn default_site_root() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent()?.parent().map(|p| p.join("site")))
        .filter(|p| p.join("pkg").is_dir())
        .unwrap_or_else(|| PathBuf::from("target/site"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(extra: &[&str]) -> Result<Config, ConfigError> {
        let mut argv = vec!["pulseboard", "serve"];
        argv.extend_from_slice(extra);
        match Cli::try_parse_from(argv).expect("flags parse").command {
            Command::Serve(a) => a.into_config(),
            _ => unreachable!(),
        }
    }

    #[test]
    fn bad_values_name_their_variable() {
        assert_eq!(
            args(&["--addr", "nonsense"]).unwrap_err().variable,
            "PULSEBOARD_ADDR"
        );
        assert_eq!(
            args(&["--github-api-url", "ftp://x"]).unwrap_err().variable,
            "GITHUB_API_URL"
        );
        assert_eq!(
            args(&["--npm-url", "downloads"]).unwrap_err().variable,
            "PULSEBOARD_NPM_URL"
        );
        assert_eq!(
            args(&["--database-url", "mysql://x"]).unwrap_err().variable,
            "DATABASE_URL"
        );
        assert_eq!(
            args(&["--secret-key", "short"]).unwrap_err().variable,
            "PULSEBOARD_SECRET_KEY"
        );
        assert_eq!(
            args(&["--github-client-id", "abc"]).unwrap_err().variable,
            "GITHUB_CLIENT_SECRET"
        );
        assert_eq!(
            args(&["--github-app-id", "12"]).unwrap_err().variable,
            "GITHUB_APP_PRIVATE_KEY"
        );
        assert_eq!(
            args(&[
                "--github-app-id",
                "12",
                "--github-app-private-key",
                "/nonexistent.pem"
            ])
            .unwrap_err()
            .variable,
            "GITHUB_APP_PRIVATE_KEY"
        );
        assert_eq!(
            args(&["--sync-every", "hourly"]).unwrap_err().variable,
            "PULSEBOARD_SYNC_EVERY"
        );
        assert_eq!(
            args(&["--sync-intervals", "stars=3h"])
                .unwrap_err()
                .variable,
            "PULSEBOARD_SYNC_INTERVALS"
        );
        assert_eq!(
            args(&["--sync-reconcile-every", "daily"])
                .unwrap_err()
                .variable,
            "PULSEBOARD_SYNC_RECONCILE_EVERY"
        );
        assert_eq!(
            args(&["--request-timeout", "soon"]).unwrap_err().variable,
            "PULSEBOARD_REQUEST_TIMEOUT"
        );
        assert_eq!(
            args(&["--shutdown-grace", "0s"]).unwrap_err().variable,
            "PULSEBOARD_SHUTDOWN_GRACE"
        );
        assert_eq!(
            args(&["--max-connections", "0"]).unwrap_err().variable,
            "PULSEBOARD_MAX_CONNECTIONS"
        );
        assert_eq!(
            args(&["--github-concurrency", "0"]).unwrap_err().variable,
            "PULSEBOARD_GITHUB_CONCURRENCY"
        );
        assert_eq!(
            args(&["--github-reserve-percent", "100"])
                .unwrap_err()
                .variable,
            "PULSEBOARD_GITHUB_RESERVE_PERCENT"
        );
        // Not a number at all: clap refuses it, naming the flag.
        assert!(Cli::try_parse_from([
            "pulseboard",
            "serve",
            "--github-rest-points-per-minute",
            "lots"
        ])
        .is_err());
        assert_eq!(
            args(&["--sync-intervals", "stargazers=often"])
                .unwrap_err()
                .variable,
            "PULSEBOARD_SYNC_INTERVALS"
        );
    }

    #[test]
    fn secrets_are_redacted_in_debug() {
        let c = args(&[
            "--github-client-id",
            "Iv1.abc",
            "--github-client-secret",
            "s3cr3t-value",
            "--database-url",
            "postgres://u:pa55word@h/db",
            "--github-token",
            "ghp_tokenvalue",
        ])
        .unwrap();
        let debug = format!("{c:?}");
        for secret in ["s3cr3t-value", "pa55word", "ghp_tokenvalue"] {
            assert!(!debug.contains(secret), "{secret} leaked: {debug}");
        }
        assert!(debug.contains("Iv1.abc"));
        assert_eq!(c.public_url.as_str(), "http://127.0.0.1:3000/");
    }
}
