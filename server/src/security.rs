//! What every response and every state-changing request goes through: security headers
//! with a per-response CSP nonce, the same-origin rule for anything that changes state,
//! request-rate limits per client and per person (GCRA, the `governor` crate), and who the client is behind a proxy.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The nonce of one response's Content-Security-Policy, handed to the renderer through
/// the request's extensions so that exactly the scripts it writes carry it.
#[derive(Clone, Debug)]
pub struct CspNonce(pub String);

/// What the header and origin checks need to know about how Pulseboard is reached.
#[derive(Clone, Debug)]
pub struct Policy {
    /// `scheme://host[:port]` of PULSEBOARD_PUBLIC_URL.
    pub public_origin: String,
    /// Served over https: HSTS, and `__Host-` cookie names.
    pub https: bool,
}

impl Policy {
    pub fn new(public_url: &url::Url) -> Policy {
        Policy {
            public_origin: public_url.origin().ascii_serialization(),
            https: public_url.scheme() == "https",
        }
    }
}

/// Paths served from the compiled site: cacheable, and never signed-in data.
fn is_static_asset(path: &str) -> bool {
    path.starts_with("/pkg/") || path.starts_with("/vendor/") || path == "/favicon.svg"
}

/// The policy for one response. Scripts run only when they carry this response's nonce
/// (the hydration script, ECharts from `/vendor`) or were loaded by one that does (the
/// app's own module under `/pkg`); WebAssembly may compile; nothing may frame the page.
pub fn content_security_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'nonce-{nonce}' 'strict-dynamic' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

fn new_nonce() -> String {
    use base64::Engine as _;
    use rand::RngCore as _;
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Adds the security headers to every response, whatever produced it (page, asset,
/// server function, event stream, error, rate limit).
pub async fn headers(State(policy): State<Arc<Policy>>, mut req: Request, next: Next) -> Response {
    let nonce = new_nonce();
    let asset_path = is_static_asset(req.uri().path());
    req.extensions_mut().insert(CspNonce(nonce.clone()));
    let mut res = next.run(req).await;
    // A page is never an asset, whatever its path (the "not found" page rendered for a
    // missing file under /pkg/ shows who is signed in).
    let html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let asset = asset_path && !html;
    let h = res.headers_mut();
    let set = |h: &mut HeaderMap, name: header::HeaderName, value: &str| {
        if let Ok(v) = HeaderValue::from_str(value) {
            h.insert(name, v);
        }
    };
    set(
        h,
        header::CONTENT_SECURITY_POLICY,
        &content_security_policy(&nonce),
    );
    set(h, header::X_FRAME_OPTIONS, "DENY");
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::REFERRER_POLICY, "same-origin");
    set(
        h,
        header::HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    );
    if !asset {
        // Pages, server functions and streams may hold a signed-in person's data.
        set(h, header::CACHE_CONTROL, "no-store");
    }
    if policy.https {
        set(h, header::STRICT_TRANSPORT_SECURITY, "max-age=63072000");
    }
    res
}

/// Whether a request that changes state comes from Pulseboard's own pages: its `Origin`
/// is the public URL's origin or the origin the browser addressed (`Host`, with the
/// public URL's scheme); without `Origin`, the browser's `Sec-Fetch-Site: same-origin`.
/// Anything else (another site, a sibling subdomain, another port on the same host, a
/// client that says nothing) is refused.
pub fn same_origin(policy: &Policy, headers: &HeaderMap) -> bool {
    if let Some(origin) = headers.get(header::ORIGIN) {
        let Ok(origin) = origin.to_str() else {
            return false;
        };
        if origin == policy.public_origin {
            return true;
        }
        let scheme = if policy.https { "https" } else { "http" };
        return headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .is_some_and(|host| origin == format!("{scheme}://{host}"));
    }
    headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == "same-origin")
}

/// Refuses (403) every request that could change state (anything but GET, HEAD and
/// OPTIONS) unless it comes from Pulseboard's own origin.
pub async fn same_origin_only(
    State(policy): State<Arc<Policy>>,
    req: Request,
    next: Next,
) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if safe || same_origin(&policy, req.headers()) {
        return next.run(req).await;
    }
    tracing::warn!(
        method = %req.method(),
        path = req.uri().path(),
        origin = ?req.headers().get(header::ORIGIN),
        "refused a cross-origin request"
    );
    (
        StatusCode::FORBIDDEN,
        "This request did not come from Pulseboard's own pages, so it was refused.",
    )
        .into_response()
}

/// Who the client is for rate limits: the peer address, or, when Pulseboard is told it
/// sits behind a reverse proxy, the address that proxy appended to `X-Forwarded-For`.
#[derive(Clone, Copy, Debug)]
pub struct ClientIdentity {
    pub behind_proxy: bool,
}

impl ClientIdentity {
    pub fn client_ip<T>(&self, req: &http::Request<T>) -> Option<IpAddr> {
        if self.behind_proxy {
            // The proxy appends the address it saw; earlier entries are the client's word.
            if let Some(ip) = req
                .headers()
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.rsplit(',').next())
                .and_then(|v| v.trim().parse().ok())
            {
                return Some(crate::http::client_network(ip));
            }
        }
        req.extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| crate::http::client_network(c.0.ip()))
    }
}

/// Who is asking, for per-person limits: their session cookie (hashed, so no copy of it is
/// kept), or the client address when signed out.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PersonKey {
    Session([u8; 32]),
    Client(IpAddr),
}

/// The value of cookie `name` as the session layer reads it: when a request carries the
/// name more than once, the last one (so a decoy cookie in front cannot buy a fresh
/// rate-limit bucket while the real one signs in).
pub(crate) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(n, _)| *n == name)
        .map(|(_, value)| value)
        .next_back()
}

/// One request-rate limit: `burst` requests at once, then one every `every`.
#[derive(Clone, Copy, Debug)]
pub struct Rate {
    pub burst: u32,
    pub every: Duration,
}

/// The limits Pulseboard enforces. Generous for a person using the pages (a page load
/// makes a handful of server-function calls), tight where each call is costly: sign-in
/// spends the OAuth app's secret and GitHub's token exchange.
pub mod rates {
    use super::Rate;
    use std::time::Duration;

    /// `/auth/github/login` and `/auth/github/callback`, per client: 10 at once, then 10 a minute.
    pub const SIGN_IN: Rate = Rate {
        burst: 10,
        every: Duration::from_secs(6),
    };
    /// Server functions, per client: 240 at once, then 40 a second.
    pub const API_PER_CLIENT: Rate = Rate {
        burst: 240,
        every: Duration::from_millis(25),
    };
    /// Server functions, per person: 120 at once, then 20 a second.
    pub const API_PER_PERSON: Rate = Rate {
        burst: 120,
        every: Duration::from_millis(50),
    };
    /// Opening `/api/sync/events`, per client: 60 at once, then three a second.
    pub const EVENTS_PER_CLIENT: Rate = Rate {
        burst: 60,
        every: Duration::from_millis(333),
    };
    /// Opening `/api/sync/events`, per person: 20 at once, then one a second.
    pub const EVENTS_PER_PERSON: Rate = Rate {
        burst: 20,
        every: Duration::from_secs(1),
    };
}

/// A keyed GCRA limiter (the `governor` crate) for one [`Rate`].
pub struct Limiter<K: std::hash::Hash + Eq + Clone> {
    inner: governor::DefaultKeyedRateLimiter<K>,
}

impl<K: std::hash::Hash + Eq + Clone> Limiter<K> {
    pub fn new(rate: Rate) -> Self {
        let burst = std::num::NonZeroU32::new(rate.burst.max(1)).expect("burst is at least 1");
        let quota = governor::Quota::with_period(rate.every)
            .expect("rates have a non-zero period")
            .allow_burst(burst);
        Limiter {
            inner: governor::RateLimiter::keyed(quota),
        }
    }

    /// `Err(wait)` when `key` is over its limit.
    pub fn check(&self, key: &K) -> Result<(), Duration> {
        use governor::clock::Clock as _;
        self.inner.check_key(key).map_err(|not_until| {
            not_until.wait_time_from(governor::clock::DefaultClock::default().now())
        })
    }

    /// Forgets keys that are back at a full burst, so memory follows active clients.
    pub fn forget_idle(&self) {
        self.inner.retain_recent();
        self.inner.shrink_to_fit();
    }
}

/// Every limit, applied by path: sign-in per client; server functions per client and
/// per person; event streams per person.
pub struct RateLimits {
    pub client: ClientIdentity,
    pub session_cookie: String,
    pub sign_in: Limiter<IpAddr>,
    pub api_per_client: Limiter<IpAddr>,
    pub api_per_person: Limiter<PersonKey>,
    pub events_per_person: Limiter<PersonKey>,
    pub events_per_client: Limiter<IpAddr>,
}

impl RateLimits {
    pub fn new(client: ClientIdentity, session_cookie: String) -> Arc<RateLimits> {
        let limits = Arc::new(RateLimits {
            client,
            session_cookie,
            sign_in: Limiter::new(rates::SIGN_IN),
            api_per_client: Limiter::new(rates::API_PER_CLIENT),
            api_per_person: Limiter::new(rates::API_PER_PERSON),
            events_per_person: Limiter::new(rates::EVENTS_PER_PERSON),
            events_per_client: Limiter::new(rates::EVENTS_PER_CLIENT),
        });
        let weak = Arc::downgrade(&limits);
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                loop {
                    tokio::time::sleep(Duration::from_secs(60)).await;
                    let Some(limits) = weak.upgrade() else { return };
                    limits.sign_in.forget_idle();
                    limits.api_per_client.forget_idle();
                    limits.api_per_person.forget_idle();
                    limits.events_per_person.forget_idle();
                    limits.events_per_client.forget_idle();
                }
            });
        }
        limits
    }

    fn person<T>(&self, req: &http::Request<T>, ip: IpAddr) -> PersonKey {
        use sha2::Digest as _;
        match cookie(req.headers(), &self.session_cookie) {
            Some(value) => PersonKey::Session(sha2::Sha256::digest(value).into()),
            None => PersonKey::Client(ip),
        }
    }

    /// `Err(wait)` when this request is over one of the limits that apply to its path.
    pub fn check<T>(&self, req: &http::Request<T>) -> Result<(), Duration> {
        let path = req.uri().path();
        let Some(ip) = self.client.client_ip(req) else {
            return Ok(());
        };
        if path == "/auth/github/login" || path == "/auth/github/callback" {
            self.sign_in.check(&ip)
        } else if path == "/api/sync/events" {
            self.events_per_client.check(&ip)?;
            self.events_per_person.check(&self.person(req, ip))
        } else if path.starts_with("/api/") {
            self.api_per_client.check(&ip)?;
            self.api_per_person.check(&self.person(req, ip))
        } else {
            Ok(())
        }
    }
}

/// Answers 429 with `Retry-After` (whole seconds, rounded up) when a limit is exceeded.
pub async fn rate_limit(
    State(limits): State<Arc<RateLimits>>,
    req: Request,
    next: Next,
) -> Response {
    match limits.check(&req) {
        Ok(()) => next.run(req).await,
        Err(wait) => too_many_requests(wait),
    }
}

pub fn too_many_requests(wait: Duration) -> Response {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let secs = secs.max(1);
    let mut res = (
        StatusCode::TOO_MANY_REQUESTS,
        format!("Too many requests: try again in {secs} s."),
    )
        .into_response();
    res.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn only_pulseboards_own_origin_may_change_state() {
        let policy = Policy::new(&url::Url::parse("http://127.0.0.1:3000/").unwrap());
        let ok = |pairs: &[(&'static str, &str)]| same_origin(&policy, &headers(pairs));
        assert!(ok(&[("origin", "http://127.0.0.1:3000")]));
        // Addressed by another name for the same server: the browser's Host tells.
        assert!(ok(&[
            ("origin", "http://localhost:3000"),
            ("host", "localhost:3000")
        ]));
        // Same site, other port: another origin.
        assert!(!ok(&[
            ("origin", "http://127.0.0.1:4000"),
            ("host", "127.0.0.1:3000")
        ]));
        assert!(!ok(&[("origin", "https://127.0.0.1:3000")]));
        assert!(!ok(&[("origin", "null")]));
        assert!(ok(&[("sec-fetch-site", "same-origin")]));
        assert!(!ok(&[("sec-fetch-site", "same-site")]));
        assert!(!ok(&[]));
    }

    #[test]
    fn https_origins_need_https() {
        let policy = Policy::new(&url::Url::parse("https://pulse.example.com/").unwrap());
        assert!(policy.https);
        let ok = |pairs: &[(&'static str, &str)]| same_origin(&policy, &headers(pairs));
        assert!(ok(&[("origin", "https://pulse.example.com")]));
        assert!(!ok(&[
            ("origin", "http://pulse.example.com"),
            ("host", "pulse.example.com")
        ]));
        assert!(!ok(&[
            ("origin", "https://evil.example.com"),
            ("host", "pulse.example.com")
        ]));
    }

    #[test]
    fn the_session_cookie_is_read_as_the_session_layer_reads_it() {
        let h = headers(&[(
            "cookie",
            "pulseboard_session=decoy; other=1; pulseboard_session=real",
        )]);
        assert_eq!(cookie(&h, "pulseboard_session"), Some("real"));
        assert_eq!(cookie(&h, "other"), Some("1"));
        assert_eq!(cookie(&h, "missing"), None);
    }

    #[test]
    fn ipv6_clients_count_by_their_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        let net = crate::http::client_network;
        assert_eq!(net(a), net(b));
        assert_ne!(net(a), net(c));
        let v4: IpAddr = "10.1.2.3".parse().unwrap();
        assert_eq!(net(v4), v4);
        let mapped: IpAddr = "::ffff:10.1.2.3".parse().unwrap();
        assert_eq!(net(mapped), v4);
    }

    #[test]
    fn the_proxy_appended_address_is_the_client() {
        let req = http::Request::builder()
            .header("x-forwarded-for", "6.6.6.6, 10.0.0.9")
            .extension(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 5000))))
            .body(())
            .unwrap();
        let direct = ClientIdentity {
            behind_proxy: false,
        };
        let proxied = ClientIdentity { behind_proxy: true };
        assert_eq!(
            direct.client_ip(&req),
            Some(IpAddr::from([127, 0, 0, 1])),
            "a client's own X-Forwarded-For is not trusted without a proxy"
        );
        assert_eq!(proxied.client_ip(&req), Some(IpAddr::from([10, 0, 0, 9])));
    }
}
