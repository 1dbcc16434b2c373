//! Sign in with GitHub: the OAuth authorization-code flow with `state` and PKCE (S256),
//! both checked. The pending `state` and PKCE verifier travel in a short-lived sealed
//! cookie, so a failed or forged callback creates no session at all.

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use base64::Engine as _;
use oauth2::basic::BasicClient;
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, Scope, TokenResponse, TokenUrl,
};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use crate::config::OAuthApp;
use crate::state::{AppState, WebSettings};

/// The pending sign-in's cookie: `__Host-` prefixed over https (then its path must be `/`).
fn pending_cookie_name(web: &WebSettings) -> &'static str {
    if web.policy.https {
        "__Host-pulseboard_oauth"
    } else {
        "pulseboard_oauth"
    }
}
const PENDING_MAX_AGE_SECS: i64 = 600;
const PENDING_AAD: &[u8] = b"oauth-pending";
/// Private repositories need `repo`; organisations and teams need `read:org`.
pub const SCOPES: &[&str] = &["repo", "read:org"];

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/github/login", get(login))
        .route("/auth/github/callback", get(callback))
        .route("/auth/logout", post(logout))
}

#[derive(Serialize, Deserialize)]
struct Pending {
    state: String,
    verifier: String,
    /// Unix seconds; the cookie's Max-Age is advisory, this is enforced.
    issued_at: i64,
}

fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn callback_url(web: &WebSettings) -> String {
    let mut url = web.public_url.clone();
    url.set_path("/auth/github/callback");
    url.set_query(None);
    url.to_string()
}

fn endpoint(web: &WebSettings, path: &str) -> String {
    format!(
        "{}{path}",
        web.github_web_url.as_str().trim_end_matches('/')
    )
}

fn pending_cookie(web: &WebSettings, value: &str, max_age: i64) -> HeaderValue {
    let name = pending_cookie_name(web);
    let attributes = if web.policy.https {
        "Path=/; Secure"
    } else {
        "Path=/auth/github"
    };
    HeaderValue::from_str(&format!(
        "{name}={value}; {attributes}; Max-Age={max_age}; HttpOnly; SameSite=Lax"
    ))
    .expect("cookie text is ASCII")
}

fn error_redirect(web: &WebSettings, reason: &str) -> Response {
    let mut res = Redirect::to(&format!("/auth/error?reason={reason}")).into_response();
    res.headers_mut()
        .append(header::SET_COOKIE, pending_cookie(web, "", 0));
    res
}

async fn login(State(web): State<WebSettings>) -> Response {
    let Some(app) = &web.oauth else {
        return not_configured();
    };
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let Ok(client) = oauth_client(&web, app) else {
        return error_redirect(&web, "config");
    };
    let mut request = client
        .authorize_url(CsrfToken::new_random)
        .set_pkce_challenge(challenge);
    for scope in SCOPES {
        request = request.add_scope(Scope::new((*scope).to_string()));
    }
    let (url, state) = request.url();
    let pending = Pending {
        state: state.secret().clone(),
        verifier: verifier.secret().clone(),
        issued_at: now_secs(),
    };
    let json = serde_json::to_vec(&pending).expect("pending sign-in serialises");
    let sealed = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(web.oauth_cookie.seal(PENDING_AAD, &json));
    let mut res = Redirect::to(url.as_str()).into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        pending_cookie(&web, &sealed, PENDING_MAX_AGE_SECS),
    );
    res
}

fn not_configured() -> Response {
    (
        axum::http::StatusCode::SERVICE_UNAVAILABLE,
        axum::response::Html(
            "<!DOCTYPE html><html><head><title>Sign-in not configured · Pulseboard</title></head><body>\
             <h1>Sign-in with GitHub is not configured</h1>\
             <p>Create a GitHub OAuth app (see the README), then start Pulseboard with \
             <code>GITHUB_CLIENT_ID</code> and <code>GITHUB_CLIENT_SECRET</code> set. \
             To try Pulseboard without GitHub, run <code>pulseboard demo</code>.</p></body></html>",
        ),
    )
        .into_response()
}

type GitHubOAuthClient = oauth2::Client<
    oauth2::basic::BasicErrorResponse,
    oauth2::basic::BasicTokenResponse,
    oauth2::basic::BasicTokenIntrospectionResponse,
    oauth2::StandardRevocableToken,
    oauth2::basic::BasicRevocationErrorResponse,
    oauth2::EndpointSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointSet,
>;

fn oauth_client(
    web: &WebSettings,
    app: &OAuthApp,
) -> Result<GitHubOAuthClient, oauth2::url::ParseError> {
    Ok(BasicClient::new(ClientId::new(app.client_id.clone()))
        .set_client_secret(ClientSecret::new(app.client_secret.expose().to_string()))
        .set_auth_uri(AuthUrl::new(endpoint(web, "/login/oauth/authorize"))?)
        .set_token_uri(TokenUrl::new(endpoint(web, "/login/oauth/access_token"))?)
        .set_redirect_uri(RedirectUrl::new(callback_url(web))?))
}

#[derive(Debug, Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

fn read_pending(web: &WebSettings, headers: &HeaderMap) -> Option<Pending> {
    let value = crate::security::cookie(headers, pending_cookie_name(web))?;
    let sealed = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(value)
        .ok()?;
    let json = web.oauth_cookie.open(PENDING_AAD, &sealed)?;
    let pending: Pending = serde_json::from_slice(&json).ok()?;
    (now_secs() - pending.issued_at <= PENDING_MAX_AGE_SECS).then_some(pending)
}

/// Compares without stopping at the first difference.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

async fn callback(
    State(state): State<AppState>,
    Query(query): Query<CallbackQuery>,
    headers: HeaderMap,
    session: Session,
) -> Response {
    let web = &state.web;
    let Some(app) = &web.oauth else {
        return not_configured();
    };
    let Some(pending) = read_pending(web, &headers) else {
        tracing::warn!("sign-in callback without a valid pending sign-in cookie");
        return error_redirect(web, "state");
    };
    if query.error.is_some() {
        return error_redirect(web, "denied");
    }
    if !query
        .state
        .as_deref()
        .is_some_and(|s| same(s, &pending.state))
    {
        tracing::warn!("sign-in callback with a state that does not match this browser's");
        return error_redirect(web, "state");
    }
    let Some(code) = query.code.filter(|c| !c.is_empty()) else {
        return error_redirect(web, "code");
    };
    // One sign-in per pending cookie: a copy of it cannot be replayed.
    match state.engine.consume_sign_in_state(&pending.state).await {
        Ok(true) => {}
        Ok(false) => {
            tracing::warn!("sign-in callback replayed a pending sign-in that was already used");
            return error_redirect(web, "state");
        }
        Err(e) => {
            tracing::error!(error = %e, "could not record the sign-in's state");
            return error_redirect(web, "server");
        }
    }
    let Ok(client) = oauth_client(web, app) else {
        return error_redirect(web, "config");
    };
    let http = match reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(20))
        .build()
    {
        Ok(http) => http,
        Err(e) => {
            tracing::error!(error = %e, "cannot build the HTTP client for the token exchange");
            return error_redirect(web, "exchange");
        }
    };
    let token = match client
        .exchange_code(AuthorizationCode::new(code))
        .set_pkce_verifier(PkceCodeVerifier::new(pending.verifier))
        .request_async(&http)
        .await
    {
        Ok(token) => token,
        Err(e) => {
            // The error text holds GitHub's error code, never our secret or the token.
            tracing::warn!(error = %describe_exchange_error(&e), "GitHub refused the code exchange");
            return error_redirect(web, "exchange");
        }
    };
    let access_token = token.access_token().secret().clone();
    let scopes = token
        .scopes()
        .map(|s| s.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" "))
        .unwrap_or_default();
    let user = match state.engine.sign_in(&access_token, &scopes).await {
        Ok(u) => u,
        Err(engine::Error::GitHub(e)) => {
            tracing::warn!(error = %e, "GET /user failed after sign-in");
            return error_redirect(web, "github");
        }
        Err(e) => {
            tracing::error!(error = %e, "storing the signed-in user failed");
            return error_redirect(web, "server");
        }
    };
    // A new session id at sign-in, so an id planted before it is worthless after.
    let stored = async {
        session.cycle_id().await?;
        let me = app::api::account::Me {
            login: user.login.clone(),
            name: user.name.clone(),
            avatar_url: user.avatar_url.clone(),
        };
        app::api::ssr::start_session(&session, user.id, &me).await
    }
    .await;
    if let Err(e) = stored {
        tracing::error!(error = %e, "session store failed");
        return error_redirect(web, "server");
    }
    tracing::info!(login = %user.login, "signed in");
    let mut res = Redirect::to("/").into_response();
    res.headers_mut()
        .append(header::SET_COOKIE, pending_cookie(web, "", 0));
    res
}

fn describe_exchange_error<RE: std::error::Error + 'static>(
    e: &oauth2::RequestTokenError<RE, oauth2::basic::BasicErrorResponse>,
) -> String {
    match e {
        oauth2::RequestTokenError::ServerResponse(r) => format!("{:?}", r.error()),
        oauth2::RequestTokenError::Parse(_, body) => {
            // GitHub reports errors with status 200 and an `error` field.
            serde_json::from_slice::<serde_json::Value>(body)
                .ok()
                .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_string))
                .unwrap_or_else(|| "unreadable token response".into())
        }
        oauth2::RequestTokenError::Request(e) => format!("request failed: {e}"),
        oauth2::RequestTokenError::Other(s) => s.clone(),
    }
}

/// Signs out (POST only, from Pulseboard's own pages): the session is deleted, and its
/// event streams end.
async fn logout(State(state): State<AppState>, session: Session) -> Response {
    let id = session.id();
    if let Err(e) = session.flush().await {
        tracing::error!(error = %e, "could not end the session");
        return (
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            app::api::ssr::DATABASE_UNAVAILABLE,
        )
            .into_response();
    }
    if let Some(id) = id {
        let _ = state.signed_out.send(id);
    }
    Redirect::to("/").into_response()
}
