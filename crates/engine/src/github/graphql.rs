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
            let fatal: Vec<String> = errors
                .iter()
                .filter(|e| e["type"] != "NOT_FOUND" || value["data"].is_null())
                .map(|e| e["message"].as_str().unwrap_or("unknown error").to_string())
                .collect();
            if !fatal.is_empty() {
                return Err(GitHubError::GraphQl(fatal.join("; ")));
            }
            return serde_json::from_value(value["data"].clone()).map_err(|e| {
                GitHubError::Decode {
                    url: "/graphql".into(),
                    detail: e.to_string(),
                }
            });
        }
    }
}
