//! What a page shows when its numbers could not be loaded: the error, a way to sign in
//! when that is the cause, and a retry (the same address loaded again: the page is the
//! server's, and so is asking again).

use leptos::prelude::*;

use crate::api::AppError;

/// `testid`: the `data-testid` of the box (`repos-error`, `teams-error`).
#[component]
pub fn LoadError(e: AppError, testid: &'static str) -> impl IntoView {
    let signed_out = matches!(e, AppError::SignedOut);
    view! {
        <div class="error" role="alert" data-testid=testid>
            <p>{e.to_string()}</p>
            {if signed_out {
                view! { <a class="button primary" href="/auth/github/login" rel="external">"Sign in with GitHub"</a> }.into_any()
            } else {
                // An empty reference is this very address, its query included.
                view! { <a class="button secondary" href="" data-testid="retry">"Try again"</a> }.into_any()
            }}
        </div>
    }
}
