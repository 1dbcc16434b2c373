//! GitHub's OAuth web application flow: the consent page at `/login/oauth/authorize` and the
//! code exchange at `/login/oauth/access_token`, with `state` passed through and PKCE (S256)
//! checked as GitHub does.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::server::Simulator;

/// The one OAuth app the simulator knows; its credentials are derived from the seed so a
/// demo and its tests agree on them without configuration.
#[derive(Debug, Clone)]
pub struct OAuthApp {
    pub client_id: String,
    pub client_secret: String,
    pub name: String,
}

impl OAuthApp {
    pub fn for_seed(seed: u64) -> Self {
        let digest = hex::encode(Sha256::digest(format!("oauth-app:{seed}").as_bytes()));
        OAuthApp {
            client_id: format!("Ov23li{}", &digest[..14]),
            client_secret: digest[14..54].to_string(),
            name: "Pulseboard".into(),
        }
    }
}

struct Grant {
    client_id: String,
    user_id: u64,
    redirect_uri: Option<String>,
    code_challenge: Option<String>,
    scope: String,
    expires_at: DateTime<Utc>,
}

pub struct OAuthState {
    seed: u64,
    counter: u64,
    grants: HashMap<String, Grant>,
    /// Tokens issued by the code exchange in this run, beside each user's fixed token
    /// (earlier runs' are recognised by their MAC).
    issued: HashMap<String, u64>,
    /// Tokens revoked through the control API, users' fixed tokens included.
    pub(crate) revoked: std::collections::HashSet<String>,
}

impl OAuthState {
    pub fn new(seed: u64) -> Self {
        OAuthState {
            seed,
            counter: 0,
            grants: HashMap::new(),
            issued: HashMap::new(),
            revoked: Default::default(),
        }
    }

    /// A new access token for `user_id`. Like GitHub's, it stays valid when the simulator
    /// restarts: it carries the user's id and a nonce, sealed with a MAC derived from the
    /// seed, so a simulator with the same seed recognises it without having stored it.
    fn issue_token(&mut self, user_id: u64) -> String {
        let nonce = u32::from_str_radix(&self.next_secret("token")[..8], 16).unwrap_or(0);
        let body = format!("{:08x}{nonce:08x}", user_id & 0xffff_ffff);
        let token = format!("gho_{body}{}", self.token_mac(&body));
        self.issued.insert(token.clone(), user_id);
        token
    }

    fn token_mac(&self, body: &str) -> String {
        hex::encode(Sha256::digest(
            format!("issued-token:{}:{body}", self.seed).as_bytes(),
        ))[..20]
            .to_string()
    }

    /// The user an access token from [`OAuthState::issue_token`] was issued to, also by
    /// an earlier run of a simulator with the same seed.
    pub(crate) fn issued_to(&self, token: &str) -> Option<u64> {
        if let Some(id) = self.issued.get(token) {
            return Some(*id);
        }
        let rest = token.strip_prefix("gho_").filter(|r| r.len() == 36)?;
        let (body, mac) = rest.split_at(16);
        (self.token_mac(body) == mac).then(|| u64::from_str_radix(&body[..8], 16).ok())?
    }

    fn next_secret(&mut self, kind: &str) -> String {
        self.counter += 1;
        hex::encode(Sha256::digest(
            format!("{kind}:{}:{}", self.seed, self.counter).as_bytes(),
        ))
    }
}

pub fn router() -> Router<Arc<Simulator>> {
    Router::new()
        .route(
            "/login/oauth/authorize",
            get(consent_page).post(consent_answer),
        )
        .route("/login/oauth/access_token", axum::routing::post(exchange))
}

#[derive(Debug, Deserialize)]
struct AuthorizeQuery {
    client_id: Option<String>,
    redirect_uri: Option<String>,
    scope: Option<String>,
    state: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn error_page(status: StatusCode, message: &str) -> Response {
    (
        status,
        Html(format!(
            "<!DOCTYPE html><html><head><title>GitHub simulator</title>\
             <link rel=\"icon\" href=\"data:,\"></head>\
             <body><h1>{}</h1></body></html>",
            escape(message)
        )),
    )
        .into_response()
}

async fn consent_page(
    State(sim): State<Arc<Simulator>>,
    Query(q): Query<AuthorizeQuery>,
) -> Response {
    if q.client_id.as_deref() != Some(sim.app.client_id.as_str()) {
        return error_page(
            StatusCode::NOT_FOUND,
            "No OAuth application with that client_id.",
        );
    }
    if let Some(method) = &q.code_challenge_method {
        if method != "S256" {
            return error_page(
                StatusCode::BAD_REQUEST,
                "code_challenge_method must be S256.",
            );
        }
    }
    let users: Vec<(String, String)> = sim.with_world(|w| {
        w.users
            .iter()
            .filter(|u| !u.is_bot)
            .map(|u| (u.login.clone(), u.name.clone()))
            .collect()
    });
    let hidden = |name: &str, value: &Option<String>| match value {
        Some(v) => format!(
            "<input type=\"hidden\" name=\"{name}\" value=\"{}\">",
            escape(v)
        ),
        None => String::new(),
    };
    let options: String = users
        .iter()
        .map(|(login, name)| {
            format!(
                "<option value=\"{}\">{} ({})</option>",
                escape(login),
                escape(login),
                escape(name)
            )
        })
        .collect();
    let scope = q.scope.clone().unwrap_or_default();
    Html(format!(
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Authorize {app} · GitHub simulator</title>
<link rel="icon" href="data:,">
<style>body{{font-family:system-ui,sans-serif;max-width:28rem;margin:4rem auto;color:#1f2328}}
.card{{border:1px solid #d0d7de;border-radius:8px;padding:1.5rem}}button{{padding:.5rem 1rem;border-radius:6px;border:1px solid #1f883d;background:#1f883d;color:#fff;font-size:1rem;cursor:pointer}}
button.secondary{{background:#f6f8fa;color:#1f2328;border-color:#d0d7de}}select{{font-size:1rem;padding:.3rem;width:100%}}</style></head>
<body><div class="card"><h1>Authorize {app}</h1>
<p>This is the GitHub simulator. {app} asks for the scopes <code>{scope}</code>.</p>
<form method="post" action="/login/oauth/authorize">
<label for="login">Sign in as</label>
<p><select id="login" name="login">{options}</select></p>
{h_client}{h_redirect}{h_scope}{h_state}{h_challenge}{h_method}
<p><button type="submit" name="decision" value="allow" id="authorize">Authorize {app}</button>
<button type="submit" name="decision" value="deny" class="secondary" id="cancel">Cancel</button></p>
</form></div></body></html>"#,
        app = escape(&sim.app.name),
        scope = escape(&scope),
        h_client = hidden("client_id", &q.client_id),
        h_redirect = hidden("redirect_uri", &q.redirect_uri),
        h_scope = hidden("scope", &q.scope),
        h_state = hidden("state", &q.state),
        h_challenge = hidden("code_challenge", &q.code_challenge),
        h_method = hidden("code_challenge_method", &q.code_challenge_method),
    ))
    .into_response()
}

#[derive(Debug, Deserialize)]
struct ConsentForm {
    client_id: String,
    login: String,
    decision: String,
    redirect_uri: Option<String>,
    scope: Option<String>,
    state: Option<String>,
    code_challenge: Option<String>,
}

async fn consent_answer(State(sim): State<Arc<Simulator>>, Form(f): Form<ConsentForm>) -> Response {
    if f.client_id != sim.app.client_id {
        return error_page(
            StatusCode::NOT_FOUND,
            "No OAuth application with that client_id.",
        );
    }
    let Some(redirect) = f.redirect_uri.clone() else {
        return error_page(
            StatusCode::BAD_REQUEST,
            "The OAuth app has no callback URL.",
        );
    };
    let Ok(mut target) = url::Url::parse(&redirect) else {
        return error_page(StatusCode::BAD_REQUEST, "redirect_uri is not a URL.");
    };
    if f.decision != "allow" {
        {
            let mut q = target.query_pairs_mut();
            q.append_pair("error", "access_denied");
            q.append_pair(
                "error_description",
                "The user has denied your application access.",
            );
            if let Some(state) = &f.state {
                q.append_pair("state", state);
            }
        }
        return Redirect::to(target.as_str()).into_response();
    }
    let Some(user_id) = sim.with_world(|w| w.user_by_login(&f.login).map(|u| u.id)) else {
        return error_page(StatusCode::BAD_REQUEST, "No such user.");
    };
    let code = {
        let mut oauth = sim.oauth.lock().unwrap_or_else(|e| e.into_inner());
        let code = oauth.next_secret("code")[..20].to_string();
        oauth.grants.insert(
            code.clone(),
            Grant {
                client_id: f.client_id.clone(),
                user_id,
                redirect_uri: f.redirect_uri.clone(),
                code_challenge: f.code_challenge.clone(),
                scope: f.scope.clone().unwrap_or_default(),
                expires_at: Utc::now() + Duration::minutes(10),
            },
        );
        code
    };
    {
        let mut q = target.query_pairs_mut();
        q.append_pair("code", &code);
        if let Some(state) = &f.state {
            q.append_pair("state", state);
        }
    }
    Redirect::to(target.as_str()).into_response()
}

#[derive(Debug, Deserialize)]
struct ExchangeForm {
    client_id: Option<String>,
    client_secret: Option<String>,
    code: Option<String>,
    redirect_uri: Option<String>,
    code_verifier: Option<String>,
}

/// Client credentials may come in the body or as HTTP Basic authentication.
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value.strip_prefix("Basic ")?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    let unescape = |s: &str| {
        url::form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    Some((unescape(id), unescape(secret)))
}

/// GitHub answers the exchange with 200 even for errors, with an `error` field; the body is
/// JSON when the client asks for it and form-encoded otherwise.
fn exchange_answer(headers: &HeaderMap, pairs: &[(&str, &str)]) -> Response {
    let wants_json = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"));
    if wants_json {
        let map: serde_json::Map<String, serde_json::Value> = pairs
            .iter()
            .map(|(k, v)| {
                (
                    (*k).to_string(),
                    serde_json::Value::String((*v).to_string()),
                )
            })
            .collect();
        axum::Json(serde_json::Value::Object(map)).into_response()
    } else {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs.iter())
            .finish();
        (
            [(
                header::CONTENT_TYPE,
                "application/x-www-form-urlencoded; charset=utf-8",
            )],
            body,
        )
            .into_response()
    }
}

fn exchange_error(headers: &HeaderMap, error: &str, description: &str) -> Response {
    exchange_answer(
        headers,
        &[
            ("error", error),
            ("error_description", description),
            (
                "error_uri",
                "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors",
            ),
        ],
    )
}

async fn exchange(
    State(sim): State<Arc<Simulator>>,
    headers: HeaderMap,
    Form(f): Form<ExchangeForm>,
) -> Response {
    let (client_id, client_secret) = match basic_credentials(&headers) {
        Some(pair) => pair,
        None => (
            f.client_id.clone().unwrap_or_default(),
            f.client_secret.clone().unwrap_or_default(),
        ),
    };
    if client_id != sim.app.client_id || client_secret != sim.app.client_secret {
        return exchange_error(
            &headers,
            "incorrect_client_credentials",
            "The client_id and/or client_secret passed are incorrect.",
        );
    }
    let mut oauth = sim.oauth.lock().unwrap_or_else(|e| e.into_inner());
    // A code is good for one exchange, whatever its outcome.
    let Some(grant) = f.code.as_deref().and_then(|c| oauth.grants.remove(c)) else {
        return exchange_error(
            &headers,
            "bad_verification_code",
            "The code passed is incorrect or expired.",
        );
    };
    if grant.client_id != client_id || grant.expires_at < Utc::now() {
        return exchange_error(
            &headers,
            "bad_verification_code",
            "The code passed is incorrect or expired.",
        );
    }
    if f.redirect_uri.is_some() && f.redirect_uri != grant.redirect_uri {
        return exchange_error(
            &headers,
            "redirect_uri_mismatch",
            "The redirect_uri MUST match the registered callback URL for this application.",
        );
    }
    if let Some(challenge) = &grant.code_challenge {
        let verified = f.code_verifier.as_deref().is_some_and(|v| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(v.as_bytes()))
                == *challenge
        });
        if !verified {
            return exchange_error(
                &headers,
                "bad_verification_code",
                "The code_verifier does not match the code_challenge.",
            );
        }
    }
    let token = oauth.issue_token(grant.user_id);
    drop(oauth);
    exchange_answer(
        &headers,
        &[
            ("access_token", token.as_str()),
            ("token_type", "bearer"),
            ("scope", grant.scope.as_str()),
        ],
    )
}
