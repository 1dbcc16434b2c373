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
    /// A sentence about what went wrong that anyone who may see the repository may read
    /// (it is stored in the sync history): no SQL, no URLs, no decoding details, no other
    /// person's rate-limit times. The full error goes to the log.
    pub fn public_message(&self) -> String {
        use crate::github::GitHubError as G;
        match self {
            Error::NotFound => "not found".into(),
            Error::Forbidden => "no access to this repository".into(),
            Error::NoToken => "nobody with access has a GitHub token here; sign in again".into(),
            Error::Decrypt => {
                "a stored GitHub token could not be read (was the secret key changed?)".into()
            }
            Error::Database(_) => "the database failed; the details are in the server's log".into(),
            Error::Invalid(m) => m.clone(),
            Error::GitHub(g) => match g {
                G::Unauthorized(_) => {
                    "GitHub rejected the token: its owner must sign in again".into()
                }
                G::NotFound => "GitHub says this does not exist or is not visible (404)".into(),
                G::Forbidden { status, .. } => format!("GitHub refused the request ({status})"),
                G::Status { status, .. } => format!("GitHub answered {status}"),
                G::Transport(_) => "GitHub could not be reached".into(),
                G::Decode { .. } => "GitHub's answer could not be read".into(),
                G::BadBaseUrl(_) => "the GitHub API URL is not valid".into(),
                G::GraphQl(_) => "GitHub's GraphQL API refused the query".into(),
                G::Empty => "GitHub says the repository is empty".into(),
                G::ForeignLink { .. } => {
                    "GitHub's answer linked outside its API; the link was not followed".into()
                }
                G::RateLimited { .. } => {
                    "GitHub's rate limit was spent; the next sync picks up from here".into()
                }
            },
        }
    }

    /// The same error for a second caller (one computation shared by several, as the
    /// report cache does): the same kind and sentence; a database error keeps whether
    /// PostgreSQL was unreachable, the rest of its detail is in the log once.
    pub fn duplicate(&self) -> Error {
        match self {
            Error::NotFound => Error::NotFound,
            Error::Forbidden => Error::Forbidden,
            Error::NoToken => Error::NoToken,
            Error::Decrypt => Error::Decrypt,
            Error::Invalid(m) => Error::Invalid(m.clone()),
            Error::Database(_) if self.is_unavailable() => {
                Error::Database(sqlx::Error::PoolTimedOut)
            }
            Error::Database(e) => Error::Database(sqlx::Error::Protocol(e.to_string())),
            Error::GitHub(_) => Error::Invalid(self.public_message()),
        }
    }

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
