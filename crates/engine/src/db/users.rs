//! People who signed in, and their encrypted GitHub tokens.

use sqlx::PgPool;

use crate::auth::TokenCipher;
use crate::github::models::GhUser;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct User {
    pub id: i64,
    pub github_id: i64,
    pub login: String,
    pub name: Option<String>,
    pub avatar_url: Option<String>,
}

/// Records a sign-in: creates or refreshes the user and stores their token encrypted,
/// both in one transaction.
pub async fn upsert_signed_in(
    pool: &PgPool,
    cipher: &TokenCipher,
    gh: &GhUser,
    token: &str,
    scopes: &str,
) -> Result<User, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let user: User = sqlx::query_as(
        "INSERT INTO users (github_id, login, name, avatar_url)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (github_id) DO UPDATE
            SET login = EXCLUDED.login, name = EXCLUDED.name,
                avatar_url = EXCLUDED.avatar_url, last_login_at = now()
         RETURNING id, github_id, login, name, avatar_url",
    )
    .bind(gh.id)
    .bind(&gh.login)
    .bind(&gh.name)
    .bind(&gh.avatar_url)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO user_tokens (user_id, ciphertext, scopes) VALUES ($1, $2, $3)
         ON CONFLICT (user_id) DO UPDATE
            SET ciphertext = EXCLUDED.ciphertext, scopes = EXCLUDED.scopes, updated_at = now()",
    )
    .bind(user.id)
    .bind(cipher.encrypt(user.id, token))
    .bind(scopes)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(user)
}

pub async fn find(pool: &PgPool, id: i64) -> Result<Option<User>, sqlx::Error> {
    sqlx::query_as("SELECT id, github_id, login, name, avatar_url FROM users WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await
}

/// The user's GitHub token, decrypted.
pub async fn token(pool: &PgPool, cipher: &TokenCipher, user_id: i64) -> crate::Result<String> {
    let sealed: Option<Vec<u8>> =
        sqlx::query_scalar("SELECT ciphertext FROM user_tokens WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional(pool)
            .await?;
    let sealed = sealed.ok_or(crate::Error::NoToken)?;
    cipher.decrypt(user_id, &sealed)
}

/// Takes the right to ask GitHub for the user's repositories now: `true` unless someone
/// (any process) did so within `min_interval_secs` or is doing so, so that a button
/// pressed many times asks GitHub once.
pub async fn claim_repositories_refresh(
    pool: &PgPool,
    user_id: i64,
    min_interval_secs: i64,
) -> Result<bool, sqlx::Error> {
    let claimed = sqlx::query(
        "UPDATE users SET repositories_refreshed_at = now()
          WHERE id = $1
            AND (repositories_refreshed_at IS NULL
                 OR repositories_refreshed_at < now() - make_interval(secs => $2))",
    )
    .bind(user_id)
    .bind(min_interval_secs as f64)
    .execute(pool)
    .await?;
    Ok(claimed.rows_affected() == 1)
}

/// Gives the right back after a refresh that failed, so the next request may try again.
pub async fn release_repositories_refresh(pool: &PgPool, user_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET repositories_refreshed_at = NULL WHERE id = $1")
        .bind(user_id)
        .execute(pool)
        .await?;
    Ok(())
}

/// The id of the user who signed in with this login (GitHub logins are case-insensitive).
pub async fn id_by_login(pool: &PgPool, login: &str) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM users WHERE lower(login) = lower($1)")
        .bind(login)
        .fetch_optional(pool)
        .await
}
