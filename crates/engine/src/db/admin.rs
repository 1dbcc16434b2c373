//! Databases themselves: whether one exists and creating one (the private PostgreSQL
//! server's `pulseboard` database, and the tests' fresh databases). Names are ours, never
//! a user's, and are checked to be plain identifiers anyway.

use sqlx::PgConnection;

fn plain_identifier(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

pub async fn database_exists(conn: &mut PgConnection, name: &str) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
        .bind(name)
        .fetch_one(conn)
        .await
}

/// Creates database `name`; `Ok(false)` when another session created it first.
///
/// Errors: `name` not a plain lower-case identifier (a protocol error), or PostgreSQL's.
pub async fn create_database(conn: &mut PgConnection, name: &str) -> Result<bool, sqlx::Error> {
    if !plain_identifier(name) {
        return Err(sqlx::Error::Protocol(format!(
            "{name:?} is not a plain database name"
        )));
    }
    match sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(conn)
        .await
    {
        Ok(_) => Ok(true),
        Err(e)
            if e.as_database_error()
                .and_then(|d| d.code())
                .is_some_and(|c| c == "42P04") =>
        {
            Ok(false)
        }
        Err(e) => Err(e),
    }
}
