//! Drawing a charming chart with the ECharts that `public/` serves, under the CSP: the
//! option charming builds, with tooltips drawn on the canvas (`renderMode: richText`),
//! since ECharts' HTML tooltips write `style` attributes that the CSP rightly refuses.

/// Draws `chart` into the element `id` at `width` × `height` pixels, replacing a chart
/// drawn there before; returns the ECharts instance.
#[cfg(feature = "hydrate")]
pub fn render(
    id: &str,
    chart: &charming::Chart,
    width: u32,
    height: u32,
) -> Result<wasm_bindgen::JsValue, String> {
    use js_sys::{Function, Reflect, JSON};
    use wasm_bindgen::{JsCast, JsValue};

    let mut option = serde_json::to_value(chart).map_err(|e| e.to_string())?;
    match option.get_mut("tooltip") {
        Some(serde_json::Value::Array(all)) => {
            for t in all {
                t["renderMode"] = "richText".into();
            }
        }
        Some(t @ serde_json::Value::Object(_)) => t["renderMode"] = "richText".into(),
        _ => {}
    }
    let window = web_sys::window().ok_or("no window")?;
    let element = window
        .document()
        .and_then(|d| d.get_element_by_id(id))
        .ok_or_else(|| format!("no element #{id}"))?;
    let echarts = Reflect::get(&window, &"echarts".into()).map_err(|_| "ECharts is not loaded")?;
    let call = |target: &JsValue, name: &str, args: &[&JsValue]| -> Result<JsValue, String> {
        let f: Function = Reflect::get(target, &name.into())
            .ok()
            .and_then(|f| f.dyn_into().ok())
            .ok_or_else(|| format!("ECharts has no {name}"))?;
        let args: js_sys::Array = args.iter().copied().collect();
        f.apply(target, &args).map_err(|e| format!("{name}: {e:?}"))
    };
    let old = call(&echarts, "getInstanceByDom", &[element.as_ref()])?;
    if !old.is_undefined() && !old.is_null() {
        call(&old, "dispose", &[])?;
    }
    let size = JSON::parse(&format!(r#"{{"width":{width},"height":{height}}}"#))
        .map_err(|e| format!("{e:?}"))?;
    // ECharts' own dark theme on a dark page (its text and lines are legible there), on
    // the page's own background.
    let theme = if dark(&window) {
        option["backgroundColor"] = "transparent".into();
        JsValue::from_str("dark")
    } else {
        JsValue::NULL
    };
    let instance = call(&echarts, "init", &[element.as_ref(), &theme, &size])?;
    follow_resizes(&window);
    let option = JSON::parse(&option.to_string()).map_err(|e| format!("{e:?}"))?;
    call(&instance, "setOption", &[&option])?;
    Ok(instance)
}

/// Whether the page is dark: the theme the top bar's button picked, else the system's.
#[cfg(feature = "hydrate")]
fn dark(window: &web_sys::Window) -> bool {
    let picked = window
        .document()
        .and_then(|d| d.document_element())
        .and_then(|e| e.get_attribute("data-theme"));
    match picked.as_deref() {
        Some("dark") => true,
        Some(_) => false,
        None => window
            .match_media("(prefers-color-scheme: dark)")
            .ok()
            .flatten()
            .is_some_and(|m| m.matches()),
    }
}

/// Whether the person asked for less motion (`prefers-reduced-motion: reduce`): charts
/// then appear without growing bars or drawing lines.
#[cfg(feature = "hydrate")]
pub fn reduced_motion() -> bool {
    web_sys::window()
        .and_then(|w| {
            w.match_media("(prefers-reduced-motion: reduce)")
                .ok()
                .flatten()
        })
        .is_some_and(|m| m.matches())
}

/// The width to draw a chart at in the element `id`: its own, at least `min`; `fallback`
/// when it is not in the document.
#[cfg(feature = "hydrate")]
pub fn width_of(id: &str, min: i32, fallback: u32) -> u32 {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
        .map(|e| e.client_width().max(min) as u32)
        .unwrap_or(fallback)
}

/// Once per page: when the window's size changes (a phone turned, a window narrowed), each
/// chart (`.chart` holding an ECharts instance) is redrawn at its container's new width.
#[cfg(feature = "hydrate")]
fn follow_resizes(window: &web_sys::Window) {
    use js_sys::{Function, Reflect, JSON};
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::{JsCast, JsValue};

    thread_local! {
        static FOLLOWING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    }
    if FOLLOWING.with(|f| f.replace(true)) {
        return;
    }
    let on_resize = Closure::<dyn Fn()>::new(|| {
        let Some(window) = web_sys::window() else {
            return;
        };
        let Some(document) = window.document() else {
            return;
        };
        let Ok(echarts) = Reflect::get(&window, &"echarts".into()) else {
            return;
        };
        let method = |target: &JsValue, name: &str| -> Option<Function> {
            Reflect::get(target, &name.into()).ok()?.dyn_into().ok()
        };
        let Some(get) = method(&echarts, "getInstanceByDom") else {
            return;
        };
        let Ok(charts) = document.query_selector_all(".chart") else {
            return;
        };
        for k in 0..charts.length() {
            let Some(element) = charts
                .get(k)
                .and_then(|n| n.dyn_into::<web_sys::Element>().ok())
            else {
                continue;
            };
            let Ok(instance) = get.call1(&echarts, element.as_ref()) else {
                continue;
            };
            if instance.is_undefined() || instance.is_null() {
                continue;
            }
            if let (Some(resize), Ok(size)) = (
                method(&instance, "resize"),
                JSON::parse(&format!(
                    r#"{{"width":{}}}"#,
                    element.client_width().max(200)
                )),
            ) {
                let _ = resize.call1(&instance, &size);
            }
        }
    });
    let _ = window.add_event_listener_with_callback("resize", on_resize.as_ref().unchecked_ref());
    // The listener lives as long as the page.
    on_resize.forget();
}
