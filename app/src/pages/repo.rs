//! A repository's page: its numbers over a period in tabs (activity, pull requests,
//! issues, CI, releases and deployments, growth, contributors), each tab the report's
//! tiles and breakdowns for the repository and the lists behind them
//! (`wire::ScopeDetails`), with charts drawn in the browser. Tab and period live in the
//! URL (`/repos/OWNER/NAME?tab=ci&from=&to=`).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use wire::{ChartSeries, Report, ScopeDetails, Statistic};

use crate::api::{
    repository_overview, scope_details, scope_report, weekly_series, AppError, RepoOverview,
};
use crate::components::controls::{scoped, Controls};
use crate::components::details::{
    Environments, Heatmap, Leaderboard, OpenPulls, Releases, Timeline,
};
use crate::components::figure::Breakdown;
use crate::components::stage_chart::StageChart;
use crate::components::throughput_chart::ThroughputChart;
use crate::pages::overview::{tile, Priorities, Tile, TileGrid};

/// The tabs: their key in the URL and their name.
const TABS: [(&str, &str); 7] = [
    ("activity", "Activity"),
    ("pulls", "Pull requests"),
    ("issues", "Issues"),
    ("ci", "CI"),
    ("delivery", "Releases and deployments"),
    ("growth", "Growth"),
    ("contributors", "Contributors"),
];

const PULL_TILES: &[Tile] = &[
    tile(
        "Opened",
        "pull_requests_opened",
        Statistic::Count,
        "Pull requests by people opened in the period.",
    ),
    tile(
        "Merged",
        "pull_requests_merged",
        Statistic::Count,
        "Pull requests by people merged in the period.",
    ),
    tile(
        "Cycle time",
        "pull_request_cycle_time",
        Statistic::Median,
        "From the first commit to the merge.",
    ),
    tile(
        "Coding",
        "pull_request_coding_time",
        Statistic::Median,
        "From the first commit to ready for review (draft time counts here).",
    ),
    tile(
        "Pickup",
        "pull_request_pickup_time",
        Statistic::Median,
        "From ready for review to the first review or comment by someone else.",
    ),
    tile(
        "Review",
        "pull_request_review_time",
        Statistic::Median,
        "From the first review to the merge.",
    ),
    tile(
        "Review coverage",
        "review_coverage",
        Statistic::Ratio,
        "Merged pull requests approved by someone other than the author, not a bot.",
    ),
    tile(
        "Reviews per pull request",
        "reviews_per_pull_request",
        Statistic::Mean,
        "Reviews by others on the merged pull requests, on average.",
    ),
];
const ISSUE_TILES: &[Tile] = &[
    tile(
        "Opened",
        "issues_opened",
        Statistic::Count,
        "Issues by people opened in the period.",
    ),
    tile(
        "Closed",
        "issues_closed",
        Statistic::Count,
        "Issues by people closed in the period.",
    ),
    tile(
        "Backlog",
        "issue_backlog",
        Statistic::Count,
        "Issues by people open at the period's end.",
    ),
    tile(
        "Time to first response",
        "issue_time_to_first_response",
        Statistic::Median,
        "From opening to the first comment by someone other than the author, not a bot.",
    ),
    tile(
        "Time to close",
        "issue_time_to_close",
        Statistic::Median,
        "From opening to closing, of the issues closed in the period.",
    ),
    tile(
        "Awaiting a response",
        "issues_awaiting_response",
        Statistic::Count,
        "Issues opened in the period, open at its end, with no response yet.",
    ),
];
const CI_TILES: &[Tile] = &[
    tile(
        "Success rate",
        "workflow_success_rate",
        Statistic::Ratio,
        "Workflow runs that succeeded, over those that succeeded, failed or timed out.",
    ),
    tile(
        "Run duration",
        "workflow_run_duration",
        Statistic::Median,
        "From a run's start to its completion.",
    ),
    tile(
        "Queue time",
        "workflow_queue_time",
        Statistic::Median,
        "From a run's creation to its start.",
    ),
    tile(
        "Time lost to failures",
        "workflow_time_lost_to_failures",
        Statistic::Total,
        "Hours spent in runs that failed or timed out.",
    ),
];
const DELIVERY_TILES: &[Tile] = &[
    tile(
        "Deployments",
        "deployments",
        Statistic::Count,
        "Production deployments in the period.",
    ),
    tile(
        "Deployment frequency",
        "deployment_frequency",
        Statistic::Rate,
        "Production deployments per week.",
    ),
    tile(
        "Lead time for changes",
        "lead_time_for_changes",
        Statistic::Median,
        "From a change's first commit to the first production deployment that contains it.",
    ),
    tile(
        "Change failure rate",
        "change_failure_rate",
        Statistic::Ratio,
        "Production deployments followed by a failure, over all production deployments.",
    ),
    tile(
        "Failed deployment recovery time",
        "failed_deployment_recovery_time",
        Statistic::Median,
        "From a failing deployment (or the incident's creation) to recovery.",
    ),
    tile(
        "Waiting for a deployment",
        "changes_pending_deployment",
        Statistic::Count,
        "Changes merged in the period not in any production deployment yet.",
    ),
];
const GROWTH_TILES: &[Tile] = &[
    tile(
        "Stars gained",
        "stars_gained",
        Statistic::Count,
        "Stars given in the period, by their starred_at.",
    ),
    tile(
        "Commits",
        "commits",
        Statistic::Count,
        "Commits by people authored in the period.",
    ),
    tile(
        "Bus factor",
        "bus_factor",
        Statistic::Count,
        "The fewest authors covering half the commits of the last 90 days.",
    ),
    tile(
        "Releases",
        "releases",
        Statistic::Count,
        "Releases published in the period: drafts left out, pre-releases counted.",
    ),
    tile(
        "Weekly npm downloads",
        "package_downloads_weekly",
        Statistic::Rate,
        "Downloads of the package the repository names, per week (npm).",
    ),
    tile(
        "Health score",
        "health_score",
        Statistic::Mean,
        "A documented 0-100 score of activity, backlog, reviews, CI and bus factor.",
    ),
];

const ACTIVITY_TILES: &[Tile] = &[
    tile(
        "Pull requests opened",
        "pull_requests_opened",
        Statistic::Count,
        "Pull requests by people opened in the period.",
    ),
    tile(
        "Pull requests merged",
        "pull_requests_merged",
        Statistic::Count,
        "Pull requests by people merged in the period.",
    ),
    tile(
        "Issues opened",
        "issues_opened",
        Statistic::Count,
        "Issues by people opened in the period.",
    ),
    tile(
        "Issues closed",
        "issues_closed",
        Statistic::Count,
        "Issues by people closed in the period.",
    ),
    tile(
        "Releases",
        "releases",
        Statistic::Count,
        "Releases published in the period: drafts left out, pre-releases counted.",
    ),
    tile(
        "Deployments",
        "deployments",
        Statistic::Count,
        "Production deployments in the period.",
    ),
];
const CONTRIBUTOR_TILES: &[Tile] = &[
    tile(
        "Active contributors",
        "contributors_active",
        Statistic::Count,
        "Distinct authors of default-branch commits in the period, bots left out.",
    ),
    tile(
        "New contributors",
        "contributors_new",
        Statistic::Count,
        "Those whose first commit in the repository is in the period.",
    ),
    tile(
        "Commits",
        "commits",
        Statistic::Count,
        "Commits by people authored in the period.",
    ),
    tile(
        "Bus factor",
        "bus_factor",
        Statistic::Count,
        "The fewest authors covering half the commits of the last 90 days.",
    ),
];

/// The repository a `/repos/:owner/:name…` route names (`owner/name`).
pub fn repository_name(
    params: Memo<leptos_router::params::ParamsMap>,
) -> impl Fn() -> String + Copy {
    move || {
        let p = params.read();
        format!(
            "{}/{}",
            p.get("owner").unwrap_or_default(),
            p.get("name").unwrap_or_default()
        )
    }
}

#[component]
pub fn RepositoryPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let full_name = repository_name(params);
    let get = move |k: &str| super::query_param(query, k);
    let tab = move || {
        let t = get("tab");
        if TABS.iter().any(|(k, _)| *k == t) {
            t
        } else {
            "pulls".to_string()
        }
    };
    let overview = Resource::new(full_name, repository_overview);
    let report = Resource::new(
        move || (full_name(), get("from"), get("to"), get("report")),
        |(scope, from, to, dora)| scope_report(scope, from, to, dora),
    );
    let details = Resource::new(
        move || (full_name(), get("from"), get("to")),
        |(scope, from, to)| scope_details(scope, from, to),
    );
    // Only the pull requests tab draws the stages.
    let stages = Resource::new(
        move || (tab() == "pulls", full_name(), get("from"), get("to")),
        |(shown, scope, from, to)| async move {
            if shown {
                let metrics: Vec<String> = crate::components::stage_chart::STAGES
                    .iter()
                    .map(|(m, _)| m.to_string())
                    .chain([crate::components::stage_chart::CYCLE.to_string()])
                    .collect();
                let medians = vec![wire::Statistic::Median; metrics.len()];
                weekly_series(scope, metrics, medians, from, to)
                    .await
                    .map(Some)
            } else {
                Ok(None)
            }
        },
    );
    view! {
        <Title text=full_name/>
        <crate::components::sync_progress::LiveUpdates covers=vec![full_name()]/>
        <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match overview.await {
                    Err(e) => view! { <Failed name=full_name() e/> }.into_any(),
                    Ok(o) if !o.repo.tracked && o.last_sync.is_none() => view! { <NotFollowed name=o.repo.full_name/> }.into_any(),
                    Ok(o) => view! { <Page o tab=Signal::derive(tab) report details stages query/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Failed(name: String, e: AppError) -> impl IntoView {
    view! {
        <section class="panel error" data-testid="repo-error">
            <h1>{name}</h1>
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
    }
}

/// A repository the person may see, does not follow, and Pulseboard has not read (no
/// sync of it has run): there are no numbers to show (not zeros); following it starts
/// reading. One someone else follows shows its numbers like any other. An island:
/// following, and the first sync's progress, happen in the browser.
#[island]
fn NotFollowed(name: String) -> impl IntoView {
    let follow = ServerAction::<crate::api::FollowRepositories>::new();
    let names = vec![name.clone()];
    let here = format!("/repos/{name}");
    view! {
        <section class="panel" data-testid="repo-not-followed">
            <h1>{name.clone()}</h1>
            <p>{format!("You do not follow {name}: Pulseboard has not read its history, so it has no numbers to show yet.")}</p>
            {move || match follow.value().get() {
                Some(Ok(names)) => view! { <crate::components::first_sync::FirstSync names then=here.clone()/> }.into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                None => {
                    let names = names.clone();
                    view! {
                        <button class="primary" id="follow-this" disabled=move || follow.pending().get()
                                on:click=move |_| { follow.dispatch(crate::api::FollowRepositories { names: names.clone() }); }>
                            "Follow it and read its history"
                        </button>
                    }.into_any()
                }
            }}
        </section>
    }
}

#[component]
fn Page(
    o: RepoOverview,
    tab: Signal<String>,
    report: Resource<Result<std::sync::Arc<Report>, AppError>>,
    details: Resource<Result<std::sync::Arc<ScopeDetails>, AppError>>,
    stages: Resource<Result<Option<Vec<ChartSeries>>, AppError>>,
    query: Memo<leptos_router::params::ParamsMap>,
) -> impl IntoView {
    let name = o.repo.full_name.clone();
    let href = {
        let name = name.clone();
        move |t: &str| {
            let mut s = url::form_urlencoded::Serializer::new(String::new());
            s.append_pair("tab", t);
            for k in ["from", "to", "report"] {
                let v = super::query_param(query, k);
                if !v.is_empty() {
                    s.append_pair(k, &v);
                }
            }
            format!("/repos/{name}?{}", s.finish())
        }
    };
    let tabs = TABS
        .iter()
        .map(|(key, label)| {
            let href = href.clone();
            view! {
                <a href=href(key) id=format!("tab-{key}")
                   aria-current=move || (tab.get() == *key).then_some("page")>{*label}</a>
            }
        })
        .collect_view();
    let weeks = o.weeks.clone();
    view! {
        <section class="panel">
            <div class="panel-head">
                <h1>{if o.repo.html_url.is_empty() {
                    view! { <span>{name.clone()}</span> }.into_any()
                } else {
                    view! { <a href=o.repo.html_url.clone() rel="external">{name.clone()}</a> }.into_any()
                }}</h1>
                <a href=scoped("/dora", &name)>"DORA"</a>
            </div>
            <nav class="tabs" aria-label="Sections of the repository">{tabs}</nav>
            <Controls action=format!("/repos/{name}") params=move || {
                let get = |k: &str| super::query_param(query, k);
                (String::new(), get("from"), get("to"), get("report"))
            } tab/>
            <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Loading the numbers…"</p> }>
                {move || Suspend::new(async move {
                    match report.await {
                        // The tab's numbers are the report's alone: rendered once per
                        // report and tab.
                        Ok(r) => {
                            let tab = tab.get();
                            match TABS.iter().find(|(k, _)| *k == tab) {
                                Some((key, _)) => crate::kept::html(("repository tab", key), &r, {
                                    let r = r.clone();
                                    move || view! { <Tab r tab/> }
                                }).await,
                                None => view! { <Tab r tab/> }.into_any(),
                            }
                        }
                        Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
            <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Loading the lists…"</p> }>
                {move || Suspend::new(async move {
                    match details.await {
                        Ok(d) => view! { <Lists d tab=tab.get()/> }.into_any(),
                        Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
            <Show when=move || tab.get() == "pulls">
                <h2>"Cycle time by stage, per week"</h2>
                <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Loading the stages…"</p> }>
                    {move || Suspend::new(async move {
                        match stages.await {
                            Ok(Some(mut all)) if all.len() == 4 => {
                                let cycle = all.pop().unwrap_or_else(|| unreachable!());
                                view! { <StageChart stages=all cycle/> }.into_any()
                            }
                            Ok(_) => ().into_any(),
                            Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                        }
                    })}
                </Transition>
            </Show>
            // Only on its tab: a chart drawn while hidden would measure no width.
            {(tab.get_untracked() == "pulls").then(|| view! {
                <h2>"Pull requests opened vs merged per week, all history"</h2>
                <div class="stats">
                    <div class="stat"><span class="value" data-testid="total-prs">{o.pull_requests}</span><span class="label">"pull requests"</span></div>
                    <div class="stat"><span class="value" data-testid="total-merged">{o.merged}</span><span class="label">"merged"</span></div>
                    <div class="stat"><span class="value" data-testid="week-count">{o.weeks.len()}</span><span class="label">"weeks"</span></div>
                </div>
                <ThroughputChart weeks=weeks.clone()/>
                <details>
                    <summary id="toggle-table">"The numbers"</summary>
                    <table class="weeks" data-testid="weeks-table">
                        <thead><tr><th>"Week of"</th><th>"Opened"</th><th>"Merged"</th></tr></thead>
                        <tbody>{weeks.iter().map(|w| view! { <tr><td>{w.week_start.clone()}</td><td>{w.opened}</td><td>{w.merged}</td></tr> }).collect_view()}</tbody>
                    </table>
                </details>
            })}
            {o.last_sync.map(|s| view! {
                <p class="muted small" data-testid="last-sync">
                    "Last sync: " {s.status} " " {s.finished_at.unwrap_or_default()} ", "
                    {s.cost.items} " items in " {s.cost.pages} " pages, " {s.cost.requests} " requests"
                    {s.error.map(|e| format!(" ({e})"))}
                </p>
            })}
        </section>
    }
}

/// One tab's tiles and breakdowns.
#[component]
fn Tab(r: std::sync::Arc<Report>, tab: String) -> impl IntoView {
    let day = super::day;
    let period = format!("{} to {} (UTC, the end excluded)", day(&r.from), day(&r.to));
    let body = match tab.as_str() {
        "issues" => view! {
            <TileGrid r=r.clone() tiles=ISSUE_TILES/>
            <Breakdown title="Open at the period's end, by age" group_label="Age" metric="issues_open_by_age" statistic=Statistic::Count r=r.clone()/>
            <Breakdown title="Open at the period's end, by severity" group_label="Severity" metric="issues_open_by_severity" statistic=Statistic::Count r=r.clone()/>
            <Breakdown title="SLA breaches in the period, by severity" group_label="Severity" metric="issue_sla_breaches" statistic=Statistic::Count r=r.clone()/>
            <h2>"Issues to look at first"</h2>
            <Priorities list=r.priorities.clone()/>
        }.into_any(),
        "ci" => view! {
            <TileGrid r=r.clone() tiles=CI_TILES/>
            <Breakdown title="Success rate by workflow" group_label="Workflow" metric="workflow_success_rate" statistic=Statistic::Ratio r=r.clone()/>
            <Breakdown title="Median run duration by workflow" group_label="Workflow" metric="workflow_run_duration" statistic=Statistic::Median r=r.clone()/>
            <Breakdown title="Slowest jobs (median)" group_label="Job" metric="slowest_jobs" statistic=Statistic::Median r=r.clone()/>
        }.into_any(),
        "delivery" => view! {
            <TileGrid r=r.clone() tiles=DELIVERY_TILES/>
            <h2>"What counts as a deployment"</h2>
            <crate::components::details::DeploymentSources sources=r.deployment_sources.clone()/>
        }.into_any(),
        "activity" => view! {
            <TileGrid r=r.clone() tiles=ACTIVITY_TILES/>
        }.into_any(),
        "contributors" => view! {
            <TileGrid r=r.clone() tiles=CONTRIBUTOR_TILES/>
        }.into_any(),
        "growth" => view! {
            <TileGrid r=r.clone() tiles=GROWTH_TILES/>
            <Breakdown title="Health score, by component" group_label="Component" metric="health_score" statistic=Statistic::Mean r=r.clone()/>
        }.into_any(),
        _ => view! {
            <TileGrid r=r.clone() tiles=PULL_TILES/>
            <Breakdown title="Merged, by lines changed" group_label="Size" metric="pull_requests_by_size" statistic=Statistic::Count r=r.clone()/>
            <Breakdown title="Merged, by files changed" group_label="Files" metric="pull_requests_by_files" statistic=Statistic::Count r=r.clone()/>
            <Breakdown title="Open at the period's end, by age" group_label="Age" metric="pull_requests_open_by_age" statistic=Statistic::Count r=r.clone()/>
        }.into_any(),
    };
    view! {
        <p class="muted" data-testid="repo-period">{period}</p>
        <div data-testid=format!("tab-body-{tab}")>{body}</div>
    }
}

/// The lists of a tab (those that have any): the activity timeline, the slowest open pull
/// requests, deployments per environment and releases, the contributors.
#[component]
fn Lists(d: std::sync::Arc<ScopeDetails>, tab: String) -> impl IntoView {
    // Each tab copies only the lists it shows of the kept details.
    match tab.as_str() {
        "activity" => view! {
            <h2>"What happened, newest first"</h2>
            <Timeline list=d.activity.clone()/>
        }
        .into_any(),
        "pulls" => view! {
            <h2>"Slowest open pull requests (now)"</h2>
            <OpenPulls pulls=d.open_pull_requests.clone() empty="No pull request is open."/>
        }
        .into_any(),
        "delivery" => view! {
            <h2>"Deployments by environment"</h2>
            <Environments list=d.environments.clone()/>
            <h2>"Releases"</h2>
            <Releases list=d.releases.clone()/>
        }
        .into_any(),
        "contributors" => view! {
            <h2>"Who did the work"</h2>
            <Leaderboard c=d.contributors.clone()/>
            <h2>"When"</h2>
            <Heatmap heatmap=d.contributors.heatmap.clone()/>
        }
        .into_any(),
        _ => ().into_any(),
    }
}
