//! Who is signed in (the header, every page).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::AppResult;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub login: String,
    pub name: Option<String>,
    pub avatar_url: Option<String>,
}

/// Who is signed in: kept in the session at sign-in (`ssr::start_session`), so a page
/// asks PostgreSQL nothing more for its header than the session it already reads; a
/// session from before the person was kept there reads them from `users`.
#[server(endpoint = "me")]
pub async fn signed_in_user() -> AppResult<Option<Me>> {
    let session = super::ssr::session().await?;
    let Some(user_id) = super::ssr::user_id_in(&session).await? else {
        return Ok(None);
    };
    if let Ok(Some(me)) = session.get::<Me>(super::ssr::SESSION_ME).await {
        return Ok(Some(me));
    }
    let engine = super::ssr::engine()?;
    let user = engine.user(user_id).await.map_err(super::ssr::user_error)?;
    Ok(user.map(|u| Me {
        login: u.login,
        name: u.name,
        avatar_url: u.avatar_url,
    }))
}
