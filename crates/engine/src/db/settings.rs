//! How each repository's metrics are decided: its deployment source, production
//! environments, incident labels and window, and who counts as a bot (METRICS.md,
//! "Settings"). A repository without a row has the defaults of [`RepositorySettings::default`].

use serde::{Deserialize, Serialize};

use super::Conn;

/// Where a repository's production deployments come from (METRICS.md, "Deployments").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeploymentSource {
    /// GitHub's Deployments API: environments matching the production pattern, status
    /// `success`.
    Deployments,
    /// Successful workflow runs on the default branch whose workflow name or path matches
    /// the deployment workflow pattern.
    WorkflowRuns,
    /// Published releases that are neither drafts nor pre-releases, at their tag's commit.
    Releases,
    /// A proxy: pull requests merged into the default branch, at their merge.
    MergedPullRequests,
}

impl DeploymentSource {
    /// In the order the automatic choice tries them.
    pub const ALL: [DeploymentSource; 4] = [
        DeploymentSource::Deployments,
        DeploymentSource::WorkflowRuns,
        DeploymentSource::Releases,
        DeploymentSource::MergedPullRequests,
    ];

    /// The stored and command-line name.
    pub fn as_str(self) -> &'static str {
        match self {
            DeploymentSource::Deployments => "deployments",
            DeploymentSource::WorkflowRuns => "workflow_runs",
            DeploymentSource::Releases => "releases",
            DeploymentSource::MergedPullRequests => "merged_pull_requests",
        }
    }

    /// The source named `name`, or `None`.
    pub fn parse(name: &str) -> Option<DeploymentSource> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

/// The severities of issues, most severe first (METRICS.md, "Issues").
pub const SEVERITIES: [&str; 4] = ["critical", "high", "medium", "low"];

/// SQL: whether `login` (an SQL expression, may be NULL) is one of the `bot_logins` of the
/// repository `repository_id` (an SQL expression), compared case-insensitively as GitHub
/// compares logins (METRICS.md, "Bots"). The one place that rule is written in SQL.
pub(crate) fn configured_bot_sql(login: &str, repository_id: &str) -> String {
    format!(
        "(lower({login}) = ANY(SELECT lower(b) FROM repository_settings s, unnest(s.bot_logins) b
                             WHERE s.repository_id = {repository_id}))"
    )
}

/// The labels (lower case) that mark each of [`SEVERITIES`] unless a repository says
/// otherwise: the plain word, GitHub's common `severity: x` / `severity/x` and
/// `priority: x` spellings, and the `sevN` / `pN` shorthands.
pub fn default_severity_labels() -> [Vec<String>; 4] {
    SEVERITIES.map(|name| {
        let n = SEVERITIES.iter().position(|s| *s == name).unwrap_or(0);
        vec![
            name.to_string(),
            format!("severity: {name}"),
            format!("severity/{name}"),
            format!("sev{n}"),
            format!("p{n}"),
            format!("priority: {name}"),
        ]
    })
}

/// The resolution SLA of each of [`SEVERITIES`] in hours unless a repository says
/// otherwise: 4 h, 24 h, 72 h, 168 h.
pub const DEFAULT_SLA_HOURS: [i32; 4] = [4, 24, 72, 168];

/// A repository's settings. Patterns are Rust `regex` syntax, matched case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepositorySettings {
    /// `None`: chosen automatically, in [`DeploymentSource::ALL`]'s order, the first that
    /// has any deployment.
    pub deployment_source: Option<DeploymentSource>,
    /// Environments that are production (default `^(prod|production)$`).
    pub production_environments: String,
    /// Workflows (name or path) that deploy (default `deploy`).
    pub deployment_workflows: String,
    /// Labels that make an issue an incident (default `incident`), case-insensitive.
    pub incident_labels: Vec<String>,
    /// How long after a deployment an incident is put on it, in days (default 7).
    pub incident_window_days: i32,
    /// Whether a merged revert of a change fails the deployment that shipped it (default on).
    pub revert_failures: bool,
    /// Logins that are bots besides GitHub's `Bot` accounts and `[bot]` logins.
    pub bot_logins: Vec<String>,
    /// Pull request titles that mark a bot's change (default `^Bump .+ from .+ to .+`);
    /// empty for none.
    pub bot_title_pattern: String,
    /// The labels (matched case-insensitively) that mark each of [`SEVERITIES`]; an issue
    /// takes the most severe that any of its labels marks.
    pub severity_labels: [Vec<String>; 4],
    /// Each severity's resolution SLA in hours, from the opening.
    pub sla_hours: [i32; 4],
    /// The npm package the repository publishes (`name` or `@scope/name`), whose
    /// downloads the sync reads from npm; `None` for none.
    pub npm_package: Option<String>,
}

impl Default for RepositorySettings {
    fn default() -> Self {
        RepositorySettings {
            deployment_source: None,
            production_environments: "^(prod|production)$".into(),
            deployment_workflows: "deploy".into(),
            incident_labels: vec!["incident".into()],
            incident_window_days: 7,
            revert_failures: true,
            bot_logins: Vec::new(),
            bot_title_pattern: "^Bump .+ from .+ to .+".into(),
            severity_labels: default_severity_labels(),
            sla_hours: DEFAULT_SLA_HOURS,
            npm_package: None,
        }
    }
}

/// A pattern of the settings, compiled case-insensitively.
///
/// Errors: [`crate::Error::Invalid`] naming the setting.
pub fn pattern(setting: &str, text: &str) -> crate::Result<regex::Regex> {
    regex::RegexBuilder::new(text)
        .case_insensitive(true)
        .size_limit(1 << 20)
        .build()
        .map_err(|e| crate::Error::Invalid(format!("{setting}: {e}")))
}

impl RepositorySettings {
    /// Applies `change` (each field given replaces the setting; list entries are trimmed
    /// and empty ones dropped), then checks every field ([`Self::validate`]).
    ///
    /// Errors: [`crate::Error::Invalid`] naming the first bad field and why; `self` is
    /// then unspecified.
    pub fn apply(&mut self, change: &wire::SettingsChange) -> crate::Result<()> {
        let list = |v: &Vec<String>| -> Vec<String> {
            v.iter()
                .map(|x| x.trim().to_string())
                .filter(|x| !x.is_empty())
                .collect()
        };
        if let Some(source) = &change.deployment_source {
            self.deployment_source = match source.trim() {
                "auto" | "" => None,
                name => Some(DeploymentSource::parse(name).ok_or_else(|| {
                    crate::Error::Invalid(format!(
                        "deployment_source {name:?}: auto, deployments, workflow_runs, releases or merged_pull_requests"
                    ))
                })?),
            };
        }
        for (field, value) in [
            (
                &mut self.production_environments,
                &change.production_environments,
            ),
            (&mut self.deployment_workflows, &change.deployment_workflows),
            (&mut self.bot_title_pattern, &change.bot_title_pattern),
        ] {
            if let Some(v) = value {
                v.trim().clone_into(field);
            }
        }
        if let Some(labels) = &change.incident_labels {
            self.incident_labels = list(labels);
        }
        if let Some(bots) = &change.bot_logins {
            self.bot_logins = list(bots);
        }
        for (k, labels) in change.severity_labels.iter().enumerate() {
            if let Some(labels) = labels {
                self.severity_labels[k] = list(labels);
            }
        }
        if let Some(name) = &change.npm_package {
            self.npm_package = Some(name.trim().to_string()).filter(|n| !n.is_empty());
        }
        if let Some(hours) = &change.sla_hours {
            self.sla_hours = <[i32; 4]>::try_from(hours.as_slice()).map_err(|_| {
                crate::Error::Invalid(format!(
                    "sla_hours: four hours are needed (critical, high, medium, low), not {}",
                    hours.len()
                ))
            })?;
        }
        if let Some(days) = change.incident_window_days {
            self.incident_window_days = days;
        }
        if let Some(on) = change.revert_failures {
            self.revert_failures = on;
        }
        self.validate()
    }

    /// Every setting as a change that would set it (what a settings form starts from).
    pub fn as_change(&self) -> wire::SettingsChange {
        wire::SettingsChange {
            deployment_source: Some(
                self.deployment_source
                    .map_or("auto", DeploymentSource::as_str)
                    .to_string(),
            ),
            production_environments: Some(self.production_environments.clone()),
            deployment_workflows: Some(self.deployment_workflows.clone()),
            incident_labels: Some(self.incident_labels.clone()),
            incident_window_days: Some(self.incident_window_days),
            revert_failures: Some(self.revert_failures),
            bot_logins: Some(self.bot_logins.clone()),
            bot_title_pattern: Some(self.bot_title_pattern.clone()),
            severity_labels: self.severity_labels.clone().map(Some),
            sla_hours: Some(self.sla_hours.to_vec()),
            npm_package: Some(self.npm_package.clone().unwrap_or_default()),
        }
    }

    /// Checks every field.
    ///
    /// Errors: [`crate::Error::Invalid`] naming the first bad field and why.
    pub fn validate(&self) -> crate::Result<()> {
        pattern("production_environments", &self.production_environments)?;
        pattern("deployment_workflows", &self.deployment_workflows)?;
        pattern("bot_title_pattern", &self.bot_title_pattern)?;
        if !(1..=365).contains(&self.incident_window_days) {
            return Err(crate::Error::Invalid(format!(
                "incident_window_days: {} is not between 1 and 365",
                self.incident_window_days
            )));
        }
        for (k, hours) in self.sla_hours.iter().enumerate() {
            if !(1..=24 * 365).contains(hours) {
                return Err(crate::Error::Invalid(format!(
                    "sla_hours: {} has {hours} h, not between 1 and 8760",
                    SEVERITIES[k]
                )));
            }
        }
        if self
            .severity_labels
            .iter()
            .flatten()
            .any(|l| l.trim().is_empty())
        {
            return Err(crate::Error::Invalid(
                "severity_labels: a label is empty".into(),
            ));
        }
        if let Some(name) = &self.npm_package {
            if !npm_name(name) {
                return Err(crate::Error::Invalid(format!(
                    "npm_package: {name:?} is not an npm package name (lower case letters, digits, - . _ ~, at most 214 characters, optionally @scope/ first)"
                )));
            }
        }
        if self.incident_labels.iter().any(|l| l.trim().is_empty()) {
            return Err(crate::Error::Invalid(
                "incident_labels: a label is empty".into(),
            ));
        }
        Ok(())
    }
}

/// npm's rule for package names (npm's `validate-npm-package-name`, for new packages):
/// at most 214 characters of lower-case letters, digits and `-._~`, not starting with `.`
/// or `_`, optionally scoped as `@scope/name`.
fn npm_name(name: &str) -> bool {
    let part_ok = |part: &str| {
        !part.is_empty()
            && !part.starts_with('.')
            && !part.starts_with('_')
            && part
                .bytes()
                .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~'))
    };
    if name.len() > 214 {
        return false;
    }
    match name.strip_prefix('@').map(|s| s.split_once('/')) {
        Some(Some((scope, rest))) => part_ok(scope) && part_ok(rest),
        Some(None) => false,
        None => part_ok(name),
    }
}

type SettingsRow = (
    Option<String>,
    String,
    String,
    Vec<String>,
    i32,
    bool,
    Vec<String>,
    String,
    Option<sqlx::types::Json<[Vec<String>; 4]>>,
    Option<Vec<i32>>,
    Option<String>,
);

/// A repository's settings, or the defaults when it has none.
pub async fn get(conn: &mut Conn, repository_id: i64) -> Result<RepositorySettings, sqlx::Error> {
    let row: Option<SettingsRow> = sqlx::query_as(
        "SELECT deployment_source, production_environments, deployment_workflows,
                incident_labels, incident_window_days, revert_failures, bot_logins,
                bot_title_pattern, severity_labels, sla_hours, npm_package
           FROM repository_settings WHERE repository_id = $1",
    )
    .bind(repository_id)
    .fetch_optional(conn)
    .await?;
    Ok(match row {
        None => RepositorySettings::default(),
        Some((
            source,
            environments,
            workflows,
            labels,
            window,
            reverts,
            bots,
            titles,
            severities,
            slas,
            npm_package,
        )) => {
            let defaults = RepositorySettings::default();
            RepositorySettings {
                npm_package,
                severity_labels: severities.map_or(defaults.severity_labels, |j| j.0),
                sla_hours: slas
                    .and_then(|v| <[i32; 4]>::try_from(v).ok())
                    .unwrap_or(defaults.sla_hours),
                deployment_source: source.as_deref().and_then(DeploymentSource::parse),
                production_environments: environments,
                deployment_workflows: workflows,
                incident_labels: labels,
                incident_window_days: window,
                revert_failures: reverts,
                bot_logins: bots,
                bot_title_pattern: titles,
            }
        }
    })
}

/// Stores a repository's settings (validated first).
///
/// Errors: [`crate::Error::Invalid`] from [`RepositorySettings::validate`].
pub async fn set(conn: &mut Conn, repository_id: i64, s: &RepositorySettings) -> crate::Result<()> {
    s.validate()?;
    sqlx::query(
        "INSERT INTO repository_settings (repository_id, deployment_source,
                production_environments, deployment_workflows, incident_labels,
                incident_window_days, revert_failures, bot_logins, bot_title_pattern,
                severity_labels, sla_hours, npm_package)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         ON CONFLICT (repository_id) DO UPDATE SET
                deployment_source = EXCLUDED.deployment_source,
                production_environments = EXCLUDED.production_environments,
                deployment_workflows = EXCLUDED.deployment_workflows,
                incident_labels = EXCLUDED.incident_labels,
                incident_window_days = EXCLUDED.incident_window_days,
                revert_failures = EXCLUDED.revert_failures,
                bot_logins = EXCLUDED.bot_logins,
                bot_title_pattern = EXCLUDED.bot_title_pattern,
                severity_labels = EXCLUDED.severity_labels,
                sla_hours = EXCLUDED.sla_hours,
                npm_package = EXCLUDED.npm_package,
                updated_at = now()",
    )
    .bind(repository_id)
    .bind(s.deployment_source.map(DeploymentSource::as_str))
    .bind(&s.production_environments)
    .bind(&s.deployment_workflows)
    .bind(&s.incident_labels)
    .bind(s.incident_window_days)
    .bind(s.revert_failures)
    .bind(&s.bot_logins)
    .bind(&s.bot_title_pattern)
    .bind(sqlx::types::Json(&s.severity_labels))
    .bind(&s.sla_hours[..])
    .bind(&s.npm_package)
    .execute(conn)
    .await?;
    Ok(())
}
