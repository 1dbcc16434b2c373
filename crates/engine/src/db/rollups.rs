//! Rollups (METRICS.md, "Rollups"): per repository, measure and group, the count, sum and
//! a sketch of the values of the items of each UTC day, ISO week and calendar month, so
//! that a period over many repositories reads a few rows a repository instead of every
//! item. Counts and sums are exact; quantiles come from the sketch, DDSketch's logarithmic
//! buckets (Masson, Rim and Lee, "DDSketch: a fast and fully-mergeable quantile sketch
//! with relative-error guarantees", VLDB 2019) with a relative accuracy of 1 %.
//!
//! Kept by the sync as it stores items ([`refresh`]); a repository whose rollups are not
//! built by the current [`VERSION`] is left to the exact path ([`ready`]).

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};
use sqlx::PgPool;

use super::Conn;

/// The measures' version: a repository whose rollups were built by another is rebuilt at
/// startup and read exactly until then.
pub const VERSION: i32 = 6;

/// The sketch's relative accuracy: every quantile read is within 1 % of a value of the
/// sample at that rank.
pub const RELATIVE_ACCURACY: f64 = 0.01;

/// DDSketch's base: bucket `k` holds the values in (γ^(k-1), γ^k].
fn gamma() -> f64 {
    (1.0 + RELATIVE_ACCURACY) / (1.0 - RELATIVE_ACCURACY)
}

/// The bucket of values within 1e-9 of zero.
const ZERO_KEY: i32 = -1_000_000;

/// Negative values (a lead time from a commit dated in the future, say) mirror the positive
/// buckets below this base: bucket `NEGATIVE_BASE - k` holds the values in
/// [-γ^k, -γ^(k-1)), so that keys still sort as their values do.
const NEGATIVE_BASE: i32 = -2_000_000;

/// One measure: the SQL of its items of repository `$1`, as rows
/// `(at timestamptz, grp text, value float8)`; `at` decides the day, week and month.
#[derive(Debug, Clone)]
pub struct Measure {
    pub name: &'static str,
    pub source: String,
}

/// SQL spreading each row of a `src` with an `at` over the day, ISO week and month it falls
/// in (UTC): `FROM src CROSS JOIN`ed with it, it gives `g.grain` and `PIECE_START`.
const GRAINS: &str = "(VALUES ('d'), ('w'), ('m')) g (grain)";
const PIECE_START: &str =
    "date_trunc(CASE g.grain WHEN 'd' THEN 'day' WHEN 'w' THEN 'week' ELSE 'month' END,
                                  at AT TIME ZONE 'UTC')::date";

/// Deletes a measure's rollups of a repository, before they are built again.
async fn clear(conn: &mut Conn, repository_id: i64, measure: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM metric_rollups WHERE repository_id = $1 AND measure = $2")
        .bind(repository_id)
        .bind(measure)
        .execute(conn)
        .await?;
    Ok(())
}

/// Builds the rollups of `measures` for a repository again from its rows.
pub async fn refresh(
    conn: &mut Conn,
    repository_id: i64,
    measures: &[Measure],
) -> Result<(), sqlx::Error> {
    for m in measures {
        clear(conn, repository_id, m.name).await?;
        let sql = format!(
            "WITH src AS ({source}),
             keyed AS (
                SELECT at, coalesce(grp, '') AS grp, value,
                       CASE WHEN value > 1e-9 THEN ceil(ln(value) / ln($3))::int
                            WHEN value < -1e-9 THEN $5 - ceil(ln(-value) / ln($3))::int
                            ELSE $4 END AS key
                  FROM src WHERE value IS NOT NULL AND at IS NOT NULL),
             spread AS (
                SELECT g.grain, {PIECE_START} AS start, grp, value, key
                  FROM keyed CROSS JOIN {GRAINS}),
             per_key AS (
                SELECT grain, start, grp, key, count(*) AS c, sum(value) AS s
                  FROM spread GROUP BY grain, start, grp, key)
             INSERT INTO metric_rollups (repository_id, measure, grp, grain, start, n, total, keys, counts)
             SELECT $1, $2, grp, grain, start, sum(c), sum(s),
                    array_agg(key ORDER BY key), array_agg(c::int ORDER BY key)
               FROM per_key GROUP BY grain, start, grp",
            source = m.source
        );
        sqlx::query(&sql)
            .bind(repository_id)
            .bind(m.name)
            .bind(gamma())
            .bind(ZERO_KEY)
            .bind(NEGATIVE_BASE)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Builds the rollups of a members measure for a repository again: `source` is the SQL of
/// its items of repository `$1` as rows `(at timestamptz, member text)`; each day's, week's
/// and month's rollup keeps its distinct members (a commit's author, say) with their
/// counts instead of a sketch.
pub async fn refresh_members(
    conn: &mut Conn,
    repository_id: i64,
    measure: &str,
    source: &str,
) -> Result<(), sqlx::Error> {
    clear(conn, repository_id, measure).await?;
    let sql = format!(
        "WITH src AS ({source}),
         spread AS (
            SELECT g.grain, {PIECE_START} AS start, member
              FROM src CROSS JOIN {GRAINS}
             WHERE at IS NOT NULL AND member IS NOT NULL),
         per_member AS (
            SELECT grain, start, member, count(*) AS c FROM spread GROUP BY grain, start, member)
         INSERT INTO metric_rollups (repository_id, measure, grp, grain, start, n, total, keys, counts, members)
         SELECT $1, $2, '', grain, start, sum(c), sum(c), '{{}}',
                array_agg(c::int ORDER BY member), array_agg(member ORDER BY member)
           FROM per_member GROUP BY grain, start"
    );
    sqlx::query(&sql)
        .bind(repository_id)
        .bind(measure)
        .execute(conn)
        .await?;
    Ok(())
}

/// The members of a members measure over the repositories and pieces, with their counts.
pub async fn read_members(
    pool: &PgPool,
    repositories: &[i64],
    measure: &str,
    pieces: &[(&'static str, NaiveDate)],
) -> Result<HashMap<String, i64>, sqlx::Error> {
    let grains: Vec<&str> = pieces.iter().map(|(g, _)| *g).collect();
    let starts: Vec<NaiveDate> = pieces.iter().map(|(_, d)| *d).collect();
    let rows: Vec<(Vec<String>, Vec<i32>)> = sqlx::query_as(
        "SELECT members, counts FROM metric_rollups
          WHERE repository_id = ANY($1) AND measure = $2 AND members IS NOT NULL
            AND (grain, start) IN (SELECT * FROM unnest($3::text[], $4::date[]))",
    )
    .bind(repositories)
    .bind(measure)
    .bind(&grains)
    .bind(&starts)
    .fetch_all(pool)
    .await?;
    let mut out: HashMap<String, i64> = HashMap::new();
    for (members, counts) in rows {
        for (m, c) in members.into_iter().zip(counts) {
            *out.entry(m).or_default() += i64::from(c);
        }
    }
    Ok(out)
}

/// How many items a measure has had in all, over the repositories (its monthly rollups).
pub async fn all_time(
    pool: &PgPool,
    repositories: &[i64],
    measure: &str,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT coalesce(sum(n), 0)::bigint FROM metric_rollups
          WHERE repository_id = ANY($1) AND measure = $2 AND grain = 'm'",
    )
    .bind(repositories)
    .bind(measure)
    .fetch_one(pool)
    .await
}

/// Marks a repository's rollups as not current (its rows are about to change): until
/// [`built`] is recorded again, its figures are read from the rows, and the startup
/// backfill rebuilds them if the process stops first.
pub async fn invalidate(conn: &mut Conn, repository_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE metric_rollup_state SET version = 0 WHERE repository_id = $1")
        .bind(repository_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Serialises the rebuilds of one repository's rollups (a settings change during a sync)
/// until the transaction ends.
pub async fn lock(conn: &mut Conn, repository_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_advisory_xact_lock(('x' || md5('pulseboard-rollups-' || $1::text))::bit(64)::bigint)")
        .bind(repository_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Records that a repository's rollups are all built by [`VERSION`].
pub async fn built(conn: &mut Conn, repository_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO metric_rollup_state (repository_id, version) VALUES ($1, $2)
         ON CONFLICT (repository_id) DO UPDATE SET version = EXCLUDED.version, refreshed_at = now()",
    )
    .bind(repository_id)
    .bind(VERSION)
    .execute(conn)
    .await?;
    Ok(())
}

/// Whether every one of the repositories that has rows to roll up has its rollups built
/// by [`VERSION`].
pub async fn ready(pool: &PgPool, repositories: &[i64]) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT NOT EXISTS (
            SELECT 1 FROM unnest($1::bigint[]) r (id)
             WHERE NOT EXISTS (SELECT 1 FROM metric_rollup_state s
                                WHERE s.repository_id = r.id AND s.version = $2)
               AND (EXISTS (SELECT 1 FROM workflow_runs w WHERE w.repository_id = r.id)
                    OR EXISTS (SELECT 1 FROM pull_request_facts f WHERE f.repository_id = r.id)
                    OR EXISTS (SELECT 1 FROM commits c WHERE c.repository_id = r.id)
                    OR EXISTS (SELECT 1 FROM stargazers s WHERE s.repository_id = r.id)
                    OR EXISTS (SELECT 1 FROM forks k WHERE k.repository_id = r.id)
                    OR EXISTS (SELECT 1 FROM issues i WHERE i.repository_id = r.id)))",
    )
    .bind(repositories)
    .bind(VERSION)
    .fetch_one(pool)
    .await
}

/// Repositories with rows to roll up whose rollups are missing or built by another version.
pub async fn unbuilt(pool: &PgPool) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT r.github_id FROM repositories r
          WHERE NOT EXISTS (SELECT 1 FROM metric_rollup_state s
                             WHERE s.repository_id = r.github_id AND s.version = $1)
            AND (EXISTS (SELECT 1 FROM workflow_runs w WHERE w.repository_id = r.github_id)
                 OR EXISTS (SELECT 1 FROM pull_request_facts f WHERE f.repository_id = r.github_id)
                 OR EXISTS (SELECT 1 FROM commits c WHERE c.repository_id = r.github_id)
                 OR EXISTS (SELECT 1 FROM stargazers s WHERE s.repository_id = r.github_id)
                 OR EXISTS (SELECT 1 FROM forks k WHERE k.repository_id = r.github_id)
                 OR EXISTS (SELECT 1 FROM issues i WHERE i.repository_id = r.github_id))",
    )
    .bind(VERSION)
    .fetch_all(pool)
    .await
}

/// A mergeable sketch of a sample: its size, sum and DDSketch buckets.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sketch {
    pub n: i64,
    pub total: f64,
    buckets: BTreeMap<i32, i64>,
}

impl Sketch {
    /// Adds another sketch's sample to this one.
    pub fn merge(&mut self, other: &Sketch) {
        self.n += other.n;
        self.total += other.total;
        for (k, c) in &other.buckets {
            *self.buckets.entry(*k).or_default() += c;
        }
    }

    fn add(&mut self, n: i64, total: f64, keys: &[i32], counts: &[i32]) {
        self.n += n;
        self.total += total;
        for (k, c) in keys.iter().zip(counts) {
            *self.buckets.entry(*k).or_default() += i64::from(*c);
        }
    }

    /// The value DDSketch reads for a bucket: within the relative accuracy of every value
    /// in it.
    fn value(key: i32) -> f64 {
        let g = gamma();
        if key == ZERO_KEY {
            0.0
        } else if key < ZERO_KEY {
            -2.0 * g.powi(NEGATIVE_BASE - key) / (g + 1.0)
        } else {
            2.0 * g.powi(key) / (g + 1.0)
        }
    }

    /// The value at rank `r` (0-based) of the sorted sample.
    fn at_rank(&self, r: i64) -> f64 {
        let mut seen = 0;
        for (k, c) in &self.buckets {
            seen += c;
            if seen > r {
                return Self::value(*k);
            }
        }
        self.buckets.keys().last().map_or(0.0, |k| Self::value(*k))
    }

    /// The `q` quantile with the interpolation of [`crate::metrics::stats::quantile`]
    /// (type 7) between the two ranks around `(n - 1) q`; `None` when empty.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        let count: i64 = self.buckets.values().sum();
        if count == 0 {
            return None;
        }
        let h = (count - 1) as f64 * q;
        let (lo, hi) = (h.floor() as i64, h.ceil() as i64);
        let (a, b) = (self.at_rank(lo), self.at_rank(hi));
        Some(a + (h - lo as f64) * (b - a))
    }
}

/// The day, week and month rollups that cover `[from, to)` exactly, fewest first: whole
/// months where they fit, then whole ISO weeks, then days. `None` when either end is not
/// a UTC midnight (rollups cannot cut a day).
pub fn pieces(from: DateTime<Utc>, to: DateTime<Utc>) -> Option<Vec<(&'static str, NaiveDate)>> {
    let midnight = |t: DateTime<Utc>| t.time() == chrono::NaiveTime::MIN;
    if !midnight(from) || !midnight(to) {
        return None;
    }
    let (mut day, end) = (from.date_naive(), to.date_naive());
    // `None` past the last date chrono knows: such a month never fits.
    let next_month = |d: NaiveDate| {
        let (y, m) = if d.month() == 12 {
            (d.year() + 1, 1)
        } else {
            (d.year(), d.month() + 1)
        };
        NaiveDate::from_ymd_opt(y, m, 1)
    };
    let month_fits = |d: NaiveDate| d.day() == 1 && next_month(d).is_some_and(|n| n <= end);
    let mut out = Vec::new();
    while day < end {
        let week_end = day + Duration::days(7);
        if let Some(next) = next_month(day).filter(|_| month_fits(day)) {
            out.push(("m", day));
            day = next;
        } else if day.weekday() == Weekday::Mon
            && week_end <= end
            && !(1..7).any(|k| month_fits(day + Duration::days(k)))
        {
            out.push(("w", day));
            day = week_end;
        } else {
            out.push(("d", day));
            match day.succ_opt() {
                Some(next) => day = next,
                None => break,
            }
        }
    }
    Some(out)
}

/// A sample larger than this is read from the rollups (its quantiles from their
/// sketches); a smaller one from its rows, exactly.
pub const EXACT_LIMIT: i64 = 2_000;

/// The sketches of a period's measures, by (measure, group).
#[derive(Debug, Clone, Default)]
pub struct Rolled(HashMap<(String, String), Sketch>);

impl Rolled {
    /// A measure over all its groups.
    pub fn sum(&self, measure: &str) -> Sketch {
        let mut all = Sketch::default();
        for ((m, _), sketch) in &self.0 {
            if m == measure {
                all.merge(sketch);
            }
        }
        all
    }

    /// One group of a measure.
    pub fn get(&self, measure: &str, grp: &str) -> Option<&Sketch> {
        self.0.get(&(measure.to_string(), grp.to_string()))
    }

    /// The groups of a measure with their sketches.
    pub fn groups<'a>(&'a self, measure: &'a str) -> impl Iterator<Item = (&'a str, &'a Sketch)> {
        self.0
            .iter()
            .filter(move |((m, g), _)| m == measure && !g.is_empty())
            .map(|((_, g), s)| (g.as_str(), s))
    }
}

/// The rollups of `measures` over `[from, to)` when they should answer: the period is whole
/// UTC days, every repository's rollups are built, and `size_measure` counts more than
/// [`EXACT_LIMIT`] items; `None` when the rows should.
pub async fn when_large(
    pool: &PgPool,
    repositories: &[i64],
    (from, to): (DateTime<Utc>, DateTime<Utc>),
    measures: &[&str],
    size_measure: &str,
) -> Result<Option<Rolled>, sqlx::Error> {
    let Some(pieces) = pieces(from, to) else {
        return Ok(None);
    };
    if !ready(pool, repositories).await? {
        return Ok(None);
    }
    let rolled = Rolled(read(pool, repositories, measures, &pieces).await?);
    Ok((rolled.sum(size_measure).n > EXACT_LIMIT).then_some(rolled))
}

/// The weekly sketches of `measures` over the repositories for the ISO weeks starting on
/// `mondays`, by (measure, Monday), all groups merged.
pub async fn read_weeks(
    pool: &PgPool,
    repositories: &[i64],
    measures: &[&str],
    mondays: &[NaiveDate],
) -> Result<HashMap<(String, NaiveDate), Sketch>, sqlx::Error> {
    type Row = (String, NaiveDate, i64, f64, Vec<i32>, Vec<i32>);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT measure, start, n, total, keys, counts FROM metric_rollups
          WHERE repository_id = ANY($1) AND measure = ANY($2) AND grain = 'w'
            AND start = ANY($3)",
    )
    .bind(repositories)
    .bind(measures)
    .bind(mondays)
    .fetch_all(pool)
    .await?;
    Ok(merged(
        rows.into_iter()
            .map(|(m, start, n, t, k, c)| ((m, start), n, t, k, c)),
    ))
}

/// Rollup rows merged into one sketch per key.
fn merged<K: std::hash::Hash + Eq>(
    rows: impl Iterator<Item = (K, i64, f64, Vec<i32>, Vec<i32>)>,
) -> HashMap<K, Sketch> {
    let mut out: HashMap<K, Sketch> = HashMap::new();
    for (key, n, total, keys, counts) in rows {
        out.entry(key).or_default().add(n, total, &keys, &counts);
    }
    out
}

/// The sketches of `measures` over the repositories and pieces, by (measure, group).
pub async fn read(
    pool: &PgPool,
    repositories: &[i64],
    measures: &[&str],
    pieces: &[(&'static str, NaiveDate)],
) -> Result<HashMap<(String, String), Sketch>, sqlx::Error> {
    let grains: Vec<&str> = pieces.iter().map(|(g, _)| *g).collect();
    let starts: Vec<NaiveDate> = pieces.iter().map(|(_, d)| *d).collect();
    type Row = (String, String, i64, f64, Vec<i32>, Vec<i32>);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT measure, grp, n, total, keys, counts FROM metric_rollups
          WHERE repository_id = ANY($1) AND measure = ANY($2)
            AND (grain, start) IN (SELECT * FROM unnest($3::text[], $4::date[]))",
    )
    .bind(repositories)
    .bind(measures)
    .bind(&grains)
    .bind(&starts)
    .fetch_all(pool)
    .await?;
    Ok(merged(
        rows.into_iter()
            .map(|(m, grp, n, t, k, c)| ((m, grp), n, t, k, c)),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn periods_are_cut_into_months_then_weeks_then_days() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        // 2026-01-28 (Wednesday) to 2026-04-10: days to Sunday 02-01 (Monday 01-26 is
        // before the start), February and March whole, then Monday 04-06's week is cut by
        // the end: days.
        let p = pieces(t("2026-01-28T00:00:00Z"), t("2026-04-10T00:00:00Z")).unwrap();
        let mut want = vec![
            ("d", d("2026-01-28")),
            ("d", d("2026-01-29")),
            ("d", d("2026-01-30")),
            ("d", d("2026-01-31")),
            ("m", d("2026-02-01")),
            ("m", d("2026-03-01")),
        ];
        for k in 1..=9 {
            want.push(("d", d(&format!("2026-04-{k:02}"))));
        }
        // 04-06 is a Monday but its week ends after 04-10: days throughout.
        assert_eq!(p, want);
        // A whole ISO week inside a month.
        let p = pieces(t("2026-03-02T00:00:00Z"), t("2026-03-10T00:00:00Z")).unwrap();
        assert_eq!(p, [("w", d("2026-03-02")), ("d", d("2026-03-09"))]);
        assert_eq!(
            pieces(t("2026-03-02T12:00:00Z"), t("2026-03-10T00:00:00Z")),
            None
        );
    }

    #[test]
    fn sketch_quantiles_are_within_the_relative_accuracy() {
        let values: Vec<f64> = (1..=1000).map(|k| (k as f64).powf(1.7) / 13.0).collect();
        let mut s = Sketch::default();
        for v in &values {
            let key = (v.ln() / gamma().ln()).ceil() as i32;
            s.add(1, *v, &[key], &[1]);
        }
        for q in [0.5, 0.75, 0.9, 0.95] {
            let exact = crate::metrics::stats::quantile(&values, q).unwrap();
            let got = s.quantile(q).unwrap();
            assert!(
                (got - exact).abs() <= RELATIVE_ACCURACY * exact,
                "q {q}: {got} against {exact}"
            );
        }
        assert_eq!(s.n, 1000);
        assert_eq!(Sketch::default().quantile(0.5), None);
        // Negative values keep their sign and order: [-8, -2, 0, 3] has its median at
        // -1 (between -2 and 0), its p75 at 0.75 (between 0 and 3).
        let mut s = Sketch::default();
        for v in [-8.0f64, -2.0, 0.0, 3.0] {
            let key = if v > 1e-9 {
                (v.ln() / gamma().ln()).ceil() as i32
            } else if v < -1e-9 {
                NEGATIVE_BASE - ((-v).ln() / gamma().ln()).ceil() as i32
            } else {
                ZERO_KEY
            };
            s.add(1, v, &[key], &[1]);
        }
        assert!((s.quantile(0.5).unwrap() + 1.0).abs() <= 0.01 * 2.0);
        assert!((s.quantile(0.75).unwrap() - 0.75).abs() <= 0.01 * 3.0);
        assert!((s.quantile(0.0).unwrap() + 8.0).abs() <= 0.01 * 8.0);
    }
}
