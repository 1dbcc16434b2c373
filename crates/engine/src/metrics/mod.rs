//! Every number Pulseboard shows is computed here, from GitHub's raw facts, and defined in
//! METRICS.md. Pure functions over rows; the database only supplies the facts.

pub mod activity;
pub mod attribution;
pub mod details;
pub mod dora;
pub mod flow;
pub mod priority;
pub mod scopes;
pub mod scores;
pub mod signals;
pub mod stats;
pub mod throughput;

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use sqlx::PgPool;
use wire::{Basis, Figure, Statistic, Unit};

use crate::db;
use crate::db::metrics::{Quantiles, ScopeName};
use crate::db::settings::DeploymentSource;

pub use attribution::attribution;
pub use details::{details, waiting_for_review};

/// What a basis read from the rollups adds (METRICS.md, "Rollups").
const SKETCHED: &str = "; from the daily, weekly and monthly rollups: counts and totals exact, quantiles from their sketches (DDSketch), within 1 %";

/// `basis`, saying it was read from the rollups when `sketched`.
pub(crate) fn sketched_basis(basis: &Basis, sketched: bool) -> Basis {
    match basis.clone() {
        Basis::Measured { source } if sketched => Basis::Measured {
            source: format!("{source}{SKETCHED}"),
        },
        Basis::Proxy {
            source,
            stands_in_for,
        } if sketched => Basis::Proxy {
            source: format!("{source}{SKETCHED}"),
            stands_in_for,
        },
        other => other,
    }
}

/// One figure. A value on an unavailable basis is dropped, and a missing value is
/// unavailable (with the basis' own reason, else `why`): a figure has a value exactly when
/// its basis is not unavailable.
pub(crate) fn figure(
    metric: &str,
    statistic: Statistic,
    unit: Unit,
    value: Option<f64>,
    sample: i64,
    basis: &Basis,
    why: &str,
) -> Figure {
    let value = value.filter(|_| !matches!(basis, Basis::Unavailable { .. }));
    Figure {
        metric: metric.into(),
        group: None,
        previous: None,
        statistic,
        unit,
        value,
        sample: sample.max(0) as u64,
        basis: match (value, basis) {
            (Some(_), _) | (None, Basis::Unavailable { .. }) => basis.clone(),
            (None, _) => Basis::Unavailable { reason: why.into() },
        },
    }
}

/// Median, p75 and p90 of a sample in `unit`, or unavailable with `why` when it is empty.
pub(crate) fn quantiles(
    metric: &str,
    unit: Unit,
    q: &Quantiles,
    basis: &Basis,
    why: &str,
) -> Vec<Figure> {
    [Statistic::Median, Statistic::P75, Statistic::P90]
        .into_iter()
        .enumerate()
        .map(|(i, statistic)| {
            let value = q.values.as_ref().and_then(|v| v.get(i).copied());
            figure(metric, statistic, unit, value, q.n, basis, why)
        })
        .collect()
}

/// [`quantiles`] of durations in hours.
pub(crate) fn durations(metric: &str, q: &Quantiles, basis: &Basis, why: &str) -> Vec<Figure> {
    quantiles(metric, Unit::Hours, q, basis, why)
}

/// A count, on `basis`.
pub(crate) fn count(metric: &str, n: i64, basis: &Basis) -> Figure {
    figure(
        metric,
        Statistic::Count,
        Unit::Items,
        Some(n as f64),
        n,
        basis,
        "",
    )
}

/// What a report is about, as `pulseboard metrics` and the pages name it: `OWNER/REPO`,
/// `org:NAME` (or `user:NAME`: every repository of that account), `team:ORG/SLUG` (the
/// repositories GitHub lists for the team), or `tracked` (the repositories the person
/// follows).
///
/// Errors: [`crate::Error::Invalid`] saying what the forms are.
pub fn parse_scope(text: &str) -> crate::Result<ScopeName> {
    let bad = || {
        crate::Error::Invalid(format!(
            "{text:?} is not OWNER/REPO, org:NAME, user:NAME, team:ORG/SLUG, group:NAME or tracked"
        ))
    };
    let named = |s: &str| (!s.is_empty() && !s.contains('/')).then(|| s.to_string());
    if text == "tracked" {
        return Ok(ScopeName::Tracked);
    }
    if let Some(owner) = text
        .strip_prefix("org:")
        .or_else(|| text.strip_prefix("user:"))
    {
        return named(owner).map(ScopeName::Owner).ok_or_else(bad);
    }
    if let Some(group) = text.strip_prefix("group:") {
        return db::groups::check_name(group)
            .map(|g| ScopeName::Group(g.to_string()))
            .map_err(|_| bad());
    }
    if let Some(team) = text.strip_prefix("team:") {
        let (org, slug) = team.split_once('/').ok_or_else(bad)?;
        return match (named(org), named(slug)) {
            (Some(o), Some(s)) => Ok(ScopeName::Team(o, s)),
            _ => Err(bad()),
        };
    }
    match text.split_once('/') {
        Some((o, r)) if named(o).is_some() && named(r).is_some() => {
            Ok(ScopeName::Repository(text.to_string()))
        }
        _ => Err(bad()),
    }
}

/// Every metric of a scope over a period: the page, `pulseboard metrics`, the API and the
/// exports all get it (one function per metric family behind it).
pub use wire::Report;

/// How many issues [`Report::priorities`] lists.
pub const PRIORITY_LIST: usize = 20;

/// The issues of `ids` open at `at` with their priority scores, highest first (the oldest
/// first among equal scores), at most `limit`.
pub async fn priorities(
    pool: &PgPool,
    ids: &[i64],
    at: DateTime<Utc>,
    limit: usize,
) -> crate::Result<Vec<wire::PriorityIssue>> {
    let open = db::metrics::activity::open_issues(pool, ids, at, limit).await?;
    let mut ranked: Vec<wire::PriorityIssue> = open
        .into_iter()
        .map(|(repository, number, title, labels, severity, age_days)| {
            let severity = severity.and_then(|k| usize::try_from(k).ok());
            let (score, reasons) = priority::score(severity, &labels, age_days);
            wire::PriorityIssue {
                repository,
                number,
                title,
                score,
                severity: severity
                    .and_then(|k| db::settings::SEVERITIES.get(k))
                    .map(|s| s.to_string()),
                age_days,
                reasons,
            }
        })
        .collect();
    // Stable: equal scores keep the query's oldest-first order.
    ranked.sort_by(|a, b| b.score.total_cmp(&a.score));
    ranked.truncate(limit);
    Ok(ranked)
}

/// The basis of the DORA figures of a scope from its repositories' deployment sources:
/// measured when every repository with deployments has a real source, a proxy when merged
/// pull requests stand in for any, unavailable when none has any deployment.
fn delivery_basis(sources: &[(String, String)]) -> Basis {
    let with: Vec<&(String, String)> = sources.iter().filter(|(_, s)| s != "none").collect();
    if with.is_empty() {
        return Basis::Unavailable {
            reason: "no production deployment and no merged pull request was ever recorded for these repositories".into(),
        };
    }
    let proxied: Vec<&str> = with
        .iter()
        .filter(|(_, s)| s == DeploymentSource::MergedPullRequests.as_str())
        .map(|(r, _)| r.as_str())
        .collect();
    let mut kinds: Vec<&str> = with.iter().map(|(_, s)| s.as_str()).collect();
    kinds.sort_unstable();
    kinds.dedup();
    let source = format!(
        "production deployments from {} (per repository in deployment_sources)",
        kinds.join(", ")
    );
    if proxied.is_empty() {
        Basis::Measured { source }
    } else {
        Basis::Proxy {
            source,
            stands_in_for: format!(
                "deployments to production: merged pull requests stand in for {} of {} repositories ({})",
                proxied.len(),
                with.len(),
                proxied.join(", ")
            ),
        }
    }
}

/// Every figure of some repositories over `period`, with each repository's deployment
/// source (`owner/name`, source name or `none`).
async fn figures(
    pool: &PgPool,
    repos: &[(i64, String)],
    period: (DateTime<Utc>, DateTime<Utc>),
) -> crate::Result<(Vec<Figure>, Vec<(String, String)>)> {
    let mut figures = Vec::new();
    let mut deployment_sources = Vec::new();
    for family in Family::ALL {
        let (parts, sources) = family_figures(pool, repos, family, &[period]).await?;
        figures.extend(parts.into_iter().flatten());
        if family == Family::Dora {
            deployment_sources = sources;
        }
    }
    Ok((figures, deployment_sources))
}

/// The families of figures, each read by its own query (METRICS.md's sections).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    Flow,
    Velocity,
    Dora,
    Issues,
    Ci,
    Growth,
    Downloads,
}

impl Family {
    /// Every family, in the order of a report's figures.
    pub const ALL: [Family; 7] = [
        Family::Flow,
        Family::Velocity,
        Family::Dora,
        Family::Issues,
        Family::Ci,
        Family::Growth,
        Family::Downloads,
    ];

    /// The figures the family makes of empty samples: every metric it names (with one
    /// workflow and job, so that the per-group ones are there too).
    fn names(self) -> Vec<Figure> {
        let basis = Basis::Measured {
            source: String::new(),
        };
        let epoch = DateTime::<Utc>::UNIX_EPOCH;
        match self {
            Family::Flow => flow::cycle_time(&Default::default()),
            Family::Velocity => activity::velocity(&Default::default()),
            Family::Dora => {
                let mut f =
                    dora::deployment_frequency(&[], &basis, (epoch, epoch + Duration::days(7)));
                f.extend(dora::lead_time(&Default::default(), &basis));
                f.extend(dora::Failures::default().figures(&basis));
                f
            }
            Family::Issues => activity::issues(&Default::default()),
            Family::Ci => activity::ci(&db::metrics::activity::Ci {
                workflows: vec![("w".into(), 1, Some(1.0), Some(1.0))],
                slowest_jobs: vec![("j".into(), 1, 1.0)],
                ..Default::default()
            }),
            Family::Growth => activity::growth(&Default::default(), 7.0),
            Family::Downloads => activity::downloads(&Default::default()),
        }
    }

    /// The family that makes `metric`, if any (the scores and the per-repository
    /// breakdowns are made of several families and have none).
    pub fn of(metric: &str) -> Option<Family> {
        Family::ALL
            .into_iter()
            .find(|f| f.names().iter().any(|x| x.metric == metric))
    }
}

/// One family's figures of some repositories for each of `parts` (in order), and each
/// repository's deployment source when the family is DORA's (else empty).
async fn family_figures(
    pool: &PgPool,
    repos: &[(i64, String)],
    family: Family,
    parts: &[(DateTime<Utc>, DateTime<Utc>)],
) -> crate::Result<(Vec<Vec<Figure>>, Vec<(String, String)>)> {
    if family == Family::Dora {
        return dora_figures(pool, repos, parts).await;
    }
    let ids: Vec<i64> = repos.iter().map(|(id, _)| *id).collect();
    let mut out = Vec::with_capacity(parts.len());
    for &period in parts {
        let (from, to) = period;
        out.push(match family {
            Family::Flow => flow::cycle_time(&db::metrics::flow(pool, &ids, period).await?),
            Family::Velocity => {
                activity::velocity(&db::metrics::activity::velocity(pool, &ids, period).await?)
            }
            Family::Issues => {
                activity::issues(&db::metrics::activity::issues(pool, &ids, period).await?)
            }
            Family::Ci => activity::ci(&db::metrics::activity::ci(pool, &ids, period).await?),
            Family::Growth => activity::growth(
                &db::metrics::activity::growth(pool, &ids, period).await?,
                (to - from).num_seconds() as f64 / 86_400.0,
            ),
            Family::Downloads => {
                activity::downloads(&db::packages::downloads(pool, &ids, period).await?)
            }
            Family::Dora => unreachable!("read above"),
        });
    }
    Ok((out, vec![]))
}

/// One metric of a scope per day, week or month of `[from, to)`: its figures (every
/// statistic and group) in each part, from its family's reads only.
///
/// Errors: as [`report`]; [`crate::Error::Invalid`] for a metric no family makes (the
/// scores are read in the report) or more than 400 parts.
pub async fn metric_series(
    pool: &PgPool,
    user_id: i64,
    scope: &str,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
    grain: Grain,
    metric: &str,
) -> crate::Result<wire::MetricSeries> {
    check_period(from, to)?;
    let repos = resolve(pool, user_id, scope).await?;
    metric_series_of(pool, scope, repos, (from, to), grain, metric).await
}

async fn metric_series_of(
    pool: &PgPool,
    scope: &str,
    repos: Vec<(i64, String)>,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
    grain: Grain,
    metric: &str,
) -> crate::Result<wire::MetricSeries> {
    let family = series_family(metric)?;
    let cut = series_parts(grain, (from, to))?;
    let (figures, _) = family_figures(pool, &repos, family, &cut).await?;
    Ok(series_of(scope, grain, metric, &cut, &figures, |_| true))
}

/// The family that makes `metric`'s series.
///
/// Errors: [`crate::Error::Invalid`] when no family makes it.
fn series_family(metric: &str) -> crate::Result<Family> {
    Family::of(metric).ok_or_else(|| {
        crate::Error::Invalid(format!(
            "{metric:?} has no series: not a metric of METRICS.md, or one made of several (the scores), read in the report"
        ))
    })
}

/// The parts a series of `grain` cuts the period into.
///
/// Errors: [`crate::Error::Invalid`] beyond 400 parts.
fn series_parts(
    grain: Grain,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
) -> crate::Result<Vec<(DateTime<Utc>, DateTime<Utc>)>> {
    let cut = grain.parts(from, to);
    if cut.len() > 400 {
        return Err(crate::Error::Invalid(format!(
            "{} parts are too many for one series: at most 400 (a coarser grain, or a shorter period)",
            cut.len()
        )));
    }
    Ok(cut)
}

/// `metric`'s series from its family's figures of each part.
fn series_of(
    scope: &str,
    grain: Grain,
    metric: &str,
    cut: &[(DateTime<Utc>, DateTime<Utc>)],
    figures: &[Vec<Figure>],
    keep: impl Fn(&Figure) -> bool,
) -> wire::MetricSeries {
    let time = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
    wire::MetricSeries {
        scope: scope.to_string(),
        metric: metric.to_string(),
        grain: grain.name().to_string(),
        parts: cut
            .iter()
            .zip(figures)
            .map(|(&(a, b), figures)| wire::MetricPart {
                from: time(a),
                to: time(b),
                figures: figures
                    .iter()
                    .filter(|f| f.metric == metric && keep(f))
                    .cloned()
                    .collect(),
            })
            .collect(),
    }
}

/// DORA's four keys of some repositories for each of `parts` (in order), the delivery rows
/// read once for them all, and each repository's deployment source (`owner/name`, source
/// name or `none`).
async fn dora_figures(
    pool: &PgPool,
    repos: &[(i64, String)],
    parts: &[(DateTime<Utc>, DateTime<Utc>)],
) -> crate::Result<(Vec<Vec<Figure>>, Vec<(String, String)>)> {
    let ids: Vec<i64> = repos.iter().map(|(id, _)| *id).collect();
    let known = db::metrics::deployment_sources(pool, &ids).await?;
    let deployment_sources: Vec<(String, String)> = repos
        .iter()
        .map(|(id, full_name)| {
            let source = known
                .iter()
                .find(|(r, _, _)| r == id)
                .map_or("none", |(_, s, _)| s.as_str());
            (full_name.clone(), source.to_string())
        })
        .collect();
    let basis = delivery_basis(&deployment_sources);
    let (Some(first), Some(last)) = (parts.first(), parts.last()) else {
        return Ok((vec![], deployment_sources));
    };
    let Delivery {
        windows,
        deployed,
        incidents,
        reverts,
    } = delivery_rows(pool, &ids, (first.0, last.1)).await?;
    let longest = windows.iter().map(|(_, w)| *w).max().unwrap_or(0);
    // Each repository's rows, once: its failures are judged against its own window.
    let mut by_repository: HashMap<i64, (Vec<_>, Vec<_>, Vec<_>)> = HashMap::new();
    for d in &deployed {
        by_repository
            .entry(d.repository_id)
            .or_default()
            .0
            .push(d.clone());
    }
    for i in incidents {
        by_repository.entry(i.repository_id).or_default().1.push(i);
    }
    for r in reverts {
        by_repository.entry(r.repository_id).or_default().2.push(r);
    }
    let mut out = Vec::with_capacity(parts.len());
    for &period in parts {
        let mut figures = dora::deployment_frequency(&deployed, &basis, period);
        figures.extend(dora::lead_time(
            &db::metrics::lead_time(pool, &ids, period).await?,
            &basis,
        ));
        // What this part's own report reads (delivery_rows over the part): deployments from
        // the longest incident window before it, and those its reverts name; incidents and
        // reverts opened from its start.
        let reach = period.0 - Duration::days(i64::from(longest) + 1);
        let mut failures = dora::Failures::default();
        for &(id, window) in &windows {
            let Some((d, i, r)) = by_repository.get(&id) else {
                failures.add(dora::change_failure(&[], &[], &[], window.into(), period));
                continue;
            };
            let r: Vec<_> = r
                .iter()
                .filter(|x| x.created_at >= period.0)
                .cloned()
                .collect();
            let i: Vec<_> = i
                .iter()
                .filter(|x| x.created_at >= period.0)
                .cloned()
                .collect();
            let d: Vec<_> = d
                .iter()
                .filter(|x| {
                    x.succeeded_at >= reach
                        || r.iter()
                            .any(|v| v.environment == x.environment && v.sha == x.sha)
                })
                .cloned()
                .collect();
            failures.add(dora::change_failure(&d, &i, &r, window.into(), period));
        }
        figures.extend(failures.figures(&basis));
        out.push(figures);
    }
    Ok((out, deployment_sources))
}

/// DORA's four keys of a scope per day, week or month of `[from, to)`, each part graded by
/// `dora_report`: the same figures as [`report`] gives for that part's period, the
/// delivery rows read once for every part.
///
/// Errors: as [`report`], and [`crate::Error::Invalid`] for more than 400 parts.
pub async fn dora_series(
    pool: &PgPool,
    user_id: i64,
    scope: &str,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
    grain: Grain,
    dora_report: wire::DoraReport,
) -> crate::Result<wire::DoraSeries> {
    check_period(from, to)?;
    let repos = resolve(pool, user_id, scope).await?;
    dora_series_of(pool, scope, repos, (from, to), grain, dora_report).await
}

/// The DORA series of a scope already resolved to its repositories.
async fn dora_series_of(
    pool: &PgPool,
    scope: &str,
    repos: Vec<(i64, String)>,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
    grain: Grain,
    dora_report: wire::DoraReport,
) -> crate::Result<wire::DoraSeries> {
    let cut = grain.parts(from, to);
    if cut.len() > 400 {
        return Err(crate::Error::Invalid(format!(
            "{} parts are too many for one series: at most 400 (a coarser grain, or a shorter period)",
            cut.len()
        )));
    }
    let (figures, deployment_sources) = dora_figures(pool, &repos, &cut).await?;
    let time = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
    Ok(wire::DoraSeries {
        scope: scope.to_string(),
        grain: grain.name().to_string(),
        report: dora_report,
        deployment_sources,
        bands: [
            "deployment_frequency",
            "lead_time_for_changes",
            "change_failure_rate",
            "failed_deployment_recovery_time",
        ]
        .into_iter()
        .filter_map(|m| dora::bands(m, dora_report))
        .flatten()
        .collect(),
        parts: cut
            .into_iter()
            .zip(figures)
            .map(|((a, b), figures)| wire::DoraPart {
                from: time(a),
                to: time(b),
                grades: dora::grades(&figures, dora_report),
                figures,
            })
            .collect(),
    })
}

/// What the DORA failure figures of a period read.
pub(crate) struct Delivery {
    /// Each repository's incident window in days.
    pub windows: Vec<(i64, i32)>,
    /// The production deployments of the reach and those the reverts name, oldest first.
    pub deployed: Vec<db::facts::ProductionDeployment>,
    /// Incidents and reverts opened from the period's start to now.
    pub incidents: Vec<db::metrics::Incident>,
    pub reverts: Vec<db::metrics::Revert>,
}

/// The rows of [`Delivery`]: incidents early in the period blame deployments up to the
/// longest incident window before it; a revert fails the deployment that shipped the
/// change however long before; recoveries may come up to now.
pub(crate) async fn delivery_rows(
    pool: &PgPool,
    ids: &[i64],
    (from, to): (DateTime<Utc>, DateTime<Utc>),
) -> crate::Result<Delivery> {
    let windows = db::metrics::incident_windows(pool, ids).await?;
    let longest = windows.iter().map(|(_, w)| *w).max().unwrap_or(0);
    let reach = (
        from - Duration::days(i64::from(longest) + 1),
        Utc::now().max(to) + Duration::days(1),
    );
    let mut deployed = db::metrics::deployments(pool, ids, reach).await?;
    let incidents = db::metrics::incidents(pool, ids, (from, reach.1)).await?;
    let reverts = db::metrics::reverts(pool, ids, (from, reach.1)).await?;
    let missing: Vec<(i64, String, String)> = reverts
        .iter()
        .filter(|r| {
            !deployed.iter().any(|d| {
                d.repository_id == r.repository_id
                    && d.environment == r.environment
                    && d.sha == r.sha
            })
        })
        .map(|r| (r.repository_id, r.environment.clone(), r.sha.clone()))
        .collect();
    if !missing.is_empty() {
        deployed.extend(db::metrics::deployments_by_key(pool, &missing).await?);
        deployed.sort_by_key(|d| d.succeeded_at);
    }
    Ok(Delivery {
        windows,
        deployed,
        incidents,
        reverts,
    })
}

/// The repositories a scope names that the user may see.
///
/// Errors: [`crate::Error::Invalid`] for a scope that is not one;
/// [`crate::Error::NotFound`] when it names none the user may see.
async fn resolve(pool: &PgPool, user_id: i64, scope: &str) -> crate::Result<Vec<(i64, String)>> {
    let name = parse_scope(scope)?;
    let repos = db::metrics::scope_repositories(pool, user_id, &name).await?;
    if repos.is_empty() {
        return Err(crate::Error::NotFound);
    }
    Ok(repos)
}

/// The period `[from, to)` named by two optional dates (`YYYY-MM-DD`, UTC midnights), as
/// `pulseboard metrics --from --to` and the pages' `?from=&to=` give them: `to` defaults
/// to the next midnight after `now` (today included), `from` to 30 days before `to`.
///
/// Errors: [`crate::Error::Invalid`] naming the field as `names` (from, to) call them and
/// the form expected, or when the period does not end after it starts.
pub fn period_of(
    from: Option<&str>,
    to: Option<&str>,
    now: DateTime<Utc>,
    names: [&str; 2],
) -> crate::Result<(DateTime<Utc>, DateTime<Utc>)> {
    let day = |field: &str, text: &str| {
        chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
            .map(|d| d.and_time(chrono::NaiveTime::MIN).and_utc())
            .map_err(|_| crate::Error::Invalid(format!("{field} {text:?}: a date like 2026-11-30")))
    };
    let to = match to.filter(|t| !t.trim().is_empty()) {
        Some(t) => day(names[1], t)?,
        None => (now + Duration::days(1))
            .date_naive()
            .and_time(chrono::NaiveTime::MIN)
            .and_utc(),
    };
    let from = match from.filter(|f| !f.trim().is_empty()) {
        Some(f) => day(names[0], f)?,
        None => to - Duration::days(30),
    };
    for (name, t) in [(names[0], from), (names[1], to)] {
        if !(1970..=2200).contains(&chrono::Datelike::year(&t)) {
            return Err(crate::Error::Invalid(format!(
                "{name} {}: a date between 1970 and 2200",
                t.date_naive()
            )));
        }
    }
    check_period(from, to)?;
    Ok((from, to))
}

fn check_period(from: DateTime<Utc>, to: DateTime<Utc>) -> crate::Result<()> {
    if to <= from {
        return Err(crate::Error::Invalid(format!(
            "the period ends ({to}) before it starts ({from})"
        )));
    }
    Ok(())
}

/// The metrics of the repositories a scope names that `user_id` may see, over
/// `[from, to)`, each with its value over the period of the same length just before
/// (`previous`), graded by `dora_report`.
///
/// Errors: [`crate::Error::NotFound`] when the scope names no repository the user may
/// see; [`crate::Error::Invalid`] for a bad scope or when `to` is not after `from`.
pub async fn report(
    pool: &PgPool,
    user_id: i64,
    scope: &str,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
    dora_report: wire::DoraReport,
) -> crate::Result<Report> {
    check_period(from, to)?;
    let repos = resolve(pool, user_id, scope).await?;
    report_of(pool, scope, repos, (from, to), dora_report).await
}

/// The report of a scope already resolved to its repositories `(id, owner/name)`.
async fn report_of(
    pool: &PgPool,
    scope: &str,
    repos: Vec<(i64, String)>,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
    dora_report: wire::DoraReport,
) -> crate::Result<Report> {
    let (mut figures, deployment_sources) = figures(pool, &repos, (from, to)).await?;
    let (before, _) = figures_of_previous(pool, &repos, (from, to)).await?;
    for f in &mut figures {
        f.previous = before
            .iter()
            .find(|b| b.metric == f.metric && b.statistic == f.statistic && b.group == f.group)
            .and_then(|b| b.value);
    }
    let mut grades = dora::grades(&figures, dora_report);
    let weeks = (to - from).num_seconds() as f64 / (7.0 * 86_400.0);
    let health = scores::health(&figures, weeks);
    let (performance, level) = scores::performance(&grades, dora_report);
    figures.extend(health);
    figures.extend(performance);
    grades.extend(level);
    // Weekly history: the period and the weeks before it that anomalies are judged
    // against (METRICS.md, "Anomalies").
    let ids: Vec<i64> = repos.iter().map(|(id, _)| *id).collect();
    let history_from = from.min(to - Duration::weeks(26)) - Duration::weeks(12);
    let weeks = db::metrics::weekly(pool, &ids, (history_from, to)).await?;
    let complete_by = to.min(Utc::now());
    let anomalies = signals::anomalies(&weeks, from, complete_by);
    let forecasts = signals::forecasts(&weeks, complete_by);
    let link = |metric: &str| drill_down(scope, metric, (from, to));
    let insights = signals::insights(scope, &figures, &anomalies, &link);
    let priorities = priorities(pool, &ids, to, PRIORITY_LIST).await?;
    Ok(Report {
        scope: scope.to_string(),
        repositories: repos.into_iter().map(|(_, n)| n).collect(),
        from: from.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
        to: to.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
        deployment_sources,
        figures,
        grades,
        anomalies,
        forecasts,
        insights,
        priorities,
    })
}

/// A family's figures in each part of a series, in order.
type PartFigures = Vec<Vec<Figure>>;

/// What a kept report is keyed by: the scope as asked and the repositories it resolved to
/// (two people may see different ones), the period, the DORA report, and the stamp of
/// the repositories' data ([`db::rollups::stamp`]), so that a sync or a settings change
/// makes a new key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct ReportKey {
    scope: String,
    repositories: Vec<i64>,
    period: (DateTime<Utc>, DateTime<Utc>),
    dora: wire::DoraReport,
    stamp: (Option<DateTime<Utc>>, i64),
}

/// Reports kept for a short while ([`ReportCache::TTL`]) so that a page asked by many at
/// once, or again, is computed once: concurrent asks of the same key wait for one
/// computation. A report also depends on the time (ages, what is open now), which moves
/// at most `TTL` behind; the data it reads moves it to a new key at once.
#[derive(Clone, Debug)]
pub struct ReportCache {
    reports: moka::future::Cache<ReportKey, std::sync::Arc<Report>>,
    series: moka::future::Cache<(ReportKey, Grain), std::sync::Arc<wire::DoraSeries>>,
    /// A family's figures per part of a series: every metric of the family is cut from
    /// one computation.
    families: moka::future::Cache<(ReportKey, Grain, Family), std::sync::Arc<PartFigures>>,
    details: moka::future::Cache<ReportKey, std::sync::Arc<wire::ScopeDetails>>,
    waiting: moka::future::Cache<(ReportKey, usize), std::sync::Arc<wire::OpenPullRequests>>,
    /// The scopes resolved in one request, when this cache serves one
    /// ([`ReportCache::for_request`]).
    scopes: Option<ScopeKeys>,
    /// What is kept across requests is kept under ([`scopes`]).
    generation: scopes::Generation,
    /// The scopes resolved, by person, scope as asked and generation.
    resolved: moka::future::Cache<(ScopeAsked, u64), std::sync::Arc<ScopeKeyParts>>,
    /// The scope pickers' choices, by person and generation.
    choices: moka::future::Cache<(i64, u64), std::sync::Arc<db::metrics::ScopeChoices>>,
}

/// A scope's repositories a person may see, ascending, and their data's stamp.
pub type ScopeKeyParts = (Vec<i64>, db::rollups::Stamp);

/// The scopes one request has resolved, by person and scope as asked: each is read once
/// however many of the page's parts ask for it, concurrent asks waiting for the first.
#[derive(Clone, Debug, Default)]
struct ScopeKeys(
    std::sync::Arc<std::sync::Mutex<std::collections::HashMap<ScopeAsked, ScopeCell>>>,
);

/// A person and a scope as they asked for it.
type ScopeAsked = (i64, String);

/// A scope's key parts once read; concurrent asks wait for the first.
type ScopeCell = std::sync::Arc<tokio::sync::OnceCell<std::sync::Arc<ScopeKeyParts>>>;

impl Default for ReportCache {
    fn default() -> Self {
        ReportCache {
            reports: moka::future::Cache::builder()
                .max_capacity(Self::CAPACITY)
                .time_to_live(Self::TTL)
                .build(),
            series: moka::future::Cache::builder()
                .max_capacity(Self::CAPACITY)
                .time_to_live(Self::TTL)
                .build(),
            families: moka::future::Cache::builder()
                .max_capacity(Self::CAPACITY)
                .time_to_live(Self::TTL)
                .build(),
            details: moka::future::Cache::builder()
                .max_capacity(Self::CAPACITY)
                .time_to_live(Self::TTL)
                .build(),
            waiting: moka::future::Cache::builder()
                .max_capacity(Self::CAPACITY)
                .time_to_live(Self::TTL)
                .build(),
            scopes: None,
            generation: scopes::Generation::default(),
            resolved: scopes::cache(|(_, scope), (ids, _)| 64 + scope.len() + 8 * ids.len()),
            choices: scopes::cache(|_, c| {
                let names = |v: &[String]| v.iter().map(|n| 24 + n.len()).sum::<usize>();
                let teams: usize = c
                    .teams
                    .iter()
                    .map(|(o, s, n)| 72 + o.len() + s.len() + n.len())
                    .sum();
                64 + names(&c.followed) + names(&c.groups) + teams
            }),
        }
    }
}

/// `compute`'s value from `cache` under `key`, computed once for concurrent asks and
/// kept ([`ReportCache`]).
async fn kept<K, V>(
    cache: &moka::future::Cache<K, std::sync::Arc<V>>,
    key: K,
    compute: impl std::future::Future<Output = crate::Result<V>>,
) -> crate::Result<std::sync::Arc<V>>
where
    K: std::hash::Hash + Eq + Send + Sync + 'static,
    V: Send + Sync + 'static,
{
    cache
        .try_get_with(key, async move { compute.await.map(std::sync::Arc::new) })
        .await
        .map_err(unshare)
}

impl ReportCache {
    /// How long a report is kept at most.
    pub const TTL: std::time::Duration = std::time::Duration::from_secs(60);
    /// How many reports are kept at most.
    pub const CAPACITY: u64 = 500;

    /// This cache for one request (a page and the server functions it calls): each scope
    /// is resolved, and its data's stamp read, once for the whole request, so that a page
    /// of several parts asks PostgreSQL once and all its parts look up what is kept under
    /// the same repositories and stamp (a part computed afresh still reads the rows as
    /// they are then). The kept values are shared with `self`.
    pub fn for_request(&self) -> Self {
        ReportCache {
            scopes: Some(ScopeKeys::default()),
            ..self.clone()
        }
    }

    /// The generation what is kept across requests is kept under: the process's
    /// listener moves it on ([`crate::sync::events::listen`]).
    pub fn generation(&self) -> &scopes::Generation {
        &self.generation
    }

    /// [`db::metrics::scope_choices`], kept while nothing it is read from changes
    /// ([`scopes`]).
    pub async fn scope_choices(
        &self,
        pool: &PgPool,
        user_id: i64,
    ) -> crate::Result<std::sync::Arc<db::metrics::ScopeChoices>> {
        scopes::kept(&self.choices, &self.generation, user_id, || async {
            Ok(db::metrics::scope_choices(pool, user_id).await?)
        })
        .await
    }

    /// [`report`], from the cache when the same scope, repositories, period, DORA report
    /// and data were asked within [`Self::TTL`].
    ///
    /// Errors: as [`report`].
    pub async fn report(
        &self,
        pool: &PgPool,
        user_id: i64,
        scope: &str,
        (from, to): (DateTime<Utc>, DateTime<Utc>),
        dora: wire::DoraReport,
    ) -> crate::Result<std::sync::Arc<Report>> {
        check_period(from, to)?;
        let key = self.key(pool, user_id, scope, (from, to), dora).await?;
        let ids = key.repositories.clone();
        kept(&self.reports, key, async move {
            let repos = db::metrics::names_of(pool, &ids).await?;
            report_of(pool, scope, repos, (from, to), dora).await
        })
        .await
    }

    /// [`dora_series`], from the cache as [`Self::report`].
    ///
    /// Errors: as [`dora_series`].
    pub async fn dora_series(
        &self,
        pool: &PgPool,
        user_id: i64,
        scope: &str,
        (from, to): (DateTime<Utc>, DateTime<Utc>),
        grain: Grain,
        dora: wire::DoraReport,
    ) -> crate::Result<std::sync::Arc<wire::DoraSeries>> {
        check_period(from, to)?;
        let key = self.key(pool, user_id, scope, (from, to), dora).await?;
        let ids = key.repositories.clone();
        kept(&self.series, (key, grain), async move {
            let repos = db::metrics::names_of(pool, &ids).await?;
            dora_series_of(pool, scope, repos, (from, to), grain, dora).await
        })
        .await
    }

    /// [`metric_series`], from the cache as [`Self::report`].
    ///
    /// Errors: as [`metric_series`].
    pub async fn metric_series(
        &self,
        pool: &PgPool,
        user_id: i64,
        scope: &str,
        period: (DateTime<Utc>, DateTime<Utc>),
        grain: Grain,
        metric: &str,
    ) -> crate::Result<wire::MetricSeries> {
        let mut all = self
            .series_many(pool, user_id, scope, period, grain, &[metric], |_, _| true)
            .await?;
        Ok(all
            .pop()
            .unwrap_or_else(|| unreachable!("one series per metric asked")))
    }

    /// For each `(metric, statistic)` of `wanted`, in order, the chart of that statistic
    /// of the metric over the whole scope per part ([`wire::ChartSeries::new`]), computed
    /// once per family however many of its metrics are asked (the cycle time's stages are
    /// four metrics of one family), copying only the figures each chart draws (a
    /// year of an organisation's weekly cycle time has thousands: every statistic of every
    /// repository, each with its source).
    ///
    /// Errors: as [`metric_series`], for the first metric that fails.
    pub async fn chart_series(
        &self,
        pool: &PgPool,
        user_id: i64,
        scope: &str,
        period: (DateTime<Utc>, DateTime<Utc>),
        grain: Grain,
        wanted: &[(&str, wire::Statistic)],
    ) -> crate::Result<Vec<wire::ChartSeries>> {
        let metrics: Vec<&str> = wanted.iter().map(|(m, _)| *m).collect();
        let drawn = |i: usize, f: &Figure| f.group.is_none() && f.statistic == wanted[i].1;
        let series = self
            .series_many(pool, user_id, scope, period, grain, &metrics, drawn)
            .await?;
        Ok(series
            .iter()
            .zip(wanted)
            .map(|(s, (_, statistic))| wire::ChartSeries::new(s, *statistic))
            .collect())
    }

    /// Several metrics' series of one scope and period, in the order asked: the scope is
    /// resolved once and each family computed once however many of its metrics are
    /// asked, keeping of the `i`th metric's figures those for which `keep(i, figure)` holds.
    ///
    /// Errors: as [`metric_series`], for the first metric that fails.
    #[allow(clippy::too_many_arguments)]
    async fn series_many(
        &self,
        pool: &PgPool,
        user_id: i64,
        scope: &str,
        (from, to): (DateTime<Utc>, DateTime<Utc>),
        grain: Grain,
        metrics: &[&str],
        keep: impl Fn(usize, &Figure) -> bool,
    ) -> crate::Result<Vec<wire::MetricSeries>> {
        check_period(from, to)?;
        let families = metrics
            .iter()
            .map(|m| series_family(m))
            .collect::<crate::Result<Vec<_>>>()?;
        let cut = series_parts(grain, (from, to))?;
        let key = self
            .key(pool, user_id, scope, (from, to), Default::default())
            .await?;
        let mut out = Vec::with_capacity(metrics.len());
        for (i, (metric, family)) in metrics.iter().zip(families).enumerate() {
            let figures = kept(&self.families, (key.clone(), grain, family), async {
                let repos = db::metrics::names_of(pool, &key.repositories).await?;
                Ok(family_figures(pool, &repos, family, &cut).await?.0)
            })
            .await?;
            out.push(series_of(scope, grain, metric, &cut, &figures, |f| {
                keep(i, f)
            }));
        }
        Ok(out)
    }

    /// [`details()`], from the cache as [`Self::report`] (what is open is then at most
    /// [`Self::TTL`] old, like a report's ages).
    ///
    /// Errors: as [`details()`].
    pub async fn details(
        &self,
        pool: &PgPool,
        user_id: i64,
        scope: &str,
        (from, to): (DateTime<Utc>, DateTime<Utc>),
        now: DateTime<Utc>,
    ) -> crate::Result<std::sync::Arc<wire::ScopeDetails>> {
        check_period(from, to)?;
        let key = self
            .key(pool, user_id, scope, (from, to), Default::default())
            .await?;
        let ids = key.repositories.clone();
        kept(
            &self.details,
            key,
            details::details_of(pool, ids, (from, to), now),
        )
        .await
    }

    /// [`waiting_for_review`], from the cache as [`Self::details`].
    ///
    /// Errors: as [`waiting_for_review`].
    pub async fn waiting_for_review(
        &self,
        pool: &PgPool,
        user_id: i64,
        scope: &str,
        now: DateTime<Utc>,
        limit: usize,
    ) -> crate::Result<std::sync::Arc<wire::OpenPullRequests>> {
        let epoch = DateTime::<Utc>::UNIX_EPOCH;
        let key = self
            .key(pool, user_id, scope, (epoch, epoch), Default::default())
            .await?;
        let ids = key.repositories.clone();
        kept(
            &self.waiting,
            (key, limit),
            details::waiting_of(pool, ids, now, limit),
        )
        .await
    }

    /// The ids of the repositories `scope` names that the user may see, and their data's
    /// stamp ([`db::metrics::scope_stamp`]): looked up once per request for each scope as
    /// asked, however many of a page's parts ask ([`Self::for_request`]), and kept across
    /// requests until anything it is read from changes ([`scopes`]).
    ///
    /// Errors: a scope that does not parse ([`crate::Error::Invalid`]); the database's.
    pub async fn scope_stamp(
        &self,
        pool: &PgPool,
        user_id: i64,
        scope: &str,
    ) -> crate::Result<std::sync::Arc<ScopeKeyParts>> {
        let name = parse_scope(scope)?;
        let read = || {
            let asked = (user_id, scope.to_string());
            scopes::kept(&self.resolved, &self.generation, asked, || async {
                Ok(db::metrics::scope_stamp(pool, user_id, &name).await?)
            })
        };
        Ok(match &self.scopes {
            None => read().await?,
            Some(ScopeKeys(seen)) => {
                let cell = seen
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .entry((user_id, scope.to_string()))
                    .or_default()
                    .clone();
                cell.get_or_try_init(read).await?.clone()
            }
        })
    }

    /// The key of a scope for a person: one statement resolves the scope to the
    /// repositories the person may see and reads their data's stamp (the names are read
    /// only when a report is computed).
    ///
    /// Errors: [`crate::Error::Invalid`] for a scope that does not parse,
    /// [`crate::Error::NotFound`] when it names no repository the person may see.
    async fn key(
        &self,
        pool: &PgPool,
        user_id: i64,
        scope: &str,
        period: (DateTime<Utc>, DateTime<Utc>),
        dora: wire::DoraReport,
    ) -> crate::Result<ReportKey> {
        let parts = self.scope_stamp(pool, user_id, scope).await?;
        let (repositories, stamp) = &*parts;
        if repositories.is_empty() {
            return Err(crate::Error::NotFound);
        }
        Ok(ReportKey {
            scope: scope.to_string(),
            stamp: *stamp,
            repositories: repositories.clone(),
            period,
            dora,
        })
    }
}

/// The error of a computation shared by several callers, for one of them.
pub(crate) fn unshare(shared: std::sync::Arc<crate::Error>) -> crate::Error {
    std::sync::Arc::try_unwrap(shared).unwrap_or_else(|e| e.duplicate())
}

/// Where a metric of a scope and period is drilled into:
/// `/metrics/{metric}?scope=…&from=YYYY-MM-DD&to=YYYY-MM-DD`.
pub fn drill_down(scope: &str, metric: &str, (from, to): (DateTime<Utc>, DateTime<Utc>)) -> String {
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("scope", scope)
        .append_pair("from", &from.date_naive().to_string())
        .append_pair("to", &to.date_naive().to_string())
        .finish();
    format!("/metrics/{metric}?{query}")
}

async fn figures_of_previous(
    pool: &PgPool,
    repos: &[(i64, String)],
    (from, to): (DateTime<Utc>, DateTime<Utc>),
) -> crate::Result<(Vec<Figure>, Vec<(String, String)>)> {
    figures(pool, repos, (from - (to - from), from)).await
}

/// How a period is cut into a series: UTC days, ISO weeks (from Monday) or calendar
/// months; the first and last part are cut at the period's ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Grain {
    Day,
    Week,
    Month,
}

impl Grain {
    /// `day`, `week` or `month`.
    pub fn name(self) -> &'static str {
        match self {
            Grain::Day => "day",
            Grain::Week => "week",
            Grain::Month => "month",
        }
    }

    /// `day`, `week` or `month`.
    pub fn parse(text: &str) -> Option<Grain> {
        match text {
            "day" => Some(Grain::Day),
            "week" => Some(Grain::Week),
            "month" => Some(Grain::Month),
            _ => None,
        }
    }

    /// The parts of `[from, to)`, in order.
    pub fn parts(
        self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
        use chrono::{Datelike, Months, NaiveTime};
        let day = from.date_naive();
        let mut start = match self {
            Grain::Day => day,
            Grain::Week => day - Duration::days(day.weekday().num_days_from_monday().into()),
            Grain::Month => day.with_day(1).unwrap_or(day),
        }
        .and_time(NaiveTime::MIN)
        .and_utc();
        let mut parts = Vec::new();
        while start < to {
            let end = match self {
                Grain::Day => start + Duration::days(1),
                Grain::Week => start + Duration::days(7),
                Grain::Month => start + Months::new(1),
            };
            parts.push((start.max(from), end.min(to)));
            start = end;
        }
        parts
    }
}

/// One part of a series.
#[derive(Debug, Clone, Serialize)]
pub struct Part {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub figures: Vec<Figure>,
}

/// Every metric of a scope for each part of a period (see [`report`]).
#[derive(Debug, Clone, Serialize)]
pub struct Series {
    pub scope: String,
    pub repositories: Vec<String>,
    pub grain: Grain,
    pub deployment_sources: Vec<(String, String)>,
    pub parts: Vec<Part>,
}

/// The metrics of a scope per day, week or month of `[from, to)`.
///
/// Errors: as [`report`]'s; [`crate::Error::Invalid`] past 400 parts.
pub async fn series(
    pool: &PgPool,
    user_id: i64,
    scope: &str,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
    grain: Grain,
) -> crate::Result<Series> {
    check_period(from, to)?;
    let cut = grain.parts(from, to);
    if cut.len() > 400 {
        return Err(crate::Error::Invalid(format!(
            "{} parts are too many for one series: at most 400 (a coarser grain, or a shorter period)",
            cut.len()
        )));
    }
    let repos = resolve(pool, user_id, scope).await?;
    let mut parts = Vec::with_capacity(cut.len());
    let mut sources = Vec::new();
    for (a, b) in cut {
        let (figures, s) = figures(pool, &repos, (a, b)).await?;
        sources = s;
        parts.push(Part {
            from: a,
            to: b,
            figures,
        });
    }
    Ok(Series {
        scope: scope.to_string(),
        repositories: repos.into_iter().map(|(_, n)| n).collect(),
        grain,
        deployment_sources: sources,
        parts,
    })
}

/// A repository's settings (METRICS.md, "Settings"), for a user who may see it.
///
/// Errors: [`crate::Error::NotFound`] when the user may not see it.
pub async fn settings(
    pool: &PgPool,
    user_id: i64,
    full_name: &str,
) -> crate::Result<(db::repos::Repository, db::settings::RepositorySettings)> {
    let repo = db::repos::find_visible(pool, user_id, full_name)
        .await?
        .ok_or(crate::Error::NotFound)?;
    let mut conn = pool.acquire().await?;
    let s = db::settings::get(&mut conn, repo.github_id).await?;
    Ok((repo, s))
}

/// Changes a repository's settings and derives its facts again under them. Only someone
/// GitHub lets administer or maintain the repository may.
///
/// Errors: [`crate::Error::NotFound`] when the user may not see it,
/// [`crate::Error::Forbidden`] when they may not maintain it, [`crate::Error::Invalid`]
/// naming a bad setting.
pub async fn change_settings(
    pool: &PgPool,
    user_id: i64,
    full_name: &str,
    new: &db::settings::RepositorySettings,
) -> crate::Result<()> {
    let (repo, _) = settings(pool, user_id, full_name).await?;
    if !may_change_settings(&repo) {
        return Err(crate::Error::Forbidden);
    }
    crate::facts::set_settings(pool, repo.github_id, new).await
}

/// Whether the person a repository row was read for may change its settings: GitHub's
/// admin or maintain role.
fn may_change_settings(repo: &db::repos::Repository) -> bool {
    matches!(repo.permission.as_str(), "admin" | "maintain")
}

/// A repository's settings as its settings page shows them: every setting, the
/// deployment source its numbers use now, and whether `user_id` may change them (GitHub's
/// admin or maintain role).
///
/// Errors: [`crate::Error::NotFound`] when the user may not see it.
pub async fn settings_view(
    pool: &PgPool,
    user_id: i64,
    full_name: &str,
) -> crate::Result<wire::SettingsView> {
    let (repo, s) = settings(pool, user_id, full_name).await?;
    let source_in_use = db::metrics::deployment_sources(pool, &[repo.github_id])
        .await?
        .into_iter()
        .next()
        .map_or_else(|| "none".to_string(), |(_, source, _)| source);
    Ok(wire::SettingsView {
        can_change: may_change_settings(&repo),
        repository: repo.full_name,
        settings: s.as_change(),
        source_in_use,
    })
}

/// Applies `change` to a repository's settings ([`db::settings::RepositorySettings::apply`])
/// and, when anything changed, derives its facts again ([`crate::facts::set_settings`]);
/// returns the settings view after.
///
/// Errors: as [`change_settings`].
pub async fn apply_settings(
    pool: &PgPool,
    user_id: i64,
    full_name: &str,
    change: &wire::SettingsChange,
) -> crate::Result<wire::SettingsView> {
    let (repo, mut s) = settings(pool, user_id, full_name).await?;
    if !may_change_settings(&repo) {
        return Err(crate::Error::Forbidden);
    }
    let before = s.clone();
    s.apply(change)?;
    if s != before {
        crate::facts::set_settings(pool, repo.github_id, &s).await?;
    }
    settings_view(pool, user_id, full_name).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    /// Only GitHub's admin or maintain role changes a repository's settings: someone who
    /// may push reads them, is refused, and nothing changes; a maintainer changes them.
    #[tokio::test]
    async fn only_admins_and_maintainers_change_settings() {
        let pool = crate::testing::fresh_database().await;
        crate::testing::insert_repository(&pool, 1, "acme/api", &[]).await;
        let mut users = vec![];
        for (github_id, login, permission) in [(10, "pat", "push"), (11, "max", "maintain")] {
            let id = crate::testing::insert_user(&pool, github_id, login).await;
            sqlx::query("INSERT INTO repository_access (user_id, repository_id, permission) VALUES ($1, 1, $2)")
                .bind(id)
                .bind(permission)
                .execute(&pool)
                .await
                .unwrap();
            users.push(id);
        }
        let change = wire::SettingsChange {
            deployment_source: Some("releases".into()),
            ..Default::default()
        };
        let pat = settings_view(&pool, users[0], "acme/api").await.unwrap();
        assert!(!pat.can_change);
        assert_eq!(pat.settings.deployment_source.as_deref(), Some("auto"));
        assert!(matches!(
            apply_settings(&pool, users[0], "acme/api", &change).await,
            Err(crate::Error::Forbidden)
        ));
        assert_eq!(
            settings_view(&pool, users[1], "acme/api")
                .await
                .unwrap()
                .settings
                .deployment_source
                .as_deref(),
            Some("auto")
        );
        let max = apply_settings(&pool, users[1], "acme/api", &change)
            .await
            .unwrap();
        assert!(max.can_change);
        assert_eq!(max.settings.deployment_source.as_deref(), Some("releases"));
    }

    #[test]
    fn periods_are_cut_at_mondays_months_and_their_own_ends() {
        // 2026-02-01 is a Sunday: its week began on Monday 26 January.
        let weeks = Grain::Week.parts(t("2026-02-01T00:00:00Z"), t("2026-03-01T00:00:00Z"));
        let starts: Vec<String> = weeks
            .iter()
            .map(|(a, _)| a.date_naive().to_string())
            .collect();
        assert_eq!(
            starts,
            [
                "2026-02-01",
                "2026-02-02",
                "2026-02-09",
                "2026-02-16",
                "2026-02-23"
            ]
        );
        assert_eq!(weeks[4].1, t("2026-03-01T00:00:00Z"));
        let months = Grain::Month.parts(t("2026-01-15T12:00:00Z"), t("2026-03-02T00:00:00Z"));
        let cut: Vec<(String, String)> = months
            .iter()
            .map(|(a, b)| (a.to_rfc3339(), b.to_rfc3339()))
            .collect();
        assert_eq!(
            cut,
            [
                (
                    "2026-01-15T12:00:00+00:00".into(),
                    "2026-02-01T00:00:00+00:00".into()
                ),
                (
                    "2026-02-01T00:00:00+00:00".into(),
                    "2026-03-01T00:00:00+00:00".into()
                ),
                (
                    "2026-03-01T00:00:00+00:00".into(),
                    "2026-03-02T00:00:00+00:00".into()
                ),
            ]
        );
        assert_eq!(
            Grain::Day
                .parts(t("2026-02-01T00:00:00Z"), t("2026-02-03T00:00:00Z"))
                .len(),
            2
        );
    }

    #[test]
    fn periods_are_read_from_dates_or_refused() {
        let now: DateTime<Utc> = "2026-12-01T15:00:00Z".parse().unwrap();
        let n = ["from", "to"];
        // By default the 30 days up to the next midnight (today included).
        let (from, to) = period_of(None, Some(""), now, n).unwrap();
        assert_eq!(
            (from.to_rfc3339(), to.to_rfc3339()),
            (
                "2026-11-02T00:00:00+00:00".into(),
                "2026-12-02T00:00:00+00:00".into()
            )
        );
        let e = period_of(Some("yesterday"), None, now, n)
            .unwrap_err()
            .to_string();
        assert!(e.contains("from \"yesterday\""), "{e}");
        // Years far away are refused before anything is cut into parts.
        for (f, t) in [
            ("-200000-01-01", "2026-01-01"),
            ("2026-01-01", "+200000-01-01"),
        ] {
            assert!(period_of(Some(f), Some(t), now, n).is_err(), "{f} {t}");
        }
        assert!(period_of(Some("2026-02-01"), Some("2026-01-01"), now, n).is_err());
    }

    #[test]
    fn scopes_are_parsed_or_refused_with_their_forms() {
        assert_eq!(
            parse_scope("acme/api").unwrap(),
            ScopeName::Repository("acme/api".into())
        );
        assert_eq!(
            parse_scope("org:acme").unwrap(),
            ScopeName::Owner("acme".into())
        );
        assert_eq!(
            parse_scope("team:acme/platform").unwrap(),
            ScopeName::Team("acme".into(), "platform".into())
        );
        assert_eq!(parse_scope("tracked").unwrap(), ScopeName::Tracked);
        assert_eq!(
            parse_scope("group:Billing and payments").unwrap(),
            ScopeName::Group("Billing and payments".into())
        );
        assert!(parse_scope("group:").is_err());
        assert!(parse_scope("group:a/b").is_err());
        for bad in ["acme", "org:", "team:acme", "a/b/c", "org:a/b"] {
            let e = parse_scope(bad).unwrap_err().to_string();
            assert!(e.contains("team:ORG/SLUG"), "{bad}: {e}");
        }
    }
}
