//! GitHub's rate-limit budget as its response headers state it. A server with rate
//! limiting switched off (GitHub Enterprise Server can be) sends no such headers, and then
//! there is no budget to wait for.

use http::HeaderMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct RateBudget {
    pub limit: u32,
    pub remaining: u32,
    pub used: u32,
    /// Unix seconds when the window resets.
    pub reset: i64,
}

impl RateBudget {
    /// Reads `x-ratelimit-*`; `None` when they are absent or unreadable.
    pub fn from_headers(headers: &HeaderMap) -> Option<Self> {
        let num =
            |name: &str| -> Option<i64> { headers.get(name)?.to_str().ok()?.trim().parse().ok() };
        let limit = num("x-ratelimit-limit")?;
        let remaining = num("x-ratelimit-remaining")?;
        let reset = num("x-ratelimit-reset")?;
        let used = num("x-ratelimit-used").unwrap_or(limit - remaining);
        Some(RateBudget {
            limit: u32::try_from(limit).ok()?,
            remaining: u32::try_from(remaining).ok()?,
            used: u32::try_from(used).ok()?,
            reset,
        })
    }

    /// Seconds to wait before spending more, keeping `reserve` requests for people using
    /// the dashboard. Zero while the budget lasts; never negative.
    pub fn wait_secs(&self, reserve: u32, now: i64) -> i64 {
        if self.remaining > reserve {
            0
        } else {
            (self.reset - now).max(0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn reads_githubs_headers() {
        let h = headers(&[
            ("x-ratelimit-limit", "5000"),
            ("x-ratelimit-remaining", "4987"),
            ("x-ratelimit-used", "13"),
            ("x-ratelimit-reset", "1764115200"),
        ]);
        assert_eq!(
            RateBudget::from_headers(&h),
            Some(RateBudget {
                limit: 5000,
                remaining: 4987,
                used: 13,
                reset: 1_764_115_200
            })
        );
    }

    #[test]
    fn no_headers_no_budget() {
        // GitHub Enterprise Server with rate limiting off: nothing to wait for, ever.
        assert_eq!(RateBudget::from_headers(&HeaderMap::new()), None);
        assert_eq!(
            RateBudget::from_headers(&headers(&[("x-ratelimit-limit", "x")])),
            None
        );
    }

    #[test]
    fn waits_only_when_the_reserve_is_reached() {
        let b = RateBudget {
            limit: 5000,
            remaining: 100,
            used: 4900,
            reset: 1000,
        };
        assert_eq!(b.wait_secs(50, 400), 0);
        assert_eq!(b.wait_secs(100, 400), 600);
        // A reset in the past means the window is already new.
        assert_eq!(b.wait_secs(100, 2000), 0);
    }
}
