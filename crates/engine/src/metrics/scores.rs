//! The repository health score and the delivery performance score (METRICS.md, "Scores"):
//! documented formulas over the report's own figures and grades, each returned with its
//! components.

use wire::{Basis, DoraReport, Figure, Grade, Level, Statistic, Unit};

/// Pull requests merged a week that count as fully active.
pub const ACTIVE_MERGES_PER_WEEK: f64 = 5.0;
/// A bus factor that counts as fully safe.
pub const SAFE_BUS_FACTOR: f64 = 3.0;

fn value(figures: &[Figure], metric: &str, statistic: Statistic) -> Option<f64> {
    figures
        .iter()
        .find(|f| f.metric == metric && f.statistic == statistic && f.group.is_none())
        .and_then(|f| f.value)
}

fn score(metric: &str, group: Option<&str>, value: Option<f64>, sample: u64, why: &str) -> Figure {
    let basis = Basis::Measured {
        source: "METRICS.md, \"Scores\": the components' mean, each 0-100".into(),
    };
    Figure {
        group: group.map(str::to_string),
        ..super::figure(
            metric,
            Statistic::Mean,
            Unit::Score,
            value,
            sample as i64,
            &basis,
            why,
        )
    }
}

/// The total of some components (equal weights over those with a value), then the
/// components as figures grouped by their names.
fn with_components(metric: &str, components: &[(&str, Option<f64>, &str)]) -> Vec<Figure> {
    let known: Vec<f64> = components.iter().filter_map(|(_, v, _)| *v).collect();
    let total = (!known.is_empty()).then(|| known.iter().sum::<f64>() / known.len() as f64);
    let mut out = vec![score(
        metric,
        None,
        total,
        known.len() as u64,
        "none of its components has a value in this period",
    )];
    out.extend(
        components
            .iter()
            .map(|(name, v, why)| score(metric, Some(name), *v, 1, why)),
    );
    out
}

/// `health_score`: recent activity (merged pull requests a week, full at
/// [`ACTIVE_MERGES_PER_WEEK`]), issue backlog (issues closed ÷ opened, full at 1), review
/// coverage, CI health (workflow success rate) and bus factor (full at
/// [`SAFE_BUS_FACTOR`]), each 0-100.
pub fn health(figures: &[Figure], weeks: f64) -> Vec<Figure> {
    use Statistic::*;
    let pct = |v: Option<f64>| v.map(|x| (x * 100.0).clamp(0.0, 100.0));
    let merged = value(figures, "pull_requests_merged", Count);
    with_components(
        "health_score",
        &[
            (
                "activity",
                pct(merged.map(|m| m / weeks / ACTIVE_MERGES_PER_WEEK)),
                "",
            ),
            (
                "issue_backlog",
                pct(value(figures, "issue_close_ratio", Ratio)),
                "no issue was opened in this period",
            ),
            (
                "review_coverage",
                pct(value(figures, "review_coverage", Ratio)),
                "no pull request by a person was merged in this period",
            ),
            (
                "ci_health",
                pct(value(figures, "workflow_success_rate", Ratio)),
                "no workflow run ended in success or failure in this period",
            ),
            (
                "bus_factor",
                pct(value(figures, "bus_factor", Count).map(|b| b / SAFE_BUS_FACTOR)),
                "no commit by a person in the 90 days before the end of this period",
            ),
        ],
    )
}

/// Points of a level: elite 100, high 75, medium 50, low 25.
pub fn points(level: Level) -> f64 {
    match level {
        Level::Elite => 100.0,
        Level::High => 75.0,
        Level::Medium => 50.0,
        Level::Low => 25.0,
    }
}

/// `performance_score`: the mean of the four keys' grade points ([`points`]), and its
/// level (elite from 87.5, high from 62.5, medium from 37.5, else low).
pub fn performance(grades: &[Grade], report: DoraReport) -> (Vec<Figure>, Option<Grade>) {
    let keys = [
        "deployment_frequency",
        "lead_time_for_changes",
        "change_failure_rate",
        "failed_deployment_recovery_time",
    ];
    let components: Vec<(&str, Option<f64>, &str)> = keys
        .iter()
        .map(|k| {
            let level = grades
                .iter()
                .find(|g| g.metric == *k)
                .map(|g| points(g.level));
            (*k, level, "this key has no value in this period")
        })
        .collect();
    let figures = with_components("performance_score", &components);
    let grade = figures[0].value.map(|v| Grade {
        metric: "performance_score".into(),
        level: if v >= 87.5 {
            Level::Elite
        } else if v >= 62.5 {
            Level::High
        } else if v >= 37.5 {
            Level::Medium
        } else {
            Level::Low
        },
        report,
    });
    (figures, grade)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figure(metric: &str, statistic: Statistic, value: Option<f64>) -> Figure {
        Figure {
            metric: metric.into(),
            group: None,
            statistic,
            unit: Unit::Ratio,
            value,
            sample: 1,
            basis: Basis::Measured { source: "x".into() },
            previous: None,
        }
    }

    #[test]
    fn health_by_hand() {
        // 10 merged in 4 weeks: 2.5 a week of 5 = 50; backlog ratio 0.8 = 80; coverage
        // 0.6 = 60; CI unavailable (left out); bus factor 6 of 3 = 100 (capped).
        // (50 + 80 + 60 + 100) / 4 = 72.5.
        let figures = [
            figure("pull_requests_merged", Statistic::Count, Some(10.0)),
            figure("issue_close_ratio", Statistic::Ratio, Some(0.8)),
            figure("review_coverage", Statistic::Ratio, Some(0.6)),
            figure("workflow_success_rate", Statistic::Ratio, None),
            figure("bus_factor", Statistic::Count, Some(6.0)),
        ];
        let h = health(&figures, 4.0);
        assert_eq!(h[0].value, Some(72.5));
        assert_eq!(h[0].sample, 4);
        let ci = h
            .iter()
            .find(|f| f.group.as_deref() == Some("ci_health"))
            .unwrap();
        assert!(ci.value.is_none() && matches!(ci.basis, Basis::Unavailable { .. }));
    }

    #[test]
    fn performance_by_hand() {
        let grade = |metric: &str, level| Grade {
            metric: metric.into(),
            level,
            report: DoraReport::Y2023,
        };
        // High 75, elite 100, medium 50, high 75: 75, high.
        let grades = [
            grade("deployment_frequency", Level::High),
            grade("lead_time_for_changes", Level::Elite),
            grade("change_failure_rate", Level::Medium),
            grade("failed_deployment_recovery_time", Level::High),
        ];
        let (figures, level) = performance(&grades, DoraReport::Y2023);
        assert_eq!(figures[0].value, Some(75.0));
        assert_eq!(level.unwrap().level, Level::High);
        let (none, level) = performance(&[], DoraReport::Y2023);
        assert!(none[0].value.is_none() && level.is_none());
    }
}
