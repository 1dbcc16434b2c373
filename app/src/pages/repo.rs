//! A repository's page: pull requests opened vs merged per week, drawn in the browser.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::{repository_overview, AppError};
use crate::components::throughput_chart::ThroughputChart;

#[component]
pub fn RepositoryPage() -> impl IntoView {
    let params = use_params_map();
    let full_name = move || {
        let p = params.read();
        format!(
            "{}/{}",
            p.get("owner").unwrap_or_default(),
            p.get("name").unwrap_or_default()
        )
    };
    let overview = Resource::new(full_name, repository_overview);
    let show_table = RwSignal::new(false);
    view! {
        <Title text=full_name/>
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match overview.await {
                    Err(e) => view! {
                        <section class="panel error" data-testid="repo-error">
                            <h1>{full_name()}</h1>
                            <p>{e.to_string()}</p>
                            {match e {
                                AppError::SignedOut => view! {
                                    <a class="button primary" href="/auth/github/login" rel="external">"Sign in with GitHub"</a>
                                }.into_any(),
                                AppError::NotFound(_) | AppError::Forbidden(_) => view! {
                                    <a class="button" href="/">"All repositories"</a>
                                }.into_any(),
                                _ => ().into_any(),
                            }}
                        </section>
                    }.into_any(),
                    Ok(o) => {
                        let weeks = o.weeks.clone();
                        let table_rows = o.weeks.clone().into_iter().map(|w| view! {
                            <tr><td>{w.week_start}</td><td>{w.opened}</td><td>{w.merged}</td></tr>
                        }).collect_view();
                        view! {
                            <section class="panel">
                                <div class="panel-head">
                                    <h1>{if o.repo.html_url.is_empty() {
                                        view! { <span>{o.repo.full_name.clone()}</span> }.into_any()
                                    } else {
                                        view! { <a href=o.repo.html_url.clone() rel="external">{o.repo.full_name.clone()}</a> }.into_any()
                                    }}</h1>
                                    <a href="/">"All repositories"</a>
                                </div>
                                <div class="stats">
                                    <div class="stat"><span class="value" data-testid="total-prs">{o.pull_requests}</span><span class="label">"pull requests"</span></div>
                                    <div class="stat"><span class="value" data-testid="total-merged">{o.merged}</span><span class="label">"merged"</span></div>
                                    <div class="stat"><span class="value" data-testid="week-count">{o.weeks.len()}</span><span class="label">"weeks"</span></div>
                                </div>
                                <h2>"Pull requests opened vs merged per week"</h2>
                                <ThroughputChart weeks/>
                                <button class="secondary" id="toggle-table" on:click=move |_| show_table.update(|s| *s = !*s)>
                                    {move || if show_table.get() { "Hide the numbers" } else { "Show the numbers" }}
                                </button>
                                <table class="weeks" class:hidden=move || !show_table.get() data-testid="weeks-table">
                                    <thead><tr><th>"Week of"</th><th>"Opened"</th><th>"Merged"</th></tr></thead>
                                    <tbody>{table_rows}</tbody>
                                </table>
                                {o.last_sync.map(|s| view! {
                                    <p class="muted small" data-testid="last-sync">
                                        "Last sync: " {s.status} " " {s.finished_at.unwrap_or_default()} ", "
                                        {s.cost.items} " items in " {s.cost.pages} " pages, " {s.cost.requests} " requests"
                                        {s.error.map(|e| format!(" ({e})"))}
                                    </p>
                                })}
                            </section>
                        }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}
