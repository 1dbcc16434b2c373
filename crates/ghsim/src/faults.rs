//! Faults on demand: rules, set through `/_sim/faults` or flags, that make matching REST
//! requests slow, fail with a status, lose their connection, or arrive truncated, so every
//! failure GitHub can produce can be reproduced in a test.

use std::sync::Mutex;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::data::Rng;
use crate::rest::ApiError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fault {
    /// Answer with this status and GitHub's error body (500, 502, 503, 403, 404, 451, ...),
    /// with a `retry-after` header when given (as GitHub's secondary limits send).
    Status {
        status: u16,
        #[serde(default)]
        retry_after: Option<u64>,
    },
    /// Wait before answering: `ms`, plus up to `jitter_ms` more.
    Latency {
        ms: u64,
        #[serde(default)]
        jitter_ms: u64,
    },
    /// Drop the connection: the status line and headers arrive, the body never does.
    Reset,
    /// Send the headers and half of the body, then drop the connection.
    Truncate,
    /// `202 Accepted` with an empty object, as GitHub answers while it computes statistics.
    Accepted,
    /// `200 OK` with this body instead of the answer (a proxy's login page, say): an
    /// answer a client cannot read.
    Body { body: String },
    /// A refusal with GitHub's own message, e.g. `403` "The history or contributor list is
    /// too large to list contributors for this repository via the API."
    Refused { status: u16, message: String },
    /// `403` for a secondary rate limit that names no `retry-after` (budget left), as
    /// GitHub sometimes answers.
    SecondaryLimit,
    /// `200 OK` with `data: null` and one error without a type: GitHub's transient
    /// "Something went wrong while executing your query" (a GraphQL timeout).
    GraphqlError { message: String },
    /// The answer as usual, but `field` is null in the first `items` objects that have it,
    /// where GitHub's schema says it never is (a commit's `authoredDate` for a commit with
    /// a malformed date, say).
    NullField { field: String, items: u32 },
    /// A GraphQL `nodes(ids:)` answer in which the node `database_id` (a repository, or a
    /// check suite by its workflow run's id) is null, with
    /// a `FORBIDDEN` error at its path (an organisation enforcing SAML single sign-on),
    /// while the other nodes have their data.
    ForbidNode { database_id: u64, message: String },
    /// The answer as usual, but its `Link` header names `base` instead of the simulator's
    /// own address, as a GitHub Enterprise Server behind a proxy names its own host.
    LinkHost { base: String },
    /// A GraphQL answer in which GitHub could not compute `field` for the first `items`
    /// list entries that have it: each such entry is null and an error with `message` and
    /// no type names the field's path ("The additions count for this commit is
    /// unavailable." for a huge commit), the rest of the data as usual.
    UnavailableField {
        field: String,
        message: String,
        items: u32,
    },
    /// A GraphQL query asking for more than `max_first` items a page answers `502` with
    /// GitHub's "Something went wrong while executing your query" (the page is too heavy
    /// to compute in time); smaller pages are answered as usual.
    PageTooHeavy { max_first: u64 },
}

/// GitHub's body for a GraphQL query that failed or timed out on its side.
pub const SOMETHING_WENT_WRONG: &str = "Something went wrong while executing your query. This may be the result of a timeout, or it could be a GitHub bug. Please include `0000:BBBB:1111111:2222222:33333333` when reporting this issue.";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultRule {
    /// A route as `/_sim/stats` names it (`GET /repos/{owner}/{repo}/pulls`), or `*`.
    pub route: String,
    pub fault: Fault,
    /// How many matching requests it applies to; absent means until cleared.
    #[serde(default)]
    pub count: Option<u32>,
    /// How many matching requests pass untouched before it applies (to fail page 3 of 5).
    #[serde(default)]
    pub after: u32,
}

#[derive(Debug, Default)]
pub struct Faults {
    rules: Mutex<Vec<FaultRule>>,
    draws: Mutex<u64>,
}

impl Faults {
    pub fn add(&self, rule: FaultRule) {
        self.rules
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(rule);
    }

    pub fn clear(&self) {
        self.rules.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    pub fn list(&self) -> Vec<FaultRule> {
        self.rules.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The faults that apply to one request on `route`, using up counted rules. Latency
    /// rules combine with any one failing fault.
    pub fn take(&self, route: &str) -> (Option<Duration>, Option<Fault>) {
        let mut rules = self.rules.lock().unwrap_or_else(|e| e.into_inner());
        let mut delay = None;
        let mut failure = None;
        for rule in rules.iter_mut() {
            if !(rule.route == "*" || rule.route == route) || rule.count == Some(0) {
                continue;
            }
            if rule.after > 0 {
                rule.after -= 1;
                continue;
            }
            match &rule.fault {
                Fault::Latency { ms, jitter_ms } => {
                    let jitter = if *jitter_ms > 0 {
                        let mut draws = self.draws.lock().unwrap_or_else(|e| e.into_inner());
                        *draws += 1;
                        Rng::new(*draws).range(0, jitter_ms + 1)
                    } else {
                        0
                    };
                    delay = Some(Duration::from_millis(ms + jitter));
                }
                other if failure.is_none() => failure = Some(other.clone()),
                _ => continue,
            }
            if let Some(n) = rule.count.as_mut() {
                *n -= 1;
            }
        }
        rules.retain(|r| r.count != Some(0));
        (delay, failure)
    }
}

/// The response for a failing fault that replaces the handler's answer.
pub fn failure_response(fault: &Fault) -> Option<Response> {
    match fault {
        Fault::Status {
            status,
            retry_after,
        } => {
            let status = StatusCode::from_u16(*status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let message = match status.as_u16() {
                451 => "Repository access blocked",
                404 => "Not Found",
                403 => "Resource not accessible by integration",
                502 => "Server Error",
                503 => "Service Unavailable",
                _ => "Server Error",
            };
            let mut res = ApiError::new(status, message).into_response();
            if let Some(secs) = retry_after {
                res.headers_mut()
                    .insert(axum::http::header::RETRY_AFTER, (*secs).into());
            }
            Some(res)
        }
        Fault::Accepted => {
            Some((StatusCode::ACCEPTED, axum::Json(serde_json::json!({}))).into_response())
        }
        Fault::Reset => Some(broken(StatusCode::OK, Bytes::new())),
        Fault::Body { body } => Some(
            (
                StatusCode::OK,
                [(axum::http::header::CONTENT_TYPE, "text/html; charset=utf-8")],
                body.clone(),
            )
                .into_response(),
        ),
        Fault::Refused { status, message } => Some(
            ApiError::new(
                StatusCode::from_u16(*status).unwrap_or(StatusCode::FORBIDDEN),
                message,
            )
            .into_response(),
        ),
        Fault::SecondaryLimit => Some(
            ApiError::new(
                StatusCode::FORBIDDEN,
                "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID.",
            )
            .into_response(),
        ),
        Fault::GraphqlError { message } => Some(
            axum::Json(serde_json::json!({ "data": null, "errors": [{ "message": message }] }))
                .into_response(),
        ),
        Fault::Latency { .. }
        | Fault::Truncate
        | Fault::LinkHost { .. }
        | Fault::NullField { .. }
        | Fault::ForbidNode { .. }
        | Fault::UnavailableField { .. }
        | Fault::PageTooHeavy { .. } => None,
    }
}

/// A response whose body sends `prefix` and then fails, which makes the server drop the
/// connection mid-body: the client sees a reset or a truncated body.
pub fn broken(status: StatusCode, prefix: Bytes) -> Response {
    let chunks: Vec<Result<Bytes, std::io::Error>> = vec![
        Ok(prefix),
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "simulated fault",
        )),
    ];
    let mut res = Response::new(Body::from_stream(futures::stream::iter(chunks)));
    *res.status_mut() = status;
    res
}

/// Sets `field` to null in the first `items` objects of `body` (JSON) that have it.
pub fn null_field(body: &Bytes, field: &str, items: u32) -> Bytes {
    fn walk(v: &mut serde_json::Value, field: &str, left: &mut u32) {
        if *left == 0 {
            return;
        }
        match v {
            serde_json::Value::Object(map) => {
                if let Some(x) = map.get_mut(field) {
                    *x = serde_json::Value::Null;
                    *left -= 1;
                }
                for (_, child) in map.iter_mut() {
                    walk(child, field, left);
                }
            }
            serde_json::Value::Array(list) => {
                for child in list {
                    walk(child, field, left);
                }
            }
            _ => {}
        }
    }
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(mut v) => {
            let mut left = items;
            walk(&mut v, field, &mut left);
            Bytes::from(serde_json::to_vec(&v).unwrap_or_default())
        }
        Err(_) => body.clone(),
    }
}

/// Nulls the first `items` list entries of a GraphQL answer that have `field`, each with
/// an error naming the field's path (see [`Fault::UnavailableField`]).
pub fn unavailable_field(body: &Bytes, field: &str, message: &str, items: u32) -> Bytes {
    fn walk(
        v: &mut serde_json::Value,
        path: &mut Vec<serde_json::Value>,
        field: &str,
        left: &mut u32,
        found: &mut Vec<Vec<serde_json::Value>>,
    ) {
        match v {
            serde_json::Value::Object(map) => {
                for (key, child) in map.iter_mut() {
                    path.push(key.clone().into());
                    walk(child, path, field, left, found);
                    path.pop();
                }
            }
            serde_json::Value::Array(list) => {
                for (i, entry) in list.iter_mut().enumerate() {
                    if *left > 0 && entry.get(field).is_some() {
                        *entry = serde_json::Value::Null;
                        *left -= 1;
                        let mut at = path.clone();
                        at.extend([i.into(), field.into()]);
                        found.push(at);
                        continue;
                    }
                    path.push(i.into());
                    walk(entry, path, field, left, found);
                    path.pop();
                }
            }
            _ => {}
        }
    }
    let Ok(mut v) = serde_json::from_slice::<serde_json::Value>(body) else {
        return body.clone();
    };
    let mut found = Vec::new();
    let (mut path, mut left) = (Vec::new(), items);
    walk(&mut v["data"], &mut path, field, &mut left, &mut found);
    for at in found {
        let error = serde_json::json!({
            "path": at,
            "locations": [{ "line": 14, "column": 15 }],
            "message": message,
        });
        match v["errors"].as_array_mut() {
            Some(errors) => errors.push(error),
            None => v["errors"] = serde_json::json!([error]),
        }
    }
    Bytes::from(serde_json::to_vec(&v).unwrap_or_default())
}

/// Nulls the `nodes` entry whose `databaseId` is `database_id` and adds GitHub's
/// `FORBIDDEN` error at its path.
pub fn forbid_node(body: &Bytes, database_id: u64, message: &str) -> Bytes {
    let Ok(mut v) = serde_json::from_slice::<serde_json::Value>(body) else {
        return body.clone();
    };
    let mut hit = None;
    if let Some(nodes) = v["data"]["nodes"].as_array_mut() {
        for (i, node) in nodes.iter_mut().enumerate() {
            // A node by its own id, or a check suite by its workflow run's.
            let id = node["databaseId"]
                .as_u64()
                .or_else(|| node["workflowRun"]["databaseId"].as_u64());
            if id == Some(database_id) {
                *node = serde_json::Value::Null;
                hit = Some(i);
            }
        }
    }
    if let Some(i) = hit {
        let error = serde_json::json!({
            "type": "FORBIDDEN",
            "path": ["nodes", i],
            "extensions": { "saml_failure": true },
            "locations": [{ "line": 2, "column": 3 }],
            "message": message,
        });
        match v["errors"].as_array_mut() {
            Some(errors) => errors.push(error),
            None => v["errors"] = serde_json::json!([error]),
        }
    }
    Bytes::from(serde_json::to_vec(&v).unwrap_or_default())
}
