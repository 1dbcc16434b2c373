//! The overview of a scope over a period: DORA's four keys with their grades, flow,
//! issues, CI and growth, the insights, anomalies and the issues to look at first. The
//! scope, the period and the DORA report live in the URL (`/overview?scope=org:acme&
//! from=2026-10-01&to=2026-11-01&report=2023`), so a link reproduces the view.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use wire::{Report, Statistic};

use super::day;
use crate::api::{scope_choices, scope_report, AppError};
use crate::components::controls::Controls;
use crate::components::figure::{metric_label, number, with_unit, FigureTile};

/// A tile of the overview: its label, the metric and statistic it shows, and one
/// sentence of its definition (METRICS.md has the whole).
pub struct Tile {
    pub label: &'static str,
    pub metric: &'static str,
    pub statistic: Statistic,
    pub definition: &'static str,
}

pub const fn tile(
    label: &'static str,
    metric: &'static str,
    statistic: Statistic,
    definition: &'static str,
) -> Tile {
    Tile {
        label,
        metric,
        statistic,
        definition,
    }
}

/// The sections of the overview and their tiles.
pub const SECTIONS: &[(&str, &[Tile])] = &[
    (
        "DORA's four keys",
        &[
            tile("Deployment frequency", "deployment_frequency", Statistic::Rate,
                 "Production deployments per week."),
            tile("Lead time for changes", "lead_time_for_changes", Statistic::Median,
                 "From a change's first commit to the first production deployment that contains it."),
            tile("Change failure rate", "change_failure_rate", Statistic::Ratio,
                 "Production deployments followed by a failure (incident, failed deployment or revert), over all production deployments."),
            tile("Failed deployment recovery time", "failed_deployment_recovery_time", Statistic::Median,
                 "From a failing deployment (or the incident's creation) to recovery."),
        ],
    ),
    (
        "Pull requests",
        &[
            tile("Merged", "pull_requests_merged", Statistic::Count,
                 "Pull requests by people merged in the period."),
            tile("Cycle time", "pull_request_cycle_time", Statistic::Median,
                 "From the first commit to the merge."),
            tile("Pickup time", "pull_request_pickup_time", Statistic::Median,
                 "From ready for review to the first review or comment by someone else."),
            tile("Review coverage", "review_coverage", Statistic::Ratio,
                 "Merged pull requests approved by someone other than the author, not a bot."),
            tile("Merged without review", "merged_without_review", Statistic::Ratio,
                 "Merged pull requests with no review by someone else before the merge."),
        ],
    ),
    (
        "Issues",
        &[
            tile("Opened", "issues_opened", Statistic::Count,
                 "Issues by people opened in the period."),
            tile("Backlog", "issue_backlog", Statistic::Count,
                 "Issues by people open at the period's end."),
            tile("Time to first response", "issue_time_to_first_response", Statistic::Median,
                 "From opening to the first comment by someone other than the author, not a bot."),
            tile("Time to close", "issue_time_to_close", Statistic::Median,
                 "From opening to closing, of the issues closed in the period."),
        ],
    ),
    (
        "CI",
        &[
            tile("Success rate", "workflow_success_rate", Statistic::Ratio,
                 "Workflow runs that succeeded, over those that succeeded, failed or timed out."),
            tile("Run duration", "workflow_run_duration", Statistic::Median,
                 "From a run's start to its completion."),
            tile("Time lost to failures", "workflow_time_lost_to_failures", Statistic::Total,
                 "Hours spent in runs that failed or timed out."),
        ],
    ),
    (
        "Growth",
        &[
            tile("Stars gained", "stars_gained", Statistic::Count,
                 "Stars given in the period, by their starred_at."),
            tile("Bus factor", "bus_factor", Statistic::Count,
                 "The fewest authors covering half the commits of the last 90 days."),
            tile("Health score", "health_score", Statistic::Mean,
                 "A documented 0-100 score of activity, backlog, reviews, CI and bus factor."),
        ],
    ),
];

/// The view's parameters from the URL: scope, from, to, report.
fn params() -> impl Fn() -> (String, String, String, String) + Copy {
    let query = use_query_map();
    move || {
        let get = |k: &str| super::query_param(query, k);
        (get("scope"), get("from"), get("to"), get("report"))
    }
}

#[component]
pub fn Overview() -> impl IntoView {
    let params = params();
    let report = Resource::new(params, |(scope, from, to, dora)| {
        scope_report(scope, from, to, dora)
    });
    let choices = Resource::new(|| (), |_| scope_choices());
    view! {
        <Title text="Overview"/>
        <section class="panel">
            <div class="panel-head">
                <h1>"Overview"</h1>
                {move || {
                    let scope = params().0;
                    let org = scope.strip_prefix("org:").or_else(|| scope.strip_prefix("user:")).map(str::to_string);
                    match org {
                        Some(o) => view! { <a href=format!("/orgs/{o}") id="organisation-page">{format!("{o}'s page")}</a> }.into_any(),
                        None => view! { <a href="/">"Repositories"</a> }.into_any(),
                    }
                }}
            </div>
            <Controls action="/overview" params choices=choices/>
            <Transition fallback=|| view! { <Skeleton/> }>
                {move || {
                    let scope = params().0;
                    Suspend::new(async move {
                        match report.await {
                            Ok(r) => {
                                let covers = crate::components::sync_progress::covers_of(&r.scope, &r.repositories);
                                // The numbers are the report's alone: rendered once per report.
                                let body = crate::kept::html(("overview", ""), &r, {
                                    let r = r.clone();
                                    move || view! { <Body r/> }
                                }).await;
                                view! {
                                    <crate::components::sync_progress::LiveUpdates covers/>
                                    {body}
                                }.into_any()
                            }
                            Err(e) => view! { <Failed e scope/> }.into_any(),
                        }
                    })
                }}
            </Transition>
            <Trend params/>
            <WaitingForReview scope=Signal::derive(move || params().0)/>
            <SyncingNow/>
        </section>
    }
}

/// Throughput and cycle time per week of the period.
#[component]
fn Trend(
    params: impl Fn() -> (String, String, String, String) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    use crate::components::stage_chart::{TrendChart, CYCLE, MERGED};
    let series = Resource::new(
        move || {
            let (scope, from, to, _) = params();
            (scope, from, to)
        },
        |(scope, from, to)| {
            crate::api::weekly_series(
                scope,
                vec![MERGED.into(), CYCLE.into()],
                vec![wire::Statistic::Count, wire::Statistic::Median],
                from,
                to,
            )
        },
    );
    view! {
        <section class="section" aria-label="Throughput and cycle time per week">
            <h2>"Throughput and cycle time per week"</h2>
            <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match series.await {
                        Ok(mut all) if all.len() == 2 => {
                            let cycle = all.pop().unwrap_or_else(|| unreachable!());
                            let merged = all.pop().unwrap_or_else(|| unreachable!());
                            view! { <TrendChart merged cycle/> }.into_any()
                        }
                        Ok(_) => ().into_any(),
                        // Nothing to add when the report above failed for the same reason
                        // (no such scope, a bad period); otherwise say what failed here.
                        Err(AppError::NotFound(_) | AppError::SignedOut | AppError::Invalid(_)) => ().into_any(),
                        Err(e) => view! { <p class="error" role="alert">{format!("The weekly series could not be read: {e}")}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// The scope's pull requests waiting for a first review now, longest waiting first.
#[component]
fn WaitingForReview(scope: Signal<String>) -> impl IntoView {
    let waiting = Resource::new(move || scope.get(), crate::api::waiting_for_review);
    view! {
        <section class="section" aria-label="Pull requests waiting for review">
            <h2>"Pull requests waiting for review, longest waiting first"</h2>
            <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match waiting.await {
                        Ok(pulls) => view! { <crate::components::details::OpenPulls pulls=(*pulls).clone() waiting=true empty="No pull request is waiting for a first review."/> }.into_any(),
                        // As for the weekly series.
                        Err(AppError::NotFound(_) | AppError::SignedOut | AppError::Invalid(_)) => ().into_any(),
                        Err(e) => view! { <p class="error" role="alert">{format!("The pull requests waiting for review could not be read: {e}")}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// What is syncing now among the person's repositories: the jobs running and queued, with
/// a link to their progress.
#[component]
fn SyncingNow() -> impl IntoView {
    let jobs = Resource::new(|| (), |_| crate::api::syncing_now());
    view! {
        <section class="section" aria-label="Syncing now">
            <h2>"Syncing now"</h2>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match jobs.await {
                        Ok(jobs) if jobs.is_empty() => view! {
                            <p class="muted small" data-testid="syncing-now">"Nothing is syncing: every repository you follow is as fresh as its last check. " <a href="/sync">"Sync history"</a></p>
                        }.into_any(),
                        Ok(jobs) => view! {
                            <ul class="small" data-testid="syncing-now">
                                {jobs.into_iter().map(|j| view! {
                                    <li>{format!("{}: {}", j.repository, if j.status == "running" { "reading from GitHub" } else { "waiting in the queue" })}</li>
                                }).collect_view()}
                                <li><a href="/sync">"Progress"</a></li>
                            </ul>
                        }.into_any(),
                        Err(e) => view! { <p class="muted small">{format!("What is syncing is unknown: {e}")}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn Skeleton() -> impl IntoView {
    view! {
        <div class="tiles skeleton" aria-busy="true" aria-label="Loading the numbers">
            {(0..8).map(|_| view! { <div class="tile"><span class="tile-label">" "</span><span class="tile-value">" "</span></div> }).collect_view()}
        </div>
    }
}

#[component]
fn Failed(e: AppError, scope: String) -> impl IntoView {
    match e {
        // The scope names nothing this person follows or may see: say what to do next.
        // An organisation's or a user's scope covers what Pulseboard has read, so it is
        // also empty while the first syncs of what was just followed run: the page then
        // follows that account's syncs and shows the numbers when the first one ends.
        AppError::NotFound(_) => {
            let covers = crate::components::sync_progress::covers_of(&scope, &[]);
            let account = !covers.is_empty();
            view! {
                <div class="notice" data-testid="overview-empty">
                    <p>"Nothing to show for this scope: you follow no repository in it that Pulseboard has read, or it is not yours to see."</p>
                    {account.then(|| view! {
                        <p>"If you have just followed its repositories, their first sync is running: this page shows their numbers when it ends. " <a href="/sync">"Progress"</a></p>
                        <crate::components::sync_progress::LiveUpdates covers/>
                    })}
                    <a class="button primary" href="/">"Pick repositories to follow"</a>
                </div>
            }
            .into_any()
        }
        _ => view! { <crate::components::load_error::LoadError e testid="overview-error"/> }
            .into_any(),
    }
}

/// How many issues to look at first the overview lists.
pub const OVERVIEW_PRIORITIES: usize = 10;

/// The query naming a report's scope and period (`scope=…&from=YYYY-MM-DD&to=…`), for the
/// pages that show more of the same numbers.
fn report_query(r: &Report) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .append_pair("scope", &r.scope)
        .append_pair("from", day(&r.from))
        .append_pair("to", day(&r.to))
        .finish()
}

/// The overview's numbers of a report (the engine's, shared by the sections' grids).
#[component]
pub fn Body(r: std::sync::Arc<Report>) -> impl IntoView {
    let n = r.repositories.len();
    let summary = format!(
        "{} · {} {} · {} to {} (UTC, the end excluded)",
        crate::components::controls::scope_label(&r.scope),
        number(n as f64),
        if n == 1 { "repository" } else { "repositories" },
        day(&r.from),
        day(&r.to)
    );
    let sections = SECTIONS
        .iter()
        .map(|(title, tiles)| {
            view! {
                <section class="section" aria-label=*title>
                    <h2>{*title}</h2>
                    <TileGrid r=r.clone() tiles/>
                </section>
            }
        })
        .collect_view();
    let insights = r.insights.clone();
    let anomalies = r.anomalies.clone();
    let unit_of = {
        let r = r.clone();
        move |metric: &str| {
            r.figures
                .iter()
                .find(|f| f.metric == metric)
                .map(|f| f.unit)
        }
    };
    let priorities: Vec<_> = r
        .priorities
        .iter()
        .take(OVERVIEW_PRIORITIES)
        .cloned()
        .collect();
    let sources = r.deployment_sources.clone();
    // Where each repository's source is listed: the DORA page of the same scope and period.
    let full_list = format!("/dora?{}#deployment-sources", report_query(&r));
    view! {
        <p class="muted" data-testid="overview-summary">{summary}</p>
        {sections}
        <section class="section" aria-label="Insights">
            <h2>"Insights"</h2>
            {if insights.is_empty() {
                view! { <p class="muted">"Nothing stands out in this period."</p> }.into_any()
            } else {
                view! { <ul class="insights" data-testid="insights">{insights.into_iter().map(|i| {
                    // The engine's drill-down path; only a path of this site becomes a link.
                    let link = i.link.starts_with("/metrics/").then_some(i.link);
                    view! { <li>{i.text}" "{link.map(|l| view! { <a href=l class="small">"See the series"</a> })}</li> }
                }).collect_view()}</ul> }.into_any()
            }}
        </section>
        <section class="section" aria-label="Anomalies">
            <h2>"Anomalies"</h2>
            {if anomalies.is_empty() {
                view! { <p class="muted">"No week of this period is far from the twelve before it."</p> }.into_any()
            } else {
                view! { <ul data-testid="anomalies">{anomalies.into_iter().map(|a| view! {
                    <li>{
                        // In the metric's unit, as its figures carry it.
                        let unit = unit_of(&a.metric);
                        let said = |v: f64| unit.map(|u| with_unit(v, u)).unwrap_or_else(|| number(v));
                        format!("{} in the week of {}: {} against a median of {} the twelve weeks before", metric_label(&a.metric), a.week, said(a.value), said(a.baseline))
                    }</li>
                }).collect_view()}</ul> }.into_any()
            }}
        </section>
        <section class="section" aria-label="Issues to look at first">
            <h2>"Issues to look at first"</h2>
            <Priorities list=priorities/>
        </section>
        <section class="section" aria-label="What counts as a deployment">
            <h2>"What counts as a deployment"</h2>
            <crate::components::details::DeploymentSources sources full_list/>
        </section>
    }
}

/// A grid of tiles, each the report's figure of its metric and statistic, with its grade.
#[component]
pub fn TileGrid(r: std::sync::Arc<Report>, tiles: &'static [Tile]) -> impl IntoView {
    // The metric's page over the same scope and period (the scores have none).
    let query = report_query(&r);
    let href = |metric: &str| {
        (metric != "health_score" && metric != "performance_score")
            .then(|| format!("/metrics/{metric}?{query}"))
    };
    let tiles = tiles
        .iter()
        .map(|t| {
            let figure = r.figure(t.metric, t.statistic).cloned();
            let grade = r.grade(t.metric).cloned();
            let href = href(t.metric);
            match (grade, href) {
                (Some(g), Some(h)) => view! { <FigureTile label=t.label definition=t.definition figure grade=g href=h/> }.into_any(),
                (Some(g), None) => view! { <FigureTile label=t.label definition=t.definition figure grade=g/> }.into_any(),
                (None, Some(h)) => view! { <FigureTile label=t.label definition=t.definition figure href=h/> }.into_any(),
                (None, None) => view! { <FigureTile label=t.label definition=t.definition figure/> }.into_any(),
            }
        })
        .collect_view();
    view! { <div class="tiles">{tiles}</div> }
}

/// The open issues with the highest priority scores, with the terms that made them.
#[component]
pub fn Priorities(list: Vec<wire::PriorityIssue>) -> impl IntoView {
    if list.is_empty() {
        return view! { <p class="muted">"No issue by a person is open at the period's end."</p> }
            .into_any();
    }
    view! {
        <div class="scroll">
        <table class="priorities" data-testid="priorities">
            <thead><tr><th scope="col">"Score"</th><th scope="col">"Issue"</th><th scope="col">"Severity"</th><th scope="col">"Open"</th><th scope="col">"Why"</th></tr></thead>
            <tbody>{list.into_iter().map(|p| view! {
                <tr>
                    <td class="num">{number(p.score)}</td>
                    <td>{format!("{}#{} ", p.repository, p.number)}<span class="muted">{p.title}</span></td>
                    <td>{p.severity.unwrap_or_else(|| "none".into())}</td>
                    <td class="num">{format!("{} d", number(p.age_days))}</td>
                    <td class="small">{p.reasons.join(", ")}</td>
                </tr>
            }).collect_view()}</tbody>
        </table>
        </div>
    }.into_any()
}
