//! The sync page: live progress bars fed by `/api/sync/events`, the queue, "Sync now",
//! and the history of runs with what each cost in GitHub's rate limit.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::{load_sync_activity, sync_now, LiveProgress, SyncActivity};
#[cfg(feature = "hydrate")]
use crate::components::sync_progress::follow_progress;
use crate::components::sync_progress::progress_bar;

#[component]
pub fn SyncPage() -> impl IntoView {
    view! {
        <Title text="Sync"/>
        <Activity/>
    }
}

/// The page's body, an island: the bars follow the event stream, "Sync now" queues a job,
/// and the queue and history are read again as syncs end.
#[island]
fn Activity() -> impl IntoView {
    let activity = Resource::new(|| (), |_| load_sync_activity());
    // One bar per repository and resource, in the order they started.
    let live: RwSignal<Vec<LiveProgress>> = RwSignal::new(Vec::new());
    #[cfg(feature = "hydrate")]
    follow_progress(live, move || activity.refetch());
    let queue = Action::new(|(name, full): &(String, bool)| sync_now(name.clone(), *full));
    Effect::new(move |_| {
        if queue.value().get().is_some() {
            activity.refetch();
        }
    });
    view! {
        <section class="panel">
            <div class="panel-head">
                <h1>"Sync"</h1>
                <a href="/">"All repositories"</a>
            </div>
            <p class="muted small">
                "Pulseboard asks GitHub what changed in the repositories on your dashboard every hour (stars every three hours) and reads only what did. Progress appears here as it happens."
            </p>
            <h2>"Now"</h2>
            <div class="live" data-testid="live">
                {move || {
                    let bars = live.get();
                    if bars.is_empty() {
                        view! { <p class="muted" data-testid="idle">"Nothing is syncing right now."</p> }.into_any()
                    } else {
                        bars.into_iter().map(progress_bar).collect_view().into_any()
                    }
                }}
            </div>
            {move || queue.value().get().and_then(|r| r.err()).map(|e| view! {
                <p class="error" data-testid="sync-now-error">{e.to_string()}</p>
            })}
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match activity.await {
                        Err(e) => view! { <p class="error">{e.to_string()}</p> }.into_any(),
                        Ok(a) => tables(a, queue).into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

fn tables(
    a: SyncActivity,
    queue: Action<(String, bool), Result<crate::api::JobView, crate::api::AppError>>,
) -> impl IntoView {
    let jobs = if a.jobs.is_empty() {
        view! { <p class="muted" data-testid="queue-empty">"No sync is waiting."</p> }.into_any()
    } else {
        view! {
            <div class="scroll"><table data-testid="queue">
                <thead><tr><th>"Repository"</th><th>"What"</th><th>"Status"</th><th>"Queued"</th></tr></thead>
                <tbody>
                    {a.jobs.into_iter().map(|j| view! {
                        <tr>
                            <td>{j.repository}</td>
                            <td>{j.mode} " · " {if j.resources.is_empty() { "everything".to_string() } else { j.resources.join(", ") }}</td>
                            <td>{j.status}</td>
                            <td class="small">{j.queued_at}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table></div>
        }.into_any()
    };
    let tracked = if a.tracked.is_empty() {
        view! { <p class="muted">"Add repositories on the " <a href="/">"home page"</a> " to sync them."</p> }.into_any()
    } else {
        a.tracked.into_iter().map(|name| {
            let n = name.clone();
            let f = name.clone();
            view! {
                <div class="sync-now">
                    <span>{name.clone()}</span>
                    <button class="sync-now-button" data-repo=name.clone()
                        disabled=move || queue.pending().get()
                        on:click=move |_| { queue.dispatch((n.clone(), false)); }>"Sync now"</button>
                    <button class="secondary" data-repo-full=name
                        disabled=move || queue.pending().get()
                        on:click=move |_| { queue.dispatch((f.clone(), true)); }>"Read everything again"</button>
                </div>
            }
        }).collect_view().into_any()
    };
    let history = if a.runs.is_empty() {
        view! { <p class="muted" data-testid="history-empty">"No sync has run yet."</p> }.into_any()
    } else {
        view! {
            <div class="scroll"><table class="history" data-testid="history">
                <thead><tr>
                    <th>"Started"</th><th>"Repository"</th><th>"Resource"</th><th>"Status"</th><th>"Took"</th>
                    <th>"Items"</th><th>"Requests"</th><th title="Answered 304 Not Modified: free">"304s"</th>
                    <th title="Rate-limit points spent">"Points"</th><th>"Retries"</th><th>"Waited"</th><th>"Left"</th>
                </tr></thead>
                <tbody>
                    {a.runs.into_iter().map(|r| {
                        let row_class = format!("run {}", r.status);
                        let (repo, resource) = (r.repository.clone(), r.resource.clone());
                        view! {
                        <tr class=row_class data-testid="run" data-repo=repo data-resource=resource>
                            <td class="small">{r.started_at}</td>
                            <td>{r.repository}</td>
                            <td>{r.resource.replace('_', " ")}</td>
                            <td>{r.status}{r.error.map(|e| view! { <div class="error small">{e}</div> })}</td>
                            <td>{r.took.unwrap_or_else(|| "…".into())}</td>
                            <td>{r.cost.items}</td>
                            <td>{r.cost.requests}</td>
                            <td>{r.cost.not_modified}</td>
                            <td>{r.cost.points}</td>
                            <td>{r.cost.retries}</td>
                            <td>{r.waited.unwrap_or_default()}</td>
                            <td>{r.rate_remaining.map(|x| x.to_string()).unwrap_or_default()}</td>
                        </tr>
                    }}).collect_view()}
                </tbody>
            </table></div>
        }.into_any()
    };
    view! {
        <h2>"Queue"</h2>
        {jobs}
        <h2>"Sync now"</h2>
        {tracked}
        <h2>"History"</h2>
        {history}
    }
}
