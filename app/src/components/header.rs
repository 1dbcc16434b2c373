//! The top bar: the product name, and who is signed in with a sign-out button.

use leptos::prelude::*;

use crate::api::signed_in_user;

#[component]
pub fn Header() -> impl IntoView {
    let who = Resource::new(|| (), |_| signed_in_user());
    view! {
        <header class="topbar">
            <a class="brand" href="/">"Pulseboard"</a>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match who.await {
                        Ok(Some(me)) => view! {
                            <div class="account">
                                <a class="nav" href="/overview" id="nav-overview">"Overview"</a>
                                <a class="nav" href="/dora" id="nav-dora">"DORA"</a>
                                <a class="nav" href="/sync" id="nav-sync">"Sync"</a>
                                <span class="login" data-testid="signed-in-as">{me.login}</span>
                                <form method="post" action="/auth/logout">
                                    <button type="submit" class="link" id="sign-out">"Sign out"</button>
                                </form>
                            </div>
                        }.into_any(),
                        Ok(None) => view! {
                            <a class="button" href="/auth/github/login" rel="external" id="sign-in-top">
                                "Sign in with GitHub"
                            </a>
                        }.into_any(),
                        // Unknown (the database is down, say): not "signed out".
                        Err(_) => view! { <span class="muted small" data-testid="account-unknown">"…"</span> }.into_any(),
                    }
                })}
            </Suspense>
        </header>
    }
}
