//! The top bar: the product name, and who is signed in with a sign-out button.

use leptos::prelude::*;

use crate::api::signed_in_user;

/// The theme button: follows the system, then light, then dark; kept in the browser's
/// local storage and applied as `data-theme` on the document. An island: the one part of
/// the top bar that runs in the browser.
#[island]
fn ThemeToggle() -> impl IntoView {
    let theme = RwSignal::new(String::from("system"));
    // After hydration: the server cannot know what this browser stored.
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        let stored = web_sys::window()
            .and_then(|w| w.local_storage().ok().flatten())
            .and_then(|s| s.get_item(THEME_KEY).ok().flatten());
        if let Some(t) = stored.filter(|t| t == "light" || t == "dark") {
            theme.set(t);
        }
    });
    let next = move |_| {
        let t = match theme.get().as_str() {
            "system" => "light",
            "light" => "dark",
            _ => "system",
        };
        theme.set(t.to_string());
        #[cfg(feature = "hydrate")]
        apply(t);
    };
    view! {
        <button type="button" class="theme-toggle" id="theme-toggle" on:click=next
                title="Colour theme: follow the system, light or dark">
            {move || match theme.get().as_str() { "light" => "Theme: light", "dark" => "Theme: dark", _ => "Theme: auto" }}
        </button>
    }
}

#[cfg(feature = "hydrate")]
const THEME_KEY: &str = "pulseboard-theme";

#[cfg(feature = "hydrate")]
fn apply(theme: &str) {
    let Some(window) = web_sys::window() else {
        return;
    };
    if let Some(storage) = window.local_storage().ok().flatten() {
        let _ = if theme == "system" {
            storage.remove_item(THEME_KEY)
        } else {
            storage.set_item(THEME_KEY, theme)
        };
    }
    if let Some(root) = window.document().and_then(|d| d.document_element()) {
        let _ = if theme == "system" {
            root.remove_attribute("data-theme")
        } else {
            root.set_attribute("data-theme", theme)
        };
    }
}

#[component]
pub fn Header() -> impl IntoView {
    let who = Resource::new(|| (), |_| signed_in_user());
    let location = leptos_router::hooks::use_location();
    // `page` for the link of the page shown (aria-current), else nothing.
    let here = move |path: &'static str| (location.pathname.get() == path).then_some("page");
    view! {
        <header class="topbar">
            <a class="brand" href="/">"Pulseboard"</a>
            <div class="topbar-right">
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match who.await {
                        Ok(Some(me)) => view! {
                            <div class="account">
                                <nav class="pages" aria-label="Pages">
                                    <a class="nav" href="/overview" id="nav-overview" aria-current=move || here("/overview")>"Overview"</a>
                                    <a class="nav" href="/repos" id="nav-repos" aria-current=move || here("/repos")>"Repositories"</a>
                                    <a class="nav" href="/dora" id="nav-dora" aria-current=move || here("/dora")>"DORA"</a>
                                    <a class="nav" href="/teams" id="nav-teams" aria-current=move || here("/teams")>"Teams"</a>
                                    <a class="nav" href="/sync" id="nav-sync" aria-current=move || here("/sync")>"Sync"</a>
                                </nav>
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
            <ThemeToggle/>
            </div>
        </header>
    }
}
