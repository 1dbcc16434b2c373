//! What a failed server function tells the page: a kind it can match on (signed out,
//! forbidden, not found, rate limited with when to retry, invalid input, unavailable,
//! internal) and a sentence that says what to do. Internals are logged on the server,
//! never sent.

use leptos::prelude::{FromServerFnError, ServerFnErrorErr};
use leptos::server_fn::codec::JsonEncoding;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("You are signed out. Sign in with GitHub to continue.")]
    SignedOut,
    /// GitHub does not let this person see it, or no longer accepts their sign-in.
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    /// GitHub's rate limit (or Pulseboard's) is spent; `retry_at` is a UTC time of day.
    #[error("{message}")]
    RateLimited {
        message: String,
        retry_at: Option<String>,
    },
    #[error("{0}")]
    Invalid(String),
    /// The database or GitHub cannot be reached right now; trying again may work.
    #[error("{0}")]
    Unavailable(String),
    #[error("Something went wrong on the server; the details are in its log.")]
    Internal,
    /// The request did not reach the server or its answer could not be read.
    #[error("Pulseboard could not be reached or answered unexpectedly; check the connection and try again.")]
    Transport,
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // The request's arguments did not decode: the client sent something odd.
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::MissingArg(_) => {
                AppError::Invalid("The request was not understood.".into())
            }
            _ => AppError::Transport,
        }
    }
}

/// The result every server function returns.
pub type AppResult<T> = Result<T, AppError>;
