//! The engine's error type: what went wrong, in terms a caller can act on.

use crate::github::GitHubError;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("not found")]
    NotFound,
    /// The user may not see this repository (GitHub does not list it for them).
    #[error("you do not have access to this repository")]
    Forbidden,
    #[error("sign in again: no GitHub token is stored for this user")]
    NoToken,
    #[error(transparent)]
    GitHub(#[from] GitHubError),
    #[error("stored token could not be decrypted: was PULSEBOARD_SECRET_KEY changed?")]
    Decrypt,
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("{0}")]
    Invalid(String),
}

impl Error {
    /// Whether PostgreSQL could not be reached (as opposed to refusing a query): the
    /// request may succeed if tried again later.
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self,
            Error::Database(
                sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_)
            )
        )
    }
}
