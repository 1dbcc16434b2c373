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

#[server(endpoint = "me")]
pub async fn signed_in_user() -> AppResult<Option<Me>> {
    let Some(user_id) = super::ssr::current_user_id().await? else {
        return Ok(None);
    };
    let engine = super::ssr::engine()?;
    let user = engine.user(user_id).await.map_err(super::ssr::user_error)?;
    Ok(user.map(|u| Me {
        login: u.login,
        name: u.name,
        avatar_url: u.avatar_url,
    }))
}
