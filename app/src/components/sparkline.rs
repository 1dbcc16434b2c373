//! A small line of counts drawn as SVG on the server: readable before any script runs,
//! and light enough for a table of many rows.

use leptos::prelude::*;

use super::figure::number;

/// Width and height of the drawing, in CSS pixels.
const WIDTH: f64 = 120.0;
const HEIGHT: f64 = 28.0;

/// The polylines of `values` scaled into the drawing (the highest value at the top, 0 at
/// the bottom); an unavailable value breaks the line instead of drawing a 0.
fn segments(values: &[Option<f64>]) -> Vec<String> {
    let top = values.iter().flatten().fold(0.0_f64, |m, v| m.max(*v));
    let scale = if top > 0.0 { top } else { 1.0 };
    let step = if values.len() > 1 {
        WIDTH / (values.len() - 1) as f64
    } else {
        0.0
    };
    let mut out = Vec::new();
    let mut line = Vec::new();
    for (k, v) in values.iter().enumerate() {
        match v {
            Some(v) => {
                let x = k as f64 * step;
                let y = 2.0 + (HEIGHT - 4.0) * (1.0 - v / scale);
                line.push(format!("{x:.1},{y:.1}"));
            }
            None if !line.is_empty() => out.push(std::mem::take(&mut line).join(" ")),
            None => {}
        }
    }
    if !line.is_empty() {
        out.push(line.join(" "));
    }
    out
}

/// `points`: (label, value) oldest first; `what` says what is counted, for those who
/// cannot see the drawing ("pull requests merged per week").
#[component]
pub fn Sparkline(points: Vec<(String, Option<f64>)>, what: &'static str) -> impl IntoView {
    let values: Vec<Option<f64>> = points.iter().map(|(_, v)| *v).collect();
    let said: Vec<String> = points
        .iter()
        .map(|(label, v)| {
            format!(
                "{label}: {}",
                v.map(number).unwrap_or_else(|| "no data".into())
            )
        })
        .collect();
    let label = if said.is_empty() {
        format!("{what}: nothing in this period")
    } else {
        format!("{what}; {}", said.join(", "))
    };
    let lines = segments(&values);
    // A single point is drawn as a dot (a polyline of one point shows nothing).
    let dots: Vec<String> = lines.iter().filter(|l| !l.contains(' ')).cloned().collect();
    let title = label.clone();
    view! {
        <svg class="sparkline" viewBox=format!("0 0 {WIDTH} {HEIGHT}") width=WIDTH height=HEIGHT
             role="img" aria-label=label>
            <title>{title}</title>
            {lines.into_iter().map(|p| view! { <polyline points=p fill="none" stroke="currentColor" stroke-width="1.5"/> }).collect_view()}
            {dots.into_iter().map(|p| {
                let (x, y) = p.split_once(',').unwrap_or(("0", "0"));
                view! { <circle cx=x.to_string() cy=y.to_string() r="1.5" fill="currentColor"/> }
            }).collect_view()}
        </svg>
    }
}

#[cfg(test)]
mod tests {
    use super::segments;

    #[test]
    fn gaps_break_the_line_and_the_top_is_the_highest() {
        // Four points over 120 px: x at 0, 40, 80, 120; the top (4) at y = 2, 0 at y = 26.
        let s = segments(&[Some(0.0), Some(4.0), None, Some(2.0)]);
        assert_eq!(
            s,
            vec!["0.0,26.0 40.0,2.0".to_string(), "120.0,14.0".to_string()]
        );
        // Nothing but zeros stays on the floor (no division by zero).
        assert_eq!(
            segments(&[Some(0.0), Some(0.0)]),
            vec!["0.0,26.0 120.0,26.0".to_string()]
        );
        assert!(segments(&[None, None]).is_empty());
    }
}
