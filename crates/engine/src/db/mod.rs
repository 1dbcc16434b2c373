//! Storage: the connection pool, migrations, and one module of queries per aggregate.
//! Every read that returns repository data takes the asking user's id and joins through
//! `repository_access`, so scoping by who is asking cannot be forgotten.

pub mod actions;
pub mod admin;
pub mod checkpoints;
pub mod commits;
pub mod community;
pub mod deployments;
pub mod facts;
pub mod groups;
pub mod http_cache;
pub mod issues;
pub mod jobs;
pub mod metrics;
pub mod orgs;
pub mod packages;
pub mod pulls;
pub mod releases;
pub mod repos;
pub mod rollups;
pub mod schedule;
pub mod settings;
pub mod sign_ins;
pub mod sync_runs;
pub mod users;

use serde::Serialize;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;

/// The schema, from the workspace's `migrations/` directory (its only source).
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations");

/// A connection inside a sync's transaction (a page and its checkpoint commit together).
pub type Conn = sqlx::PgConnection;

/// How a table takes pages of rows: its unique key and what an existing row takes from a
/// new one. The columns written are the row type's fields (its `Serialize` names), so a
/// row type and its table cannot drift apart unnoticed: a field the table lacks is an
/// error from PostgreSQL on the first write.
#[derive(Debug)]
pub struct Table {
    /// The table.
    pub name: &'static str,
    /// The columns of its unique key (`ON CONFLICT`).
    pub key: &'static [&'static str],
    /// Columns an existing row keeps when the new value is NULL: only some of GitHub's
    /// answers carry them (REST lists leave out what GraphQL details give).
    pub keep_when_null: &'static [&'static str],
    /// More assignments for an existing row, as SQL over `EXCLUDED` and the old row.
    pub also: &'static str,
}

impl Table {
    pub const fn new(name: &'static str, key: &'static [&'static str]) -> Table {
        Table {
            name,
            key,
            keep_when_null: &[],
            also: "",
        }
    }

    /// The statement that upserts rows with `columns`, passed as one JSON array in `$1`:
    /// every non-key column takes the new value (or keeps the old one where listed).
    fn upsert_sql(&self, columns: &[String]) -> String {
        let name = self.name;
        let list = columns.join(", ");
        let mut set: Vec<String> = columns
            .iter()
            .filter(|c| !self.key.contains(&c.as_str()))
            .map(|c| {
                if self.keep_when_null.contains(&c.as_str()) {
                    format!("{c} = coalesce(EXCLUDED.{c}, {name}.{c})")
                } else {
                    format!("{c} = EXCLUDED.{c}")
                }
            })
            .collect();
        if !self.also.is_empty() {
            set.push(self.also.to_string());
        }
        let on_conflict = if set.is_empty() {
            "DO NOTHING".to_string()
        } else {
            format!("DO UPDATE SET {}", set.join(", "))
        };
        format!(
            "INSERT INTO {name} ({list}) SELECT {list} FROM jsonb_populate_recordset(NULL::{name}, $1) \
             ON CONFLICT ({}) {on_conflict}",
            self.key.join(", ")
        )
    }
}

/// A row type of one aggregate's table: the sync and (to come) the webhook applier write
/// it through [`upsert`] (or [`replace_repository_rows`]) and nothing else.
pub trait Stored: Serialize + Send + Sync {
    /// Its table, key and conflict rules.
    const TABLE: Table;
}

/// Upserts a page of rows into their table in one statement: the rows travel as one JSON
/// array, keyed by GitHub's ids so that writing a page twice (after a crash or a retry)
/// changes nothing. Returns the rows written.
pub async fn upsert<T: Stored>(conn: &mut Conn, rows: &[T]) -> Result<u64, sqlx::Error> {
    let table = &T::TABLE;
    let Some(first) = rows.first() else {
        return Ok(0);
    };
    let columns: Vec<String> = match serde_json::to_value(first) {
        Ok(serde_json::Value::Object(fields)) => fields.keys().cloned().collect(),
        Ok(_) => {
            let message = format!("{} rows are not objects", table.name);
            return Err(sqlx::Error::Protocol(message));
        }
        Err(e) => return Err(sqlx::Error::Encode(Box::new(e))),
    };
    let done = sqlx::query(&table.upsert_sql(&columns))
        .bind(sqlx::types::Json(rows))
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

/// Deletes the rows of `table` for a repository whose key is not in `keep` (after a full
/// listing: what GitHub no longer lists is gone).
pub async fn retain_only(
    conn: &mut Conn,
    table: Keyed,
    repository_id: i64,
    keep: &[i64],
) -> Result<u64, sqlx::Error> {
    let (table, key) = table.table_and_key();
    let sql = format!("DELETE FROM {table} WHERE repository_id = $1 AND NOT ({key} = ANY($2))");
    let done = sqlx::query(&sql)
        .bind(repository_id)
        .bind(keep)
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

/// Replaces a repository's rows of `T`'s table with `rows` (see [`upsert`]). Only for a
/// complete, successful listing: the callers never reach it on an answer they could not
/// read.
pub async fn replace_repository_rows<T: Stored>(
    conn: &mut Conn,
    repository_id: i64,
    rows: &[T],
) -> Result<u64, sqlx::Error> {
    let table = T::TABLE.name;
    sqlx::query(&format!("DELETE FROM {table} WHERE repository_id = $1"))
        .bind(repository_id)
        .execute(&mut *conn)
        .await?;
    upsert(conn, rows).await
}

/// Tables a full listing reconciles.
#[derive(Debug, Clone, Copy)]
pub enum Keyed {
    Issues,
    Stargazers,
    Forks,
    Releases,
}

impl Keyed {
    /// The table and the column that identifies a row within a repository.
    fn table_and_key(self) -> (&'static str, &'static str) {
        match self {
            Keyed::Issues => ("issues", "github_id"),
            Keyed::Stargazers => ("stargazers", "user_github_id"),
            Keyed::Forks => ("forks", "github_id"),
            Keyed::Releases => ("releases", "github_id"),
        }
    }
}

/// How many rows a repository has in a reconcilable table.
pub async fn count(conn: &mut Conn, table: Keyed, repository_id: i64) -> Result<i64, sqlx::Error> {
    let (table, _) = table.table_and_key();
    sqlx::query_scalar(&format!(
        "SELECT count(*) FROM {table} WHERE repository_id = $1"
    ))
    .bind(repository_id)
    .fetch_one(conn)
    .await
}

/// Sends `payload` to every process LISTENing on `channel` (PostgreSQL NOTIFY).
pub async fn notify(pool: &PgPool, channel: &str, payload: &str) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(channel)
        .bind(payload)
        .execute(pool)
        .await?;
    Ok(())
}

/// Whether PostgreSQL answers (the health check).
pub async fn ping(pool: &PgPool) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT 1").execute(pool).await?;
    Ok(())
}

/// A connection idle longer than this is checked (a round trip) before it is handed out;
/// one in steady use is not: checking every acquire doubled the round trips of a page.
pub const CHECK_IDLE_AFTER: std::time::Duration = std::time::Duration::from_secs(10);

pub async fn connect(
    options: PgConnectOptions,
    max_connections: u32,
) -> Result<PgPool, sqlx::Error> {
    use sqlx::Connection;
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(std::time::Duration::from_secs(10))
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for >= CHECK_IDLE_AFTER {
                    conn.ping().await?;
                }
                Ok(true)
            })
        })
        .connect_with(options)
        .await
}

pub async fn migrate(pool: &PgPool) -> Result<(), sqlx::migrate::MigrateError> {
    MIGRATOR.run(pool).await
}

#[cfg(test)]
mod tests {
    use super::Table;

    fn columns(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    #[test]
    fn an_upsert_updates_every_non_key_column_and_keeps_the_listed_ones_when_null() {
        let things = Table {
            keep_when_null: &["size"],
            also: "seen_at = now()",
            ..Table::new("things", &["id"])
        };
        assert_eq!(
            things.upsert_sql(&columns(&["id", "name", "size"])),
            "INSERT INTO things (id, name, size) SELECT id, name, size \
             FROM jsonb_populate_recordset(NULL::things, $1) ON CONFLICT (id) \
             DO UPDATE SET name = EXCLUDED.name, size = coalesce(EXCLUDED.size, things.size), \
             seen_at = now()"
        );
    }

    #[test]
    fn a_row_that_is_all_key_is_inserted_once() {
        let pairs = Table::new("pairs", &["a", "b"]);
        assert_eq!(
            pairs.upsert_sql(&columns(&["a", "b"])),
            "INSERT INTO pairs (a, b) SELECT a, b FROM jsonb_populate_recordset(NULL::pairs, $1) \
             ON CONFLICT (a, b) DO NOTHING"
        );
    }

    #[tokio::test]
    async fn migrations_apply_once_and_create_the_schema() {
        let pool = crate::testing::fresh_database().await;
        let applied: i64 =
            sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations WHERE success")
                .fetch_one(&pool)
                .await
                .unwrap();
        assert_eq!(applied as usize, super::MIGRATOR.iter().count());
        // Running them again is a no-op.
        super::migrate(&pool).await.unwrap();
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT table_schema || '.' || table_name FROM information_schema.tables
              WHERE table_schema IN ('public', 'tower_sessions') AND table_name <> '_sqlx_migrations'
              ORDER BY 1",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        assert_eq!(
            tables,
            [
                "public.change_deployments",
                "public.commits",
                "public.contributor_firsts",
                "public.contributors",
                "public.conversation_comments",
                "public.default_branch_positions",
                "public.deployment_statuses",
                "public.deployments",
                "public.forks",
                "public.github_http_cache",
                "public.issue_facts",
                "public.issues",
                "public.metric_packs",
                "public.metric_rollup_state",
                "public.oauth_states_used",
                "public.organization_access",
                "public.organizations",
                "public.package_downloads",
                "public.package_reads",
                "public.production_deployments",
                "public.pull_request_facts",
                "public.pull_request_reviews",
                "public.pull_requests",
                "public.releases",
                "public.repositories",
                "public.repository_access",
                "public.repository_group_members",
                "public.repository_groups",
                "public.repository_settings",
                "public.stargazers",
                "public.sync_checkpoints",
                "public.sync_jobs",
                "public.sync_runs",
                "public.sync_schedule",
                "public.tags",
                "public.team_access",
                "public.team_members",
                "public.team_repositories",
                "public.teams",
                "public.tracked_repositories",
                "public.user_tokens",
                "public.users",
                "public.workflow_jobs",
                "public.workflow_runs",
                "public.workflows",
                "tower_sessions.session",
            ]
        );
    }
}
