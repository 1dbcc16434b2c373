//! What lies behind DORA's four keys for a scope and period (METRICS.md, "Attribution"):
//! the deployments, changes and incidents, each with why it counts where it does. The
//! same reads and the same [`dora::failures`] as the figures, so a drill-down never
//! disagrees with the number it opens.

use std::collections::HashMap;

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use sqlx::PgPool;

use super::dora::{self, FailureCause};
use crate::db;
use crate::db::facts::ProductionDeployment;
use crate::db::metrics::Change;
use crate::db::settings::DeploymentSource;

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn short(sha: &str) -> &str {
    &sha[..sha.len().min(7)]
}

/// Why a change counts where it does in the lead time, and its status.
fn change_why(c: &Change) -> (&'static str, String) {
    let merge = c.merge_commit_sha.as_deref().map_or("?", short);
    if c.is_bot {
        return (
            "bot",
            "a bot's change (METRICS.md, \"Bots\"): left out of the lead time".into(),
        );
    }
    match (c.deployed_at, c.environment.as_deref(), c.deployed_sha.as_deref()) {
        (Some(at), Some(env), Some(sha)) => {
            let before = c.first_deployment_at.is_some_and(|first| c.merged_at < first);
            let place = match (c.position, c.deployed_position) {
                (Some(p), Some(q)) if sha != c.merge_commit_sha.as_deref().unwrap_or("") => {
                    format!(
                        "its merge commit {merge} is commit {p} of the default branch and {} is commit {q}, after it",
                        short(sha)
                    )
                }
                _ => format!("{} is its merge commit {merge}", short(sha)),
            };
            let why = format!(
                "went out in {env}'s deployment of {} at {}, the first successful production deployment containing it: {place}",
                short(sha),
                time(at)
            );
            if before {
                ("before_first_deployment", format!("{why}; merged before the repository's first recorded production deployment, so left out of the lead time"))
            } else {
                ("deployed", why)
            }
        }
        _ => match (c.first_deployment_at, c.position) {
            (None, _) => (
                "no_deployments",
                "the repository has no production deployment yet: no lead time, and not counted as pending".into(),
            ),
            (Some(first), _) if c.merged_at < first => (
                "before_first_deployment",
                format!(
                    "merged before the repository's first recorded production deployment ({}): an earlier, unrecorded deployment may have shipped it, so it is left out",
                    time(first)
                ),
            ),
            (_, None) => (
                "not_on_default_branch",
                format!(
                    "its merge commit {merge} is not on the default branch's first-parent history as synced, so no deployment can be shown to contain it"
                ),
            ),
            (_, Some(p)) => (
                "pending",
                format!(
                    "its merge commit {merge} (commit {p} of the default branch) is in no successful production deployment yet"
                ),
            ),
        },
    }
}

/// The deployments, changes and incidents behind the DORA figures of the repositories a
/// scope names that `user_id` may see over `[from, to)`, each list newest first and cut at
/// `limit` (the totals say how many there were).
///
/// Errors: as [`super::report`].
pub async fn attribution(
    pool: &PgPool,
    user_id: i64,
    scope: &str,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
    limit: usize,
) -> crate::Result<wire::Attribution> {
    super::check_period(from, to)?;
    let repos = super::resolve(pool, user_id, scope).await?;
    let ids: Vec<i64> = repos.iter().map(|(id, _)| *id).collect();
    let name: HashMap<i64, &str> = repos.iter().map(|(id, n)| (*id, n.as_str())).collect();
    let repo = |id: i64| name.get(&id).copied().unwrap_or("?").to_string();
    // The same rows as the figures.
    let super::Delivery {
        windows,
        deployed,
        incidents,
        reverts,
    } = super::delivery_rows(pool, &ids, (from, to)).await?;
    let shipped = db::metrics::deployed_changes(pool, &ids, (from, to)).await?;
    let titles = db::metrics::issue_titles(
        pool,
        &ids,
        &incidents.iter().map(|i| i.number).collect::<Vec<_>>(),
    )
    .await?;
    let title_of = |r: i64, n: i32| {
        titles
            .iter()
            .find(|(tr, tn, _)| *tr == r && *tn == n)
            .map(|(_, _, t)| t.clone())
            .unwrap_or_default()
    };
    let at =
        |d: &ProductionDeployment| (d.environment.clone(), d.sha.clone(), time(d.succeeded_at));

    let mut deployments: Vec<(DateTime<Utc>, wire::AttributedDeployment)> = Vec::new();
    let mut attributed: Vec<(DateTime<Utc>, wire::AttributedIncident)> = Vec::new();
    for (id, window) in windows {
        let d: Vec<ProductionDeployment> = deployed
            .iter()
            .filter(|x| x.repository_id == id)
            .cloned()
            .collect();
        let i: Vec<_> = incidents
            .iter()
            .filter(|x| x.repository_id == id)
            .cloned()
            .collect();
        let r: Vec<_> = reverts
            .iter()
            .filter(|x| x.repository_id == id)
            .cloned()
            .collect();
        let (failures, unattributed) = dora::failures(&d, &i, &r, window.into());
        for (k, dep) in d.iter().enumerate() {
            if dep.succeeded_at < from || dep.succeeded_at >= to {
                continue;
            }
            let why: Vec<String> = failures
                .iter()
                .filter(|f| f.deployment == k)
                .map(|f| match f.cause {
                    FailureCause::Status => format!(
                        "GitHub reported it failed ({}) after its success",
                        time(f.started)
                    ),
                    FailureCause::Incident(n) => format!(
                        "incident #{n} opened {} after it, within the {window}-day window, with no production deployment in between",
                        hours(f.started - dep.succeeded_at)
                    ),
                    FailureCause::Revert(n) => format!(
                        "pull request #{n} reverted a change it shipped (opened {})",
                        time(f.started)
                    ),
                })
                .collect();
            let changes = shipped
                .iter()
                .find(|(r, env, sha, _)| *r == id && *env == dep.environment && *sha == dep.sha)
                .map(|(_, _, _, n)| n.iter().map(|x| i64::from(*x)).collect())
                .unwrap_or_default();
            deployments.push((
                dep.succeeded_at,
                wire::AttributedDeployment {
                    repository: repo(id),
                    environment: dep.environment.clone(),
                    sha: dep.sha.clone(),
                    deployed_at: time(dep.succeeded_at),
                    source: dep.source.clone(),
                    changes,
                    failures: why,
                },
            ));
        }
        for incident in i.iter().filter(|x| x.created_at < to) {
            let blamed = failures
                .iter()
                .find(|f| f.cause == FailureCause::Incident(incident.number))
                .map(|f| &d[f.deployment]);
            let why = match blamed {
                Some(dep) => format!(
                    "the latest production deployment before it ({} of {}, {} earlier) is within the {window}-day window",
                    dep.environment,
                    short(&dep.sha),
                    hours(incident.created_at - dep.succeeded_at)
                ),
                None => {
                    debug_assert!(unattributed.contains(incident));
                    let before = d
                        .iter()
                        .filter(|x| x.succeeded_at <= incident.created_at)
                        .map(|x| x.succeeded_at)
                        .max();
                    match before {
                        Some(t) => format!(
                            "the latest production deployment before it was {} earlier, outside the {window}-day window: counted as an incident with no deployment",
                            hours(incident.created_at - t)
                        ),
                        None => "no production deployment before it: counted as an incident with no deployment".into(),
                    }
                }
            };
            attributed.push((
                incident.created_at,
                wire::AttributedIncident {
                    repository: repo(id),
                    number: incident.number.into(),
                    title: title_of(id, incident.number),
                    created_at: time(incident.created_at),
                    closed_at: incident.closed_at.map(time),
                    deployment: blamed.map(at),
                    why,
                },
            ));
        }
    }
    deployments.sort_by_key(|d| std::cmp::Reverse(d.0));
    attributed.sort_by_key(|i| std::cmp::Reverse(i.0));
    let totals = (deployments.len() as u64, 0, attributed.len() as u64);
    deployments.truncate(limit);
    attributed.truncate(limit);

    let (rows, changed) = db::metrics::changes(pool, &ids, (from, to), limit as i64).await?;
    let changes = rows
        .iter()
        .map(|c| {
            let (status, why) = change_why(c);
            let proxied = deployed.iter().any(|d| {
                d.repository_id == c.repository_id
                    && d.source == DeploymentSource::MergedPullRequests.as_str()
            });
            wire::AttributedChange {
                repository: repo(c.repository_id),
                number: c.number.into(),
                title: c.title.clone(),
                author: c.author_login.clone(),
                first_commit_at: c.first_commit_at.map(time),
                merged_at: time(c.merged_at),
                status: status.into(),
                deployment: match (&c.environment, &c.deployed_sha, c.deployed_at) {
                    (Some(e), Some(s), Some(t)) => Some((e.clone(), s.clone(), time(t))),
                    _ => None,
                },
                lead_time_hours: match (status, c.first_commit_at, c.deployed_at) {
                    ("deployed", Some(first), Some(d)) => {
                        Some((d - first).num_seconds() as f64 / 3600.0)
                    }
                    _ => None,
                },
                why: if proxied {
                    format!("{why} (merged pull requests stand in for deployments here: a proxy)")
                } else {
                    why
                },
            }
        })
        .collect();
    Ok(wire::Attribution {
        scope: scope.to_string(),
        from: time(from),
        to: time(to),
        deployments: deployments.into_iter().map(|(_, d)| d).collect(),
        changes,
        incidents: attributed.into_iter().map(|(_, i)| i).collect(),
        totals: (totals.0, changed.max(0) as u64, totals.2),
    })
}

/// A duration as `"3 h"` or `"2.5 days"`.
fn hours(d: Duration) -> String {
    let h = d.num_seconds() as f64 / 3600.0;
    if h < 48.0 {
        format!("{h:.0} h")
    } else {
        format!("{:.1} days", h / 24.0)
    }
}
