//! The browser entry point. Pages are server-rendered; only their islands (the parts
//! marked `#[island]` in `app`: charts, forms, live progress) hydrate, each from its own
//! `<leptos-island>` element, and the rest of a page stays the server's HTML. The page says
//! when its islands are live (`app`'s `PageLive`).

// The islands' hydration functions are exported from `app`.
use app as _;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
