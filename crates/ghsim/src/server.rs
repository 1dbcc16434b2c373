//! The simulator's HTTP server: state shared by the handlers, the router, and a handle to a
//! simulator running in this process (for tests, benchmarks and `pulseboard demo`).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, RwLock};

use axum::Router;
use chrono::{DateTime, Utc};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::data::{Size, World};
use crate::faults::Faults;
use crate::json::Urls;
use crate::limits::{Clock, Limits, RateLimit, SecondaryLimits};
use crate::oauth::{OAuthApp, OAuthState};

#[derive(Debug, Clone)]
pub struct SimConfig {
    pub seed: u64,
    pub size: Size,
    /// The end of the generated history; tests fix it, the demo uses today.
    pub now: DateTime<Utc>,
    pub rate_limit: RateLimit,
    pub secondary: SecondaryLimits,
    /// Seconds a primary rate-limit window lasts (GitHub: an hour).
    pub window_secs: i64,
    /// Markup and script payloads in every user-written field (see `hostile`).
    pub hostile_text: bool,
    /// A world described by hand ([`crate::scenario`]) instead of a generated one.
    pub world: Option<World>,
}

impl SimConfig {
    pub fn new(seed: u64, size: Size, now: DateTime<Utc>) -> Self {
        SimConfig {
            seed,
            size,
            now,
            rate_limit: RateLimit::default(),
            secondary: SecondaryLimits::default(),
            window_secs: crate::limits::WINDOW_SECS,
            hostile_text: false,
            world: None,
        }
    }

    /// Serves `world` (a scenario's, say) instead of generating one; its `now` is the
    /// world's.
    pub fn with_world(mut self, world: World) -> Self {
        self.now = world.now;
        self.world = Some(world);
        self
    }

    /// Fills the fields GitHub leaves to its users with XSS payloads, as an attacker with
    /// write access to a repository could (`hostile::inject`).
    pub fn with_hostile_text(mut self) -> Self {
        self.hostile_text = true;
        self
    }

    /// Shortens (or lengthens) the primary rate-limit window, so that a test can wait
    /// for a reset in seconds.
    pub fn with_window(mut self, secs: i64) -> Self {
        self.window_secs = secs.max(1);
        self
    }

    pub fn with_secondary_limits(mut self, secondary: SecondaryLimits) -> Self {
        self.secondary = secondary;
        self
    }

    pub fn with_rate_limit(mut self, rate_limit: RateLimit) -> Self {
        self.rate_limit = rate_limit;
        self
    }
}

/// Everything the handlers share.
pub struct Simulator {
    pub(crate) world: RwLock<World>,
    pub(crate) oauth: Mutex<OAuthState>,
    pub(crate) app: OAuthApp,
    pub(crate) github_app: crate::app::GitHubApp,
    pub(crate) urls: Urls,
    pub(crate) rate_limit: RateLimit,
    pub(crate) secondary: SecondaryLimits,
    pub(crate) window_secs: i64,
    pub(crate) clock: Clock,
    pub(crate) limits: Limits,
    pub(crate) faults: Faults,
    /// Repositories whose contributor statistics have been "computed" (the first request
    /// answers 202 Accepted, as GitHub does while it computes them).
    pub(crate) stats_computed: Mutex<std::collections::HashSet<u64>>,
    pub(crate) deliveries: crate::webhooks::Deliveries,
}

impl Simulator {
    pub fn new(config: &SimConfig, urls: Urls) -> Self {
        let mut world = match &config.world {
            Some(world) => world.clone(),
            None => World::generate(config.seed, config.size, config.now),
        };
        if config.hostile_text {
            crate::hostile::inject(&mut world);
        }
        Simulator {
            world: RwLock::new(world),
            oauth: Mutex::new(OAuthState::new(config.seed)),
            app: OAuthApp::for_seed(config.seed),
            github_app: crate::app::GitHubApp::for_seed(config.seed),
            urls,
            rate_limit: config.rate_limit,
            secondary: config.secondary,
            window_secs: config.window_secs,
            clock: Clock::default(),
            limits: Limits::default(),
            faults: Faults::default(),
            stats_computed: Mutex::default(),
            deliveries: crate::webhooks::Deliveries::default(),
        }
    }

    pub fn router(self: Arc<Self>) -> Router {
        let inner = Router::new()
            .merge(crate::oauth::router())
            .merge(crate::control::router())
            .merge(crate::rest::router(self.clone()))
            .with_state(self.clone());
        // Renamed repositories and `/repositories/{id}/…` paths are resolved before
        // routing, as GitHub resolves them before anything else.
        Router::new()
            .fallback_service(inner)
            .layer(axum::middleware::from_fn_with_state(
                self,
                crate::rest::resolve_repository_paths,
            ))
    }

    /// What clients have spent so far (the same numbers as `GET /_sim/stats`).
    pub fn stats(&self) -> crate::limits::Stats {
        self.limits.stats()
    }

    /// Starts counting requests from zero (as `POST /_sim/stats/reset`).
    pub fn reset_stats(&self) {
        self.limits.reset_stats();
    }

    /// Every webhook delivery attempted so far, oldest first.
    pub fn deliveries(&self) -> Vec<crate::webhooks::Delivery> {
        self.deliveries.list()
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// Makes a token stop working, as when a user revokes the app's access (GitHub's 401).
    pub fn revoke_token(&self, token: &str) {
        let mut oauth = self.oauth.lock().unwrap_or_else(|e| e.into_inner());
        oauth.revoked.insert(token.to_string());
    }

    pub(crate) fn read_world(&self) -> std::sync::RwLockReadGuard<'_, World> {
        self.world.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Reads the world as the simulator holds it now: the ground truth for tests.
    pub fn with_world<T>(&self, f: impl FnOnce(&World) -> T) -> T {
        let world = self.world.read().unwrap_or_else(|e| e.into_inner());
        f(&world)
    }

    /// Shapes one repository of the world as a test needs it (three commits, 150 pull
    /// requests: a case as it was reported); `None` when there is no such repository.
    pub fn with_repo_mut<T>(
        &self,
        owner: &str,
        name: &str,
        f: impl FnOnce(&mut crate::data::Repository) -> T,
    ) -> Option<T> {
        let mut world = self.world.write().unwrap_or_else(|e| e.into_inner());
        world.repo_mut(owner, name).map(f)
    }

    pub fn oauth_app(&self) -> &OAuthApp {
        &self.app
    }

    /// The GitHub App installed on the organisation (id, installation id, private key).
    pub fn github_app(&self) -> &crate::app::GitHubApp {
        &self.github_app
    }

    pub fn urls(&self) -> &Urls {
        &self.urls
    }
}

/// A simulator serving on a local port until dropped or shut down.
pub struct RunningSimulator {
    pub base_url: String,
    pub addr: SocketAddr,
    pub sim: Arc<Simulator>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl RunningSimulator {
    /// Binds `addr` (port 0 picks a free port) and serves in the background.
    pub async fn start(config: SimConfig, addr: SocketAddr) -> std::io::Result<Self> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let base_url = format!("http://{addr}");
        let urls = Urls {
            api: base_url.clone(),
            web: base_url.clone(),
        };
        let sim = Arc::new(Simulator::new(&config, urls));
        let router = sim.clone().router();
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            // Without TCP_NODELAY every answer on a kept-alive connection waits for the
            // client's delayed ACK (Nagle's algorithm), about 40 ms a request.
            let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
                if let Err(e) = tcp.set_nodelay(true) {
                    tracing::debug!(error = %e, "could not set TCP_NODELAY");
                }
            });
            let served = axum::serve(listener, router)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
            if let Err(e) = served {
                tracing::error!(error = %e, "simulator stopped with an error");
            }
        });
        tracing::info!(%base_url, seed = config.seed, "GitHub simulator listening");
        Ok(RunningSimulator {
            base_url,
            addr,
            sim,
            shutdown: Some(tx),
            task: Some(task),
        })
    }

    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for RunningSimulator {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}
