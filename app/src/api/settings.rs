//! A repository's settings (METRICS.md, "Settings"): read by anyone who may see it,
//! changed by those GitHub lets administer or maintain it.

// The settings form posts one field per setting, and a server function takes each as an
// argument (the macro's generated twin does not carry an item-level allow).
#![allow(clippy::too_many_arguments)]

use leptos::prelude::*;

use super::AppResult;

/// The settings of `repository` (`owner/name`), the deployment source in use, and
/// whether the signed-in person may change them.
#[server(endpoint = "settings")]
pub async fn repository_settings(repository: String) -> AppResult<wire::SettingsView> {
    let user_id = super::ssr::require_user_id().await?;
    let engine = super::ssr::engine()?;
    engine
        .settings(user_id, &repository)
        .await
        .map_err(super::ssr::user_error)
}

/// Saves the settings form of `repository`: every field replaces its setting. Lists
/// (labels, logins) are comma-separated; `sla_hours` is four hours, comma-separated;
/// `revert_failures` is present (`on`) when checked. Returns the settings after, or a
/// clear error naming the field (nothing is changed then).
#[server(endpoint = "save_settings")]
pub async fn save_repository_settings(
    repository: String,
    deployment_source: String,
    production_environments: String,
    deployment_workflows: String,
    incident_labels: String,
    incident_window_days: String,
    revert_failures: Option<String>,
    bot_logins: String,
    bot_title_pattern: String,
    critical_labels: String,
    high_labels: String,
    medium_labels: String,
    low_labels: String,
    sla_hours: String,
    npm_package: String,
) -> AppResult<wire::SettingsView> {
    let user_id = super::ssr::require_user_id().await?;
    let engine = super::ssr::engine()?;
    let invalid = |why: String| super::ssr::user_error(engine::Error::Invalid(why));
    let list = |text: &str| {
        text.split(',')
            .map(|x| x.trim().to_string())
            .collect::<Vec<_>>()
    };
    let days = incident_window_days.trim().parse::<i32>().map_err(|_| {
        invalid(format!(
            "incident_window_days {incident_window_days:?}: a whole number of days, 1 to 365"
        ))
    })?;
    let hours = sla_hours
        .split(',')
        .map(|h| h.trim().parse::<i32>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| {
            invalid(format!(
                "sla_hours {sla_hours:?}: four whole numbers of hours (critical, high, medium, low), comma-separated"
            ))
        })?;
    let change = wire::SettingsChange {
        deployment_source: Some(deployment_source),
        production_environments: Some(production_environments),
        deployment_workflows: Some(deployment_workflows),
        incident_labels: Some(list(&incident_labels)),
        incident_window_days: Some(days),
        revert_failures: Some(revert_failures.is_some()),
        bot_logins: Some(list(&bot_logins)),
        bot_title_pattern: Some(bot_title_pattern),
        severity_labels: [
            Some(list(&critical_labels)),
            Some(list(&high_labels)),
            Some(list(&medium_labels)),
            Some(list(&low_labels)),
        ],
        sla_hours: Some(hours),
        npm_package: Some(npm_package),
    };
    engine
        .change_settings(user_id, &repository, &change)
        .await
        .map_err(super::ssr::user_error)
}
