//! What can go wrong asking GitHub, and how an HTTP answer maps to it.

use http::StatusCode;

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
    /// GitHub's explicit "nothing here": `204 No Content`, or `409` "Git Repository is
    /// empty." The only answers that may be read as an empty list.
    #[error("GitHub says the repository is empty")]
    Empty,
    /// A `Link` to somewhere that is not GitHub's API: not followed (the token is never
    /// sent to another host).
    #[error("GitHub's answer links to {url}, which is not GitHub's API at {base}; not followed")]
    ForeignLink { url: String, base: String },
    #[error(
        "GitHub's rate limit for this account is spent (or kept for people using the dashboard) until {} UTC; try again then",
        reset_time(*.reset)
    )]
    RateLimited { reset: i64 },
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
        StatusCode::NO_CONTENT => GitHubError::Empty,
        StatusCode::CONFLICT if message.to_ascii_lowercase().contains("repository is empty") => {
            GitHubError::Empty
        }
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
