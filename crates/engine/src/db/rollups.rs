//! Rollups (METRICS.md, "Rollups"): per repository, measure and group, the count, sum and
//! a sketch of the values of the items of each UTC day, ISO week and calendar month (and
//! of all time), so that a period over many repositories reads a few rows a repository
//! instead of every item. Counts and sums are exact; quantiles come from the sketch,
//! DDSketch's logarithmic buckets (Masson, Rim and Lee, "DDSketch: a fast and
//! fully-mergeable quantile sketch with relative-error guarantees", VLDB 2019) with a
//! relative accuracy of 1 %.
//!
//! Stored packed: one row of `metric_packs` per repository, family (a measure's name up to
//! its first dot), grain and start holds every measure and group of that piece in one
//! binary value ([`Pack`]'s format), plus a `history` family of the weekly headline series
//! with its groups merged. Built again by the sync once a repository's rows changed
//! ([`rebuild`]); a repository whose rollups are not built by the current [`VERSION`] is
//! left to the exact path ([`ready`]).

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};
use sqlx::PgPool;

use super::Conn;

/// The measures' version: a repository whose rollups were built by another is rebuilt at
/// startup and read exactly until then.
pub const VERSION: i32 = 7;

/// The sketch's relative accuracy: every quantile read is within 1 % of a value of the
/// sample at that rank.
pub const RELATIVE_ACCURACY: f64 = 0.01;

/// DDSketch's base: bucket `k` holds the values in (γ^(k-1), γ^k].
fn gamma() -> f64 {
    (1.0 + RELATIVE_ACCURACY) / (1.0 - RELATIVE_ACCURACY)
}

/// The bucket SQL gives the values within 1e-9 of zero.
const ZERO_KEY: i32 = -1_000_000;

/// SQL's key of a negative value (a lead time from a commit dated in the future, say):
/// `NEGATIVE_BASE - k` for the values in [-γ^k, -γ^(k-1)), so that keys sort as their
/// values do.
const NEGATIVE_BASE: i32 = -2_000_000;

/// The family of the weekly headline series: [`HISTORY_MEASURES`] by ISO week, groups
/// merged.
pub const HISTORY: &str = "history";

/// The measures the weekly headline series reads ([`read_weeks`]).
pub const HISTORY_MEASURES: [&str; 4] = [
    "flow.merged",
    "flow.cycle_hours",
    "lead.hours",
    "growth.stars",
];

/// One measure: the SQL of its items of repository `$1`, as rows
/// `(at timestamptz, grp text, value float8)`; `at` decides the day, week and month.
#[derive(Debug, Clone)]
pub struct Measure {
    pub name: &'static str,
    pub source: String,
}

/// A members measure: the SQL of its items of repository `$1` as rows
/// `(at timestamptz, member text)`; each piece keeps its distinct members (a commit's
/// author, say) with their counts.
#[derive(Debug, Clone)]
pub struct Members {
    pub name: &'static str,
    pub source: String,
}

/// The family a measure is stored in: its name up to the first dot.
fn family(measure: &str) -> &str {
    measure.split('.').next().unwrap_or(measure)
}

/// The first day of the ISO week and of the month a day is in.
fn week_of(day: NaiveDate) -> NaiveDate {
    day - Duration::days(day.weekday().num_days_from_monday().into())
}
fn month_of(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

/// The start of the one all-time piece of a family.
fn all_time_start() -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default()
}

type PieceKey = (String, &'static str, NaiveDate);

/// Builds every rollup of a repository again from its rows: the `measures`' sketches and
/// the `members`' members of each day, week, month (and all time, for sketches), and the
/// weekly [`HISTORY`]. Replaces what was stored in one statement per thousand pieces.
pub async fn rebuild(
    conn: &mut Conn,
    repository_id: i64,
    measures: &[&Measure],
    members: &[&Members],
) -> Result<(), sqlx::Error> {
    let mut packs: BTreeMap<PieceKey, Pack> = BTreeMap::new();
    for m in measures {
        let fam = family(m.name);
        let sql = format!(
            "WITH src AS ({source})
             SELECT (at AT TIME ZONE 'UTC')::date AS day, coalesce(grp, '') AS grp,
                    CASE WHEN value > 1e-9 THEN ceil(ln(value) / ln($2))::int
                         WHEN value < -1e-9 THEN $4 - ceil(ln(-value) / ln($2))::int
                         ELSE $3 END AS key,
                    count(*)::bigint, sum(value)::float8
               FROM src WHERE value IS NOT NULL AND at IS NOT NULL
              GROUP BY 1, 2, 3",
            source = m.source
        );
        let rows: Vec<(NaiveDate, String, i32, i64, f64)> = sqlx::query_as(&sql)
            .bind(repository_id)
            .bind(gamma())
            .bind(ZERO_KEY)
            .bind(NEGATIVE_BASE)
            .fetch_all(&mut *conn)
            .await?;
        let history = HISTORY_MEASURES.contains(&m.name);
        for (day, grp, key, c, s) in rows {
            let pieces = [
                ("d", day),
                ("w", week_of(day)),
                ("m", month_of(day)),
                ("a", all_time_start()),
            ];
            for (grain, start) in pieces {
                packs
                    .entry((fam.to_string(), grain, start))
                    .or_default()
                    .sketch(m.name, &grp)
                    .add_key(key, c, s);
            }
            if history {
                packs
                    .entry((HISTORY.to_string(), "w", week_of(day)))
                    .or_default()
                    .sketch(m.name, "")
                    .add_key(key, c, s);
            }
        }
    }
    for m in members {
        let fam = family(m.name);
        let sql = format!(
            "WITH src AS ({source})
             SELECT (at AT TIME ZONE 'UTC')::date AS day, member, count(*)::bigint
               FROM src WHERE at IS NOT NULL AND member IS NOT NULL GROUP BY 1, 2",
            source = m.source
        );
        let rows: Vec<(NaiveDate, String, i64)> = sqlx::query_as(&sql)
            .bind(repository_id)
            .fetch_all(&mut *conn)
            .await?;
        for (day, member, c) in rows {
            for (grain, start) in [("d", day), ("w", week_of(day)), ("m", month_of(day))] {
                *packs
                    .entry((fam.to_string(), grain, start))
                    .or_default()
                    .members(m.name)
                    .entry(member.clone())
                    .or_default() += c;
            }
        }
    }
    sqlx::query("DELETE FROM metric_packs WHERE repository_id = $1")
        .bind(repository_id)
        .execute(&mut *conn)
        .await?;
    let packs: Vec<(PieceKey, Pack)> = packs.into_iter().collect();
    for chunk in packs.chunks(1000) {
        let families: Vec<&str> = chunk.iter().map(|((f, _, _), _)| f.as_str()).collect();
        let grains: Vec<&str> = chunk.iter().map(|((_, g, _), _)| *g).collect();
        let starts: Vec<NaiveDate> = chunk.iter().map(|((_, _, s), _)| *s).collect();
        let bodies: Vec<Vec<u8>> = chunk.iter().map(|(_, p)| p.encode()).collect();
        sqlx::query(
            "INSERT INTO metric_packs (family, grain, start, repository_id, body)
             SELECT f, g, s, $5, b FROM unnest($1::text[], $2::text[], $3::date[], $4::bytea[])
                    AS t (f, g, s, b)",
        )
        .bind(&families)
        .bind(&grains)
        .bind(&starts)
        .bind(&bodies)
        .bind(repository_id)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// One piece's measures: each (measure, group)'s sketch and members.
#[derive(Debug, Clone, Default)]
struct Pack(BTreeMap<(String, String), (Sketch, BTreeMap<String, i64>)>);

/// The format of a pack's body, its first byte.
const FORMAT: u8 = 1;

impl Pack {
    fn entry(&mut self, measure: &str, grp: &str) -> &mut (Sketch, BTreeMap<String, i64>) {
        self.0
            .entry((measure.to_string(), grp.to_string()))
            .or_default()
    }

    fn sketch(&mut self, measure: &str, grp: &str) -> &mut Sketch {
        &mut self.entry(measure, grp).0
    }

    fn members(&mut self, measure: &str) -> &mut BTreeMap<String, i64> {
        &mut self.entry(measure, "").1
    }

    /// The body: a format byte, the number of entries, then each entry's measure and
    /// group (length-prefixed UTF-8), its payload's length and its payload: count, sum
    /// (f64, little-endian), the zero bucket's count, the positive and then the negative
    /// buckets (how many, then each key as a zigzag delta from the previous and its
    /// count), and the members (how many, then each name and count). Integers are LEB128
    /// varints.
    fn encode(&self) -> Vec<u8> {
        let mut out = vec![FORMAT];
        put(&mut out, self.0.len() as u64);
        let mut payload = Vec::new();
        for ((measure, grp), (s, members)) in &self.0 {
            put_str(&mut out, measure);
            put_str(&mut out, grp);
            payload.clear();
            put(&mut payload, s.n.max(0) as u64);
            payload.extend_from_slice(&s.total.to_le_bytes());
            put(&mut payload, s.zero.max(0) as u64);
            for store in [&s.pos, &s.neg] {
                let buckets: Vec<(i32, i64)> = store.iter().collect();
                put(&mut payload, buckets.len() as u64);
                let mut previous = 0i64;
                for (k, c) in buckets {
                    put(&mut payload, zigzag(i64::from(k) - previous));
                    put(&mut payload, c.max(0) as u64);
                    previous = i64::from(k);
                }
            }
            put(&mut payload, members.len() as u64);
            for (m, c) in members {
                put_str(&mut payload, m);
                put(&mut payload, (*c).max(0) as u64);
            }
            put(&mut out, payload.len() as u64);
            out.extend_from_slice(&payload);
        }
        out
    }
}

fn put(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put(out, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

/// A pack's body being read; every read fails on a truncated or malformed body.
struct Reader<'a>(&'a [u8]);

fn malformed() -> sqlx::Error {
    sqlx::Error::Decode("a rollup pack's body is malformed".into())
}

impl<'a> Reader<'a> {
    fn varint(&mut self) -> Result<u64, sqlx::Error> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let (&byte, rest) = self.0.split_first().ok_or_else(malformed)?;
            self.0 = rest;
            v |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(malformed())
    }

    fn bytes(&mut self, len: usize) -> Result<&'a [u8], sqlx::Error> {
        if self.0.len() < len {
            return Err(malformed());
        }
        let (head, rest) = self.0.split_at(len);
        self.0 = rest;
        Ok(head)
    }

    fn str(&mut self) -> Result<&'a str, sqlx::Error> {
        let len = self.varint()? as usize;
        std::str::from_utf8(self.bytes(len)?).map_err(|_| malformed())
    }

    fn count(&mut self) -> Result<i64, sqlx::Error> {
        i64::try_from(self.varint()?).map_err(|_| malformed())
    }

    /// Adds an entry's payload to a sketch and, when given, its members to a map.
    fn merge_into(
        mut self,
        s: &mut Sketch,
        members: Option<&mut HashMap<String, i64>>,
    ) -> Result<(), sqlx::Error> {
        s.n += self.count()?;
        let total: [u8; 8] = self.bytes(8)?.try_into().map_err(|_| malformed())?;
        s.total += f64::from_le_bytes(total);
        s.zero += self.count()?;
        for negative in [false, true] {
            let mut key = 0i64;
            for _ in 0..self.varint()? {
                key += unzigzag(self.varint()?);
                let k = i32::try_from(key).map_err(|_| malformed())?;
                let c = self.count()?;
                if negative {
                    s.neg.add(k, c);
                } else {
                    s.pos.add(k, c);
                }
            }
        }
        if let Some(members) = members {
            for _ in 0..self.varint()? {
                let m = self.str()?;
                let c = self.count()?;
                match members.get_mut(m) {
                    Some(n) => *n += c,
                    None => {
                        members.insert(m.to_string(), c);
                    }
                }
            }
        }
        Ok(())
    }
}

/// Calls `f` with each entry of a body whose measure `wanted` accepts: its measure, group
/// and a reader of its payload.
fn entries<'a>(
    body: &'a [u8],
    wanted: impl Fn(&str) -> bool,
    mut f: impl FnMut(&'a str, &'a str, Reader<'a>) -> Result<(), sqlx::Error>,
) -> Result<(), sqlx::Error> {
    let mut r = Reader(body);
    if r.bytes(1)? != [FORMAT] {
        return Err(malformed());
    }
    for _ in 0..r.varint()? {
        let measure = r.str()?;
        let grp = r.str()?;
        let len = r.varint()? as usize;
        let payload = r.bytes(len)?;
        if wanted(measure) {
            f(measure, grp, Reader(payload))?;
        }
    }
    Ok(())
}

/// The bodies of the packs of `families` over the repositories and pieces, with their
/// starts.
async fn bodies(
    pool: &PgPool,
    repositories: &[i64],
    families: &[&str],
    pieces: &[(&'static str, NaiveDate)],
) -> Result<Vec<(NaiveDate, Vec<u8>)>, sqlx::Error> {
    let grains: Vec<&str> = pieces.iter().map(|(g, _)| *g).collect();
    let starts: Vec<NaiveDate> = pieces.iter().map(|(_, d)| *d).collect();
    sqlx::query_as(
        "SELECT start, body FROM metric_packs
          WHERE family = ANY($1) AND (grain, start) IN (SELECT * FROM unnest($2::text[], $3::date[]))
            AND repository_id = ANY($4)",
    )
    .bind(families)
    .bind(&grains)
    .bind(&starts)
    .bind(repositories)
    .fetch_all(pool)
    .await
}

/// The families `measures` are stored in, each once.
fn families_of<'a>(measures: &[&'a str]) -> Vec<&'a str> {
    let mut out: Vec<&str> = measures.iter().map(|m| family(m)).collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// The members of a members measure over the repositories and pieces, with their counts.
pub async fn read_members(
    pool: &PgPool,
    repositories: &[i64],
    measure: &str,
    pieces: &[(&'static str, NaiveDate)],
) -> Result<HashMap<String, i64>, sqlx::Error> {
    let mut out = HashMap::new();
    let mut scratch = Sketch::default();
    for (_, body) in bodies(pool, repositories, &[family(measure)], pieces).await? {
        entries(
            &body,
            |m| m == measure,
            |_, _, r| r.merge_into(&mut scratch, Some(&mut out)),
        )?;
    }
    Ok(out)
}

/// How many items a measure has had in all, over the repositories (their all-time pieces).
pub async fn all_time(
    pool: &PgPool,
    repositories: &[i64],
    measure: &str,
) -> Result<i64, sqlx::Error> {
    let rolled = read(pool, repositories, &[measure], &[("a", all_time_start())]).await?;
    Ok(rolled.sum(measure).n)
}

/// Marks a repository's rollups as not current (its rows are about to change): until
/// [`built`] is recorded again, its figures are read from the rows, and the startup
/// backfill rebuilds them if the process stops first. Called before a repository's first
/// rows are stored, so every repository with rows has a state ([`ready`] relies on it).
pub async fn invalidate(conn: &mut Conn, repository_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO metric_rollup_state (repository_id, version) VALUES ($1, 0)
         ON CONFLICT (repository_id) DO UPDATE SET version = 0",
    )
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

/// The advisory lock a sync of a repository holds while it stores rows (see
/// [`hold_for_sync`]).
const SYNC_LOCK: &str =
    "SELECT pg_advisory_lock(('x' || md5('pulseboard-sync-' || $1::text))::bit(64)::bigint)";

/// Holds a repository's sync lock until the returned connection is dropped (it is taken
/// out of the pool, so dropping it closes it and PostgreSQL releases the lock, also when
/// the process dies). A second sync of the same repository waits for the first; the
/// startup rebuild ([`syncing`]) leaves a repository being synced to that sync.
pub async fn hold_for_sync(
    pool: &PgPool,
    repository_id: i64,
) -> Result<sqlx::PgConnection, sqlx::Error> {
    let mut conn = pool.acquire().await?.detach();
    sqlx::query(SYNC_LOCK)
        .bind(repository_id)
        .execute(&mut conn)
        .await?;
    Ok(conn)
}

/// Whether a sync holds the repository's sync lock now; when it does not, this
/// transaction holds it until it ends, so that no sync starts storing rows meanwhile.
pub async fn syncing(conn: &mut Conn, repository_id: i64) -> Result<bool, sqlx::Error> {
    let free: bool = sqlx::query_scalar(
        "SELECT pg_try_advisory_xact_lock(('x' || md5('pulseboard-sync-' || $1::text))::bit(64)::bigint)",
    )
    .bind(repository_id)
    .fetch_one(conn)
    .await?;
    Ok(!free)
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

/// Whether every one of the repositories has its rollups built by [`VERSION`]: a
/// repository without a state has never had rows stored ([`invalidate`]), so nothing to
/// roll up.
pub async fn ready(pool: &PgPool, repositories: &[i64]) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT NOT EXISTS (SELECT 1 FROM metric_rollup_state
                             WHERE repository_id = ANY($1) AND version <> $2)",
    )
    .bind(repositories)
    .bind(VERSION)
    .fetch_one(pool)
    .await
}

/// When some repositories' rollups were last built, and how many are not current
/// ([`stamp`]).
pub type Stamp = (Option<DateTime<Utc>>, i64);

/// The stamp of the repositories' data: when their rollups were last built, and how
/// many are not current. A sync (which marks them not current as it starts and rebuilds
/// them as it ends) or a settings change gives a new stamp.
pub async fn stamp(pool: &PgPool, repositories: &[i64]) -> Result<Stamp, sqlx::Error> {
    sqlx::query_as(
        "SELECT max(refreshed_at), count(*) FILTER (WHERE version <> $2)
           FROM metric_rollup_state WHERE repository_id = ANY($1)",
    )
    .bind(repositories)
    .bind(VERSION)
    .fetch_one(pool)
    .await
}

/// Repositories whose rollups are not current (built by another version, or a sync or
/// settings change stopped before rebuilding them).
pub async fn unbuilt(pool: &PgPool) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT repository_id FROM metric_rollup_state WHERE version <> $1 ORDER BY repository_id",
    )
    .bind(VERSION)
    .fetch_all(pool)
    .await
}

/// DDSketch buckets of one sign, dense from the lowest key held.
#[derive(Debug, Clone, Default)]
struct Store {
    lo: i32,
    counts: Vec<i64>,
}

impl Store {
    fn add(&mut self, key: i32, c: i64) {
        if self.counts.is_empty() {
            self.lo = key;
        } else if key < self.lo {
            let shift = (self.lo - key) as usize;
            self.counts.splice(0..0, std::iter::repeat_n(0, shift));
            self.lo = key;
        }
        let i = (key - self.lo) as usize;
        if i >= self.counts.len() {
            self.counts.resize(i + 1, 0);
        }
        self.counts[i] += c;
    }

    /// The non-empty buckets, lowest key first.
    fn iter(&self) -> impl DoubleEndedIterator<Item = (i32, i64)> + '_ {
        self.counts
            .iter()
            .enumerate()
            .filter(|(_, c)| **c != 0)
            .map(|(i, c)| (self.lo + i as i32, *c))
    }

    fn count(&self) -> i64 {
        self.counts.iter().sum()
    }
}

/// A mergeable sketch of a sample: its size, sum and DDSketch buckets (positive values by
/// their key, negative ones by their magnitude's key, and those within 1e-9 of zero).
#[derive(Debug, Clone, Default)]
pub struct Sketch {
    pub n: i64,
    pub total: f64,
    zero: i64,
    pos: Store,
    neg: Store,
}

impl Sketch {
    /// Adds another sketch's sample to this one.
    pub fn merge(&mut self, other: &Sketch) {
        self.n += other.n;
        self.total += other.total;
        self.zero += other.zero;
        for (k, c) in other.pos.iter() {
            self.pos.add(k, c);
        }
        for (k, c) in other.neg.iter() {
            self.neg.add(k, c);
        }
    }

    /// Adds `c` items summing to `s` whose values have SQL's key `key`.
    fn add_key(&mut self, key: i32, c: i64, s: f64) {
        self.n += c;
        self.total += s;
        if key == ZERO_KEY {
            self.zero += c;
        } else if key < ZERO_KEY {
            self.neg.add(NEGATIVE_BASE - key, c);
        } else {
            self.pos.add(key, c);
        }
    }

    /// The value DDSketch reads for a bucket: within the relative accuracy of every value
    /// in it.
    fn value(key: i32) -> f64 {
        let g = gamma();
        2.0 * g.powi(key) / (g + 1.0)
    }

    /// The value at rank `r` (0-based) of the sorted sample: the negative values from the
    /// largest magnitude, zero, then the positive ones.
    fn at_rank(&self, r: i64) -> f64 {
        let mut seen = 0;
        for (k, c) in self.neg.iter().rev() {
            seen += c;
            if seen > r {
                return -Self::value(k);
            }
        }
        seen += self.zero;
        if seen > r {
            return 0.0;
        }
        let mut last = 0.0;
        for (k, c) in self.pos.iter() {
            seen += c;
            last = Self::value(k);
            if seen > r {
                return last;
            }
        }
        last
    }

    /// The `q` quantile with the interpolation of [`crate::metrics::stats::quantile`]
    /// (type 7) between the two ranks around `(n - 1) q`; `None` when empty.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        let count = self.neg.count() + self.zero + self.pos.count();
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

/// The sketches of a period's measures, by measure and group.
#[derive(Debug, Clone, Default)]
pub struct Rolled(HashMap<String, HashMap<String, Sketch>>);

impl Rolled {
    /// A measure over all its groups.
    pub fn sum(&self, measure: &str) -> Sketch {
        let mut all = Sketch::default();
        for sketch in self.0.get(measure).into_iter().flat_map(|g| g.values()) {
            all.merge(sketch);
        }
        all
    }

    /// One group of a measure.
    pub fn get(&self, measure: &str, grp: &str) -> Option<&Sketch> {
        self.0.get(measure)?.get(grp)
    }

    /// The groups of a measure with their sketches.
    pub fn groups<'a>(&'a self, measure: &'a str) -> impl Iterator<Item = (&'a str, &'a Sketch)> {
        self.0
            .get(measure)
            .into_iter()
            .flat_map(|g| g.iter())
            .filter(|(g, _)| !g.is_empty())
            .map(|(g, s)| (g.as_str(), s))
    }

    /// The sketch of a measure's group, made empty when new.
    fn slot(&mut self, measure: &str, grp: &str) -> &mut Sketch {
        if !self.0.contains_key(measure) {
            self.0.insert(measure.to_string(), HashMap::new());
        }
        let groups = self.0.get_mut(measure).expect("inserted above");
        if !groups.contains_key(grp) {
            groups.insert(grp.to_string(), Sketch::default());
        }
        groups.get_mut(grp).expect("inserted above")
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
    let rolled = read(pool, repositories, measures, &pieces).await?;
    Ok((rolled.sum(size_measure).n > EXACT_LIMIT).then_some(rolled))
}

/// The weekly sketches of [`HISTORY_MEASURES`] over the repositories for the ISO weeks
/// starting on `mondays`, by (measure, Monday), all groups merged.
pub async fn read_weeks(
    pool: &PgPool,
    repositories: &[i64],
    mondays: &[NaiveDate],
) -> Result<HashMap<(String, NaiveDate), Sketch>, sqlx::Error> {
    let pieces: Vec<(&'static str, NaiveDate)> = mondays.iter().map(|d| ("w", *d)).collect();
    let mut out: HashMap<(String, NaiveDate), Sketch> = HashMap::new();
    for (start, body) in bodies(pool, repositories, &[HISTORY], &pieces).await? {
        entries(
            &body,
            |_| true,
            |measure, _, r| {
                let slot = out.entry((measure.to_string(), start)).or_default();
                r.merge_into(slot, None)
            },
        )?;
    }
    Ok(out)
}

/// The sketches of `measures` over the repositories and pieces.
pub async fn read(
    pool: &PgPool,
    repositories: &[i64],
    measures: &[&str],
    pieces: &[(&'static str, NaiveDate)],
) -> Result<Rolled, sqlx::Error> {
    let mut rolled = Rolled::default();
    let families = families_of(measures);
    for (_, body) in bodies(pool, repositories, &families, pieces).await? {
        entries(
            &body,
            |m| measures.contains(&m),
            |measure, grp, r| r.merge_into(rolled.slot(measure, grp), None),
        )?;
    }
    Ok(rolled)
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
            s.add_key(key, 1, *v);
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
            s.add_key(key, 1, v);
        }
        assert!((s.quantile(0.5).unwrap() + 1.0).abs() <= 0.01 * 2.0);
        assert!((s.quantile(0.75).unwrap() - 0.75).abs() <= 0.01 * 3.0);
        assert!((s.quantile(0.0).unwrap() + 8.0).abs() <= 0.01 * 8.0);
    }

    #[test]
    fn packs_read_back_what_was_written() {
        let mut pack = Pack::default();
        // Keys as SQL gives them (ceil(ln |v| / ln γ)): positive, zero and negative values.
        let k = |v: f64| (v.abs().ln() / gamma().ln()).ceil() as i32;
        for (key, c, v) in [
            (k(2.0), 2, 4.0),
            (k(200.0), 1, 200.0),
            (ZERO_KEY, 3, 0.0),
            (NEGATIVE_BASE - k(5.0), 1, -5.0),
        ] {
            pack.sketch("ci.run_minutes", "build").add_key(key, c, v);
        }
        pack.sketch("ci.runs", "").add_key(0, 7, 7.0);
        *pack
            .members("growth.authors")
            .entry("ada".into())
            .or_default() += 4;
        let body = pack.encode();
        let mut rolled = Rolled::default();
        let mut members = HashMap::new();
        entries(
            &body,
            |_| true,
            |m, g, r| {
                if m == "growth.authors" {
                    r.merge_into(&mut Sketch::default(), Some(&mut members))
                } else {
                    r.merge_into(rolled.slot(m, g), None)
                }
            },
        )
        .unwrap();
        let s = rolled.get("ci.run_minutes", "build").unwrap();
        // Seven items; the sums as given: 4 (both at ~2) + 200 + 0 - 5 = 199.
        assert_eq!((s.n, s.total), (7, 199.0));
        // Sorted: -5, 0, 0, 0, ~2.0, ~2.0, ~200: the median is 0, the minimum about -5.
        assert_eq!(s.quantile(0.5), Some(0.0));
        assert!((s.quantile(0.0).unwrap() + 5.0).abs() <= 0.05 * 5.0);
        assert_eq!(rolled.sum("ci.runs").n, 7);
        assert_eq!(rolled.groups("ci.runs").count(), 0);
        assert_eq!(members.get("ada"), Some(&4));
        // A body cut short is an error, not an empty pack.
        let cut = &body[..body.len() - 3];
        assert!(entries(
            cut,
            |_| true,
            |_, _, r| r.merge_into(&mut Sketch::default(), None)
        )
        .is_err());
        assert!(entries(&[9], |_| true, |_, _, _| Ok(())).is_err());
    }
}
