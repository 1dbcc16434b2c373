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
        let error = match &value {
            // The request's arguments did not decode: the client sent something odd.
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::MissingArg(_) => {
                AppError::Invalid("The request was not understood.".into())
            }
            // A chunked body cut off at the size limit surfaces as a decoding error.
            ServerFnErrorErr::Deserialization(m) if m.contains("length limit exceeded") => {
                AppError::Invalid("The request is too large.".into())
            }
            _ => AppError::Transport,
        };
        // On the server these are the request's fault: say so in the status too.
        #[cfg(feature = "ssr")]
        if let Some(res) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
            let status = match (&value, &error) {
                (ServerFnErrorErr::Deserialization(_), AppError::Invalid(_)) => {
                    http::StatusCode::PAYLOAD_TOO_LARGE
                }
                (_, AppError::Invalid(_)) => http::StatusCode::BAD_REQUEST,
                _ => http::StatusCode::INTERNAL_SERVER_ERROR,
            };
            res.set_status(status);
        }
        error
    }
}

/// The result every server function returns.
pub type AppResult<T> = Result<T, AppError>;
