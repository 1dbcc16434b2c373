//! The first sync of repositories just followed, watched on the page: each repository's
//! state (waiting, reading, ready), the live bars with the time to go, and the overview
//! opened as soon as the first repository's data is in.

use leptos::prelude::*;

use crate::api::{load_sync_activity, LiveProgress, SyncActivity};
use crate::components::sync_progress::progress_bar;

/// Where a repository's first sync stands, from the sync activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Queued behind other work.
    Waiting,
    /// Its job is running.
    Reading,
    /// No job is queued or running and a run has finished without failing: its data is
    /// in.
    Ready,
    /// No job is queued or running and every run failed (or none is known).
    Failed,
}

/// The state of `name` in `activity` (names compared as GitHub does, any case).
pub fn state_of(activity: &SyncActivity, name: &str) -> State {
    let same = |n: &str| n.eq_ignore_ascii_case(name);
    if let Some(job) = activity.jobs.iter().find(|j| same(&j.repository)) {
        return if job.status == "running" {
            State::Reading
        } else {
            State::Waiting
        };
    }
    // One resource failing (downloads, say) does not keep the others' data out.
    // Every run failed, or none is known (the job vanished): the sync page says why.
    if activity
        .runs
        .iter()
        .any(|r| same(&r.repository) && r.status != "failed")
    {
        State::Ready
    } else {
        State::Failed
    }
}

/// `names`: the repositories followed; `then`: the page opened (loaded anew) once the
/// first of them is ready.
#[component]
pub fn FirstSync(names: Vec<String>, #[prop(into)] then: String) -> impl IntoView {
    let activity = Resource::new(|| (), |_| load_sync_activity());
    let live: RwSignal<Vec<LiveProgress>> = RwSignal::new(Vec::new());
    #[cfg(feature = "hydrate")]
    {
        crate::components::sync_progress::follow_progress(live, move || activity.refetch());
        // Events say when a resource ends; a repository ends with its last one, and a job
        // may end without events (nothing changed): ask again every few seconds too.
        if let Ok(handle) = set_interval_with_handle(
            move || activity.refetch(),
            std::time::Duration::from_secs(3),
        ) {
            on_cleanup(move || handle.clear());
        }
    }
    let names = StoredValue::new(names);
    let states = move || {
        activity.get().and_then(Result::ok).map(|a| {
            names
                .get_value()
                .into_iter()
                .map(|n| {
                    let s = state_of(&a, &n);
                    (n, s)
                })
                .collect::<Vec<_>>()
        })
    };
    let first_ready = Memo::new(move |_| {
        states().and_then(|list| {
            list.into_iter()
                .find(|(_, s)| *s == State::Ready)
                .map(|(n, _)| n)
        })
    });
    #[cfg(feature = "hydrate")]
    {
        // Loaded anew rather than routed: the page may be this one, now with data.
        let then = then.clone();
        Effect::new(move |_| {
            if first_ready.get().is_some() {
                if let Some(w) = web_sys::window() {
                    let _ = w.location().assign(&then);
                }
            }
        });
    }
    view! {
        <section class="panel first-sync" data-testid="first-sync">
            <h2>"Reading your repositories from GitHub"</h2>
            <p class="muted small">
                "Each repository's pull requests, issues, CI runs, deployments, releases and stars are read once; after that only what changes. "
                "The numbers open by themselves as soon as the first repository's data is in."
            </p>
            // The one sentence announced to screen readers (the bars change too often).
            <div aria-live="polite">
                {move || first_ready.get().map(|n| view! {
                    <p class="notice" data-testid="first-ready">
                        {format!("{n} is ready. ")}
                        <a class="button primary" href=then.clone() id="open-when-ready">"Open it now"</a>
                    </p>
                })}
            </div>
            <ul class="first-sync-states">
                {move || states().unwrap_or_default().into_iter().map(|(n, s)| {
                    let (class, said) = match s {
                        State::Waiting => ("waiting", "waiting in the queue"),
                        State::Reading => ("reading", "reading…"),
                        State::Ready => ("ready", "ready"),
                        State::Failed => ("failed", "failed: see Sync"),
                    };
                    let shown = n.clone();
                    view! { <li data-repo=n data-state=class><strong>{shown}</strong>" · "{said}</li> }
                }).collect_view()}
            </ul>
            <div class="live" data-testid="live">
                {move || {
                    let mine = names.get_value();
                    live.get()
                        .into_iter()
                        .filter(|p| mine.iter().any(|n| n.eq_ignore_ascii_case(&p.repository)))
                        .map(progress_bar)
                        .collect_view()
                }}
            </div>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{JobView, RunView};

    fn job(repo: &str, status: &str) -> JobView {
        JobView {
            repository: repo.into(),
            resources: vec![],
            mode: "incremental".into(),
            status: status.into(),
            queued_at: String::new(),
            started_at: None,
        }
    }

    fn run(repo: &str, status: &str) -> RunView {
        RunView {
            repository: repo.into(),
            resource: "issues".into(),
            status: status.into(),
            started_at: String::new(),
            took: None,
            cost: Default::default(),
            waited: None,
            rate_remaining: None,
            error: None,
        }
    }

    #[test]
    fn a_repository_is_ready_when_its_job_is_gone_and_a_run_finished() {
        let a = SyncActivity {
            jobs: vec![job("acme/api", "running"), job("acme/web", "queued")],
            runs: vec![
                run("acme/api", "succeeded"),
                run("acme/docs", "succeeded"),
                run("acme/ops", "failed"),
            ],
            tracked: vec![],
        };
        // A run finished but the job still runs (other resources): not ready yet.
        assert_eq!(state_of(&a, "ACME/api"), State::Reading);
        assert_eq!(state_of(&a, "acme/web"), State::Waiting);
        assert_eq!(state_of(&a, "acme/docs"), State::Ready);
        assert_eq!(state_of(&a, "acme/ops"), State::Failed);
        assert_eq!(state_of(&a, "acme/none"), State::Failed);
    }
}
