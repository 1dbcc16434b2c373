//! `pulseboard metrics`: a scope's metrics with their provenance, as a table or JSON.

use chrono::{DateTime, Utc};
use wire::{Basis, Figure};

use crate::config::{Config, MetricsArgs, SettingsArgs};

pub async fn run(args: MetricsArgs) -> anyhow::Result<()> {
    let (from, to) = engine::metrics::period_of(
        args.from.as_deref(),
        args.to.as_deref(),
        Utc::now(),
        ["--from", "--to"],
    )
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let config: Config = args.serve.clone().into_config()?;
    let db = crate::database::open(&config).await?;
    let grain = args
        .grain
        .as_deref()
        .and_then(engine::metrics::Grain::parse);
    let result = match grain {
        None if args.attribution => attribution(&db.pool, &args, (from, to))
            .await
            .map(Out::Attribution),
        None => report(&db.pool, &args, (from, to)).await.map(Out::Report),
        Some(grain) => series(&db.pool, &args, (from, to), grain)
            .await
            .map(Out::Series),
    };
    db.pool.close().await;
    if let Some(pg) = db.embedded {
        pg.stop().await?;
    }
    match (result?, args.json) {
        (Out::Report(r), true) => println!("{}", serde_json::to_string_pretty(&r)?),
        (Out::Series(s), true) => println!("{}", serde_json::to_string_pretty(&s)?),
        (Out::Attribution(a), true) => println!("{}", serde_json::to_string_pretty(&a)?),
        (Out::Report(r), false) => print!("{}", table(&r)),
        (Out::Attribution(a), false) => print!("{}", attribution_table(&a)),
        (Out::Series(s), false) => {
            for part in &s.parts {
                print!("{}", lines(&s.scope, (part.from, part.to), &part.figures));
            }
        }
    }
    Ok(())
}

enum Out {
    Report(engine::metrics::Report),
    Attribution(wire::Attribution),
    Series(engine::metrics::Series),
}

fn explain(args: &MetricsArgs, e: engine::Error) -> anyhow::Error {
    match e {
        engine::Error::NotFound => anyhow::anyhow!(
            "{}: no repository synced there that {} may see",
            args.scope,
            args.as_user
        ),
        other => anyhow::anyhow!(other.public_message()),
    }
}

async fn series(
    pool: &sqlx::PgPool,
    args: &MetricsArgs,
    period: (DateTime<Utc>, DateTime<Utc>),
    grain: engine::metrics::Grain,
) -> anyhow::Result<engine::metrics::Series> {
    let user = user_id(pool, &args.as_user).await?;
    engine::metrics::series(pool, user, &args.scope, period, grain)
        .await
        .map_err(|e| explain(args, e))
}

/// `pulseboard settings`: prints a repository's settings as JSON, after changing those
/// given.
pub async fn settings(args: SettingsArgs) -> anyhow::Result<()> {
    let config: Config = args.serve.clone().into_config()?;
    let db = crate::database::open(&config).await?;
    let result = change_settings(&db.pool, &args).await;
    db.pool.close().await;
    if let Some(pg) = db.embedded {
        pg.stop().await?;
    }
    println!("{}", serde_json::to_string_pretty(&result?)?);
    Ok(())
}

async fn change_settings(
    pool: &sqlx::PgPool,
    args: &SettingsArgs,
) -> anyhow::Result<engine::db::settings::RepositorySettings> {
    let user = user_id(pool, &args.as_user).await?;
    let explain = |e: engine::Error| match e {
        engine::Error::NotFound => anyhow::anyhow!(
            "{}: no such repository synced that {} may see",
            args.repository,
            args.as_user
        ),
        engine::Error::Forbidden => anyhow::anyhow!(
            "{}: {} may not change its settings (GitHub's admin or maintain role is needed)",
            args.repository,
            args.as_user
        ),
        other => anyhow::anyhow!(other.public_message()),
    };
    let (_, mut s) = engine::metrics::settings(pool, user, &args.repository)
        .await
        .map_err(explain)?;
    let before = s.clone();
    let change = wire::SettingsChange {
        deployment_source: args.deployment_source.clone(),
        production_environments: args.production_environments.clone(),
        deployment_workflows: args.deployment_workflows.clone(),
        incident_labels: args.incident_labels.clone(),
        incident_window_days: args.incident_window_days,
        revert_failures: args.revert_failures,
        bot_logins: args.bot_logins.clone(),
        bot_title_pattern: args.bot_title_pattern.clone(),
        severity_labels: [
            args.critical_labels.clone(),
            args.high_labels.clone(),
            args.medium_labels.clone(),
            args.low_labels.clone(),
        ],
        sla_hours: args.sla_hours.clone(),
        npm_package: args.npm_package.clone(),
    };
    // The engine's error names the setting (`incident_window_days`), as METRICS.md does.
    s.apply(&change).map_err(|e| match e {
        engine::Error::Invalid(why) => anyhow::anyhow!(why),
        other => anyhow::anyhow!(other.public_message()),
    })?;
    if s != before {
        engine::metrics::change_settings(pool, user, &args.repository, &s)
            .await
            .map_err(explain)?;
    }
    Ok(s)
}

async fn user_id(pool: &sqlx::PgPool, login: &str) -> anyhow::Result<i64> {
    engine::db::users::id_by_login(pool, login)
        .await?
        .ok_or_else(|| anyhow::anyhow!("--as {login}: nobody of that login has signed in"))
}

async fn report(
    pool: &sqlx::PgPool,
    args: &MetricsArgs,
    period: (DateTime<Utc>, DateTime<Utc>),
) -> anyhow::Result<engine::metrics::Report> {
    let user = user_id(pool, &args.as_user).await?;
    let dora_report = match args.dora_report.as_str() {
        "2024" => wire::DoraReport::Y2024,
        _ => wire::DoraReport::Y2023,
    };
    engine::metrics::report(pool, user, &args.scope, period, dora_report)
        .await
        .map_err(|e| explain(args, e))
}

async fn attribution(
    pool: &sqlx::PgPool,
    args: &MetricsArgs,
    period: (DateTime<Utc>, DateTime<Utc>),
) -> anyhow::Result<wire::Attribution> {
    let user = user_id(pool, &args.as_user).await?;
    engine::metrics::attribution(pool, user, &args.scope, period, 1000)
        .await
        .map_err(|e| explain(args, e))
}

/// The deployments, changes and incidents, one line each with why.
fn attribution_table(a: &wire::Attribution) -> String {
    let mut out = format!(
        "{} from {} to {}: {} deployments, {} changes, {} incidents\n",
        a.scope, a.from, a.to, a.totals.0, a.totals.1, a.totals.2
    );
    for d in &a.deployments {
        let changes: Vec<String> = d.changes.iter().map(|n| format!("#{n}")).collect();
        out.push_str(&format!(
            "deployment {} {} {} at {} ({}): changes [{}]{}\n",
            d.repository,
            d.environment,
            &d.sha[..d.sha.len().min(7)],
            d.deployed_at,
            d.source,
            changes.join(", "),
            if d.failures.is_empty() {
                String::new()
            } else {
                format!("; failed: {}", d.failures.join("; "))
            }
        ));
    }
    for c in &a.changes {
        let lead = c
            .lead_time_hours
            .map(|h| format!(", lead time {h:.1} h"))
            .unwrap_or_default();
        out.push_str(&format!(
            "change {}#{} {} ({}{lead}): {}\n",
            c.repository, c.number, c.title, c.status, c.why
        ));
    }
    for i in &a.incidents {
        out.push_str(&format!(
            "incident {}#{} {} ({}): {}\n",
            i.repository, i.number, i.title, i.created_at, i.why
        ));
    }
    out
}

/// The report: its deployment sources, one line a figure, its grades.
fn table(report: &engine::metrics::Report) -> String {
    let mut out = String::new();
    for (repository, source) in &report.deployment_sources {
        out.push_str(&format!("deployments of {repository}: {source}\n"));
    }
    // The report's own times, which the engine wrote (RFC 3339).
    let when = |t: &str| {
        DateTime::parse_from_rfc3339(t)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    };
    out.push_str(&lines(
        &report.scope,
        (when(&report.from), when(&report.to)),
        &report.figures,
    ));
    out.push_str(&grades(report));
    for a in &report.anomalies {
        out.push_str(&format!(
            "anomaly {} in the week of {}: {:.1} against a median of {:.1} (score {:.1})\n",
            a.metric, a.week, a.value, a.baseline, a.score
        ));
    }
    for f in &report.forecasts {
        let weeks: Vec<String> = (0..f.weeks.len())
            .map(|k| {
                format!(
                    "{} {:.1} [{:.1}, {:.1}]",
                    f.weeks[k], f.point[k], f.lower[k], f.upper[k]
                )
            })
            .collect();
        out.push_str(&format!(
            "forecast {} ({}, {:.0} % interval, {} weeks): {}\n",
            f.metric,
            f.model,
            f.level * 100.0,
            f.fitted_on,
            weeks.join("; ")
        ));
    }
    for i in &report.insights {
        out.push_str(&format!("insight: {} ({})\n", i.text, i.link));
    }
    for p in &report.priorities {
        out.push_str(&format!(
            "priority {:.0} {}#{} ({}, {:.0} days open): {} [{}]\n",
            p.score,
            p.repository,
            p.number,
            p.severity.as_deref().unwrap_or("no severity"),
            p.age_days.floor(),
            p.title,
            p.reasons.join(", ")
        ));
    }
    out
}

/// One line a figure: metric (and group), statistic, value with its unit, the previous
/// period's value when there is one, sample, and basis.
fn lines(scope: &str, (from, to): (DateTime<Utc>, DateTime<Utc>), figures: &[Figure]) -> String {
    let mut out = format!(
        "{scope} from {} to {}\n",
        from.date_naive(),
        to.date_naive()
    );
    for f in figures {
        let name = match &f.group {
            Some(g) => format!("{}[{g}]", f.metric),
            None => f.metric.clone(),
        };
        let before = match f.previous {
            Some(p) => format!(
                "(before: {})",
                value(&Figure {
                    value: Some(p),
                    ..f.clone()
                })
            ),
            None => String::new(),
        };
        out.push_str(&format!(
            "{:<36} {:<7} {:>12} {:<22} {:>7}  {}\n",
            name,
            statistic(f),
            value(f),
            before,
            format!("n={}", f.sample),
            basis(&f.basis)
        ));
    }
    out
}

fn grades(report: &engine::metrics::Report) -> String {
    let mut out = String::new();
    for g in &report.grades {
        let level = serde_json::to_value(g.level).unwrap_or_default();
        let year = serde_json::to_value(g.report).unwrap_or_default();
        out.push_str(&format!(
            "grade {:<22} {} (DORA {})\n",
            g.metric,
            level.as_str().unwrap_or_default(),
            year.as_str().unwrap_or_default()
        ));
    }
    out
}

fn statistic(f: &Figure) -> String {
    serde_json::to_value(f.statistic)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn value(f: &Figure) -> String {
    match (f.value, f.unit) {
        (None, _) => "—".into(),
        (Some(v), wire::Unit::Hours) => format!("{v:.1} h"),
        (Some(v), wire::Unit::Ratio) => format!("{:.0} %", v * 100.0),
        (Some(v), wire::Unit::Items) if v.fract() == 0.0 => format!("{v:.0}"),
        (Some(v), wire::Unit::Items) => format!("{v:.2}"),
        (Some(v), wire::Unit::PerWeek) => format!("{v:.2}/week"),
        (Some(v), wire::Unit::PerDay) => format!("{v:.2}/day"),
        (Some(v), wire::Unit::Minutes) => format!("{v:.1} min"),
        (Some(v), wire::Unit::Days) => format!("{v:.1} d"),
        (Some(v), wire::Unit::Lines) => format!("{v:.0} lines"),
        (Some(v), wire::Unit::Files) => format!("{v:.0} files"),
        (Some(v), wire::Unit::Score) => format!("{v:.0}/100"),
    }
}

fn basis(b: &Basis) -> String {
    match b {
        Basis::Measured { source } => format!("measured: {source}"),
        Basis::Proxy {
            source,
            stands_in_for,
        } => format!("proxy: {source}, for {stands_in_for}"),
        Basis::Unavailable { reason } => format!("unavailable: {reason}"),
    }
}
