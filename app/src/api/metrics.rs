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
/// arguments, as the engine keeps it (shared, not copied: the pages that show it render
/// on the server and send none of it as data).
#[server(endpoint = "report")]
pub async fn scope_report(
    scope: String,
    from: String,
    to: String,
    dora: String,
) -> AppResult<std::sync::Arc<wire::Report>> {
    let user_id = super::ssr::require_user_id().await?;
    let engine = super::ssr::engine()?;
    let period = period(&from, &to)?;
    let dora = dora_report(&dora)?;
    let scope = scope_or_tracked(scope);
    engine
        .report(user_id, &scope, period, dora)
        .await
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
) -> AppResult<std::sync::Arc<wire::ScopeDetails>> {
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
    let wanted: Vec<(&str, wire::Statistic)> =
        metrics.iter().map(String::as_str).zip(statistics).collect();
    engine
        .chart_series(
            user_id,
            &scope,
            period,
            engine::metrics::Grain::Week,
            &wanted,
        )
        .await
        .map_err(super::ssr::user_error)
}

/// How many pull requests waiting for review the overview lists.
pub const WAITING_LIMIT: usize = 10;

/// The pull requests of `scope` waiting for a first review now, longest waiting first.
#[server(endpoint = "waiting")]
pub async fn waiting_for_review(
    scope: String,
) -> AppResult<std::sync::Arc<wire::OpenPullRequests>> {
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
pub(crate) fn period(
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
/// the period the dates name, graded by `dora`, with the report's performance levels: of
/// each part, the figures the DORA page shows (the keys and the number of deployments;
/// `pulseboard metrics --grain week` prints every metric of each part).
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
        .map(|s| dora_page_of(&s))
        .map_err(super::ssr::user_error)
}

/// The part of `s` the DORA page shows ([`dora_series`]): each part's figures that
/// [`crate::pages::dora::shown`] keeps (five of eighteen, each with its source), and
/// everything else.
#[cfg(feature = "ssr")]
fn dora_page_of(s: &wire::DoraSeries) -> wire::DoraSeries {
    wire::DoraSeries {
        scope: s.scope.clone(),
        grain: s.grain.clone(),
        report: s.report,
        deployment_sources: s.deployment_sources.clone(),
        bands: s.bands.clone(),
        parts: s
            .parts
            .iter()
            .map(|p| wire::DoraPart {
                from: p.from.clone(),
                to: p.to.clone(),
                figures: p
                    .figures
                    .iter()
                    .filter(|f| crate::pages::dora::shown(f))
                    .cloned()
                    .collect(),
                grades: p.grades.clone(),
            })
            .collect(),
    }
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
/// or account of what they follow, and each repository they follow. Shared (`Arc`): a
/// picker reads them, it does not change them.
#[server(endpoint = "scopes")]
pub async fn scope_choices() -> AppResult<std::sync::Arc<Vec<ScopeChoice>>> {
    let user_id = super::ssr::require_user_id().await?;
    let engine = super::ssr::engine()?;
    let all = engine
        .scope_choices(user_id)
        .await
        .map_err(super::ssr::user_error)?;
    // The engine keeps the choices while nothing they are read from changes; so are they
    // labelled once.
    Ok(
        crate::kept::derived(("scope choices", ""), &all, choices_of, |c| {
            c.iter().map(|c| c.scope.len() + c.label.len() + 48).sum()
        })
        .await,
    )
}

/// The picker's choices, labelled, in its order: everything followed, each owner, each
/// team, each group, each repository.
#[cfg(feature = "ssr")]
fn choices_of(all: &engine::db::metrics::ScopeChoices) -> Vec<ScopeChoice> {
    // GitHub's logins are ASCII and compare case aside; no string is made to compare them
    // (an organisation of 200 repositories made thousands sorting its one owner).
    let mut owners: Vec<&str> = all
        .followed
        .iter()
        .filter_map(|n| n.split_once('/').map(|(o, _)| o))
        .collect();
    owners.sort_unstable_by(|a, b| {
        a.bytes()
            .map(|c| c.to_ascii_lowercase())
            .cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
    });
    owners.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
    let mut out = vec![ScopeChoice {
        scope: "tracked".into(),
        label: "Everything you follow".into(),
    }];
    out.extend(owners.iter().map(|o| ScopeChoice {
        scope: format!("org:{o}"),
        label: format!("{o} (organisation)"),
    }));
    out.extend(
        all.teams
            .iter()
            .map(|(organization, slug, name)| ScopeChoice {
                scope: wire::team_scope(organization, slug),
                label: format!("{name} (team of {organization})"),
            }),
    );
    out.extend(all.groups.iter().map(|g| ScopeChoice {
        scope: wire::group_scope(g),
        label: format!("{g} (your group)"),
    }));
    out.extend(all.followed.iter().map(|n| ScopeChoice {
        label: n.clone(),
        scope: n.clone(),
    }));
    out
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use wire::{Basis, Figure, Statistic, Unit};

    fn figure(metric: &str, group: Option<&str>, statistic: Statistic) -> Figure {
        Figure {
            metric: metric.into(),
            group: group.map(Into::into),
            statistic,
            unit: Unit::Items,
            value: Some(1.0),
            sample: 1,
            basis: Basis::Measured {
                source: "rows".into(),
            },
            previous: None,
        }
    }

    #[test]
    fn the_dora_page_carries_the_keys_and_the_deployments_of_each_part() {
        let grade = wire::Grade {
            metric: "change_failure_rate".into(),
            level: wire::Level::High,
            report: wire::DoraReport::Y2023,
        };
        let part = wire::DoraPart {
            from: "2026-10-05T00:00:00Z".into(),
            to: "2026-10-12T00:00:00Z".into(),
            figures: vec![
                figure("deployments", None, Statistic::Count),
                figure("deployment_frequency", None, Statistic::Rate),
                figure("deployment_days", None, Statistic::Rate),
                figure("lead_time_for_changes", None, Statistic::Median),
                figure("lead_time_for_changes", None, Statistic::P90),
                figure("change_failure_rate", None, Statistic::Ratio),
                figure("change_failure_rate", Some("acme/api"), Statistic::Ratio),
                figure("failed_deployment_recovery_time", None, Statistic::Median),
                figure("failures_unrecovered", None, Statistic::Count),
            ],
            grades: vec![grade.clone()],
        };
        let series = wire::DoraSeries {
            scope: "org:acme".into(),
            grain: "week".into(),
            report: wire::DoraReport::Y2023,
            deployment_sources: vec![("acme/api".into(), "deployments".into())],
            bands: vec![],
            parts: vec![part],
        };
        let shown = super::dora_page_of(&series);
        let kept: Vec<(&str, Statistic)> = shown.parts[0]
            .figures
            .iter()
            .map(|f| (f.metric.as_str(), f.statistic))
            .collect();
        assert_eq!(
            kept,
            vec![
                ("deployments", Statistic::Count),
                ("deployment_frequency", Statistic::Rate),
                ("lead_time_for_changes", Statistic::Median),
                ("change_failure_rate", Statistic::Ratio),
                ("failed_deployment_recovery_time", Statistic::Median),
            ]
        );
        assert_eq!(shown.parts[0].grades, vec![grade]);
        assert_eq!(shown.parts[0].from, series.parts[0].from);
        assert_eq!(shown.deployment_sources, series.deployment_sources);
    }
}
