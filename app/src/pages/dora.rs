//! The DORA page: the four keys per week (or day, month) of a period with the performance
//! levels of the chosen report drawn as bands; a click on any point, or on a row of the
//! table, lists the deployments, changes and incidents behind that part and how each was
//! attributed. Everything it shows lives in the URL (`/dora?scope=&from=&to=&report=&
//! grain=&at=&until=`).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use wire::{Attribution, DoraSeries, Statistic};

use crate::api::{dora_attribution, dora_series, scope_choices};
use crate::components::controls::Controls;
use crate::components::dora_chart::{DoraChart, KeySeries};
use crate::components::figure::{number, with_unit};
use crate::components::load_error::LoadError;

/// The four keys: metric, statistic, title, axis, scale for the axis.
const KEYS: [(&str, Statistic, &str, &str, f64); 4] = [
    (
        "deployment_frequency",
        Statistic::Rate,
        "Deployment frequency",
        "per week",
        1.0,
    ),
    (
        "lead_time_for_changes",
        Statistic::Median,
        "Lead time for changes",
        "hours, median",
        1.0,
    ),
    (
        "change_failure_rate",
        Statistic::Ratio,
        "Change failure rate",
        "%",
        100.0,
    ),
    (
        "failed_deployment_recovery_time",
        Statistic::Median,
        "Failed deployment recovery time",
        "hours, median",
        1.0,
    ),
];

/// The figures of each part the page shows: the four keys' ([`KEYS`]) and the number of
/// production deployments (the table's first column), over the whole scope.
pub fn shown(f: &wire::Figure) -> bool {
    f.group.is_none()
        && ((f.metric == "deployments" && f.statistic == Statistic::Count)
            || KEYS
                .iter()
                .any(|(m, s, ..)| f.metric == *m && f.statistic == *s))
}

/// The URL of this page with `at`/`until` set to a part (or removed). A part's URL ends
/// with `#attribution`, where the browser scrolls to what lies behind it.
fn url_with(query: &[(String, String)], part: Option<(&str, &str)>) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in query {
        if k != "at" && k != "until" {
            s.append_pair(k, v);
        }
    }
    let fragment = match part {
        Some((at, until)) => {
            s.append_pair("at", at);
            s.append_pair("until", until);
            "#attribution"
        }
        None => "",
    };
    format!("/dora?{}{fragment}", s.finish())
}

#[component]
pub fn DoraPage() -> impl IntoView {
    let query = use_query_map();
    let get = move |k: &str| super::query_param(query, k);
    let params = move || (get("scope"), get("from"), get("to"), get("report"));
    let series = Resource::new(
        move || {
            (
                get("scope"),
                get("from"),
                get("to"),
                get("report"),
                get("grain"),
            )
        },
        |(scope, from, to, dora, grain)| dora_series(scope, from, to, dora, grain),
    );
    let picked = move || {
        let (at, until) = (get("at"), get("until"));
        (!at.is_empty() && !until.is_empty()).then_some((get("scope"), at, until))
    };
    let attribution = Resource::new(picked, |p| async move {
        match p {
            Some((scope, at, until)) => dora_attribution(scope, at, until).await.map(Some),
            None => Ok(None),
        }
    });
    let choices = Resource::new(|| (), |_| scope_choices());
    view! {
        <Title text="DORA"/>
        <section class="panel">
            <div class="panel-head">
                <h1>"DORA's four keys"</h1>
                <a href="/overview">"Overview"</a>
            </div>
            <Controls action="/dora" params choices=choices grain=true/>
            {move || (params().3 == "2024").then(|| view! {
                <p class="notice small" data-testid="report-2024-note">
                    "The 2024 report gives high performers a typical change failure rate of 20 % and medium ones 10 %: the opposite of their order. "
                    "Pulseboard grades a rate by the nearest typical value, as the report states, so 12 % is medium and 18 % is high (METRICS.md, \"Grades\")."
                </p>
            })}
            <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Loading the series…"</p> }>
                {move || Suspend::new(async move {
                    match series.await {
                        Ok(s) => view! {
                            <crate::components::sync_progress::LiveUpdates covers=crate::components::sync_progress::covers_of(&s.scope, &s.deployment_sources.iter().map(|(r, _)| r.clone()).collect::<Vec<_>>())/>
                            <Series s query/>
                        }.into_any(),
                        Err(e) => view! { <LoadError e testid="dora-error"/> }.into_any(),
                    }
                })}
            </Transition>
            // A part's link ends with `#attribution`: the browser scrolls here, far below
            // the charts, where the part picked is shown.
            <div id="attribution">
            <Suspense fallback=|| view! { <p class="muted" aria-busy="true">"Loading what lies behind…"</p> }>
                {move || Suspend::new(async move {
                    match attribution.await {
                        Ok(Some(a)) => view! { <Behind a/> }.into_any(),
                        Ok(None) => view! { <p class="muted" data-testid="pick-a-part">"Click a point, or open a row, to see the deployments, changes and incidents behind it."</p> }.into_any(),
                        Err(e) => view! { <LoadError e testid="dora-error"/> }.into_any(),
                    }
                })}
            </Suspense>
            </div>
        </section>
    }
}

#[component]
fn Series(s: DoraSeries, query: Memo<leptos_router::params::ParamsMap>) -> impl IntoView {
    let pairs = move || -> Vec<(String, String)> {
        query
            .try_get()
            .unwrap_or_default()
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    };
    let day = super::day;
    let labels: Vec<String> = s.parts.iter().map(|p| day(&p.from).to_string()).collect();
    // Each part's drill-down: where a click on its point (or its row) goes.
    let query_now = pairs();
    let links: Vec<String> = s
        .parts
        .iter()
        .map(|p| url_with(&query_now, Some((day(&p.from), day(&p.to)))))
        .collect();
    let charts = KEYS
        .iter()
        .map(|(metric, statistic, title, axis, scale)| {
            let values = s
                .parts
                .iter()
                .map(|p| {
                    p.figures
                        .iter()
                        .find(|f| {
                            f.metric == *metric && f.statistic == *statistic && f.group.is_none()
                        })
                        .and_then(|f| f.value)
                })
                .collect();
            let series = KeySeries {
                metric: metric.to_string(),
                title: title.to_string(),
                axis: axis.to_string(),
                scale: *scale,
                labels: labels.clone(),
                values,
                bands: s
                    .bands
                    .iter()
                    .filter(|b| b.metric == *metric)
                    .cloned()
                    .collect(),
            };
            view! { <DoraChart series links=links.clone()/> }
        })
        .collect_view();
    let rows = s
        .parts
        .iter()
        .zip(links.iter().cloned())
        .map(|(p, href)| {
            let cell = |metric: &str, statistic: Statistic| {
                let f = p
                    .figures
                    .iter()
                    .find(|f| f.metric == metric && f.statistic == statistic && f.group.is_none());
                let value = f.and_then(|f| f.value);
                let text = match (f, value) {
                    (Some(f), Some(v)) => with_unit(v, f.unit),
                    _ => "—".into(),
                };
                let title = match f.map(|f| &f.basis) {
                    Some(wire::Basis::Unavailable { reason }) => reason.clone(),
                    Some(wire::Basis::Proxy { source, stands_in_for }) => format!("A proxy: {source} stands in for {stands_in_for}"),
                    _ => format!("n = {}", number(f.map_or(0, |f| f.sample) as f64)),
                };
                let grade = p.grades.iter().find(|g| g.metric == metric).map(|g| format!("{:?}", g.level).to_lowercase());
                view! {
                    <td class="num" title=title data-metric=metric.to_string()
                        data-value=value.map(|v| v.to_string()).unwrap_or_default()>
                        {text}
                        {grade.map(|g| { let class = format!("grade {g}"); view! { " " <span class=class>{g}</span> } })}
                    </td>
                }
            };
            view! {
                <tr data-part=day(&p.from).to_string()>
                    <th scope="row"><a href=href>{format!("{} – {}", day(&p.from), day(&p.to))}</a></th>
                    {cell("deployments", Statistic::Count)}
                    {cell("deployment_frequency", Statistic::Rate)}
                    {cell("lead_time_for_changes", Statistic::Median)}
                    {cell("change_failure_rate", Statistic::Ratio)}
                    {cell("failed_deployment_recovery_time", Statistic::Median)}
                </tr>
            }
        })
        .collect_view();
    let sources = s.deployment_sources.clone();
    view! {
            <div class="charts">{charts}</div>
            <h2>"Per " {s.grain.clone()} " (UTC; the end excluded)"</h2>
            <div class="scroll">
                <table class="dora-parts" data-testid="dora-parts">
                    <thead><tr>
                        <th scope="col">"Part"</th><th scope="col">"Deployments"</th><th scope="col">"Frequency"</th>
                        <th scope="col">"Lead time"</th><th scope="col">"Change failure"</th><th scope="col">"Recovery"</th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
            <h2 id="deployment-sources">"What counts as a deployment"</h2>
    <crate::components::details::DeploymentSources sources/>
        }
}

#[component]
fn Behind(a: Attribution) -> impl IntoView {
    let day = |t: &str| t.get(..16).unwrap_or(t).replace('T', " ");
    let (deployments, changes, incidents) = a.totals;
    let cut = |shown: usize, total: u64| {
        (total as usize > shown).then(
            || view! { <p class="muted small">{format!("The first {shown} of {total}.")}</p> },
        )
    };
    let n_d = a.deployments.len();
    let n_c = a.changes.len();
    let n_i = a.incidents.len();
    view! {
        <section class="section" aria-label="What lies behind" data-testid="attribution"
                 data-deployments=deployments data-changes=changes data-incidents=incidents>
            <h2>{format!("Behind {} – {} ({}): {} deployments, {} changes, {} incidents",
                day(&a.from), day(&a.to), crate::components::controls::scope_label(&a.scope), deployments, changes, incidents)}</h2>
            <h3>"Production deployments"</h3>
            <div class="scroll"><table data-testid="attributed-deployments">
                <thead><tr><th scope="col">"Deployed (UTC)"</th><th scope="col">"Repository"</th><th scope="col">"Environment"</th><th scope="col">"Commit"</th><th scope="col">"Source"</th><th scope="col">"Changes first shipped"</th><th scope="col">"Failed because"</th></tr></thead>
                <tbody>{a.deployments.into_iter().map(|d| view! {
                    <tr>
                        <td>{day(&d.deployed_at)}</td><td>{d.repository}</td><td>{d.environment}</td>
                        <td><code>{d.sha.get(..7).unwrap_or(&d.sha).to_string()}</code></td><td>{d.source}</td>
                        <td>{d.changes.iter().map(|n| format!("#{n}")).collect::<Vec<_>>().join(", ")}</td>
                        <td>{if d.failures.is_empty() { "—".to_string() } else { d.failures.join("; ") }}</td>
                    </tr>
                }).collect_view()}</tbody>
            </table></div>
            {cut(n_d, deployments)}
            <h3>"Changes"</h3>
            <div class="scroll"><table data-testid="attributed-changes">
                <thead><tr><th scope="col">"Change"</th><th scope="col">"Merged (UTC)"</th><th scope="col">"Status"</th><th scope="col">"Lead time"</th><th scope="col">"Why"</th></tr></thead>
                <tbody>{a.changes.into_iter().map(|c| view! {
                    <tr>
                        <td>{format!("{}#{} ", c.repository, c.number)}<span class="muted">{c.title}</span></td>
                        <td>{day(&c.merged_at)}</td><td>{c.status}</td>
                        <td class="num">{c.lead_time_hours.map(|h| with_unit(h, wire::Unit::Hours)).unwrap_or_else(|| "—".into())}</td>
                        <td class="small">{c.why}</td>
                    </tr>
                }).collect_view()}</tbody>
            </table></div>
            {cut(n_c, changes)}
            <h3>"Incidents"</h3>
            {if n_i == 0 {
                view! { <p class="muted">"No incident was opened in this part."</p> }.into_any()
            } else {
                view! {
                    <div class="scroll"><table data-testid="attributed-incidents">
                        <thead><tr><th scope="col">"Incident"</th><th scope="col">"Opened (UTC)"</th><th scope="col">"Why"</th></tr></thead>
                        <tbody>{a.incidents.into_iter().map(|i| view! {
                            <tr><td>{format!("{}#{} ", i.repository, i.number)}<span class="muted">{i.title}</span></td><td>{day(&i.created_at)}</td><td class="small">{i.why}</td></tr>
                        }).collect_view()}</tbody>
                    </table></div>
                }.into_any()
            }}
            {cut(n_i, incidents)}
        </section>
    }
}
