//! The browser entry point: hydrates the server-rendered app.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
    // Lets tests (and curious people) see that the page is live, and since when (ms from
    // the navigation's start: `bench/interactive.mjs` reads it).
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
