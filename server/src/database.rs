//! Chooses the database: the server in DATABASE_URL, or a private one under the data dir.

use std::str::FromStr;

use engine::pg::EmbeddedPostgres;
use sqlx::postgres::PgConnectOptions;
use sqlx::PgPool;

use crate::config::Config;

pub struct Database {
    pub pool: PgPool,
    /// Present when we started a private server; stop it on shutdown.
    pub embedded: Option<EmbeddedPostgres>,
}

pub async fn open(config: &Config) -> anyhow::Result<Database> {
    let (options, embedded) = match &config.database_url {
        Some(url) => {
            let options = PgConnectOptions::from_str(url.expose())
                .map_err(|e| anyhow::anyhow!("DATABASE_URL: not a usable PostgreSQL URL ({e})"))?;
            (options, None)
        }
        None => {
            let pg = EmbeddedPostgres::start(&config.data_dir, &config.pg_binaries).await?;
            tracing::info!(cluster = %pg.cluster_dir().display(), "private PostgreSQL server ready");
            (pg.connect_options(), Some(pg))
        }
    };
    let pool = match engine::db::connect(options, 10).await {
        Ok(pool) => pool,
        Err(e) => {
            if let Some(pg) = embedded {
                let _ = pg.stop().await;
            }
            anyhow::bail!("cannot connect to PostgreSQL: {e}");
        }
    };
    engine::db::migrate(&pool)
        .await
        .map_err(|e| anyhow::anyhow!("applying migrations failed: {e}"))?;
    let derived = engine::facts::backfill(&pool)
        .await
        .map_err(|e| anyhow::anyhow!("deriving the metrics' facts failed: {e}"))?;
    if derived > 0 {
        tracing::info!(
            repositories = derived,
            "derived the facts of data stored before them"
        );
    }
    Ok(Database { pool, embedded })
}

/// Rebuilds the rollups not current in the background (the server only: a command that
/// exits would cut it short); figures read the rows until each repository's are built.
pub fn rebuild_rollups_in_background(pool: &PgPool) {
    let pool = pool.clone();
    tokio::spawn(async move {
        match engine::facts::backfill_rollups(&pool).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(repositories = n, "rebuilt the rollups not current"),
            Err(e) => {
                tracing::warn!(error = %e, "rebuilding the rollups failed; figures read the rows")
            }
        }
    });
}
