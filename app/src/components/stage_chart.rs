//! Pull requests over time, per week: the cycle time's stages (the median coding, pickup
//! and review time of the pull requests merged in each week, METRICS.md "Pull request
//! cycle time", stacked, with the median cycle time as a line), and throughput (merged per
//! week with the median cycle time). The server renders the numbers as a table (readable
//! without the WASM); the drawing is an island, drawn by the browser with charming.

use leptos::prelude::*;
use wire::ChartSeries;

pub const CHART_ID: &str = "stage-chart";

/// The stages, their metric and their name.
pub const STAGES: [(&str, &str); 3] = [
    ("pull_request_coding_time", "Coding"),
    ("pull_request_pickup_time", "Pickup"),
    ("pull_request_review_time", "Review"),
];
pub const CYCLE: &str = "pull_request_cycle_time";

/// Each part's start (`YYYY-MM-DD`) and its value (`None` where unavailable: nothing
/// merged, for a median).
pub fn values(series: &ChartSeries) -> Vec<(String, Option<f64>)> {
    series
        .points
        .iter()
        .map(|p| (p.from.get(..10).unwrap_or(&p.from).to_string(), p.value))
        .collect()
}

pub const TREND_ID: &str = "trend-chart";
pub const MERGED: &str = "pull_requests_merged";

/// Throughput and cycle time per week: `merged` ([`MERGED`]'s series) as bars, `cycle`
/// ([`CYCLE`]'s) as a line on its own axis.
#[component]
pub fn TrendChart(merged: ChartSeries, cycle: ChartSeries) -> impl IntoView {
    let merged = values(&merged);
    let cycle = values(&cycle);
    let drawing = view! { <TrendDrawing merged=merged.clone() cycle=cycle.clone()/> };
    let rows = merged
        .iter()
        .zip(&cycle)
        .map(|((week, m), (_, c))| {
            let text = |v: Option<f64>| {
                v.map(|h| crate::components::figure::with_unit(h, wire::Unit::Hours))
                    .unwrap_or_else(|| "—".into())
            };
            view! {
                <tr data-week=week.clone()>
                    <td>{week.clone()}</td>
                    <td class="num" data-value=*m>{m.map(crate::components::figure::number).unwrap_or_else(|| "—".into())}</td>
                    <td class="num" data-value=*c>{text(*c)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        {drawing}
        <details>
            <summary>"The numbers"</summary>
            <div class="scroll">
                <table data-testid="trend-table">
                    <thead><tr><th scope="col">"Week of"</th><th scope="col" class="num">"Merged"</th><th scope="col" class="num">"Cycle time (median)"</th></tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </details>
    }
}

/// The throughput chart's drawing: (week, value) of merged and of the median cycle time.
#[island]
fn TrendDrawing(
    merged: Vec<(String, Option<f64>)>,
    cycle: Vec<(String, Option<f64>)>,
) -> impl IntoView {
    let weeks = merged.len();
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        let (merged, cycle) = (merged.clone(), cycle.clone());
        request_animation_frame(move || draw_trend(&merged, &cycle));
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = (merged, cycle);
    view! {
        <div id=TREND_ID class="chart" role="img" data-points=weeks
             aria-label=format!("Bars of the pull requests merged per week over {weeks} weeks, and their median cycle time as a line")></div>
    }
}

#[cfg(feature = "hydrate")]
fn draw_trend(merged: &[(String, Option<f64>)], cycle: &[(String, Option<f64>)]) {
    use charming::component::{Axis, Grid, Legend};
    use charming::element::{AxisType, Tooltip, Trigger};
    use charming::series::{Bar, Line};
    use charming::Chart;

    let labels: Vec<String> = merged.iter().map(|(w, _)| w.clone()).collect();
    let bars: Vec<Option<f64>> = merged.iter().map(|(_, v)| *v).collect();
    let line: Vec<Option<f64>> = cycle
        .iter()
        .map(|(_, v)| v.map(|h| (h * 10.0).round() / 10.0))
        .collect();
    let chart = Chart::new()
        .animation(!super::echarts::reduced_motion())
        .tooltip(Tooltip::new().trigger(Trigger::Axis))
        .legend(Legend::new().data(vec!["Merged", "Cycle time (median)"]))
        .grid(Grid::new().left(48).right(56).top(40).bottom(48))
        .x_axis(Axis::new().type_(AxisType::Category).data(labels))
        .y_axis(
            Axis::new()
                .type_(AxisType::Value)
                .name("merged")
                .min_interval(1),
        )
        .y_axis(Axis::new().type_(AxisType::Value).name("hours"))
        .series(Bar::new().name("Merged").data(bars))
        .series(
            Line::new()
                .name("Cycle time (median)")
                .y_axis_index(1)
                .data(line),
        );
    let width = super::echarts::width_of(TREND_ID, 320, 800);
    if let Err(e) = super::echarts::render(TREND_ID, &chart, width, 320) {
        leptos::logging::error!("could not draw the trend chart: {e}");
    }
}

/// `stages`: the three stage series in [`STAGES`]' order; `cycle`: the cycle time's.
#[component]
pub fn StageChart(stages: Vec<ChartSeries>, cycle: ChartSeries) -> impl IntoView {
    let columns: Vec<Vec<(String, Option<f64>)>> = stages.iter().map(values).collect();
    let cycle = values(&cycle);
    let drawing = view! { <StageDrawing columns=columns.clone() cycle=cycle.clone()/> };
    let text = |v: Option<f64>| {
        v.map(|h| crate::components::figure::with_unit(h, wire::Unit::Hours))
            .unwrap_or_else(|| "—".into())
    };
    let rows = cycle
        .iter()
        .enumerate()
        .map(|(k, (week, c))| {
            let cells = columns
                .iter()
                .map(|col| {
                    let v = col.get(k).and_then(|(_, v)| *v);
                    view! { <td class="num" data-value=v>{text(v)}</td> }
                })
                .collect_view();
            view! { <tr><td>{week.clone()}</td>{cells}<td class="num" data-value=*c>{text(*c)}</td></tr> }
        })
        .collect_view();
    view! {
        {drawing}
        <details>
            <summary>"The numbers"</summary>
            <div class="scroll">
                <table data-testid="stage-table">
                    <thead><tr><th scope="col">"Week of"</th>
                        {STAGES.iter().map(|(_, n)| view! { <th scope="col" class="num">{format!("{n} (median)")}</th> }).collect_view()}
                        <th scope="col" class="num">"Cycle time (median)"</th></tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </details>
        <p class="muted small">"Each stage's median is over the pull requests merged that week that reached it; medians do not add up, so the bars can be taller or shorter than the cycle time's line. A week without a merge has none."</p>
    }
}

/// The stages chart's drawing: each stage's (week, median) in [`STAGES`]' order, and the
/// cycle time's.
#[island]
fn StageDrawing(
    columns: Vec<Vec<(String, Option<f64>)>>,
    cycle: Vec<(String, Option<f64>)>,
) -> impl IntoView {
    let weeks = cycle.len();
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        let (columns, cycle) = (columns.clone(), cycle.clone());
        request_animation_frame(move || draw(&columns, &cycle));
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = (columns, cycle);
    view! {
        <div id=CHART_ID class="chart" role="img" data-points=weeks
             aria-label=format!("Stacked bars of the median coding, pickup and review time per week over {weeks} weeks, and the median cycle time as a line")></div>
    }
}

#[cfg(feature = "hydrate")]
fn draw(columns: &[Vec<(String, Option<f64>)>], cycle: &[(String, Option<f64>)]) {
    use charming::component::{Axis, Grid, Legend};
    use charming::element::{AxisType, Tooltip, Trigger};
    use charming::series::{Bar, Line};
    use charming::Chart;

    // Hours, rounded to a tenth; a week without a value is a gap.
    let round = |v: Option<f64>| v.map(|h| (h * 10.0).round() / 10.0);
    let labels: Vec<String> = cycle.iter().map(|(w, _)| w.clone()).collect();
    let mut chart = Chart::new()
        .animation(!super::echarts::reduced_motion())
        .tooltip(Tooltip::new().trigger(Trigger::Axis))
        .legend(
            Legend::new().data(
                STAGES
                    .iter()
                    .map(|(_, n)| *n)
                    .chain(["Cycle time"])
                    .collect(),
            ),
        )
        .grid(Grid::new().left(56).right(24).top(40).bottom(48))
        .x_axis(Axis::new().type_(AxisType::Category).data(labels))
        .y_axis(Axis::new().type_(AxisType::Value).name("hours"));
    for ((_, name), col) in STAGES.iter().zip(columns) {
        let data: Vec<Option<f64>> = col.iter().map(|(_, v)| round(*v)).collect();
        chart = chart.series(Bar::new().name(*name).stack("stages").data(data));
    }
    let line: Vec<Option<f64>> = cycle.iter().map(|(_, v)| round(*v)).collect();
    chart = chart.series(Line::new().name("Cycle time").data(line));
    let width = super::echarts::width_of(CHART_ID, 320, 800);
    if let Err(e) = super::echarts::render(CHART_ID, &chart, width, 320) {
        leptos::logging::error!("could not draw the stage chart: {e}");
    }
}
