//! `pulseboard metrics`: a repository's metrics with their provenance, as a table or JSON.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use wire::{Basis, Figure};

use crate::config::{Config, MetricsArgs};

fn day(flag: &str, text: &str) -> anyhow::Result<DateTime<Utc>> {
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| anyhow::anyhow!("{flag} {text:?}: a date like 2026-11-30"))?;
    Ok(date.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc())
}

pub async fn run(args: MetricsArgs) -> anyhow::Result<()> {
    let to = match &args.to {
        Some(t) => day("--to", t)?,
        None => (Utc::now() + Duration::days(1))
            .date_naive()
            .and_hms_opt(0, 0, 0)
            .unwrap_or_default()
            .and_utc(),
    };
    let from = match &args.from {
        Some(f) => day("--from", f)?,
        None => to - Duration::days(30),
    };
    let config: Config = args.serve.clone().into_config()?;
    let db = crate::database::open(&config).await?;
    let result = report(&db.pool, &args, (from, to)).await;
    db.pool.close().await;
    if let Some(pg) = db.embedded {
        pg.stop().await?;
    }
    let report = result?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", table(&report));
    }
    Ok(())
}

async fn report(
    pool: &sqlx::PgPool,
    args: &MetricsArgs,
    period: (DateTime<Utc>, DateTime<Utc>),
) -> anyhow::Result<engine::metrics::Report> {
    let user = engine::db::users::id_by_login(pool, &args.as_user)
        .await?
        .ok_or_else(|| {
            anyhow::anyhow!("--as {}: nobody of that login has signed in", args.as_user)
        })?;
    engine::metrics::repository_report(pool, user, &args.scope, period)
        .await
        .map_err(|e| match e {
            engine::Error::NotFound => anyhow::anyhow!(
                "{}: no such repository synced that {} may see",
                args.scope,
                args.as_user
            ),
            other => anyhow::anyhow!(other.public_message()),
        })
}

/// One line a figure: metric, statistic, value with its unit, sample, and basis.
fn table(report: &engine::metrics::Report) -> String {
    let mut out = format!(
        "{} from {} to {}\n",
        report.scope,
        report.from.date_naive(),
        report.to.date_naive()
    );
    for f in &report.figures {
        out.push_str(&format!(
            "{:<28} {:<7} {:>12} {:>6}  {}\n",
            f.metric,
            statistic(f),
            value(f),
            format!("n={}", f.sample),
            basis(&f.basis)
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
        (Some(v), wire::Unit::Items) => format!("{v:.0}"),
        (Some(v), wire::Unit::PerWeek) => format!("{v:.2}/week"),
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
