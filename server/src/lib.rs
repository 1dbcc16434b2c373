//! The `pulseboard` server: configuration, the database (private or external), the axum
//! router with the Leptos app, and the plain routes (GitHub sign-in, health).

pub mod auth;
pub mod config;
pub mod database;
pub mod events;
pub mod routes;
pub mod state;
pub mod sync_cli;

use engine::auth::{Sealer, SecretKey, TokenCipher};
use leptos::prelude::LeptosOptions;

use crate::config::Config;
use crate::state::{AppState, WebSettings};

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

pub fn app_state(config: &Config, pool: sqlx::PgPool, key: &SecretKey) -> AppState {
    let leptos_options = LeptosOptions::builder()
        .output_name("pulseboard")
        .site_root(config.site_root.display().to_string())
        .site_pkg_dir("pkg")
        .site_addr(config.addr)
        .build();
    AppState {
        leptos_options,
        sync_events: engine::sync::events::listen(pool.clone()),
        engine: engine::Engine::new(
            pool,
            TokenCipher::new(key),
            config.github_api_url.as_str().trim_end_matches('/'),
        ),
        web: WebSettings {
            oauth: config.oauth.clone(),
            github_web_url: config.github_web_url.clone(),
            public_url: config.public_url.clone(),
            oauth_cookie: Sealer::new(key, "pulseboard/oauth-pending-cookie/v1"),
            secure_cookies: config.public_url.scheme() == "https",
        },
    }
}

/// Serves until `shutdown` resolves, then stops the private database if we started it.
pub async fn serve(
    config: Config,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    if !config.site_root.join("pkg").is_dir() {
        tracing::warn!(site_root = %config.site_root.display(), "no compiled site found (build with `cargo leptos build`); pages will not hydrate");
    }
    let key = secret_key(&config)?;
    let db = database::open(&config).await?;
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
        let store = tower_sessions_sqlx_store::PostgresStore::new(db.pool.clone());
        async move {
            use tower_sessions::ExpiredDeletion;
            let _ = store
                .continuously_delete_expired(std::time::Duration::from_secs(3600))
                .await;
        }
    });
    // One signal stops both the web server and the sync worker.
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        shutdown.await;
        let _ = stop_tx.send(true);
    });
    let stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|stop| *stop).await;
    };
    // This process works the shared job queue alongside any other pulseboard processes.
    let worker = tokio::spawn(engine::sync::worker::work(
        state.engine.clone(),
        format!("{}:{}", hostname(), std::process::id()),
        std::time::Duration::from_secs(2),
        stopped(stop_rx.clone()),
    ));
    // Every process may run the scheduler; an advisory lock lets one at a time schedule.
    let scheduler = tokio::spawn(engine::sync::scheduler::run(
        state.engine.clone(),
        config.sync_intervals.clone(),
        stopped(stop_rx.clone()),
    ));
    tracing::info!(url = %config.public_url, "Pulseboard is ready");
    println!("Pulseboard is serving on {}", config.public_url);
    let served = axum::serve(listener, routes::router(state))
        .with_graceful_shutdown(stopped(stop_rx))
        .await;
    let _ = worker.await;
    let _ = scheduler.await;
    cleanup.abort();
    db.pool.close().await;
    if let Some(pg) = db.embedded {
        tracing::info!("stopping the private PostgreSQL server");
        pg.stop().await?;
    }
    Ok(served?)
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

/// This machine's name, to tell workers apart in `sync_jobs.claimed_by`.
fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "pulseboard".into())
}
