//! What the numbers say beyond themselves (METRICS.md, "Anomalies", "Forecasts",
//! "Insights"): weeks far from the weeks before them, the next weeks of a series with an
//! interval, and sentences made by rules from the report.

use augurs_core::{Fit, Predict};
use chrono::{DateTime, Duration, Utc};
use wire::{Anomaly, Basis, Figure, Forecast, Insight, Statistic};

use super::stats::quantile;
use crate::db::metrics::Week;

/// Weeks of history each week is compared with.
pub const BASELINE_WEEKS: usize = 12;
/// The fewest weeks with a value a baseline needs.
pub const MIN_BASELINE: usize = 8;
/// A modified z-score beyond this flags the week (Iglewicz and Hoaglin's 3.5).
pub const THRESHOLD: f64 = 3.5;
/// Weeks forecast, and the interval's level.
pub const HORIZON: usize = 4;
pub const LEVEL: f64 = 0.8;
/// The fewest weeks a forecast is fitted on.
pub const MIN_FIT: usize = 12;

/// The weekly series a report looks at, by metric name.
pub fn series(weeks: &[Week]) -> Vec<(&'static str, Vec<Option<f64>>)> {
    vec![
        (
            "pull_requests_merged",
            weeks.iter().map(|w| Some(w.merged as f64)).collect(),
        ),
        (
            "pull_request_cycle_time",
            weeks.iter().map(|w| w.cycle).collect(),
        ),
        (
            "lead_time_for_changes",
            weeks.iter().map(|w| w.lead).collect(),
        ),
        (
            "deployments",
            weeks.iter().map(|w| Some(w.deployments as f64)).collect(),
        ),
        (
            "stars_gained",
            weeks.iter().map(|w| Some(w.stars as f64)).collect(),
        ),
    ]
}

fn day(t: DateTime<Utc>) -> String {
    t.date_naive().to_string()
}

/// The weeks from `from` on, ended by `complete_by`, whose value is an outlier against
/// the [`BASELINE_WEEKS`] before it: a modified z-score 0.6745 · (x − median) ÷ MAD beyond
/// [`THRESHOLD`] (Iglewicz and Hoaglin, 1993), where MAD is the median absolute deviation
/// from the median. A baseline with fewer than [`MIN_BASELINE`] values, or a MAD of 0,
/// flags nothing. A week not yet over (the current one: three days of merges against
/// whole weeks) is not judged.
pub fn anomalies(weeks: &[Week], from: DateTime<Utc>, complete_by: DateTime<Utc>) -> Vec<Anomaly> {
    let mut out = Vec::new();
    for (metric, values) in series(weeks) {
        for (i, w) in weeks.iter().enumerate() {
            let judged =
                w.week >= from - Duration::days(6) && w.week + Duration::days(7) <= complete_by;
            let (Some(x), true) = (values[i], judged) else {
                continue;
            };
            let base: Vec<f64> = values[i.saturating_sub(BASELINE_WEEKS)..i]
                .iter()
                .flatten()
                .copied()
                .collect();
            if base.len() < MIN_BASELINE {
                continue;
            }
            let Some(median) = quantile(&base, 0.5) else {
                continue;
            };
            let deviations: Vec<f64> = base.iter().map(|v| (v - median).abs()).collect();
            let Some(mad) = quantile(&deviations, 0.5).filter(|m| *m > 0.0) else {
                continue;
            };
            let score = 0.6745 * (x - median) / mad;
            if score.abs() > THRESHOLD {
                out.push(Anomaly {
                    metric: metric.into(),
                    week: day(w.week),
                    value: x,
                    baseline: median,
                    score,
                });
            }
        }
    }
    out
}

/// The next [`HORIZON`] weeks of the throughput, lead time and stars series by an
/// automatically chosen exponential smoothing model (`augurs-ets`'s AutoETS, non-seasonal,
/// after Hyndman and Khandakar), with a [`LEVEL`] prediction interval (counts cannot go
/// below 0). A series needs [`MIN_FIT`] weeks, none of them without a value, ending with
/// the last complete week.
pub fn forecasts(weeks: &[Week], now: DateTime<Utc>) -> Vec<Forecast> {
    let complete: Vec<&Week> = weeks
        .iter()
        .filter(|w| w.week + Duration::days(7) <= now)
        .collect();
    let Some(last) = complete.last().map(|w| w.week) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (metric, values) in series(weeks) {
        if !matches!(
            metric,
            "pull_requests_merged" | "lead_time_for_changes" | "stars_gained"
        ) {
            continue;
        }
        let y: Option<Vec<f64>> = values[..complete.len()].iter().copied().collect();
        let Some(y) = y.filter(|y| y.len() >= MIN_FIT) else {
            continue;
        };
        let Ok(search) = augurs_ets::AutoETS::new(1, "ZZN") else {
            continue;
        };
        let Ok(fitted) = search.fit(&y) else {
            continue;
        };
        let Ok(f) = fitted.predict(HORIZON, LEVEL) else {
            continue;
        };
        let Some(intervals) = f.intervals else {
            continue;
        };
        let floor = |v: &Vec<f64>| v.iter().map(|x| x.max(0.0)).collect::<Vec<_>>();
        out.push(Forecast {
            metric: metric.into(),
            model: fitted.model().model_type().to_string(),
            level: LEVEL,
            weeks: (1..=HORIZON as i64)
                .map(|k| day(last + Duration::weeks(k)))
                .collect(),
            point: floor(&f.point),
            lower: floor(&intervals.lower),
            upper: floor(&intervals.upper),
            fitted_on: y.len() as u64,
        });
    }
    out
}

/// Whether a rise of the metric is good news (`Some(true)`), bad (`Some(false)`) or
/// neither.
fn rise_is_good(metric: &str) -> Option<bool> {
    match metric {
        "deployment_frequency"
        | "review_coverage"
        | "workflow_success_rate"
        | "stars_gained"
        | "pull_requests_merged"
        | "issue_close_ratio" => Some(true),
        "pull_request_cycle_time"
        | "pull_request_pickup_time"
        | "pull_request_review_time"
        | "lead_time_for_changes"
        | "change_failure_rate"
        | "failed_deployment_recovery_time"
        | "issue_time_to_close"
        | "workflow_run_duration"
        | "merged_without_review" => Some(false),
        _ => None,
    }
}

fn human(metric: &str) -> String {
    metric.replace('_', " ")
}

fn amount(f: &Figure, v: f64) -> String {
    match f.unit {
        wire::Unit::Hours => format!("{v:.1} h"),
        wire::Unit::Minutes => format!("{v:.1} min"),
        wire::Unit::Ratio => format!("{:.0} %", v * 100.0),
        wire::Unit::PerWeek => format!("{v:.2} a week"),
        _ => format!("{v:.0}"),
    }
}

/// Sentences from rules (METRICS.md, "Insights"), most telling first: a headline that
/// moved by half or more against the period before (medians and rates over at least 5
/// items), a flagged week, a proxy in use, SLA deadlines missed, changes waiting for a
/// deployment. `link` is the drill-down path for a metric.
pub fn insights(
    scope: &str,
    figures: &[Figure],
    anomalies: &[Anomaly],
    link: &dyn Fn(&str) -> String,
) -> Vec<Insight> {
    let mut out = Vec::new();
    for f in figures.iter().filter(|f| f.group.is_none()) {
        let Some(good_up) = rise_is_good(&f.metric) else {
            continue;
        };
        if !matches!(
            f.statistic,
            Statistic::Median | Statistic::Rate | Statistic::Ratio | Statistic::Count
        ) || f.sample < 5
        {
            continue;
        }
        let (Some(now), Some(before)) = (f.value, f.previous) else {
            continue;
        };
        if before <= 0.0 || now <= 0.0 {
            continue;
        }
        let ratio = now / before;
        if (0.67..=1.5).contains(&ratio) {
            continue;
        }
        let up = ratio > 1.0;
        let verdict = if up == good_up { "better" } else { "worse" };
        let how = if ratio >= 2.0 {
            "more than doubled".to_string()
        } else if ratio <= 0.5 {
            "more than halved".to_string()
        } else if up {
            format!("rose by {:.0} %", (ratio - 1.0) * 100.0)
        } else {
            format!("fell by {:.0} %", (1.0 - ratio) * 100.0)
        };
        out.push(Insight {
            rule: "trend".into(),
            text: format!(
                "{} in {scope} {how} against the period before ({verdict}): {} → {}, over {} items",
                human(&f.metric),
                amount(f, before),
                amount(f, now),
                f.sample
            ),
            metric: f.metric.clone(),
            numbers: vec![
                ("previous".into(), before),
                ("value".into(), now),
                ("sample".into(), f.sample as f64),
            ],
            link: link(&f.metric),
        });
    }
    for a in anomalies {
        out.push(Insight {
            rule: "anomaly".into(),
            text: format!(
                "{} in {scope} in the week of {} was unusual: {:.1} against a median of {:.1} over the 12 weeks before",
                human(&a.metric),
                a.week,
                a.value,
                a.baseline
            ),
            metric: a.metric.clone(),
            numbers: vec![
                ("value".into(), a.value),
                ("baseline".into(), a.baseline),
                ("score".into(), a.score),
            ],
            link: link(&a.metric),
        });
    }
    if let Some(f) = figures
        .iter()
        .find(|f| f.metric == "deployment_frequency" && matches!(f.basis, Basis::Proxy { .. }))
    {
        if let Basis::Proxy { stands_in_for, .. } = &f.basis {
            out.push(Insight {
                rule: "proxy".into(),
                text: format!(
                    "DORA's keys in {scope} are partly proxies: {stands_in_for}; set a deployment source to measure them"
                ),
                metric: f.metric.clone(),
                numbers: vec![],
                link: link(&f.metric),
            });
        }
    }
    let missed: f64 = figures
        .iter()
        .filter(|f| f.metric == "issue_sla_breaches")
        .filter_map(|f| f.value)
        .sum();
    if missed > 0.0 {
        out.push(Insight {
            rule: "sla".into(),
            text: format!(
                "{missed:.0} issues in {scope} missed their resolution SLA in this period"
            ),
            metric: "issue_sla_breaches".into(),
            numbers: vec![("breaches".into(), missed)],
            link: link("issue_sla_breaches"),
        });
    }
    if let Some(p) = figures
        .iter()
        .find(|f| f.metric == "changes_pending_deployment")
        .and_then(|f| f.value)
        .filter(|p| *p > 0.0)
    {
        out.push(Insight {
            rule: "pending".into(),
            text: format!("{p:.0} changes merged in {scope} in this period wait for a deployment"),
            metric: "changes_pending_deployment".into(),
            numbers: vec![("pending".into(), p)],
            link: link("changes_pending_deployment"),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn weeks(merged: &[i64]) -> Vec<Week> {
        let monday = Utc.with_ymd_and_hms(2026, 1, 5, 0, 0, 0).unwrap();
        merged
            .iter()
            .enumerate()
            .map(|(i, m)| Week {
                week: monday + Duration::weeks(i as i64),
                merged: *m,
                cycle: None,
                lead: None,
                deployments: 0,
                stars: 0,
            })
            .collect()
    }

    #[test]
    fn a_week_far_from_the_twelve_before_is_flagged() {
        // Twelve weeks of 10, 12, 10, 8, … then 30. Baseline sorted: 8 8 8 10 10 10 10 10
        // 12 12 12 12: median 10; deviations five 0s and seven 2s: MAD 2. Score
        // 0.6745 · 20 / 2 = 6.745 > 3.5. The week after (11) against a baseline with the
        // 30 in it: median 10, MAD 2, score 0.34: not flagged.
        let w = weeks(&[10, 12, 10, 8, 12, 10, 8, 12, 10, 8, 12, 10, 30, 11]);
        let end = w.last().unwrap().week + Duration::days(7);
        let found = anomalies(&w, w[0].week, end);
        let merged: Vec<&Anomaly> = found
            .iter()
            .filter(|a| a.metric == "pull_requests_merged")
            .collect();
        assert_eq!(merged.len(), 1);
        assert_eq!(merged[0].week, "2026-03-30");
        assert_eq!(merged[0].baseline, 10.0);
        assert!((merged[0].score - 0.6745 * 10.0).abs() < 1e-9);
        // A flat history (MAD 0) flags nothing, and neither does a short one.
        assert!(anomalies(&weeks(&[5; 14]), w[0].week, end).is_empty());
        assert!(anomalies(&weeks(&[1, 1, 50]), w[0].week, end).is_empty());
        // The same 30 in a week not yet over (three days into it) is not judged.
        let cut = weeks(&[10, 12, 10, 8, 12, 10, 8, 12, 10, 8, 12, 10, 30]);
        let three_days_in = cut.last().unwrap().week + Duration::days(3);
        assert!(anomalies(&cut, cut[0].week, three_days_in)
            .iter()
            .all(|a| a.metric != "pull_requests_merged"));
        let over = cut.last().unwrap().week + Duration::days(7);
        assert_eq!(anomalies(&cut, cut[0].week, over).len(), 1);
    }

    #[test]
    fn forecasts_need_a_full_history_and_stay_non_negative() {
        let w = weeks(&[3, 4, 5, 4, 6, 5, 7, 6, 8, 7, 9, 8, 10, 9]);
        let now = w.last().unwrap().week + Duration::days(7);
        let f = forecasts(&w, now);
        let merged = f
            .iter()
            .find(|f| f.metric == "pull_requests_merged")
            .unwrap();
        assert_eq!(merged.weeks.len(), HORIZON);
        assert_eq!(merged.weeks[0], "2026-04-13");
        assert_eq!(merged.fitted_on, 14);
        for k in 0..HORIZON {
            assert!(merged.lower[k] <= merged.point[k] && merged.point[k] <= merged.upper[k]);
            assert!(merged.lower[k] >= 0.0);
        }
        // The lead time has no value in any week: no forecast.
        assert!(f.iter().all(|f| f.metric != "lead_time_for_changes"));
        assert!(forecasts(&weeks(&[1, 2, 3]), now).is_empty());
    }
}
