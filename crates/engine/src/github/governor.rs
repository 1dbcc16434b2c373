//! How hard one process uses one token: the budgets GitHub last reported, a reserve kept
//! for people using the dashboard, GitHub's per-minute pacing and requests in flight,
//! shared by every client of that token.

use super::budget::RateBudget;
use std::time::Duration;

pub use super::retry::{RetryPolicy, Verdict};

/// Which of GitHub's budgets a request draws on: REST's `core` or GraphQL's points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    Rest,
    GraphQl,
}

impl Api {
    /// GraphQL requests are the ones with a body (a POST to /graphql); REST ones are GETs.
    pub fn of(has_body: bool) -> Api {
        if has_body {
            Api::GraphQl
        } else {
            Api::Rest
        }
    }
}

/// Who is waiting for an answer. Background work (sync jobs, the scheduler, the CLI)
/// leaves a reserve of the budget for people using the dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Priority {
    Interactive,
    #[default]
    Background,
}

/// How hard one process may use one token. Each field names the variable `pulseboard`
/// reads it from (see `server::config`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GovernorConfig {
    /// `PULSEBOARD_GITHUB_CONCURRENCY`: requests in flight (GitHub recommends serial
    /// requests; a few in parallel are tolerated). Default 4.
    pub concurrency: usize,
    /// `PULSEBOARD_GITHUB_RESERVE_PERCENT`: the share of each budget background work leaves
    /// for interactive use. Default 10.
    pub reserve_percent: u32,
    /// `PULSEBOARD_GITHUB_REST_POINTS_PER_MINUTE`: GitHub's secondary limit for REST is 900
    /// points a minute (a GET is one point). 0 turns pacing off.
    pub rest_per_minute: u32,
    /// `PULSEBOARD_GITHUB_GRAPHQL_POINTS_PER_MINUTE`: 2,000 for GraphQL (a query is one
    /// point). 0 turns pacing off.
    pub graphql_per_minute: u32,
}

impl Default for GovernorConfig {
    fn default() -> Self {
        GovernorConfig {
            concurrency: 4,
            reserve_percent: 10,
            rest_per_minute: 900,
            graphql_per_minute: 2000,
        }
    }
}

impl GovernorConfig {
    fn per_minute(&self, api: Api) -> u32 {
        match api {
            Api::Rest => self.rest_per_minute,
            Api::GraphQl => self.graphql_per_minute,
        }
    }
}

/// Seconds background work must hold off so that `reserve_percent` of the budget stays
/// for interactive use; interactive requests spend down to zero (and past it GitHub
/// answers with a limit the retry policy waits for).
pub fn reserve_wait(
    budget: Option<RateBudget>,
    reserve_percent: u32,
    priority: Priority,
    now: i64,
) -> i64 {
    match (budget, priority) {
        (Some(b), Priority::Background) => {
            let reserve = (u64::from(b.limit) * u64::from(reserve_percent) / 100) as u32;
            b.wait_secs(reserve, now)
        }
        _ => 0,
    }
}

/// A token bucket holding up to a minute's points, refilled continuously.
#[derive(Debug, Clone, Copy)]
pub struct Pace {
    points: f64,
    at: std::time::Instant,
}

impl Pace {
    pub fn full(per_minute: u32, now: std::time::Instant) -> Self {
        Pace {
            points: f64::from(per_minute),
            at: now,
        }
    }

    /// Takes one point, or says how long until one is there (and takes nothing).
    pub fn take(&mut self, per_minute: u32, now: std::time::Instant) -> Duration {
        if per_minute == 0 {
            return Duration::ZERO;
        }
        let rate = f64::from(per_minute) / 60.0;
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        self.points = (self.points + elapsed * rate).min(f64::from(per_minute));
        self.at = now;
        if self.points >= 1.0 {
            self.points -= 1.0;
            Duration::ZERO
        } else {
            Duration::from_secs_f64((1.0 - self.points) / rate)
        }
    }
}

/// What all work on one token against one server shares within a process: the budgets
/// GitHub last reported, the reserve, points per minute and requests in flight. Looked
/// up by a hash of the base URL and token, so every client built for them, in any task,
/// waits in the same line.
#[derive(Debug)]
pub struct TokenGovernor {
    config: GovernorConfig,
    permits: tokio::sync::Semaphore,
    state: std::sync::Mutex<Shared>,
}

#[derive(Debug)]
struct Shared {
    rest: (Option<RateBudget>, Pace),
    graphql: (Option<RateBudget>, Pace),
}

impl Shared {
    fn of(&mut self, api: Api) -> &mut (Option<RateBudget>, Pace) {
        match api {
            Api::Rest => &mut self.rest,
            Api::GraphQl => &mut self.graphql,
        }
    }
}

type Governors =
    std::sync::Mutex<std::collections::HashMap<[u8; 32], std::sync::Arc<TokenGovernor>>>;
static GOVERNORS: std::sync::OnceLock<Governors> = std::sync::OnceLock::new();
static CONFIG: std::sync::OnceLock<GovernorConfig> = std::sync::OnceLock::new();

/// Sets the process's governor settings (the `serve`/`sync` configuration does, at
/// start-up, before any client exists); without it the defaults apply.
///
/// Errors: the settings already in force, when they were set before.
pub fn configure(config: GovernorConfig) -> Result<(), GovernorConfig> {
    CONFIG.set(config).map_err(|_| configured())
}

/// The settings in force.
pub fn configured() -> GovernorConfig {
    CONFIG.get().copied().unwrap_or_default()
}

impl TokenGovernor {
    pub fn new(config: GovernorConfig) -> Self {
        let now = std::time::Instant::now();
        TokenGovernor {
            config,
            permits: tokio::sync::Semaphore::new(config.concurrency),
            state: std::sync::Mutex::new(Shared {
                rest: (None, Pace::full(config.rest_per_minute, now)),
                graphql: (None, Pace::full(config.graphql_per_minute, now)),
            }),
        }
    }

    /// The process's governor for `key` (a hash of server and token), with the settings
    /// in force ([`configure`]) when first asked for.
    pub fn shared(key: &[u8; 32]) -> std::sync::Arc<TokenGovernor> {
        let map = GOVERNORS.get_or_init(Default::default);
        let mut map = map.lock().unwrap_or_else(|e| e.into_inner());
        map.entry(*key)
            .or_insert_with(|| std::sync::Arc::new(TokenGovernor::new(configured())))
            .clone()
    }

    fn state(&self) -> std::sync::MutexGuard<'_, Shared> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Remembers the budget a response reported.
    pub fn observe(&self, api: Api, budget: RateBudget) {
        self.state().of(api).0 = Some(budget);
    }

    /// The budget GitHub last reported; `None` if it reports none.
    pub fn budget(&self, api: Api) -> Option<RateBudget> {
        self.state().of(api).0
    }

    /// Waits until a request may go: past the reserve (background work only) and within
    /// the points per minute. Returns how long it waited, or `RateLimited` when the reset
    /// is further away than `max_wait`.
    pub async fn admit(
        &self,
        api: Api,
        priority: Priority,
        max_wait: Duration,
    ) -> Result<Duration, super::GitHubError> {
        let mut waited = Duration::ZERO;
        loop {
            let now = chrono::Utc::now().timestamp();
            let pause = {
                let mut state = self.state();
                let (budget, pace) = state.of(api);
                let held = reserve_wait(*budget, self.config.reserve_percent, priority, now);
                if held > 0 {
                    let reset = budget.map_or(now, |b| b.reset);
                    if Duration::from_secs(held as u64) > max_wait {
                        return Err(super::GitHubError::RateLimited { reset });
                    }
                    tracing::info!(
                        wait_secs = held,
                        "keeping GitHub's remaining budget for interactive use until it resets"
                    );
                    Duration::from_secs(held as u64 + 1)
                } else {
                    pace.take(self.config.per_minute(api), std::time::Instant::now())
                }
            };
            if pause.is_zero() {
                return Ok(waited);
            }
            tokio::time::sleep(pause).await;
            waited += pause;
        }
    }

    /// Requests this token may have in flight.
    pub fn concurrency(&self) -> usize {
        self.config.concurrency
    }

    pub async fn permit(&self) -> Option<tokio::sync::SemaphorePermit<'_>> {
        self.permits.acquire().await.ok()
    }
}

#[cfg(test)]
mod governing {
    use std::time::Instant;

    use super::*;

    fn budget(limit: u32, remaining: u32, reset: i64) -> Option<RateBudget> {
        Some(RateBudget {
            limit,
            remaining,
            used: limit - remaining,
            reset,
        })
    }

    #[test]
    fn background_work_leaves_the_reserve_for_people() {
        // 10% of 5,000 is 500: at 501 left background work goes on, at 500 it waits
        // for the reset 600 s away; interactive requests go on regardless.
        assert_eq!(
            reserve_wait(budget(5000, 501, 1600), 10, Priority::Background, 1000),
            0
        );
        assert_eq!(
            reserve_wait(budget(5000, 500, 1600), 10, Priority::Background, 1000),
            600
        );
        assert_eq!(
            reserve_wait(budget(5000, 0, 1600), 10, Priority::Interactive, 1000),
            0
        );
        // No budget reported (GitHub Enterprise Server without limits): never a wait.
        assert_eq!(reserve_wait(None, 10, Priority::Background, 1000), 0);
        // A reset already past: the window is new.
        assert_eq!(
            reserve_wait(budget(5000, 10, 900), 10, Priority::Background, 1000),
            0
        );
    }

    #[test]
    fn points_per_minute_are_paced_after_a_full_minute_s_burst() {
        let start = Instant::now();
        let mut pace = Pace::full(60, start);
        for _ in 0..60 {
            assert_eq!(pace.take(60, start), Duration::ZERO);
        }
        // Empty: one point a second comes back.
        let wait = pace.take(60, start);
        assert!(
            wait > Duration::from_millis(990) && wait <= Duration::from_secs(1),
            "{wait:?}"
        );
        assert_eq!(
            pace.take(60, start + Duration::from_millis(1500)),
            Duration::ZERO
        );
        // Half a point left after 1.5 s and one taken: the next is half a second away.
        let wait = pace.take(60, start + Duration::from_millis(1500));
        assert!(
            wait > Duration::from_millis(490) && wait <= Duration::from_millis(500),
            "{wait:?}"
        );
        // Never more than a minute's worth saved up.
        let mut idle = Pace::full(60, start);
        idle.take(60, start);
        let later = start + Duration::from_secs(3600);
        for _ in 0..60 {
            assert_eq!(idle.take(60, later), Duration::ZERO);
        }
        assert!(idle.take(60, later) > Duration::ZERO);
        // Zero means no pacing at all.
        let mut off = Pace::full(0, start);
        assert_eq!(off.take(0, start), Duration::ZERO);
    }

    #[tokio::test]
    async fn a_reset_beyond_the_allowed_wait_is_an_error_not_a_hang() {
        let g = TokenGovernor::new(GovernorConfig::default());
        let now = chrono::Utc::now().timestamp();
        g.observe(Api::Rest, budget(5000, 100, now + 3000).unwrap());
        let err = g
            .admit(Api::Rest, Priority::Background, Duration::from_secs(5))
            .await
            .unwrap_err();
        assert!(matches!(err, super::super::GitHubError::RateLimited { .. }));
        // The same budget serves an interactive request at once; GraphQL's is separate.
        assert_eq!(
            g.admit(Api::Rest, Priority::Interactive, Duration::from_secs(5))
                .await
                .unwrap(),
            Duration::ZERO
        );
        assert_eq!(
            g.admit(Api::GraphQl, Priority::Background, Duration::from_secs(5))
                .await
                .unwrap(),
            Duration::ZERO
        );
    }
}
