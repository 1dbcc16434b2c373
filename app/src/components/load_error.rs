//! What a page shows when its numbers could not be loaded: the error, a way to sign in
//! when that is the cause, and a retry.

use leptos::prelude::*;

use crate::api::AppError;

/// `testid`: the `data-testid` of the box (`repos-error`, `teams-error`).
#[component]
pub fn LoadError(e: AppError, retry: Callback<()>, testid: &'static str) -> impl IntoView {
    view! {
        <div class="error" role="alert" data-testid=testid>
            <p>{e.to_string()}</p>
            {matches!(e, AppError::SignedOut).then(|| view! {
                <a class="button primary" href="/auth/github/login" rel="external">"Sign in with GitHub"</a>
            })}
            <button class="secondary" on:click=move |_| retry.run(())>"Try again"</button>
        </div>
    }
}
