//! The person's own repository groups (on the teams page): each with its repositories and
//! links to its overview and DORA page (`group:NAME`); a form to make or change one from
//! the repositories they follow, and a button to delete one. An island: the list is read
//! again after each change.

use std::collections::BTreeSet;

use leptos::prelude::*;

use crate::api::{list_groups, list_repositories, DeleteGroup, SaveGroup};
use crate::components::controls::scoped;

#[island]
pub fn Groups() -> impl IntoView {
    let save = ServerAction::<SaveGroup>::new();
    let delete = ServerAction::<DeleteGroup>::new();
    let groups = Resource::new(
        move || (save.version().get(), delete.version().get()),
        |_| list_groups(),
    );
    let repositories = Resource::new(|| (), |_| list_repositories(false));
    let name = RwSignal::new(String::new());
    let picked = RwSignal::new(BTreeSet::<String>::new());
    view! {
        <section class="section" aria-label="Your repository groups">
            <h2>"Your repository groups"</h2>
            <p class="muted small">"A group is yours alone: a set of repositories you follow (a product, a service area) with its own overview and DORA page."</p>
            <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match groups.await {
                        Ok(list) if list.is_empty() => view! { <p class="muted" data-testid="groups-empty">"No group yet: make one below."</p> }.into_any(),
                        Ok(list) => view! {
                            <div class="scroll">
                                <table data-testid="groups">
                                    <thead><tr><th scope="col">"Group"</th><th scope="col">"Repositories"</th><th scope="col">"Open"</th><th scope="col"><span class="visually-hidden">"Delete"</span></th></tr></thead>
                                    <tbody>{list.into_iter().map(|g| {
                                        let scope = g.scope();
                                        let (gone, key) = (g.name.clone(), g.name.clone());
                                        view! {
                                            <tr data-group=key>
                                                <td>{g.name.clone()}</td>
                                                <td class="wrap">{if g.repositories.is_empty() { "none you may still see".to_string() } else { g.repositories.join(", ") }}</td>
                                                <td><a href=scoped("/overview", &scope)>"Overview"</a>" · "<a href=scoped("/dora", &scope)>"DORA"</a></td>
                                                <td><button class="secondary" aria-label=format!("Delete the group {}", g.name)
                                                        on:click=move |_| { delete.dispatch(DeleteGroup { name: gone.clone() }); }>"Delete"</button></td>
                                            </tr>
                                        }
                                    }).collect_view()}</tbody>
                                </table>
                            </div>
                        }.into_any(),
                        Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
            <h3>"Make a group, or change one by its name"</h3>
            <label class="block">"Name "
                <input type="text" id="group-name" maxlength="60" prop:value=move || name.get()
                       on:input=move |ev| name.set(event_target_value(&ev))/>
            </label>
            <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Loading your repositories…"</p> }>
                {move || Suspend::new(async move {
                    let followed: Vec<String> = match repositories.await {
                        Ok(all) => all.into_iter().filter(|r| r.tracked).map(|r| r.full_name).collect(),
                        Err(e) => return view! { <p class="error" role="alert">{format!("Your repositories could not be read: {e}")}</p> }.into_any(),
                    };
                    if followed.is_empty() {
                        return view! { <p class="muted">"Follow repositories on the home page first."</p> }.into_any();
                    }
                    view! {
                        <fieldset class="group-picks">
                            <legend>"Repositories you follow"</legend>
                            {followed.into_iter().map(|full_name| {
                                let id = format!("group-pick-{}", full_name.replace('/', "-"));
                                let (a, b, repo) = (full_name.clone(), full_name.clone(), full_name.clone());
                                view! {
                                    <label class="check">
                                        <input type="checkbox" id=id data-repo=repo
                                               prop:checked=move || picked.read().contains(&a)
                                               on:change=move |ev| {
                                                   let on = event_target_checked(&ev);
                                                   picked.update(|p| { if on { p.insert(b.clone()); } else { p.remove(&b); } });
                                               }/>
                                        " " {full_name}
                                    </label>
                                }
                            }).collect_view()}
                        </fieldset>
                    }.into_any()
                })}
            </Transition>
            <button class="primary" id="save-group"
                    disabled=move || save.pending().get() || name.read().trim().is_empty() || picked.read().is_empty()
                    on:click=move |_| {
                        save.dispatch(SaveGroup { name: name.get(), repositories: picked.get().into_iter().collect() });
                    }>
                {move || format!("Save the group ({})", crate::components::sync_progress::plural(picked.read().len() as u64, "repository"))}
            </button>
            <div role="status" aria-live="polite">
                {move || match save.value().get() {
                    Some(Ok(g)) => view! { <p class="notice" data-testid="group-saved">{format!("Saved the group {}.", g.name)}</p> }.into_any(),
                    Some(Err(e)) => view! { <p class="error" data-testid="group-error">{e.to_string()}</p> }.into_any(),
                    None => ().into_any(),
                }}
                {move || delete.value().get().and_then(Result::err).map(|e| view! {
                    <p class="error" data-testid="group-delete-error">{format!("The group could not be deleted: {e}")}</p>
                })}
            </div>
        </section>
    }
}
