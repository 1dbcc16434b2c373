//! The weekly throughput chart, an island. The server renders an empty, labelled
//! container; the browser draws into it with charming (ECharts, served from `public/`).

use leptos::prelude::*;

use crate::api::WeekPoint;

pub const CHART_ID: &str = "throughput-chart";

#[island]
pub fn ThroughputChart(weeks: Vec<WeekPoint>) -> impl IntoView {
    let points = weeks.len();
    #[cfg(feature = "hydrate")]
    {
        let weeks = weeks.clone();
        // Drawn at the next animation frame, once the page's layout gives the container
        // its width.
        Effect::new(move |_| {
            let weeks = weeks.clone();
            request_animation_frame(move || draw(&weeks));
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = &weeks;
    view! {
        <div
            id=CHART_ID
            class="chart"
            role="img"
            aria-label=format!("Bar and line chart of pull requests opened and merged over {points} weeks")
            data-points=points
        ></div>
    }
}

#[cfg(feature = "hydrate")]
fn draw(weeks: &[WeekPoint]) {
    use charming::component::{Axis, Grid, Legend};
    use charming::element::{AxisType, Tooltip, Trigger};
    use charming::series::{Bar, Line};
    use charming::Chart;

    let labels: Vec<String> = weeks.iter().map(|w| w.week_start.clone()).collect();
    let opened: Vec<i64> = weeks.iter().map(|w| i64::from(w.opened)).collect();
    let merged: Vec<i64> = weeks.iter().map(|w| i64::from(w.merged)).collect();
    let chart = Chart::new()
        .animation(!super::echarts::reduced_motion())
        .tooltip(Tooltip::new().trigger(Trigger::Axis))
        .legend(Legend::new().data(vec!["Opened", "Merged"]))
        .grid(Grid::new().left(48).right(24).top(40).bottom(48))
        .x_axis(Axis::new().type_(AxisType::Category).data(labels))
        .y_axis(Axis::new().type_(AxisType::Value).min_interval(1))
        .series(Bar::new().name("Opened").data(opened))
        .series(Line::new().name("Merged").data(merged));
    let width = super::echarts::width_of(CHART_ID, 320, 800);
    if let Err(e) = super::echarts::render(CHART_ID, &chart, width, 360) {
        leptos::logging::error!("could not draw the throughput chart: {e}");
    }
}
