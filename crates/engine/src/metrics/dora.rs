//! DORA's four keys (METRICS.md, "Deployments" and "Deployment frequency").

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use wire::{Basis, Figure, Statistic, Unit};

use super::flow::is_bot;
use super::{count, durations};
use crate::db::deployments::Deployed;
use crate::db::issues::Incident;
use crate::db::pulls::MergedPull;

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

/// Lead time for changes: for each pull request by a person merged into the default
/// branch, from its first commit to the first successful production deployment that
/// contains it, over the changes whose deployment falls in the period; with the changes
/// merged in the period still waiting for a deployment, those merged before the first
/// deployment ever recorded (left out: an earlier, unrecorded deployment may have shipped
/// them), and those whose merge commit is not on the default branch's history.
pub fn lead_time(
    merged: &[MergedPull],
    deployed: &[Deployed],
    chain: &HashMap<String, usize>,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
) -> Vec<Figure> {
    let in_period = |t: DateTime<Utc>| t >= from && t < to;
    let Some(first_deployment) = deployed.iter().map(|d| d.succeeded_at).min() else {
        let reason = "no deployment to production was ever recorded for this repository";
        let unavailable = Basis::Unavailable {
            reason: reason.into(),
        };
        return durations("lead_time_for_changes", &[], &unavailable, reason);
    };
    let deployments: Vec<(usize, DateTime<Utc>)> = deployed
        .iter()
        .filter_map(|d| chain.get(&d.sha).map(|&pos| (pos, d.succeeded_at)))
        .collect();
    let (mut lead, mut pending, mut before_first, mut untraced) = (Vec::new(), 0, 0, 0);
    for p in merged
        .iter()
        .filter(|p| !p.author_login.as_deref().is_some_and(is_bot))
    {
        let merged_here = in_period(p.merged_at);
        if p.merged_at < first_deployment {
            before_first += usize::from(merged_here);
            continue;
        }
        let Some(&pos) = p.merge_commit_sha.as_ref().and_then(|m| chain.get(m)) else {
            untraced += usize::from(merged_here);
            continue;
        };
        let shipped = deployments
            .iter()
            .filter(|(d, at)| *d >= pos && *at >= p.merged_at)
            .map(|(_, at)| *at)
            .min();
        match (shipped, p.first_commit_at) {
            (Some(at), Some(first)) if in_period(at) => {
                lead.push((at - first).num_seconds() as f64 / 3600.0)
            }
            (None, _) if merged_here => pending += 1,
            _ => {}
        }
    }
    let measured = Basis::Measured {
        source: format!(
            "pull requests merged into the default branch, first commit to the first success of a deployment to {PRODUCTION} containing the merge commit"
        ),
    };
    let none = "no change went out in a deployment in this period";
    let mut figures = durations("lead_time_for_changes", &lead, &measured, none);
    figures.push(count("changes_pending_deployment", pending, &measured));
    figures.push(count(
        "changes_before_first_deployment",
        before_first,
        &measured,
    ));
    figures.push(count("changes_not_on_default_branch", untraced, &measured));
    figures
}

/// An incident is put on the latest production deployment before it no longer ago than
/// this; an older one is an incident with no deployment, shown apart.
pub const INCIDENT_WINDOW_DAYS: i64 = 7;

/// The label that marks an issue as an incident.
pub const INCIDENT_LABEL: &str = "incident";

/// Change failure rate and failed deployment recovery time over the production
/// deployments that succeeded in the period. A deployment failed when GitHub later
/// reported it `failure` or `error`, or when an incident was opened within
/// [`INCIDENT_WINDOW_DAYS`] after it with no deployment in between. Recovery runs from
/// the failure (the status, or the incident's opening) to the first of: the incident
/// closed, the next successful production deployment.
pub fn change_failure(
    deployed: &[Deployed],
    incidents: &[Incident],
    (from, to): (DateTime<Utc>, DateTime<Utc>),
) -> Vec<Figure> {
    let in_period = |t: DateTime<Utc>| t >= from && t < to;
    let window = chrono::Duration::days(INCIDENT_WINDOW_DAYS);
    let next_deployment = |after: DateTime<Utc>| {
        deployed
            .iter()
            .map(|d| d.succeeded_at)
            .filter(|t| *t > after)
            .min()
    };
    // (deployment index, failure start, recovered at)
    let mut failures: Vec<(usize, DateTime<Utc>, Option<DateTime<Utc>>)> = Vec::new();
    for (i, d) in deployed.iter().enumerate() {
        if let Some(at) = d.failed_at {
            failures.push((i, at, next_deployment(at)));
        }
    }
    let mut unattributed = 0;
    for incident in incidents {
        let blamed = deployed
            .iter()
            .enumerate()
            .filter(|(_, d)| d.succeeded_at <= incident.created_at)
            .max_by_key(|(_, d)| d.succeeded_at)
            .filter(|(_, d)| incident.created_at - d.succeeded_at <= window);
        match blamed {
            Some((i, _)) => {
                let recovered = [incident.closed_at, next_deployment(incident.created_at)]
                    .into_iter()
                    .flatten()
                    .min();
                failures.push((i, incident.created_at, recovered));
            }
            None => unattributed += usize::from(in_period(incident.created_at)),
        }
    }
    let shipped: Vec<usize> = (0..deployed.len())
        .filter(|&i| in_period(deployed[i].succeeded_at))
        .collect();
    let mut failed: Vec<usize> = failures
        .iter()
        .map(|(i, _, _)| *i)
        .filter(|i| shipped.contains(i))
        .collect();
    failed.sort_unstable();
    failed.dedup();
    let recovery: Vec<f64> = failures
        .iter()
        .filter(|(_, start, _)| in_period(*start))
        .filter_map(|(_, start, end)| end.map(|e| (e - *start).num_seconds() as f64 / 3600.0))
        .collect();
    let unrecovered = failures
        .iter()
        .filter(|(_, start, end)| in_period(*start) && end.is_none())
        .count();
    let basis = Basis::Measured {
        source: format!(
            "deployments to {PRODUCTION}; failures: a later failure or error status, or an issue labelled {INCIDENT_LABEL:?} opened within {INCIDENT_WINDOW_DAYS} days after one"
        ),
    };
    let none = |why: &str| Basis::Unavailable { reason: why.into() };
    let mut figures = vec![Figure {
        metric: "change_failure_rate".into(),
        statistic: Statistic::Ratio,
        unit: Unit::Ratio,
        value: (!shipped.is_empty()).then(|| failed.len() as f64 / shipped.len() as f64),
        sample: shipped.len() as u64,
        basis: if shipped.is_empty() {
            none("no deployment to production in this period")
        } else {
            basis.clone()
        },
    }];
    let unrecovered_why = "no failure in this period has recovered";
    figures.extend(durations(
        "failed_deployment_recovery_time",
        &recovery,
        &basis,
        unrecovered_why,
    ));
    figures.push(count("failures_unrecovered", unrecovered, &basis));
    figures.push(count("incidents_without_deployment", unattributed, &basis));
    figures
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
            failed_at: None,
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

    fn change(number: i32, merge: &str, first: u32, merged: u32) -> MergedPull {
        MergedPull {
            number,
            author_login: Some("bob".into()),
            first_commit_at: Some(at(first, 0)),
            created_at: at(first, 1),
            ready_for_review_at: None,
            merged_at: at(merged, 0),
            merge_commit_sha: Some(merge.into()),
            first_review_at: None,
        }
    }

    #[test]
    fn lead_time_by_ancestry_by_hand() {
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
        let deployed = |sha: &str, day| Deployed {
            environment: "production".into(),
            sha: sha.into(),
            succeeded_at: at(day, 12),
            failed_at: None,
        };
        // Deployments: a on day 1, d on day 6 (it ships b, c and d), x on day 7 (not on
        // the default branch: it ships nothing).
        let deployments = [deployed("a", 1), deployed("d", 6), deployed("x", 7)];
        let changes = [
            change(1, "a", 1, 1),  // merged day 1 at 00:00, before the first deployment
            change(2, "b", 2, 3),  // first commit day 2 → deployed day 6 12:00: 108 h
            change(3, "c", 4, 5),  // first commit day 4 → day 6 12:00: 60 h
            change(4, "zz", 4, 5), // its merge commit is not on the history
        ];
        let figures = lead_time(&changes, &deployments, &chain, (at(1, 0), at(8, 0)));
        let get = |m: &str| figures.iter().find(|f| f.metric == m).unwrap().value;
        // [60, 108]: median 84.
        assert_eq!(get("lead_time_for_changes"), Some(84.0));
        assert_eq!(get("changes_before_first_deployment"), Some(1.0));
        assert_eq!(get("changes_not_on_default_branch"), Some(1.0));
        assert_eq!(get("changes_pending_deployment"), Some(0.0));
        // Without the deployment of d, b and c wait.
        let figures = lead_time(&changes, &deployments[..1], &chain, (at(1, 0), at(8, 0)));
        let pending = figures
            .iter()
            .find(|f| f.metric == "changes_pending_deployment");
        assert_eq!(pending.unwrap().value, Some(2.0));
        // No deployment ever: unavailable, with the reason.
        let figures = lead_time(&changes, &[], &chain, (at(1, 0), at(8, 0)));
        assert!(figures.iter().all(|f| f.value.is_none()));
    }

    #[test]
    fn change_failure_by_hand() {
        let deployed = |day, failed: Option<u32>| Deployed {
            environment: "production".into(),
            sha: format!("s{day}"),
            succeeded_at: at(day, 12),
            failed_at: failed.map(|d| at(d, 18)),
        };
        let incident = |day, hour, closed: Option<(u32, u32)>| Incident {
            number: 1,
            created_at: at(day, hour),
            closed_at: closed.map(|(d, h)| at(d, h)),
        };
        // Deployments on days 2, 4 (marked failed on day 4 at 18:00), 6 and 12.
        let deployments = [
            deployed(2, None),
            deployed(4, Some(4)),
            deployed(6, None),
            deployed(12, None),
        ];
        let incidents = [
            // Day 3 08:00: blames day 2's deployment; closed day 3 20:00: 12 h.
            incident(3, 8, Some((3, 20))),
            // Day 6 14:00: blames day 6's; never closed, recovered by day 12's deployment
            // (12:00): 5 days 22 h = 142 h.
            incident(6, 14, None),
            // Day 20: the latest deployment (day 12) is 8 days before: nobody's.
            incident(20, 0, None),
        ];
        // Period: days 1-14. Four deployments, three failed (2, 4, 6): 0.75.
        // Recoveries: 12 h; day 4's failure (18:00) to day 6's deployment (12:00): 42 h;
        // 142 h. Median 42 h.
        let figures = change_failure(&deployments, &incidents, (at(1, 0), at(15, 0)));
        let get = |m: &str| figures.iter().find(|f| f.metric == m).unwrap().value;
        assert_eq!(get("change_failure_rate"), Some(0.75));
        assert_eq!(get("failed_deployment_recovery_time"), Some(42.0));
        assert_eq!(get("incidents_without_deployment"), Some(0.0));
        // Days 15-28: no deployment, one incident with none before it in the window.
        let later = change_failure(&deployments, &incidents, (at(15, 0), at(29, 0)));
        assert!(later[0].value.is_none());
        let nobody = later
            .iter()
            .find(|f| f.metric == "incidents_without_deployment");
        assert_eq!(nobody.unwrap().value, Some(1.0));
    }
}
