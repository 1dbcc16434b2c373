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
    /// The first wait after a secondary rate limit that names no `retry-after` (GitHub:
    /// "wait at least one minute"); each further one waits this much longer.
    pub secondary_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 5,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            max_wait: Duration::from_secs(3700),
            secondary_wait: Duration::from_secs(60),
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

    /// What to do with an answer (status, headers, body; `None`: no answer, the
    /// connection failed) after `attempt` retries, at Unix time `now`.
    pub fn verdict(
        &self,
        answer: Option<(StatusCode, &HeaderMap, &str)>,
        attempt: u32,
        now: i64,
    ) -> Verdict {
        if attempt >= self.max_retries {
            return Verdict::Accept;
        }
        let Some((status, headers, body)) = answer else {
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
            // A secondary limit that names no time: as GitHub documents, at least a
            // minute, then longer each time.
            if body.to_ascii_lowercase().contains("secondary rate limit") {
                let wait = self.secondary_wait.saturating_mul(attempt + 1);
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
            secondary_wait: Duration::from_secs(60),
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
            p.verdict(Some((StatusCode::BAD_GATEWAY, &none, "")), 2, 0),
            Verdict::Backoff(_)
        ));
        assert_eq!(
            p.verdict(Some((StatusCode::BAD_GATEWAY, &none, "")), 3, 0),
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
            assert_eq!(p.verdict(Some((status, &none, "")), 0, 0), Verdict::Accept);
        }
        // A 403 that is not a rate limit (no retry-after, budget left) is final too.
        let budget_left = headers(&[
            ("x-ratelimit-limit", "5000"),
            ("x-ratelimit-remaining", "10"),
            ("x-ratelimit-reset", "1000"),
        ]);
        assert_eq!(
            p.verdict(Some((StatusCode::FORBIDDEN, &budget_left, "")), 0, 0),
            Verdict::Accept
        );
    }

    #[test]
    fn rate_limits_wait_as_told() {
        let p = policy();
        let secondary = headers(&[("retry-after", "7")]);
        assert_eq!(
            p.verdict(Some((StatusCode::FORBIDDEN, &secondary, "")), 0, 0),
            Verdict::Wait(Duration::from_secs(7))
        );
        let spent = headers(&[
            ("x-ratelimit-limit", "5000"),
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", "1600"),
        ]);
        assert_eq!(
            p.verdict(Some((StatusCode::FORBIDDEN, &spent, "")), 0, 1000),
            Verdict::Wait(Duration::from_secs(601))
        );
        // Without rate-limit headers (GitHub Enterprise Server with limits off) there is
        // nothing to wait for: a 403 is just a 403.
        assert_eq!(
            p.verdict(Some((StatusCode::FORBIDDEN, &HeaderMap::new(), "")), 0, 0),
            Verdict::Accept
        );
        // A wait longer than the policy allows is given up on.
        let short = RetryPolicy {
            max_wait: Duration::from_secs(5),
            ..p
        };
        assert_eq!(
            short.verdict(Some((StatusCode::FORBIDDEN, &secondary, "")), 0, 0),
            Verdict::Accept
        );
    }

    #[test]
    fn a_secondary_limit_without_retry_after_waits_a_minute_then_longer() {
        let p = policy();
        // GitHub's answer: 403, budget left, no retry-after, the message says why.
        let budget_left = headers(&[
            ("x-ratelimit-limit", "5000"),
            ("x-ratelimit-remaining", "4000"),
            ("x-ratelimit-reset", "1000"),
        ]);
        let body = r#"{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again."}"#;
        assert_eq!(
            p.verdict(Some((StatusCode::FORBIDDEN, &budget_left, body)), 0, 0),
            Verdict::Wait(Duration::from_secs(60))
        );
        assert_eq!(
            p.verdict(Some((StatusCode::FORBIDDEN, &budget_left, body)), 2, 0),
            Verdict::Wait(Duration::from_secs(180))
        );
        assert_eq!(
            p.verdict(Some((StatusCode::FORBIDDEN, &budget_left, body)), 3, 0),
            Verdict::Accept,
            "bounded by the number of retries"
        );
    }
}
