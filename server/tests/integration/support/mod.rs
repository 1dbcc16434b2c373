//! Boots the whole server router against a fresh database and an in-process simulator,
//! and drives the sign-in flow over real HTTP like a browser would.

#![allow(dead_code)]

use std::collections::HashMap;
use std::net::SocketAddr;

use chrono::TimeZone;
use clap::Parser;
use ghsim::{RunningSimulator, SimConfig, Size};
use reqwest::redirect::Policy;
use server::config::{Cli, Command, Config, OAuthApp, Secret};
use sqlx::PgPool;

pub struct TestApp {
    pub base: String,
    /// What the server's router was built from.
    pub state: server::state::AppState,
    pub addr: SocketAddr,
    pub sim: RunningSimulator,
    pub pool: PgPool,
    pub config: Config,
    /// Stops the server as SIGTERM would.
    pub shutdown: server::state::Shutdown,
    pub task: tokio::task::JoinHandle<()>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The simulator's history ends here in every test, so its numbers are fixed.
pub fn anchor() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc.with_ymd_and_hms(2026, 11, 2, 0, 0, 0).unwrap()
}

pub async fn start() -> TestApp {
    start_with(&[]).await
}

/// The server with extra `pulseboard serve` flags.
pub async fn start_with(extra: &[&str]) -> TestApp {
    start_custom(SimConfig::new(7, Size::Small, anchor()), extra).await
}

/// The server against a simulator made with `sim_config`, with extra flags.
pub async fn start_custom(sim_config: SimConfig, extra: &[&str]) -> TestApp {
    let sim = RunningSimulator::start(sim_config, SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .expect("simulator starts");
    let pool = engine::testing::fresh_database().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let data_dir = tempfile::tempdir().unwrap().keep();
    let addr_text = addr.to_string();
    let mut argv = vec![
        "pulseboard",
        "serve",
        "--addr",
        &addr_text,
        "--data-dir",
        data_dir.to_str().unwrap(),
        "--github-api-url",
        &sim.base_url,
        "--github-web-url",
        &sim.base_url,
    ];
    argv.extend_from_slice(extra);
    let Command::Serve(args) = Cli::try_parse_from(argv).unwrap().command else {
        unreachable!()
    };
    let mut config = args.into_config().unwrap();
    let app = sim.sim.oauth_app().clone();
    config.oauth = Some(OAuthApp {
        client_id: app.client_id,
        client_secret: Secret::from_demo(app.client_secret),
    });
    let key = server::secret_key(&config).unwrap();
    let state = server::app_state(&config, pool.clone(), &key);
    let shutdown = state.shutdown.clone();
    let router = server::routes::router(state.clone());
    let limits = server::connection_limits(&config);
    let task = tokio::spawn(server::http::serve(
        listener,
        router,
        limits,
        shutdown.wait(),
    ));
    TestApp {
        base: format!("http://{addr}"),
        state,
        addr,
        sim,
        pool,
        config,
        shutdown,
        task,
    }
}

pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .build()
        .unwrap()
}

pub fn location(res: &reqwest::Response) -> String {
    res.headers()
        .get(reqwest::header::LOCATION)
        .unwrap_or_else(|| panic!("no Location in {res:?}"))
        .to_str()
        .unwrap()
        .to_string()
}

pub fn query_of(url: &str) -> HashMap<String, String> {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// Starts sign-in at Pulseboard and returns the simulator's authorize URL's parameters.
pub async fn begin_sign_in(app: &TestApp, client: &reqwest::Client) -> HashMap<String, String> {
    let res = client
        .get(format!("{}/auth/github/login", app.base))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_redirection(), "{res:?}");
    let to = location(&res);
    assert!(
        to.starts_with(&format!("{}/login/oauth/authorize?", app.sim.base_url)),
        "{to}"
    );
    query_of(&to)
}

/// Clicks "Authorize" on the simulator's consent page as `login`; returns the callback URL.
pub async fn consent(
    app: &TestApp,
    client: &reqwest::Client,
    params: &HashMap<String, String>,
    login: &str,
) -> String {
    let mut form: Vec<(&str, &str)> = vec![("login", login), ("decision", "allow")];
    for key in [
        "client_id",
        "redirect_uri",
        "scope",
        "state",
        "code_challenge",
        "code_challenge_method",
    ] {
        if let Some(v) = params.get(key) {
            form.push((key, v));
        }
    }
    let res = client
        .post(format!("{}/login/oauth/authorize", app.sim.base_url))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_redirection(), "{res:?}");
    location(&res)
}

/// The whole sign-in; returns the client holding the session cookie.
pub async fn sign_in(app: &TestApp, login: &str) -> reqwest::Client {
    let client = browser();
    let params = begin_sign_in(app, &client).await;
    let callback = consent(app, &client, &params, login).await;
    let res = client.get(&callback).send().await.unwrap();
    assert_eq!(location(&res), "/", "sign-in as {login} failed");
    client
}

/// Signs out as the page's "Sign out" button does (a POST from the app's own origin).
pub async fn sign_out(app: &TestApp, client: &reqwest::Client) -> reqwest::Response {
    client
        .post(format!("{}/auth/logout", app.base))
        .header("origin", &app.base)
        .send()
        .await
        .unwrap()
}

pub async fn session_count(pool: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM tower_sessions.session")
        .fetch_one(pool)
        .await
        .unwrap()
}

/// Calls a server function the way the hydrated app does (form-encoded POST from the
/// app's own origin).
pub async fn server_fn(
    app: &TestApp,
    client: &reqwest::Client,
    endpoint: &str,
    form: &[(&str, &str)],
) -> (reqwest::StatusCode, String) {
    let res = client
        .post(format!("{}/api/{endpoint}", app.base))
        .header("origin", &app.base)
        .form(form)
        .send()
        .await
        .unwrap();
    (res.status(), res.text().await.unwrap())
}
