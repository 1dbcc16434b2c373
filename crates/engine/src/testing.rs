//! Test support: one private PostgreSQL cluster shared by all test processes of a run
//! (started on first use, under /tmp so its socket path stays short), and a fresh,
//! migrated database for every test.

use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, PgPool};
use tokio::sync::OnceCell;

use crate::pg::EmbeddedPostgres;

/// Where the shared test cluster lives; `make test` stops and removes it at the end.
pub const TEST_CLUSTER_DIR: &str = "/tmp/pulseboard-test-pg";

static CLUSTER: OnceCell<PgConnectOptions> = OnceCell::const_new();

async fn cluster() -> PgConnectOptions {
    CLUSTER
        .get_or_init(|| async {
            if let Ok(url) = std::env::var("PULSEBOARD_TEST_DATABASE_URL") {
                return url
                    .parse()
                    .expect("PULSEBOARD_TEST_DATABASE_URL is a postgres URL");
            }
            let search = crate::pg::BinarySearch {
                explicit: std::env::var_os("PULSEBOARD_PG_BIN").map(Into::into),
                path: std::env::var_os("PATH"),
            };
            let pg = EmbeddedPostgres::start(std::path::Path::new(TEST_CLUSTER_DIR), &search)
                .await
                .expect("start the test PostgreSQL cluster");
            // Left running for the other tests of this run; `make test` stops it.
            pg.connect_options()
        })
        .await
        .clone()
}

/// A person who signed in: a `users` row with GitHub id `github_id`; returns its id.
pub async fn insert_user(pool: &PgPool, github_id: i64, login: &str) -> i64 {
    sqlx::query_scalar("INSERT INTO users (github_id, login) VALUES ($1, $2) RETURNING id")
        .bind(github_id)
        .bind(login)
        .fetch_one(pool)
        .await
        .expect("insert a user")
}

/// A repository `owner/name` with GitHub id `id`, which the users `seen_by` may see
/// (`repository_access`, permission pull).
pub async fn insert_repository(pool: &PgPool, id: i64, full_name: &str, seen_by: &[i64]) {
    let (owner, name) = full_name.split_once('/').expect("owner/name");
    sqlx::query(
        "INSERT INTO repositories (github_id, owner_login, name, full_name, private,
                default_branch, archived, fork, html_url, created_at, updated_at,
                stargazers_count, forks_count, open_issues_count)
         VALUES ($1, $2, $3, $4, false, 'main', false, false, '', now(), now(), 0, 0, 0)",
    )
    .bind(id)
    .bind(owner)
    .bind(name)
    .bind(full_name)
    .execute(pool)
    .await
    .expect("insert a repository");
    for u in seen_by {
        sqlx::query(
            "INSERT INTO repository_access (user_id, repository_id, permission) VALUES ($1, $2, 'pull')",
        )
        .bind(u)
        .bind(id)
        .execute(pool)
        .await
        .expect("give access to a repository");
    }
}

/// A new, empty, migrated database, removed with the cluster at the end of the run
/// (`scripts/stop-test-db.sh`).
pub async fn fresh_database() -> PgPool {
    fresh_database_with_url().await.0
}

/// A fresh database and a URL for it, for tests that start `pulseboard` as a process.
pub async fn fresh_database_with_url() -> (PgPool, String) {
    let admin = cluster().await.database("postgres");
    let name = format!("test_{}", uuid_like());
    let mut conn = admin.connect().await.expect("connect to the test cluster");
    crate::db::admin::create_database(&mut conn, &name)
        .await
        .expect("create a test database");
    let pool = crate::db::connect(admin.clone().database(&name), 5)
        .await
        .expect("connect to the test database");
    crate::db::migrate(&pool).await.expect("migrations apply");
    let host = admin
        .get_socket()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| admin.get_host().to_string());
    let url = format!(
        "postgresql://{}@localhost:{}/{name}?host={host}",
        admin.get_username(),
        admin.get_port()
    );
    (pool, url)
}

fn uuid_like() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 8];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}
