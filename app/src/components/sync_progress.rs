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
/// current), the page loads itself again (unchanged numbers come from the cache; the
/// browser keeps the scroll position) and then says which sync updated it. When the reader
/// is in a field (a date being typed), it offers a button instead of taking the field
/// away. `covers`: the repositories the page shows (`owner/name`); empty, any
/// repository's. An island: the server renders the (empty) line, the browser follows the
/// events.
#[island]
pub fn LiveUpdates(covers: Vec<String>) -> impl IntoView {
    let last: RwSignal<Option<String>> = RwSignal::new(None);
    // A sync ended while the reader was in a field: the repository, until they reload.
    let waiting: RwSignal<Option<String>> = RwSignal::new(None);
    #[cfg(feature = "hydrate")]
    {
        // What the previous load of this very page said before it reloaded.
        Effect::new(move |_| {
            if let Some(r) = live_reload::take_note() {
                last.set(Some(r));
            }
        });
        follow_events(move |p| {
            let shown =
                covers.is_empty() || covers.iter().any(|r| r.eq_ignore_ascii_case(&p.repository));
            if p.ready && shown {
                if live_reload::reader_is_typing() {
                    waiting.set(Some(p.repository));
                } else {
                    live_reload::soon(&p.repository);
                }
            }
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = covers;
    #[cfg(feature = "hydrate")]
    let reload = move |_: leptos::ev::MouseEvent| {
        if let Some(r) = waiting.get_untracked() {
            live_reload::soon(&r);
        }
    };
    #[cfg(not(feature = "hydrate"))]
    let reload = |_: leptos::ev::MouseEvent| {};
    view! {
        <p class="muted small live-updates" data-testid="live-updates" aria-live="polite">
            {move || last.get().map(|r| format!("Updated after {r}'s sync."))}
            {move || waiting.get().map(|r| view! {
                {format!("{r}'s sync brought new numbers. ")}
                <button type="button" class="link" id="show-new-numbers" on:click=reload>"Show them"</button>
            })}
        </p>
    }
}

/// Reloading a page for new numbers, and the note it leaves for its next load.
#[cfg(feature = "hydrate")]
mod live_reload {
    const NOTE: &str = "pulseboard-updated";

    /// Reloads the page shortly (syncs often end in bursts: one reload for a burst),
    /// leaving a note that `repository`'s sync updated it.
    pub fn soon(repository: &str) {
        thread_local! {
            static PLANNED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
        }
        let Some(window) = web_sys::window() else {
            return;
        };
        if let (Ok(Some(storage)), Ok(here)) = (window.session_storage(), window.location().href())
        {
            let _ = storage.set_item(NOTE, &format!("{here}\n{repository}"));
        }
        if PLANNED.with(|p| p.replace(true)) {
            return;
        }
        leptos::prelude::set_timeout(
            || {
                if let Some(w) = web_sys::window() {
                    let _ = w.location().reload();
                }
            },
            std::time::Duration::from_millis(700),
        );
    }

    /// The repository whose sync reloaded this page, if this load is that reload (the
    /// note names this very address); the note is removed either way.
    pub fn take_note() -> Option<String> {
        let window = web_sys::window()?;
        let storage = window.session_storage().ok().flatten()?;
        let note = storage.get_item(NOTE).ok().flatten()?;
        let _ = storage.remove_item(NOTE);
        let (at, repository) = note.split_once('\n')?;
        (window.location().href().ok()? == at).then(|| repository.to_string())
    }

    /// Whether the reader is in a field: a reload would take away what they are typing.
    pub fn reader_is_typing() -> bool {
        web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.active_element())
            .is_some_and(|e| matches!(e.tag_name().as_str(), "INPUT" | "SELECT" | "TEXTAREA"))
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
