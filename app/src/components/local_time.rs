//! Moments shown in the reader's time zone: the server writes each in UTC (it cannot know
//! the browser's zone) as a `<time data-local>`, and one island on every page rewrites them
//! all in the browser's zone once the page is live.

use leptos::prelude::*;

/// `at`: an RFC 3339 moment, shown in UTC until [`LocalTimes`] rewrites it.
#[component]
pub fn LocalTime(at: String) -> impl IntoView {
    let utc = at
        .get(..16)
        .map(|t| format!("{} UTC", t.replace('T', " ")))
        .unwrap_or_else(|| at.clone());
    view! { <time datetime=at data-local="">{utc}</time> }
}

/// Rewrites every [`LocalTime`] of the page in the reader's zone (`2 Dec 2026, 10:27 CET`).
/// An island with nothing of its own to show: the moments are the server's HTML, outside
/// any island, so nothing else will rewrite them.
#[island]
pub fn LocalTimes() -> impl IntoView {
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| rewrite_all());
}

#[cfg(feature = "hydrate")]
fn rewrite_all() {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Ok(all) = document.query_selector_all("time[data-local]") else {
        return;
    };
    let options = js_sys::Object::new();
    for (k, v) in [
        ("year", "numeric"),
        ("month", "short"),
        ("day", "numeric"),
        ("hour", "2-digit"),
        ("minute", "2-digit"),
        ("timeZoneName", "short"),
    ] {
        let _ = js_sys::Reflect::set(&options, &k.into(), &v.into());
    }
    for k in 0..all.length() {
        let Some(element) = all
            .get(k)
            .and_then(|n| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(n).ok())
        else {
            continue;
        };
        let Some(at) = element.get_attribute("datetime") else {
            continue;
        };
        let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(&at));
        if date.get_time().is_nan() {
            continue;
        }
        if let Some(text) = date.to_locale_string("en-GB", &options).as_string() {
            element.set_text_content(Some(&text));
        }
    }
}
