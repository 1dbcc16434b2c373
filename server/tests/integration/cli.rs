//! `pulseboard sync` as a process: it syncs a repository into PostgreSQL, survives
//! `kill -9` mid-run (the next run resumes, no gaps, no duplicates), reports what it cost,
//! and explains bad input.

use std::net::SocketAddr;
use std::process::{Command, Stdio};

use chrono::TimeZone;
use ghsim::{RunningSimulator, SimConfig, Size};

fn anchor() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc.with_ymd_and_hms(2026, 11, 2, 0, 0, 0).unwrap()
}

fn pulseboard(sim: &RunningSimulator, db_url: &str, token: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pulseboard"));
    cmd.arg("sync")
        .args(args)
        .env("DATABASE_URL", db_url)
        .env("GITHUB_TOKEN", token)
        .env("GITHUB_API_URL", &sim.base_url)
        .env(
            "PULSEBOARD_DATA_DIR",
            std::env::temp_dir().join("pulseboard-cli-test"),
        )
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// A small simulated GitHub, and a fresh database with the URL a process can use.
async fn simulator_and_database() -> (RunningSimulator, sqlx::PgPool, String) {
    let sim = RunningSimulator::start(
        SimConfig::new(7, Size::Small, anchor()),
        SocketAddr::from(([127, 0, 0, 1], 0)),
    )
    .await
    .unwrap();
    let (pool, url) = engine::testing::fresh_database_with_url().await;
    (sim, pool, url)
}

/// alice's token in the simulated world.
fn alice_token(sim: &RunningSimulator) -> String {
    sim.sim
        .with_world(|w| w.user_by_login("alice").unwrap().token.clone())
}

async fn count(pool: &sqlx::PgPool, table: &str) -> usize {
    let n: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
        .fetch_one(pool)
        .await
        .unwrap();
    n as usize
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_survives_kill_9_and_resumes_without_gaps_or_duplicates() {
    let (sim, pool, url) = simulator_and_database().await;
    let token = alice_token(&sim);

    // A slow GitHub, so that the process is mid-way when it is killed.
    sim.sim.faults().add(ghsim::FaultRule {
        route: "*".into(),
        fault: ghsim::Fault::Latency {
            ms: 40,
            jitter_ms: 0,
        },
        count: None,
        after: 0,
    });
    let mut child = pulseboard(&sim, &url, &token, &["acme/api", "--full"])
        .spawn()
        .unwrap();
    // Wait until some pages are stored, then SIGKILL.
    let mut waited = 0;
    while count(&pool, "sync_checkpoints").await < 2 && waited < 300 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        waited += 1;
    }
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(
        !status.success(),
        "the sync finished before it could be killed"
    );
    let partial = count(&pool, "pull_requests").await + count(&pool, "issues").await;
    assert!(partial > 0);

    sim.sim.faults().clear();
    let out = pulseboard(&sim, &url, &token, &["acme/api", "--full"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("rate-limit points"), "{stdout}");
    let truth = sim.sim.with_world(|w| {
        let r = w.repo("acme", "api").unwrap();
        (
            r.pulls.len(),
            r.issues.len(),
            r.commits.len(),
            r.runs.len(),
            r.stars.len(),
        )
    });
    let stored = (
        count(&pool, "pull_requests").await,
        count(&pool, "issues").await,
        count(&pool, "commits").await,
        count(&pool, "workflow_runs").await,
        count(&pool, "stargazers").await,
    );
    assert_eq!(stored, truth);

    // Nothing changed: the next incremental run reads nothing but the change signals.
    let before = sim.sim.stats();
    let out = pulseboard(&sim, &url, &token, &["acme/api"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("unchanged"), "{stdout}");
    let after = sim.sim.stats();
    // GET /user and GET /repos/acme/api are free 304s; one change-detection query.
    assert_eq!(after.rate_limit_points - before.rate_limit_points, 1);
}

// The simulator runs in this process: the runtime needs a thread free while the test
// waits for the child.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_explained() {
    let (sim, _pool, url) = simulator_and_database().await;
    let token = alice_token(&sim);
    for (args, expected) in [
        (vec!["acme"], "is not OWNER/REPO"),
        (
            vec!["acme/api", "--resources", "everything"],
            "unknown resource",
        ),
        (vec!["acme/nope"], "acme/nope"),
    ] {
        let out = pulseboard(&sim, &url, &token, &args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success());
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
    let out = pulseboard(&sim, &url, "", &["acme/api"])
        .env_remove("GITHUB_TOKEN")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("GITHUB_TOKEN"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn syncs_as_a_github_app_installation() {
    let (sim, pool, url) = simulator_and_database().await;
    let app = sim.sim.github_app();
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("app.pem");
    std::fs::write(&key, app.private_key_pem()).unwrap();
    let as_app = |args: &[&str]| {
        let mut cmd = pulseboard(&sim, &url, "", args);
        cmd.env_remove("GITHUB_TOKEN")
            .env("GITHUB_APP_ID", app.id.to_string())
            .env("GITHUB_APP_PRIVATE_KEY", &key);
        cmd
    };
    let installation = app.installation_id.to_string();
    // A private repository no person's token was given for.
    let out = as_app(&["acme/infra", "--installation", &installation])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (pulls, stars) = sim.sim.with_world(|w| {
        let r = w.repo("acme", "infra").unwrap();
        (r.pulls.len(), r.stars.len())
    });
    assert_eq!(count(&pool, "pull_requests").await, pulls);
    assert_eq!(count(&pool, "stargazers").await, stars);
    assert_eq!(app.tokens_minted(), 1);

    // Without the app's credentials, or as nobody's user, it says what is missing.
    let out = pulseboard(
        &sim,
        &url,
        "",
        &["acme/infra", "--installation", &installation],
    )
    .env_remove("GITHUB_TOKEN")
    .output()
    .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("GITHUB_APP_ID"));
    let out = as_app(&["user:alice", "--installation", &installation])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("nobody's user"));
    let out = as_app(&["acme/infra", "--installation", "1"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no installation 1"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_target_github_refuses_does_not_stop_the_others() {
    let (sim, pool, url) = simulator_and_database().await;
    let token = alice_token(&sim);
    // The second target's organisation enforces SAML: GitHub refuses it with 403.
    sim.sim.faults().add(ghsim::FaultRule {
        route: "GET /orgs/{org}/repos".into(),
        fault: ghsim::Fault::Refused {
            status: 403,
            message: "Resource protected by organization SAML enforcement. You must grant your Personal Access token access to this organization.".into(),
        },
        count: None,
        after: 0,
    });
    let out = pulseboard(
        &sim,
        &url,
        &token,
        &["acme/docs", "org:sso-corp", "--resources", "issues"],
    )
    .output()
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "some target failed: the exit status says so"
    );
    assert!(
        stderr.contains("org:sso-corp: not synced"),
        "{stdout}\n{stderr}"
    );
    assert!(stderr.contains("SAML"), "{stderr}");
    assert!(
        stdout.contains("acme/docs"),
        "the summary lists what was synced: {stdout}"
    );
    let issues = sim
        .sim
        .with_world(|w| w.repo("acme", "docs").unwrap().issues.len());
    assert_eq!(
        count(&pool, "issues").await,
        issues,
        "acme/docs was synced all the same"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_lines_go_to_stderr_and_never_into_the_summary() {
    let (sim, _pool, url) = simulator_and_database().await;
    let token = alice_token(&sim);
    // One 502 that the sync retries: the libraries and the engine log it.
    sim.sim.faults().add(ghsim::FaultRule {
        route: "GET /repos/{owner}/{repo}/issues".into(),
        fault: ghsim::Fault::Status {
            status: 502,
            retry_after: None,
        },
        count: Some(1),
        after: 0,
    });
    let out = pulseboard(&sim, &url, &token, &["acme/docs", "--resources", "issues"])
        .env("RUST_LOG", "debug")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("acme/docs"), "{stdout}");
    for level in [" TRACE ", " DEBUG ", " INFO ", " WARN ", " ERROR "] {
        assert!(
            !stdout.contains(level),
            "a log line reached the summary: {stdout}"
        );
    }
    assert!(
        stderr.contains(" DEBUG "),
        "the logs are on stderr: {stderr}"
    );
    assert!(
        stderr.contains("502"),
        "the retried 502 is logged: {stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_are_printed_with_their_provenance() {
    // The example scenario: its cycle time is worked out by hand in
    // engine's sync/tests/scenario.rs (median 35.5 h over #1 and #2; dependabot's #3 left
    // out).
    let world = ghsim::scenario::Scenario::parse(include_str!(
        "../../../crates/ghsim/scenarios/example.json"
    ))
    .unwrap()
    .into_world()
    .unwrap();
    let sim = RunningSimulator::start(
        SimConfig::new(0, Size::Small, world.now).with_world(world),
        SocketAddr::from(([127, 0, 0, 1], 0)),
    )
    .await
    .unwrap();
    let (pool, url) = engine::testing::fresh_database_with_url().await;
    let token = alice_token(&sim);
    // alice signs in (what the OAuth callback stores), then the CLI syncs.
    let client = engine::github::GitHubClient::new(&sim.base_url, &token).unwrap();
    let me = client.current_user().await.unwrap();
    let cipher = engine::auth::TokenCipher::new(&engine::auth::SecretKey::generate());
    let user = engine::db::users::upsert_signed_in(&pool, &cipher, &me, &token, "")
        .await
        .unwrap();
    engine::sync::refresh_access(&pool, &client, user.id)
        .await
        .unwrap();
    // As at sign-in: the organisations and teams (the team scope needs them).
    engine::sync::sync_organizations(&pool, &client, user.id)
        .await
        .unwrap();
    let out = pulseboard(&sim, &url, &token, &["acme/api", "--full"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let metrics = |extra: &[&str]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_pulseboard"));
        cmd.args(["metrics", "acme/api", "--as", "alice"])
            .args(extra)
            .env("DATABASE_URL", &url)
            .env("RUST_LOG", "warn")
            .output()
            .unwrap()
    };
    let out = metrics(&["--from", "2026-02-01", "--to", "2026-03-01", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let median = report["figures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["metric"] == "pull_request_cycle_time" && f["statistic"] == "median")
        .unwrap();
    assert_eq!(median["value"], 35.5);
    assert_eq!(median["sample"], 2);
    assert_eq!(median["basis"], "measured");
    let table = metrics(&["--from", "2026-01-01", "--to", "2026-02-01"]);
    let table = String::from_utf8_lossy(&table.stdout);
    assert!(
        table.contains("unavailable: no pull request by a person was merged"),
        "{table}"
    );
    // The organisation and the team (whose only repository is api) give the same
    // numbers; graded by the 2024 report, 28 h to recover is below its "less than one
    // day" and above nothing it describes until a week: low (2023: medium).
    let json = |scope: &str, extra: &[&str]| -> serde_json::Value {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_pulseboard"));
        let out = cmd
            .args(["metrics", scope, "--as", "alice", "--json"])
            .args(["--from", "2026-02-01", "--to", "2026-03-01"])
            .args(extra)
            .env("DATABASE_URL", &url)
            .env("RUST_LOG", "warn")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    // Trends: each figure carries the previous 28 days' value (January: no deployment,
    // a measured 0; no merge, so no cycle time and no "previous" at all).
    let find = |r: &serde_json::Value, metric: &str, statistic: &str| {
        r["figures"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["metric"] == metric && f["statistic"] == statistic)
            .unwrap()
            .clone()
    };
    assert_eq!(find(&report, "deployments", "count")["previous"], 0.0);
    assert!(find(&report, "pull_request_cycle_time", "median")
        .get("previous")
        .is_none());
    // A weekly series: 02-01 (a Sunday) alone, then four weeks from Monday 02-02; both
    // deployments (02-03 and 02-05) fall in the second.
    let weekly = json("acme/api", &["--grain", "week"]);
    let parts = weekly["parts"].as_array().unwrap();
    let deployed: Vec<f64> = parts
        .iter()
        .map(|p| find(p, "deployments", "count")["value"].as_f64().unwrap())
        .collect();
    assert_eq!(deployed, [0.0, 2.0, 0.0, 0.0, 0.0]);
    let org = json("org:acme", &["--dora-report", "2024"]);
    let team = json("team:acme/platform", &[]);
    assert_eq!(org["repositories"], serde_json::json!(["acme/api"]));
    // The same figures, but the performance score, which follows the report's grades.
    let graded_apart = |r: &serde_json::Value| -> Vec<serde_json::Value> {
        r["figures"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["metric"] != "performance_score")
            .cloned()
            .collect()
    };
    assert_eq!(graded_apart(&org), graded_apart(&report));
    assert_eq!(team["figures"], report["figures"]);
    let level = |r: &serde_json::Value, metric: &str| {
        r["grades"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["metric"] == metric)
            .map(|g| g["level"].clone())
    };
    assert_eq!(
        level(&report, "failed_deployment_recovery_time"),
        Some("medium".into())
    );
    assert_eq!(
        level(&org, "failed_deployment_recovery_time"),
        Some("low".into())
    );
    let nobody = metrics(&["--from", "2026-02-01"]);
    assert!(nobody.status.success());
    let wrong = Command::new(env!("CARGO_BIN_EXE_pulseboard"))
        .args(["metrics", "team:acme", "--as", "alice"])
        .env("DATABASE_URL", &url)
        .output()
        .unwrap();
    assert!(!wrong.status.success());
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("team:ORG/SLUG"));
    // Merged pull requests as the deployment source (a proxy): February's three merges
    // (dependabot's #3 too: deployments are counted whoever made them) are 0.75 a week;
    // a change's lead time is its first commit to its own merge: #1 29 h, #2 42 h,
    // median 35.5 h.
    let settings = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_pulseboard"))
            .args(["settings", "acme/api", "--as", "alice"])
            .args(extra)
            .env("DATABASE_URL", &url)
            .env("RUST_LOG", "warn")
            .output()
            .unwrap()
    };
    let out = settings(&["--deployment-source", "merged_pull_requests"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let shown: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(shown["deployment_source"], "merged_pull_requests");
    let proxied = json("acme/api", &[]);
    let figure = |metric: &str, statistic: &str| {
        proxied["figures"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["metric"] == metric && f["statistic"] == statistic)
            .unwrap()
            .clone()
    };
    assert_eq!(figure("deployment_frequency", "rate")["value"], 0.75);
    assert_eq!(figure("deployment_frequency", "rate")["basis"], "proxy");
    assert_eq!(figure("lead_time_for_changes", "median")["value"], 35.5);
    assert_eq!(figure("lead_time_for_changes", "median")["basis"], "proxy");
    // Behind it: #1's deployment is its own merge (29 h from its first commit), a proxy.
    let out = metrics(&[
        "--from",
        "2026-02-01",
        "--to",
        "2026-03-01",
        "--attribution",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    let one = text
        .lines()
        .find(|l| l.starts_with("change acme/api#1 "))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(one.contains("deployed, lead time 29.0 h"), "{one}");
    assert!(one.contains("a proxy"), "{one}");
    let refused = settings(&["--incident-window-days", "0"]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("incident_window_days"));
    assert!(settings(&["--deployment-source", "auto"]).status.success());
    // `bug` made high (24 h): #4 (bug, incident), opened 02-04 08:00, deadline 02-05
    // 08:00, closed 12:00: one high breach in February.
    let out = settings(&["--high-labels", "bug", "--sla-hours", "4,24,72,168"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let shown: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(shown["severity_labels"][1], serde_json::json!(["bug"]));
    let breaches = json("acme/api", &[])["figures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["metric"] == "issue_sla_breaches" && f["group"] == "high")
        .unwrap()["value"]
        .clone();
    assert_eq!(breaches, 1.0);
    let refused = settings(&["--sla-hours", "4,24,72"]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("sla_hours: four hours are needed"));
    let bad = metrics(&["--from", "yesterday"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--from \"yesterday\""));
    let _ = pool;
}
