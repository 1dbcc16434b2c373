//! GitHub clients acting as the people who signed in: each uses that person's stored
//! (encrypted) token and the shared response cache. The sync worker, the scheduler and
//! the `Engine`'s use cases get their clients here.

use std::sync::Arc;

use sqlx::PgPool;

use crate::auth::TokenCipher;
use crate::db;
use crate::github::cache::ResponseCache;
use crate::github::GitHubClient;

#[derive(Clone)]
pub struct Clients {
    pool: PgPool,
    cipher: TokenCipher,
    api_url: String,
    cache: Arc<dyn ResponseCache>,
    npm: Option<crate::npm::NpmClient>,
}

impl std::fmt::Debug for Clients {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Clients")
            .field("api_url", &self.api_url)
            .finish_non_exhaustive()
    }
}

impl Clients {
    /// Clients of GitHub's REST API at `api_url` (github.com, a GitHub Enterprise Server,
    /// or the simulator), with tokens from `pool` opened by `cipher`.
    pub fn new(pool: PgPool, cipher: TokenCipher, api_url: impl Into<String>) -> Self {
        Clients {
            cache: db::http_cache::PgResponseCache::shared(pool.clone()),
            pool,
            cipher,
            api_url: api_url.into(),
            npm: None,
        }
    }

    /// Reads npm downloads from npm's download counts API at `npm_url` (npm's, or the
    /// simulator's) in the syncs these clients serve.
    pub fn with_npm(mut self, npm: crate::npm::NpmClient) -> Self {
        self.npm = Some(npm);
        self
    }

    /// The npm client syncs read downloads with, if any.
    pub fn npm(&self) -> Option<crate::npm::NpmClient> {
        self.npm.clone()
    }

    pub fn api_url(&self) -> &str {
        &self.api_url
    }

    pub(crate) fn cipher(&self) -> &TokenCipher {
        &self.cipher
    }

    /// A client with `token` (not stored), sharing the response cache.
    pub fn with_token(&self, token: &str) -> crate::Result<GitHubClient> {
        Ok(GitHubClient::new(&self.api_url, token)?.with_cache(self.cache.clone()))
    }

    /// A client acting as this user, with their stored token, for background work (it
    /// leaves a reserve of the rate limit and waits out resets).
    ///
    /// Errors: `NoToken` when the user has none, `Decrypt` when the secret key changed.
    pub async fn for_user(&self, user_id: i64) -> crate::Result<GitHubClient> {
        let token = db::users::token(&self.pool, &self.cipher, user_id).await?;
        self.with_token(&token)
    }

    /// The same for a page someone is waiting on: it may spend the reserve and gives up
    /// on a rate limit after seconds, not an hour.
    pub async fn interactive_for_user(&self, user_id: i64) -> crate::Result<GitHubClient> {
        Ok(self.for_user(user_id).await?.interactive())
    }
}
