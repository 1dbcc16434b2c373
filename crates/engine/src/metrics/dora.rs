//! DORA's four keys and their grades (METRICS.md, "Deployments" to "Grades"): pure
//! functions over the production deployments, changes, incidents and reverts that
//! `db::metrics` reads from the derived facts.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use wire::{Basis, DoraReport, Figure, Grade, Level, Statistic, Unit};

use super::{count, durations};
use crate::db::facts::ProductionDeployment;
use crate::db::metrics::{Incident, LeadTime, Revert};

/// Deployments in the period (count), per week, and deployment days (UTC) per week, on
/// `basis` (the sources of the scope's repositories).
pub fn deployment_frequency(
    deployed: &[ProductionDeployment],
    basis: &Basis,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
) -> Vec<Figure> {
    let weeks = (to - from).num_seconds() as f64 / (7.0 * 86_400.0);
    let in_period: Vec<&ProductionDeployment> = deployed
        .iter()
        .filter(|d| d.succeeded_at >= from && d.succeeded_at < to)
        .collect();
    let n = in_period.len();
    let days: HashSet<_> = in_period
        .iter()
        .map(|d| d.succeeded_at.date_naive())
        .collect();
    let figure = |metric: &str, statistic, unit, value: f64| {
        super::figure(metric, statistic, unit, Some(value), n as i64, basis, "")
    };
    vec![
        figure("deployments", Statistic::Count, Unit::Items, n as f64),
        figure(
            "deployment_frequency",
            Statistic::Rate,
            Unit::PerWeek,
            n as f64 / weeks,
        ),
        figure(
            "deployment_days",
            Statistic::Rate,
            Unit::PerWeek,
            days.len() as f64 / weeks,
        ),
    ]
}

/// Each commit's place on the default branch's first-parent chain, the root 0: a
/// deployment of commit D contains the change merged as commit M when both are on the
/// chain and M's place is at most D's. GitHub reports the commit a merge, a squash or a
/// rebase put on the branch as the pull request's merge commit, so all three resolve.
/// `links` are (sha, first parent, committed at); the head is the newest commit no other
/// names as its parent.
pub fn first_parent_chain(
    links: &[(String, Option<String>, DateTime<Utc>)],
) -> HashMap<String, usize> {
    let parents: HashSet<&str> = links.iter().filter_map(|(_, p, _)| p.as_deref()).collect();
    let parent_of: HashMap<&str, Option<&str>> = links
        .iter()
        .map(|(sha, parent, _)| (sha.as_str(), parent.as_deref()))
        .collect();
    let head = links
        .iter()
        .filter(|(sha, _, _)| !parents.contains(sha.as_str()))
        .max_by_key(|(_, _, at)| *at)
        .map(|(sha, _, _)| sha.as_str());
    let mut chain = Vec::new();
    let mut at = head;
    while let Some(sha) = at {
        if chain.len() > links.len() {
            break; // a cycle cannot happen in git; never loop on bad data
        }
        chain.push(sha.to_string());
        at = parent_of.get(sha).copied().flatten();
    }
    chain.reverse();
    chain
        .into_iter()
        .enumerate()
        .map(|(i, sha)| (sha, i))
        .collect()
}

/// Lead time for changes and the deploy stage (merge to deployment), with the changes
/// merged in the period still pending, merged before their repository's first deployment
/// ever (left out: an earlier, unrecorded deployment may have shipped them), and with a
/// merge commit not on the default branch's history.
pub fn lead_time(lt: &LeadTime, basis: &Basis) -> Vec<Figure> {
    let basis = &super::sketched_basis(basis, lt.sketched);
    let none = match basis {
        Basis::Unavailable { reason } => reason.as_str(),
        _ => "no change by a person went out in a deployment in this period",
    };
    let mut figures = durations("lead_time_for_changes", &lt.lead, basis, none);
    figures.extend(durations(
        "pull_request_deploy_time",
        &lt.deploy,
        basis,
        none,
    ));
    if matches!(basis, Basis::Unavailable { .. }) {
        return figures;
    }
    figures.push(count("changes_pending_deployment", lt.pending, basis));
    figures.push(count(
        "changes_before_first_deployment",
        lt.before_first,
        basis,
    ));
    figures.push(count("changes_not_on_default_branch", lt.untraced, basis));
    figures
}

/// Change failure and recovery over one repository's production deployments, to be
/// summed over a scope ([`Failures::add`]) and turned into figures ([`Failures::figures`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Failures {
    /// Deployments that succeeded in the period.
    pub shipped: usize,
    /// Of those, the ones that failed.
    pub failed: usize,
    /// Recovery times in hours of the failures that started in the period.
    pub recovery: Vec<f64>,
    /// Failures that started in the period and have not recovered.
    pub unrecovered: usize,
    /// Incidents opened in the period with no production deployment in the window before.
    pub unattributed: usize,
}

impl Failures {
    pub fn add(&mut self, other: Failures) {
        self.shipped += other.shipped;
        self.failed += other.failed;
        self.recovery.extend(other.recovery);
        self.unrecovered += other.unrecovered;
        self.unattributed += other.unattributed;
    }

    /// Change failure rate, failed deployment recovery time, failures unrecovered and
    /// incidents without a deployment.
    pub fn figures(&self, basis: &Basis) -> Vec<Figure> {
        let unavailable = matches!(basis, Basis::Unavailable { .. });
        let mut figures = vec![super::figure(
            "change_failure_rate",
            Statistic::Ratio,
            Unit::Ratio,
            (self.shipped > 0).then(|| self.failed as f64 / self.shipped as f64),
            self.shipped as i64,
            basis,
            "no deployment to production in this period",
        )];
        let why = match basis {
            Basis::Unavailable { reason } => reason.as_str(),
            _ => "no failure that started in this period has recovered",
        };
        let sample = crate::db::metrics::Quantiles::of(&self.recovery);
        figures.extend(durations(
            "failed_deployment_recovery_time",
            &sample,
            basis,
            why,
        ));
        if !unavailable {
            figures.push(count(
                "failures_unrecovered",
                self.unrecovered as i64,
                basis,
            ));
            figures.push(count(
                "incidents_without_deployment",
                self.unattributed as i64,
                basis,
            ));
        }
        figures
    }
}

/// What failed a deployment (METRICS.md, "Change failure rate").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureCause {
    /// GitHub reported the deployment `failure` or `error` after its success.
    Status,
    /// An incident (the number) opened within the window after it, with no
    /// production deployment in between.
    Incident(i32),
    /// A merged revert (the pull request's number) of a change it shipped.
    Revert(i32),
}

/// One failure of one deployment: which (an index into the deployments), why, when it
/// started (the status, the incident's or the revert's opening) and when it recovered.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub deployment: usize,
    pub cause: FailureCause,
    pub started: DateTime<Utc>,
    pub recovered: Option<DateTime<Utc>>,
}

/// One repository's failures, and its incidents with no production deployment in the
/// window before them. A deployment failed when GitHub later reported it `failure` or
/// `error`; when an incident was opened within `window_days` after it with no deployment
/// in between; or when a merged revert of a change it shipped was opened. Recovery runs
/// from the failure to the first of: the incident closed, the revert deployed, the next
/// successful production deployment (for a status or an incident). `deployed` are the
/// repository's, oldest first, from before the period (for incidents early in it) to now
/// (for recoveries).
pub fn failures(
    deployed: &[ProductionDeployment],
    incidents: &[Incident],
    reverts: &[Revert],
    window_days: i64,
) -> (Vec<Failure>, Vec<Incident>) {
    let window = Duration::days(window_days);
    let next_deployment = |after: DateTime<Utc>| {
        deployed
            .iter()
            .map(|d| d.succeeded_at)
            .filter(|t| *t > after)
            .min()
    };
    let mut failures = Vec::new();
    for (i, d) in deployed.iter().enumerate() {
        if let Some(at) = d.failed_at {
            failures.push(Failure {
                deployment: i,
                cause: FailureCause::Status,
                started: at,
                recovered: next_deployment(at),
            });
        }
    }
    let mut unattributed = Vec::new();
    for incident in incidents {
        let blamed = deployed
            .iter()
            .enumerate()
            .filter(|(_, d)| d.succeeded_at <= incident.created_at)
            .max_by_key(|(_, d)| d.succeeded_at)
            .filter(|(_, d)| incident.created_at - d.succeeded_at <= window);
        match blamed {
            Some((i, _)) => failures.push(Failure {
                deployment: i,
                cause: FailureCause::Incident(incident.number),
                started: incident.created_at,
                recovered: [incident.closed_at, next_deployment(incident.created_at)]
                    .into_iter()
                    .flatten()
                    .min(),
            }),
            None => unattributed.push(incident.clone()),
        }
    }
    for revert in reverts {
        let shipped = deployed.iter().position(|d| {
            d.environment == revert.environment
                && d.sha == revert.sha
                && d.succeeded_at <= revert.created_at
        });
        if let Some(i) = shipped {
            failures.push(Failure {
                deployment: i,
                cause: FailureCause::Revert(revert.number),
                started: revert.created_at,
                recovered: revert.deployed_at,
            });
        }
    }
    (failures, unattributed)
}

/// One repository's change failure and recovery in the period, from [`failures`].
pub fn change_failure(
    deployed: &[ProductionDeployment],
    incidents: &[Incident],
    reverts: &[Revert],
    window_days: i64,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
) -> Failures {
    let in_period = |t: DateTime<Utc>| t >= from && t < to;
    let (failures, unattributed) = failures(deployed, incidents, reverts, window_days);
    let shipped: Vec<usize> = (0..deployed.len())
        .filter(|&i| in_period(deployed[i].succeeded_at))
        .collect();
    let failed: HashSet<usize> = failures
        .iter()
        .map(|f| f.deployment)
        .filter(|i| shipped.contains(i))
        .collect();
    let started: Vec<&Failure> = failures.iter().filter(|f| in_period(f.started)).collect();
    Failures {
        shipped: shipped.len(),
        failed: failed.len(),
        recovery: started
            .iter()
            .filter_map(|f| {
                f.recovered
                    .map(|e| (e - f.started).num_seconds() as f64 / 3600.0)
            })
            .collect(),
        unrecovered: started.iter().filter(|f| f.recovered.is_none()).count(),
        unattributed: unattributed
            .iter()
            .filter(|i| in_period(i.created_at))
            .count(),
    }
}

/// The performance levels of one key by a report (METRICS.md, "Grades"), as value ranges
/// `[from, to)` (`to` `None`: no upper end) covering every value from 0, in the key's
/// unit: deployment frequency per week, lead time and recovery time as medians in hours,
/// change failure rate as a ratio. `None` for any other metric. The DORA page draws
/// them; [`level`] reads them.
pub fn bands(metric: &str, report: DoraReport) -> Option<Vec<wire::GradeBand>> {
    use Level::*;
    let band = |level, from: f64, to: Option<f64>| wire::GradeBand {
        metric: metric.to_string(),
        level,
        from,
        to,
    };
    // Bounds from the best level down: higher is better (a level from its bound up), or
    // lower is better (a level below its bound).
    let by = |bounds: &[(Level, f64)], worst: Level, higher_is_better: bool| {
        let mut out = Vec::new();
        let mut edge: Option<f64> = None;
        for &(level, bound) in bounds {
            out.push(if higher_is_better {
                band(level, bound, edge)
            } else {
                band(level, edge.unwrap_or(0.0), Some(bound))
            });
            edge = Some(bound);
        }
        out.push(if higher_is_better {
            band(worst, 0.0, edge)
        } else {
            band(worst, edge.unwrap_or(0.0), None)
        });
        out
    };
    Some(match (metric, report) {
        // On demand (at least daily), daily to weekly, weekly to monthly.
        ("deployment_frequency", _) => by(
            &[(Elite, 7.0), (High, 1.0), (Medium, 12.0 / 52.0)],
            Low,
            true,
        ),
        // Under a day, a day to a week, a week to a month (30 days).
        ("lead_time_for_changes", _) => {
            by(&[(Elite, 24.0), (High, 168.0), (Medium, 720.0)], Low, false)
        }
        // Typical rates 5 %, 10 %, 15 %, 64 %: the nearest one, so the midpoints.
        ("change_failure_rate", DoraReport::Y2023) => by(
            &[(Elite, 0.075), (High, 0.125), (Medium, 0.395)],
            Low,
            false,
        ),
        // Typical rates 5 % (elite), 10 % (medium), 20 % (high), 40 % (low).
        ("change_failure_rate", DoraReport::Y2024) => {
            by(&[(Elite, 0.075), (Medium, 0.15), (High, 0.30)], Low, false)
        }
        // Under an hour, under a day, a day to a week, then a month to six months.
        ("failed_deployment_recovery_time", DoraReport::Y2023) => {
            by(&[(Elite, 1.0), (High, 24.0), (Medium, 168.0)], Low, false)
        }
        // Under an hour; under a day (high and medium alike); then a week to a month.
        ("failed_deployment_recovery_time", DoraReport::Y2024) => {
            by(&[(Elite, 1.0), (High, 24.0)], Low, false)
        }
        _ => return None,
    })
}

/// The level of one key's value by a report's performance levels: the band of
/// [`bands`] it falls in. `None` for any other metric.
pub fn level(metric: &str, value: f64, report: DoraReport) -> Option<Level> {
    let bands = bands(metric, report)?;
    Some(
        bands
            .iter()
            .find(|b| value >= b.from && b.to.is_none_or(|to| value < to))
            .map_or(Level::Low, |b| b.level),
    )
}

/// The grades of the four keys among `figures` (their rate, medians and ratio), for the
/// keys that have a value; a proxy's grade is given too, and its figure says it is a proxy.
pub fn grades(figures: &[Figure], report: DoraReport) -> Vec<Grade> {
    figures
        .iter()
        .filter(|f| {
            matches!(
                f.statistic,
                Statistic::Rate | Statistic::Median | Statistic::Ratio
            )
        })
        .filter_map(|f| {
            let level = level(&f.metric, f.value?, report)?;
            Some(Grade {
                metric: f.metric.clone(),
                level,
                report,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, day, hour, 0, 0).unwrap()
    }

    fn deployment(
        sha: &str,
        day: u32,
        hour: u32,
        failed: Option<(u32, u32)>,
    ) -> ProductionDeployment {
        ProductionDeployment {
            repository_id: 1,
            environment: "production".into(),
            sha: sha.into(),
            succeeded_at: at(day, hour),
            failed_at: failed.map(|(d, h)| at(d, h)),
            source: "deployments".into(),
        }
    }

    #[test]
    fn frequency_by_hand() {
        let measured = Basis::Measured {
            source: "deployments".into(),
        };
        // Three deployments on two days in two weeks: 1.5 a week, 1 deployment day a week.
        let deployed = [
            deployment("a", 2, 9, None),
            deployment("b", 2, 15, None),
            deployment("c", 10, 11, None),
            deployment("d", 20, 11, None), // after the period
        ];
        let figures = deployment_frequency(&deployed, &measured, (at(1, 0), at(15, 0)));
        let values: Vec<Option<f64>> = figures.iter().map(|f| f.value).collect();
        assert_eq!(values, [Some(3.0), Some(1.5), Some(1.0)]);
        // None deployed in the period is a measured 0, not a gap: the source exists.
        let figures = deployment_frequency(&[], &measured, (at(1, 0), at(15, 0)));
        assert_eq!(figures[1].value, Some(0.0));
    }

    #[test]
    fn first_parent_chain_by_hand() {
        // History a → b → c → d; a side commit x not on it.
        let links: Vec<(String, Option<String>, DateTime<Utc>)> = [
            ("a", None, 1),
            ("b", Some("a"), 2),
            ("c", Some("b"), 3),
            ("d", Some("c"), 4),
            ("x", Some("a"), 2),
        ]
        .into_iter()
        .map(|(s, p, d)| (s.to_string(), p.map(str::to_string), at(d, 0)))
        .collect();
        let chain = first_parent_chain(&links);
        assert_eq!((chain["a"], chain["d"]), (0, 3));
        assert!(
            !chain.contains_key("x"),
            "x is no one's parent but older than d"
        );
    }

    #[test]
    fn change_failure_by_hand() {
        let incident = |day, hour, closed: Option<(u32, u32)>| Incident {
            repository_id: 1,
            number: 1,
            created_at: at(day, hour),
            closed_at: closed.map(|(d, h)| at(d, h)),
        };
        // Deployments on days 2, 4 (marked failed on day 4 at 18:00), 6, 12 and 13, all
        // at 12:00.
        let deployed = [
            deployment("s2", 2, 12, None),
            deployment("s4", 4, 12, Some((4, 18))),
            deployment("s6", 6, 12, None),
            deployment("s12", 12, 12, None),
            deployment("s13", 13, 12, None),
        ];
        let incidents = [
            // Day 3 08:00: blames day 2's deployment; closed day 3 20:00: 12 h.
            incident(3, 8, Some((3, 20))),
            // Day 6 14:00: blames day 6's; never closed, recovered by day 12's deployment
            // (12:00): 5 days 22 h = 142 h.
            incident(6, 14, None),
            // Day 21: the latest deployment (day 13) is 8 days before: nobody's.
            incident(21, 0, None),
        ];
        // A revert of a change shipped on day 12, opened day 13 09:00, never deployed.
        let reverts = [Revert {
            repository_id: 1,
            number: 9,
            created_at: at(13, 9),
            deployed_at: None,
            environment: "production".into(),
            sha: "s12".into(),
        }];
        // Period: days 1-14. Five deployments, four failed (2, 4, 6, 12): 0.8.
        // Recoveries: 12 h; day 4's failure (18:00) to day 6's deployment (12:00): 42 h;
        // 142 h. Median 42 h. The revert has not recovered: 1 unrecovered.
        let f = change_failure(&deployed, &incidents, &reverts, 7, (at(1, 0), at(15, 0)));
        assert_eq!((f.shipped, f.failed), (5, 4));
        assert_eq!(f.recovery, [42.0, 12.0, 142.0]);
        assert_eq!((f.unrecovered, f.unattributed), (1, 0));
        let basis = Basis::Measured { source: "x".into() };
        let figures = f.figures(&basis);
        assert_eq!(figures[0].value, Some(0.8));
        assert_eq!(figures[1].value, Some(42.0));
        // Days 15-28: no deployment, one incident with none before it in the window.
        let later = change_failure(&deployed, &incidents, &reverts, 7, (at(15, 0), at(29, 0)));
        assert_eq!((later.shipped, later.unattributed), (0, 1));
        assert!(later.figures(&basis)[0].value.is_none());
        // With a 10-day window, day 21's incident is day 13's deployment's.
        let wide = change_failure(&deployed, &incidents, &reverts, 10, (at(15, 0), at(29, 0)));
        assert_eq!(wide.unattributed, 0);
    }

    #[test]
    fn grades_by_the_reports_levels() {
        use DoraReport::*;
        // 12 % change failure: 2023's high (nearest 10 %), 2024's medium (nearest 10 %).
        assert_eq!(level("change_failure_rate", 0.12, Y2023), Some(Level::High));
        assert_eq!(
            level("change_failure_rate", 0.12, Y2024),
            Some(Level::Medium)
        );
        // 18 %: 2023's medium (15 %), 2024's high (20 %): the swap.
        assert_eq!(
            level("change_failure_rate", 0.18, Y2023),
            Some(Level::Medium)
        );
        assert_eq!(level("change_failure_rate", 0.18, Y2024), Some(Level::High));
        assert_eq!(
            level("deployment_frequency", 7.0, Y2023),
            Some(Level::Elite)
        );
        assert_eq!(
            level("deployment_frequency", 0.5, Y2023),
            Some(Level::Medium)
        );
        assert_eq!(level("deployment_frequency", 0.2, Y2024), Some(Level::Low));
        assert_eq!(
            level("lead_time_for_changes", 23.9, Y2023),
            Some(Level::Elite)
        );
        assert_eq!(
            level("lead_time_for_changes", 800.0, Y2023),
            Some(Level::Low)
        );
        // Two days to recover: 2023's medium; 2024 describes nothing between a day and a
        // week, so the lower level.
        assert_eq!(
            level("failed_deployment_recovery_time", 48.0, Y2023),
            Some(Level::Medium)
        );
        assert_eq!(
            level("failed_deployment_recovery_time", 48.0, Y2024),
            Some(Level::Low)
        );
        assert_eq!(level("pull_request_cycle_time", 1.0, Y2023), None);
    }

    #[test]
    fn bands_cover_every_value_once() {
        for report in [DoraReport::Y2023, DoraReport::Y2024] {
            for metric in [
                "deployment_frequency",
                "lead_time_for_changes",
                "change_failure_rate",
                "failed_deployment_recovery_time",
            ] {
                let mut b = bands(metric, report).unwrap();
                b.sort_by(|x, y| x.from.total_cmp(&y.from));
                // From 0, each band starting where the one below ends, the last open.
                assert_eq!(b[0].from, 0.0, "{metric}");
                for pair in b.windows(2) {
                    assert_eq!(pair[0].to, Some(pair[1].from), "{metric} {report:?}");
                }
                assert_eq!(b.last().unwrap().to, None, "{metric}");
            }
        }
        // 2024 swaps medium and high for change failure: 12 % is medium, 20 % high.
        assert_eq!(
            level("change_failure_rate", 0.12, DoraReport::Y2024),
            Some(Level::Medium)
        );
        assert_eq!(
            level("change_failure_rate", 0.20, DoraReport::Y2024),
            Some(Level::High)
        );
        assert_eq!(
            level("change_failure_rate", 0.12, DoraReport::Y2023),
            Some(Level::High)
        );
        // Exactly daily (7 a week) is elite; exactly a day's lead time is high.
        assert_eq!(
            level("deployment_frequency", 7.0, DoraReport::Y2023),
            Some(Level::Elite)
        );
        assert_eq!(
            level("lead_time_for_changes", 24.0, DoraReport::Y2023),
            Some(Level::High)
        );
    }
}
