//! GitHub's OAuth web flow as the simulator serves it: a token from the code exchange
//! outlives a restart of the simulator, as a GitHub token outlives a restart of GitHub.

use crate::support::*;

/// Consents as `login` and exchanges the code; returns the access token.
async fn sign_in(sim: &ghsim::RunningSimulator, login: &str) -> String {
    let app = sim.sim.oauth_app().clone();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = http
        .post(format!("{}/login/oauth/authorize", sim.base_url))
        .form(&[
            ("login", login),
            ("decision", "allow"),
            ("client_id", app.client_id.as_str()),
            ("redirect_uri", "http://127.0.0.1:1/callback"),
            ("scope", "repo read:org"),
            ("state", "s"),
        ])
        .send()
        .await
        .unwrap();
    let to = res.headers()["location"].to_str().unwrap().to_string();
    let code = url::Url::parse(&to)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .expect("a code");
    let res = http
        .post(format!("{}/login/oauth/access_token", sim.base_url))
        .header("accept", "application/json")
        .form(&[
            ("client_id", app.client_id.as_str()),
            ("client_secret", app.client_secret.as_str()),
            ("code", code.as_str()),
            ("redirect_uri", "http://127.0.0.1:1/callback"),
        ])
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = res.json().await.unwrap();
    body["access_token"].as_str().expect("a token").to_string()
}

#[tokio::test]
async fn an_issued_token_outlives_a_restart() {
    let first = start(config()).await;
    let token = sign_in(&first, "alice").await;
    assert!(token.starts_with("gho_") && token.len() == 40, "{token}");
    let another = sign_in(&first, "bob").await;
    assert_ne!(token, another);
    first.stop().await;

    let again = start(config()).await;
    let res = get(&again, "/user", Some(&token), &[]).await;
    assert_eq!(res.status(), 200);
    let me: serde_json::Value = res.json().await.unwrap();
    assert_eq!(me["login"], "alice");
    // A forged token of the same shape is refused.
    let mut forged = token.clone();
    forged.replace_range(39..40, if token.ends_with('0') { "1" } else { "0" });
    assert_eq!(get(&again, "/user", Some(&forged), &[]).await.status(), 401);
    // A simulator with another seed is another GitHub.
    let other = start(ghsim::SimConfig::new(99, ghsim::Size::Small, config().now)).await;
    assert_eq!(get(&other, "/user", Some(&token), &[]).await.status(), 401);
}
