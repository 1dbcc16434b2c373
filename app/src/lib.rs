//! The Leptos app: the HTML shell, the router, pages and components, and the server
//! functions they call. Rendered on the server (`ssr`); in the browser (`hydrate`) only its
//! islands (`#[island]`) hydrate; server-only code sits behind the `ssr` feature.

pub mod api;
pub mod components;
pub mod kept;
pub mod pages;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

/// Applies the theme the person picked before the first paint (a constant: nothing from a
/// request reaches it).
const THEME_SCRIPT: &str = "try{var t=localStorage.getItem('pulseboard-theme');if(t==='light'||t==='dark')document.documentElement.dataset.theme=t}catch(e){}";

/// The document around the app. ECharts is loaded from our own `public/` copy, with this
/// response's CSP nonce like every script the server writes.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let nonce = leptos::nonce::use_nonce();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" type="image/svg+xml" href="/favicon.svg"/>
                <script src="/vendor/echarts.min.js" defer nonce=nonce.clone()></script>
                // The theme the person picked (the top bar's button), before the first paint.
                <script nonce=nonce inner_html=THEME_SCRIPT></script>
                <AutoReload options=options.clone()/>
                <HydrationScripts options islands=true/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// Every page's `<title>`. leptos_meta (0.8.7) writes the server's `<title>` without
/// escaping it, and titles carry names from URLs and GitHub, so the server escapes them
/// here; in the browser the text goes to `document.title`, which is never parsed as HTML.
pub fn page_title(text: String) -> String {
    let title = if text.is_empty() {
        "Pulseboard".to_string()
    } else {
        format!("{text} · Pulseboard")
    };
    if cfg!(feature = "ssr") {
        html_escape::encode_text(&title).into_owned()
    } else {
        title
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="leptos" href="/pkg/pulseboard.css"/>
        <Title formatter=page_title/>
        <Router>
            <components::header::Header/>
            <main class="container">
                <Routes fallback=pages::not_found::NotFound>
                    <Route path=path!("") view=pages::home::Home/>
                    <Route path=path!("/overview") view=pages::overview::Overview/>
                    <Route path=path!("/dora") view=pages::dora::DoraPage/>
                    <Route path=path!("/metrics/:metric") view=pages::metric::MetricPage/>
                    <Route path=path!("/repos") view=pages::repositories::RepositoriesPage/>
                    <Route path=path!("/repos/:owner/:name") view=pages::repo::RepositoryPage/>
                    <Route path=path!("/repos/:owner/:name/settings") view=pages::settings::SettingsPage/>
                    <Route path=path!("/teams") view=pages::teams::TeamsPage/>
                    <Route path=path!("/orgs/:org") view=pages::organisation::OrganisationPage/>
                    <Route path=path!("/sync") view=pages::sync::SyncPage/>
                    <Route path=path!("/auth/error") view=pages::auth_error::AuthError/>
                </Routes>
            </main>
            <components::local_time::LocalTimes/>
            <PageLive/>
        </Router>
    }
}

/// Marks the page live for tests and the benchmarks: `body[data-hydrated=true]`, and
/// `data-hydrated-at`, in ms from the navigation's start (`bench/interactive.mjs` reads
/// it). The last island of every page: Leptos' loader hydrates islands in document order
/// and stops at one that fails, and each island's effects run in that order, so the mark
/// means every island before it is live.
#[island]
fn PageLive() -> impl IntoView {
    #[cfg(feature = "hydrate")]
    Effect::new(|_| {
        let Some(window) = web_sys::window() else {
            return;
        };
        if let Some(body) = window.document().and_then(|d| d.body()) {
            if let Some(p) = window.performance() {
                let _ = body.set_attribute("data-hydrated-at", &format!("{:.1}", p.now()));
            }
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
}
