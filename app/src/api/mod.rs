//! Server functions, one module per page, and the types that cross the wire. Each server
//! function asks who is signed in, calls one engine function, and maps the error to an
//! [`AppError`](error::AppError). The wire types are plain serialisable data; the server
//! maps engine types into them in one place (here, and `server::events` for progress).

pub mod account;
pub mod error;
pub mod metrics;
pub mod repositories;
pub mod settings;
pub mod sync;
pub mod teams;

pub use account::*;
pub use error::{AppError, AppResult};
pub use metrics::*;
pub use repositories::*;
pub use settings::*;
pub use sync::*;
pub use teams::*;

/// Server-side helpers shared by the server functions.
#[cfg(feature = "ssr")]
pub mod ssr {
    use http::StatusCode;
    use leptos::prelude::*;

    use super::error::{AppError, AppResult};

    /// Where the signed-in user's id is kept in the session.
    pub const SESSION_USER_ID: &str = "user_id";
    /// Where the signed-in person, as the header shows them, is kept in the session.
    pub const SESSION_ME: &str = "me";
    /// Where the sign-in time (Unix seconds) is kept in the session.
    pub const SESSION_SIGNED_IN_AT: &str = "signed_in_at";
    /// A session ends this long after sign-in however active it is (30 days).
    pub const SESSION_ABSOLUTE_SECS: i64 = 30 * 86_400;

    /// What people see when PostgreSQL cannot be reached.
    pub const DATABASE_UNAVAILABLE: &str =
        "The database is unavailable. Pulseboard keeps retrying; try again in a moment.";

    pub fn engine() -> AppResult<engine::Engine> {
        use_context::<engine::Engine>().ok_or_else(|| {
            tracing::error!("server misconfigured: no engine in context");
            fail(AppError::Internal)
        })
    }

    /// The HTTP status that goes with an error.
    pub fn status_of(e: &AppError) -> StatusCode {
        match e {
            AppError::SignedOut => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Invalid(_) => StatusCode::BAD_REQUEST,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal | AppError::Transport => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Sets the response's status for `e` and returns it.
    pub fn fail(e: AppError) -> AppError {
        if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
            res.set_status(status_of(&e));
        }
        e
    }

    fn now_secs() -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0)
    }

    /// Records who signed in, as the header shows them, and when, in a session whose id was
    /// just renewed. The header reads the person from here, not from PostgreSQL, on every
    /// page ([`super::account::signed_in_user`]); GitHub's name and avatar are read again
    /// at each sign-in.
    pub async fn start_session(
        session: &tower_sessions::Session,
        user_id: i64,
        me: &super::account::Me,
    ) -> Result<(), tower_sessions::session::Error> {
        session.insert(SESSION_USER_ID, user_id).await?;
        session.insert(SESSION_ME, me).await?;
        session.insert(SESSION_SIGNED_IN_AT, now_secs()).await
    }

    /// The signed-in user of a session, if any. A session older than its absolute
    /// lifetime (or from before sign-in times were kept) is ended here.
    pub async fn session_user_id(
        session: &tower_sessions::Session,
    ) -> Result<Option<i64>, tower_sessions::session::Error> {
        let Some(user_id) = session.get::<i64>(SESSION_USER_ID).await? else {
            return Ok(None);
        };
        let signed_in_at = session.get::<i64>(SESSION_SIGNED_IN_AT).await?;
        match signed_in_at {
            Some(t) if now_secs() - t <= SESSION_ABSOLUTE_SECS => Ok(Some(user_id)),
            _ => {
                session.flush().await?;
                Ok(None)
            }
        }
    }

    /// The request's session.
    pub async fn session() -> AppResult<tower_sessions::Session> {
        leptos_axum::extract().await.map_err(|e| {
            tracing::error!(error = %e, "no session layer");
            fail(AppError::Internal)
        })
    }

    /// The signed-in user's id in `session`, if any ([`session_user_id`], its errors as
    /// people see them).
    pub async fn user_id_in(session: &tower_sessions::Session) -> AppResult<Option<i64>> {
        session_user_id(session).await.map_err(|e| {
            tracing::error!(error = %e, "session store failed");
            fail(AppError::Unavailable(DATABASE_UNAVAILABLE.into()))
        })
    }

    /// The signed-in user's id, if any.
    pub async fn current_user_id() -> AppResult<Option<i64>> {
        user_id_in(&session().await?).await
    }

    pub async fn require_user_id() -> AppResult<i64> {
        match current_user_id().await? {
            Some(id) => Ok(id),
            None => Err(fail(AppError::SignedOut)),
        }
    }

    /// Engine errors become a kind, a status and a sentence a person can act on; internal
    /// details (SQL, decoding, GitHub's raw answers) go to the log only.
    pub fn user_error(e: engine::Error) -> AppError {
        use engine::github::GitHubError as G;
        use engine::Error as E;
        let error = match &e {
            E::NotFound => AppError::NotFound(
                "Not found: this repository is not on Pulseboard for you. Add it from the home page.".into(),
            ),
            E::Forbidden => AppError::Forbidden(e.to_string()),
            E::NoToken | E::GitHub(G::Unauthorized(_)) => AppError::Forbidden(
                "GitHub no longer accepts your sign-in: sign out and sign in with GitHub again.".into(),
            ),
            E::Invalid(m) => AppError::Invalid(m.clone()),
            E::GitHub(G::RateLimited { reset }) => AppError::RateLimited {
                message: e.to_string(),
                retry_at: chrono::DateTime::from_timestamp(*reset, 0)
                    .map(|t| t.format("%H:%M:%S UTC").to_string()),
            },
            E::GitHub(G::NotFound | G::Forbidden { .. }) => {
                AppError::Forbidden("GitHub does not let your account see this repository.".into())
            }
            E::GitHub(_) => {
                AppError::Unavailable("GitHub did not answer as expected; try again shortly.".into())
            }
            E::Database(_) if e.is_unavailable() => AppError::Unavailable(DATABASE_UNAVAILABLE.into()),
            E::Decrypt | E::Database(_) => AppError::Internal,
        };
        if status_of(&error).is_server_error() {
            tracing::error!(error = %e, "request failed");
        } else {
            tracing::info!(error = %e, "request refused");
        }
        fail(error)
    }
}
