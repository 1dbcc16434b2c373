//! DORA's four keys (METRICS.md, "Deployments" and "Deployment frequency").

use chrono::{DateTime, Utc};
use wire::{Basis, Figure, Statistic, Unit};

use crate::db::deployments::Deployed;

/// Production environments unless configured otherwise: `prod` or `production`.
pub const PRODUCTION: &str = "^(prod|production)$";

/// Where a repository's deployments come from.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    /// GitHub's Deployments API: successful deployments to production environments.
    Deployments(Vec<Deployed>),
    /// No deployment to production was ever recorded: pull requests merged into the
    /// default branch stand in (a proxy), at their merge times.
    MergedPulls(Vec<DateTime<Utc>>),
}

/// Deployments in the period (count), per week, and deployment days per week.
pub fn deployment_frequency(
    source: &Source,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
) -> Vec<Figure> {
    let weeks = (to - from).num_seconds() as f64 / (7.0 * 86_400.0);
    let (times, basis): (Vec<DateTime<Utc>>, Basis) = match source {
        Source::Deployments(deployed) => (
            deployed.iter().map(|d| d.succeeded_at).collect(),
            Basis::Measured {
                source: format!(
                    "GitHub deployments to environments matching {PRODUCTION} with a success status, one per environment and commit"
                ),
            },
        ),
        Source::MergedPulls(merged) => (
            merged.clone(),
            Basis::Proxy {
                source: "pull requests merged into the default branch".into(),
                stands_in_for: "deployments to production (none was ever recorded for this repository)".into(),
            },
        ),
    };
    let count = times.len();
    let mut days: Vec<_> = times.iter().map(|t| t.date_naive()).collect();
    days.sort();
    days.dedup();
    let figure = |metric: &str, statistic, unit, value: f64| Figure {
        metric: metric.into(),
        statistic,
        unit,
        value: Some(value),
        sample: count as u64,
        basis: basis.clone(),
    };
    vec![
        figure("deployments", Statistic::Count, Unit::Items, count as f64),
        figure(
            "deployment_frequency",
            Statistic::Rate,
            Unit::PerWeek,
            count as f64 / weeks,
        ),
        figure(
            "deployment_days",
            Statistic::Rate,
            Unit::PerWeek,
            days.len() as f64 / weeks,
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, day, hour, 0, 0).unwrap()
    }

    #[test]
    fn frequency_by_hand() {
        let deployed = |day, hour| Deployed {
            environment: "production".into(),
            sha: format!("{day}{hour}"),
            succeeded_at: at(day, hour),
        };
        // Three deployments on two days in two weeks: 1.5 a week, 1 deployment day a week.
        let source = Source::Deployments(vec![deployed(2, 9), deployed(2, 15), deployed(10, 11)]);
        let figures = deployment_frequency(&source, (at(1, 0), at(15, 0)));
        let values: Vec<Option<f64>> = figures.iter().map(|f| f.value).collect();
        assert_eq!(values, [Some(3.0), Some(1.5), Some(1.0)]);
        assert!(figures
            .iter()
            .all(|f| matches!(f.basis, Basis::Measured { .. })));
        // None deployed in the period is a measured 0, not a gap: the source exists.
        let figures = deployment_frequency(&Source::Deployments(vec![]), (at(1, 0), at(15, 0)));
        assert_eq!(figures[1].value, Some(0.0));
        // Merged pull requests stand in, and say so.
        let proxy =
            deployment_frequency(&Source::MergedPulls(vec![at(3, 1)]), (at(1, 0), at(8, 0)));
        assert_eq!(proxy[1].value, Some(1.0));
        assert!(matches!(proxy[1].basis, Basis::Proxy { .. }));
    }
}
