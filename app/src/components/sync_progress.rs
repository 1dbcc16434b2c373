//! Sync progress as pages show it: the bars, and the event stream that feeds them
//! (`/api/sync/events`, the person's repositories only).

use leptos::prelude::*;

use crate::api::LiveProgress;

/// One resource's progress: a bar, items of the total, pages and the time to go.
pub fn progress_bar(p: LiveProgress) -> impl IntoView {
    let percent = match (p.done, p.total) {
        (true, _) => 100.0,
        (false, Some(t)) if t > 0 => (f64::from(p.items) * 100.0 / t as f64).min(100.0),
        _ => 0.0,
    };
    let numbers = match p.total {
        Some(t) => format!("{} of {t}", p.items),
        None => plural(u64::from(p.items), "item"),
    };
    let pages = plural(u64::from(p.pages), "page");
    let eta = match (p.done, p.eta_secs) {
        (true, _) => "done".to_string(),
        (false, Some(s)) => format!("about {s} s to go"),
        (false, None) => "…".to_string(),
    };
    let budget = p
        .rate_remaining
        .map(|r| format!("{r} requests left this hour"))
        .unwrap_or_default();
    let what = format!("{} · {}", p.repository, p.resource.replace('_', " "));
    view! {
        <div class="bar" class:done=p.done data-testid="live-bar" data-repo=p.repository data-resource=p.resource>
            <span class="what">{what}</span>
            <span class="track" role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow=format!("{percent:.0}")>
                <span class="fill" style:width=format!("{percent:.1}%")></span>
            </span>
            <span class="numbers">{numbers} ", " {pages} " · " {eta} " " <span class="muted">{budget}</span></span>
        </div>
    }
}

/// `1 page`, `3 pages`.
pub fn plural(n: u64, one: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else if let Some(stem) = one
        .strip_suffix('y')
        .filter(|s| !s.ends_with(['a', 'e', 'o', 'u']))
    {
        format!("{n} {stem}ies")
    } else {
        format!("{n} {one}s")
    }
}

/// Opens the event stream for as long as the page is shown, and hands each event to
/// `on_event`.
#[cfg(feature = "hydrate")]
pub fn follow_events(mut on_event: impl FnMut(LiveProgress) + 'static) {
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;

    let Ok(source) = web_sys::EventSource::new("/api/sync/events") else {
        leptos::logging::error!("this browser cannot follow sync progress");
        return;
    };
    let on_progress =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
            let Some(text) = e.data().as_string() else {
                return;
            };
            if let Ok(p) = serde_json::from_str::<LiveProgress>(&text) {
                on_event(p);
            }
        });
    if source
        .add_event_listener_with_callback("progress", on_progress.as_ref().unchecked_ref())
        .is_err()
    {
        return;
    }
    // Both live as long as the page; leaving it closes the stream.
    let held = StoredValue::new_local((source, on_progress));
    on_cleanup(move || held.with_value(|(source, _)| source.close()));
}

/// Follows the stream for the sync page: each resource's event updates its bar in
/// `live`, and `finished` runs when a resource (or a repository's sync) finishes.
#[cfg(feature = "hydrate")]
pub fn follow_progress(live: RwSignal<Vec<LiveProgress>>, finished: impl Fn() + 'static) {
    follow_events(move |p| {
        let done = p.done;
        if !p.ready {
            live.update(|bars| {
                match bars
                    .iter_mut()
                    .find(|b| b.repository == p.repository && b.resource == p.resource)
                {
                    Some(b) => *b = p,
                    None => bars.push(p),
                }
            });
        }
        if done {
            finished();
        }
    });
}

/// Keeps a page live: when the sync of a repository the page shows ends (its numbers are
/// current), `refresh` runs (the page asks its numbers again; unchanged ones come from
/// the cache) and a line says which sync updated the page. `covers`: the repositories
/// the page shows (`owner/name`); empty, any repository's.
#[component]
pub fn LiveUpdates(
    refresh: Callback<()>,
    #[prop(into)] covers: Signal<Vec<String>>,
) -> impl IntoView {
    let last: RwSignal<Option<String>> = RwSignal::new(None);
    #[cfg(feature = "hydrate")]
    follow_events(move |p| {
        let shown = covers.with_untracked(|c| {
            c.is_empty() || c.iter().any(|r| r.eq_ignore_ascii_case(&p.repository))
        });
        if p.ready && shown {
            last.set(Some(p.repository));
            refresh.run(());
        }
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = (refresh, covers);
    view! {
        <p class="muted small live-updates" data-testid="live-updates" aria-live="polite">
            {move || last.get().map(|r| format!("Updated after {r}'s sync."))}
        </p>
    }
}

#[cfg(test)]
mod tests {
    use super::plural;

    #[test]
    fn plurals_as_english_writes_them() {
        assert_eq!(plural(1, "repository"), "1 repository");
        assert_eq!(plural(2, "repository"), "2 repositories");
        assert_eq!(plural(0, "page"), "0 pages");
        assert_eq!(plural(3, "day"), "3 days");
    }
}
