//! The teams of the person's organisations, each with its report for the teams page.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::AppResult;

/// A team and its numbers over the period: `None` when Pulseboard has read none of its
/// repositories (nobody follows them), with `why`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeamReport {
    pub team: wire::Team,
    /// The team's report, without breakdowns, insights and lists (the overview of the
    /// team's scope has them).
    pub report: Option<wire::Report>,
    pub why: Option<String>,
}

/// Every team of the person's organisations with its report over the period the dates
/// name (`YYYY-MM-DD`, empty for the 30 days up to today), graded by `dora` (`2023` or
/// `2024`).
#[server(endpoint = "teams")]
pub async fn team_reports(from: String, to: String, dora: String) -> AppResult<Vec<TeamReport>> {
    let user_id = super::ssr::require_user_id().await?;
    let engine = super::ssr::engine()?;
    let period = super::metrics::period(&from, &to)?;
    let dora = super::metrics::dora_report(&dora)?;
    let teams = engine
        .teams(user_id)
        .await
        .map_err(super::ssr::user_error)?;
    let mut out = Vec::with_capacity(teams.len());
    for team in teams {
        if team.read.is_empty() {
            let why = if team.repositories.is_empty() {
                "GitHub lists no repository of this team that you may see"
            } else {
                "none of this team's repositories has been read: nobody follows them"
            };
            out.push(TeamReport {
                team,
                report: None,
                why: Some(why.into()),
            });
            continue;
        }
        let report = engine
            .report(user_id, &team.scope(), period, dora)
            .await
            .map_err(super::ssr::user_error)?;
        let mut report = (*report).clone();
        report.figures.retain(|f| f.group.is_none());
        report.anomalies.clear();
        report.forecasts.clear();
        report.insights.clear();
        report.priorities.clear();
        out.push(TeamReport {
            team,
            report: Some(report),
            why: None,
        });
    }
    Ok(out)
}

/// The signed-in person's own repository groups.
#[server(endpoint = "groups")]
pub async fn list_groups() -> AppResult<Vec<wire::RepositoryGroup>> {
    let user_id = super::ssr::require_user_id().await?;
    let engine = super::ssr::engine()?;
    engine.groups(user_id).await.map_err(super::ssr::user_error)
}

/// Creates the group `name`, or replaces its repositories (`owner/name`, each one the
/// person may see).
#[server(endpoint = "save_group")]
pub async fn save_group(
    name: String,
    repositories: Vec<String>,
) -> AppResult<wire::RepositoryGroup> {
    let user_id = super::ssr::require_user_id().await?;
    let engine = super::ssr::engine()?;
    engine
        .save_group(user_id, &name, &repositories)
        .await
        .map_err(super::ssr::user_error)
}

/// Deletes the group `name`.
#[server(endpoint = "delete_group")]
pub async fn delete_group(name: String) -> AppResult<()> {
    let user_id = super::ssr::require_user_id().await?;
    let engine = super::ssr::engine()?;
    engine
        .delete_group(user_id, &name)
        .await
        .map_err(super::ssr::user_error)
}

/// The teams of the person's organisations (as GitHub listed them to the person), without
/// their numbers.
#[server(endpoint = "team_list")]
pub async fn list_teams() -> AppResult<Vec<wire::Team>> {
    let user_id = super::ssr::require_user_id().await?;
    let engine = super::ssr::engine()?;
    engine.teams(user_id).await.map_err(super::ssr::user_error)
}
