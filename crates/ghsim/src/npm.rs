//! npm's download counts API (`api.npmjs.org`, described in npm's registry docs,
//! `download-counts.md`) for the packages the world's repositories publish:
//!
//! - `GET /downloads/point/{period}/{package}`:
//!   `{"downloads": 1234, "start": "YYYY-MM-DD", "end": "YYYY-MM-DD", "package": "…"}`;
//! - `GET /downloads/range/{period}/{package}`:
//!   `{"downloads": [{"downloads": 12, "day": "YYYY-MM-DD"}, …], "start", "end", "package"}`.
//!
//! `period` is `last-day`, `last-week` (7 days), `last-month` (30 days), `last-year`
//! (365 days), a day `YYYY-MM-DD`, or `YYYY-MM-DD:YYYY-MM-DD`. The last day npm knows is
//! yesterday (UTC); a range may span at most 18 months (548 days) and reach back 18 months.
//! Errors are npm's: `404 {"error": "package NAME not found"}`, `400 {"error": "…"}`. No
//! authentication and no GitHub rate limit.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::{Duration, NaiveDate};
use serde_json::json;

use crate::server::Simulator;

/// The longest range npm answers, in days (18 months).
pub const MAX_RANGE_DAYS: i64 = 548;

pub fn routes() -> Router<Arc<Simulator>> {
    Router::new()
        .route("/downloads/point/{period}/{*package}", get(point))
        .route("/downloads/range/{period}/{*package}", get(range))
}

/// Whether `name` is a valid npm package name: lower case, at most 214 characters, of
/// URL-safe characters, optionally `@scope/` first.
pub fn valid_name(name: &str) -> bool {
    let plain = |s: &str| {
        !s.is_empty()
            && !s.starts_with(['.', '_'])
            && s.chars().all(|c| {
                c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '.' | '_' | '~')
            })
    };
    name.len() <= 214
        && match name.strip_prefix('@') {
            Some(scoped) => scoped
                .split_once('/')
                .is_some_and(|(scope, rest)| plain(scope) && plain(rest)),
            None => plain(name),
        }
}

fn error(status: StatusCode, message: String) -> Response {
    (status, axum::Json(json!({ "error": message }))).into_response()
}

/// The days `period` names, or npm's error.
fn days(period: &str, last: NaiveDate) -> Result<(NaiveDate, NaiveDate), String> {
    let back = |n: i64| (last - Duration::days(n - 1), last);
    let (start, end) = match period {
        "last-day" => back(1),
        "last-week" => back(7),
        "last-month" => back(30),
        "last-year" => back(365),
        other => {
            let date = |s: &str| {
                NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| format!("Invalid date: {s}"))
            };
            match other.split_once(':') {
                Some((a, b)) => (date(a)?, date(b)?),
                None => (date(other)?, date(other)?),
            }
        }
    };
    if end < start {
        return Err("end date > start date".into());
    }
    if (end - start).num_days() + 1 > MAX_RANGE_DAYS {
        return Err(format!(
            "range of dates is too long: a range may span at most {MAX_RANGE_DAYS} days"
        ));
    }
    // npm keeps 18 months; what is older is cut, what is newer does not exist yet.
    let oldest = last - Duration::days(MAX_RANGE_DAYS - 1);
    Ok((start.max(oldest), end.min(last)))
}

/// The package's daily downloads over the period: (start, end, [(day, downloads)]).
#[allow(clippy::type_complexity)]
fn lookup(
    sim: &Simulator,
    period: &str,
    package: &str,
) -> Result<(NaiveDate, NaiveDate, Vec<(NaiveDate, u64)>), (StatusCode, String)> {
    let world = sim.world.read().unwrap_or_else(|e| e.into_inner());
    let last = (world.now - Duration::days(1)).date_naive();
    let found = world
        .repos
        .iter()
        .filter_map(|r| r.package.as_ref())
        .find(|p| p.name == package)
        .ok_or_else(|| {
            (
                StatusCode::NOT_FOUND,
                format!("package {package} not found"),
            )
        })?;
    let (start, end) = days(period, last).map_err(|m| (StatusCode::BAD_REQUEST, m))?;
    let mut daily = Vec::new();
    let mut day = start;
    while day <= end {
        daily.push((day, found.on(day)));
        day += Duration::days(1);
    }
    Ok((start, end, daily))
}

async fn point(
    State(sim): State<Arc<Simulator>>,
    Path((period, package)): Path<(String, String)>,
) -> Response {
    match lookup(&sim, &period, &package) {
        Ok((start, end, daily)) => axum::Json(json!({
            "downloads": daily.iter().map(|(_, n)| n).sum::<u64>(),
            "start": start.to_string(),
            "end": end.to_string(),
            "package": package,
        }))
        .into_response(),
        Err((status, message)) => error(status, message),
    }
}

async fn range(
    State(sim): State<Arc<Simulator>>,
    Path((period, package)): Path<(String, String)>,
) -> Response {
    match lookup(&sim, &period, &package) {
        Ok((start, end, daily)) => axum::Json(json!({
            "downloads": daily
                .iter()
                .map(|(day, n)| json!({ "downloads": n, "day": day.to_string() }))
                .collect::<Vec<_>>(),
            "start": start.to_string(),
            "end": end.to_string(),
            "package": package,
        }))
        .into_response(),
        Err((status, message)) => error(status, message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_periods_are_read_as_npm_reads_them() {
        assert!(valid_name("express"));
        assert!(valid_name("@acme/api"));
        assert!(!valid_name("Express"));
        assert!(!valid_name("@acme"));
        assert!(!valid_name(".hidden"));
        let last = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(days("last-week", last), Ok((d("2026-02-23"), last)));
        assert_eq!(days("last-day", last), Ok((last, last)));
        assert_eq!(
            days("2026-02-01:2026-02-07", last),
            Ok((d("2026-02-01"), d("2026-02-07")))
        );
        // Beyond yesterday is cut.
        assert_eq!(
            days("2026-02-25:2026-03-09", last),
            Ok((d("2026-02-25"), last))
        );
        assert!(days("2026-02-07:2026-02-01", last).is_err());
        assert!(days("2024-01-01:2026-02-01", last).is_err());
        assert!(days("yesterday", last).is_err());
    }
}
