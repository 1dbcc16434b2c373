//! What GitHub does around every REST call: the primary rate limit per token (with the
//! `x-ratelimit-*` headers), conditional requests (a strong `ETag`, `If-None-Match` and
//! `If-Modified-Since` answered 304 without spending the limit), and the accounting that
//! `/_sim/stats` reports. With rate limiting off (GitHub Enterprise Server's option) no
//! `x-ratelimit-*` header is sent and `/rate_limit` answers 404.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::rest::ApiError;
use crate::server::Simulator;

const PRIMARY_DOCS: &str =
    "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api";
const SECONDARY_DOCS: &str = "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits";

/// GitHub's primary rate-limit window.
/// GitHub's primary rate-limit window (tests may shorten it: `SimConfig::with_window`).
pub const WINDOW_SECS: i64 = 3600;
/// GitHub's limit for unauthenticated requests, per client address.
pub const UNAUTHENTICATED_PER_HOUR: u32 = 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateLimit {
    /// Requests per hour per token (GitHub: 5,000 for users and OAuth apps).
    PerHour(u32),
    /// Rate limiting switched off, as a GitHub Enterprise Server can be.
    Disabled,
}

impl Default for RateLimit {
    fn default() -> Self {
        RateLimit::PerHour(5000)
    }
}

/// GitHub's secondary limits per token: requests in flight at once, and requests per
/// minute (a GET costs one point). Exceeding either is a 403 with `retry-after`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecondaryLimits {
    pub max_concurrent: u32,
    pub per_minute: u32,
}

impl Default for SecondaryLimits {
    fn default() -> Self {
        SecondaryLimits {
            max_concurrent: 100,
            per_minute: 900,
        }
    }
}

/// The simulator's clock: wall time plus an offset that `/_sim/time` can advance, so tests
/// can reach a rate-limit reset without waiting an hour.
#[derive(Debug, Default)]
pub struct Clock {
    offset_secs: Mutex<i64>,
}

impl Clock {
    pub fn now(&self) -> i64 {
        chrono::Utc::now().timestamp() + *self.offset_secs.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn advance(&self, secs: i64) {
        *self.offset_secs.lock().unwrap_or_else(|e| e.into_inner()) += secs;
    }
}

#[derive(Debug, Clone, Copy)]
struct Window {
    started: i64,
    used: u32,
}

/// Counters for `/_sim/stats`: the source of truth for what a client spent.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Stats {
    pub requests: u64,
    /// Requests per route template, e.g. `GET /repos/{owner}/{repo}/pulls`.
    pub by_route: BTreeMap<String, u64>,
    pub not_modified: u64,
    pub rate_limit_points: u64,
    pub rate_limited: u64,
    /// Requests refused by a secondary limit.
    pub secondary_limited: u64,
    /// The most requests one token had in flight at once.
    pub concurrent_peak: u64,
}

#[derive(Debug, Default)]
pub struct Limits {
    windows: Mutex<HashMap<String, Window>>,
    minutes: Mutex<HashMap<String, Window>>,
    in_flight: Mutex<HashMap<String, u32>>,
    stats: Mutex<Stats>,
}

/// Holds one request's place in its token's in-flight count until dropped.
struct InFlight<'a> {
    limits: &'a Limits,
    key: String,
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        let mut in_flight = self
            .limits
            .in_flight
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(n) = in_flight.get_mut(&self.key) {
            *n = n.saturating_sub(1);
        }
    }
}

impl Limits {
    pub fn stats(&self) -> Stats {
        self.stats.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn reset_stats(&self) {
        *self.stats.lock().unwrap_or_else(|e| e.into_inner()) = Stats::default();
    }

    /// The window for `key` at `now`, opening a fresh one when the last has expired.
    fn window(&self, key: &str, now: i64, length: i64) -> Window {
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        let w = windows.entry(key.to_string()).or_insert(Window {
            started: now,
            used: 0,
        });
        if now >= w.started + length {
            *w = Window {
                started: now,
                used: 0,
            };
        }
        *w
    }

    /// Enters a request into the secondary limits: `Err(retry_after_secs)` when refused.
    fn admit(&self, key: &str, now: i64, secondary: SecondaryLimits) -> Result<InFlight<'_>, i64> {
        {
            let mut minutes = self.minutes.lock().unwrap_or_else(|e| e.into_inner());
            let m = minutes.entry(key.to_string()).or_insert(Window {
                started: now,
                used: 0,
            });
            if now >= m.started + 60 {
                *m = Window {
                    started: now,
                    used: 0,
                };
            }
            if m.used >= secondary.per_minute {
                return Err((m.started + 60 - now).max(1));
            }
            m.used += 1;
        }
        let mut in_flight = self.in_flight.lock().unwrap_or_else(|e| e.into_inner());
        let n = in_flight.entry(key.to_string()).or_insert(0);
        if *n >= secondary.max_concurrent {
            return Err(1);
        }
        *n += 1;
        let mut stats = self.stats.lock().unwrap_or_else(|e| e.into_inner());
        stats.concurrent_peak = stats.concurrent_peak.max(u64::from(*n));
        Ok(InFlight {
            limits: self,
            key: key.to_string(),
        })
    }

    fn spend(&self, key: &str, points: u32) {
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(w) = windows.get_mut(key) {
            w.used += points;
        }
    }
}

/// Who a request is charged to: its token, or (without one) the anonymous bucket.
fn bucket_of(headers: &HeaderMap) -> (String, bool) {
    match crate::rest::bearer_token(headers) {
        Some(token) => (format!("token:{token}"), true),
        None => ("anonymous".to_string(), false),
    }
}

fn rate_headers(res: &mut Response, resource: &str, limit: u32, used: u32, reset: i64) {
    let h = res.headers_mut();
    let mut set = |name: &'static str, value: String| {
        if let Ok(v) = HeaderValue::from_str(&value) {
            h.insert(name, v);
        }
    };
    set("x-ratelimit-limit", limit.to_string());
    set(
        "x-ratelimit-remaining",
        limit.saturating_sub(used).to_string(),
    );
    set("x-ratelimit-used", used.to_string());
    set("x-ratelimit-reset", reset.to_string());
    set("x-ratelimit-resource", resource.to_string());
}

fn etag_of(body: &[u8]) -> String {
    format!("\"{}\"", hex::encode(Sha256::digest(body)))
}

/// `If-None-Match` holds one or more tags (or `*`); weak tags compare by their value.
fn none_match_hits(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == "*" || t == etag)
}

fn modified_since_hits(headers: &HeaderMap, last_modified: Option<&HeaderValue>) -> bool {
    let parse = |v: &HeaderValue| {
        v.to_str()
            .ok()
            .and_then(|s| chrono::DateTime::parse_from_rfc2822(s).ok())
    };
    match (
        headers.get(header::IF_MODIFIED_SINCE).and_then(parse),
        last_modified.and_then(parse),
    ) {
        (Some(since), Some(modified)) => modified <= since,
        _ => false,
    }
}

/// The layer around the REST routes.
pub async fn enforce(State(sim): State<Arc<Simulator>>, req: Request, next: Next) -> Response {
    let route = format!(
        "{} {}",
        req.method(),
        req.extensions()
            .get::<MatchedPath>()
            .map(|p| p.as_str().to_string())
            .unwrap_or_else(|| "(unmatched)".into())
    );
    let (key, authenticated) = bucket_of(req.headers());
    // GraphQL has its own budget, spent in points rather than requests.
    let graphql = route == "POST /graphql";
    let resource = if graphql { "graphql" } else { "core" };
    let key = if graphql {
        format!("{key}#graphql")
    } else {
        key
    };
    let limit = match sim.rate_limit {
        RateLimit::PerHour(n) if authenticated => Some(n),
        RateLimit::PerHour(_) => Some(UNAUTHENTICATED_PER_HOUR),
        RateLimit::Disabled => None,
    };
    let now = sim.clock.now();
    {
        let mut stats = sim.limits.stats.lock().unwrap_or_else(|e| e.into_inner());
        stats.requests += 1;
        *stats.by_route.entry(route.clone()).or_default() += 1;
    }

    let (delay, failure) = sim.faults.take(&route);

    // Secondary limits apply where rate limiting is on at all.
    let _in_flight = if limit.is_some() {
        match sim.limits.admit(&key, now, sim.secondary) {
            Ok(guard) => Some(guard),
            Err(retry_after) => {
                sim.limits
                    .stats
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .secondary_limited += 1;
                let mut res = ApiError::new(
                    StatusCode::FORBIDDEN,
                    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
                )
                .documented_at(SECONDARY_DOCS)
                .into_response();
                if let Ok(v) = HeaderValue::from_str(&retry_after.to_string()) {
                    res.headers_mut().insert(header::RETRY_AFTER, v);
                }
                return res;
            }
        }
    } else {
        None
    };

    // Simulated latency is time the request spends in flight.
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }
    if let Some(res) = failure.as_ref().and_then(crate::faults::failure_response) {
        return res;
    }
    let req = match &failure {
        Some(crate::faults::Fault::PageTooHeavy { max_first }) => {
            let (parts, body) = req.into_parts();
            let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
                return StatusCode::BAD_REQUEST.into_response();
            };
            let first = serde_json::from_slice::<serde_json::Value>(&bytes)
                .ok()
                .and_then(|v| v["variables"]["first"].as_u64());
            if first.is_some_and(|first| first > *max_first) {
                let body = serde_json::json!({
                    "data": null,
                    "errors": [{ "message": crate::faults::SOMETHING_WENT_WRONG }],
                });
                return (StatusCode::BAD_GATEWAY, axum::Json(body)).into_response();
            }
            axum::extract::Request::from_parts(parts, Body::from(bytes))
        }
        _ => req,
    };

    let window = limit.map(|_| sim.limits.window(&key, now, sim.window_secs));
    if let (Some(limit), Some(w)) = (limit, window) {
        if w.used >= limit {
            sim.limits
                .stats
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .rate_limited += 1;
            if graphql {
                // GitHub answers an exhausted GraphQL budget with 200 and RATE_LIMITED.
                let mut res = axum::Json(json!({ "errors": [{
                    "type": "RATE_LIMITED",
                    "message": "API rate limit exceeded for this token.",
                }]}))
                .into_response();
                rate_headers(
                    &mut res,
                    resource,
                    limit,
                    w.used,
                    w.started + sim.window_secs,
                );
                return res;
            }
            let message = if authenticated {
                "API rate limit exceeded for this token."
            } else {
                "API rate limit exceeded. (But here's the good news: Authenticated requests get a higher rate limit. Check out the documentation for more details.)"
            };
            let mut res = ApiError::new(StatusCode::FORBIDDEN, message)
                .documented_at(PRIMARY_DOCS)
                .into_response();
            rate_headers(
                &mut res,
                resource,
                limit,
                w.used,
                w.started + sim.window_secs,
            );
            return res;
        }
    }

    let mut req = req;
    if graphql {
        req.extensions_mut().insert(crate::graphql::Budget {
            limit,
            used: window.map_or(0, |w| w.used),
            reset: window.map_or(now, |w| w.started + sim.window_secs),
        });
    }
    let is_get = req.method() == Method::GET;
    let request_headers = req.headers().clone();
    let res = next.run(req).await;
    let points = match res.extensions().get::<crate::graphql::Spent>() {
        Some(spent) => spent.0,
        None => 1,
    };
    let (mut parts, body) = res.into_parts();
    let mut bytes: Bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(b) => b,
        Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    if let Some(crate::faults::Fault::NullField { field, items }) = &failure {
        bytes = crate::faults::null_field(&bytes, field, *items);
        parts.headers.remove(header::CONTENT_LENGTH);
    }
    if let Some(crate::faults::Fault::UnavailableField {
        field,
        message,
        items,
    }) = &failure
    {
        bytes = crate::faults::unavailable_field(&bytes, field, message, *items);
        parts.headers.remove(header::CONTENT_LENGTH);
    }
    if let Some(crate::faults::Fault::ForbidNode {
        database_id,
        message,
    }) = &failure
    {
        bytes = crate::faults::forbid_node(&bytes, *database_id, message);
        parts.headers.remove(header::CONTENT_LENGTH);
    }

    if is_get && parts.status == StatusCode::OK {
        let etag = etag_of(&bytes);
        let hit = none_match_hits(&request_headers, &etag)
            || (request_headers.get(header::IF_NONE_MATCH).is_none()
                && modified_since_hits(&request_headers, parts.headers.get(header::LAST_MODIFIED)));
        if let Ok(v) = HeaderValue::from_str(&etag) {
            parts.headers.insert(header::ETAG, v);
        }
        if hit {
            // A 304 costs nothing against the rate limit.
            sim.limits
                .stats
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .not_modified += 1;
            let mut res = Response::from_parts(parts, Body::empty());
            *res.status_mut() = StatusCode::NOT_MODIFIED;
            res.headers_mut().remove(header::CONTENT_TYPE);
            if let (Some(limit), Some(w)) = (limit, window) {
                rate_headers(
                    &mut res,
                    resource,
                    limit,
                    w.used,
                    w.started + sim.window_secs,
                );
            }
            return res;
        }
    }

    let truncate = failure == Some(crate::faults::Fault::Truncate);
    let mut res = if truncate {
        let mut res = crate::faults::broken(parts.status, bytes.slice(..bytes.len() / 2));
        *res.headers_mut() = parts.headers;
        // The full length is announced, so the client knows the body was cut.
        if let Ok(v) = HeaderValue::from_str(&bytes.len().to_string()) {
            res.headers_mut().insert(header::CONTENT_LENGTH, v);
        }
        res
    } else {
        Response::from_parts(parts, Body::from(bytes))
    };
    if let Some(crate::faults::Fault::LinkHost { base }) = &failure {
        let own = sim.urls.api.trim_end_matches('/');
        let rewritten = res
            .headers()
            .get(header::LINK)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.replace(own, base.trim_end_matches('/')));
        if let Some(v) = rewritten.and_then(|v| HeaderValue::from_str(&v).ok()) {
            res.headers_mut().insert(header::LINK, v);
        }
    }
    if let (Some(limit), Some(w)) = (limit, window) {
        sim.limits.spend(&key, points);
        sim.limits
            .stats
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .rate_limit_points += u64::from(points);
        rate_headers(
            &mut res,
            resource,
            limit,
            w.used + points,
            w.started + sim.window_secs,
        );
    }
    res
}

/// `GET /rate_limit`: the caller's budget. It does not count against it.
pub async fn rate_limit_status(State(sim): State<Arc<Simulator>>, headers: HeaderMap) -> Response {
    let (key, authenticated) = bucket_of(&headers);
    let limit = match sim.rate_limit {
        RateLimit::Disabled => {
            return crate::rest::ApiError::new(
                StatusCode::NOT_FOUND,
                "Rate limiting is not enabled.",
            )
            .into_response();
        }
        RateLimit::PerHour(n) if authenticated => n,
        RateLimit::PerHour(_) => UNAUTHENTICATED_PER_HOUR,
    };
    let w = sim.limits.window(&key, sim.clock.now(), sim.window_secs);
    let core = json!({
        "limit": limit,
        "used": w.used,
        "remaining": limit.saturating_sub(w.used),
        "reset": w.started + sim.window_secs,
        "resource": "core"
    });
    let search = json!({
        "limit": 30, "used": 0, "remaining": 30, "reset": sim.clock.now() + 60, "resource": "search"
    });
    let g = sim
        .limits
        .window(&format!("{key}#graphql"), sim.clock.now(), sim.window_secs);
    let graphql = json!({
        "limit": limit,
        "used": g.used,
        "remaining": limit.saturating_sub(g.used),
        "reset": g.started + WINDOW_SECS,
        "resource": "graphql"
    });
    let mut res = axum::Json(json!({
        "resources": { "core": core, "search": search, "graphql": graphql },
        "rate": core
    }))
    .into_response();
    rate_headers(&mut res, "core", limit, w.used, w.started + sim.window_secs);
    res
}
