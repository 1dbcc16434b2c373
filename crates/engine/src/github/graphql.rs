//! GraphQL requests: the query and its variables, GitHub's point cost charged to the
//! GraphQL budget, and `errors` turned into [`GitHubError`]s.

use serde::de::DeserializeOwned;

use super::*;

impl GitHubClient {
    /// A GraphQL query (from `queries/`) with its variables: the `data`, under the retry
    /// policy, waiting out an exhausted GraphQL budget (`RATE_LIMITED`) like REST's.
    /// `NOT_FOUND` errors for some of many nodes come back as nulls in the data.
    pub async fn graphql<T: DeserializeOwned>(
        &self,
        query: &str,
        variables: serde_json::Value,
    ) -> Result<T, GitHubError> {
        Ok(self.graphql_partial(query, variables).await?.0)
    }

    /// The same, with the errors GitHub reported about parts of an answer that otherwise
    /// has data (a node it does not show, or refuses: `NOT_FOUND`, `FORBIDDEN` with a
    /// `path`): those parts are null in the data, and each error says which and why.
    pub async fn graphql_partial<T: DeserializeOwned>(
        &self,
        query: &str,
        variables: serde_json::Value,
    ) -> Result<(T, Vec<PartialError>), GitHubError> {
        let body = serde_json::json!({ "query": query, "variables": variables });
        let mut attempt = 0;
        loop {
            let (status, headers, text) = self
                .send("/graphql", http::HeaderMap::new(), Some(&body))
                .await?;
            if !status.is_success() {
                return Err(error_for(status, &text));
            }
            let value: serde_json::Value =
                serde_json::from_str(&text).map_err(|e| GitHubError::Decode {
                    url: "/graphql".into(),
                    detail: e.to_string(),
                })?;
            if let Some(cost) = value["data"]["rateLimit"]["cost"].as_u64() {
                self.points.fetch_add(cost as u32, Ordering::Relaxed);
            }
            let errors: Vec<&serde_json::Value> = value["errors"]
                .as_array()
                .map(|a| a.iter().collect())
                .unwrap_or_default();
            if errors.iter().any(|e| e["type"] == "RATE_LIMITED") {
                let now = chrono::Utc::now().timestamp();
                let reset = RateBudget::from_headers(&headers).map_or(now + 60, |b| b.reset);
                let wait = Duration::from_secs((reset - now).max(0) as u64 + 1);
                if attempt >= self.policy.max_retries || wait > self.policy.max_wait {
                    return Err(GitHubError::RateLimited { reset });
                }
                tracing::info!(
                    wait_secs = wait.as_secs(),
                    "waiting for GitHub's GraphQL rate limit"
                );
                self.retries.fetch_add(1, Ordering::Relaxed);
                self.waited_ms
                    .fetch_add(wait.as_millis() as u64, Ordering::Relaxed);
                tokio::time::sleep(wait).await;
                attempt += 1;
                continue;
            }
            // GitHub's transient failure (often a timeout): no data, an error without a
            // type. Retried with backoff like a 5xx, a bounded number of times.
            let transient = value["data"].is_null()
                && !errors.is_empty()
                && errors.iter().all(|e| {
                    e["type"].is_null()
                        && e["message"]
                            .as_str()
                            .is_some_and(|m| m.starts_with("Something went wrong"))
                });
            if transient && attempt < self.policy.max_retries {
                let pause = self.policy.backoff(attempt);
                tracing::debug!(attempt, "GitHub's GraphQL API failed transiently; retrying");
                self.retries.fetch_add(1, Ordering::Relaxed);
                self.waited_ms
                    .fetch_add(pause.as_millis() as u64, Ordering::Relaxed);
                tokio::time::sleep(pause).await;
                attempt += 1;
                continue;
            }
            let partial = |e: &serde_json::Value| {
                !value["data"].is_null()
                    && e["path"].is_array()
                    && (matches!(e["type"].as_str(), Some("NOT_FOUND" | "FORBIDDEN"))
                        || is_unavailable_field(e))
            };
            let fatal: Vec<String> = errors
                .iter()
                .filter(|e| !partial(e))
                .map(|e| e["message"].as_str().unwrap_or("unknown error").to_string())
                .collect();
            if !fatal.is_empty() {
                return Err(GitHubError::GraphQl(fatal.join("; ")));
            }
            let parts = errors
                .iter()
                .filter(|e| partial(e))
                .map(|e| PartialError {
                    path: e["path"].as_array().cloned().unwrap_or_default(),
                    kind: match e["type"].as_str() {
                        Some(kind) => kind.to_string(),
                        None => UNAVAILABLE.to_string(),
                    },
                    message: e["message"].as_str().unwrap_or_default().to_string(),
                })
                .collect();
            let data =
                serde_json::from_value(value["data"].clone()).map_err(|e| GitHubError::Decode {
                    url: "/graphql".into(),
                    detail: e.to_string(),
                })?;
            return Ok((data, parts));
        }
    }
}

/// The kind of a [`PartialError`] about one field GitHub could not compute for one item
/// ("The additions count for this commit is unavailable."): GitHub sends it without a
/// type; the item is null in the data.
pub const UNAVAILABLE: &str = "UNAVAILABLE";

/// Whether a GraphQL error says GitHub could not compute one field of one item (a huge
/// commit's `additions`, `deletions` or `changedFiles`): a path and no type.
fn is_unavailable_field(e: &serde_json::Value) -> bool {
    e["type"].is_null()
        && e["message"]
            .as_str()
            .is_some_and(|m| m.ends_with("is unavailable."))
}

/// An error GitHub reported about one part of a GraphQL answer.
#[derive(Debug, Clone, PartialEq)]
pub struct PartialError {
    /// Where in the data: e.g. `["nodes", 3]`.
    pub path: Vec<serde_json::Value>,
    /// GitHub's `type`: `NOT_FOUND` or `FORBIDDEN`, or [`UNAVAILABLE`] for a field it
    /// could not compute.
    pub kind: String,
    pub message: String,
}

impl PartialError {
    /// The index of the `nodes(ids:)` entry this error is about, if it is about one.
    pub fn node_index(&self) -> Option<usize> {
        match self.path.as_slice() {
            [first, index, ..] if first == "nodes" => index.as_u64().map(|i| i as usize),
            _ => None,
        }
    }

    /// The field GitHub could not compute, for an [`UNAVAILABLE`] error (the last
    /// element of its path), and the path of the item that holds it.
    pub fn unavailable_field(&self) -> Option<(&str, &[serde_json::Value])> {
        if self.kind != UNAVAILABLE {
            return None;
        }
        let (field, item) = self.path.split_last()?;
        Some((field.as_str()?, item))
    }

    /// GitHub's message, with what to do when the cause is an organisation's SAML single
    /// sign-on.
    pub fn reason(&self) -> String {
        if self.message.to_ascii_lowercase().contains("saml") {
            format!(
                "{} (authorise the token for SSO with that organisation, then sync again)",
                self.message
            )
        } else {
            self.message.clone()
        }
    }
}
