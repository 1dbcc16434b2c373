//! The types that cross between the server and the browser: defined once, compiled into
//! the engine (which builds them), the server (which sends them) and the WASM app (which
//! reads them), so a change on one side that the other cannot read does not compile.

use serde::{Deserialize, Serialize};

/// A page of sync progress, as `/api/sync/events` streams it and the sync page draws it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveProgress {
    /// `owner/name`.
    pub repository: String,
    /// The resource's stored name (`pull_requests`, `issues`, …).
    pub resource: String,
    /// Items stored so far; in a `ready` event, the items the whole sync stored, rows written
    /// again unchanged included (resources listed whole count every time), so 0 means
    /// GitHub listed nothing, not that nothing changed: a reconciliation may still have
    /// removed rows.
    pub items: u32,
    /// Pages read so far.
    pub pages: u32,
    /// Items GitHub says the resource has, when it says so.
    pub total: Option<u64>,
    /// GitHub's rate limit left on the token the sync spends; sent only to its owner.
    pub rate_remaining: Option<u32>,
    /// Seconds to go at this resource's pace so far, when the total is known.
    pub eta_secs: Option<u64>,
    pub done: bool,
    /// The repository's sync ended and its numbers are current (every resource read, the
    /// derived facts and rollups rebuilt): pages showing it refresh. Sent once per
    /// repository sync with `resource` empty; not a resource's progress.
    #[serde(default)]
    pub ready: bool,
}

/// What one sync run of one resource read and what it cost in GitHub's rate limit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct RunCost {
    pub items: i32,
    pub pages: i32,
    pub requests: i32,
    /// Requests GitHub answered 304 Not Modified: free.
    pub not_modified: i32,
    /// Rate-limit points spent.
    pub points: i32,
    pub retries: i32,
}

/// How a number was obtained. Every number Pulseboard shows carries one, so that nobody
/// takes a stand-in or a gap for a measurement (METRICS.md, "Provenance").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "basis", rename_all = "snake_case")]
pub enum Basis {
    /// Measured from the source the metric is defined on, which `source` names.
    Measured { source: String },
    /// Measured from a stand-in: `source` is what was used, `stands_in_for` what the
    /// definition asks for.
    Proxy {
        source: String,
        stands_in_for: String,
    },
    /// Not available, and why, in words a person can act on.
    Unavailable { reason: String },
}

/// The statistic a value is, as METRICS.md names it for each metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Statistic {
    Count,
    Median,
    P75,
    P90,
    P95,
    /// A sum over the sample (hours lost to failed runs).
    Total,
    /// The arithmetic mean: a total over the sample's size.
    Mean,
    /// A share of the sample, between 0 and 1.
    Ratio,
    /// A count per unit of time.
    Rate,
}

impl Statistic {
    /// The statistic's name as METRICS.md and the JSON spell it (`median`).
    pub fn key(self) -> &'static str {
        match self {
            Statistic::Count => "count",
            Statistic::Median => "median",
            Statistic::P75 => "p75",
            Statistic::P90 => "p90",
            Statistic::P95 => "p95",
            Statistic::Total => "total",
            Statistic::Mean => "mean",
            Statistic::Ratio => "ratio",
            Statistic::Rate => "rate",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Items,
    Minutes,
    Hours,
    Days,
    Ratio,
    PerWeek,
    PerDay,
    /// Lines changed (additions + deletions).
    Lines,
    Files,
    /// A score from 0 to 100.
    Score,
}

/// One number with its provenance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Figure {
    /// The metric's name in METRICS.md (`pull_request_cycle_time`).
    pub metric: String,
    /// The part of a breakdown this figure is, when it is one: a size bucket (`xs`), a
    /// severity (`critical`), a workflow's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    pub statistic: Statistic,
    pub unit: Unit,
    /// None exactly when the basis is `Unavailable`: "no data" is never shown as 0.
    pub value: Option<f64>,
    /// How many items the value rests on.
    pub sample: u64,
    #[serde(flatten)]
    pub basis: Basis,
    /// The same figure over the period of the same length just before (a trend's
    /// baseline); `None` when it had no value there or was not asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<f64>,
}

/// A DORA performance level (METRICS.md, "Grades").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Low,
    Medium,
    High,
    Elite,
}

/// The State of DevOps report whose performance levels grade the four keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum DoraReport {
    /// Accelerate State of DevOps Report 2023 (the default).
    #[default]
    #[serde(rename = "2023")]
    Y2023,
    /// Accelerate State of DevOps Report 2024.
    #[serde(rename = "2024")]
    Y2024,
}

/// One key's level, on the figure it grades (its `metric` and statistic).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Grade {
    pub metric: String,
    pub level: Level,
    pub report: DoraReport,
}

/// A week whose value is far from the weeks before it (METRICS.md, "Anomalies").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Anomaly {
    /// The weekly series (`pull_requests_merged`, `pull_request_cycle_time`, …).
    pub metric: String,
    /// The week's Monday, `YYYY-MM-DD` (UTC).
    pub week: String,
    pub value: f64,
    /// The median of the 12 weeks before.
    pub baseline: f64,
    /// The modified z-score: 0.6745 · (value − baseline) ÷ MAD.
    pub score: f64,
}

/// The next weeks of a weekly series, with an interval (METRICS.md, "Forecasts").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Forecast {
    pub metric: String,
    /// The model chosen, as `AutoETS` names it (`ANN`: additive errors, no trend, …).
    pub model: String,
    /// The prediction interval's level (0.8).
    pub level: f64,
    /// The weeks' Mondays (`YYYY-MM-DD`), the point forecasts and the interval.
    pub weeks: Vec<String>,
    pub point: Vec<f64>,
    pub lower: Vec<f64>,
    pub upper: Vec<f64>,
    /// How many weeks it was fitted on.
    pub fitted_on: u64,
}

/// What lies behind DORA's four keys for a scope and period, any point of any series
/// being a period (METRICS.md, "Attribution"): the production deployments, the changes
/// and the incidents, each with why it counts where it does. Times are RFC 3339 (UTC).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attribution {
    pub scope: String,
    pub from: String,
    pub to: String,
    /// Production deployments that succeeded in the period, newest first.
    pub deployments: Vec<AttributedDeployment>,
    /// Changes (pull requests into the default branch) merged or deployed in the period,
    /// newest first.
    pub changes: Vec<AttributedChange>,
    /// Incidents opened in the period, newest first.
    pub incidents: Vec<AttributedIncident>,
    /// How many there were before `limit` cut the lists: deployments, changes, incidents.
    pub totals: (u64, u64, u64),
}

/// One production deployment: where it came from and what failed it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttributedDeployment {
    /// `owner/name`.
    pub repository: String,
    pub environment: String,
    pub sha: String,
    pub deployed_at: String,
    /// The deployment source's name (`deployments`, `workflow_runs`, …).
    pub source: String,
    /// The changes that first went out in it (numbers).
    pub changes: Vec<i64>,
    /// Why it counts as failed, one sentence a cause; empty when it did not fail.
    pub failures: Vec<String>,
}

/// One change and which deployment it went out in, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttributedChange {
    pub repository: String,
    pub number: i64,
    pub title: String,
    pub author: Option<String>,
    pub first_commit_at: Option<String>,
    pub merged_at: String,
    /// `deployed`, `pending`, `before_first_deployment`, `not_on_default_branch`,
    /// `no_deployments` (its repository has none yet), or `bot` (left out of lead time).
    pub status: String,
    /// The first production deployment containing it: (environment, sha, deployed at).
    pub deployment: Option<(String, String, String)>,
    /// First commit to that deployment, hours.
    pub lead_time_hours: Option<f64>,
    pub why: String,
}

/// One incident and the deployment it was put on, or why none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttributedIncident {
    pub repository: String,
    pub number: i64,
    pub title: String,
    pub created_at: String,
    pub closed_at: Option<String>,
    /// The deployment it failed: (environment, sha, deployed at).
    pub deployment: Option<(String, String, String)>,
    pub why: String,
}

/// An open issue ranked by its priority score (METRICS.md, "Issue priority").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PriorityIssue {
    /// `owner/name`.
    pub repository: String,
    pub number: i64,
    pub title: String,
    /// 0-100, higher first.
    pub score: f64,
    /// `critical`, `high`, `medium`, `low`, or `None` when no label marks one.
    pub severity: Option<String>,
    /// Days open at the period's end (or now, if sooner).
    pub age_days: f64,
    /// The formula's terms that made the score (`"severity high +45"`, …).
    pub reasons: Vec<String>,
}

/// A sentence about the numbers, from a rule (METRICS.md, "Insights"), naming the
/// figures it rests on and where to look.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Insight {
    /// The rule that made it (`trend`, `anomaly`, `proxy`, `sla`, `pending`).
    pub rule: String,
    pub text: String,
    /// The metric to drill into.
    pub metric: String,
    /// `(name, value)` of each number it names.
    pub numbers: Vec<(String, f64)>,
    /// Where the drill-down is: a path with the scope, the metric and the period.
    pub link: String,
}

/// Every metric of a scope over a period with its provenance: what `pulseboard metrics
/// --json` prints and the pages show (`engine::metrics::report` builds it; METRICS.md
/// names every field and figure). Times are RFC 3339 (UTC).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The scope as asked (`owner/name`, `org:acme`, `team:acme/platform`, `tracked`).
    pub scope: String,
    /// The repositories it covers, `owner/name`.
    pub repositories: Vec<String>,
    /// The period, `[from, to)`.
    pub from: String,
    pub to: String,
    /// Each repository's deployment source (METRICS.md, "Deployments"): `owner/name` to
    /// the source's name, or to `none` when it has no deployment and no merge yet.
    pub deployment_sources: Vec<(String, String)>,
    pub figures: Vec<Figure>,
    /// The four keys' levels by the chosen report's performance levels.
    pub grades: Vec<Grade>,
    /// Weeks of the period far from the weeks before them.
    pub anomalies: Vec<Anomaly>,
    /// The next weeks of throughput, lead time and stars.
    pub forecasts: Vec<Forecast>,
    /// Sentences from rules over all of the above.
    pub insights: Vec<Insight>,
    /// The open issues to look at first, highest priority score first.
    pub priorities: Vec<PriorityIssue>,
}

impl Report {
    /// The figure of a metric and statistic, over the whole scope (no group).
    pub fn figure(&self, metric: &str, statistic: Statistic) -> Option<&Figure> {
        self.figures
            .iter()
            .find(|f| f.metric == metric && f.statistic == statistic && f.group.is_none())
    }

    /// The grade of a key, when graded.
    pub fn grade(&self, metric: &str) -> Option<&Grade> {
        self.grades.iter().find(|g| g.metric == metric)
    }
}

/// A GitHub team of an organisation the person belongs to: who is in it and which
/// repositories it has (those the person may see), and which of them Pulseboard has read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct Team {
    /// The organisation's login.
    pub organization: String,
    pub slug: String,
    pub name: String,
    pub description: Option<String>,
    /// Members' logins.
    pub members: Vec<String>,
    /// The team's repositories the person may see, `owner/name`.
    pub repositories: Vec<String>,
    /// Those of them Pulseboard has read (synced, so they have rows): the team's numbers
    /// rest on these.
    pub read: Vec<String>,
}

impl Team {
    /// The team as a scope of reports (`team:ORG/SLUG`).
    pub fn scope(&self) -> String {
        team_scope(&self.organization, &self.slug)
    }
}

/// A team as a scope of reports: `team:ORG/SLUG`.
pub fn team_scope(organization: &str, slug: &str) -> String {
    format!("team:{organization}/{slug}")
}

/// A user's group as a scope of reports: `group:NAME`.
pub fn group_scope(name: &str) -> String {
    format!("group:{name}")
}

/// One followed repository as the repositories table shows it: what GitHub says of it,
/// its figures over the table's period, its weekly merges and how it is kept fresh.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RepositoryRow {
    /// `owner/name`.
    pub full_name: String,
    pub description: Option<String>,
    /// GitHub's main language, when it names one.
    pub language: Option<String>,
    pub topics: Vec<String>,
    pub private: bool,
    pub archived: bool,
    /// GitHub's `stargazers_count` when the repository was last read.
    pub stars: u64,
    /// Whether Pulseboard has read the repository yet (a sync run of it finished); before,
    /// it has no figures and no weekly merges: nothing to show, not zeros.
    pub read: bool,
    /// `health_score` (mean), `pull_requests_merged`, `pull_requests_open` and
    /// `issue_backlog` (counts) of the repository's report over the period, with their
    /// provenance (METRICS.md).
    pub figures: Vec<Figure>,
    /// `pull_requests_merged` per ISO week of the period (a week cut by the period's ends
    /// counts only its part), oldest first: the week's start (`YYYY-MM-DD`) and its count,
    /// `None` where unavailable.
    pub weekly_merged: Vec<(String, Option<f64>)>,
    /// How the repository is kept fresh: `polling` (GitHub is asked for changes on a
    /// schedule; webhooks are not received yet).
    pub sync_mode: String,
    /// When its newest sync run finished (RFC 3339) and how (`succeeded`, `failed`, …);
    /// `None` before its first.
    pub last_synced: Option<(String, String)>,
}

impl RepositoryRow {
    /// The row's figure of a metric (no group).
    pub fn figure(&self, metric: &str) -> Option<&Figure> {
        self.figures
            .iter()
            .find(|f| f.metric == metric && f.group.is_none())
    }
}

/// DORA's four keys of a scope for each part of a period (the DORA page's chart), graded
/// part by part; any part's deployments, changes and incidents are its [`Attribution`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DoraSeries {
    pub scope: String,
    /// `day`, `week` (ISO, from Monday) or `month`; parts are UTC and cut at the period's
    /// ends.
    pub grain: String,
    pub report: DoraReport,
    /// Each repository's deployment source, as in [`Report::deployment_sources`].
    pub deployment_sources: Vec<(String, String)>,
    /// The report's performance levels of each key, as value ranges.
    pub bands: Vec<GradeBand>,
    pub parts: Vec<DoraPart>,
}

/// One performance level of a DORA key as a value range `[from, to)` in the key's unit
/// (`to` `None`: no upper end).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GradeBand {
    pub metric: String,
    pub level: Level,
    pub from: f64,
    pub to: Option<f64>,
}

/// One part of a [`DoraSeries`]: its period `[from, to)` (RFC 3339), the four keys'
/// figures and their grades.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DoraPart {
    pub from: String,
    pub to: String,
    pub figures: Vec<Figure>,
    pub grades: Vec<Grade>,
}

/// One metric of a scope for each part of a period (a metric's page, where the insights
/// link): in each part its figures, every statistic and group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricSeries {
    pub scope: String,
    /// The metric's name in METRICS.md.
    pub metric: String,
    /// `day`, `week` or `month`.
    pub grain: String,
    pub parts: Vec<MetricPart>,
}

/// One part of a [`MetricSeries`]: its period `[from, to)` (RFC 3339) and figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricPart {
    pub from: String,
    pub to: String,
    pub figures: Vec<Figure>,
}

/// One statistic of one metric per part of a period, as a chart draws it: the figures of a
/// [`MetricSeries`] with what its parts share said once (their metric, statistic, unit and
/// commonest basis), so that a page carrying a year of weeks stays small. Nothing is lost:
/// a part whose basis differs carries its own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChartSeries {
    /// The metric's name in METRICS.md.
    pub metric: String,
    pub statistic: Statistic,
    pub unit: Unit,
    /// The basis most parts have (ties: the earliest part's); a part with another carries
    /// it in [`ChartPoint::basis`].
    #[serde(flatten)]
    pub basis: Basis,
    pub points: Vec<ChartPoint>,
}

/// One part of a [`ChartSeries`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChartPoint {
    /// The part's start (RFC 3339, UTC); it ends where the next one starts, or at the
    /// period's end.
    pub from: String,
    /// `None` exactly when the part's basis is `Unavailable`.
    pub value: Option<f64>,
    /// How many items the value rests on.
    pub sample: u64,
    /// The part's basis when it is not the series' (`None`: the series' basis).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basis: Option<Basis>,
}

impl ChartSeries {
    /// The figures of `series` with `statistic` and no group, one point per part (a part
    /// without such a figure is unavailable: "not computed for this part").
    pub fn new(series: &MetricSeries, statistic: Statistic) -> Self {
        let missing = || Basis::Unavailable {
            reason: format!(
                "no {} of {} computed for this part",
                statistic.key(),
                series.metric
            ),
        };
        let parts: Vec<(&MetricPart, Option<&Figure>)> = series
            .parts
            .iter()
            .map(|p| {
                let f = p
                    .figures
                    .iter()
                    .find(|f| f.statistic == statistic && f.group.is_none());
                (p, f)
            })
            .collect();
        let bases: Vec<Basis> = parts
            .iter()
            .map(|(_, f)| f.map(|f| f.basis.clone()).unwrap_or_else(missing))
            .collect();
        let mut commonest: Option<(&Basis, usize)> = None;
        for b in &bases {
            let n = bases.iter().filter(|x| *x == b).count();
            if commonest.is_none_or(|(_, m)| n > m) {
                commonest = Some((b, n));
            }
        }
        let basis = commonest.map(|(b, _)| b.clone()).unwrap_or_else(missing);
        let unit = parts
            .iter()
            .find_map(|(_, f)| f.map(|f| f.unit))
            .unwrap_or(Unit::Items);
        let points = parts
            .iter()
            .zip(bases)
            .map(|((p, f), b)| ChartPoint {
                from: p.from.clone(),
                value: f.and_then(|f| f.value),
                sample: f.map_or(0, |f| f.sample),
                basis: (b != basis).then_some(b),
            })
            .collect();
        ChartSeries {
            metric: series.metric.clone(),
            statistic,
            unit,
            basis,
            points,
        }
    }
}

/// A pull request open now, where it stands (METRICS.md, "Open pull requests"): the
/// overview's "waiting for review" and a repository's slowest open pull requests.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct OpenPullRequest {
    /// `owner/name`.
    pub repository: String,
    pub number: i32,
    pub title: String,
    pub author: Option<String>,
    /// `draft`, `waiting_for_review` (ready, no response by someone else yet),
    /// `in_review` (a response, no approval) or `approved`.
    pub stage: String,
    /// When it was opened (RFC 3339).
    pub opened_at: String,
    /// Hours since it was opened.
    pub age_hours: f64,
    /// Hours in its stage so far: since ready for review when waiting, since the first
    /// response in review, since the approval when approved, since opening as a draft.
    pub stage_hours: f64,
    /// Lines added and deleted, when GitHub gave them.
    pub lines_changed: Option<i32>,
}

/// Open pull requests of a scope, oldest first, cut at a limit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpenPullRequests {
    /// How many there are in all (the list may be cut).
    pub total: i64,
    pub list: Vec<OpenPullRequest>,
}

/// A person's part in a period (METRICS.md, "Contributors"): commits authored on the
/// default branch, pull requests merged, reviews given on others' pull requests.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contributor {
    /// GitHub login, else the commit's author name.
    pub who: String,
    pub commits: i64,
    pub pull_requests_merged: i64,
    pub reviews: i64,
}

/// Who did the work of a scope in a period and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contributors {
    /// Most commits first, then merges, reviews and name; cut at a limit.
    pub leaderboard: Vec<Contributor>,
    /// How many people there are in all (the leaderboard may be cut).
    pub total: i64,
    /// Commits by people authored in the period by UTC weekday (0 Monday … 6 Sunday) and
    /// hour (0-23): `heatmap[weekday][hour]`.
    pub heatmap: Vec<Vec<i64>>,
}

/// Deployments of one environment of one repository in a period (METRICS.md,
/// "Deployments by environment").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct EnvironmentDeployments {
    /// `owner/name`.
    pub repository: String,
    pub environment: String,
    /// Whether the repository's deployment source counts it as production.
    pub production: bool,
    /// GitHub deployments created in the period.
    pub deployments: i64,
    /// Of them, those with a `success` status.
    pub succeeded: i64,
    /// Of them, those whose latest status is `failure` or `error`; `None` for a
    /// source other than GitHub's Deployments (its rows have no status).
    pub failed: Option<i64>,
    /// The latest success in the period (RFC 3339).
    pub last_success: Option<String>,
}

/// A published release (not a draft).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct ReleaseRow {
    /// `owner/name`.
    pub repository: String,
    pub tag_name: String,
    pub name: Option<String>,
    pub prerelease: bool,
    pub author: Option<String>,
    /// RFC 3339.
    pub published_at: String,
}

/// Something that happened in a repository, for its activity timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct ActivityEvent {
    /// RFC 3339.
    pub at: String,
    /// `pull_request_opened`, `pull_request_merged`, `issue_opened`, `issue_closed`,
    /// `release_published`, `deployment` (production, by the repository's source).
    pub kind: String,
    /// `owner/name`.
    pub repository: String,
    /// The pull request's or issue's number, else none.
    pub number: Option<i32>,
    /// A title, a tag or an environment.
    pub title: String,
    pub actor: Option<String>,
}

/// What lies behind a repository's (or any scope's) tabs beyond its figures: the rows
/// and distributions of a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScopeDetails {
    pub contributors: Contributors,
    pub environments: Vec<EnvironmentDeployments>,
    /// Newest first, cut at a limit.
    pub releases: Vec<ReleaseRow>,
    /// Newest first, cut at a limit.
    pub activity: Vec<ActivityEvent>,
    /// Open now, oldest first.
    pub open_pull_requests: OpenPullRequests,
}

/// A change to a repository's settings (METRICS.md, "Settings"), as `pulseboard settings`
/// and the settings page give it: each field given replaces the setting, `None` keeps it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingsChange {
    /// `auto`, `deployments`, `workflow_runs`, `releases` or `merged_pull_requests`.
    pub deployment_source: Option<String>,
    /// A pattern (Rust `regex`, case-insensitive).
    pub production_environments: Option<String>,
    /// A pattern.
    pub deployment_workflows: Option<String>,
    pub incident_labels: Option<Vec<String>>,
    /// 1-365.
    pub incident_window_days: Option<i32>,
    pub revert_failures: Option<bool>,
    pub bot_logins: Option<Vec<String>>,
    /// A pattern; empty for none.
    pub bot_title_pattern: Option<String>,
    /// The labels of critical, high, medium and low issues.
    pub severity_labels: [Option<Vec<String>>; 4],
    /// Four hours (critical, high, medium, low), each 1-8,760.
    pub sla_hours: Option<Vec<i32>>,
    /// `name` or `@scope/name`; empty for none.
    pub npm_package: Option<String>,
}

/// A repository's settings as its settings page shows them: every field given, the
/// deployment source in use, and whether the person may change them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingsView {
    /// `owner/name`.
    pub repository: String,
    pub settings: SettingsChange,
    /// The source the numbers use now (the automatic choice resolved), or `none`.
    pub source_in_use: String,
    /// GitHub's admin or maintain role on the repository: only they may change them.
    pub can_change: bool,
}

/// A person's own named set of repositories, a scope of reports (`group:NAME`) for them
/// only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct RepositoryGroup {
    pub name: String,
    /// `owner/name`, those the person may still see, by name.
    pub repositories: Vec<String>,
}

impl RepositoryGroup {
    /// The group as a scope of reports (`group:NAME`).
    pub fn scope(&self) -> String {
        group_scope(&self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figure(statistic: Statistic, value: Option<f64>, sample: u64, basis: Basis) -> Figure {
        Figure {
            metric: "pull_request_cycle_time".into(),
            group: None,
            statistic,
            unit: Unit::Hours,
            value,
            sample,
            basis,
            previous: None,
        }
    }

    fn measured() -> Basis {
        Basis::Measured {
            source: "pull requests merged in the period".into(),
        }
    }

    #[test]
    fn a_chart_series_says_the_common_basis_once_and_keeps_each_other_one() {
        let nothing = Basis::Unavailable {
            reason: "nothing merged in the period".into(),
        };
        let part = |from: &str, figures: Vec<Figure>| MetricPart {
            from: from.into(),
            to: String::new(),
            figures,
        };
        let series = MetricSeries {
            scope: "acme/api".into(),
            metric: "pull_request_cycle_time".into(),
            grain: "week".into(),
            parts: vec![
                part(
                    "2026-11-02T00:00:00Z",
                    vec![
                        figure(Statistic::Count, Some(3.0), 3, measured()),
                        figure(Statistic::Median, Some(10.5), 3, measured()),
                    ],
                ),
                part(
                    "2026-11-09T00:00:00Z",
                    vec![figure(Statistic::Median, None, 0, nothing.clone())],
                ),
                part(
                    "2026-11-16T00:00:00Z",
                    vec![figure(Statistic::Median, Some(4.0), 1, measured())],
                ),
                // A part without the statistic asked for.
                part(
                    "2026-11-23T00:00:00Z",
                    vec![figure(Statistic::Count, Some(0.0), 0, measured())],
                ),
            ],
        };
        let chart = ChartSeries::new(&series, Statistic::Median);
        assert_eq!(chart.metric, "pull_request_cycle_time");
        assert_eq!(chart.unit, Unit::Hours);
        assert_eq!(chart.basis, measured());
        let points: Vec<(&str, Option<f64>, u64, Option<Basis>)> = chart
            .points
            .iter()
            .map(|p| (&p.from[..10], p.value, p.sample, p.basis.clone()))
            .collect();
        assert_eq!(
            points,
            vec![
                ("2026-11-02", Some(10.5), 3, None),
                ("2026-11-09", None, 0, Some(nothing)),
                ("2026-11-16", Some(4.0), 1, None),
                (
                    "2026-11-23",
                    None,
                    0,
                    Some(Basis::Unavailable {
                        reason: "no median of pull_request_cycle_time computed for this part"
                            .into()
                    })
                ),
            ]
        );
        // Said once: the source's sentence is in the JSON one time, not once per part.
        let json = serde_json::to_string(&chart).unwrap();
        assert_eq!(
            json.matches("pull requests merged in the period").count(),
            1
        );
    }
}
