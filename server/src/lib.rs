//! The `pulseboard` server: configuration, the database (private or external), the axum
//! router with the Leptos app, and the plain routes (GitHub sign-in, health).

// The pages' view types are deep: with Leptos' islands, computing their layout here
// needs more than the default 128 levels of queries.
#![recursion_limit = "256"]

pub mod auth;
pub mod config;
pub mod database;
pub mod events;
pub mod http;
pub mod metrics_cli;
pub mod routes;
pub mod security;
pub mod sessions;
pub mod state;
pub mod sync_cli;

use engine::auth::{Sealer, SecretKey, TokenCipher};
use leptos::prelude::LeptosOptions;

use crate::config::Config;
use crate::state::{AppState, Shutdown, WebSettings};

/// The instance secret key: from PULSEBOARD_SECRET_KEY, or generated once into the data dir.
pub fn secret_key(config: &Config) -> anyhow::Result<SecretKey> {
    match &config.secret_key {
        Some(k) => Ok(SecretKey::parse(k.expose())?),
        None => {
            std::fs::create_dir_all(&config.data_dir).map_err(|e| {
                anyhow::anyhow!(
                    "PULSEBOARD_DATA_DIR: cannot create {}: {e}",
                    config.data_dir.display()
                )
            })?;
            Ok(SecretKey::load_or_create(
                &config.data_dir.join("secret.key"),
            )?)
        }
    }
}

/// The engine reading npm downloads from the configured API (without, and saying so, if
/// no HTTP client can be built).
fn with_npm(engine: engine::Engine, config: &Config) -> engine::Engine {
    match engine::npm::NpmClient::new(config.npm_url.as_str()) {
        Ok(npm) => engine.with_npm(npm),
        Err(e) => {
            tracing::warn!(error = %e, "npm downloads will not be read");
            engine
        }
    }
}

pub fn app_state(config: &Config, pool: sqlx::PgPool, key: &SecretKey) -> AppState {
    let leptos_options = LeptosOptions::builder()
        .output_name("pulseboard")
        .site_root(config.site_root.display().to_string())
        .site_pkg_dir("pkg")
        .site_addr(config.addr)
        .build();
    let engine_pool = pool.clone();
    let engine = with_npm(
        engine::Engine::new(
            pool.clone(),
            TokenCipher::new(key),
            config.github_api_url.as_str().trim_end_matches('/'),
        ),
        config,
    );
    AppState {
        leptos_options,
        sync_events: engine::sync::events::listen(pool, engine.scope_generation().clone()),
        engine,
        web: WebSettings {
            oauth: config.oauth.clone(),
            github_web_url: config.github_web_url.clone(),
            public_url: config.public_url.clone(),
            oauth_cookie: Sealer::new(key, "pulseboard/oauth-pending-cookie/v1"),
            policy: std::sync::Arc::new(security::Policy::new(&config.public_url)),
            behind_proxy: config.behind_proxy,
            request_timeout: config.request_timeout,
        },
        sessions: sessions::HashedIds::new(tower_sessions_sqlx_store::PostgresStore::new(
            engine_pool,
        )),
        shutdown: Shutdown::default(),
        signed_out: tokio::sync::broadcast::channel(64).0,
    }
}

/// Puts `config`'s GitHub pacing in force for every client this process builds.
pub fn configure_github(config: &Config) {
    if let Err(in_force) = engine::github::governor::configure(config.governor) {
        if in_force != config.governor {
            tracing::warn!(?in_force, "GitHub pacing was configured before; keeping it");
        }
    }
}

/// The connection limits of `config`, with the cap kept under the open-file limit (which
/// is raised as far as the system allows first).
pub fn connection_limits(config: &Config) -> http::ConnectionLimits {
    let open_files = http::raise_open_file_limit();
    let mut limits = config.connections;
    limits.max_connections = http::fitting_connection_cap(limits.max_connections, open_files);
    if limits.max_connections < config.connections.max_connections {
        tracing::warn!(
            open_files,
            max_connections = limits.max_connections,
            "PULSEBOARD_MAX_CONNECTIONS lowered to fit the open-file limit"
        );
    }
    limits
}

/// Serves until `shutdown` resolves, then stops the private database if we started it.
pub async fn serve(
    config: Config,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    if !config.site_root.join("pkg").is_dir() {
        tracing::warn!(site_root = %config.site_root.display(), "no compiled site found (build with `cargo leptos build`); pages will not hydrate");
    }
    configure_github(&config);
    let key = secret_key(&config)?;
    let db = database::open(&config).await?;
    database::rebuild_rollups_in_background(&db.pool);
    let state = app_state(&config, db.pool.clone(), &key);
    let listener = match tokio::net::TcpListener::bind(config.addr).await {
        Ok(l) => l,
        Err(e) => {
            if let Some(pg) = db.embedded {
                let _ = pg.stop().await;
            }
            anyhow::bail!("PULSEBOARD_ADDR: cannot listen on {}: {e}", config.addr);
        }
    };
    let cleanup = tokio::spawn({
        let store = state.sessions.postgres().clone();
        async move {
            use tower_sessions::ExpiredDeletion;
            let _ = store
                .continuously_delete_expired(std::time::Duration::from_secs(3600))
                .await;
        }
    });
    // One signal stops the web server, the event streams, the worker and the scheduler.
    let stop = state.shutdown.clone();
    tokio::spawn({
        let stop = stop.clone();
        async move {
            shutdown.await;
            stop.begin();
        }
    });
    // This process works the shared job queue alongside any other pulseboard processes.
    // Its name outlives a restart, so a restarted process takes its own jobs back at once.
    let worker = tokio::spawn(engine::sync::worker::work(
        db.pool.clone(),
        state.engine.clients().clone(),
        worker_name(&config),
        std::time::Duration::from_secs(2),
        stop.wait(),
    ));
    // Every process may run the scheduler; an advisory lock lets one at a time schedule.
    let scheduler = tokio::spawn(engine::sync::scheduler::run(
        db.pool.clone(),
        state.engine.clients().clone(),
        config.sync_intervals.clone(),
        stop.wait(),
    ));
    let limits = connection_limits(&config);
    tracing::info!(url = %config.public_url, "Pulseboard is ready");
    println!("Pulseboard is serving on {}", config.public_url);
    http::serve(listener, routes::router(state), limits, stop.wait()).await;
    let _ = worker.await;
    let _ = scheduler.await;
    cleanup.abort();
    db.pool.close().await;
    if let Some(pg) = db.embedded {
        tracing::info!("stopping the private PostgreSQL server");
        pg.stop().await?;
    }
    tracing::info!("stopped");
    Ok(())
}

/// Writes a private key where only this user can read it: a new directory (mode 0700)
/// holding the file (mode 0600). The directory is removed when the returned guard drops.
pub fn private_key_file(pem: &str) -> std::io::Result<(tempfile::TempDir, std::path::PathBuf)> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::Builder::new()
        .prefix("pulseboard-sim-")
        .permissions(std::fs::Permissions::from_mode(0o700))
        .tempdir()?;
    let path = dir.path().join("github-app.pem");
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)?;
    file.write_all(pem.as_bytes())?;
    Ok((dir, path))
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}

/// This process's name in the job queue: host, address and an id kept in the data
/// directory, so a restart is recognised as the same process (and takes its jobs back at
/// once) while two containers with the same host name and address are not confused.
fn worker_name(config: &Config) -> String {
    let path = config.data_dir.join("instance.id");
    let id = std::fs::read_to_string(&path)
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| {
            use rand::RngCore as _;
            let mut bytes = [0u8; 6];
            rand::thread_rng().fill_bytes(&mut bytes);
            let id: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            if let Err(e) = std::fs::write(&path, &id) {
                tracing::warn!(error = %e, path = %path.display(), "cannot keep this process's id; a restart will wait for its jobs to go stale");
            }
            id
        });
    format!("{}:{}:{id}", hostname(), config.addr)
}

/// This machine's name, to tell workers apart in `sync_jobs.claimed_by`.
fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "pulseboard".into())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_simulated_apps_key_is_private() {
        use std::os::unix::fs::PermissionsExt as _;
        let (dir, path) = super::private_key_file("-----BEGIN KEY-----").unwrap();
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(dir.path()), 0o700);
        assert_eq!(mode(&path), 0o600);
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "-----BEGIN KEY-----"
        );
        let second = super::private_key_file("x").unwrap();
        assert_ne!(second.1, path, "each run gets a directory of its own");
    }
}
