//! Every number Pulseboard shows is computed here, from GitHub's raw facts, and defined in
//! METRICS.md. Pure functions over rows; the database only supplies the facts.

pub mod dora;
pub mod flow;
pub mod stats;
pub mod throughput;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgPool;
use wire::{Basis, Figure, Statistic, Unit};

/// The figures of a sample of durations in hours: median, p75 and p90, or unavailable
/// with `why` when the sample is empty.
pub(crate) fn durations(metric: &str, sample: &[f64], source: &Basis, why: &str) -> Vec<Figure> {
    [
        (Statistic::Median, 0.5),
        (Statistic::P75, 0.75),
        (Statistic::P90, 0.9),
    ]
    .into_iter()
    .map(|(statistic, q)| {
        let value = stats::quantile(sample, q);
        Figure {
            metric: metric.to_string(),
            statistic,
            unit: Unit::Hours,
            value,
            sample: sample.len() as u64,
            basis: match value {
                Some(_) => source.clone(),
                None => Basis::Unavailable {
                    reason: why.to_string(),
                },
            },
        }
    })
    .collect()
}

/// A count, on `basis`.
pub(crate) fn count(metric: &str, n: usize, basis: &Basis) -> Figure {
    Figure {
        metric: metric.into(),
        statistic: Statistic::Count,
        unit: Unit::Items,
        value: Some(n as f64),
        sample: n as u64,
        basis: basis.clone(),
    }
}

/// Every metric of a scope and period, as `pulseboard metrics`, the pages and (to come)
/// the API and the exports all get it: one function per metric family behind it.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// `owner/name`.
    pub scope: String,
    /// The period, `[from, to)`.
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub figures: Vec<wire::Figure>,
}

/// The metrics of one repository `user_id` may see, over `[from, to)`.
///
/// Errors: [`crate::Error::NotFound`] when there is no such repository or the user may
/// not see it; [`crate::Error::Invalid`] when `to` is not after `from`.
pub async fn repository_report(
    pool: &PgPool,
    user_id: i64,
    full_name: &str,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
) -> crate::Result<Report> {
    if to <= from {
        return Err(crate::Error::Invalid(format!(
            "the period ends ({to}) before it starts ({from})"
        )));
    }
    let repo = crate::db::repos::find_visible(pool, user_id, full_name)
        .await?
        .ok_or(crate::Error::NotFound)?;
    let all_merged = crate::db::pulls::merged_in(pool, user_id, repo.github_id, None).await?;
    let merged: Vec<_> = all_merged
        .iter()
        .filter(|p| p.merged_at >= from && p.merged_at < to)
        .cloned()
        .collect();
    let mut figures = flow::cycle_time(&merged);
    // Deployments from GitHub's Deployments API once the repository has ever deployed
    // to production; until then merged pull requests stand in.
    let ever =
        crate::db::deployments::succeeded(pool, user_id, repo.github_id, dora::PRODUCTION, None)
            .await?;
    let source = if ever.is_empty() {
        dora::Source::MergedPulls(merged.iter().map(|p| p.merged_at).collect())
    } else {
        let deployed: Vec<_> = ever
            .iter()
            .filter(|d| d.succeeded_at >= from && d.succeeded_at < to)
            .cloned()
            .collect();
        dora::Source::Deployments(deployed)
    };
    figures.extend(dora::deployment_frequency(&source, (from, to)));
    let links = crate::db::commits::first_parent_links(pool, user_id, repo.github_id).await?;
    let chain = dora::first_parent_chain(&links);
    figures.extend(dora::lead_time(&all_merged, &ever, &chain, (from, to)));
    if ever.is_empty() {
        let reason = "no deployment to production was ever recorded for this repository";
        figures.extend(
            dora::change_failure(&[], &[], (from, to))
                .into_iter()
                .map(|mut f| {
                    f.value = None;
                    f.basis = wire::Basis::Unavailable {
                        reason: reason.into(),
                    };
                    f
                }),
        );
    } else {
        let incidents =
            crate::db::issues::labelled(pool, user_id, repo.github_id, dora::INCIDENT_LABEL)
                .await?;
        figures.extend(dora::change_failure(&ever, &incidents, (from, to)));
    }
    Ok(Report {
        scope: repo.full_name,
        from,
        to,
        figures,
    })
}
