//! Sign-ins in progress: each OAuth `state` may complete one sign-in, so a captured
//! pending-sign-in cookie cannot be replayed to spend the OAuth app's code exchanges.

use sha2::{Digest, Sha256};
use sqlx::PgPool;

/// A `state` older than this is refused by its cookie anyway; its record can go.
const KEEP: &str = "1 hour";

/// Records that the sign-in with this `state` is being completed. `Ok(false)` when it
/// was completed (or tried) before: a replay. Only a hash of the state is stored.
pub async fn consume_state(pool: &PgPool, state: &str) -> Result<bool, sqlx::Error> {
    sqlx::query(&format!(
        "DELETE FROM oauth_states_used WHERE used_at < now() - interval '{KEEP}'"
    ))
    .execute(pool)
    .await?;
    let inserted = sqlx::query(
        "INSERT INTO oauth_states_used (state_sha256) VALUES ($1) ON CONFLICT DO NOTHING",
    )
    .bind(Sha256::digest(state.as_bytes()).to_vec())
    .execute(pool)
    .await?;
    Ok(inserted.rows_affected() == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_state_completes_one_sign_in() {
        let pool = crate::testing::fresh_database().await;
        assert!(consume_state(&pool, "abc").await.unwrap());
        assert!(!consume_state(&pool, "abc").await.unwrap());
        assert!(consume_state(&pool, "abd").await.unwrap());
    }
}
