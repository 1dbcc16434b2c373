//! The metrics' reads: aggregations over the derived facts of a set of repositories in a
//! period, in SQL where the rows are (METRICS.md). Quantiles are PostgreSQL's
//! `percentile_cont`, the same definition as [`crate::metrics::stats::quantile`]
//! (Hyndman and Fan's type 7). Callers pass repository ids a user may see
//! ([`scope_repositories`]).

pub mod activity;
pub mod details;

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgPool;

/// The quantiles every duration is reported at: median, p75, p90.
pub const QUANTILES: [f64; 3] = [0.5, 0.75, 0.9];

/// A sample of durations in hours: its size and its [`QUANTILES`] (`None` when empty).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Quantiles {
    pub n: i64,
    pub values: Option<Vec<f64>>,
}

/// What the scope names, resolved to the repositories of it the user may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScopeName {
    Repository(String),
    /// Every repository of an organisation or user account that Pulseboard has read.
    Owner(String),
    /// The repositories GitHub lists for a team (`org/slug`) that Pulseboard has read.
    Team(String, String),
    /// The repositories of one of the user's own groups (`db::groups`), by its name.
    Group(String),
    /// Every repository the user follows.
    Tracked,
}

/// The condition on `repositories r` (joined to the user's access) that selects what a
/// scope names, and its arguments from `$2`. One statement per kind of scope: a single
/// statement choosing by a parameter gets one generic plan whose row estimates fit no
/// kind (a nested loop over every repository, 30 times slower on an organisation of 200).
/// An organisation or a team covers what Pulseboard has read: the repositories with rows
/// (each gets its rollup state before its first rows); the others would count as empty.
fn scope_filter(scope: &ScopeName) -> (&'static str, Vec<&str>) {
    match scope {
        ScopeName::Repository(n) => ("lower(r.full_name) = lower($2)", vec![n]),
        ScopeName::Owner(o) => (
            "lower(r.owner_login) = lower($2)
             AND EXISTS (SELECT 1 FROM metric_rollup_state s WHERE s.repository_id = r.github_id)",
            vec![o],
        ),
        ScopeName::Team(o, s) => (
            "r.github_id IN (
                 SELECT tr.repository_id FROM team_repositories tr
                   JOIN teams t ON t.github_id = tr.team_id
                   JOIN organizations o ON o.github_id = t.organization_id
                   JOIN team_access ta ON ta.team_id = t.github_id AND ta.user_id = $1
                  WHERE lower(o.login) = lower($2) AND lower(t.slug) = lower($3))
             AND EXISTS (SELECT 1 FROM metric_rollup_state s WHERE s.repository_id = r.github_id)",
            vec![o, s],
        ),
        ScopeName::Group(g) => (
            "r.github_id IN (
                 SELECT m.repository_id FROM repository_group_members m
                   JOIN repository_groups g ON g.id = m.group_id
                  WHERE g.user_id = $1 AND lower(g.name) = lower($2))",
            vec![g],
        ),
        ScopeName::Tracked => (
            "r.github_id IN (SELECT repository_id FROM tracked_repositories WHERE user_id = $1)",
            vec![],
        ),
    }
}

/// The ids and names of the repositories a scope names that the user may see, by name.
pub async fn scope_repositories(
    pool: &PgPool,
    user_id: i64,
    scope: &ScopeName,
) -> Result<Vec<(i64, String)>, sqlx::Error> {
    let (filter, args) = scope_filter(scope);
    let sql = format!(
        "SELECT r.github_id, r.full_name FROM repositories r
           JOIN repository_access a ON a.repository_id = r.github_id AND a.user_id = $1
          WHERE {filter}
          ORDER BY lower(r.full_name)"
    );
    let mut query = sqlx::query_as(&sql).bind(user_id);
    for a in args {
        query = query.bind(a);
    }
    query.fetch_all(pool).await
}

/// The scopes a person can pick, as [`scope_choices`] reads them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ScopeChoices {
    /// The repositories the user follows and may see, by name ([`ScopeName::Tracked`]).
    pub followed: Vec<String>,
    /// (organisation, slug, name) of the teams listed to the user
    /// ([`super::orgs::visible_teams`]) with a repository the user may see that Pulseboard
    /// has read (a team's scope covers those), by organisation and name.
    pub teams: Vec<(String, String, String)>,
    /// The names of the user's own groups, by name.
    pub groups: Vec<String>,
}

/// What the scope pickers offer, in one statement (every metrics page shows a picker):
/// what [`scope_repositories`] gives for [`ScopeName::Tracked`], the teams
/// [`super::orgs::teams_of`] lists with something read, and the user's groups
/// ([`super::groups::list`]), names only.
pub async fn scope_choices(pool: &PgPool, user_id: i64) -> Result<ScopeChoices, sqlx::Error> {
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        let (tracked, _) = scope_filter(&ScopeName::Tracked);
        format!(
            "SELECT * FROM (
             SELECT 0 AS kind, NULL AS organization, NULL AS slug, r.full_name AS name
               FROM repositories r
               JOIN repository_access a ON a.repository_id = r.github_id AND a.user_id = $1
              WHERE {tracked}
             UNION ALL
             SELECT 1, o.login, t.slug, t.name
               FROM {teams}
              WHERE EXISTS (SELECT 1 FROM team_repositories tr
                              JOIN repository_access a ON a.repository_id = tr.repository_id
                                                      AND a.user_id = $1
                              JOIN metric_rollup_state s ON s.repository_id = tr.repository_id
                             WHERE tr.team_id = t.github_id)
             UNION ALL
             SELECT 2, NULL, NULL, g.name FROM repository_groups g WHERE g.user_id = $1
             ) c ORDER BY kind, lower(organization), lower(name)",
            teams = super::orgs::visible_teams!()
        )
    });
    let rows: Vec<(i32, Option<String>, Option<String>, String)> =
        sqlx::query_as(&SQL).bind(user_id).fetch_all(pool).await?;
    let mut out = ScopeChoices::default();
    for (kind, organization, slug, name) in rows {
        match (kind, organization, slug) {
            (0, ..) => out.followed.push(name),
            (1, Some(o), Some(s)) => out.teams.push((o, s, name)),
            _ => out.groups.push(name),
        }
    }
    Ok(out)
}

/// The ids of the repositories a scope names that the user may see, ascending, and the
/// stamp of their data ([`super::rollups::stamp`]) in one statement: what a kept report
/// is looked up by on every page.
pub async fn scope_stamp(
    pool: &PgPool,
    user_id: i64,
    scope: &ScopeName,
) -> Result<(Vec<i64>, super::rollups::Stamp), sqlx::Error> {
    let (filter, args) = scope_filter(scope);
    let sql = format!(
        "SELECT coalesce(array_agg(r.github_id ORDER BY r.github_id), '{{}}'),
                max(st.refreshed_at), count(*) FILTER (WHERE st.version <> {version})
           FROM repositories r
           JOIN repository_access a ON a.repository_id = r.github_id AND a.user_id = $1
           LEFT JOIN metric_rollup_state st ON st.repository_id = r.github_id
          WHERE {filter}",
        version = super::rollups::VERSION
    );
    let mut query = sqlx::query_as(&sql).bind(user_id);
    for a in args {
        query = query.bind(a);
    }
    let (ids, refreshed, stale): (Vec<i64>, Option<DateTime<Utc>>, i64) =
        query.fetch_one(pool).await?;
    Ok((ids, (refreshed, stale)))
}

/// The names of repositories by id, by name (`lower(full_name)`), as
/// [`scope_repositories`] orders them.
pub async fn names_of(pool: &PgPool, ids: &[i64]) -> Result<Vec<(i64, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT github_id, full_name FROM repositories WHERE github_id = ANY($1)
          ORDER BY lower(full_name)",
    )
    .bind(ids)
    .fetch_all(pool)
    .await
}

/// The flow of the pull requests by people merged in a period (METRICS.md, "Pull request
/// cycle time", "Reviews").
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Flow {
    pub merged: i64,
    pub cycle: Quantiles,
    pub coding: Quantiles,
    pub pickup: Quantiles,
    pub review: Quantiles,
    /// Merged with no review by someone else before the merge.
    pub unreviewed: i64,
    /// Merged with an approval by someone else before the merge.
    pub approved: i64,
    /// Reviews by others on them, in all.
    pub reviews: i64,
    /// Ready for review to the first review by someone else.
    pub first_review: Quantiles,
    /// Read from the rollups: quantiles within their sketches' relative accuracy.
    pub sketched: bool,
}

/// A sketch's [`QUANTILES`] and its p95.
pub(crate) fn sketched_quantiles(s: &super::rollups::Sketch) -> (Quantiles, Option<f64>) {
    let values: Option<Vec<f64>> = QUANTILES.iter().map(|q| s.quantile(*q)).collect();
    (Quantiles { n: s.n, values }, s.quantile(0.95))
}

/// The measures of flow, over each repository's pull requests by people, by merge time.
pub static FLOW_MEASURES: std::sync::LazyLock<Vec<super::rollups::Measure>> =
    std::sync::LazyLock::new(|| {
        let m = |name: &'static str, value: &str, filter: &str| super::rollups::Measure {
            name,
            source: format!(
                "SELECT merged_at AS at, '' AS grp, {value} AS value FROM pull_request_facts
                  WHERE repository_id = $1 AND merged_at IS NOT NULL AND NOT is_bot {filter}"
            ),
        };
        vec![
            m("flow.merged", "1.0::float8", ""),
            m("flow.cycle_hours", "cycle_hours", ""),
            m("flow.coding_hours", "coding_hours", ""),
            m("flow.pickup_hours", "pickup_hours", ""),
            m("flow.review_hours", "review_hours", ""),
            m(
                "flow.unreviewed",
                "1.0::float8",
                "AND (first_review_at IS NULL OR first_review_at > merged_at)",
            ),
            m("flow.approved", "1.0::float8", "AND approved_at <= merged_at"),
            m("flow.reviews", "reviews::float8", ""),
            m(
                "flow.to_review_hours",
                "CASE WHEN first_review_at <= merged_at
                      THEN extract(epoch FROM greatest(first_review_at, ready_at) - ready_at)::float8 / 3600 END",
                "",
            ),
        ]
    });

fn flow_sketched(s: &super::rollups::Rolled) -> Flow {
    let q = |m: &str| sketched_quantiles(&s.sum(m)).0;
    Flow {
        merged: s.sum("flow.merged").n,
        cycle: q("flow.cycle_hours"),
        coding: q("flow.coding_hours"),
        pickup: q("flow.pickup_hours"),
        review: q("flow.review_hours"),
        unreviewed: s.sum("flow.unreviewed").n,
        approved: s.sum("flow.approved").n,
        reviews: s.sum("flow.reviews").total.round() as i64,
        first_review: q("flow.to_review_hours"),
        sketched: true,
    }
}

type QRow = (i64, Option<Vec<f64>>);

fn q(row: QRow) -> Quantiles {
    Quantiles {
        n: row.0,
        values: row.1,
    }
}

/// The flow of the pull requests by people merged in the period: from the rollups when
/// they should answer ([`super::rollups::when_large`]), else from the rows.
pub async fn flow(
    pool: &PgPool,
    repositories: &[i64],
    period: (DateTime<Utc>, DateTime<Utc>),
) -> Result<Flow, sqlx::Error> {
    let names: Vec<&str> = FLOW_MEASURES.iter().map(|m| m.name).collect();
    match super::rollups::when_large(pool, repositories, period, &names, "flow.merged").await? {
        Some(rolled) => Ok(flow_sketched(&rolled)),
        None => flow_exact(pool, repositories, period).await,
    }
}

async fn flow_exact(
    pool: &PgPool,
    repositories: &[i64],
    (from, to): (DateTime<Utc>, DateTime<Utc>),
) -> Result<Flow, sqlx::Error> {
    #[allow(clippy::type_complexity)]
    let r: (
        i64,
        i64,
        Option<Vec<f64>>,
        i64,
        Option<Vec<f64>>,
        i64,
        Option<Vec<f64>>,
        i64,
        Option<Vec<f64>>,
        i64,
        i64,
        i64,
        i64,
        Option<Vec<f64>>,
    ) = sqlx::query_as(
        "WITH m AS (
            SELECT f.*, CASE WHEN f.first_review_at <= f.merged_at
                             THEN extract(epoch FROM greatest(f.first_review_at, f.ready_at)
                                                    - f.ready_at)::float8 / 3600 END AS to_review
              FROM pull_request_facts f
             WHERE f.repository_id = ANY($1) AND f.merged_at >= $2 AND f.merged_at < $3
               AND NOT f.is_bot)
         SELECT count(*),
                count(cycle_hours), percentile_cont($4) WITHIN GROUP (ORDER BY cycle_hours),
                count(coding_hours), percentile_cont($4) WITHIN GROUP (ORDER BY coding_hours),
                count(pickup_hours), percentile_cont($4) WITHIN GROUP (ORDER BY pickup_hours),
                count(review_hours), percentile_cont($4) WITHIN GROUP (ORDER BY review_hours),
                count(*) FILTER (WHERE first_review_at IS NULL OR first_review_at > merged_at),
                count(*) FILTER (WHERE approved_at <= merged_at),
                coalesce(sum(reviews), 0),
                count(to_review), percentile_cont($4) WITHIN GROUP (ORDER BY to_review)
           FROM m",
    )
    .bind(repositories)
    .bind(from)
    .bind(to)
    .bind(&QUANTILES[..])
    .fetch_one(pool)
    .await?;
    Ok(Flow {
        merged: r.0,
        cycle: q((r.1, r.2)),
        coding: q((r.3, r.4)),
        pickup: q((r.5, r.6)),
        review: q((r.7, r.8)),
        unreviewed: r.9,
        approved: r.10,
        reviews: r.11,
        first_review: q((r.12, r.13)),
        sketched: false,
    })
}

/// Each repository's deployment source and its first production deployment ever.
pub async fn deployment_sources(
    pool: &PgPool,
    repositories: &[i64],
) -> Result<Vec<(i64, String, DateTime<Utc>)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT repository_id, min(source), min(succeeded_at) FROM production_deployments
          WHERE repository_id = ANY($1) GROUP BY repository_id",
    )
    .bind(repositories)
    .fetch_all(pool)
    .await
}

/// The production deployments of the repositories that succeeded in `[from, to)`, oldest
/// first.
pub async fn deployments(
    pool: &PgPool,
    repositories: &[i64],
    (from, to): (DateTime<Utc>, DateTime<Utc>),
) -> Result<Vec<super::facts::ProductionDeployment>, sqlx::Error> {
    sqlx::query_as(
        "SELECT repository_id, environment, sha, succeeded_at, failed_at, source
           FROM production_deployments
          WHERE repository_id = ANY($1) AND succeeded_at >= $2 AND succeeded_at < $3
          ORDER BY succeeded_at",
    )
    .bind(repositories)
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await
}

/// The production deployments of the given (repository, environment, commit) keys.
pub async fn deployments_by_key(
    pool: &PgPool,
    keys: &[(i64, String, String)],
) -> Result<Vec<super::facts::ProductionDeployment>, sqlx::Error> {
    let repositories: Vec<i64> = keys.iter().map(|k| k.0).collect();
    let environments: Vec<&str> = keys.iter().map(|k| k.1.as_str()).collect();
    let shas: Vec<&str> = keys.iter().map(|k| k.2.as_str()).collect();
    sqlx::query_as(
        "SELECT d.repository_id, d.environment, d.sha, d.succeeded_at, d.failed_at, d.source
           FROM production_deployments d
           JOIN unnest($1::bigint[], $2::text[], $3::text[]) k (r, e, s)
             ON d.repository_id = k.r AND d.environment = k.e AND d.sha = k.s
          ORDER BY d.succeeded_at",
    )
    .bind(&repositories)
    .bind(&environments)
    .bind(&shas)
    .fetch_all(pool)
    .await
}

/// Lead time for changes over the changes by people (METRICS.md, "Lead time for changes").
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LeadTime {
    /// First commit to first production deployment, over the changes deployed in the
    /// period (merged after their repository's first deployment).
    pub lead: Quantiles,
    /// Merge to that deployment, over the same changes.
    pub deploy: Quantiles,
    /// Merged in the period and not deployed yet.
    pub pending: i64,
    /// Merged in the period before their repository's first deployment ever.
    pub before_first: i64,
    /// Merged in the period with a merge commit not on the default branch's history.
    pub untraced: i64,
    /// Read from the rollups: quantiles within their sketches' relative accuracy.
    pub sketched: bool,
}

/// The measures of lead time, over each repository's changes by people: the lead and
/// deploy hours by the deployment, of changes merged after the repository's first
/// production deployment; the changes pending, merged before the first deployment, or off
/// the default branch, by the merge.
pub static LEAD_TIME_MEASURES: std::sync::LazyLock<Vec<super::rollups::Measure>> =
    std::sync::LazyLock::new(|| {
        let m = |name: &'static str, at: &str, value: &str, filter: &str| super::rollups::Measure {
            name,
            source: format!(
                "SELECT {at} AS at, '' AS grp, {value} AS value
                   FROM pull_request_facts f
                   CROSS JOIN (SELECT min(succeeded_at) AS first FROM production_deployments
                                WHERE repository_id = $1) d
                   LEFT JOIN default_branch_positions p
                          ON p.repository_id = f.repository_id AND p.sha = f.merge_commit_sha
                  WHERE f.repository_id = $1 AND NOT f.is_bot AND f.merged_at IS NOT NULL
                    AND d.first IS NOT NULL AND {filter}"
            ),
        };
        let after = "f.merged_at >= d.first";
        vec![
            m(
                "lead.hours",
                "f.deployed_at",
                "extract(epoch FROM f.deployed_at - f.first_commit_at)::float8 / 3600",
                after,
            ),
            m(
                "lead.deploy_hours",
                "f.deployed_at",
                "extract(epoch FROM f.deployed_at - f.merged_at)::float8 / 3600",
                after,
            ),
            m(
                "lead.pending",
                "f.merged_at",
                "1.0::float8",
                "f.merged_at >= d.first AND p.sha IS NOT NULL AND f.deployed_at IS NULL",
            ),
            m(
                "lead.before_first",
                "f.merged_at",
                "1.0::float8",
                "f.merged_at < d.first",
            ),
            m(
                "lead.untraced",
                "f.merged_at",
                "1.0::float8",
                "f.merged_at >= d.first AND p.sha IS NULL",
            ),
        ]
    });

/// Lead time for changes: from the rollups when they should answer
/// ([`super::rollups::when_large`]), else from the rows.
pub async fn lead_time(
    pool: &PgPool,
    repositories: &[i64],
    period: (DateTime<Utc>, DateTime<Utc>),
) -> Result<LeadTime, sqlx::Error> {
    let names: Vec<&str> = LEAD_TIME_MEASURES.iter().map(|m| m.name).collect();
    match super::rollups::when_large(pool, repositories, period, &names, "lead.hours").await? {
        Some(s) => Ok(LeadTime {
            lead: sketched_quantiles(&s.sum("lead.hours")).0,
            deploy: sketched_quantiles(&s.sum("lead.deploy_hours")).0,
            pending: s.sum("lead.pending").n,
            before_first: s.sum("lead.before_first").n,
            untraced: s.sum("lead.untraced").n,
            sketched: true,
        }),
        None => lead_time_exact(pool, repositories, period).await,
    }
}

async fn lead_time_exact(
    pool: &PgPool,
    repositories: &[i64],
    (from, to): (DateTime<Utc>, DateTime<Utc>),
) -> Result<LeadTime, sqlx::Error> {
    #[allow(clippy::type_complexity)]
    let r: (i64, Option<Vec<f64>>, i64, Option<Vec<f64>>, i64, i64, i64) = sqlx::query_as(
        "WITH firsts AS (
            SELECT repository_id, min(succeeded_at) AS first FROM production_deployments
             WHERE repository_id = ANY($1) GROUP BY repository_id),
         c AS (
            SELECT f.merged_at >= $2 AND f.merged_at < $3 AS merged_here,
                   f.merged_at < d.first AS before_first,
                   p.sha IS NOT NULL AS traced,
                   f.deployed_at,
                   CASE WHEN f.deployed_at >= $2 AND f.deployed_at < $3 AND f.merged_at >= d.first
                        THEN extract(epoch FROM f.deployed_at - f.first_commit_at)::float8 / 3600 END AS lead,
                   CASE WHEN f.deployed_at >= $2 AND f.deployed_at < $3 AND f.merged_at >= d.first
                        THEN extract(epoch FROM f.deployed_at - f.merged_at)::float8 / 3600 END AS deploy
              FROM pull_request_facts f
              JOIN firsts d ON d.repository_id = f.repository_id
              LEFT JOIN default_branch_positions p
                     ON p.repository_id = f.repository_id AND p.sha = f.merge_commit_sha
             WHERE f.repository_id = ANY($1) AND NOT f.is_bot AND f.merged_at IS NOT NULL
               AND ((f.merged_at >= $2 AND f.merged_at < $3)
                    OR (f.deployed_at >= $2 AND f.deployed_at < $3)))
         SELECT count(lead), percentile_cont($4) WITHIN GROUP (ORDER BY lead),
                count(deploy), percentile_cont($4) WITHIN GROUP (ORDER BY deploy),
                count(*) FILTER (WHERE merged_here AND NOT before_first AND traced
                                   AND deployed_at IS NULL),
                count(*) FILTER (WHERE merged_here AND before_first),
                count(*) FILTER (WHERE merged_here AND NOT before_first AND NOT traced)
           FROM c",
    )
    .bind(repositories)
    .bind(from)
    .bind(to)
    .bind(&QUANTILES[..])
    .fetch_one(pool)
    .await?;
    Ok(LeadTime {
        lead: q((r.0, r.1)),
        deploy: q((r.2, r.3)),
        pending: r.4,
        before_first: r.5,
        untraced: r.6,
        sketched: false,
    })
}

/// A change behind the lead time (METRICS.md, "Attribution"): a pull request merged into
/// the default branch, and the first production deployment containing it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Change {
    pub repository_id: i64,
    pub number: i32,
    pub title: String,
    pub author_login: Option<String>,
    pub is_bot: bool,
    pub first_commit_at: Option<DateTime<Utc>>,
    pub merged_at: DateTime<Utc>,
    pub merge_commit_sha: Option<String>,
    /// The merge commit's place on the default branch's first-parent chain.
    pub position: Option<i32>,
    /// Its repository's first production deployment ever.
    pub first_deployment_at: Option<DateTime<Utc>>,
    /// The first production deployment containing it: environment, commit and its place,
    /// time.
    pub environment: Option<String>,
    pub deployed_sha: Option<String>,
    pub deployed_position: Option<i32>,
    pub deployed_at: Option<DateTime<Utc>>,
}

/// The changes merged or first deployed in `[from, to)`, newest merge first, at most
/// `limit`, and how many there are.
pub async fn changes(
    pool: &PgPool,
    repositories: &[i64],
    (from, to): (DateTime<Utc>, DateTime<Utc>),
    limit: i64,
) -> Result<(Vec<Change>, i64), sqlx::Error> {
    let rows = sqlx::query_as(
        "WITH firsts AS (
            SELECT repository_id, min(succeeded_at) AS first FROM production_deployments
             WHERE repository_id = ANY($1) GROUP BY repository_id)
         SELECT f.repository_id, f.number, p.title, f.author_login, f.is_bot,
                f.first_commit_at, f.merged_at, f.merge_commit_sha, pos.position,
                d.first AS first_deployment_at, c.environment, c.sha AS deployed_sha,
                cpos.position AS deployed_position, f.deployed_at
           FROM pull_request_facts f
           JOIN pull_requests p ON p.repository_id = f.repository_id AND p.number = f.number
           LEFT JOIN firsts d ON d.repository_id = f.repository_id
           LEFT JOIN default_branch_positions pos
                  ON pos.repository_id = f.repository_id AND pos.sha = f.merge_commit_sha
           LEFT JOIN LATERAL (
                SELECT environment, sha FROM change_deployments x
                 WHERE x.repository_id = f.repository_id AND x.pull_number = f.number
                 ORDER BY x.deployed_at, x.environment LIMIT 1) c ON true
           LEFT JOIN default_branch_positions cpos
                  ON cpos.repository_id = f.repository_id AND cpos.sha = c.sha
          WHERE f.repository_id = ANY($1) AND f.merged_at IS NOT NULL
            AND ((f.merged_at >= $2 AND f.merged_at < $3)
                 OR (f.deployed_at >= $2 AND f.deployed_at < $3))
          ORDER BY f.merged_at DESC, f.repository_id, f.number
          LIMIT $4",
    )
    .bind(repositories)
    .bind(from)
    .bind(to)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    let total = sqlx::query_scalar(
        "SELECT count(*) FROM pull_request_facts f
          WHERE f.repository_id = ANY($1) AND f.merged_at IS NOT NULL
            AND ((f.merged_at >= $2 AND f.merged_at < $3)
                 OR (f.deployed_at >= $2 AND f.deployed_at < $3))",
    )
    .bind(repositories)
    .bind(from)
    .bind(to)
    .fetch_one(pool)
    .await?;
    Ok((rows, total))
}

/// The changes that first went out in each of the repositories' deployments that
/// succeeded in `[from, to)`: (repository, environment, sha, pull request numbers).
pub async fn deployed_changes(
    pool: &PgPool,
    repositories: &[i64],
    (from, to): (DateTime<Utc>, DateTime<Utc>),
) -> Result<Vec<(i64, String, String, Vec<i32>)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT repository_id, environment, sha, array_agg(pull_number ORDER BY pull_number)
           FROM change_deployments
          WHERE repository_id = ANY($1) AND deployed_at >= $2 AND deployed_at < $3
          GROUP BY repository_id, environment, sha",
    )
    .bind(repositories)
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await
}

/// The titles of issues, by (repository, number).
pub async fn issue_titles(
    pool: &PgPool,
    repositories: &[i64],
    numbers: &[i32],
) -> Result<Vec<(i64, i32, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT repository_id, number, title FROM issues
          WHERE repository_id = ANY($1) AND number = ANY($2)",
    )
    .bind(repositories)
    .bind(numbers)
    .fetch_all(pool)
    .await
}

/// An issue that is an incident by its repository's labels: when it was opened and closed.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Incident {
    pub repository_id: i64,
    pub number: i32,
    pub created_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
}

/// The incidents of the repositories opened in `[from, to)`, by each repository's
/// incident labels (case-insensitive), oldest first.
pub async fn incidents(
    pool: &PgPool,
    repositories: &[i64],
    (from, to): (DateTime<Utc>, DateTime<Utc>),
) -> Result<Vec<Incident>, sqlx::Error> {
    sqlx::query_as(
        "SELECT i.repository_id, i.number, i.created_at, i.closed_at
           FROM issue_facts f
           JOIN issues i ON i.repository_id = f.repository_id AND i.number = f.number
          WHERE f.repository_id = ANY($1) AND f.incident
            AND i.created_at >= $2 AND i.created_at < $3
          ORDER BY i.created_at",
    )
    .bind(repositories)
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await
}

/// A merged revert of a change: when it was opened (the failure seen), when it was
/// deployed (recovered), and the deployments that shipped the reverted change.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Revert {
    pub repository_id: i64,
    pub number: i32,
    pub created_at: DateTime<Utc>,
    pub deployed_at: Option<DateTime<Utc>>,
    /// The reverted change's deployment (environment, sha).
    pub environment: String,
    pub sha: String,
}

/// The merged reverts opened in `[from, to)` of changes that were deployed, in
/// repositories whose settings count reverts as failures.
pub async fn reverts(
    pool: &PgPool,
    repositories: &[i64],
    (from, to): (DateTime<Utc>, DateTime<Utc>),
) -> Result<Vec<Revert>, sqlx::Error> {
    sqlx::query_as(
        "SELECT r.repository_id, r.number, r.created_at, r.deployed_at, c.environment, c.sha
           FROM pull_request_facts r
           JOIN change_deployments c
             ON c.repository_id = r.repository_id AND c.pull_number = r.reverts
           LEFT JOIN repository_settings s ON s.repository_id = r.repository_id
          WHERE r.repository_id = ANY($1) AND r.reverts IS NOT NULL
            AND r.created_at >= $2 AND r.created_at < $3
            AND r.merged_at IS NOT NULL AND coalesce(s.revert_failures, true)
          ORDER BY r.created_at",
    )
    .bind(repositories)
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await
}

/// Each repository's incident window in days (its setting, or the default).
pub async fn incident_windows(
    pool: &PgPool,
    repositories: &[i64],
) -> Result<Vec<(i64, i32)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT r, coalesce(s.incident_window_days, $2) FROM unnest($1::bigint[]) r
           LEFT JOIN repository_settings s ON s.repository_id = r",
    )
    .bind(repositories)
    .bind(super::settings::RepositorySettings::default().incident_window_days)
    .fetch_all(pool)
    .await
}

/// One ISO week (from Monday 00:00 UTC) of the headline series: pull requests by people
/// merged, their median cycle time (hours), the median lead time of the changes deployed
/// (hours), production deployments, stars.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Week {
    pub week: DateTime<Utc>,
    pub merged: i64,
    pub cycle: Option<f64>,
    pub lead: Option<f64>,
    pub deployments: i64,
    pub stars: i64,
}

/// The weeks that start in `[from, to)` (`from` taken back to its Monday), every one
/// present, empty ones with zero counts and no medians: from the weekly rollups when every
/// repository's are built and more than [`super::rollups::EXACT_LIMIT`] pull requests were
/// merged in them (medians within the sketches' accuracy), else from the rows.
pub async fn weekly(
    pool: &PgPool,
    repositories: &[i64],
    (from, to): (DateTime<Utc>, DateTime<Utc>),
) -> Result<Vec<Week>, sqlx::Error> {
    use chrono::{Datelike, Duration};
    if !super::rollups::ready(pool, repositories).await? {
        return weekly_exact(pool, repositories, (from, to)).await;
    }
    let first = from.date_naive() - Duration::days(from.weekday().num_days_from_monday().into());
    let mut mondays = Vec::new();
    let mut monday = first;
    while monday.and_time(chrono::NaiveTime::MIN).and_utc() < to {
        mondays.push(monday);
        monday += Duration::days(7);
    }
    let s = super::rollups::read_weeks(pool, repositories, &mondays).await?;
    let get = |m: &str, d: NaiveDate| s.get(&(m.to_string(), d));
    let merged: i64 = mondays
        .iter()
        .filter_map(|d| get("flow.merged", *d))
        .map(|x| x.n)
        .sum();
    if merged <= super::rollups::EXACT_LIMIT {
        return weekly_exact(pool, repositories, (from, to)).await;
    }
    let deployed: Vec<(NaiveDate, i64)> = sqlx::query_as(
        "SELECT date_trunc('week', succeeded_at AT TIME ZONE 'UTC')::date, count(*)
           FROM production_deployments
          WHERE repository_id = ANY($1) AND succeeded_at >= $2 AND succeeded_at < $3 + interval '7 days'
          GROUP BY 1",
    )
    .bind(repositories)
    .bind(first.and_time(chrono::NaiveTime::MIN).and_utc())
    .bind(to)
    .fetch_all(pool)
    .await?;
    Ok(mondays
        .iter()
        .map(|d| Week {
            week: d.and_time(chrono::NaiveTime::MIN).and_utc(),
            merged: get("flow.merged", *d).map_or(0, |x| x.n),
            cycle: get("flow.cycle_hours", *d).and_then(|x| x.quantile(0.5)),
            lead: get("lead.hours", *d).and_then(|x| x.quantile(0.5)),
            deployments: deployed.iter().find(|(w, _)| w == d).map_or(0, |(_, n)| *n),
            stars: get("growth.stars", *d).map_or(0, |x| x.n),
        })
        .collect())
}

pub(crate) async fn weekly_exact(
    pool: &PgPool,
    repositories: &[i64],
    (from, to): (DateTime<Utc>, DateTime<Utc>),
) -> Result<Vec<Week>, sqlx::Error> {
    sqlx::query_as(
        "WITH w AS (
            SELECT generate_series(
                     date_trunc('week', $2::timestamptz AT TIME ZONE 'UTC') AT TIME ZONE 'UTC',
                     $3::timestamptz - interval '1 second', interval '1 week') AS week),
         firsts AS (
            SELECT repository_id, min(succeeded_at) AS first FROM production_deployments
             WHERE repository_id = ANY($1) GROUP BY repository_id),
         f AS (
            SELECT f.merged_at, f.cycle_hours, f.deployed_at,
                   CASE WHEN f.merged_at >= d.first
                        THEN extract(epoch FROM f.deployed_at - f.first_commit_at)::float8 / 3600
                   END AS lead
              FROM pull_request_facts f
              LEFT JOIN firsts d ON d.repository_id = f.repository_id
             WHERE f.repository_id = ANY($1) AND NOT f.is_bot
               AND (f.merged_at >= $2 - interval '7 days' OR f.deployed_at >= $2 - interval '7 days'))
         SELECT w.week,
                (SELECT count(*) FROM f WHERE f.merged_at >= w.week
                    AND f.merged_at < w.week + interval '1 week') AS merged,
                (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY f.cycle_hours) FROM f
                  WHERE f.merged_at >= w.week AND f.merged_at < w.week + interval '1 week') AS cycle,
                (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY f.lead) FROM f
                  WHERE f.deployed_at >= w.week AND f.deployed_at < w.week + interval '1 week') AS lead,
                (SELECT count(*) FROM production_deployments p WHERE p.repository_id = ANY($1)
                    AND p.succeeded_at >= w.week AND p.succeeded_at < w.week + interval '1 week')
                  AS deployments,
                (SELECT count(*) FROM stargazers s WHERE s.repository_id = ANY($1)
                    AND s.starred_at >= w.week AND s.starred_at < w.week + interval '1 week')
                  AS stars
           FROM w ORDER BY w.week",
    )
    .bind(repositories)
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{insert_repository, insert_user};

    async fn run(pool: &PgPool, sql: &str) {
        sqlx::query(sql).execute(pool).await.unwrap();
    }

    /// The pickers offer what the person follows and may still see, the teams listed to
    /// them that cover something read they may see, and their own groups, each by name
    /// with case aside. Worked out by hand from the rows below.
    #[tokio::test]
    async fn the_scope_choices_are_what_the_person_follows_sees_and_made() {
        let pool = crate::testing::fresh_database().await;
        let alice = insert_user(&pool, 1, "alice").await;
        let bob = insert_user(&pool, 2, "bob").await;
        assert_eq!((alice, bob), (1, 2), "the ids the statements below name");
        insert_repository(&pool, 10, "acme/web", &[alice, bob]).await;
        insert_repository(&pool, 11, "acme/API", &[alice]).await;
        insert_repository(&pool, 12, "zeta/tool", &[alice]).await;
        insert_repository(&pool, 13, "acme/secret", &[bob]).await;
        insert_repository(&pool, 14, "acme/docs", &[alice]).await;
        // alice follows 10, 11, 12, and 13, which she may no longer see; bob follows 13.
        run(
            &pool,
            "INSERT INTO tracked_repositories (user_id, repository_id)
                    VALUES (1, 10), (1, 11), (1, 12), (1, 13), (2, 13)",
        )
        .await;
        // Read: 10 and 13; 14 never was.
        run(
            &pool,
            "INSERT INTO metric_rollup_state (repository_id, version) VALUES (10, 1), (13, 1)",
        )
        .await;
        run(
            &pool,
            "INSERT INTO organizations (github_id, login) VALUES (100, 'acme'), (200, 'gone')",
        )
        .await;
        // alice is in acme, and no longer in gone.
        run(
            &pool,
            "INSERT INTO organization_access (user_id, organization_id) VALUES (1, 100), (2, 100)",
        )
        .await;
        run(
            &pool,
            "INSERT INTO teams (github_id, organization_id, slug, name) VALUES
                    (7, 100, 'web', 'Web'), (8, 100, 'docs', 'Docs'), (9, 100, 'ops', 'Ops'),
                    (6, 100, 'api', 'Api'), (5, 200, 'old', 'Old')",
        )
        .await;
        // Listed to alice: web (10, read), docs (14, unread), ops (13: not hers to see),
        // old (an organisation she left); api only to bob.
        run(&pool, "INSERT INTO team_access (user_id, team_id) VALUES (1, 7), (1, 8), (1, 9), (1, 5), (2, 6)").await;
        run(
            &pool,
            "INSERT INTO team_repositories (team_id, repository_id) VALUES
                    (7, 10), (8, 14), (9, 13), (6, 10), (5, 10)",
        )
        .await;
        run(&pool, "INSERT INTO repository_groups (user_id, name) VALUES (1, 'Zed'), (1, 'billing'), (2, 'other')").await;

        let got = scope_choices(&pool, alice).await.unwrap();
        assert_eq!(got.followed, ["acme/API", "acme/web", "zeta/tool"]);
        assert_eq!(
            got.teams,
            [("acme".to_string(), "web".to_string(), "Web".to_string())]
        );
        assert_eq!(got.groups, ["billing", "Zed"]);
        // The followed repositories are the Tracked scope's.
        let tracked: Vec<String> = scope_repositories(&pool, alice, &ScopeName::Tracked)
            .await
            .unwrap()
            .into_iter()
            .map(|(_, n)| n)
            .collect();
        assert_eq!(got.followed, tracked);
        // The teams are those the teams page lists with something read.
        let teams: Vec<(String, String, String)> = crate::db::orgs::teams_of(&pool, alice)
            .await
            .unwrap()
            .into_iter()
            .filter(|t| !t.read.is_empty())
            .map(|t| (t.organization, t.slug, t.name))
            .collect();
        assert_eq!(got.teams, teams);
    }
}
