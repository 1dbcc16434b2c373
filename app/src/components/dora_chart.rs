//! One DORA key over the parts of a period, with the report's performance levels drawn as
//! bands behind it. The server renders a labelled container and the numbers' table
//! stands beside it; the chart is an island: the browser draws it with charming
//! (ECharts), and a click on a point opens that part's drill-down (its link).

use leptos::prelude::*;
use wire::{GradeBand, Level};

/// The values of one key per part (`None`: unavailable), their labels, and its bands:
/// what the server hands the chart's island (serialised into the page).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct KeySeries {
    pub metric: String,
    pub title: String,
    /// A value's unit as the axis says it (`per week`, `hours`, `%`).
    pub axis: String,
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

#[island]
pub fn DoraChart(
    series: KeySeries,
    /// Where a click on each part's point goes (the part's drill-down), in the parts'
    /// order; empty: the points are not links.
    links: Vec<String>,
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
        use std::{cell::RefCell, rc::Rc};
        // The chart drawn, disposed with its click handler when the component goes.
        let drawn: Rc<RefCell<Option<Drawn>>> = Rc::default();
        let kept = send_wrapper::SendWrapper::new(drawn.clone());
        on_cleanup(move || {
            if let Some(d) = kept.borrow_mut().take() {
                d.dispose();
            }
        });
        let (series, id) = (series.clone(), id.clone());
        Effect::new(move |_| {
            let (series, id, drawn, links) =
                (series.clone(), id.clone(), drawn.clone(), links.clone());
            request_animation_frame(move || {
                // Drawing disposes the element's previous chart; its handler goes with it.
                if let Some(d) = draw(&id, &series, links.clone()) {
                    drawn.borrow_mut().replace(d);
                }
            });
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = links;
    let parts = series.values.len();
    view! {
        <div id=id class="chart small-chart" role="img" aria-label=label data-metric=series.metric data-points=parts></div>
    }
}

/// A chart on the page and its click handler, which lives as long as the chart.
#[cfg(feature = "hydrate")]
struct Drawn {
    instance: wasm_bindgen::JsValue,
    _handler: wasm_bindgen::closure::Closure<dyn Fn(wasm_bindgen::JsValue)>,
}

#[cfg(feature = "hydrate")]
impl Drawn {
    /// Frees the ECharts instance (ECharts keeps every instance in a registry).
    fn dispose(self) {
        if let Ok(dispose) = js_sys::Reflect::get(&self.instance, &"dispose".into()) {
            if let Some(dispose) = wasm_bindgen::JsCast::dyn_ref::<js_sys::Function>(&dispose) {
                let _ = dispose.call0(&self.instance);
            }
        }
    }
}

#[cfg(feature = "hydrate")]
fn draw(id: &str, s: &KeySeries, links: Vec<String>) -> Option<Drawn> {
    use charming::component::{Axis, Grid, Title};
    use charming::element::{AxisType, ItemStyle, MarkArea, MarkAreaData, Tooltip, Trigger};
    use charming::series::Line;
    use charming::Chart;
    use wasm_bindgen::prelude::*;

    let values: Vec<Option<f64>> = s.values.iter().map(|v| v.map(|x| x * s.scale)).collect();
    let ceiling = axis_ceiling(&values, s);
    let mut chart = Chart::new()
        .animation(!super::echarts::reduced_motion())
        .title(
            Title::new()
                .text(s.title.as_str())
                // 15 px: "Failed deployment recovery time" fits a phone's chart.
                .text_style(charming::element::TextStyle::new().font_size(15))
                .subtext(s.axis.as_str())
                .item_gap(6)
                .left(8)
                .top(4),
        )
        .tooltip(Tooltip::new().trigger(Trigger::Axis))
        // Room under the title and its unit for the axis' highest label.
        .grid(Grid::new().left(56).right(16).top(68).bottom(40))
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
    chart = chart.series(
        Line::new()
            .name(s.title.as_str())
            .data(values)
            .connect_nulls(false)
            .item_style(ItemStyle::new().color("#6639ba"))
            .line_style(
                charming::element::LineStyle::new()
                    .color("#6639ba")
                    .width(2),
            ),
    );
    let width = super::echarts::width_of(id, 240, 560);
    let instance = match super::echarts::render(id, &chart, width, 260) {
        Ok(i) => i,
        Err(e) => {
            leptos::logging::error!("could not draw {}: {e}", s.title);
            return None;
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
            if let (Some(link), Some(w)) = (links.get(i as usize), web_sys::window()) {
                let _ = w.location().assign(link);
            }
        }
    });
    if let Ok(on) = js_sys::Reflect::get(&instance, &"on".into()) {
        if let Some(on) = on.dyn_ref::<js_sys::Function>() {
            let _ = on.call2(&instance, &"click".into(), handler.as_ref());
        }
    }
    Some(Drawn {
        instance,
        _handler: handler,
    })
}

/// Where the value axis ends (`values` already scaled for the axis): a little above the
/// highest value, on a round number, so that small values are not flattened by a band far
/// above them (the bands are clipped to it); with no value, at the first band boundary. A
/// share (scale 100, in %) never goes past 100 %.
pub fn axis_ceiling(values: &[Option<f64>], s: &KeySeries) -> f64 {
    let top = values.iter().flatten().copied().fold(0.0f64, f64::max);
    let ceiling = if top > 0.0 {
        nice_above(top * 1.2)
    } else {
        s.bands
            .iter()
            .filter_map(|b| b.to)
            .map(|t| t * s.scale)
            .fold(f64::INFINITY, f64::min)
            .min(100.0)
    };
    if s.scale == 100.0 {
        ceiling.min(100.0)
    } else {
        ceiling
    }
}

/// The smallest of 1, 2, 2.5 and 5 times a power of ten at or above `x` (> 0), so that the
/// axis ends on a round number.
pub fn nice_above(x: f64) -> f64 {
    let power = 10f64.powf(x.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|v| *v >= x)
        .unwrap_or(10.0 * power)
}

#[cfg(test)]
mod tests {
    #[test]
    fn axes_end_on_round_numbers() {
        assert_eq!(super::nice_above(8.4), 10.0);
        assert_eq!(super::nice_above(155.6), 200.0);
        assert_eq!(super::nice_above(2.1), 2.5);
        assert_eq!(super::nice_above(0.3), 0.5);
    }

    #[test]
    fn a_share_axis_stops_at_100_percent() {
        let series = |scale: f64| super::KeySeries {
            metric: "change_failure_rate".into(),
            title: "Change failure rate".into(),
            axis: "%".into(),
            scale,
            labels: vec![],
            values: vec![],
            bands: vec![],
        };
        // 100 % failed in a part: 120 would round up to 200 %; a share ends at 100 %.
        assert_eq!(
            super::axis_ceiling(&[Some(100.0), Some(50.0)], &series(100.0)),
            100.0
        );
        assert_eq!(super::axis_ceiling(&[Some(30.0)], &series(100.0)), 50.0);
        // Not a share: 100 deployments a week leave room above them.
        assert_eq!(super::axis_ceiling(&[Some(100.0)], &series(1.0)), 200.0);
    }
}
