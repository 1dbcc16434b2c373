//! The GitHub client: octocrab as the transport (base URL for GitHub Enterprise Server and
//! the simulator, token auth), with our own models, error mapping and `Link` pagination.

pub mod app;
pub mod budget;
pub mod cache;
pub mod governor;
pub mod models;
pub mod pagination;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use http::StatusCode;
use octocrab::service::middleware::retry::RetryConfig;
use octocrab::Octocrab;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use self::budget::RateBudget;
use self::cache::{CachedResponse, ResponseCache};
use self::governor::{Api, Priority, RetryPolicy, Verdict};

use self::models::{GhRepository, GhUser};
use self::pagination::parse_link_header;

pub const DEFAULT_API_URL: &str = "https://api.github.com";
pub const PER_PAGE: u32 = 100;

#[derive(Debug, thiserror::Error)]
pub enum GitHubError {
    #[error("GitHub rejected the token (401 {0}): sign in again")]
    Unauthorized(String),
    #[error("GitHub says this does not exist or is not visible to you (404)")]
    NotFound,
    #[error("GitHub refused the request ({status}): {message}")]
    Forbidden { status: u16, message: String },
    #[error("GitHub answered {status}: {message}")]
    Status { status: u16, message: String },
    #[error("cannot reach GitHub: {0}")]
    Transport(String),
    #[error("GitHub's answer to {url} could not be read: {detail}")]
    Decode { url: String, detail: String },
    #[error("invalid GitHub API URL {0:?}")]
    BadBaseUrl(String),
    #[error("GitHub's GraphQL API refused the query: {0}")]
    GraphQl(String),
    #[error(
        "GitHub's rate limit for this account is spent (or kept for people using the dashboard) until {} UTC; try again then",
        reset_time(*.reset)
    )]
    RateLimited { reset: i64 },
}

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

    /// Turns an absolute URL from a `Link` header into a path under our base URL, so that
    /// octocrab sends the token with it (it never sends it to a foreign host).
    fn relative(&self, url: &str) -> Result<String, GitHubError> {
        if let Some(rest) = url.strip_prefix(&self.base) {
            return Ok(rest.to_string());
        }
        if url.starts_with('/') {
            return Ok(url.to_string());
        }
        Err(GitHubError::Decode {
            url: url.to_string(),
            detail: format!("link points outside {}", self.base),
        })
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
                Ok((status, headers, _)) => {
                    self.policy.verdict(Some((*status, headers)), attempt, now)
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

    /// One page of a REST list and the path of the next.
    pub async fn get_page<T: DeserializeOwned>(&self, path: &str) -> Result<Page<T>, GitHubError> {
        let (items, next) = self.get::<Vec<T>>(path).await?;
        let next = next.map(|n| self.relative(&n)).transpose()?;
        Ok(Page { items, next })
    }

    /// One page of a REST list asked for in a media type (e.g. stargazers with
    /// `application/vnd.github.star+json`).
    pub async fn get_page_as<T: DeserializeOwned>(
        &self,
        path: &str,
        accept: &'static str,
    ) -> Result<Page<T>, GitHubError> {
        let mut headers = http::HeaderMap::new();
        headers.insert(http::header::ACCEPT, http::HeaderValue::from_static(accept));
        let (items, next) = self.get_with::<Vec<T>>(path, headers).await?;
        let next = next.map(|n| self.relative(&n)).transpose()?;
        Ok(Page { items, next })
    }

    /// One page of a list GitHub wraps as `{"total_count", "<key>": [...]}` (Actions).
    pub async fn get_wrapped_page<T: DeserializeOwned>(
        &self,
        path: &str,
    ) -> Result<Page<T>, GitHubError> {
        let (items, next) = self.get::<T>(path).await?;
        let next = next.map(|n| self.relative(&n)).transpose()?;
        Ok(Page {
            items: vec![items],
            next,
        })
    }

    /// One object.
    pub async fn get_json<T: DeserializeOwned>(&self, path: &str) -> Result<T, GitHubError> {
        Ok(self.get(path).await?.0)
    }

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

    /// Every page of a REST list.
    pub async fn get_all<T: DeserializeOwned>(&self, first: &str) -> Result<Vec<T>, GitHubError> {
        let mut all = Vec::new();
        let mut next = Some(first.to_string());
        while let Some(path) = next {
            let page = self.get_page(&path).await?;
            all.extend(page.items);
            next = page.next;
        }
        Ok(all)
    }

    /// `GET /user`: who the token belongs to.
    pub async fn current_user(&self) -> Result<GhUser, GitHubError> {
        Ok(self.get("/user").await?.0)
    }

    /// `GET /user/repos`, every page: the repositories the token's user can access.
    pub async fn user_repositories(&self) -> Result<Vec<GhRepository>, GitHubError> {
        self.get_all(&format!(
            "/user/repos?per_page={PER_PAGE}&sort=full_name&affiliation=owner,collaborator,organization_member"
        ))
        .await
    }

    /// `GET /installation/repositories`, every page: what a GitHub App installation may
    /// read.
    pub async fn installation_repositories(&self) -> Result<Vec<GhRepository>, GitHubError> {
        let mut all = Vec::new();
        let mut next = Some(format!("/installation/repositories?per_page={PER_PAGE}"));
        while let Some(path) = next {
            let page = self
                .get_wrapped_page::<models::GhInstallationRepositories>(&path)
                .await?;
            all.extend(page.items.into_iter().flat_map(|p| p.repositories));
            next = page.next;
        }
        Ok(all)
    }

    /// `GET /orgs/{org}/repos`, every page: the organisation's repositories the token can
    /// see.
    pub async fn organization_repositories(
        &self,
        org: &str,
    ) -> Result<Vec<GhRepository>, GitHubError> {
        self.get_all(&format!("/orgs/{org}/repos?per_page={PER_PAGE}&type=all"))
            .await
    }

    /// `GET /repos/{owner}/{repo}`.
    pub async fn repository(&self, full_name: &str) -> Result<GhRepository, GitHubError> {
        Ok(self.get(&format!("/repos/{full_name}")).await?.0)
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

/// The octocrab clients for one token: REST, and GraphQL (GitHub Enterprise Server answers
/// REST under /api/v3 and GraphQL at /api/graphql; github.com and the simulator answer
/// both under one base).
#[derive(Clone)]
struct Transport {
    rest: Octocrab,
    gql: Octocrab,
    #[cfg(test)]
    token: String,
}

impl Transport {
    fn new(base: &str, token: &str) -> Result<Self, GitHubError> {
        let rest = transport(base, token)?;
        let gql = match base.strip_suffix("/api/v3") {
            Some(host) => transport(&format!("{host}/api"), token)?,
            None => rest.clone(),
        };
        Ok(Transport {
            rest,
            gql,
            #[cfg(test)]
            token: token.to_string(),
        })
    }
}

/// What renews an installation's token.
struct Installation {
    app: app::AppCredentials,
    id: u64,
    expires_at: std::sync::atomic::AtomicI64,
    renewing: tokio::sync::Mutex<()>,
    renewals: AtomicU32,
}

/// An octocrab client for one base URL and token, with octocrab's own retries off.
fn transport(base: &str, token: &str) -> Result<Octocrab, GitHubError> {
    Octocrab::builder()
        .base_uri(base)
        .map_err(|_| GitHubError::BadBaseUrl(base.to_string()))?
        .personal_token(token.to_string())
        // Retries and waiting are the engine's decision, not the transport's.
        .add_retry_config(RetryConfig::None)
        .set_connect_timeout(Some(Duration::from_secs(10)))
        .set_read_timeout(Some(Duration::from_secs(60)))
        .build()
        .map_err(|e| GitHubError::Transport(e.to_string()))
}

fn reset_time(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0)
        .map_or_else(|| unix.to_string(), |t| t.format("%H:%M:%S").to_string())
}

pub(crate) fn error_for(status: StatusCode, body: &str) -> GitHubError {
    let message = serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| {
            v.get("message")
                .and_then(|m| m.as_str())
                .map(str::to_string)
        })
        .unwrap_or_else(|| body.chars().take(200).collect());
    match status {
        StatusCode::UNAUTHORIZED => GitHubError::Unauthorized(message),
        StatusCode::NOT_FOUND => GitHubError::NotFound,
        StatusCode::FORBIDDEN
        | StatusCode::TOO_MANY_REQUESTS
        | StatusCode::UNAVAILABLE_FOR_LEGAL_REASONS => GitHubError::Forbidden {
            status: status.as_u16(),
            message,
        },
        _ => GitHubError::Status {
            status: status.as_u16(),
            message,
        },
    }
}
