//! When to try a GitHub request again: server errors and broken connections with bounded
//! exponential backoff and jitter; secondary limits after their `retry-after`; an exhausted
//! primary limit after its reset. Never a 4xx that is not a rate limit, and never a wait for
//! a budget the server does not report.

use std::time::Duration;

use http::{HeaderMap, StatusCode};
use rand::Rng;

use super::budget::RateBudget;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt, for errors and secondary limits alike.
    pub max_retries: u32,
    /// The first backoff; each retry doubles it, up to `max_delay`.
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// The longest wait for a rate-limit reset or a `retry-after` before giving up.
    pub max_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 5,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            max_wait: Duration::from_secs(3700),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Use this answer (success, or an error to report).
    Accept,
    /// A transient failure: back off this long, then try again.
    Backoff(Duration),
    /// A rate limit: wait this long, then try again.
    Wait(Duration),
}

impl RetryPolicy {
    /// The backoff before retry number `attempt` (0-based): base × 2^attempt, capped, plus
    /// up to the same again of random jitter so that many clients do not retry in step.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(2u32.saturating_pow(attempt.min(16)))
            .min(self.max_delay);
        let jitter_ms = rand::thread_rng().gen_range(0..=exp.as_millis() as u64);
        exp + Duration::from_millis(jitter_ms)
    }

    /// What to do with an answer (`None`: no answer, the connection failed) after `attempt`
    /// retries, at Unix time `now`.
    pub fn verdict(
        &self,
        answer: Option<(StatusCode, &HeaderMap)>,
        attempt: u32,
        now: i64,
    ) -> Verdict {
        if attempt >= self.max_retries {
            return Verdict::Accept;
        }
        let Some((status, headers)) = answer else {
            return Verdict::Backoff(self.backoff(attempt));
        };
        if status.is_server_error() {
            return Verdict::Backoff(self.backoff(attempt));
        }
        if status == StatusCode::FORBIDDEN || status == StatusCode::TOO_MANY_REQUESTS {
            let retry_after = headers
                .get(http::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok());
            if let Some(secs) = retry_after {
                let wait = Duration::from_secs(secs);
                return if wait <= self.max_wait {
                    Verdict::Wait(wait)
                } else {
                    Verdict::Accept
                };
            }
            // The primary limit: only when the server says the budget is spent.
            if let Some(budget) = RateBudget::from_headers(headers).filter(|b| b.remaining == 0) {
                let wait = Duration::from_secs(budget.wait_secs(0, now) as u64 + 1);
                return if wait <= self.max_wait {
                    Verdict::Wait(wait)
                } else {
                    Verdict::Accept
                };
            }
        }
        Verdict::Accept
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            max_retries: 3,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(1000),
            max_wait: Duration::from_secs(3700),
        }
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn backoff_doubles_with_jitter_and_a_cap() {
        let p = policy();
        for _ in 0..50 {
            let first = p.backoff(0);
            assert!(first >= Duration::from_millis(100) && first <= Duration::from_millis(200));
            let third = p.backoff(2);
            assert!(third >= Duration::from_millis(400) && third <= Duration::from_millis(800));
            let late = p.backoff(10);
            assert!(late >= Duration::from_millis(1000) && late <= Duration::from_millis(2000));
        }
    }

    #[test]
    fn server_errors_and_broken_connections_are_retried_a_bounded_number_of_times() {
        let p = policy();
        let none = HeaderMap::new();
        assert!(matches!(p.verdict(None, 0, 0), Verdict::Backoff(_)));
        assert!(matches!(
            p.verdict(Some((StatusCode::BAD_GATEWAY, &none)), 2, 0),
            Verdict::Backoff(_)
        ));
        assert_eq!(
            p.verdict(Some((StatusCode::BAD_GATEWAY, &none)), 3, 0),
            Verdict::Accept
        );
        assert_eq!(p.verdict(None, 3, 0), Verdict::Accept);
    }

    #[test]
    fn client_errors_are_not_retried() {
        let p = policy();
        let none = HeaderMap::new();
        for status in [
            StatusCode::NOT_FOUND,
            StatusCode::UNAUTHORIZED,
            StatusCode::UNPROCESSABLE_ENTITY,
        ] {
            assert_eq!(p.verdict(Some((status, &none)), 0, 0), Verdict::Accept);
        }
        // A 403 that is not a rate limit (no retry-after, budget left) is final too.
        let budget_left = headers(&[
            ("x-ratelimit-limit", "5000"),
            ("x-ratelimit-remaining", "10"),
            ("x-ratelimit-reset", "1000"),
        ]);
        assert_eq!(
            p.verdict(Some((StatusCode::FORBIDDEN, &budget_left)), 0, 0),
            Verdict::Accept
        );
    }

    #[test]
    fn rate_limits_wait_as_told() {
        let p = policy();
        let secondary = headers(&[("retry-after", "7")]);
        assert_eq!(
            p.verdict(Some((StatusCode::FORBIDDEN, &secondary)), 0, 0),
            Verdict::Wait(Duration::from_secs(7))
        );
        let spent = headers(&[
            ("x-ratelimit-limit", "5000"),
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", "1600"),
        ]);
        assert_eq!(
            p.verdict(Some((StatusCode::FORBIDDEN, &spent)), 0, 1000),
            Verdict::Wait(Duration::from_secs(601))
        );
        // Without rate-limit headers (GitHub Enterprise Server with limits off) there is
        // nothing to wait for: a 403 is just a 403.
        assert_eq!(
            p.verdict(Some((StatusCode::FORBIDDEN, &HeaderMap::new())), 0, 0),
            Verdict::Accept
        );
        // A wait longer than the policy allows is given up on.
        let short = RetryPolicy {
            max_wait: Duration::from_secs(5),
            ..p
        };
        assert_eq!(
            short.verdict(Some((StatusCode::FORBIDDEN, &secondary)), 0, 0),
            Verdict::Accept
        );
    }
}

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
