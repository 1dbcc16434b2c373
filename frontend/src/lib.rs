//! The browser entry point. Pages are server-rendered; only their islands (the parts
//! marked `#[island]` in `app`: charts, forms, live progress) hydrate, each from its own
//! `<leptos-island>` element, and the rest of a page stays the server's HTML.

// The islands' hydration functions are exported from `app`.
use app as _;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
    // Lets tests (and curious people) see that the page is live, and since when (ms from
    // the navigation's start: `bench/interactive.mjs` reads it). Leptos' loader hydrates
    // the islands right after this function returns, in the same task; a timer runs
    // after that task, once every island is live.
    let Some(window) = web_sys::window() else {
        return;
    };
    let mark = wasm_bindgen::closure::Closure::once_into_js(|| {
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
    use wasm_bindgen::JsCast as _;
    let _ = window.set_timeout_with_callback(mark.unchecked_ref());
}
