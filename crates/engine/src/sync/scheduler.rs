//! The periodic sync. Each tick, the tracked repositories with a resource past its interval
//! (stars every 3 hours, the rest hourly, configurable) are asked what changed, 100 to a
//! GraphQL request, and only the changed resources become jobs for any worker. The
//! resources whose old items can change without a signal ([`changes::UNSIGNALLED`]: a
//! re-run of an old workflow run, a new status of an old deployment, an edited release, a
//! disabled workflow) are read anyway once their last read is older than
//! [`Intervals::reconcile`] (a day by default).
//!
//! One process schedules at a time (a Postgres advisory lock, released if it dies); the
//! jobs go to the shared queue every process works.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use chrono::{DateTime, Timelike, Utc};

use super::{changes, Mode, RepoRef, Resource};
use crate::clients::Clients;
use crate::db;
use sqlx::PgPool;

/// How often each resource is checked for changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Intervals {
    pub default: Duration,
    pub per_resource: BTreeMap<Resource, Duration>,
    /// How old the last read of an [`changes::UNSIGNALLED`] resource may get before it is
    /// read whatever the signals say.
    pub reconcile: Duration,
}

impl Default for Intervals {
    fn default() -> Self {
        Intervals {
            default: Duration::from_secs(3600),
            per_resource: BTreeMap::from([(Resource::Stargazers, Duration::from_secs(3 * 3600))]),
            reconcile: Duration::from_secs(86_400),
        }
    }
}

/// `90s`, `15m`, `3h` or `1d`.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let (number, unit) = text.split_at(text.find(|c: char| !c.is_ascii_digit())?);
    let n: u64 = number.parse().ok().filter(|n| *n > 0)?;
    let secs = match unit {
        "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86_400,
        _ => return None,
    };
    Some(Duration::from_secs(secs))
}

impl Intervals {
    /// `every` for all resources, then `overrides` such as `stargazers=3h,forks=6h`
    /// (the default already checks stars every 3 hours).
    pub fn parse(every: &str, overrides: &str) -> Result<Intervals, String> {
        Intervals::every(every)?.with_overrides(overrides)
    }

    /// The same interval for every resource but the stars (every 3 hours).
    pub fn every(every: &str) -> Result<Intervals, String> {
        Ok(Intervals {
            default: parse_duration(every)
                .ok_or_else(|| format!("{every:?} is not a duration like 90s, 15m, 1h or 1d"))?,
            ..Intervals::default()
        })
    }

    /// Intervals for single resources, as `RESOURCE=DURATION,...`.
    pub fn with_overrides(mut self, overrides: &str) -> Result<Intervals, String> {
        for pair in overrides
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            let (resource, every) = pair
                .split_once('=')
                .ok_or_else(|| format!("{pair:?} is not RESOURCE=DURATION"))?;
            let resource = Resource::from_name(resource.trim()).map_err(|e| e.to_string())?;
            let every = parse_duration(every)
                .ok_or_else(|| format!("{every:?} is not a duration like 90s, 15m, 1h or 1d"))?;
            self.per_resource.insert(resource, every);
        }
        Ok(self)
    }

    /// Reads the resources that change without a signal at least every `every`.
    pub fn reconciling_every(mut self, every: &str) -> Result<Intervals, String> {
        self.reconcile = parse_duration(every)
            .ok_or_else(|| format!("{every:?} is not a duration like 90s, 15m, 1h or 1d"))?;
        Ok(self)
    }

    /// Among `due`, the resources that change without a signal and were last read (by any
    /// job) longer than [`Intervals::reconcile`] ago, or never. `read` is keyed by stored
    /// resource names.
    pub fn to_reconcile(
        &self,
        due: &[Resource],
        read: &HashMap<String, DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Vec<Resource> {
        due.iter()
            .copied()
            .filter(|r| changes::UNSIGNALLED.contains(r))
            .filter(|r| match read.get(r.as_str()) {
                None => true,
                Some(at) => (now - *at).to_std().is_ok_and(|age| age >= self.reconcile),
            })
            .collect()
    }

    pub fn of(&self, resource: Resource) -> Duration {
        self.per_resource
            .get(&resource)
            .copied()
            .unwrap_or(self.default)
    }

    /// The resources whose last check is older than their interval (or never happened).
    /// `checked` is keyed by stored resource names.
    pub fn due(
        &self,
        checked: &HashMap<String, DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Vec<Resource> {
        Resource::ALL
            .into_iter()
            .filter(|r| match checked.get(r.as_str()) {
                None => true,
                Some(at) => (now - *at).to_std().is_ok_and(|age| age >= self.of(*r)),
            })
            .collect()
    }
}

/// What one tick did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tick {
    /// Repositories with at least one resource due.
    pub due: usize,
    /// Jobs queued (or already live) for repositories whose due resources changed.
    pub queued: usize,
    /// Due repositories GitHub showed unchanged: checked, nothing queued.
    pub unchanged: usize,
    /// Requests spent asking what changed.
    pub requests: u32,
}

/// An arbitrary constant naming the scheduler's advisory lock.
const LOCK: i64 = 0x7075_6c73_6573_6368;

/// One round: `None` when another process is scheduling right now.
pub async fn tick(
    pool: &PgPool,
    clients: &Clients,
    intervals: &Intervals,
    now: DateTime<Utc>,
) -> crate::Result<Option<Tick>> {
    let mut lock = pool.acquire().await?;
    let mine = db::schedule::try_lock(&mut lock, LOCK).await?;
    if !mine {
        return Ok(None);
    }
    let result = schedule(pool, clients, intervals, now).await;
    // Once an hour, the runs nobody will look at again go (the latest of each stays).
    if now.minute() == 0 {
        match db::sync_runs::prune(pool, now).await {
            Ok(n) if n > 0 => tracing::info!(pruned = n, "old sync runs deleted"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "old sync runs could not be deleted"),
        }
    }
    db::schedule::unlock(&mut lock, LOCK).await?;
    result.map(Some)
}

async fn schedule(
    pool: &PgPool,
    clients: &Clients,
    intervals: &Intervals,
    now: DateTime<Utc>,
) -> crate::Result<Tick> {
    let mut report = Tick::default();
    // Each reader's token asks about the repositories it reads.
    let mut by_reader: BTreeMap<i64, Vec<(db::schedule::Tracked, Vec<Resource>)>> = BTreeMap::new();
    for repo in db::schedule::tracked(pool).await? {
        let due = intervals.due(&repo.checked, now);
        if !due.is_empty() {
            by_reader.entry(repo.user_id).or_default().push((repo, due));
        }
    }
    for (user_id, repos) in by_reader {
        report.due += repos.len();
        let client = match clients.for_user(user_id).await {
            Ok(c) => c.with_own_counters(),
            Err(e) => {
                tracing::warn!(user_id, error = %e, "cannot schedule syncs with this user's token");
                continue;
            }
        };
        let asked: Vec<RepoRef> = repos
            .iter()
            .map(|(r, _)| RepoRef {
                github_id: r.github_id,
                node_id: Some(r.node_id.clone()),
                full_name: r.full_name.clone(),
            })
            .collect();
        let plans = changes::plan(pool, &client, &asked).await;
        report.requests += client.requests_made();
        let plans = match plans {
            Ok(p) => p,
            Err(e) => {
                // Nothing is marked checked, so the next tick asks again.
                tracing::warn!(user_id, error = %e, "could not ask GitHub what changed");
                continue;
            }
        };
        for (repo, due) in repos {
            let stale = intervals.to_reconcile(&due, &repo.read, now);
            let changed: Vec<Resource> = plans
                .iter()
                .find(|p| p.repository_id == repo.github_id)
                .map(|p| {
                    Resource::ALL
                        .into_iter()
                        .filter(|r| due.contains(r))
                        .filter(|r| p.resources.contains(r) || stale.contains(r))
                        .collect()
                })
                .unwrap_or_default();
            let mut checked = due.clone();
            if changed.is_empty() {
                report.unchanged += 1;
            } else {
                let job = db::jobs::enqueue(
                    pool,
                    repo.github_id,
                    &Resource::names(&changed),
                    Mode::Incremental.as_str(),
                    None,
                    0,
                )
                .await?;
                report.queued += 1;
                // A job already live for other resources does not cover these: ask
                // about them again next tick rather than skip a whole interval.
                if !job.resources.is_empty() {
                    checked.retain(|r| {
                        !changed.contains(r) || job.resources.iter().any(|j| j == r.as_str())
                    });
                }
            }
            db::schedule::mark_checked(pool, repo.github_id, &Resource::names(&checked), now)
                .await?;
        }
    }
    Ok(report)
}

/// How often the scheduler looks for due work.
pub const TICK: Duration = Duration::from_secs(60);

/// Ticks until `shutdown` resolves.
pub async fn run(
    pool: PgPool,
    clients: Clients,
    intervals: Intervals,
    shutdown: impl std::future::Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    loop {
        match tick(&pool, &clients, &intervals, Utc::now()).await {
            Ok(Some(t)) if t.due > 0 => tracing::info!(
                due = t.due,
                queued = t.queued,
                unchanged = t.unchanged,
                requests = t.requests,
                "scheduled syncs"
            ),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "the sync scheduler failed this round"),
        }
        tokio::select! {
            _ = &mut shutdown => return,
            _ = tokio::time::sleep(TICK) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn durations_read_like_people_write_them() {
        assert_eq!(parse_duration("90s"), Some(Duration::from_secs(90)));
        assert_eq!(parse_duration("15m"), Some(Duration::from_secs(900)));
        assert_eq!(parse_duration(" 3h "), Some(Duration::from_secs(10_800)));
        assert_eq!(parse_duration("1d"), Some(Duration::from_secs(86_400)));
        for bad in ["", "h", "0m", "5", "5 minutes", "-1h", "1.5h"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }

    #[test]
    fn stars_every_three_hours_the_rest_hourly_by_default() {
        let i = Intervals::parse("1h", "").unwrap();
        assert_eq!(i, Intervals::default());
        assert_eq!(i.of(Resource::Stargazers), Duration::from_secs(10_800));
        assert_eq!(i.of(Resource::PullRequests), Duration::from_secs(3600));
        let i = Intervals::parse("30m", "forks=6h, stargazers=1d").unwrap();
        assert_eq!(i.of(Resource::Issues), Duration::from_secs(1800));
        assert_eq!(i.of(Resource::Forks), Duration::from_secs(21_600));
        assert_eq!(i.of(Resource::Stargazers), Duration::from_secs(86_400));
        assert!(Intervals::parse("soon", "").unwrap_err().contains("soon"));
        assert!(Intervals::parse("1h", "stars=3h")
            .unwrap_err()
            .contains("stars"));
        assert!(Intervals::parse("1h", "forks")
            .unwrap_err()
            .contains("RESOURCE=DURATION"));
    }

    #[test]
    fn a_resource_is_due_once_its_interval_has_passed() {
        let i = Intervals::default();
        let now = Utc.with_ymd_and_hms(2026, 11, 26, 12, 0, 0).unwrap();
        // Never checked: everything is due.
        assert_eq!(i.due(&HashMap::new(), now).len(), Resource::ALL.len());
        // Everything checked 90 minutes ago: all but the stars.
        let checked: HashMap<String, DateTime<Utc>> = Resource::ALL
            .iter()
            .map(|r| (r.to_string(), now - chrono::Duration::minutes(90)))
            .collect();
        let due = i.due(&checked, now);
        assert_eq!(due.len(), Resource::ALL.len() - 1);
        assert!(!due.contains(&Resource::Stargazers));
        // Checked 59 minutes ago: nothing; exactly three hours ago: everything.
        let recent: HashMap<String, DateTime<Utc>> = Resource::ALL
            .iter()
            .map(|r| (r.to_string(), now - chrono::Duration::minutes(59)))
            .collect();
        assert!(i.due(&recent, now).is_empty());
        let old: HashMap<String, DateTime<Utc>> = Resource::ALL
            .iter()
            .map(|r| (r.to_string(), now - chrono::Duration::hours(3)))
            .collect();
        assert_eq!(i.due(&old, now).len(), Resource::ALL.len());
    }
}
