//! An organisation's page (`/orgs/ORG?from=&to=&report=`): the numbers of every
//! repository of it Pulseboard has read (the `org:ORG` scope, as the overview shows
//! them), its teams with their members and repositories, and its repositories.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::{list_teams, scope_report};
use crate::components::controls::{scoped, Controls};
use crate::components::load_error::LoadError;
use crate::pages::overview::Body;

#[component]
pub fn OrganisationPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let org = move || params.read().get("org").unwrap_or_default();
    let get = move |k: &str| super::query_param(query, k);
    let controls = move || (String::new(), get("from"), get("to"), get("report"));
    let report = Resource::new(
        move || (org(), get("from"), get("to"), get("report")),
        |(org, from, to, dora)| scope_report(format!("org:{org}"), from, to, dora),
    );
    let teams = Resource::new(|| (), |_| list_teams());
    view! {
        <Title text=move || format!("{} (organisation)", org())/>
        <section class="panel">
            <div class="panel-head">
                <h1>{org} " " <span class="muted small">"organisation"</span></h1>
                <a href=move || scoped("/dora", &format!("org:{}", org()))>"DORA"</a>
            </div>
            <Controls action=format!("/orgs/{}", org()) params=controls/>
            <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Loading the organisation's numbers…"</p> }>
                {move || Suspend::new(async move {
                    match report.await {
                        Ok(r) => {
                            let repositories = r.repositories.clone();
                            view! {
                                <crate::components::sync_progress::LiveUpdates covers=crate::components::sync_progress::covers_of(&r.scope, &repositories)/>
                                <Body r/>
                                <section class="section" aria-label="Repositories">
                                    <h2>"Repositories Pulseboard has read"</h2>
                                    <ul class="columns" data-testid="org-repositories">
                                        {repositories.into_iter().map(|n| view! { <li><a href=format!("/repos/{n}")>{n.clone()}</a></li> }).collect_view()}
                                    </ul>
                                </section>
                            }.into_any()
                        }
                        Err(e) => view! { <LoadError e testid="org-error"/> }.into_any(),
                    }
                })}
            </Transition>
            <section class="section" aria-label="Teams">
                <h2>"Teams"</h2>
                <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        let here = org().to_lowercase();
                        let list: Vec<wire::Team> = match teams.await {
                            Ok(all) => all.into_iter().filter(|t| t.organization.to_lowercase() == here).collect(),
                            Err(e) => return view! { <p class="error" role="alert">{format!("The teams could not be read: {e}")}</p> }.into_any(),
                        };
                        if list.is_empty() {
                            return view! { <p class="muted" data-testid="org-teams-empty">"GitHub lists no team of this organisation to you."</p> }.into_any();
                        }
                        view! {
                            <div class="scroll">
                                <table data-testid="org-teams">
                                    <thead><tr><th scope="col">"Team"</th><th scope="col">"Members"</th><th scope="col">"Repositories (read)"</th></tr></thead>
                                    <tbody>{list.into_iter().map(|t| {
                                        let scope = t.scope();
                                        let read = t.read.len();
                                        view! {
                                            <tr data-team=scope.clone()>
                                                <th scope="row"><a href=scoped("/overview", &scope)>{t.name.clone()}</a></th>
                                                <td class="wrap">{t.members.join(", ")}</td>
                                                <td class="wrap">{format!("{} ({read} read)", t.repositories.join(", "))}</td>
                                            </tr>
                                        }
                                    }).collect_view()}</tbody>
                                </table>
                            </div>
                        }.into_any()
                    })}
                </Transition>
            </section>
        </section>
    }
}
