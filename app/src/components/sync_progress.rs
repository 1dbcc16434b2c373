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

/// What [`LiveUpdates`] follows for a scope (`org:NAME`, `user:NAME`, a team, a group,
/// `tracked` or `owner/name`) that covers `repositories`: an organisation's or a user's
/// scope covers every repository of that account the person may see and Pulseboard has
/// read, so a sync of any (one read for the first time too) changes its numbers:
/// `NAME/*`, not the list (an organisation's page named 200 repositories in its props).
pub fn covers_of(scope: &str, repositories: &[String]) -> Vec<String> {
    match scope
        .strip_prefix("org:")
        .or_else(|| scope.strip_prefix("user:"))
    {
        Some(owner) => vec![format!("{owner}/*")],
        None => repositories.to_vec(),
    }
}

/// Whether `repository` (`owner/name`) is what an entry of [`covers_of`] names, ignoring
/// case as GitHub does.
pub fn covered(entry: &str, repository: &str) -> bool {
    match entry.strip_suffix('*') {
        Some(owner) => repository
            .get(..owner.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(owner)),
        None => entry.eq_ignore_ascii_case(repository),
    }
}

/// Keeps a page live: when the sync of a repository the page shows ends having stored
/// items (rows written again count too: see `LiveProgress::items`), the page loads itself
/// again (unchanged numbers come from the cache; the browser keeps the scroll position) and
/// then says which sync updated it. Only a page
/// shown and left alone reloads: one whose reader has focused a field, a button or a link
/// (what they are doing would be lost) gets a button instead, and a tab in the background
/// waits until it is shown. `covers`: the repositories the page shows (`owner/name`), or
/// `owner/*` for every repository of an account ([`covers_of`]); a page that shows none
/// follows nothing. An island: the server renders the (empty) line, the browser follows
/// the events.
#[island]
pub fn LiveUpdates(covers: Vec<String>) -> impl IntoView {
    let last: RwSignal<Option<String>> = RwSignal::new(None);
    // New numbers are in but the reader is busy: the repository, until they reload.
    let waiting: RwSignal<Option<String>> = RwSignal::new(None);
    #[cfg(feature = "hydrate")]
    {
        // What the previous load of this very page said before it reloaded.
        Effect::new(move |_| {
            if let Some(r) = live_reload::take_note() {
                last.set(Some(r));
            }
        });
        if !covers.is_empty() {
            follow_events(move |p| {
                let shown = covers.iter().any(|r| covered(r, &p.repository));
                // `items` of a `ready` event: what the whole sync stored.
                if p.ready && p.items > 0 && shown {
                    if live_reload::reader_is_busy() {
                        waiting.set(Some(p.repository));
                    } else {
                        live_reload::soon(&p.repository, waiting);
                    }
                }
            });
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = covers;
    #[cfg(feature = "hydrate")]
    let reload = move |_: leptos::ev::MouseEvent| {
        if let Some(r) = waiting.get_untracked() {
            live_reload::now(&r);
        }
    };
    #[cfg(not(feature = "hydrate"))]
    let reload = |_: leptos::ev::MouseEvent| {};
    view! {
        <p class="muted small live-updates" data-testid="live-updates" aria-live="polite">
            {move || last.get().map(|r| format!("Updated after {r}'s sync."))}
            {move || waiting.get().map(|r| view! {
                {format!("{r}'s sync brought new numbers. ")}
                <button type="button" class="secondary small" id="show-new-numbers" on:click=reload>"Show them"</button>
            })}
        </p>
    }
}

/// Reloading a page for new numbers, and the note it leaves for its next load.
#[cfg(feature = "hydrate")]
mod live_reload {
    use std::cell::RefCell;

    use leptos::prelude::{RwSignal, Set};

    /// `ADDRESS\nREPOSITORY`: written just before a reload, read (and removed) by the load
    /// it makes.
    const NOTE: &str = "pulseboard-updated";
    /// When this tab last reloaded for new numbers, in ms since the epoch.
    const RELOADED_AT: &str = "pulseboard-reloaded-at";
    /// The least time between two reloads of a tab, in ms: syncs end in bursts.
    const GAP_MS: f64 = 10_000.0;
    /// How long a reload waits for more syncs to end, in ms.
    const SETTLE_MS: f64 = 2_000.0;

    thread_local! {
        /// The repository of the last sync that asked for a reload, once one is planned.
        static PLANNED: RefCell<Option<String>> = const { RefCell::new(None) };
    }

    fn storage() -> Option<web_sys::Storage> {
        web_sys::window()?.session_storage().ok().flatten()
    }

    /// Reloads the page [`SETTLE_MS`] after the first sync of a burst ends (the others end
    /// meanwhile), no sooner than [`GAP_MS`] after this tab's last reload, once the page is
    /// shown, and only if the reader is not busy by then (else `waiting` offers the
    /// button); the next load says `repository`'s sync updated it (the last of the burst).
    pub fn soon(repository: &str, waiting: RwSignal<Option<String>>) {
        let first = PLANNED.with(|p| p.borrow_mut().replace(repository.to_string()).is_none());
        if !first {
            return;
        }
        let last = storage()
            .and_then(|s| s.get_item(RELOADED_AT).ok().flatten())
            .and_then(|t| t.parse::<f64>().ok());
        let since_last = last.map_or(f64::INFINITY, |t| js_sys::Date::now() - t);
        // A clock set back leaves a last reload in the future: at most the gap.
        let wait = (GAP_MS - since_last).clamp(SETTLE_MS, GAP_MS);
        leptos::prelude::set_timeout(
            move || reload_when_shown(waiting),
            std::time::Duration::from_millis(wait as u64),
        );
    }

    /// Reloads for `repository`'s sync at once (the reader asked).
    pub fn now(repository: &str) {
        PLANNED.with(|p| p.borrow_mut().replace(repository.to_string()));
        reload();
    }

    /// Reloads now if the page is shown and the reader not busy, when it is next shown if
    /// hidden; a busy reader gets the button instead.
    fn reload_when_shown(waiting: RwSignal<Option<String>>) {
        use wasm_bindgen::JsCast;
        let Some(document) = web_sys::window().and_then(|w| w.document()) else {
            return;
        };
        let go = move || {
            if reader_is_busy() {
                // Planned no more: the button (or a later sync) reloads.
                waiting.set(PLANNED.with(|p| p.borrow_mut().take()));
            } else {
                reload();
            }
        };
        if !document.hidden() {
            go();
            return;
        }
        let mut pending = true;
        let when_shown = wasm_bindgen::closure::Closure::<dyn FnMut()>::new(move || {
            if pending
                && web_sys::window()
                    .and_then(|w| w.document())
                    .is_some_and(|d| !d.hidden())
            {
                pending = false;
                go();
            }
        });
        let _ = document.add_event_listener_with_callback(
            "visibilitychange",
            when_shown.as_ref().unchecked_ref(),
        );
        // Lives as long as the page.
        when_shown.forget();
    }

    fn reload() {
        let Some(window) = web_sys::window() else {
            return;
        };
        let repository = PLANNED.with(|p| p.borrow().clone()).unwrap_or_default();
        if let (Some(storage), Ok(here)) = (storage(), window.location().href()) {
            let _ = storage.set_item(NOTE, &format!("{here}\n{repository}"));
            let _ = storage.set_item(RELOADED_AT, &js_sys::Date::now().to_string());
        }
        let _ = window.location().reload();
    }

    /// The repository whose sync reloaded this page, if this load is that reload (the
    /// note names this very address); the note is removed either way.
    pub fn take_note() -> Option<String> {
        let storage = storage()?;
        let note = storage.get_item(NOTE).ok().flatten()?;
        let _ = storage.remove_item(NOTE);
        let (at, repository) = note.split_once('\n')?;
        let here = web_sys::window()?.location().href().ok()?;
        (here == at && !repository.is_empty()).then(|| repository.to_string())
    }

    /// Whether a reload would take something from the reader: the focus on a field, a
    /// button or a link (typing, choosing, about to act). A page just loaded, or clicked
    /// where nothing is focusable, has it on its body.
    pub fn reader_is_busy() -> bool {
        web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.active_element())
            .is_some_and(|e| e.tag_name() != "BODY")
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

    #[test]
    fn an_account_scope_covers_every_repository_of_the_account_and_no_other() {
        let repos = vec!["acme/api".to_string(), "acme/web".to_string()];
        assert_eq!(super::covers_of("org:acme", &repos), vec!["acme/*"]);
        assert_eq!(super::covers_of("user:bob", &[]), vec!["bob/*"]);
        assert_eq!(super::covers_of("team:acme/core", &repos), repos);
        assert_eq!(super::covers_of("acme/api", &repos[..1]), vec!["acme/api"]);
        let covered = |entry: &str, repository: &str| super::covered(entry, repository);
        assert!(covered("acme/*", "acme/new-one"));
        assert!(covered("acme/*", "ACME/Api"));
        assert!(!covered("acme/*", "acme-labs/api"));
        assert!(!covered("acme/*", "acm"));
        assert!(covered("acme/api", "Acme/API"));
        assert!(!covered("acme/api", "acme/api-2"));
    }
}
