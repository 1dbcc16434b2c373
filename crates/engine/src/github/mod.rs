//! The GitHub client: octocrab as the transport (base URL for GitHub Enterprise Server and
//! the simulator, token auth), with our own models, error mapping and `Link` pagination.

pub mod app;
pub mod budget;
pub mod cache;
mod error;
pub mod governor;
mod graphql;
pub mod models;
pub mod pagination;
mod rest;
mod retry;
mod transport;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use http::StatusCode;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use self::budget::RateBudget;
use self::cache::{CachedResponse, ResponseCache};
use self::governor::{Api, Priority, RetryPolicy, Verdict};

use self::pagination::parse_link_header;

pub(crate) use self::error::error_for;
pub use self::error::GitHubError;
pub use self::graphql::PartialError;
use self::transport::{Installation, Transport};

pub const DEFAULT_API_URL: &str = "https://api.github.com";
pub const PER_PAGE: u32 = 100;

/// One page of a list and the link to the next one.
#[derive(Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
}

/// A client for one token. Cheap to build; build one per user or job. With a cache, every
/// GET it has made before is asked conditionally, so unchanged data costs no rate limit.
#[derive(Clone)]
pub struct GitHubClient {
    transport: Arc<std::sync::RwLock<Transport>>,
    /// Set when the client acts as a GitHub App installation, whose token it renews.
    installation: Option<Arc<Installation>>,
    base: String,
    cache: Option<Arc<dyn ResponseCache>>,
    token_sha256: [u8; 32],
    requests: Arc<AtomicU32>,
    not_modified: Arc<AtomicU32>,
    retries: Arc<AtomicU32>,
    waited_ms: Arc<std::sync::atomic::AtomicU64>,
    points: Arc<AtomicU32>,
    policy: RetryPolicy,
    priority: Priority,
    governor: Arc<governor::TokenGovernor>,
}

impl std::fmt::Debug for GitHubClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GitHubClient")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

impl GitHubClient {
    pub fn new(api_url: &str, token: &str) -> Result<Self, GitHubError> {
        let base = api_url.trim_end_matches('/').to_string();
        let identity = identity(&base, token);
        let mut client = GitHubClient::build(base, token, identity)?;
        client.token_sha256 = Sha256::digest(token.as_bytes()).into();
        Ok(client)
    }

    /// A client acting as a GitHub App installation: it mints an installation token now
    /// and a new one before each expires. Its rate limit, governor and cache are the
    /// installation's, whichever token is current.
    pub async fn for_installation(
        api_url: &str,
        app: &app::AppCredentials,
        installation_id: u64,
    ) -> Result<Self, GitHubError> {
        let base = api_url.trim_end_matches('/').to_string();
        let minted = app::installation_token(&base, app, installation_id).await?;
        let identity = identity(
            &base,
            &format!("app:{}:installation:{installation_id}", app.app_id),
        );
        let mut client = GitHubClient::build(base, &minted.token, identity)?;
        client.installation = Some(Arc::new(Installation {
            app: app.clone(),
            id: installation_id,
            expires_at: std::sync::atomic::AtomicI64::new(minted.expires_at),
            renewing: tokio::sync::Mutex::new(()),
            renewals: AtomicU32::new(0),
        }));
        Ok(client)
    }

    /// `identity` names whose budget, governor and cached answers these are.
    fn build(base: String, token: &str, identity: [u8; 32]) -> Result<Self, GitHubError> {
        Ok(GitHubClient {
            transport: Arc::new(std::sync::RwLock::new(Transport::new(&base, token)?)),
            installation: None,
            base,
            cache: None,
            token_sha256: identity,
            requests: Default::default(),
            not_modified: Default::default(),
            retries: Default::default(),
            waited_ms: Default::default(),
            points: Default::default(),
            policy: RetryPolicy::default(),
            priority: Priority::Background,
            governor: governor::TokenGovernor::shared(&identity),
        })
    }

    /// The token requests carry now (tests revoke it).
    #[cfg(test)]
    pub(crate) fn current_token(&self) -> String {
        self.transport
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .token
            .clone()
    }

    /// How many times an installation token was renewed (0 for other tokens).
    pub fn token_renewals(&self) -> u32 {
        self.installation
            .as_ref()
            .map_or(0, |i| i.renewals.load(Ordering::Relaxed))
    }

    /// The transports for the next request, renewing an installation token first when it
    /// is about to expire.
    async fn transports(&self) -> Result<Transport, GitHubError> {
        if let Some(inst) = &self.installation {
            if inst.expires_at.load(Ordering::Relaxed) - app::RENEW_BEFORE_SECS
                <= chrono::Utc::now().timestamp()
            {
                self.renew_installation_token().await?;
            }
        }
        Ok(self
            .transport
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone())
    }

    /// Mints a new installation token; requests waiting meanwhile use it too, and a
    /// renewal that another request just made is not repeated.
    async fn renew_installation_token(&self) -> Result<(), GitHubError> {
        let Some(inst) = &self.installation else {
            return Ok(());
        };
        let seen = inst.renewals.load(Ordering::Relaxed);
        let _one_at_a_time = inst.renewing.lock().await;
        if inst.renewals.load(Ordering::Relaxed) != seen {
            return Ok(());
        }
        let minted = app::installation_token(&self.base, &inst.app, inst.id).await?;
        let fresh = Transport::new(&self.base, &minted.token)?;
        *self.transport.write().unwrap_or_else(|e| e.into_inner()) = fresh;
        inst.expires_at.store(minted.expires_at, Ordering::Relaxed);
        inst.renewals.fetch_add(1, Ordering::Relaxed);
        tracing::info!(
            installation = inst.id,
            "renewed the GitHub App installation token"
        );
        Ok(())
    }

    /// The same client (token, cache, governor, budget) counting its requests anew, so that
    /// work running alongside other work can report its own cost.
    pub fn with_own_counters(&self) -> Self {
        let mut c = self.clone();
        c.requests = Default::default();
        c.not_modified = Default::default();
        c.retries = Default::default();
        c.waited_ms = Default::default();
        c.points = Default::default();
        c
    }

    /// Keeps GitHub's answers in Postgres and asks for them again conditionally.
    pub fn with_cache(mut self, cache: Arc<dyn ResponseCache>) -> Self {
        self.cache = Some(cache);
        self
    }

    /// A client for someone waiting on the answer (a server function): it may spend the
    /// reserve background work leaves, and gives up on a rate limit rather than keep the
    /// page waiting for more than a few seconds.
    pub fn interactive(mut self) -> Self {
        self.priority = Priority::Interactive;
        self.policy.max_wait = Duration::from_secs(10);
        self
    }

    /// How failed requests are retried and rate limits waited for.
    pub fn with_retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Requests this client's token may have in flight in this process.
    pub fn concurrency(&self) -> usize {
        self.governor.concurrency()
    }

    /// Requests sent again after a server error, a broken connection, a rate limit or a
    /// refused installation token.
    pub fn retries(&self) -> u32 {
        self.retries.load(Ordering::Relaxed)
    }

    /// Time spent waiting for rate limits and backing off, in milliseconds.
    pub fn waited_ms(&self) -> u64 {
        self.waited_ms.load(Ordering::Relaxed)
    }

    /// How many HTTP requests this client (and its clones) has sent.
    pub fn requests_made(&self) -> u32 {
        self.requests.load(Ordering::Relaxed)
    }

    /// Rate-limit points spent: one per REST request GitHub counted (not 304s), a GraphQL
    /// query's `rateLimit.cost`; none where GitHub reports no rate limit.
    pub fn points(&self) -> u32 {
        self.points.load(Ordering::Relaxed)
    }

    /// How many of them GitHub answered 304 Not Modified.
    pub fn not_modified(&self) -> u32 {
        self.not_modified.load(Ordering::Relaxed)
    }

    /// REST's rate-limit budget as the token's latest response reported it; `None` if the
    /// server reports none.
    pub fn budget(&self) -> Option<RateBudget> {
        self.governor.budget(Api::Rest)
    }

    /// Turns a URL from a `Link` header into a path under our base URL, so that octocrab
    /// sends the token with it (see [`pagination::link_path`]).
    fn relative(&self, url: &str) -> Result<String, GitHubError> {
        pagination::link_path(&self.base, url)
    }

    async fn cached(&self, path: &str) -> Option<CachedResponse> {
        let cache = self.cache.as_ref()?;
        match cache.find(&self.token_sha256, path).await {
            Ok(found) => found,
            Err(e) => {
                tracing::warn!(error = %e, "conditional-request cache unreadable; asking GitHub in full");
                None
            }
        }
    }

    async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
    ) -> Result<(T, Option<String>), GitHubError> {
        self.get_with(path, http::HeaderMap::new()).await
    }

    async fn get_with<T: DeserializeOwned>(
        &self,
        path: &str,
        extra: http::HeaderMap,
    ) -> Result<(T, Option<String>), GitHubError> {
        let cached = self.cached(path).await;
        let mut conditions = extra;
        if let Some(c) = &cached {
            let tag = c
                .etag
                .as_deref()
                .and_then(|e| http::HeaderValue::from_str(e).ok());
            let since = c
                .last_modified
                .as_deref()
                .and_then(|m| http::HeaderValue::from_str(m).ok());
            if let Some(tag) = tag {
                conditions.insert(http::header::IF_NONE_MATCH, tag);
            } else if let Some(since) = since {
                conditions.insert(http::header::IF_MODIFIED_SINCE, since);
            }
        }
        let (status, headers, body) = self.send(path, conditions, None).await?;
        let header = |name: http::header::HeaderName| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let (body, link) = match (status, cached) {
            (StatusCode::NOT_MODIFIED, Some(c)) => {
                self.not_modified.fetch_add(1, Ordering::Relaxed);
                let body = String::from_utf8(c.body).map_err(|e| GitHubError::Decode {
                    url: path.to_string(),
                    detail: format!("cached body: {e}"),
                })?;
                (body, c.link)
            }
            // No body at all: GitHub's way of saying an empty repository has no list.
            (StatusCode::NO_CONTENT, _) => return Err(GitHubError::Empty),
            (s, _) if s.is_success() => {
                let link = header(http::header::LINK);
                if let Some(cache) = &self.cache {
                    let entry = CachedResponse {
                        etag: header(http::header::ETAG),
                        last_modified: header(http::header::LAST_MODIFIED),
                        link: link.clone(),
                        body: body.clone().into_bytes(),
                    };
                    if entry.etag.is_some() || entry.last_modified.is_some() {
                        if let Err(e) = cache.store(&self.token_sha256, path, &entry).await {
                            tracing::warn!(error = %e, "could not keep GitHub's answer for conditional requests");
                        }
                    }
                }
                (body, link)
            }
            (s, _) => return Err(error_for(s, &body)),
        };
        let next = link.as_deref().and_then(|v| parse_link_header(v).next);
        let value = serde_json::from_str(&body).map_err(|e| GitHubError::Decode {
            url: path.to_string(),
            detail: e.to_string(),
        })?;
        Ok((value, next))
    }

    /// One request under the retry policy: the final status, headers and body.
    async fn send(
        &self,
        path: &str,
        conditions: http::HeaderMap,
        body: Option<&serde_json::Value>,
    ) -> Result<(StatusCode, http::HeaderMap, String), GitHubError> {
        let api = Api::of(body.is_some());
        let mut attempt = 0;
        let mut renewed = false;
        loop {
            let held = self
                .governor
                .admit(api, self.priority, self.policy.max_wait)
                .await?;
            self.waited_ms
                .fetch_add(held.as_millis() as u64, Ordering::Relaxed);
            let answer = {
                // At most a few requests in flight per token, across the whole process.
                let _permit = self.governor.permit().await;
                self.requests.fetch_add(1, Ordering::Relaxed);
                self.send_once(api, path, conditions.clone(), body).await
            };
            // An installation token GitHub no longer takes (our clock and GitHub's
            // disagree, or it was revoked): mint a new one, once.
            if let (Ok((StatusCode::UNAUTHORIZED, _, _)), Some(_), false) =
                (&answer, &self.installation, renewed)
            {
                renewed = true;
                self.retries.fetch_add(1, Ordering::Relaxed);
                self.renew_installation_token().await?;
                continue;
            }
            let now = chrono::Utc::now().timestamp();
            let verdict = match &answer {
                Ok((status, headers, body)) => {
                    self.policy
                        .verdict(Some((*status, headers, body.as_str())), attempt, now)
                }
                Err(_) => self.policy.verdict(None, attempt, now),
            };
            let pause = match verdict {
                Verdict::Accept => return answer,
                Verdict::Backoff(d) => {
                    tracing::debug!(
                        path,
                        attempt,
                        delay_ms = d.as_millis() as u64,
                        "retrying after a failure"
                    );
                    d
                }
                Verdict::Wait(d) => {
                    tracing::info!(
                        path,
                        wait_secs = d.as_secs(),
                        "waiting for GitHub's rate limit"
                    );
                    d
                }
            };
            self.retries.fetch_add(1, Ordering::Relaxed);
            self.waited_ms
                .fetch_add(pause.as_millis() as u64, Ordering::Relaxed);
            tokio::time::sleep(pause).await;
            attempt += 1;
        }
    }

    async fn send_once(
        &self,
        api: Api,
        path: &str,
        conditions: http::HeaderMap,
        body: Option<&serde_json::Value>,
    ) -> Result<(StatusCode, http::HeaderMap, String), GitHubError> {
        let transport = self.transports().await?;
        let response = match body {
            Some(body) => transport.gql._post(path, Some(body)).await,
            None => {
                transport
                    .rest
                    ._get_with_headers(path, Some(conditions))
                    .await
            }
        }
        .map_err(|e| GitHubError::Transport(e.to_string()))?;
        let status = response.status();
        let headers = response.headers().clone();
        if let Some(budget) = RateBudget::from_headers(&headers) {
            self.governor.observe(api, budget);
            // REST requests cost a point unless answered from the cache; GraphQL reports
            // its own cost in the body.
            if body.is_none() && status != StatusCode::NOT_MODIFIED {
                self.points.fetch_add(1, Ordering::Relaxed);
            }
        }
        // A body cut off mid-way is a transport failure, retried like a reset.
        let body = transport
            .rest
            .body_to_string(response)
            .await
            .map_err(|e| GitHubError::Transport(e.to_string()))?;
        Ok((status, headers, body))
    }
}

/// Whose budget, governor and cached answers a client's are: a server and who acts on it
/// (a token, or an app installation whatever its current token).
fn identity(base: &str, who: &str) -> [u8; 32] {
    Sha256::new()
        .chain_update(base.as_bytes())
        .chain_update(b"\n")
        .chain_update(who.as_bytes())
        .finalize()
        .into()
}
