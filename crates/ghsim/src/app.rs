//! GitHub Apps: the simulator's one app, installed on its organisation for all
//! repositories. The app proves itself with a JWT signed by its private key (RS256, `iss`
//! its id, at most ten minutes long) to read itself and its installations and to mint
//! installation tokens (`ghs_…`, valid one hour), which read every repository of the
//! organisation and nothing that belongs to a person (`/user` answers 403).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use base64::Engine;
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::signature::Verifier;
use rsa::RsaPrivateKey;
use serde_json::{json, Value};

use crate::data::User;
use crate::json::{self, ts};
use crate::rest::{bearer_token, with_github_headers, ApiError};
use crate::server::Simulator;

/// The account an installation token acts as (GitHub's `<slug>[bot]`).
pub const APP_BOT_ID: u64 = 41_898_282;
/// How long an installation token lasts on GitHub.
const TOKEN_SECS: i64 = 3600;
/// GitHub refuses app JWTs that live longer than this.
const JWT_MAX_SECS: i64 = 600;

pub struct GitHubApp {
    pub id: u64,
    pub slug: String,
    pub installation_id: u64,
    seed: u64,
    key: OnceLock<RsaPrivateKey>,
    /// Installation tokens minted, with when each expires (simulator clock, Unix seconds).
    tokens: Mutex<HashMap<String, i64>>,
    minted: Mutex<u64>,
    lifetime_secs: std::sync::atomic::AtomicI64,
}

impl std::fmt::Debug for GitHubApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GitHubApp")
            .field("id", &self.id)
            .field("installation_id", &self.installation_id)
            .finish_non_exhaustive()
    }
}

impl GitHubApp {
    pub fn for_seed(seed: u64) -> Self {
        GitHubApp {
            id: 900_000 + seed % 1000,
            slug: "pulseboard".into(),
            installation_id: 55_000_000 + seed % 1000,
            seed,
            key: OnceLock::new(),
            tokens: Mutex::new(HashMap::new()),
            minted: Mutex::new(0),
            lifetime_secs: std::sync::atomic::AtomicI64::new(TOKEN_SECS),
        }
    }

    /// Makes tokens minted from now on expire sooner (for tests of renewal).
    pub fn set_token_lifetime(&self, secs: i64) {
        self.lifetime_secs
            .store(secs, std::sync::atomic::Ordering::Relaxed);
    }

    /// The app's key, made from the seed on first use (a 2048-bit key takes a moment).
    fn key(&self) -> &RsaPrivateKey {
        self.key.get_or_init(|| {
            use rand::SeedableRng;
            let mut rng = rand::rngs::StdRng::seed_from_u64(self.seed ^ 0x0061_7070_5f6b_6579);
            RsaPrivateKey::new(&mut rng, 2048).expect("an RSA key can be generated")
        })
    }

    /// The private key as GitHub hands it out (PKCS#1 PEM), for the app's configuration.
    pub fn private_key_pem(&self) -> String {
        self.key()
            .to_pkcs1_pem(rsa::pkcs1::LineEnding::LF)
            .map(|pem| pem.to_string())
            .expect("the key encodes as PEM")
    }

    /// How many installation tokens have been minted.
    pub fn tokens_minted(&self) -> u64 {
        *self.minted.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Checks an app JWT as GitHub does, at Unix time `now`.
    fn verify(&self, jwt: &str, now: i64) -> Result<(), &'static str> {
        let mut parts = jwt.split('.');
        let (Some(head), Some(body), Some(sig), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err("A JSON web token could not be decoded");
        };
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let header: Value = b64
            .decode(head)
            .ok()
            .and_then(|h| serde_json::from_slice(&h).ok())
            .ok_or("A JSON web token could not be decoded")?;
        if header["alg"] != "RS256" {
            return Err("A JSON web token could not be decoded");
        }
        let signature = b64
            .decode(sig)
            .ok()
            .and_then(|s| rsa::pkcs1v15::Signature::try_from(s.as_slice()).ok())
            .ok_or("A JSON web token could not be decoded")?;
        let verifier = rsa::pkcs1v15::VerifyingKey::<sha2::Sha256>::new(self.key().to_public_key());
        verifier
            .verify(format!("{head}.{body}").as_bytes(), &signature)
            .map_err(|_| "A JSON web token could not be decoded")?;
        let claims: Value = b64
            .decode(body)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or("A JSON web token could not be decoded")?;
        let issuer = match &claims["iss"] {
            Value::String(s) => s.parse::<u64>().ok(),
            Value::Number(n) => n.as_u64(),
            _ => None,
        };
        if issuer != Some(self.id) {
            return Err("'Issuer' claim ('iss') must be an Integer");
        }
        let (Some(iat), Some(exp)) = (claims["iat"].as_i64(), claims["exp"].as_i64()) else {
            return Err("'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires");
        };
        if exp <= now {
            return Err("'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires");
        }
        if exp - iat > JWT_MAX_SECS || iat > now + 60 {
            return Err("'Expiration time' claim ('exp') is too far in the future");
        }
        Ok(())
    }

    /// The bot an unexpired installation token acts as; `None` for any other token.
    pub(crate) fn installation_user(&self, token: &str, now: i64) -> Option<Result<User, ()>> {
        let expires = *self
            .tokens
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(token)?;
        if expires <= now {
            return Some(Err(()));
        }
        Some(Ok(User {
            id: APP_BOT_ID,
            login: format!("{}[bot]", self.slug),
            name: format!("{}[bot]", self.slug),
            email: String::new(),
            created_at: chrono::DateTime::UNIX_EPOCH,
            is_bot: true,
            token: token.to_string(),
        }))
    }
}

pub fn routes() -> Router<Arc<Simulator>> {
    Router::new()
        .route("/app", get(get_app))
        .route("/app/installations", get(list_installations))
        .route(
            "/app/installations/{installation_id}/access_tokens",
            post(create_token),
        )
        .route("/installation/repositories", get(installation_repositories))
}

/// A request signed as the app, or GitHub's 401.
fn require_app(sim: &Simulator, headers: &HeaderMap) -> Result<(), ApiError> {
    let jwt = bearer_token(headers).ok_or_else(|| {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "A JSON web token could not be decoded",
        )
    })?;
    sim.github_app
        .verify(jwt, sim.clock.now())
        .map_err(|m| ApiError::new(StatusCode::UNAUTHORIZED, m))
}

fn permissions() -> Value {
    json!({ "metadata": "read", "contents": "read", "issues": "read", "pull_requests": "read",
            "actions": "read", "deployments": "read", "checks": "read", "members": "read" })
}

fn app_json(sim: &Simulator) -> Value {
    let world = sim.world.read().unwrap_or_else(|e| e.into_inner());
    let app = &sim.github_app;
    json!({
        "id": app.id,
        "slug": app.slug,
        "node_id": format!("A_{}", app.id),
        "client_id": format!("Iv23li{:014}", app.id),
        "owner": json::user_by_id(&world, world.org.id, &sim.urls),
        "name": "Pulseboard",
        "description": "Engineering dashboard",
        "external_url": sim.urls.web,
        "html_url": format!("{}/apps/{}", sim.urls.web, app.slug),
        "created_at": ts(world.org.created_at),
        "updated_at": ts(world.org.created_at),
        "permissions": permissions(),
        "events": ["pull_request", "issues", "push", "workflow_run", "deployment_status", "star"],
        "installations_count": 1
    })
}

async fn get_app(
    State(sim): State<Arc<Simulator>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    require_app(&sim, &headers)?;
    Ok(with_github_headers(
        axum::Json(app_json(&sim)).into_response(),
    ))
}

fn installation_json(sim: &Simulator) -> Value {
    let world = sim.world.read().unwrap_or_else(|e| e.into_inner());
    let app = &sim.github_app;
    let api = &sim.urls.api;
    let org = &world.org;
    // GitHub's description joins the user and enterprise shapes for the account (allOf).
    let mut account = json::org_as_owner(org, &sim.urls);
    account["name"] = json!(org.name);
    account["slug"] = json!(org.login);
    account["created_at"] = json!(ts(org.created_at));
    account["updated_at"] = json!(ts(org.created_at));
    json!({
        "id": app.installation_id,
        "account": account,
        "repository_selection": "all",
        "access_tokens_url": format!("{api}/app/installations/{}/access_tokens", app.installation_id),
        "repositories_url": format!("{api}/installation/repositories"),
        "html_url": format!("{}/organizations/{}/settings/installations/{}", sim.urls.web, org.login, app.installation_id),
        "app_id": app.id,
        "app_slug": app.slug,
        "target_id": org.id,
        "target_type": "Organization",
        "permissions": permissions(),
        "events": ["pull_request", "issues", "push", "workflow_run", "deployment_status", "star"],
        "created_at": ts(org.created_at),
        "updated_at": ts(org.created_at),
        "single_file_name": null,
        "has_multiple_single_files": false,
        "single_file_paths": [],
        "suspended_by": null,
        "suspended_at": null
    })
}

async fn list_installations(
    State(sim): State<Arc<Simulator>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    require_app(&sim, &headers)?;
    Ok(with_github_headers(
        axum::Json(json!([installation_json(&sim)])).into_response(),
    ))
}

async fn create_token(
    State(sim): State<Arc<Simulator>>,
    Path(installation_id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    require_app(&sim, &headers)?;
    let app = &sim.github_app;
    if installation_id.parse::<u64>().ok() != Some(app.installation_id) {
        return Err(ApiError::not_found());
    }
    let now = sim.clock.now();
    let n = {
        let mut minted = app.minted.lock().unwrap_or_else(|e| e.into_inner());
        *minted += 1;
        *minted
    };
    let digest = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(
        format!("installation-token:{}:{n}:{now}", app.seed).as_bytes(),
    ));
    let token = format!("ghs_{}", &digest[..36]);
    let expires = now + app.lifetime_secs.load(std::sync::atomic::Ordering::Relaxed);
    app.tokens
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(token.clone(), expires);
    let expires_at = chrono::DateTime::from_timestamp(expires, 0).unwrap_or_default();
    let body = json!({
        "token": token,
        "expires_at": ts(expires_at),
        "permissions": permissions(),
        "repository_selection": "all"
    });
    Ok(with_github_headers(
        (StatusCode::CREATED, axum::Json(body)).into_response(),
    ))
}

/// `GET /installation/repositories`: every repository of the organisation.
async fn installation_repositories(
    State(sim): State<Arc<Simulator>>,
    headers: HeaderMap,
    Query(query): Query<std::collections::BTreeMap<String, String>>,
) -> Result<Response, ApiError> {
    let world = sim.world.read().unwrap_or_else(|e| e.into_inner());
    let user = crate::rest::require_user(&sim, &world, &headers)?;
    if user.id != APP_BOT_ID {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "You must authenticate with an installation access token in order to list repositories for an installation.",
        ));
    }
    let mut repos: Vec<_> = world.repos.iter().collect();
    repos.sort_by_key(|r| r.full_name().to_lowercase());
    Ok(crate::rest::wrapped_page(
        &sim,
        "/installation/repositories",
        &query,
        repos,
        "repositories",
        |r| json::repository(r, &world, Some(user.id), &sim.urls),
    ))
}
