//! Webhooks as GitHub delivers them: hooks registered through the REST API
//! (`/repos/{owner}/{repo}/hooks`), one delivery attempt per event with GitHub's headers
//! and an HMAC-SHA256 signature over the exact body, a delivery log, and redelivery.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::Utc;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::data::{Hook, Permission, Repository, User, World};
use crate::json;
use crate::rest::{json_object, json_page, requested_repo, require_user, ApiError};
use crate::server::Simulator;

pub fn signature_256(secret: &[u8], body: &[u8]) -> String {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("HMAC accepts keys of any length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// One attempt to deliver an event to a hook, as GitHub's delivery log shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Delivery {
    pub id: u64,
    pub guid: String,
    pub hook_id: u64,
    pub repository_id: u64,
    pub event: String,
    pub action: Option<String>,
    pub redelivery: bool,
    pub delivered_at: String,
    /// Seconds the attempt took.
    pub duration: f64,
    /// `OK`, or what went wrong.
    pub status: String,
    /// The receiver's status code; 0 when it could not be reached.
    pub status_code: u16,
    #[serde(skip)]
    pub request_headers: Vec<(String, String)>,
    #[serde(skip)]
    pub body: Vec<u8>,
}

/// The delivery log and the HTTP client that delivers.
#[derive(Debug)]
pub struct Deliveries {
    log: std::sync::Mutex<Vec<Delivery>>,
    next_id: std::sync::atomic::AtomicU64,
    client: reqwest::Client,
}

impl Default for Deliveries {
    fn default() -> Self {
        Deliveries {
            log: std::sync::Mutex::default(),
            next_id: std::sync::atomic::AtomicU64::new(90_000_000_000),
            // GitHub gives a receiver ten seconds.
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("a plain HTTP client builds"),
        }
    }
}

/// An event ready to go out: which hooks get it is decided by their `events`.
#[derive(Debug, Clone)]
pub struct Event {
    pub repository_id: u64,
    pub name: &'static str,
    pub payload: Value,
}

impl Deliveries {
    pub fn list(&self) -> Vec<Delivery> {
        self.log.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn find(&self, id: u64) -> Option<Delivery> {
        self.list().into_iter().find(|d| d.id == id)
    }

    /// Sends `event` to every active hook of its repository that wants it, one attempt
    /// each, and records the attempts. Returns the delivery ids.
    pub async fn emit(&self, hooks: &[Hook], event: &Event) -> Vec<u64> {
        let body = serde_json::to_vec(&event.payload).unwrap_or_default();
        let action = event.payload["action"].as_str().map(str::to_string);
        let mut ids = Vec::new();
        let sends = hooks.iter().filter(|h| h.wants(event.name)).map(|h| {
            let guid = guid(&body, h.id);
            self.attempt(
                h,
                event.repository_id,
                event.name,
                action.clone(),
                guid,
                body.clone(),
                false,
            )
        });
        for id in futures::future::join_all(sends).await {
            ids.push(id);
        }
        ids
    }

    /// Sends a recorded delivery again: same GUID, same body, a new attempt.
    pub async fn redeliver(&self, hook: &Hook, delivery_id: u64) -> Option<u64> {
        let d = self.find(delivery_id)?;
        let event = leak_event_name(&d.event);
        Some(
            self.attempt(hook, d.repository_id, event, d.action, d.guid, d.body, true)
                .await,
        )
    }

    #[allow(clippy::too_many_arguments)]
    async fn attempt(
        &self,
        hook: &Hook,
        repository_id: u64,
        event: &'static str,
        action: Option<String>,
        guid: String,
        body: Vec<u8>,
        redelivery: bool,
    ) -> u64 {
        let id = self
            .next_id
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let (content_type, wire_body) = if hook.content_type == "form" {
            let encoded: String = url::form_urlencoded::byte_serialize(&body).collect::<String>();
            (
                "application/x-www-form-urlencoded",
                format!("payload={encoded}").into_bytes(),
            )
        } else {
            ("application/json", body.clone())
        };
        let mut headers = vec![
            (
                "User-Agent".to_string(),
                "GitHub-Hookshot/ghsim".to_string(),
            ),
            ("Content-Type".to_string(), content_type.to_string()),
            ("X-GitHub-Event".to_string(), event.to_string()),
            ("X-GitHub-Delivery".to_string(), guid.clone()),
            ("X-GitHub-Hook-ID".to_string(), hook.id.to_string()),
            (
                "X-GitHub-Hook-Installation-Target-Type".to_string(),
                "repository".to_string(),
            ),
            (
                "X-GitHub-Hook-Installation-Target-ID".to_string(),
                repository_id.to_string(),
            ),
        ];
        if let Some(secret) = &hook.secret {
            headers.push((
                "X-Hub-Signature-256".to_string(),
                signature_256(secret.as_bytes(), &wire_body),
            ));
        }
        let mut req = self.client.post(&hook.url).body(wire_body);
        for (k, v) in &headers {
            req = req.header(k, v);
        }
        let started = Instant::now();
        let (status, status_code) = match req.send().await {
            Ok(res) => {
                let code = res.status().as_u16();
                let status = if res.status().is_success() {
                    "OK".to_string()
                } else {
                    format!("Invalid HTTP Response: {code}")
                };
                (status, code)
            }
            Err(e) if e.is_timeout() => ("timed out".to_string(), 0),
            Err(_) => ("failed to connect to host".to_string(), 0),
        };
        let delivery = Delivery {
            id,
            guid,
            hook_id: hook.id,
            repository_id,
            event: event.to_string(),
            action,
            redelivery,
            delivered_at: json::ts(Utc::now()),
            duration: started.elapsed().as_secs_f64(),
            status,
            status_code,
            request_headers: headers,
            body,
        };
        tracing::debug!(hook = hook.id, event, status_code, "webhook delivered");
        self.log
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(delivery);
        id
    }
}

/// Event names are a closed set; map a logged one back to its static name.
fn leak_event_name(name: &str) -> &'static str {
    const NAMES: &[&str] = &[
        "ping",
        "push",
        "pull_request",
        "pull_request_review",
        "issues",
        "issue_comment",
        "workflow_run",
        "workflow_job",
        "check_run",
        "check_suite",
        "deployment",
        "deployment_status",
        "star",
        "watch",
        "release",
        "create",
        "delete",
        "fork",
        "repository",
    ];
    NAMES
        .iter()
        .find(|n| **n == name)
        .copied()
        .unwrap_or("ping")
}

/// A GUID like GitHub's, unique per delivery.
fn guid(body: &[u8], hook_id: u64) -> String {
    use sha2::Digest;
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut h = Sha256::new();
    h.update(body);
    h.update(hook_id.to_le_bytes());
    h.update(n.to_le_bytes());
    let x = hex::encode(h.finalize());
    format!(
        "{}-{}-{}-{}-{}",
        &x[..8],
        &x[8..12],
        &x[12..16],
        &x[16..20],
        &x[20..32]
    )
}

pub fn routes() -> Router<Arc<Simulator>> {
    Router::new()
        .route(
            "/repos/{owner}/{repo}/hooks",
            get(list_hooks).post(create_hook),
        )
        .route(
            "/repos/{owner}/{repo}/hooks/{id}",
            get(get_hook).delete(delete_hook),
        )
        .route(
            "/repos/{owner}/{repo}/hooks/{id}/deliveries",
            get(list_deliveries),
        )
        .route(
            "/repos/{owner}/{repo}/hooks/{id}/deliveries/{delivery}",
            get(get_delivery),
        )
        .route(
            "/repos/{owner}/{repo}/hooks/{id}/deliveries/{delivery}/attempts",
            post(redeliver),
        )
}

/// Hooks are an administrator's business; others get GitHub's 404.
fn admin_repo<'w>(
    sim: &Simulator,
    world: &'w World,
    headers: &HeaderMap,
    owner: &str,
    name: &str,
) -> Result<(&'w Repository, User), ApiError> {
    let user = require_user(sim, world, headers)?;
    let (repo, _) = requested_repo(sim, world, headers, owner, name)?;
    if repo.permission_of(user.id) != Some(Permission::Admin) {
        return Err(ApiError::not_found());
    }
    Ok((repo, user))
}

async fn list_hooks(
    State(sim): State<Arc<Simulator>>,
    headers: HeaderMap,
    Path((owner, name)): Path<(String, String)>,
    Query(query): Query<BTreeMap<String, String>>,
) -> Result<Response, ApiError> {
    let world = sim.read_world();
    let (repo, _) = admin_repo(&sim, &world, &headers, &owner, &name)?;
    let path = format!("/repos/{}/hooks", repo.full_name());
    Ok(json_page(
        &sim,
        &path,
        &query,
        repo.hooks.iter().collect(),
        |h| json::hook(h, repo, &sim.urls),
    ))
}

async fn get_hook(
    State(sim): State<Arc<Simulator>>,
    headers: HeaderMap,
    Path((owner, name, id)): Path<(String, String, u64)>,
) -> Result<Response, ApiError> {
    let world = sim.read_world();
    let (repo, _) = admin_repo(&sim, &world, &headers, &owner, &name)?;
    let h = repo
        .hooks
        .iter()
        .find(|h| h.id == id)
        .ok_or_else(ApiError::not_found)?;
    Ok(json_object(json::hook(h, repo, &sim.urls)))
}

#[derive(Debug, Deserialize)]
struct HookConfig {
    url: Option<String>,
    content_type: Option<String>,
    secret: Option<String>,
}

#[derive(Debug, Deserialize)]
struct CreateHook {
    name: Option<String>,
    config: Option<HookConfig>,
    events: Option<Vec<String>>,
    active: Option<bool>,
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, message)
}

async fn create_hook(
    State(sim): State<Arc<Simulator>>,
    headers: HeaderMap,
    Path((owner, name)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let req: CreateHook = serde_json::from_slice(&body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("Problems parsing JSON: {e}"),
        )
    })?;
    if req.name.as_deref().is_some_and(|n| n != "web") {
        return Err(invalid("Validation Failed: name must be \"web\""));
    }
    let config = req
        .config
        .ok_or_else(|| invalid("Validation Failed: config is missing"))?;
    let url = config
        .url
        .filter(|u| u.starts_with("http://") || u.starts_with("https://"))
        .ok_or_else(|| invalid("Validation Failed: config.url must be an http(s) URL"))?;
    let content_type = config.content_type.unwrap_or_else(|| "form".into());
    if content_type != "json" && content_type != "form" {
        return Err(invalid(
            "Validation Failed: content_type must be json or form",
        ));
    }
    let (stored, hook, repo_json, repo_id, sender) = {
        let mut world = sim.world.write().unwrap_or_else(|e| e.into_inner());
        let (repo_id, user) = {
            let (repo, user) = admin_repo(&sim, &world, &headers, &owner, &name)?;
            (repo.id, user)
        };
        let id = world.allocate_id();
        let now = world.now;
        let hook = Hook {
            id,
            url,
            secret: config.secret.filter(|s| !s.is_empty()),
            content_type,
            events: req.events.unwrap_or_else(|| vec!["push".into()]),
            active: req.active.unwrap_or(true),
            created_at: now,
            updated_at: now,
        };
        let repo = world
            .repos
            .iter_mut()
            .find(|r| r.id == repo_id)
            .ok_or_else(ApiError::not_found)?;
        repo.hooks.push(hook.clone());
        let repo = world.repo_by_id(repo_id).ok_or_else(ApiError::not_found)?;
        let hook_json = json::hook(&hook, repo, &sim.urls);
        (
            hook,
            hook_json,
            json::repository(repo, &world, None, &sim.urls),
            repo_id,
            json::simple_user(&user, &sim.urls),
        )
    };
    // GitHub pings a new hook.
    let ping = Event {
        repository_id: repo_id,
        name: "ping",
        payload: json!({
            "zen": "Keep it logically awesome.",
            "hook_id": hook["id"],
            "hook": hook,
            "repository": repo_json,
            "sender": sender,
        }),
    };
    // The ping goes to the new hook whatever events it subscribed to.
    let ping_hook = Hook {
        events: vec!["ping".into()],
        ..stored
    };
    sim.deliveries.emit(&[ping_hook], &ping).await;
    let mut res = (StatusCode::CREATED, axum::Json(hook)).into_response();
    res = crate::rest::with_github_headers(res);
    Ok(res)
}

async fn delete_hook(
    State(sim): State<Arc<Simulator>>,
    headers: HeaderMap,
    Path((owner, name, id)): Path<(String, String, u64)>,
) -> Result<Response, ApiError> {
    let mut world = sim.world.write().unwrap_or_else(|e| e.into_inner());
    let repo_id = admin_repo(&sim, &world, &headers, &owner, &name)?.0.id;
    let repo = world
        .repos
        .iter_mut()
        .find(|r| r.id == repo_id)
        .ok_or_else(ApiError::not_found)?;
    let before = repo.hooks.len();
    repo.hooks.retain(|h| h.id != id);
    if repo.hooks.len() == before {
        return Err(ApiError::not_found());
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

fn hook_of(repo: &Repository, id: u64) -> Result<Hook, ApiError> {
    repo.hooks
        .iter()
        .find(|h| h.id == id)
        .cloned()
        .ok_or_else(ApiError::not_found)
}

fn delivery_summary(d: &Delivery) -> Value {
    json!({
        "id": d.id,
        "guid": d.guid,
        "delivered_at": d.delivered_at,
        "redelivery": d.redelivery,
        "duration": d.duration,
        "status": d.status,
        "status_code": d.status_code,
        "event": d.event,
        "action": d.action,
        "installation_id": null,
        "repository_id": d.repository_id,
        "throttled_at": null,
    })
}

async fn list_deliveries(
    State(sim): State<Arc<Simulator>>,
    headers: HeaderMap,
    Path((owner, name, id)): Path<(String, String, u64)>,
    Query(query): Query<BTreeMap<String, String>>,
) -> Result<Response, ApiError> {
    let full_name = {
        let world = sim.read_world();
        let (repo, _) = admin_repo(&sim, &world, &headers, &owner, &name)?;
        hook_of(repo, id)?;
        repo.full_name()
    };
    let mut list: Vec<Delivery> = sim
        .deliveries
        .list()
        .into_iter()
        .filter(|d| d.hook_id == id)
        .collect();
    list.reverse();
    let path = format!("/repos/{full_name}/hooks/{id}/deliveries");
    Ok(json_page(&sim, &path, &query, list, |d| {
        delivery_summary(&d)
    }))
}

async fn get_delivery(
    State(sim): State<Arc<Simulator>>,
    headers: HeaderMap,
    Path((owner, name, id, delivery)): Path<(String, String, u64, u64)>,
) -> Result<Response, ApiError> {
    {
        let world = sim.read_world();
        let (repo, _) = admin_repo(&sim, &world, &headers, &owner, &name)?;
        hook_of(repo, id)?;
    }
    let d = sim
        .deliveries
        .find(delivery)
        .filter(|d| d.hook_id == id)
        .ok_or_else(ApiError::not_found)?;
    let mut v = delivery_summary(&d);
    let headers: serde_json::Map<String, Value> = d
        .request_headers
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    v["request"] = json!({
        "headers": headers,
        "payload": serde_json::from_slice::<Value>(&d.body).unwrap_or(Value::Null),
    });
    v["response"] = json!({ "headers": {}, "payload": null });
    v["url"] = Value::String(
        d.request_headers
            .first()
            .map(|_| String::new())
            .unwrap_or_default(),
    );
    Ok(json_object(v))
}

async fn redeliver(
    State(sim): State<Arc<Simulator>>,
    headers: HeaderMap,
    Path((owner, name, id, delivery)): Path<(String, String, u64, u64)>,
) -> Result<Response, ApiError> {
    let hook = {
        let world = sim.read_world();
        let (repo, _) = admin_repo(&sim, &world, &headers, &owner, &name)?;
        hook_of(repo, id)?
    };
    if sim
        .deliveries
        .find(delivery)
        .is_none_or(|d| d.hook_id != id)
    {
        return Err(ApiError::not_found());
    }
    sim.deliveries
        .redeliver(&hook, delivery)
        .await
        .ok_or_else(ApiError::not_found)?;
    Ok(crate::rest::with_github_headers(
        (StatusCode::ACCEPTED, axum::Json(json!({}))).into_response(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn githubs_documented_vector() {
        // https://docs.github.com/webhooks/using-webhooks/validating-webhook-deliveries
        assert_eq!(
            signature_256(b"It's a Secret to Everybody", b"Hello, World!"),
            "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
        );
    }

    #[test]
    fn any_change_changes_the_signature() {
        let base = signature_256(b"secret", b"{\"a\":1}");
        assert_ne!(signature_256(b"secret", b"{\"a\":2}"), base);
        assert_ne!(signature_256(b"secreT", b"{\"a\":1}"), base);
        assert_ne!(signature_256(b"secret", b"{\"a\":1} "), base);
    }

    #[test]
    fn guids_are_unique_and_shaped_like_githubs() {
        let a = guid(b"x", 1);
        let b = guid(b"x", 1);
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(a.matches('-').count(), 4);
    }
}
