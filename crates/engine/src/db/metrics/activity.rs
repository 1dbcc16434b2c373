//! The reads of the activity families: pull request velocity, size and work in progress;
//! issues; CI; growth and community (METRICS.md). Each family is one statement over the
//! scope's rows in the period.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use super::{Quantiles, QUANTILES};

/// Counts in labelled buckets, in the order METRICS.md lists them.
pub type Buckets = Vec<(&'static str, i64)>;

/// Pull request velocity, size and work in progress (METRICS.md, "Throughput, size and
/// work in progress").
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Velocity {
    pub opened: i64,
    pub merged: i64,
    /// Lines changed of those merged.
    pub lines: Quantiles,
    pub lines_buckets: Buckets,
    pub files_buckets: Buckets,
    /// Open at the end of the period (or now, if sooner), by age.
    pub open: i64,
    pub open_buckets: Buckets,
    /// Read from the rollups: quantiles within their sketches' relative accuracy.
    pub sketched: bool,
}

/// Size buckets of lines changed: under 10, 50, 250, 1,000, and more.
pub const LINE_BUCKETS: [&str; 5] = ["xs", "s", "m", "l", "xl"];
/// Files changed: 1, 2-5, 6-20, more.
pub const FILE_BUCKETS: [&str; 4] = ["1", "2-5", "6-20", "21+"];
/// Ages of open items for pull requests: under a day, a week, 30 days, more.
pub const PULL_AGE_BUCKETS: [&str; 4] = ["<1d", "1-7d", "7-30d", "30d+"];

/// The measures of velocity and size, over each repository's pull requests by people:
/// opened by creation; lines and files changed of those merged by the merge, grouped by
/// their size bucket.
pub static VELOCITY_MEASURES: std::sync::LazyLock<Vec<crate::db::rollups::Measure>> =
    std::sync::LazyLock::new(|| {
        use crate::db::rollups::Measure;
        vec![
            Measure {
                name: "pr.opened",
                source: "SELECT created_at AS at, '' AS grp, 1.0::float8 AS value
                           FROM pull_request_facts WHERE repository_id = $1 AND NOT is_bot"
                    .into(),
            },
            Measure {
                name: "pr.merged_lines",
                source: "SELECT merged_at AS at,
                                CASE WHEN lines_changed < 10 THEN 'xs' WHEN lines_changed < 50 THEN 's'
                                     WHEN lines_changed < 250 THEN 'm' WHEN lines_changed < 1000 THEN 'l'
                                     ELSE 'xl' END AS grp,
                                lines_changed::float8 AS value
                           FROM pull_request_facts
                          WHERE repository_id = $1 AND NOT is_bot AND merged_at IS NOT NULL"
                    .into(),
            },
            Measure {
                name: "pr.merged_files",
                source: "SELECT merged_at AS at,
                                CASE WHEN changed_files <= 1 THEN '1' WHEN changed_files <= 5 THEN '2-5'
                                     WHEN changed_files <= 20 THEN '6-20' ELSE '21+' END AS grp,
                                changed_files::float8 AS value
                           FROM pull_request_facts
                          WHERE repository_id = $1 AND NOT is_bot AND merged_at IS NOT NULL"
                    .into(),
            },
        ]
    });

/// Velocity, size and work in progress: the counts and sizes from the rollups when they
/// should answer ([`crate::db::rollups::when_large`]), else all from the rows.
pub async fn velocity(
    pool: &PgPool,
    repositories: &[i64],
    period: (DateTime<Utc>, DateTime<Utc>),
) -> Result<Velocity, sqlx::Error> {
    let mut names: Vec<&str> = VELOCITY_MEASURES.iter().map(|m| m.name).collect();
    names.push("flow.merged");
    let Some(s) =
        crate::db::rollups::when_large(pool, repositories, period, &names, "pr.opened").await?
    else {
        return velocity_exact(pool, repositories, period).await;
    };
    let lines = s.sum("pr.merged_lines");
    let (lines_q, _) = super::sketched_quantiles(&lines);
    let bucket =
        |measure: &str, label: &'static str| (label, s.get(measure, label).map_or(0, |x| x.n));
    let (open, open_buckets) = open_pulls(pool, repositories, period.1).await?;
    Ok(Velocity {
        opened: s.sum("pr.opened").n,
        merged: s.sum("flow.merged").n,
        lines: lines_q,
        lines_buckets: LINE_BUCKETS
            .into_iter()
            .map(|b| bucket("pr.merged_lines", b))
            .collect(),
        files_buckets: FILE_BUCKETS
            .into_iter()
            .map(|b| bucket("pr.merged_files", b))
            .collect(),
        open,
        open_buckets,
        sketched: true,
    })
}

/// Pull requests by people open at `to` (or now, if sooner), and by age.
async fn open_pulls(
    pool: &PgPool,
    repositories: &[i64],
    to: DateTime<Utc>,
) -> Result<(i64, Buckets), sqlx::Error> {
    let (open, ages): (i64, Vec<i64>) = sqlx::query_as(
        "WITH o AS (
            SELECT extract(epoch FROM least($2, now()) - created_at)::float8 / 86400 AS days
              FROM pull_request_facts
             WHERE repository_id = ANY($1) AND NOT is_bot
               AND coalesce(closed_at, 'infinity') >= least($2, now())
               AND created_at < least($2, now()))
         SELECT count(*), ARRAY[count(*) FILTER (WHERE days < 1),
                                count(*) FILTER (WHERE days >= 1 AND days < 7),
                                count(*) FILTER (WHERE days >= 7 AND days < 30),
                                count(*) FILTER (WHERE days >= 30)] FROM o",
    )
    .bind(repositories)
    .bind(to)
    .fetch_one(pool)
    .await?;
    Ok((open, PULL_AGE_BUCKETS.into_iter().zip(ages).collect()))
}

async fn velocity_exact(
    pool: &PgPool,
    repositories: &[i64],
    (from, to): (DateTime<Utc>, DateTime<Utc>),
) -> Result<Velocity, sqlx::Error> {
    #[allow(clippy::type_complexity)]
    let r: (i64, i64, i64, Option<Vec<f64>>, Vec<i64>, Vec<i64>) = sqlx::query_as(
        "WITH p AS (
            SELECT f.*, f.merged_at >= $2 AND f.merged_at < $3 AS merged_here
              FROM pull_request_facts f
             WHERE f.repository_id = ANY($1) AND NOT f.is_bot AND f.created_at < $3
               AND (f.closed_at IS NULL OR f.closed_at >= $2))
         SELECT (SELECT count(*) FROM p WHERE created_at >= $2),
                (SELECT count(*) FROM p WHERE merged_here),
                (SELECT count(lines_changed) FROM p WHERE merged_here),
                (SELECT percentile_cont($4) WITHIN GROUP (ORDER BY lines_changed)
                   FROM p WHERE merged_here),
                (SELECT ARRAY[count(*) FILTER (WHERE lines_changed < 10),
                              count(*) FILTER (WHERE lines_changed >= 10 AND lines_changed < 50),
                              count(*) FILTER (WHERE lines_changed >= 50 AND lines_changed < 250),
                              count(*) FILTER (WHERE lines_changed >= 250 AND lines_changed < 1000),
                              count(*) FILTER (WHERE lines_changed >= 1000)]
                   FROM p WHERE merged_here),
                (SELECT ARRAY[count(*) FILTER (WHERE changed_files <= 1),
                              count(*) FILTER (WHERE changed_files BETWEEN 2 AND 5),
                              count(*) FILTER (WHERE changed_files BETWEEN 6 AND 20),
                              count(*) FILTER (WHERE changed_files > 20)]
                   FROM p WHERE merged_here)",
    )
    .bind(repositories)
    .bind(from)
    .bind(to)
    .bind(&QUANTILES[..])
    .fetch_one(pool)
    .await?;
    let (open, open_buckets) = open_pulls(pool, repositories, to).await?;
    Ok(Velocity {
        opened: r.0,
        merged: r.1,
        lines: Quantiles {
            n: r.2,
            values: r.3,
        },
        lines_buckets: LINE_BUCKETS.into_iter().zip(r.4).collect(),
        files_buckets: FILE_BUCKETS.into_iter().zip(r.5).collect(),
        open,
        open_buckets,
        sketched: false,
    })
}

pub use crate::db::settings::SEVERITIES;

/// Ages of open issues: under a week, 30 days, 90 days, more.
pub const ISSUE_AGE_BUCKETS: [&str; 4] = ["<7d", "7-30d", "30-90d", "90d+"];

/// Issue health over the issues opened by people (METRICS.md, "Issues").
#[derive(Debug, Clone, PartialEq, Default)]
pub struct IssueHealth {
    pub opened: i64,
    pub closed: i64,
    /// Open at the end of the period (or now, if sooner).
    pub backlog: i64,
    /// Opened to closed, hours, over those closed in the period.
    pub to_close: Quantiles,
    /// Age in days of those open at the end.
    pub age: Quantiles,
    pub age_buckets: Buckets,
    /// Per severity: (open at the end, SLA deadlines passed in the period, missed).
    pub severities: Vec<(&'static str, i64, i64, i64)>,
    /// Opened to the first response, hours, over those opened in the period and answered.
    pub first_response: Quantiles,
    /// Opened in the period, still open at its end and not answered.
    pub awaiting_response: i64,
    /// Read from the rollups: quantiles within their sketches' relative accuracy.
    pub sketched: bool,
}

/// The measures of issue health, over each repository's issues by people: opened (and
/// time to the first response) by the opening, closed (and time to close) by the closing,
/// SLA deadlines and those missed by the deadline, grouped by severity.
pub static ISSUE_MEASURES: std::sync::LazyLock<Vec<crate::db::rollups::Measure>> =
    std::sync::LazyLock::new(|| {
        let m = |name: &'static str, at: &str, grp: &str, value: &str, filter: &str| {
            crate::db::rollups::Measure {
                name,
                source: format!(
                    "SELECT {at} AS at, {grp} AS grp, {value} AS value
                       FROM issues x
                       LEFT JOIN issue_facts r ON r.repository_id = x.repository_id AND r.number = x.number
                      WHERE x.repository_id = $1
                        AND coalesce(x.author_login, '') NOT LIKE '%[bot]' {filter}"
                ),
            }
        };
        let severity = "(ARRAY['critical', 'high', 'medium', 'low'])[r.severity]";
        let deadline = "x.created_at + make_interval(hours => r.sla_hours)";
        vec![
            m("issues.opened", "x.created_at", "''", "1.0::float8", ""),
            m(
                "issues.response_hours",
                "x.created_at",
                "''",
                "extract(epoch FROM r.first_response_at - x.created_at)::float8 / 3600",
                "",
            ),
            m("issues.closed", "x.closed_at", "''", "1.0::float8", ""),
            m(
                "issues.close_hours",
                "x.closed_at",
                "''",
                "extract(epoch FROM x.closed_at - x.created_at)::float8 / 3600",
                "",
            ),
            m(
                "issues.sla_deadlines",
                deadline,
                severity,
                "1.0::float8",
                "AND r.severity IS NOT NULL",
            ),
            m(
                "issues.sla_missed",
                deadline,
                severity,
                "1.0::float8",
                &format!(
                    "AND r.severity IS NOT NULL AND (x.closed_at IS NULL OR x.closed_at > {deadline})"
                ),
            ),
        ]
    });

/// Issue health: opened, closed, response and close times and SLA deadlines from the
/// rollups when they should answer ([`crate::db::rollups::when_large`]; deadlines of the
/// day now is in from the rows), what is open at the period's end from the rows, by an
/// index on the closing; else all from the rows.
pub async fn issues(
    pool: &PgPool,
    repositories: &[i64],
    period: (DateTime<Utc>, DateTime<Utc>),
) -> Result<IssueHealth, sqlx::Error> {
    use chrono::NaiveTime;
    let (from, to) = period;
    let t = to.min(chrono::Utc::now());
    let midnight = t.date_naive().and_time(NaiveTime::MIN).and_utc();
    // Deadlines fall up to the period's end or now: whole days from the rollups, the day
    // now is in from the rows.
    let rolled_until = if midnight > from { midnight } else { t };
    let names: Vec<&str> = ISSUE_MEASURES.iter().map(|m| m.name).collect();
    let whole =
        crate::db::rollups::when_large(pool, repositories, period, &names, "issues.opened").await?;
    // When the period ends at a past midnight, the deadlines' span is the period itself.
    let deadlines = if rolled_until == to {
        whole.clone()
    } else {
        crate::db::rollups::when_large(
            pool,
            repositories,
            (from, rolled_until),
            &["issues.sla_deadlines", "issues.sla_missed", "issues.opened"],
            "issues.opened",
        )
        .await?
    };
    let (Some(s), Some(d)) = (whole, deadlines) else {
        return issues_exact(pool, repositories, period).await;
    };
    let open = open_at(pool, repositories, from, t).await?;
    let (due, missed) = deadlines_between(pool, repositories, (rolled_until, t)).await?;
    let close = super::sketched_quantiles(&s.sum("issues.close_hours")).0;
    let response = super::sketched_quantiles(&s.sum("issues.response_hours")).0;
    let of = |measure: &str, k: usize| d.get(measure, SEVERITIES[k]).map_or(0, |x| x.n);
    Ok(IssueHealth {
        opened: s.sum("issues.opened").n,
        closed: s.sum("issues.closed").n,
        backlog: open.age.n,
        to_close: close,
        age: open.age,
        age_buckets: open.age_buckets,
        severities: (0..4)
            .map(|k| {
                (
                    SEVERITIES[k],
                    open.by_severity[k],
                    of("issues.sla_deadlines", k) + due[k],
                    of("issues.sla_missed", k) + missed[k],
                )
            })
            .collect(),
        first_response: response,
        awaiting_response: open.awaiting_response,
        sketched: true,
    })
}

/// The issues by people open at `t`: how old (days), by age and severity, and those opened
/// since `from` with no response yet; found by the index on the closing.
struct OpenAt {
    age: Quantiles,
    age_buckets: Buckets,
    by_severity: Vec<i64>,
    awaiting_response: i64,
}

async fn open_at(
    pool: &PgPool,
    repositories: &[i64],
    from: DateTime<Utc>,
    t: DateTime<Utc>,
) -> Result<OpenAt, sqlx::Error> {
    #[allow(clippy::type_complexity)]
    let r: (i64, Option<Vec<f64>>, Vec<i64>, Vec<i64>, i64) = sqlx::query_as(
        "WITH o AS (
            SELECT created_at, severity, first_response_at,
                   extract(epoch FROM $2 - created_at)::float8 / 86400 AS days
              FROM issue_facts
             WHERE repository_id = ANY($1) AND by_people AND open_until >= $2 AND created_at < $2)
         SELECT (SELECT count(*) FROM o),
                (SELECT percentile_cont($3) WITHIN GROUP (ORDER BY days) FROM o),
                (SELECT ARRAY[count(*) FILTER (WHERE days < 7),
                              count(*) FILTER (WHERE days >= 7 AND days < 30),
                              count(*) FILTER (WHERE days >= 30 AND days < 90),
                              count(*) FILTER (WHERE days >= 90)] FROM o),
                (SELECT ARRAY[count(*) FILTER (WHERE severity = 1), count(*) FILTER (WHERE severity = 2),
                              count(*) FILTER (WHERE severity = 3), count(*) FILTER (WHERE severity = 4)]
                   FROM o),
                (SELECT count(*) FROM o WHERE created_at >= $4 AND first_response_at IS NULL)",
    )
    .bind(repositories)
    .bind(t)
    .bind(&QUANTILES[..])
    .bind(from)
    .fetch_one(pool)
    .await?;
    Ok(OpenAt {
        age: Quantiles {
            n: r.0,
            values: r.1,
        },
        age_buckets: ISSUE_AGE_BUCKETS.into_iter().zip(r.2).collect(),
        by_severity: r.3,
        awaiting_response: r.4,
    })
}

/// Per severity, the SLA deadlines of issues by people falling in `[a, b)` and those missed
/// (the issue still open, or closed after it).
async fn deadlines_between(
    pool: &PgPool,
    repositories: &[i64],
    (a, b): (DateTime<Utc>, DateTime<Utc>),
) -> Result<(Vec<i64>, Vec<i64>), sqlx::Error> {
    if a >= b {
        return Ok((vec![0; 4], vec![0; 4]));
    }
    sqlx::query_as(
        "WITH late AS (
            SELECT r.severity,
                   x.closed_at IS NULL
                   OR x.closed_at > x.created_at + make_interval(hours => r.sla_hours) AS missed
              FROM issues x
              JOIN issue_facts r ON r.repository_id = x.repository_id AND r.number = x.number
             WHERE x.repository_id = ANY($1) AND r.severity IS NOT NULL
               AND x.created_at >= $2 - interval '8760 hours' AND x.created_at < $3
               AND x.created_at + make_interval(hours => r.sla_hours) >= $2
               AND x.created_at + make_interval(hours => r.sla_hours) < $3
               AND coalesce(x.author_login, '') NOT LIKE '%[bot]')
         SELECT ARRAY[count(*) FILTER (WHERE severity = 1), count(*) FILTER (WHERE severity = 2),
                      count(*) FILTER (WHERE severity = 3), count(*) FILTER (WHERE severity = 4)],
                ARRAY[count(*) FILTER (WHERE severity = 1 AND missed),
                      count(*) FILTER (WHERE severity = 2 AND missed),
                      count(*) FILTER (WHERE severity = 3 AND missed),
                      count(*) FILTER (WHERE severity = 4 AND missed)]
           FROM late",
    )
    .bind(repositories)
    .bind(a)
    .bind(b)
    .fetch_one(pool)
    .await
}

pub(crate) async fn issues_exact(
    pool: &PgPool,
    repositories: &[i64],
    (from, to): (DateTime<Utc>, DateTime<Utc>),
) -> Result<IssueHealth, sqlx::Error> {
    let t = to.min(chrono::Utc::now());
    #[allow(clippy::type_complexity)]
    let r: (i64, i64, i64, Option<Vec<f64>>, i64, Option<Vec<f64>>) = sqlx::query_as(
        "WITH i AS (
            SELECT x.*, r.first_response_at
              FROM issues x
              LEFT JOIN issue_facts r ON r.repository_id = x.repository_id AND r.number = x.number
             WHERE x.repository_id = ANY($1) AND x.created_at < $3
               AND (x.closed_at IS NULL OR x.closed_at >= $2)
               AND coalesce(x.author_login, '') NOT LIKE '%[bot]')
         SELECT (SELECT count(*) FROM i WHERE created_at >= $2),
                (SELECT count(*) FROM i WHERE closed_at >= $2 AND closed_at < $3),
                (SELECT count(*) FROM i WHERE closed_at >= $2 AND closed_at < $3),
                (SELECT percentile_cont($4) WITHIN GROUP
                          (ORDER BY extract(epoch FROM closed_at - created_at)::float8 / 3600)
                   FROM i WHERE closed_at >= $2 AND closed_at < $3),
                (SELECT count(first_response_at) FROM i WHERE created_at >= $2),
                (SELECT percentile_cont($4) WITHIN GROUP
                          (ORDER BY extract(epoch FROM first_response_at - created_at)::float8 / 3600)
                   FROM i WHERE created_at >= $2)",
    )
    .bind(repositories)
    .bind(from)
    .bind(to)
    .bind(&QUANTILES[..])
    .fetch_one(pool)
    .await?;
    let open = open_at(pool, repositories, from, t).await?;
    let (due, missed) = deadlines_between(pool, repositories, (from, t)).await?;
    Ok(IssueHealth {
        opened: r.0,
        closed: r.1,
        backlog: open.age.n,
        to_close: Quantiles {
            n: r.2,
            values: r.3,
        },
        age: open.age,
        age_buckets: open.age_buckets,
        severities: (0..4)
            .map(|k| (SEVERITIES[k], open.by_severity[k], due[k], missed[k]))
            .collect(),
        first_response: Quantiles {
            n: r.4,
            values: r.5,
        },
        awaiting_response: open.awaiting_response,
        sketched: false,
    })
}

/// An issue by a person open at a time: `(repository, number, title, labels, severity index
/// 0-3 or none, days open)`.
pub type OpenIssue = (String, i64, String, Vec<String>, Option<i16>, f64);

/// The `limit` issues by people open at `at` (capped at now) with the highest priority
/// score ([`crate::metrics::priority::score_sql`] over their facts), highest first, then
/// oldest, by repository and number.
pub async fn open_issues(
    pool: &PgPool,
    repositories: &[i64],
    at: DateTime<Utc>,
    limit: usize,
) -> Result<Vec<OpenIssue>, sqlx::Error> {
    let score = crate::metrics::priority::score_sql("f.days");
    sqlx::query_as(&format!(
        "WITH f AS (
            SELECT f.*, extract(epoch FROM least($2, now()) - f.created_at)::float8 / 86400 AS days
              FROM issue_facts f
             WHERE f.repository_id = ANY($1) AND f.by_people
               AND f.open_until >= least($2, now()) AND f.created_at < least($2, now())),
         top AS (
            SELECT f.repository_id, f.number, f.severity, f.days, f.created_at, r.full_name,
                   {score} AS score
              FROM f JOIN repositories r ON r.github_id = f.repository_id
             ORDER BY score DESC NULLS LAST, f.created_at, r.full_name, f.number
             LIMIT $3)
         SELECT t.full_name, t.number::bigint, x.title, x.labels, (t.severity - 1)::smallint, t.days
           FROM top t JOIN issues x ON x.repository_id = t.repository_id AND x.number = t.number
          ORDER BY t.score DESC NULLS LAST, t.created_at, t.full_name, t.number"
    ))
    .bind(repositories)
    .bind(at)
    .bind(i64::try_from(limit).unwrap_or(i64::MAX))
    .fetch_all(pool)
    .await
}

/// CI over the workflow runs created in the period (METRICS.md, "CI").
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Ci {
    pub runs: i64,
    /// Runs that ended in success, failure, timed out or startup failure.
    pub decided: i64,
    pub succeeded: i64,
    /// Started to completed, minutes: QUANTILES then p95.
    pub duration: Quantiles,
    pub duration_p95: Option<f64>,
    /// Created to started, minutes.
    pub queue: Quantiles,
    pub queue_p95: Option<f64>,
    /// Hours spent in runs that failed or timed out.
    pub failed_hours: f64,
    /// Runs that passed on a re-run of the same run, or after a failed run of the same
    /// workflow on the same commit.
    pub flaky: i64,
    /// Per workflow: (name, runs, success rate when decided, median minutes).
    pub workflows: Vec<(String, i64, Option<f64>, Option<f64>)>,
    /// The slowest jobs by median minutes: (name, runs, median minutes).
    pub slowest_jobs: Vec<(String, i64, f64)>,
    /// Read from the rollups: quantiles within their sketches' relative accuracy.
    pub sketched: bool,
}

const RUN_MINUTES: &str = "CASE WHEN r.status = 'completed' AND r.run_started_at IS NOT NULL
         THEN extract(epoch FROM r.updated_at - r.run_started_at)::float8 / 60 END";

/// The measures of CI, over each repository's workflow runs by creation time (groups:
/// the workflow's name, or the job's for `ci.job_minutes`).
pub static CI_MEASURES: std::sync::LazyLock<Vec<crate::db::rollups::Measure>> =
    std::sync::LazyLock::new(ci_measures);

fn ci_measures() -> Vec<crate::db::rollups::Measure> {
    use crate::db::rollups::Measure;
    const RUNS: &str = "FROM workflow_runs r LEFT JOIN workflows w ON w.github_id = r.workflow_id
                         WHERE r.repository_id = $1";
    vec![
        Measure {
            name: "ci.runs",
            source: (format!("SELECT r.created_at AS at, w.name AS grp, 1.0::float8 AS value {RUNS}")),
        },
        Measure {
            name: "ci.decided",
            source: (format!("SELECT r.created_at AS at, w.name AS grp, 1.0::float8 AS value {RUNS}
                 AND r.conclusion IN ('success', 'failure', 'timed_out', 'startup_failure')")),
        },
        Measure {
            name: "ci.succeeded",
            source: (format!("SELECT r.created_at AS at, w.name AS grp, 1.0::float8 AS value {RUNS}
                 AND r.conclusion = 'success'")),
        },
        Measure {
            name: "ci.run_minutes",
            source: (format!("SELECT r.created_at AS at, w.name AS grp, {RUN_MINUTES} AS value {RUNS}")),
        },
        Measure {
            name: "ci.queue_minutes",
            source: (format!("SELECT r.created_at AS at, '' AS grp,
                        CASE WHEN r.run_started_at IS NOT NULL
                             THEN extract(epoch FROM r.run_started_at - r.created_at)::float8 / 60 END AS value {RUNS}")),
        },
        Measure {
            name: "ci.failed_minutes",
            source: (format!("SELECT r.created_at AS at, '' AS grp, {RUN_MINUTES} AS value {RUNS}
                 AND r.conclusion IN ('failure', 'timed_out')")),
        },
        Measure {
            name: "ci.flaky",
            source: (format!("SELECT r.created_at AS at, '' AS grp, 1.0::float8 AS value {RUNS}
                 AND r.conclusion = 'success'
                 AND (r.run_attempt > 1 OR EXISTS (
                      SELECT 1 FROM workflow_runs p
                       WHERE p.repository_id = r.repository_id AND p.workflow_id = r.workflow_id
                         AND p.head_sha = r.head_sha AND p.conclusion IN ('failure', 'timed_out')
                         AND (p.created_at, p.github_id) < (r.created_at, r.github_id)))")),
        },
        Measure {
            name: "ci.job_minutes",
            source: "SELECT r.created_at AS at, j.name AS grp,
                            extract(epoch FROM j.completed_at - j.started_at)::float8 / 60 AS value
                       FROM workflow_jobs j JOIN workflow_runs r ON r.github_id = j.run_id
                      WHERE r.repository_id = $1
                        AND j.started_at IS NOT NULL AND j.completed_at IS NOT NULL"
                .into(),
        },
    ]
}

/// CI over the workflow runs created in the period: from the rollups when they should
/// answer ([`crate::db::rollups::when_large`]), else from the rows.
pub async fn ci(
    pool: &PgPool,
    repositories: &[i64],
    period: (DateTime<Utc>, DateTime<Utc>),
) -> Result<Ci, sqlx::Error> {
    let names: Vec<&str> = CI_MEASURES.iter().map(|m| m.name).collect();
    match crate::db::rollups::when_large(pool, repositories, period, &names, "ci.runs").await? {
        Some(rolled) => Ok(ci_sketched(&rolled)),
        None => ci_exact(pool, repositories, period).await,
    }
}

fn ci_sketched(s: &crate::db::rollups::Rolled) -> Ci {
    let (duration, duration_p95) = super::sketched_quantiles(&s.sum("ci.run_minutes"));
    let (queue, queue_p95) = super::sketched_quantiles(&s.sum("ci.queue_minutes"));
    let mut workflows: Vec<(String, i64, Option<f64>, Option<f64>)> = s
        .groups("ci.runs")
        .map(|(g, runs)| {
            let decided = s.get("ci.decided", g).map_or(0, |x| x.n);
            let succeeded = s.get("ci.succeeded", g).map_or(0, |x| x.n);
            (
                g.to_string(),
                runs.n,
                (decided > 0).then(|| succeeded as f64 / decided as f64),
                s.get("ci.run_minutes", g).and_then(|x| x.quantile(0.5)),
            )
        })
        .collect();
    workflows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    workflows.truncate(20);
    let mut slowest_jobs: Vec<(String, i64, f64)> = s
        .groups("ci.job_minutes")
        .filter_map(|(g, x)| Some((g.to_string(), x.n, x.quantile(0.5)?)))
        .collect();
    slowest_jobs.sort_by(|a, b| b.2.total_cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
    slowest_jobs.truncate(5);
    Ci {
        runs: s.sum("ci.runs").n,
        decided: s.sum("ci.decided").n,
        succeeded: s.sum("ci.succeeded").n,
        duration,
        duration_p95,
        queue,
        queue_p95,
        failed_hours: s.sum("ci.failed_minutes").total / 60.0,
        flaky: s.sum("ci.flaky").n,
        workflows,
        slowest_jobs,
        sketched: true,
    }
}

async fn ci_exact(
    pool: &PgPool,
    repositories: &[i64],
    (from, to): (DateTime<Utc>, DateTime<Utc>),
) -> Result<Ci, sqlx::Error> {
    let qs: Vec<f64> = QUANTILES.iter().copied().chain([0.95]).collect();
    #[allow(clippy::type_complexity)]
    let r: (
        i64,
        i64,
        i64,
        i64,
        Option<Vec<f64>>,
        i64,
        Option<Vec<f64>>,
        f64,
        i64,
    ) = sqlx::query_as(
        "WITH r AS (
            SELECT w.*,
                   CASE WHEN w.status = 'completed' AND w.run_started_at IS NOT NULL
                        THEN extract(epoch FROM w.updated_at - w.run_started_at)::float8 / 60 END AS minutes,
                   CASE WHEN w.run_started_at IS NOT NULL
                        THEN extract(epoch FROM w.run_started_at - w.created_at)::float8 / 60 END AS queued,
                   EXISTS (SELECT 1 FROM workflow_runs p
                            WHERE p.repository_id = w.repository_id
                              AND p.workflow_id = w.workflow_id AND p.head_sha = w.head_sha
                              AND p.conclusion IN ('failure', 'timed_out')
                              AND (p.created_at, p.github_id) < (w.created_at, w.github_id))
                     AS failed_before
              FROM workflow_runs w
             WHERE w.repository_id = ANY($1) AND w.created_at >= $2 AND w.created_at < $3)
         SELECT count(*),
                count(*) FILTER (WHERE conclusion IN ('success', 'failure', 'timed_out', 'startup_failure')),
                count(*) FILTER (WHERE conclusion = 'success'),
                count(minutes), percentile_cont($4) WITHIN GROUP (ORDER BY minutes),
                count(queued), percentile_cont($4) WITHIN GROUP (ORDER BY queued),
                coalesce(sum(minutes) FILTER (WHERE conclusion IN ('failure', 'timed_out')), 0) / 60,
                count(*) FILTER (WHERE conclusion = 'success' AND (run_attempt > 1 OR failed_before))
           FROM r",
    )
    .bind(repositories)
    .bind(from)
    .bind(to)
    .bind(&qs)
    .fetch_one(pool)
    .await?;
    let split = |v: Option<Vec<f64>>| match v {
        Some(mut all) if all.len() == 4 => {
            let p95 = all.pop();
            (Some(all), p95)
        }
        _ => (None, None),
    };
    let (duration, duration_p95) = split(r.4);
    let (queue, queue_p95) = split(r.6);
    let workflows = sqlx::query_as(
        "SELECT w.name, count(*),
                (count(*) FILTER (WHERE r.conclusion = 'success'))::float8
                  / nullif(count(*) FILTER (WHERE r.conclusion IN
                           ('success', 'failure', 'timed_out', 'startup_failure')), 0),
                percentile_cont(0.5) WITHIN GROUP (ORDER BY
                    CASE WHEN r.status = 'completed' AND r.run_started_at IS NOT NULL
                         THEN extract(epoch FROM r.updated_at - r.run_started_at)::float8 / 60 END)
           FROM workflow_runs r JOIN workflows w ON w.github_id = r.workflow_id
          WHERE r.repository_id = ANY($1) AND r.created_at >= $2 AND r.created_at < $3
          GROUP BY w.name ORDER BY count(*) DESC, w.name LIMIT 20",
    )
    .bind(repositories)
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await?;
    let slowest_jobs = sqlx::query_as(
        "SELECT j.name, count(*),
                percentile_cont(0.5) WITHIN GROUP (ORDER BY
                    extract(epoch FROM j.completed_at - j.started_at)::float8 / 60) AS m
           FROM workflow_jobs j JOIN workflow_runs r ON r.github_id = j.run_id
          WHERE r.repository_id = ANY($1) AND r.created_at >= $2 AND r.created_at < $3
            AND j.started_at IS NOT NULL AND j.completed_at IS NOT NULL
          GROUP BY j.name ORDER BY m DESC, j.name LIMIT 5",
    )
    .bind(repositories)
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await?;
    Ok(Ci {
        runs: r.0,
        decided: r.1,
        succeeded: r.2,
        duration: Quantiles {
            n: r.3,
            values: duration,
        },
        duration_p95,
        queue: Quantiles {
            n: r.5,
            values: queue,
        },
        queue_p95,
        failed_hours: r.7,
        flaky: r.8,
        workflows,
        slowest_jobs,
        sketched: false,
    })
}

/// Growth and community (METRICS.md, "Growth and community").
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Growth {
    pub stars_gained: i64,
    /// Stargazers listed and stored, all time.
    pub stars_listed: i64,
    /// GitHub's `stargazers_count`, summed.
    pub stars_total: i64,
    pub forks_gained: i64,
    pub forks_total: i64,
    pub releases: i64,
    /// Days between consecutive releases, over the gaps ending in the period.
    pub release_gaps: Quantiles,
    /// Distinct commit authors (people) in the period, those whose first commit in the
    /// scope is in it, and the commits.
    pub contributors: i64,
    pub new_contributors: i64,
    pub commits: i64,
    /// Fewest authors covering half the commits of the 90 days before the period's end,
    /// and those commits.
    pub bus_factor: i64,
    pub bus_commits: i64,
    /// Read from the rollups (every value exact).
    pub rolled: bool,
}

/// Who a commit's author is (by GitHub account, else e-mail, else name) and whether the
/// commit is a person's, as SQL over `commits`.
pub(crate) const AUTHOR: &str =
    "coalesce(author_github_id::text, lower(author_email), author_name)";
pub(crate) const BY_PEOPLE: &str = "coalesce(author_login, author_name, '') NOT LIKE '%[bot]'";

/// The measures of growth: stars by `starred_at`, forks by creation, people's commits by
/// their author date.
pub static GROWTH_MEASURES: std::sync::LazyLock<Vec<crate::db::rollups::Measure>> =
    std::sync::LazyLock::new(|| {
        use crate::db::rollups::Measure;
        vec![
            Measure {
                name: "growth.stars",
                source: "SELECT starred_at AS at, '' AS grp, 1.0::float8 AS value
                           FROM stargazers WHERE repository_id = $1"
                    .into(),
            },
            Measure {
                name: "growth.forks",
                source: "SELECT created_at AS at, '' AS grp, 1.0::float8 AS value
                           FROM forks WHERE repository_id = $1"
                    .into(),
            },
            Measure {
                name: "growth.commits",
                source: format!(
                    "SELECT authored_at AS at, '' AS grp, 1.0::float8 AS value
                       FROM commits WHERE repository_id = $1 AND {BY_PEOPLE}"
                ),
            },
        ]
    });

/// The members measure of the people who authored commits.
pub const AUTHORS_MEASURE: &str = "growth.authors";

/// The people who authored commits, by their author date: [`AUTHORS_MEASURE`] and its
/// source.
pub static AUTHORS: std::sync::LazyLock<crate::db::rollups::Members> =
    std::sync::LazyLock::new(|| crate::db::rollups::Members {
        name: AUTHORS_MEASURE,
        source: format!(
            "SELECT authored_at AS at, {AUTHOR} AS member FROM commits
              WHERE repository_id = $1 AND {BY_PEOPLE}"
        ),
    });

/// Each author's first commit to a repository, derived again (`contributor_firsts`).
pub async fn refresh_contributor_firsts(
    conn: &mut crate::db::Conn,
    repository_id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM contributor_firsts WHERE repository_id = $1")
        .bind(repository_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query(&format!(
        "INSERT INTO contributor_firsts (repository_id, who, first_at)
         SELECT $1, {AUTHOR}, min(authored_at) FROM commits
          WHERE repository_id = $1 AND {BY_PEOPLE} AND {AUTHOR} IS NOT NULL
          GROUP BY {AUTHOR}"
    ))
    .bind(repository_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// The people who authored commits in `[from, to)` with their commits: whole days from the
/// rollups, the ends of days cut by the period from the rows.
async fn authors_between(
    pool: &PgPool,
    repositories: &[i64],
    (from, to): (DateTime<Utc>, DateTime<Utc>),
) -> Result<std::collections::HashMap<String, i64>, sqlx::Error> {
    use chrono::{Duration, NaiveTime};
    let day = |t: DateTime<Utc>| t.date_naive().and_time(NaiveTime::MIN).and_utc();
    let first_whole = if day(from) == from {
        from
    } else {
        day(from) + Duration::days(1)
    };
    let last_whole = day(to);
    let mut out = std::collections::HashMap::new();
    let mut raw = vec![];
    if first_whole < last_whole {
        let pieces = crate::db::rollups::pieces(first_whole, last_whole).unwrap_or_default();
        out =
            crate::db::rollups::read_members(pool, repositories, AUTHORS_MEASURE, &pieces).await?;
        raw.push((from, first_whole));
        raw.push((last_whole, to));
    } else {
        raw.push((from, to));
    }
    for (a, b) in raw.into_iter().filter(|(a, b)| a < b) {
        let rows: Vec<(String, i64)> = sqlx::query_as(&format!(
            "SELECT {AUTHOR}, count(*) FROM commits
              WHERE repository_id = ANY($1) AND authored_at >= $2 AND authored_at < $3
                AND {BY_PEOPLE} AND {AUTHOR} IS NOT NULL
              GROUP BY 1"
        ))
        .bind(repositories)
        .bind(a)
        .bind(b)
        .fetch_all(pool)
        .await?;
        for (who, n) in rows {
            *out.entry(who).or_default() += n;
        }
    }
    Ok(out)
}

/// Growth and community: from the rollups when they should answer
/// ([`crate::db::rollups::when_large`]), else from the rows.
pub async fn growth(
    pool: &PgPool,
    repositories: &[i64],
    period: (DateTime<Utc>, DateTime<Utc>),
) -> Result<Growth, sqlx::Error> {
    use chrono::Duration;
    let names: Vec<&str> = GROWTH_MEASURES.iter().map(|m| m.name).collect();
    let Some(s) =
        crate::db::rollups::when_large(pool, repositories, period, &names, "growth.commits")
            .await?
    else {
        return growth_exact(pool, repositories, period).await;
    };
    let (from, to) = period;
    #[allow(clippy::type_complexity)]
    let r: (i64, i64, i64, i64, Option<Vec<f64>>, i64) = sqlx::query_as(
        "WITH rel AS (SELECT published_at,
                        extract(epoch FROM published_at - lag(published_at) OVER
                                (PARTITION BY repository_id ORDER BY published_at))::float8 / 86400 AS gap
                   FROM releases
                  WHERE repository_id = ANY($1) AND NOT draft AND published_at IS NOT NULL)
         SELECT (SELECT coalesce(sum(stargazers_count), 0) FROM repositories WHERE github_id = ANY($1)),
                (SELECT coalesce(sum(forks_count), 0) FROM repositories WHERE github_id = ANY($1)),
                (SELECT count(*) FROM rel WHERE published_at >= $2 AND published_at < $3),
                (SELECT count(gap) FROM rel WHERE published_at >= $2 AND published_at < $3),
                (SELECT percentile_cont($4) WITHIN GROUP (ORDER BY gap) FROM rel
                  WHERE published_at >= $2 AND published_at < $3),
                (SELECT count(*) FROM (SELECT who, min(first_at) AS first FROM contributor_firsts
                                        WHERE repository_id = ANY($1) GROUP BY who) f
                  WHERE first >= $2 AND first < $3)",
    )
    .bind(repositories)
    .bind(from)
    .bind(to)
    .bind(&QUANTILES[..])
    .fetch_one(pool)
    .await?;
    let active = authors_between(pool, repositories, period).await?;
    let end = to.min(chrono::Utc::now());
    let recent = authors_between(pool, repositories, (end - Duration::days(90), end)).await?;
    // The fewest authors covering half the commits: most commits first, then by who.
    let mut counts: Vec<(&String, &i64)> = recent.iter().collect();
    counts.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
    let total: i64 = counts.iter().map(|(_, n)| **n).sum();
    let mut cum = 0;
    let mut bus_factor = 0;
    for (_, n) in &counts {
        if (cum as f64) < total as f64 / 2.0 {
            bus_factor += 1;
        }
        cum += **n;
    }
    Ok(Growth {
        stars_gained: s.sum("growth.stars").n,
        stars_listed: crate::db::rollups::all_time(pool, repositories, "growth.stars").await?,
        stars_total: r.0,
        forks_gained: s.sum("growth.forks").n,
        forks_total: r.1,
        releases: r.2,
        release_gaps: Quantiles {
            n: r.3,
            values: r.4,
        },
        contributors: active.len() as i64,
        new_contributors: r.5,
        commits: s.sum("growth.commits").n,
        bus_factor,
        bus_commits: total,
        rolled: true,
    })
}

async fn growth_exact(
    pool: &PgPool,
    repositories: &[i64],
    (from, to): (DateTime<Utc>, DateTime<Utc>),
) -> Result<Growth, sqlx::Error> {
    #[allow(clippy::type_complexity)]
    let r: (
        i64,
        i64,
        i64,
        i64,
        i64,
        i64,
        i64,
        Option<Vec<f64>>,
        i64,
        i64,
        i64,
        i64,
        i64,
    ) = sqlx::query_as(
        "WITH c AS (
            SELECT coalesce(author_github_id::text, lower(author_email), author_name) AS who,
                   authored_at
              FROM commits
             WHERE repository_id = ANY($1)
               AND coalesce(author_login, author_name, '') NOT LIKE '%[bot]'),
         firsts AS (SELECT who, min(authored_at) AS first FROM c WHERE who IS NOT NULL GROUP BY who),
         recent AS (SELECT who, count(*) AS n FROM c
                     WHERE authored_at >= least($3, now()) - interval '90 days'
                       AND authored_at < least($3, now())
                     GROUP BY who),
         ranked AS (SELECT n, sum(n) OVER (ORDER BY n DESC, who) AS cum, sum(n) OVER () AS total
                      FROM recent),
         rel AS (SELECT published_at,
                        extract(epoch FROM published_at - lag(published_at) OVER
                                (PARTITION BY repository_id ORDER BY published_at))::float8 / 86400 AS gap
                   FROM releases
                  WHERE repository_id = ANY($1) AND NOT draft AND published_at IS NOT NULL)
         SELECT (SELECT count(*) FROM stargazers WHERE repository_id = ANY($1)
                    AND starred_at >= $2 AND starred_at < $3),
                (SELECT count(*) FROM stargazers WHERE repository_id = ANY($1)),
                (SELECT coalesce(sum(stargazers_count), 0) FROM repositories WHERE github_id = ANY($1)),
                (SELECT count(*) FROM forks WHERE repository_id = ANY($1)
                    AND created_at >= $2 AND created_at < $3),
                (SELECT coalesce(sum(forks_count), 0) FROM repositories WHERE github_id = ANY($1)),
                (SELECT count(*) FROM rel WHERE published_at >= $2 AND published_at < $3),
                (SELECT count(gap) FROM rel WHERE published_at >= $2 AND published_at < $3),
                (SELECT percentile_cont($4) WITHIN GROUP (ORDER BY gap) FROM rel
                  WHERE published_at >= $2 AND published_at < $3),
                (SELECT count(DISTINCT who) FROM c WHERE authored_at >= $2 AND authored_at < $3),
                (SELECT count(*) FROM firsts WHERE first >= $2 AND first < $3),
                (SELECT count(*) FROM c WHERE authored_at >= $2 AND authored_at < $3),
                (SELECT count(*) FROM ranked WHERE cum - n < total / 2.0),
                (SELECT coalesce(sum(n), 0)::bigint FROM recent)",
    )
    .bind(repositories)
    .bind(from)
    .bind(to)
    .bind(&QUANTILES[..])
    .fetch_one(pool)
    .await?;
    Ok(Growth {
        stars_gained: r.0,
        stars_listed: r.1,
        stars_total: r.2,
        forks_gained: r.3,
        forks_total: r.4,
        releases: r.5,
        release_gaps: Quantiles {
            n: r.6,
            values: r.7,
        },
        contributors: r.8,
        new_contributors: r.9,
        commits: r.10,
        bus_factor: r.11,
        bus_commits: r.12,
        rolled: false,
    })
}
