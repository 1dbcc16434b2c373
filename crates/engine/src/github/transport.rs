//! The HTTP underneath a client: octocrab clients for REST and GraphQL per token, and
//! what renews a GitHub App installation's token.

use std::sync::atomic::AtomicU32;
use std::time::Duration;

use octocrab::service::middleware::retry::RetryConfig;
use octocrab::Octocrab;

use super::{app, GitHubError};

/// The octocrab clients for one token: REST, and GraphQL (GitHub Enterprise Server answers
/// REST under /api/v3 and GraphQL at /api/graphql; github.com and the simulator answer
/// both under one base).
#[derive(Clone)]
pub(super) struct Transport {
    pub(super) rest: Octocrab,
    pub(super) gql: Octocrab,
    #[cfg(test)]
    pub(super) token: String,
}

impl Transport {
    pub(super) fn new(base: &str, token: &str) -> Result<Self, GitHubError> {
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
pub(super) struct Installation {
    pub(super) app: app::AppCredentials,
    pub(super) id: u64,
    pub(super) expires_at: std::sync::atomic::AtomicI64,
    pub(super) renewing: tokio::sync::Mutex<()>,
    pub(super) renewals: AtomicU32,
}

/// An octocrab client for one base URL and token, with octocrab's own retries off.
pub(super) fn transport(base: &str, token: &str) -> Result<Octocrab, GitHubError> {
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
