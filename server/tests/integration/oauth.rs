//! Sign in with GitHub against the simulator: the happy path, and every way a callback can
//! be wrong, none of which may create a session.

use crate::support::*;

#[tokio::test]
async fn sign_in_creates_user_session_and_encrypted_token() {
    let app = start().await;
    let client = browser();
    let params = begin_sign_in(&app, &client).await;
    assert_eq!(params["code_challenge_method"], "S256");
    assert_eq!(params["response_type"], "code");
    assert!(params["state"].len() >= 16);
    assert_eq!(
        params["redirect_uri"],
        format!("{}/auth/github/callback", app.base)
    );
    let callback = consent(&app, &client, &params, "alice").await;
    let res = client.get(&callback).send().await.unwrap();
    assert_eq!(location(&res), "/");
    let cookies: Vec<String> = res
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    let session_cookie = cookies
        .iter()
        .find(|c| c.starts_with("pulseboard_session="))
        .expect("a session cookie");
    assert!(session_cookie.contains("HttpOnly"), "{session_cookie}");
    assert!(session_cookie.contains("SameSite=Lax"), "{session_cookie}");
    // Served over plain http here, so not Secure.
    assert!(!session_cookie.contains("Secure"), "{session_cookie}");
    assert!(cookies
        .iter()
        .any(|c| c.starts_with("pulseboard_oauth=;") && c.contains("Max-Age=0")));

    assert_eq!(session_count(&app.pool).await, 1);
    // The session lasts 14 days from now (on inactivity).
    let days: f64 = sqlx::query_scalar(
        "SELECT extract(epoch FROM expiry_date - now())::float8 / 86400 FROM tower_sessions.session",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!((13.9..=14.0).contains(&days), "{days}");

    let (login, ciphertext): (String, Vec<u8>) = sqlx::query_as(
        "SELECT u.login, t.ciphertext FROM users u JOIN user_tokens t ON t.user_id = u.id",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(login, "alice");
    assert!(!String::from_utf8_lossy(&ciphertext).contains("gho_"));

    let (status, body) = server_fn(&app, &client, "me", &[]).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"login\":\"alice\""), "{body}");
}

/// Every page's header asks who is signed in: the session read for the request answers,
/// kept at sign-in, and `users` is not read again (a name changed there after sign-in does
/// not show until the next sign-in, when GitHub's is read anew).
#[tokio::test]
async fn the_header_reads_the_person_from_the_session() {
    let app = start().await;
    let client = sign_in(&app, "alice").await;
    let (status, body) = server_fn(&app, &client, "me", &[]).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"login\":\"alice\""), "{body}");
    let changed =
        sqlx::query("UPDATE users SET login = 'renamed', name = 'Renamed' WHERE login = 'alice'")
            .execute(&app.pool)
            .await
            .unwrap();
    assert_eq!(changed.rows_affected(), 1);
    let (status, again) = server_fn(&app, &client, "me", &[]).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again, body, "the session's person, not the row's");
    // Signed in again: GitHub's own name, read anew, is kept again.
    let client = sign_in(&app, "alice").await;
    let (_, fresh) = server_fn(&app, &client, "me", &[]).await;
    assert!(fresh.contains("\"login\":\"alice\""), "{fresh}");
}

async fn callback_reason(client: &reqwest::Client, url: &str) -> String {
    let res = client.get(url).send().await.unwrap();
    let to = location(&res);
    assert!(to.starts_with("/auth/error?reason="), "{to}");
    to.trim_start_matches("/auth/error?reason=").to_string()
}

#[tokio::test]
async fn wrong_state_is_rejected_without_a_session() {
    let app = start().await;
    let client = browser();
    let params = begin_sign_in(&app, &client).await;
    let callback = consent(&app, &client, &params, "alice").await;
    let forged = callback.replace(&params["state"], "forged-state");
    assert_ne!(forged, callback);
    assert_eq!(callback_reason(&client, &forged).await, "state");
    assert_eq!(session_count(&app.pool).await, 0);
    // The pending sign-in was cleared: the real callback no longer works either.
    assert_eq!(callback_reason(&client, &callback).await, "state");
    assert_eq!(session_count(&app.pool).await, 0);
    let users: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(users, 0);
}

#[tokio::test]
async fn callback_without_the_browsers_pending_cookie_is_rejected() {
    let app = start().await;
    let starter = browser();
    let params = begin_sign_in(&app, &starter).await;
    let callback = consent(&app, &starter, &params, "alice").await;
    // Another browser (say, an attacker's link) lacks the sealed cookie.
    let other = browser();
    assert_eq!(callback_reason(&other, &callback).await, "state");
    assert_eq!(session_count(&app.pool).await, 0);
}

#[tokio::test]
async fn missing_code_is_rejected() {
    let app = start().await;
    let client = browser();
    let params = begin_sign_in(&app, &client).await;
    let url = format!(
        "{}/auth/github/callback?state={}",
        app.base, params["state"]
    );
    assert_eq!(callback_reason(&client, &url).await, "code");
    assert_eq!(session_count(&app.pool).await, 0);
}

#[tokio::test]
async fn denied_consent_is_reported() {
    let app = start().await;
    let client = browser();
    let params = begin_sign_in(&app, &client).await;
    let res = client
        .post(format!("{}/login/oauth/authorize", app.sim.base_url))
        .form(&[
            ("client_id", params["client_id"].as_str()),
            ("login", "alice"),
            ("decision", "deny"),
            ("redirect_uri", params["redirect_uri"].as_str()),
            ("state", params["state"].as_str()),
        ])
        .send()
        .await
        .unwrap();
    let callback = location(&res);
    assert!(callback.contains("error=access_denied"), "{callback}");
    assert_eq!(callback_reason(&client, &callback).await, "denied");
    assert_eq!(session_count(&app.pool).await, 0);
}

#[tokio::test]
async fn failed_token_exchange_is_rejected() {
    let app = start().await;
    let client = browser();
    let params = begin_sign_in(&app, &client).await;
    let url = format!(
        "{}/auth/github/callback?code=not-a-real-code&state={}",
        app.base, params["state"]
    );
    assert_eq!(callback_reason(&client, &url).await, "exchange");
    assert_eq!(session_count(&app.pool).await, 0);
}

#[tokio::test]
async fn pkce_mismatch_fails_the_exchange() {
    let app = start().await;
    let client = browser();
    let mut params = begin_sign_in(&app, &client).await;
    // GitHub is told a challenge whose verifier Pulseboard does not hold.
    params.insert(
        "code_challenge".into(),
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".into(),
    );
    let callback = consent(&app, &client, &params, "alice").await;
    assert_eq!(callback_reason(&client, &callback).await, "exchange");
    assert_eq!(session_count(&app.pool).await, 0);
}

#[tokio::test]
async fn sign_out_ends_the_session() {
    let app = start().await;
    let client = sign_in(&app, "bob").await;
    assert_eq!(session_count(&app.pool).await, 1);
    let res = sign_out(&app, &client).await;
    assert_eq!(location(&res), "/");
    assert_eq!(session_count(&app.pool).await, 0);
    let (_, body) = server_fn(&app, &client, "me", &[]).await;
    assert_eq!(body, "null");
}

#[tokio::test]
async fn expired_sessions_are_not_honoured() {
    let app = start().await;
    let client = sign_in(&app, "alice").await;
    let (_, body) = server_fn(&app, &client, "me", &[]).await;
    assert!(body.contains("alice"));
    sqlx::query("UPDATE tower_sessions.session SET expiry_date = now() - interval '1 second'")
        .execute(&app.pool)
        .await
        .unwrap();
    let (_, body) = server_fn(&app, &client, "me", &[]).await;
    assert_eq!(body, "null");
    let (status, _) = server_fn(&app, &client, "repositories", &[("refresh", "false")]).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn sessions_end_thirty_days_after_sign_in_however_active() {
    use app::api::ssr::{session_user_id, SESSION_SIGNED_IN_AT, SESSION_USER_ID};
    let store = std::sync::Arc::new(tower_sessions::MemoryStore::default());
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let session_signed_in = |days_ago: i64| {
        let store = store.clone();
        async move {
            let s = tower_sessions::Session::new(None, store, None);
            s.insert(SESSION_USER_ID, 7_i64).await.unwrap();
            s.insert(SESSION_SIGNED_IN_AT, now - days_ago * 86_400)
                .await
                .unwrap();
            s
        }
    };
    let fresh = session_signed_in(29).await;
    assert_eq!(session_user_id(&fresh).await.unwrap(), Some(7));
    let old = session_signed_in(31).await;
    assert_eq!(session_user_id(&old).await.unwrap(), None);
    assert!(old.is_empty().await, "the old session was ended");
    // A session from before sign-in times were kept is ended too.
    let legacy = tower_sessions::Session::new(None, store.clone(), None);
    legacy.insert(SESSION_USER_ID, 7_i64).await.unwrap();
    assert_eq!(session_user_id(&legacy).await.unwrap(), None);
}
