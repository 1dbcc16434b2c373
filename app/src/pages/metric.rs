//! A metric's page (where the insights and the tiles link): one metric of a scope per week
//! (or day, month) of a period, drawn and listed with every statistic and sample. Scope,
//! period and grain live in the URL (`/metrics/{metric}?scope=&from=&to=&grain=`).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use wire::MetricSeries;

use crate::api::{metric_series, scope_choices, AppError};
use crate::components::controls::Controls;
use crate::components::dora_chart::{DoraChart, KeySeries};
use crate::components::figure::{number, with_unit};

#[component]
pub fn MetricPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let metric = move || params.read().get("metric").unwrap_or_default();
    let get = move |k: &str| super::query_param(query, k);
    let controls = move || (get("scope"), get("from"), get("to"), get("report"));
    let series = Resource::new(
        move || (get("scope"), metric(), get("from"), get("to"), get("grain")),
        |(scope, metric, from, to, grain)| metric_series(scope, metric, from, to, grain),
    );
    let choices = Resource::new(|| (), |_| scope_choices());
    let action = move || format!("/metrics/{}", metric());
    view! {
        <Title text=move || crate::components::figure::metric_label(&metric())/>
        <section class="panel">
            <div class="panel-head">
                <h1>{move || crate::components::figure::metric_label(&metric())}</h1>
                <a href="/overview">"Overview"</a>
            </div>
            <p class="muted small">"Its definition, inputs and edge cases: METRICS.md, under the section that names " <code>{metric}</code> "."</p>
            {move || view! { <Controls action=action() params=controls choices=choices grain=true/> }}
            <Suspense fallback=|| view! { <p class="muted" aria-busy="true">"Loading the series…"</p> }>
                {move || Suspend::new(async move {
                    match series.await {
                        Ok(s) => view! { <Series s/> }.into_any(),
                        Err(e) => view! { <Failed e/> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn Failed(e: AppError) -> impl IntoView {
    view! { <div class="error" role="alert" data-testid="metric-error"><p>{e.to_string()}</p></div> }
}

#[component]
fn Series(s: MetricSeries) -> impl IntoView {
    let day = super::day;
    // The statistics the metric has over the whole scope (no group), in its first order.
    let mut statistics = Vec::new();
    for f in s
        .parts
        .iter()
        .flat_map(|p| &p.figures)
        .filter(|f| f.group.is_none())
    {
        if !statistics.contains(&f.statistic) {
            statistics.push(f.statistic);
        }
    }
    let Some(&main) = statistics.first() else {
        return view! { <p class="muted" data-testid="metric-empty">"This metric has no figure in this scope and period."</p> }.into_any();
    };
    let value = |p: &wire::MetricPart, st| {
        p.figures
            .iter()
            .find(|f| f.statistic == st && f.group.is_none())
            .cloned()
    };
    let unit = s.parts.iter().find_map(|p| value(p, main)).map(|f| f.unit);
    let chart = KeySeries {
        metric: "metric".into(),
        title: String::new(),
        axis: main.key().into(),
        scale: if unit == Some(wire::Unit::Ratio) {
            100.0
        } else {
            1.0
        },
        labels: s.parts.iter().map(|p| day(&p.from).to_string()).collect(),
        values: s
            .parts
            .iter()
            .map(|p| value(p, main).and_then(|f| f.value))
            .collect(),
        bands: vec![],
    };
    let head = statistics
        .iter()
        .map(|st| view! { <th scope="col">{st.key()}</th> })
        .collect_view();
    let rows = s
        .parts
        .iter()
        .map(|p| {
            let cells = statistics
                .iter()
                .map(|st| {
                    let f = value(p, *st);
                    let (text, title, v) = match &f {
                        Some(f) => (
                            f.value.map(|v| with_unit(v, f.unit)).unwrap_or_else(|| "—".into()),
                            match &f.basis {
                                wire::Basis::Unavailable { reason } => reason.clone(),
                                _ => format!("n = {}", number(f.sample as f64)),
                            },
                            f.value.map(|v| v.to_string()).unwrap_or_default(),
                        ),
                        None => ("—".into(), String::new(), String::new()),
                    };
                    view! { <td class="num" title=title data-statistic=st.key() data-value=v>{text}</td> }
                })
                .collect_view();
            view! { <tr data-part=day(&p.from)><th scope="row">{format!("{} – {}", day(&p.from), day(&p.to))}</th>{cells}</tr> }
        })
        .collect_view();
    view! {
        <DoraChart series=chart links=vec![]/>
        <h2>{format!("{} per {} (UTC; the end excluded)", s.metric, s.grain)}</h2>
        <div class="scroll">
            <table class="metric-parts" data-testid="metric-parts">
                <thead><tr><th scope="col">"Part"</th>{head}</tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}
