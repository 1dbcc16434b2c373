//! One DORA key over the parts of a period, with the report's performance levels drawn as
//! bands behind it. The server renders a labelled container and the numbers' table
//! stands beside it; once hydrated, the browser draws with charming (ECharts), and a
//! click on a point opens that part's drill-down (`on_pick` with the part's index).

use leptos::prelude::*;
use wire::{GradeBand, Level};

/// The values of one key per part (`None`: unavailable), their labels, and its bands.
#[derive(Debug, Clone, PartialEq)]
pub struct KeySeries {
    pub metric: &'static str,
    pub title: &'static str,
    /// A value's unit as the axis says it (`per week`, `hours`, `%`).
    pub axis: &'static str,
    /// Multiplies each value for the axis (100 for a ratio shown in %).
    pub scale: f64,
    pub labels: Vec<String>,
    pub values: Vec<Option<f64>>,
    pub bands: Vec<GradeBand>,
}

/// The colour of a level's band.
pub fn band_colour(level: Level) -> &'static str {
    match level {
        Level::Elite => "#2da44e",
        Level::High => "#0969da",
        Level::Medium => "#bf8700",
        Level::Low => "#cf222e",
    }
}

#[component]
pub fn DoraChart(
    series: KeySeries,
    /// Called with a part's index when its point is clicked.
    on_pick: Callback<usize>,
) -> impl IntoView {
    let id = format!("dora-chart-{}", series.metric);
    let points = series.values.iter().filter(|v| v.is_some()).count();
    let label = format!(
        "Line chart of {} over {} parts, {} with a value, with the performance levels as bands",
        series.title,
        series.values.len(),
        points
    );
    #[cfg(feature = "hydrate")]
    {
        let (series, id) = (series.clone(), id.clone());
        Effect::new(move |_| {
            let (series, id) = (series.clone(), id.clone());
            request_animation_frame(move || draw(&id, &series, on_pick));
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = on_pick;
    view! {
        <div id=id class="chart small-chart" role="img" aria-label=label data-metric=series.metric data-points=series.values.len()></div>
    }
}

#[cfg(feature = "hydrate")]
fn draw(id: &str, s: &KeySeries, on_pick: Callback<usize>) {
    use charming::component::{Axis, Grid, Title};
    use charming::element::{AxisType, ItemStyle, MarkArea, MarkAreaData, Tooltip, Trigger};
    use charming::series::Line;
    use charming::Chart;
    use wasm_bindgen::prelude::*;

    let values: Vec<Option<f64>> = s.values.iter().map(|v| v.map(|x| x * s.scale)).collect();
    let top = values.iter().flatten().copied().fold(0.0f64, f64::max);
    let reduced_motion = web_sys::window()
        .and_then(|w| {
            w.match_media("(prefers-reduced-motion: reduce)")
                .ok()
                .flatten()
        })
        .is_some_and(|m| m.matches());
    // The axis up to a little above the highest value, the bands clipped to it, so that
    // small values are not flattened by a band far above them; with no value, up to the
    // first band boundary.
    let ceiling = if top > 0.0 {
        top * 1.3
    } else {
        s.bands
            .iter()
            .filter_map(|b| b.to)
            .map(|t| t * s.scale)
            .fold(f64::INFINITY, f64::min)
            .min(100.0)
    };
    let mut chart = Chart::new()
        .animation(!reduced_motion)
        .title(
            Title::new()
                .text(s.title)
                .subtext(s.axis)
                .item_gap(2)
                .left(8)
                .top(4),
        )
        .tooltip(Tooltip::new().trigger(Trigger::Axis))
        .grid(Grid::new().left(56).right(16).top(56).bottom(40))
        .x_axis(Axis::new().type_(AxisType::Category).data(s.labels.clone()))
        .y_axis(Axis::new().type_(AxisType::Value).max(ceiling));
    for band in &s.bands {
        let from = band.from * s.scale;
        let to = band.to.map_or(ceiling, |t| (t * s.scale).min(ceiling));
        if from >= to {
            continue;
        }
        chart = chart.series(
            Line::new()
                .name(format!("{:?}", band.level).to_lowercase())
                .silent(true)
                .data(Vec::<Option<f64>>::new())
                .mark_area(
                    MarkArea::new()
                        .silent(true)
                        .item_style(
                            ItemStyle::new()
                                .color(band_colour(band.level))
                                .opacity(0.12),
                        )
                        .data(vec![(
                            MarkAreaData::new().y_axis(from.to_string()),
                            MarkAreaData::new().y_axis(to.to_string()),
                        )]),
                ),
        );
    }
    chart = chart.series(Line::new().name(s.title).data(values).connect_nulls(false));
    let width = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
        .map(|e| e.client_width().max(240) as u32)
        .unwrap_or(560);
    let instance = match super::echarts::render(id, &chart, width, 260) {
        Ok(i) => i,
        Err(e) => {
            leptos::logging::error!("could not draw {}: {e}", s.title);
            return;
        }
    };
    // ECharts' own click event, on the value series' points: the part's index.
    let handler = Closure::<dyn Fn(JsValue)>::new(move |event: JsValue| {
        let index = js_sys::Reflect::get(&event, &"dataIndex".into())
            .ok()
            .and_then(|v| v.as_f64());
        let series_name = js_sys::Reflect::get(&event, &"componentType".into())
            .ok()
            .and_then(|v| v.as_string());
        if let (Some(i), Some("series")) = (index, series_name.as_deref()) {
            on_pick.run(i as usize);
        }
    });
    if let Ok(on) = js_sys::Reflect::get(&instance, &"on".into()) {
        if let Some(on) = on.dyn_ref::<js_sys::Function>() {
            let _ = on.call2(&instance, &"click".into(), handler.as_ref());
        }
    }
    // Lives as long as the chart: ECharts keeps calling it.
    handler.forget();
}
