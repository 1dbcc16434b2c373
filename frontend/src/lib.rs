//! The browser entry point: hydrates the server-rendered app.

use leptos::prelude::document;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Pages are lazy routes (`app::pages`): hydrating one may first fetch its WASM chunk,
    // so hydration is asynchronous, and the page is live only once it is done.
    wasm_bindgen_futures::spawn_local(async {
        let Some(body) = document().body() else {
            return;
        };
        let handle = leptos::mount::hydrate_from_async(body, app::App).await;
        handle.forget();
        mark_hydrated();
    });
}

/// Lets tests (and curious people) see that the page is live, and since when (ms from the
/// navigation's start: `bench/interactive.mjs` reads it).
fn mark_hydrated() {
    let Some(window) = web_sys::window() else {
        return;
    };
    if let Some(body) = window.document().and_then(|d| d.body()) {
        if let Some(p) = window.performance() {
            let _ = body.set_attribute("data-hydrated-at", &format!("{:.1}", p.now()));
        }
        let _ = body.set_attribute("data-hydrated", "true");
    }
}
