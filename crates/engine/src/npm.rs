//! npm downloads of the packages repositories publish (METRICS.md, "Growth and
//! community"): read from npm's download counts API (`GET {base}/downloads/range/
//! {start}:{end}/{package}`, public, no token) into `package_downloads`, a day a row.
//!
//! The sync reads a repository's package after its GitHub resources when its settings name
//! one ([`refresh`]): a year back the first time, then from three days before the last day
//! stored (npm revises its newest days), at most once an hour. A failure is recorded in
//! `package_reads` and shown by the metric; it never fails the sync.

use std::time::Duration as StdDuration;

use chrono::{Duration, NaiveDate, Utc};
use serde::Deserialize;
use sqlx::PgPool;

use crate::db;

/// npm's public API.
pub const DEFAULT_URL: &str = "https://api.npmjs.org";

/// A client of npm's download counts API at a base URL (npm's, or the simulator's).
#[derive(Debug, Clone)]
pub struct NpmClient {
    base: String,
    http: reqwest::Client,
}

#[derive(Debug, Deserialize)]
struct Range {
    downloads: Vec<Day>,
}

#[derive(Debug, Deserialize)]
struct Day {
    day: NaiveDate,
    downloads: i64,
}

#[derive(Debug, Deserialize)]
struct NpmError {
    error: String,
}

impl NpmClient {
    /// Errors: [`crate::Error::Invalid`] when the HTTP client cannot be built.
    pub fn new(base: &str) -> crate::Result<Self> {
        let http = reqwest::Client::builder()
            .user_agent(concat!("pulseboard/", env!("CARGO_PKG_VERSION")))
            .timeout(StdDuration::from_secs(30))
            .tcp_nodelay(true)
            .build()
            .map_err(|e| crate::Error::Invalid(format!("npm client: {e}")))?;
        Ok(NpmClient {
            base: base.trim_end_matches('/').to_string(),
            http,
        })
    }

    /// The package's downloads per day over `from..=to` (npm cuts what it does not have).
    ///
    /// Errors: npm's own message (`package x not found`), or the network's, as text.
    pub async fn range(
        &self,
        package: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<(NaiveDate, i64)>, String> {
        let url = format!("{}/downloads/range/{from}:{to}/{package}", self.base);
        let response = self
            .http
            .get(&url)
            .send()
            .await
            .map_err(|e| format!("npm could not be reached: {e}"))?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|e| format!("npm's answer was cut off: {e}"))?;
        if !status.is_success() {
            let said = serde_json::from_slice::<NpmError>(&body)
                .map(|e| e.error)
                .unwrap_or_else(|_| format!("HTTP {status}"));
            return Err(format!("npm: {said}"));
        }
        let range: Range = serde_json::from_slice(&body)
            .map_err(|e| format!("npm's answer could not be read: {e}"))?;
        Ok(range
            .downloads
            .into_iter()
            .filter(|d| d.downloads >= 0)
            .map(|d| (d.day, d.downloads))
            .collect())
    }
}

/// Reads the downloads of the package the repository's settings name, if any and if not
/// read in the last hour (or read under another name); returns the days stored. A failure
/// is kept in `package_reads` (and logged), not returned: npm being down must not fail a
/// GitHub sync.
///
/// Errors: the database's only.
pub async fn refresh(pool: &PgPool, npm: &NpmClient, repository_id: i64) -> crate::Result<usize> {
    let mut conn = pool.acquire().await?;
    let settings = db::settings::get(&mut conn, repository_id).await?;
    drop(conn);
    let Some(package) = settings.npm_package else {
        db::packages::forget(pool, repository_id).await?;
        return Ok(0);
    };
    let read = db::packages::last_read(pool, repository_id).await?;
    let fresh = read
        .as_ref()
        .is_some_and(|(name, at, _, _)| *name == package && Utc::now() - *at < Duration::hours(1));
    if fresh {
        return Ok(0);
    }
    let today = Utc::now().date_naive();
    // npm answers at most 18 months (548 days) at a time.
    let from = match read {
        Some((name, _, _, Some(last))) if name == package => {
            (last - Duration::days(3)).max(today - Duration::days(540))
        }
        _ => today - Duration::days(365),
    };
    match npm.range(&package, from, today).await {
        Ok(days) => {
            db::packages::store(pool, repository_id, &package, &days).await?;
            Ok(days.len())
        }
        Err(error) => {
            tracing::warn!(repository_id, package = %package, error = %error, "npm downloads could not be read");
            db::packages::failed(pool, repository_id, &package, &error).await?;
            Ok(0)
        }
    }
}
