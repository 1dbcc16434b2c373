//! The dashboard home: sign in, or pick repositories to follow.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::{
    list_repositories, signed_in_user, FollowRepositories, RepoSummary, TrackRepository,
};
use crate::components::first_sync::FirstSync;

#[component]
pub fn Home() -> impl IntoView {
    let who = Resource::new(|| (), |_| signed_in_user());
    // Created here, not in the branch that awaits it: the server may run that branch twice
    // while it resolves, and each run would ask for the list again.
    let repos = Resource::new(
        || (),
        move |_| async move {
            match who.await {
                Ok(Some(_)) => list_repositories(false).await.map(Some),
                Ok(None) => Ok(None),
                Err(e) => Err(e),
            }
        },
    );
    view! {
        <Title text=""/>
        <Suspense fallback=|| view! { <p class="muted">"Asking GitHub which repositories you can see…"</p> }>
            {move || Suspend::new(async move {
                match who.await {
                    Ok(Some(_)) => match repos.await {
                        Ok(list) => view! { <Repositories initial=list.unwrap_or_default()/> }.into_any(),
                        Err(e) => view! {
                            <section class="panel">
                                <h1>"Your repositories"</h1>
                                <crate::components::load_error::LoadError e testid="repos-list-error"/>
                            </section>
                        }.into_any(),
                    },
                    Ok(None) => view! { <Welcome/> }.into_any(),
                    Err(e) => view! { <Unavailable message=e.to_string()/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// Shown when the server cannot answer (the database is down, say): what happened, and
/// the page loaded again every few seconds until it can.
#[component]
fn Unavailable(message: String) -> impl IntoView {
    view! {
        <RetrySoon/>
        <section class="panel error" data-testid="unavailable">
            <h1>"Pulseboard cannot answer right now"</h1>
            <p>{message}</p>
            <p class="muted small">"Retrying every few seconds…"</p>
        </section>
    }
}

/// Loads the page again in five seconds. An island: a `<meta http-equiv="refresh">` would
/// have to be in the head, which is sent before the page knows the server cannot answer.
#[island]
fn RetrySoon() -> impl IntoView {
    #[cfg(feature = "hydrate")]
    set_timeout(
        || {
            if let Some(w) = web_sys::window() {
                let _ = w.location().reload();
            }
        },
        std::time::Duration::from_secs(5),
    );
}

#[component]
fn Welcome() -> impl IntoView {
    view! {
        <section class="hero">
            <h1>"How is your software delivered?"</h1>
            <p>
                "Pulseboard reads your GitHub repositories and shows how work flows through them: "
                "DORA's four keys, pull request cycle time and review coverage, issue health, CI reliability and growth, "
                "each number traced to the rows it comes from."
            </p>
            <a class="button primary" href="/auth/github/login" rel="external" id="sign-in">
                "Sign in with GitHub"
            </a>
        </section>
    }
}

/// The repositories the person can see, to follow (one, several, an organisation's, all),
/// and the first sync of those followed. An island: `initial` is the list the server read;
/// "Refresh from GitHub" and each follow read it again in the browser.
#[island]
fn Repositories(initial: Vec<RepoSummary>) -> impl IntoView {
    let track = ServerAction::<TrackRepository>::new();
    let follow = ServerAction::<FollowRepositories>::new();
    // `true`: asks GitHub afresh rather than from the cache.
    let reload = Action::new(|fresh: &bool| list_repositories(*fresh));
    // Read again after each successful add so the lists move the repository across.
    Effect::new(move |_| {
        if let Some(Ok(_)) = track.value().get() {
            reload.dispatch(false);
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(_)) = follow.value().get() {
            reload.dispatch(false);
        }
    });
    let list = move || match reload.value().get() {
        Some(Ok(list)) => list,
        _ => initial.clone(),
    };
    let filter = RwSignal::new(String::new());
    view! {
        {move || follow.value().get().map(|r| match r {
            Ok(names) => view! { <FirstSync names then="/overview"/> }.into_any(),
            Err(e) => view! { <p class="error" role="alert" data-testid="follow-error">{e.to_string()}</p> }.into_any(),
        })}
        <section class="panel">
            <div class="panel-head">
                <h1>"Your repositories"</h1>
                <button class="secondary" id="refresh-repos" disabled=move || reload.pending().get()
                        on:click=move |_| { reload.dispatch(true); }>
                    "Refresh from GitHub"
                </button>
            </div>
            {move || track.value().get().map(|r| match r {
                Ok(t) => view! {
                    <p class="notice" data-testid="track-result">
                        "Added " <a href=format!("/repos/{}", t.full_name)>{t.full_name.clone()}</a>
                        ": " {t.pull_requests} " pull requests fetched with " {t.requests} " requests to GitHub; "
                        "the rest of its history is being read (see Sync). "
                        <a href=crate::components::controls::scoped("/overview", &t.full_name) id="open-overview">"Open its overview"</a>
                    </p>
                }.into_any(),
                Err(e) => view! { <p class="error" data-testid="track-error">{e.to_string()}</p> }.into_any(),
            })}
            <input
                type="search"
                id="repo-filter"
                placeholder="Filter repositories"
                prop:value=move || filter.get()
                on:input=move |ev| filter.set(event_target_value(&ev))
            />
            {move || reload.value().get().and_then(Result::err).map(|e| view! {
                <p class="error" role="alert">{format!("Your repositories could not be read again: {e}")}</p>
            })}
            {move || view! { <RepoTable list=list() filter track follow/> }}
        </section>
    }
}

#[component]
fn RepoTable(
    list: Vec<RepoSummary>,
    filter: RwSignal<String>,
    track: ServerAction<TrackRepository>,
    follow: ServerAction<FollowRepositories>,
) -> impl IntoView {
    if list.is_empty() {
        return view! { <p class="muted">"GitHub lists no repositories for your account."</p> }
            .into_any();
    }
    let following = list.iter().any(|r| r.tracked);
    // The repositories not followed yet, by owner: "follow all of acme".
    let mut owners: Vec<(String, Vec<String>)> = Vec::new();
    for r in list.iter().filter(|r| !r.tracked) {
        let owner = r
            .full_name
            .split('/')
            .next()
            .unwrap_or_default()
            .to_string();
        match owners.iter_mut().find(|(o, _)| *o == owner) {
            Some((_, names)) => names.push(r.full_name.clone()),
            None => owners.push((owner, vec![r.full_name.clone()])),
        }
    }
    let all: Vec<String> = owners.iter().flat_map(|(_, n)| n.clone()).collect();
    let picked: RwSignal<Vec<String>> = RwSignal::new(Vec::new());
    let busy = follow.pending();
    let follow_these = move |names: Vec<String>| {
        follow.dispatch(FollowRepositories { names });
    };
    let several_owners = owners.len() > 1;
    let pickers = (!all.is_empty()).then(|| {
        let every = all.clone();
        let groups = owners
            .into_iter()
            .map(|(owner, names)| {
                let n = names.len();
                let label = format!("Follow all {n} of {owner}");
                view! {
                    <button class="secondary follow-owner" data-owner=owner.clone() disabled=move || busy.get()
                            on:click=move |_| follow_these(names.clone())>{label}</button>
                }
            })
            .collect_view();
        view! {
            <div class="follow-bar" role="group" aria-label="Follow several repositories">
                <button class="primary" id="follow-selected"
                        disabled=move || busy.get() || picked.with(Vec::is_empty)
                        on:click=move |_| follow_these(picked.get())>
                    {move || format!("Follow selected ({})", picked.with(Vec::len))}
                </button>
                {groups}
                {several_owners.then(|| view! {
                    <button class="secondary" id="follow-everything" disabled=move || busy.get()
                            on:click=move |_| follow_these(every.clone())>
                        {format!("Follow all {}", every.len())}
                    </button>
                })}
            </div>
        }
    });
    let rows = list
        .into_iter()
        .map(|r| {
            let name = r.full_name.clone();
            let name_for_filter = name.to_lowercase();
            let hidden = move || !name_for_filter.contains(&filter.get().to_lowercase());
            let pending = track.pending();
            let action = if r.tracked {
                view! { <a class="button" href=format!("/repos/{}", r.full_name)>"Open dashboard"</a> }.into_any()
            } else {
                let name = name.clone();
                view! {
                    <button
                        class="primary add-repo"
                        data-repo=name.clone()
                        disabled=move || pending.get()
                        on:click=move |_| { track.dispatch(TrackRepository { full_name: name.clone() }); }
                    >
                        "Add"
                    </button>
                }.into_any()
            };
            let pick = (!r.tracked).then(|| {
                let name = name.clone();
                let checked = {
                    let name = name.clone();
                    move || picked.with(|p| p.contains(&name))
                };
                view! {
                    <input type="checkbox" class="pick" data-repo=name.clone()
                           aria-label=format!("Pick {name} to follow")
                           prop:checked=checked
                           on:change=move |ev| {
                               let on = event_target_checked(&ev);
                               picked.update(|p| {
                                   p.retain(|n| *n != name);
                                   if on { p.push(name.clone()); }
                               });
                           }/>
                }
            });
            view! {
                <tr class:hidden=hidden data-repo-row=r.full_name.clone()>
                    <td class="pick-cell">{pick}</td>
                    <td>
                        {if r.tracked {
                            view! { <a href=format!("/repos/{}", r.full_name)>{r.full_name.clone()}</a> }.into_any()
                        } else {
                            view! { <span>{r.full_name.clone()}</span> }.into_any()
                        }}
                        {r.private.then(|| view! { <span class="badge">"private"</span> })}
                        <div class="muted small">{r.description.clone().unwrap_or_default()}</div>
                    </td>
                    <td class="muted">{r.permission.clone()}</td>
                    <td class="actions">{action}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        {following.then(|| view! {
            <p><a class="button primary" href="/overview" id="overview-of-all">"Overview of everything you follow"</a></p>
        })}
        {(!following).then(|| view! {
            <p class="notice" data-testid="onboarding">
                "Welcome. Pick the repositories to follow (or all of an organisation): Pulseboard reads their history from GitHub in the background, shows the progress here, and opens the overview as soon as the first one is in. "
                "\"Add\" follows one repository and reads its pull requests right away."
            </p>
        })}
        {pickers}
        <table class="repos">
            <thead><tr><th scope="col"><span class="visually-hidden">"Pick"</span></th><th scope="col">"Repository"</th><th scope="col">"Your role"</th><th scope="col"><span class="visually-hidden">"Action"</span></th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}
