//! The repositories a person may see and tracks (the home page), and one repository's
//! throughput (the repository page).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::AppResult;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepoSummary {
    pub full_name: String,
    pub description: Option<String>,
    pub private: bool,
    pub permission: String,
    pub tracked: bool,
    /// The repository on GitHub: an http(s) address, or empty.
    pub html_url: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeekPoint {
    /// ISO date of the Monday that starts the week (UTC).
    pub week_start: String,
    pub opened: u32,
    pub merged: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastSync {
    pub status: String,
    pub finished_at: Option<String>,
    #[serde(flatten)]
    pub cost: wire::RunCost,
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepoOverview {
    pub repo: RepoSummary,
    pub weeks: Vec<WeekPoint>,
    pub pull_requests: u32,
    pub merged: u32,
    pub last_sync: Option<LastSync>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tracked {
    pub full_name: String,
    pub pull_requests: u32,
    pub requests: u32,
}

#[server(endpoint = "repositories")]
pub async fn list_repositories(refresh: bool) -> AppResult<Vec<RepoSummary>> {
    let user_id = super::ssr::require_user_id().await?;
    let engine = super::ssr::engine()?;
    let repos = engine
        .visible_repositories(user_id, refresh)
        .await
        .map_err(super::ssr::user_error)?;
    Ok(repos.into_iter().map(summary).collect())
}

#[cfg(feature = "ssr")]
fn summary(r: engine::db::repos::Repository) -> RepoSummary {
    RepoSummary {
        full_name: r.full_name,
        description: r.description,
        private: r.private,
        permission: r.permission,
        tracked: r.tracked,
        // Only a web address becomes a link (GitHub's answer is not trusted to be one).
        html_url: if r.html_url.starts_with("https://") || r.html_url.starts_with("http://") {
            r.html_url
        } else {
            String::new()
        },
    }
}

#[server(endpoint = "track")]
pub async fn track_repository(full_name: String) -> AppResult<Tracked> {
    let user_id = super::ssr::require_user_id().await?;
    let engine = super::ssr::engine()?;
    let report = engine
        .track_and_sync(user_id, &full_name)
        .await
        .map_err(super::ssr::user_error)?;
    Ok(Tracked {
        full_name,
        pull_requests: report.items,
        requests: report.requests,
    })
}

#[server(endpoint = "overview")]
pub async fn repository_overview(full_name: String) -> AppResult<RepoOverview> {
    let user_id = super::ssr::require_user_id().await?;
    let engine = super::ssr::engine()?;
    let o = engine
        .pull_request_throughput(user_id, &full_name)
        .await
        .map_err(super::ssr::user_error)?;
    Ok(RepoOverview {
        pull_requests: o.weeks.iter().map(|w| w.opened).sum(),
        merged: o.weeks.iter().map(|w| w.merged).sum(),
        weeks: o
            .weeks
            .into_iter()
            .map(|w| WeekPoint {
                week_start: w.week_start.to_string(),
                opened: w.opened,
                merged: w.merged,
            })
            .collect(),
        last_sync: o.last_sync.map(|s| LastSync {
            status: s.status,
            finished_at: s
                .finished_at
                .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string()),
            cost: s.cost,
            error: s.error,
        }),
        repo: summary(o.repo),
    })
}

/// The repositories the person follows with their figures over the period the dates
/// name (`YYYY-MM-DD`; empty `from`: twelve weeks before `to`; empty `to`: tomorrow), for
/// the repositories page.
#[server(endpoint = "repository_table")]
pub async fn repository_table(from: String, to: String) -> AppResult<Vec<wire::RepositoryRow>> {
    let user_id = super::ssr::require_user_id().await?;
    let engine = super::ssr::engine()?;
    let period = super::metrics::table_period(&from, &to)?;
    engine
        .repository_table(user_id, period)
        .await
        .map_err(super::ssr::user_error)
}

/// Follows the repositories named (`owner/name`, as the person may see them) and queues
/// their first sync in the background; returns them as GitHub spells them.
#[server(endpoint = "follow", input = leptos::server_fn::codec::Json)]
pub async fn follow_repositories(names: Vec<String>) -> AppResult<Vec<String>> {
    let user_id = super::ssr::require_user_id().await?;
    let engine = super::ssr::engine()?;
    engine
        .follow(user_id, &names)
        .await
        .map_err(super::ssr::user_error)
}
