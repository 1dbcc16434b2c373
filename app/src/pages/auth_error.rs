//! Where a failed sign-in lands: says what happened and offers to try again.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

#[component]
pub fn AuthError() -> impl IntoView {
    let query = use_query_map();
    let reason = move || {
        match query.read().get("reason").as_deref() {
            Some("state") => "The sign-in request did not match the one this browser started (it may have expired, or been opened in another browser). Nothing was changed.",
            Some("denied") => "GitHub did not grant access to Pulseboard. Nothing was changed.",
            Some("code") => "GitHub's answer carried no authorization code. Nothing was changed.",
            Some("exchange") => "GitHub did not accept the authorization code. Nothing was changed; try again, and if it keeps happening check GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET.",
            Some("github") => "Signed in, but GitHub's user API could not be read. Try again shortly.",
            _ => "Sign-in did not complete. Nothing was changed.",
        }
    };
    view! {
        <section class="panel error" data-testid="auth-error">
            <h1>"Sign-in failed"</h1>
            <p>{reason}</p>
            <p><a class="button" href="/auth/github/login" rel="external">"Try again"</a></p>
        </section>
    }
}
