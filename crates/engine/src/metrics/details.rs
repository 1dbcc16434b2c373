//! The rows behind a scope's figures that the pages list beside them (METRICS.md, "Open
//! pull requests", "Contributors", "Deployments by environment", "Activity"), for the
//! repositories a scope names that a user may see.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use crate::db::metrics::details;

/// How many rows each list of [`details`] keeps at most.
pub const LIST_LIMIT: usize = 50;

/// A scope's contributors (leaderboard and weekday × hour heatmap), deployments per
/// environment, releases and activity over `[from, to)`, and its pull requests open now,
/// each list cut at [`LIST_LIMIT`].
///
/// Errors: as [`super::report`] (an unknown scope or one the user may not see is
/// [`crate::Error::NotFound`], a bad period [`crate::Error::Invalid`]).
pub async fn details(
    pool: &PgPool,
    user_id: i64,
    scope: &str,
    period: (DateTime<Utc>, DateTime<Utc>),
    now: DateTime<Utc>,
) -> crate::Result<wire::ScopeDetails> {
    super::check_period(period.0, period.1)?;
    let ids: Vec<i64> = super::resolve(pool, user_id, scope)
        .await?
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    details_of(pool, ids, period, now).await
}

/// [`details`] of the repositories `ids` (those a user may see).
pub(crate) async fn details_of(
    pool: &PgPool,
    ids: Vec<i64>,
    period: (DateTime<Utc>, DateTime<Utc>),
    now: DateTime<Utc>,
) -> crate::Result<wire::ScopeDetails> {
    let limit = LIST_LIMIT as i64;
    let (contributors, environments, releases, activity, open_pull_requests) = tokio::try_join!(
        details::contributors(pool, &ids, period, LIST_LIMIT),
        details::environments(pool, &ids, period),
        details::releases(pool, &ids, period, limit),
        details::activity(pool, &ids, period, limit),
        details::open_pull_requests(pool, &ids, now, false, limit),
    )?;
    Ok(wire::ScopeDetails {
        contributors,
        environments,
        releases,
        activity,
        open_pull_requests,
    })
}

/// The pull requests of a scope open at `now` that wait for a first review, longest
/// waiting first, at most `limit` (the overview's list), with how many there are.
///
/// Errors: as [`details`].
pub async fn waiting_for_review(
    pool: &PgPool,
    user_id: i64,
    scope: &str,
    now: DateTime<Utc>,
    limit: usize,
) -> crate::Result<wire::OpenPullRequests> {
    let ids: Vec<i64> = super::resolve(pool, user_id, scope)
        .await?
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    waiting_of(pool, ids, now, limit).await
}

/// [`waiting_for_review`] of the repositories `ids` (those a user may see).
pub(crate) async fn waiting_of(
    pool: &PgPool,
    ids: Vec<i64>,
    now: DateTime<Utc>,
    limit: usize,
) -> crate::Result<wire::OpenPullRequests> {
    Ok(details::open_pull_requests(pool, &ids, now, true, limit as i64).await?)
}
