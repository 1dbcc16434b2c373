//! Storage: the connection pool, migrations, and one module of queries per aggregate.
//! Every read that returns repository data takes the asking user's id and joins through
//! `repository_access`, so scoping by who is asking cannot be forgotten.

pub mod pulls;
pub mod repos;
pub mod sync_runs;
pub mod users;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;

/// The schema, from the workspace's `migrations/` directory (its only source).
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations");

pub async fn connect(options: PgConnectOptions, max_connections: u32) -> Result<PgPool, sqlx::Error> {
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(std::time::Duration::from_secs(10))
        .connect_with(options)
        .await
}

pub async fn migrate(pool: &PgPool) -> Result<(), sqlx::migrate::MigrateError> {
    MIGRATOR.run(pool).await
}
