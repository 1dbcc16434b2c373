//! A moment shown in the reader's time zone: the server writes it in UTC (it cannot know
//! the browser's zone), and the browser rewrites it in its own once the page is live.

use leptos::prelude::*;

/// `at`: an RFC 3339 moment.
#[component]
pub fn LocalTime(at: String) -> impl IntoView {
    let utc = at
        .get(..16)
        .map(|t| format!("{} UTC", t.replace('T', " ")))
        .unwrap_or_else(|| at.clone());
    let shown = RwSignal::new(utc);
    #[cfg(feature = "hydrate")]
    {
        let at = at.clone();
        Effect::new(move |_| {
            let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(&at));
            if !date.get_time().is_nan() {
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
                if let Some(text) = date.to_locale_string("en-GB", &options).as_string() {
                    shown.set(text);
                }
            }
        });
    }
    view! { <time datetime=at>{move || shown.get()}</time> }
}
