//! The numbers of a scope and period (the overview), and the scopes a person can pick.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::AppResult;

/// A scope a person can open: its name as `pulseboard metrics` takes it (`tracked`,
/// `org:acme`, `acme/api`) and how the page labels it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScopeChoice {
    pub scope: String,
    pub label: String,
}

/// Every metric of `scope` over the period the dates name (`YYYY-MM-DD`, empty for the
/// default: the 30 days up to today), graded by the DORA report of `dora` (`2023`, the
/// default, or `2024`): the report `pulseboard metrics --json` prints for the same
/// arguments.
#[server(endpoint = "report")]
pub async fn scope_report(
    scope: String,
    from: String,
    to: String,
    dora: String,
) -> AppResult<wire::Report> {
    let user_id = super::ssr::require_user_id().await?;
    let engine = super::ssr::engine()?;
    let period = period(&from, &to)?;
    let dora = dora_report(&dora)?;
    let scope = scope_or_tracked(scope);
    engine
        .report(user_id, &scope, period, dora)
        .await
        .map(|r| (*r).clone())
        .map_err(super::ssr::user_error)
}

/// The lists behind a scope's tabs over the period the dates name (as [`scope_report`]):
/// contributors and their weekday × hour heatmap, deployments per environment, releases,
/// activity, and the pull requests open now.
#[server(endpoint = "details")]
pub async fn scope_details(
    scope: String,
    from: String,
    to: String,
) -> AppResult<wire::ScopeDetails> {
    let user_id = super::ssr::require_user_id().await?;
    let engine = super::ssr::engine()?;
    let period = period(&from, &to)?;
    engine
        .details(user_id, &scope_or_tracked(scope), period)
        .await
        .map_err(super::ssr::user_error)
}

/// At most how many metrics [`weekly_series`] gives at once.
pub const WEEKLY_SERIES_MAX: usize = 8;

/// Each of `metrics` of `scope` per week of the period the dates name, in the order
/// asked, as charts draw them: for `metrics[i]` the figures of `statistics[i]`, one
/// [`wire::ChartSeries`] (the charts that put several metrics side by side: the cycle
/// time's stages, the overview's throughput and cycle time). A chart's page carries only
/// what it draws (a week's cycle time has five statistics, each with its source).
#[server(endpoint = "weekly")]
pub async fn weekly_series(
    scope: String,
    metrics: Vec<String>,
    statistics: Vec<wire::Statistic>,
    from: String,
    to: String,
) -> AppResult<Vec<wire::ChartSeries>> {
    let user_id = super::ssr::require_user_id().await?;
    let engine = super::ssr::engine()?;
    if metrics.len() > WEEKLY_SERIES_MAX {
        return Err(super::ssr::user_error(engine::Error::Invalid(format!(
            "at most {WEEKLY_SERIES_MAX} metrics at once, not {}",
            metrics.len()
        ))));
    }
    if statistics.len() != metrics.len() {
        return Err(super::ssr::user_error(engine::Error::Invalid(format!(
            "one statistic per metric: {} metrics, {} statistics",
            metrics.len(),
            statistics.len()
        ))));
    }
    let scope = scope_or_tracked(scope);
    let period = period(&from, &to)?;
    let metrics: Vec<&str> = metrics.iter().map(String::as_str).collect();
    engine
        .metric_series_many(
            user_id,
            &scope,
            period,
            engine::metrics::Grain::Week,
            &metrics,
        )
        .await
        .map_err(super::ssr::user_error)
        .map(|all| {
            all.into_iter()
                .zip(statistics)
                .map(|(series, statistic)| wire::ChartSeries::new(&series, statistic))
                .collect()
        })
}

/// How many pull requests waiting for review the overview lists.
pub const WAITING_LIMIT: usize = 10;

/// The pull requests of `scope` waiting for a first review now, longest waiting first.
#[server(endpoint = "waiting")]
pub async fn waiting_for_review(scope: String) -> AppResult<wire::OpenPullRequests> {
    let user_id = super::ssr::require_user_id().await?;
    let engine = super::ssr::engine()?;
    engine
        .waiting_for_review(user_id, &scope_or_tracked(scope), WAITING_LIMIT)
        .await
        .map_err(super::ssr::user_error)
}

/// The DORA report of `dora` (`2023` by default, or `2024`).
#[cfg(feature = "ssr")]
pub(super) fn dora_report(dora: &str) -> AppResult<wire::DoraReport> {
    match dora {
        "" | "2023" => Ok(wire::DoraReport::Y2023),
        "2024" => Ok(wire::DoraReport::Y2024),
        other => Err(super::ssr::user_error(engine::Error::Invalid(format!(
            "report {other:?}: 2023 or 2024"
        )))),
    }
}

/// The period the dates name, as [`scope_report`] reads them.
#[cfg(feature = "ssr")]
pub(super) fn period(
    from: &str,
    to: &str,
) -> AppResult<(chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>)> {
    engine::metrics::period_of(Some(from), Some(to), chrono::Utc::now(), ["from", "to"])
        .map_err(super::ssr::user_error)
}

/// How many days the repositories page covers when the URL names no start.
pub const TABLE_DAYS: i64 = 84;

/// The period of the repositories page: as [`period`], but starting [`TABLE_DAYS`]
/// before its end when `from` is empty (twelve ISO weeks for the sparklines).
#[cfg(feature = "ssr")]
pub(super) fn table_period(
    from: &str,
    to: &str,
) -> AppResult<(chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>)> {
    let (_, end) = period("", to)?;
    if !from.is_empty() {
        return period(from, to);
    }
    let start = (end - chrono::Duration::days(TABLE_DAYS))
        .format("%Y-%m-%d")
        .to_string();
    period(&start, &end.format("%Y-%m-%d").to_string())
}

/// The grain a page names (`day`, `week`, the default, or `month`).
#[cfg(feature = "ssr")]
fn grain_of(grain: &str) -> AppResult<engine::metrics::Grain> {
    match grain {
        "" => Ok(engine::metrics::Grain::Week),
        g => engine::metrics::Grain::parse(g).ok_or_else(|| {
            super::ssr::user_error(engine::Error::Invalid(format!(
                "grain {g:?}: day, week or month"
            )))
        }),
    }
}

/// The scope a page names, or everything the person follows when it names none.
#[cfg(feature = "ssr")]
fn scope_or_tracked(scope: String) -> String {
    if scope.is_empty() {
        "tracked".into()
    } else {
        scope
    }
}

/// DORA's four keys of `scope` per `grain` (`day`, `week`, the default, or `month`) of
/// the period the dates name, graded by `dora`, with the report's performance levels.
#[server(endpoint = "dora")]
pub async fn dora_series(
    scope: String,
    from: String,
    to: String,
    dora: String,
    grain: String,
) -> AppResult<wire::DoraSeries> {
    let user_id = super::ssr::require_user_id().await?;
    let engine = super::ssr::engine()?;
    let grain = grain_of(&grain)?;
    let scope = scope_or_tracked(scope);
    engine
        .dora_series(
            user_id,
            &scope,
            period(&from, &to)?,
            grain,
            dora_report(&dora)?,
        )
        .await
        .map(|s| (*s).clone())
        .map_err(super::ssr::user_error)
}

/// One metric of `scope` per `grain` (`week` by default) of the period the dates name: a
/// metric's page, where the insights link.
#[server(endpoint = "metric")]
pub async fn metric_series(
    scope: String,
    metric: String,
    from: String,
    to: String,
    grain: String,
) -> AppResult<wire::MetricSeries> {
    let user_id = super::ssr::require_user_id().await?;
    let engine = super::ssr::engine()?;
    let grain = grain_of(&grain)?;
    let scope = scope_or_tracked(scope);
    engine
        .metric_series(user_id, &scope, period(&from, &to)?, grain, &metric)
        .await
        .map_err(super::ssr::user_error)
}

/// How many deployments, changes and incidents a drill-down lists at most.
pub const ATTRIBUTION_LIMIT: usize = 200;

/// The deployments, changes and incidents behind the DORA keys of `scope` in `[from, to)`
/// (`from` and `to` RFC 3339 or `YYYY-MM-DD`), each with why.
#[server(endpoint = "attribution")]
pub async fn dora_attribution(
    scope: String,
    from: String,
    to: String,
) -> AppResult<wire::Attribution> {
    let user_id = super::ssr::require_user_id().await?;
    let engine = super::ssr::engine()?;
    let day = |t: &str| t.get(..10).unwrap_or(t).to_string();
    let scope = scope_or_tracked(scope);
    engine
        .attribution(
            user_id,
            &scope,
            period(&day(&from), &day(&to))?,
            ATTRIBUTION_LIMIT,
        )
        .await
        .map_err(super::ssr::user_error)
}

/// The scopes the signed-in person can open: everything they follow, each organisation
/// or account of what they follow, and each repository they follow.
#[server(endpoint = "scopes")]
pub async fn scope_choices() -> AppResult<Vec<ScopeChoice>> {
    let user_id = super::ssr::require_user_id().await?;
    let engine = super::ssr::engine()?;
    let tracked = engine
        .followed_names(user_id)
        .await
        .map_err(super::ssr::user_error)?;
    let mut owners: Vec<&str> = tracked
        .iter()
        .filter_map(|n| n.split_once('/').map(|(o, _)| o))
        .collect();
    owners.sort_unstable_by_key(|o| o.to_lowercase());
    owners.dedup();
    let mut out = vec![ScopeChoice {
        scope: "tracked".into(),
        label: "Everything you follow".into(),
    }];
    out.extend(owners.iter().map(|o| ScopeChoice {
        scope: format!("org:{o}"),
        label: format!("{o} (organisation)"),
    }));
    let teams = engine
        .teams(user_id)
        .await
        .map_err(super::ssr::user_error)?;
    out.extend(
        teams
            .iter()
            .filter(|t| !t.read.is_empty())
            .map(|t| ScopeChoice {
                scope: t.scope(),
                label: format!("{} (team of {})", t.name, t.organization),
            }),
    );
    let groups = engine
        .groups(user_id)
        .await
        .map_err(super::ssr::user_error)?;
    out.extend(groups.iter().map(|g| ScopeChoice {
        scope: g.scope(),
        label: format!("{} (your group)", g.name),
    }));
    out.extend(tracked.iter().map(|n| ScopeChoice {
        scope: n.clone(),
        label: n.clone(),
    }));
    Ok(out)
}
