//! The simulator's GitHub App: JWTs checked as GitHub checks them, installation tokens in
//! GitHub's shapes that read the organisation's repositories and are nobody's user.

use crate::support::openapi::{self, assert_valid, assert_valid_for};
use crate::support::*;
use base64::Engine;
use ghsim::RunningSimulator;
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::signature::{SignatureEncoding, Signer};
use serde_json::{json, Value};

/// A JWT as an app signs it, written here independently of the engine's.
fn jwt(pem: &str, claims: Value) -> String {
    let key = rsa::RsaPrivateKey::from_pkcs1_pem(pem).unwrap();
    let signer = rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new(key);
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let signed = format!(
        "{}.{}",
        b64.encode(br#"{"alg":"RS256","typ":"JWT"}"#),
        b64.encode(claims.to_string())
    );
    format!(
        "{signed}.{}",
        b64.encode(signer.sign(signed.as_bytes()).to_bytes())
    )
}

async fn call(sim: &RunningSimulator, method: &str, path: &str, bearer: &str) -> (u16, Value) {
    let client = reqwest::Client::new();
    let url = format!("{}{path}", sim.base_url);
    let req = match method {
        "POST" => client.post(url),
        _ => client.get(url),
    };
    let res = req
        .header("Accept", "application/vnd.github+json")
        .bearer_auth(bearer)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn an_app_mints_installation_tokens_that_read_the_organisation() {
    let spec = openapi::rest_spec();
    let sim = start(config()).await;
    let app = sim.sim.github_app();
    let pem = app.private_key_pem();
    let now = chrono::Utc::now().timestamp();
    let good = jwt(
        &pem,
        json!({ "iat": now - 60, "exp": now + 540, "iss": app.id.to_string() }),
    );

    let (status, body) = call(&sim, "GET", "/app", &good).await;
    assert_eq!(status, 200, "{body}");
    assert_valid(&spec, "/app", &body);
    assert_eq!(body["id"], app.id);
    let (status, body) = call(&sim, "GET", "/app/installations", &good).await;
    assert_eq!(status, 200, "{body}");
    assert_valid(&spec, "/app/installations", &body);
    assert_eq!(body[0]["id"], app.installation_id);
    assert_eq!(body[0]["account"]["login"], "acme");

    let mint = format!("/app/installations/{}/access_tokens", app.installation_id);
    let (status, body) = call(&sim, "POST", &mint, &good).await;
    assert_eq!(status, 201, "{body}");
    assert_valid_for(
        &spec,
        "post",
        "/app/installations/{installation_id}/access_tokens",
        &body,
    );
    let token = body["token"].as_str().unwrap().to_string();
    assert!(token.starts_with("ghs_"));
    let expires = chrono::DateTime::parse_from_rfc3339(body["expires_at"].as_str().unwrap())
        .unwrap()
        .timestamp();
    assert!((expires - now - 3600).abs() < 60, "valid for an hour");
    assert_eq!(app.tokens_minted(), 1);

    // The token reads every repository of the organisation, private ones included.
    let (status, body) = call(
        &sim,
        "GET",
        "/installation/repositories?per_page=100",
        &token,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_valid(&spec, "/installation/repositories", &body);
    let repos = sim.sim.with_world(|w| w.repos.len());
    assert_eq!(body["total_count"], repos);
    assert_eq!(body["repositories"].as_array().unwrap().len(), repos);
    let (status, body) = call(&sim, "GET", "/repos/acme/infra", &token).await;
    assert_eq!((status, body["private"].clone()), (200, json!(true)));
    // It is nobody's user; a person's token cannot list an installation's repositories.
    let (status, body) = call(&sim, "GET", "/user", &token).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["message"], "Resource not accessible by integration");
    let (status, _) = call(&sim, "GET", "/installation/repositories", &token_of(&sim)).await;
    assert_eq!(status, 403);

    // The token ends: after its hour GitHub no longer takes it.
    sim.sim.clock().advance(3601);
    let (status, _) = call(&sim, "GET", "/repos/acme/infra", &token).await;
    assert_eq!(status, 401);
}

fn token_of(sim: &RunningSimulator) -> String {
    token(sim, "alice")
}

#[tokio::test]
async fn bad_app_jwts_are_refused() {
    let sim = start(config()).await;
    let app = sim.sim.github_app();
    let pem = app.private_key_pem();
    let now = chrono::Utc::now().timestamp();
    let claims = |iat: i64, exp: i64, iss: Value| json!({ "iat": iat, "exp": exp, "iss": iss });
    let mint = format!("/app/installations/{}/access_tokens", app.installation_id);
    // Expired, too long, another app, garbage.
    for bad in [
        jwt(&pem, claims(now - 700, now - 100, json!(app.id))),
        jwt(&pem, claims(now, now + 3600, json!(app.id))),
        jwt(&pem, claims(now, now + 300, json!(app.id + 1))),
        "not.a.jwt".to_string(),
    ] {
        let (status, body) = call(&sim, "POST", &mint, &bad).await;
        assert_eq!(status, 401, "{body}");
    }
    // Signed by a key that is not the app's.
    let mut rng = rand::thread_rng();
    let other = rsa::RsaPrivateKey::new(&mut rng, 1024).unwrap();
    let other_pem =
        rsa::pkcs1::EncodeRsaPrivateKey::to_pkcs1_pem(&other, rsa::pkcs1::LineEnding::LF).unwrap();
    let forged = jwt(&other_pem, claims(now, now + 300, json!(app.id)));
    assert_eq!(call(&sim, "POST", &mint, &forged).await.0, 401);
    // A user's token is not an app.
    assert_eq!(call(&sim, "GET", "/app", &token_of(&sim)).await.0, 401);
    // An installation the app does not have.
    let good = jwt(&pem, claims(now, now + 300, json!(app.id)));
    assert_eq!(
        call(&sim, "POST", "/app/installations/1/access_tokens", &good)
            .await
            .0,
        404
    );
    assert_eq!(app.tokens_minted(), 0);
}
