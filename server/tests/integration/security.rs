//! What a security probe of Pulseboard found, each as a test: escaping of attacker-
//! controlled text, security headers, the same-origin rule, timeouts and connection caps,
//! shutdown, rate limits, error statuses and what one person may see of another's syncs.

use std::time::{Duration, Instant};

use crate::support::*;
use ghsim::hostile;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const REFLECTED: &str = "/repos/%3C%2Ftitle%3E%3Cscript%3Ealert(document.domain)%3C%2Fscript%3E/x";

/// Asks GitHub which repositories the person may see, as the home page does first.
async fn list_repositories(app: &TestApp, client: &reqwest::Client) {
    let (status, body) = server_fn(app, client, "repositories", &[("refresh", "true")]).await;
    assert_eq!(status, 200, "{body}");
}

async fn get(client: &reqwest::Client, url: String) -> reqwest::Response {
    client.get(url).send().await.unwrap()
}

/// The nonce the response's CSP allows, and every `<script` tag of its HTML.
fn nonce_and_scripts(res_csp: &str, html: &str) -> (String, Vec<String>) {
    let nonce = res_csp
        .split("'nonce-")
        .nth(1)
        .and_then(|r| r.split('\'').next())
        .expect("the CSP names a nonce")
        .to_string();
    let scripts = html
        .match_indices("<script")
        .map(|(i, _)| html[i..].split('>').next().unwrap().to_string())
        .collect();
    (nonce, scripts)
}

/// No payload reaches the HTML as markup, and every script the page has carries this
/// response's nonce.
async fn assert_page_is_safe(client: &reqwest::Client, url: String) -> String {
    let res = get(client, url.clone()).await;
    let csp = res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    let html = res.text().await.unwrap();
    for payload in hostile::ALL {
        assert!(
            !html.contains(payload),
            "{url} has {payload} as markup:\n{html}"
        );
    }
    assert!(!html.contains("<script>alert"), "{url}:\n{html}");
    let (nonce, scripts) = nonce_and_scripts(&csp, &html);
    assert!(!scripts.is_empty(), "{url} has no scripts at all");
    for tag in scripts {
        assert!(
            tag.contains(&format!("nonce=\"{nonce}\"")),
            "{url}: a script without this response's nonce: {tag}"
        );
    }
    html
}

#[tokio::test]
async fn the_reflected_xss_is_text() {
    let app = start().await;
    for client in [browser(), sign_in(&app, "alice").await] {
        // The page streams, so its status is decided before the name is checked.
        let res = get(&client, format!("{}{REFLECTED}", app.base)).await;
        assert!(!res.status().is_server_error(), "{}", res.status());
        let (status, body) = server_fn(
            &app,
            &client,
            "overview",
            &[("full_name", "</title><script>alert(1)</script>/x")],
        )
        .await;
        assert!([400, 401].contains(&status.as_u16()), "{status} {body}");
        let html = assert_page_is_safe(&client, format!("{}{REFLECTED}", app.base)).await;
        assert!(
            html.contains("<title>&lt;/title&gt;&lt;script&gt;alert(document.domain)&lt;/script&gt;/x · Pulseboard</title>"),
            "{html}"
        );
    }
}

#[tokio::test]
async fn text_from_github_is_text_on_every_page() {
    let app = start_custom(
        ghsim::SimConfig::new(7, ghsim::Size::Small, anchor()).with_hostile_text(),
        &[],
    )
    .await;
    let alice = sign_in(&app, "alice").await;
    list_repositories(&app, &alice).await;
    let (status, body) = server_fn(&app, &alice, "track", &[("full_name", "acme/api")]).await;
    assert_eq!(status, 200, "{body}");
    let home = assert_page_is_safe(&alice, format!("{}/", app.base)).await;
    // The payload reached the page, as text.
    assert!(home.contains("pb-xss-img"), "{home}");
    assert!(home.contains("&lt;img src=x onerror=alert"), "{home}");
    for path in [
        "/repos/acme/api",
        "/sync",
        "/auth/error?reason=%3Cscript%3Ealert(1)%3C/script%3E",
        "/no/such/page%3Cscript%3E",
    ] {
        assert_page_is_safe(&alice, format!("{}{path}", app.base)).await;
    }
    // What server functions answer is JSON, never sniffed as HTML.
    let res = alice
        .post(format!("{}/api/repositories", app.base))
        .header("origin", &app.base)
        .form(&[("refresh", "false")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
}

fn assert_security_headers(what: &str, res: &reqwest::Response, cacheable: bool) {
    let h = res.headers();
    let csp = h
        .get("content-security-policy")
        .unwrap_or_else(|| panic!("{what}: no CSP"))
        .to_str()
        .unwrap();
    for directive in [
        "script-src 'nonce-",
        "'wasm-unsafe-eval'",
        "frame-ancestors 'none'",
        "object-src 'none'",
        "base-uri 'none'",
    ] {
        assert!(csp.contains(directive), "{what}: {csp}");
    }
    assert!(!csp.contains("unsafe-inline"), "{what}: {csp}");
    assert_eq!(h["x-frame-options"], "DENY", "{what}");
    assert_eq!(h["x-content-type-options"], "nosniff", "{what}");
    assert_eq!(h["referrer-policy"], "same-origin", "{what}");
    if cacheable {
        assert!(
            h.get("cache-control").is_none_or(|v| v != "no-store"),
            "{what}"
        );
    } else {
        assert_eq!(h["cache-control"], "no-store", "{what}");
    }
    assert!(h.get("strict-transport-security").is_none(), "{what}: http");
}

#[tokio::test]
async fn every_class_of_response_carries_the_security_headers() {
    let site = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(site.path().join("pkg")).unwrap();
    std::fs::write(site.path().join("favicon.svg"), "<svg/>").unwrap();
    let app = start_with(&["--site-root", site.path().to_str().unwrap()]).await;
    let alice = sign_in(&app, "alice").await;
    let page = get(&alice, format!("{}/", app.base)).await;
    assert_security_headers("page", &page, false);
    let asset = get(&alice, format!("{}/favicon.svg", app.base)).await;
    assert_eq!(asset.status(), 200);
    assert_security_headers("asset", &asset, true);
    let res = alice
        .post(format!("{}/api/me", app.base))
        .header("origin", &app.base)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_security_headers("server function", &res, false);
    let stream = get(&alice, format!("{}/api/sync/events", app.base)).await;
    assert_eq!(stream.status(), 200);
    assert_security_headers("event stream", &stream, false);
    drop(stream);
    let missing = get(&alice, format!("{}/no/such/page", app.base)).await;
    assert_eq!(missing.status(), 404);
    assert_security_headers("error page", &missing, false);
    // The "not found" page for a missing asset shows who is signed in: not cacheable.
    let missing_asset = get(&alice, format!("{}/pkg/missing.js", app.base)).await;
    assert_eq!(missing_asset.status(), 404);
    assert_security_headers("missing asset", &missing_asset, false);
    let refused = alice
        .post(format!("{}/api/me", app.base))
        .header("origin", "http://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    assert_security_headers("refusal", &refused, false);
    let health = get(&alice, format!("{}/healthz", app.base)).await;
    assert_security_headers("health", &health, false);
}

#[tokio::test]
async fn over_https_cookies_are_host_only_and_hsts_is_sent() {
    let app = start_with(&["--public-url", "https://pulse.example.test"]).await;
    let client = browser();
    let res = get(&client, format!("{}/", app.base)).await;
    assert_eq!(
        res.headers()["strict-transport-security"],
        "max-age=63072000"
    );
    // Sign in; the browser would be at https://pulse.example.test, so cookies are sent
    // by hand (reqwest keeps Secure cookies for https).
    let res = get(&client, format!("{}/auth/github/login", app.base)).await;
    let pending = res.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(pending.starts_with("__Host-pulseboard_oauth="), "{pending}");
    assert!(
        pending.contains("Path=/;") && pending.contains("Secure"),
        "{pending}"
    );
    let cookie = pending.split(';').next().unwrap().to_string();
    let params = query_of(&location(&res));
    let callback = consent(&app, &client, &params, "alice").await;
    let callback = callback.replace("https://pulse.example.test", &app.base);
    let res = client
        .get(&callback)
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(location(&res), "/");
    let session = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.contains("pulseboard_session"))
        .expect("a session cookie");
    assert!(
        session.starts_with("__Host-pulseboard_session="),
        "{session}"
    );
    assert!(
        session.contains("Secure") && session.contains("Path=/"),
        "{session}"
    );
    assert!(!session.contains("Domain"), "{session}");
    // Stored under a hash of its id: the table holds no usable cookie.
    let value = session
        .split(';')
        .next()
        .unwrap()
        .split_once('=')
        .unwrap()
        .1;
    let stored: Vec<String> = sqlx::query_scalar("SELECT id FROM tower_sessions.session")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert!(
        !stored.iter().any(|id| id == value),
        "the cookie's id is stored as is"
    );
}

#[tokio::test]
async fn state_changes_come_from_pulseboards_own_origin_only() {
    let app = start().await;
    let alice = sign_in(&app, "alice").await;
    list_repositories(&app, &alice).await;
    let (status, body) = server_fn(&app, &alice, "track", &[("full_name", "acme/api")]).await;
    assert_eq!(status, 200, "{body}");
    let other_port = format!("http://127.0.0.1:{}", app.addr.port() + 1);
    let routes: [(&str, &[(&str, &str)]); 4] = [
        ("/api/track", &[("full_name", "acme/web")]),
        (
            "/api/sync_now",
            &[("full_name", "acme/api"), ("full", "true")],
        ),
        ("/api/repositories", &[("refresh", "true")]),
        ("/auth/logout", &[]),
    ];
    for (path, form) in routes {
        let attempts: [(&str, Option<(&str, &str)>); 5] = [
            ("another site", Some(("origin", "http://evil.example"))),
            (
                "the same site, another port",
                Some(("origin", other_port.as_str())),
            ),
            ("a null origin", Some(("origin", "null"))),
            (
                "same-site fetch metadata",
                Some(("sec-fetch-site", "same-site")),
            ),
            ("no origin at all", None),
        ];
        for (what, header) in attempts {
            let mut req = alice.post(format!("{}{path}", app.base)).form(form);
            if let Some((k, v)) = header {
                req = req.header(k, v);
            }
            // A text/plain body (no preflight) from the same attacker changes nothing.
            let res = req.send().await.unwrap();
            assert_eq!(res.status(), 403, "{path} from {what}");
            let plain = alice
                .post(format!("{}{path}", app.base))
                .header("content-type", "text/plain")
                .header("origin", "http://evil.example")
                .body("full_name=acme/web")
                .send()
                .await
                .unwrap();
            assert_eq!(plain.status(), 403, "{path} text/plain from {what}");
        }
    }
    // Nothing happened: still signed in, acme/web not added, no full sync queued.
    let (_, me) = server_fn(&app, &alice, "me", &[]).await;
    assert!(me.contains("alice"), "{me}");
    let tracked: i64 = sqlx::query_scalar("SELECT count(*) FROM tracked_repositories")
        .fetch_one(&app.pool)
        .await
        .unwrap_or(1);
    assert_eq!(tracked, 1);
    let full: i64 = sqlx::query_scalar("SELECT count(*) FROM sync_jobs WHERE mode = 'full'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(full, 0);
    // Sign-out is POST only: a GET (a link, an image) does not sign out.
    let res = get(&alice, format!("{}/auth/logout", app.base)).await;
    assert_ne!(res.status(), 303);
    let (_, me) = server_fn(&app, &alice, "me", &[]).await;
    assert!(me.contains("alice"), "{me}");
    // Fetch metadata alone is enough for a browser that sends no Origin.
    let res = alice
        .post(format!("{}/api/me", app.base))
        .header("sec-fetch-site", "same-origin")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

/// Opens a connection from 127.0.0.1 that sends half a request and then nothing.
async fn half_sent(app: &TestApp) -> tokio::net::TcpStream {
    let mut s = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    s
}

/// Whether the server closed the connection within `within`.
async fn closed_within(s: &mut tokio::net::TcpStream, within: Duration) -> bool {
    let mut buf = [0u8; 256];
    matches!(
        tokio::time::timeout(within, s.read(&mut buf)).await,
        Ok(Ok(0)) | Ok(Err(_))
    )
}

#[tokio::test]
async fn a_flood_of_idle_connections_does_not_starve_a_real_request() {
    let app = start_with(&[
        "--header-timeout",
        "2s",
        "--request-timeout",
        "2s",
        "--max-connections-per-client",
        "100",
    ])
    .await;
    // A client that connects and sends nothing at all is dropped at the same deadline.
    let mut silent = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    // 300 half-sent requests from one address: 100 are held, the rest closed at once.
    let mut flood = Vec::new();
    for _ in 0..300 {
        flood.push(half_sent(&app).await);
    }
    let other = reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, 2]))
        .build()
        .unwrap();
    let asked = Instant::now();
    let res = other
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        asked.elapsed() < Duration::from_secs(1),
        "{:?}",
        asked.elapsed()
    );
    assert!(
        closed_within(&mut flood[299], Duration::from_millis(500)).await,
        "a connection over the per-client cap is closed at once"
    );
    // The held ones are dropped once the header deadline passes.
    for s in flood.iter_mut().take(100) {
        assert!(
            closed_within(s, Duration::from_secs(5)).await,
            "an idle connection stayed open"
        );
    }
    assert!(
        closed_within(&mut silent, Duration::from_secs(3)).await,
        "a connection that never sent a byte stayed open"
    );
    // A body that never finishes is answered 408 at the request timeout.
    let mut s = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    s.write_all(
        format!(
            "POST /api/me HTTP/1.1\r\nHost: {}\r\nOrigin: {}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nab",
            app.addr, app.base
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    let mut answer = vec![0u8; 1024];
    let n = tokio::time::timeout(Duration::from_secs(6), s.read(&mut answer))
        .await
        .expect("answered within the request timeout")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer[..n]);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
}

#[tokio::test]
async fn shutdown_ends_event_streams_and_half_sent_requests_within_the_grace_period() {
    let mut app = start_with(&["--shutdown-grace", "5s"]).await;
    let alice = sign_in(&app, "alice").await;
    let mut stream = get(&alice, format!("{}/api/sync/events", app.base)).await;
    assert_eq!(stream.status(), 200);
    let _idle = half_sent(&app).await;
    let begun = Instant::now();
    app.shutdown.begin();
    tokio::time::timeout(Duration::from_secs(5), &mut app.task)
        .await
        .expect("the server stopped within its grace period")
        .unwrap();
    assert!(begun.elapsed() < Duration::from_secs(5));
    let ended = tokio::time::timeout(Duration::from_secs(2), async {
        while let Ok(Some(_)) = stream.chunk().await {}
    })
    .await;
    assert!(ended.is_ok(), "the event stream ended");
}

#[tokio::test]
async fn an_event_stream_ends_at_sign_out() {
    let app = start().await;
    let alice = sign_in(&app, "alice").await;
    let mut stream = get(&alice, format!("{}/api/sync/events", app.base)).await;
    assert_eq!(stream.status(), 200);
    let res = sign_out(&app, &alice).await;
    assert_eq!(location(&res), "/");
    let ended = tokio::time::timeout(Duration::from_secs(3), async {
        while let Ok(Some(_)) = stream.chunk().await {}
    })
    .await;
    assert!(ended.is_ok(), "the stream outlived the session");
}

#[tokio::test]
async fn too_many_requests_are_answered_429_with_retry_after() {
    let app = start().await;
    // Sign-in, per client: 10, then refused.
    let client = browser();
    let mut statuses = Vec::new();
    for _ in 0..12 {
        statuses.push(get(&client, format!("{}/auth/github/login", app.base)).await);
    }
    let limited = statuses.last().unwrap();
    assert_eq!(limited.status(), 429);
    let retry: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=6).contains(&retry), "{retry}");
    assert!(statuses[..10]
        .iter()
        .all(|r| r.status() == 303 || r.status() == 302));
    // Server functions, per person: a burst of 120, then refused.
    let mut limited = None;
    for i in 0..400 {
        let res = client
            .post(format!("{}/api/me", app.base))
            .header("origin", &app.base)
            .send()
            .await
            .unwrap();
        if res.status() == 429 {
            limited = Some((i, res));
            break;
        }
    }
    let (i, res) = limited.expect("server functions are rate limited");
    assert!(i >= 120, "limited after {i} calls");
    assert!(res.headers().contains_key("retry-after"));
}

#[tokio::test]
async fn refreshing_from_github_is_coalesced_per_person() {
    let app = start().await;
    let alice = sign_in(&app, "alice").await;
    app.sim.sim.reset_stats();
    // The first time: nothing is known yet, so GitHub is asked.
    let calls = (0..20).map(|_| server_fn(&app, &alice, "repositories", &[("refresh", "true")]));
    // Every caller gets the whole list: those that came while it was read waited for it.
    for (status, body) in futures::future::join_all(calls).await {
        assert_eq!(status, 200, "{body}");
        assert!(body.contains("acme/api"), "{body}");
    }
    let asked = app
        .sim
        .sim
        .stats()
        .by_route
        .get("GET /user/repos")
        .copied()
        .unwrap_or(0);
    assert_eq!(asked, 1, "20 refreshes asked GitHub {asked} times");
}

#[tokio::test]
async fn a_pending_sign_in_cookie_completes_one_sign_in() {
    let app = start().await;
    let client = browser();
    let res = get(&client, format!("{}/auth/github/login", app.base)).await;
    let cookie = res.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let params = query_of(&location(&res));
    let callback = consent(&app, &client, &params, "alice").await;
    let first = client.get(&callback).send().await.unwrap();
    assert_eq!(location(&first), "/");
    // The same cookie and a fresh code for the same state: refused before any exchange.
    let again = consent(&app, &client, &params, "alice").await;
    let replay = browser()
        .get(&again)
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    // Had the state been accepted, this valid code would have signed in again.
    assert_eq!(location(&replay), "/auth/error?reason=state");
}

#[tokio::test]
async fn errors_have_statuses_and_say_what_to_do() {
    let app = start().await;
    let alice = sign_in(&app, "alice").await;
    let (status, body) = server_fn(&app, &alice, "track", &[("full_name", "acme/a\0pi")]).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("owner/name"), "{body}");
    let (status, body) =
        server_fn(&app, &alice, "overview", &[("full_name", "acme/nothing")]).await;
    assert_eq!(status, 404, "{body}");
    // The page gets a kind it can match on, not just a sentence.
    assert!(matches!(
        serde_json::from_str::<app::api::AppError>(&body).unwrap(),
        app::api::AppError::NotFound(_)
    ));
    let (status, body) =
        server_fn(&app, &browser(), "overview", &[("full_name", "acme/api")]).await;
    assert_eq!(status, 401);
    assert_eq!(
        serde_json::from_str::<app::api::AppError>(&body).unwrap(),
        app::api::AppError::SignedOut
    );
    let carol = sign_in(&app, "carol").await;
    let (status, _) = server_fn(&app, &carol, "repositories", &[("refresh", "true")]).await;
    assert_eq!(status, 200);
    let (status, body) = server_fn(&app, &carol, "track", &[("full_name", "acme/infra")]).await;
    assert_eq!(status, 403, "{body}");
    // Arguments that do not decode are the request's fault, said without parser text.
    let (status, body) = server_fn(
        &app,
        &alice,
        "sync_now",
        &[("full_name", "acme/api"), ("full", "notabool")],
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(!body.contains("provided string"), "{body}");
    let big = "x".repeat(100 * 1024);
    let (status, _) = server_fn(&app, &alice, "track", &[("full_name", big.as_str())]).await;
    assert_eq!(status, 413);
    // The database goes away: 503 and a sentence, never the driver's text.
    app.pool.close().await;
    let (status, body) = server_fn(&app, &alice, "me", &[]).await;
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("database is unavailable"), "{body}");
    for internal in ["sqlx", "pool", "session store", "error communicating"] {
        assert!(!body.to_lowercase().contains(internal), "{body}");
    }
    let page = get(&alice, format!("{}/", app.base)).await;
    let html = page.text().await.unwrap();
    assert!(html.contains("database is unavailable"), "{html}");
    assert!(!html.contains("id=\"sign-in"), "looks signed out:\n{html}");
}

#[tokio::test]
async fn one_person_sees_nothing_of_anothers_token_or_the_instances_job_ids() {
    let app = start().await;
    let alice = sign_in(&app, "alice").await;
    list_repositories(&app, &alice).await;
    let (status, body) = server_fn(&app, &alice, "track", &[("full_name", "acme/api")]).await;
    assert_eq!(status, 200, "{body}");
    let carol = sign_in(&app, "carol").await;
    let (status, _) = server_fn(&app, &carol, "repositories", &[("refresh", "true")]).await;
    assert_eq!(status, 200);
    let (_, alices) = server_fn(&app, &alice, "sync_activity", &[]).await;
    let (_, carols) = server_fn(&app, &carol, "sync_activity", &[]).await;
    let alices: Value = serde_json::from_str(&alices).unwrap();
    let carols: Value = serde_json::from_str(&carols).unwrap();
    let pick = |v: &Value| {
        v["runs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["repository"] == "acme/api" && r["resource"] == "pull_requests")
            .cloned()
            .expect("the run is listed")
    };
    assert!(pick(&alices)["rate_remaining"].as_i64().is_some());
    assert!(pick(&carols)["rate_remaining"].is_null());
    for v in [&alices, &carols] {
        assert!(pick(v).get("id").is_none());
        for j in v["jobs"].as_array().unwrap() {
            assert!(j.get("id").is_none(), "{j}");
        }
    }
}

#[tokio::test]
async fn a_decoy_cookie_in_front_buys_no_fresh_rate_limit() {
    let app = start().await;
    // Sign in by hand to hold the session cookie's value.
    let client = browser();
    let params = begin_sign_in(&app, &client).await;
    let callback = consent(&app, &client, &params, "alice").await;
    let res = client.get(&callback).send().await.unwrap();
    let session = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("pulseboard_session="))
        .expect("a session cookie");
    let session = session.split(';').next().unwrap().to_string();
    let mut limited = None;
    for i in 0..400 {
        // A different decoy in front every time; the session layer reads the last one.
        let cookie = format!("pulseboard_session=decoy{i}; {session}");
        let res = reqwest::Client::new()
            .post(format!("{}/api/me", app.base))
            .header("origin", &app.base)
            .header("cookie", cookie)
            .send()
            .await
            .unwrap();
        if res.status() == 429 {
            limited = Some(i);
            break;
        }
        assert!(res.text().await.unwrap().contains("alice"));
    }
    let i = limited.expect("the person's limit held");
    assert!(i >= 120, "limited after {i}");
}
