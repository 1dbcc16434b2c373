//! What the benchmarks share: a private PostgreSQL with the schema, a simulated GitHub
//! whose rate limit nobody reaches, and alice signed in with her access read.

use std::net::SocketAddr;

use engine::auth::{SecretKey, TokenCipher};
use engine::github::GitHubClient;
use ghsim::{RateLimit, RunningSimulator, SimConfig, Size};

/// A private PostgreSQL cluster in `dir` (binaries from `PULSEBOARD_PG_BIN` or `PATH`) and
/// a migrated pool on it.
pub async fn database(
    dir: &std::path::Path,
) -> anyhow::Result<(engine::pg::EmbeddedPostgres, sqlx::PgPool)> {
    let pg = engine::pg::EmbeddedPostgres::start(
        dir,
        &engine::pg::BinarySearch {
            explicit: std::env::var_os("PULSEBOARD_PG_BIN").map(Into::into),
            path: std::env::var_os("PATH"),
        },
    )
    .await?;
    let pool = engine::db::connect(pg.connect_options(), 10).await?;
    engine::db::migrate(&pool).await?;
    Ok((pg, pool))
}

/// The simulator's world of `size` (seed 7) at `now`, with a budget nobody reaches so
/// that points are counted but never waited for.
pub async fn simulator(
    size: Size,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<RunningSimulator> {
    Ok(RunningSimulator::start(
        SimConfig::new(7, size, now).with_rate_limit(RateLimit::PerHour(1_000_000_000)),
        SocketAddr::from(([127, 0, 0, 1], 0)),
    )
    .await?)
}

/// alice's token, and alice signed in (her user row, her repository access).
pub async fn sign_in_alice(
    pool: &sqlx::PgPool,
    sim: &RunningSimulator,
) -> anyhow::Result<(String, engine::db::users::User)> {
    let token = sim
        .sim
        .with_world(|w| w.user_by_login("alice").map(|u| u.token.clone()))
        .ok_or_else(|| anyhow::anyhow!("the world has no alice"))?;
    let client = GitHubClient::new(&sim.base_url, &token)?;
    let me = client.current_user().await?;
    let cipher = TokenCipher::new(&SecretKey::generate());
    let user = engine::db::users::upsert_signed_in(pool, &cipher, &me, &token, "").await?;
    engine::sync::refresh_access(pool, &client, user.id).await?;
    Ok((token, user))
}
