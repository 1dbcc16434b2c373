//! One number as Pulseboard shows it: the value with its unit, the sample it rests on,
//! whether it is measured, a proxy or unavailable (and why), its grade and its change
//! against the period before. Never a bare 0 for "no data".

use leptos::prelude::*;
use wire::{Basis, Figure, Grade, Level, Statistic, Unit};

/// `1234567.8` as `1,234,568`; from 1 to 10 with one decimal (`7.5`); below 1 with two
/// significant digits (`0.25`, `0.0031`), so that a small value never reads as 0.
pub fn number(v: f64) -> String {
    if !v.is_finite() {
        return "—".into();
    }
    if v != 0.0 && v.abs() < 1.0 {
        let digits = (1 - v.abs().log10().floor() as i32).clamp(1, 12) as usize;
        return format!("{v:.digits$}");
    }
    if v.abs() < 10.0 && v.fract() != 0.0 {
        return format!("{v:.1}");
    }
    let rounded = v.round() as i64;
    let digits = rounded.unsigned_abs().to_string();
    let mut out = String::new();
    for (k, c) in digits.chars().enumerate() {
        if k > 0 && (digits.len() - k).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if rounded < 0 {
        format!("−{out}")
    } else {
        out
    }
}

/// A metric's name as a page titles it: `pull_request_cycle_time` reads "Pull request
/// cycle time" (METRICS.md keeps the name itself).
pub fn metric_label(metric: &str) -> String {
    let words: Vec<String> = metric
        .split('_')
        .enumerate()
        .map(|(k, w)| match w {
            "ci" => "CI".to_string(),
            w if k == 0 => {
                let mut c = w.chars();
                c.next()
                    .map(|f| f.to_uppercase().chain(c).collect())
                    .unwrap_or_default()
            }
            w => w.to_string(),
        })
        .collect();
    words.join(" ")
}

/// A value in its unit, as people read it: hours past two days as days, ratios as
/// percentages, rates per week.
pub fn with_unit(v: f64, unit: Unit) -> String {
    match unit {
        Unit::Items => number(v),
        Unit::Minutes if v >= 120.0 => format!("{} h", number(v / 60.0)),
        Unit::Minutes => format!("{} min", number(v)),
        Unit::Hours if v >= 48.0 => format!("{} d", number(v / 24.0)),
        Unit::Hours if v < 1.0 => format!("{} min", number(v * 60.0)),
        Unit::Hours => format!("{} h", number(v)),
        Unit::Days => format!("{} d", number(v)),
        Unit::Ratio => format!("{} %", number(v * 100.0)),
        Unit::PerWeek => format!("{} / week", number(v)),
        Unit::PerDay => format!("{} / day", number(v)),
        Unit::Lines => format!("{} lines", number(v)),
        Unit::Files => format!("{} files", number(v)),
        Unit::Score => format!("{} / 100", number(v)),
    }
}

/// The change from `previous` to `value`, as the page words it (`▲ 12 %`; for a ratio in
/// percentage points, `▲ 5 pts`), or `None` when there is nothing to compare.
pub fn change(value: Option<f64>, previous: Option<f64>, unit: Unit) -> Option<String> {
    let (v, p) = (value?, previous?);
    if unit == Unit::Ratio {
        let points = (v - p) * 100.0;
        if points.abs() < 0.05 {
            return Some("no change".into());
        }
        let arrow = if points > 0.0 { "▲" } else { "▼" };
        return Some(format!("{arrow} {} pts", number(points.abs())));
    }
    if p == 0.0 {
        return (v != 0.0).then(|| "was 0 before".to_string());
    }
    let pct = (v - p) / p.abs() * 100.0;
    if pct.abs() < 0.5 {
        return Some("no change".into());
    }
    let arrow = if pct > 0.0 { "▲" } else { "▼" };
    Some(format!("{arrow} {} %", number(pct.abs())))
}

pub fn level_name(l: Level) -> &'static str {
    match l {
        Level::Elite => "elite",
        Level::High => "high",
        Level::Medium => "medium",
        Level::Low => "low",
    }
}

/// What the tooltip says of a figure: its definition, the statistic and sample, and its
/// source (or the stand-in, or why it is missing).
pub fn explain(definition: &str, f: &Figure) -> String {
    let basis = match &f.basis {
        Basis::Measured { source } => format!("Measured from {source}."),
        Basis::Proxy {
            source,
            stands_in_for,
        } => format!("A proxy: {source} stands in for {stands_in_for}."),
        Basis::Unavailable { reason } => format!("Unavailable: {reason}."),
    };
    let statistic = match f.statistic {
        Statistic::Count => "count",
        Statistic::Median => "median",
        Statistic::P75 => "75th percentile",
        Statistic::P90 => "90th percentile",
        Statistic::P95 => "95th percentile",
        Statistic::Total => "total",
        Statistic::Mean => "mean",
        Statistic::Ratio => "share",
        Statistic::Rate => "rate",
    };
    format!(
        "{definition} The {statistic} over {} items. {basis} (METRICS.md: {})",
        number(f.sample as f64),
        f.metric
    )
}

/// A tile: label, value with unit, marker, sample, change and grade.
#[component]
pub fn FigureTile(
    /// What the tile is called on the page.
    label: &'static str,
    /// One sentence from METRICS.md's definition.
    definition: &'static str,
    /// The figure; `None` when the report has no such figure.
    figure: Option<Figure>,
    #[prop(optional)] grade: Option<Grade>,
    /// Where the metric's series is (its page), when there is one.
    #[prop(optional)]
    href: Option<String>,
) -> impl IntoView {
    let Some(f) = figure else {
        return view! {
            <div class="tile unavailable" data-metric=label>
                <span class="tile-label">{label}</span>
                <span class="tile-value">"—"</span>
                <span class="tile-note">"Not in this report."</span>
            </div>
        }
        .into_any();
    };
    let tooltip = explain(definition, &f);
    let (marker, class) = match &f.basis {
        Basis::Measured { .. } => (None, "tile"),
        Basis::Proxy { .. } => (Some("proxy"), "tile proxy"),
        Basis::Unavailable { .. } => (Some("unavailable"), "tile unavailable"),
    };
    let value = f.value.map(|v| with_unit(v, f.unit));
    let reason = match &f.basis {
        Basis::Unavailable { reason } => Some(reason.clone()),
        _ => None,
    };
    let delta = change(f.value, f.previous, f.unit);
    let focusable = href.is_none();
    view! {
        // A tile with no link takes the focus itself, so that the keyboard shows its
        // explanation too.
        <div class=class tabindex=focusable.then_some("0") data-metric=f.metric.clone() data-statistic=f.statistic.key()
             data-value=f.value.map(|v| v.to_string()).unwrap_or_default()>
            <span class="tile-label">
                {match href {
                    Some(h) => view! { <a href=h class="tile-link">{label}</a> }.into_any(),
                    None => view! { <span>{label}</span> }.into_any(),
                }}
                {marker.map(|m| view! { <span class=format!("marker {m}")>{if m == "proxy" { "≈ proxy" } else { "no data" }}</span> })}
            </span>
            <span class="tile-value">{value.unwrap_or_else(|| "—".into())}</span>
            {reason.map(|r| view! { <span class="tile-note">{r}</span> })}
            // The definition, sample and source: read as part of the tile by a screen
            // reader, shown over the tile on hover or when its link has the focus (one
            // copy; a `title` beside it doubled the overview's tiles in bytes).
            <span class="tile-explain">{tooltip}</span>
            <span class="tile-meta">
                {f.value.is_some().then(|| format!("n = {}", number(f.sample as f64)))}
                {delta.map(|d| view! { <span class="delta">{d} " vs the period before"</span> })}
                {grade.map(|g| view! { <span class=format!("grade {}", level_name(g.level))>{level_name(g.level)}</span> })}
            </span>
        </div>
    }
    .into_any()
}

/// A table cell of one figure: the value with its unit (or "—" and the reason), a proxy
/// or unavailable marker, and the definition, sample and source in its tooltip.
#[component]
pub fn FigureCell(
    /// One sentence from METRICS.md's definition.
    definition: &'static str,
    figure: Option<Figure>,
    /// The figure's DORA level, when graded.
    #[prop(optional)]
    grade: Option<Grade>,
) -> impl IntoView {
    let Some(f) = figure else {
        return view! { <td class="num muted" title="Not in this report.">"—"</td> }.into_any();
    };
    let tooltip = explain(definition, &f);
    let marker = match &f.basis {
        Basis::Measured { .. } => None,
        Basis::Proxy { .. } => Some(("marker proxy", "≈")),
        Basis::Unavailable { .. } => Some(("marker unavailable", "no data")),
    };
    view! {
        <td class="num" title=tooltip data-metric=f.metric.clone()
            data-value=f.value.map(|v| v.to_string()).unwrap_or_default()>
            {f.value.map(|v| with_unit(v, f.unit)).unwrap_or_else(|| "—".into())}
            {marker.map(|(class, text)| view! { <span class=class>{text}</span> })}
            {grade.map(|g| view! { " " <span class=format!("grade {}", level_name(g.level))>{level_name(g.level)}</span> })}
        </td>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_people_write_them() {
        assert_eq!(number(1_234_567.8), "1,234,568");
        assert_eq!(number(7.25), "7.2");
        assert_eq!(number(999.0), "999");
        assert_eq!(number(-1500.0), "−1,500");
        // 50 hours are 2.1 days; 0.5 h is 30 min; a ratio is a percentage.
        assert_eq!(with_unit(50.0, Unit::Hours), "2.1 d");
        assert_eq!(with_unit(0.5, Unit::Hours), "30 min");
        assert_eq!(with_unit(0.874, Unit::Ratio), "87 %");
        assert_eq!(with_unit(3.5, Unit::PerWeek), "3.5 / week");
        assert_eq!(
            change(Some(12.0), Some(10.0), Unit::Items).as_deref(),
            Some("▲ 20 %")
        );
        assert_eq!(
            change(Some(5.0), Some(10.0), Unit::Hours).as_deref(),
            Some("▼ 50 %")
        );
        assert_eq!(change(Some(5.0), None, Unit::Items), None);
        assert_eq!(change(None, Some(3.0), Unit::Items), None);
        // A ratio moves in percentage points: 10 % to 15 % is 5 points, not 50 %.
        assert_eq!(
            change(Some(0.15), Some(0.10), Unit::Ratio).as_deref(),
            Some("▲ 5.0 pts")
        );
        // Small values keep two significant digits: one deployment a year is not 0.
        assert_eq!(number(0.0192), "0.019");
        assert_eq!(with_unit(0.0004, Unit::Ratio), "0.040 %");
        assert_eq!(number(0.25), "0.25");
        assert_eq!(
            metric_label("pull_request_cycle_time"),
            "Pull request cycle time"
        );
    }
}

/// One metric broken down by its groups (size buckets, severities, workflows, jobs): a
/// table of each group's value with its unit and sample, in the report's order.
#[component]
pub fn Breakdown(
    /// The table's caption.
    title: &'static str,
    /// What the groups are (`Size`, `Workflow`).
    group_label: &'static str,
    metric: &'static str,
    statistic: Statistic,
    /// The report whose figures of `metric` and `statistic` the table lists, one row a group.
    r: std::sync::Arc<wire::Report>,
) -> impl IntoView {
    let rows: Vec<Figure> = r
        .figures
        .iter()
        .filter(|f| f.metric == metric && f.statistic == statistic && f.group.is_some())
        .cloned()
        .collect();
    if rows.is_empty() {
        return view! {
            <p class="muted" data-breakdown=metric>{format!("{title}: nothing in this period.")}</p>
        }
        .into_any();
    }
    view! {
        <div class="scroll">
            <table class="breakdown" data-breakdown=metric>
                <caption>{title}</caption>
                <thead><tr><th scope="col">{group_label}</th><th scope="col">"Value"</th><th scope="col">"Sample"</th></tr></thead>
                <tbody>
                    {rows.into_iter().map(|f| {
                        let text = match (&f.basis, f.value) {
                            (_, Some(v)) => with_unit(v, f.unit),
                            (Basis::Unavailable { reason }, None) => format!("— ({reason})"),
                            _ => "—".into(),
                        };
                        view! {
                            <tr data-group=f.group.clone().unwrap_or_default()
                                data-value=f.value.map(|v| v.to_string()).unwrap_or_default()>
                                <td>{f.group.clone().unwrap_or_default()}</td>
                                <td class="num">{text}</td>
                                <td class="num">{number(f.sample as f64)}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}
