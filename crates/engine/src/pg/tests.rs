//! The private PostgreSQL server, started, stopped, restarted, reused and adopted for real.

use super::*;

/// As `pulseboard` searches: this process's PATH.
fn search() -> BinarySearch {
    BinarySearch {
        explicit: None,
        path: std::env::var_os("PATH"),
    }
}

#[test]
fn socket_paths_are_measured() {
    let long = PathBuf::from("/").join("x".repeat(120));
    assert!(socket_path_len(&long) > MAX_SOCKET_PATH);
    assert_eq!(
        socket_path_len(Path::new("/tmp/d")),
        "/tmp/d/.s.PGSQL.5432".len()
    );
}

#[test]
fn binaries_are_found_on_this_machine() {
    let dir =
        find_binaries(&search()).expect("PostgreSQL server binaries are installed for the tests");
    assert!(dir.join("postgres").is_file());
}

async fn count_rows(pg: &EmbeddedPostgres) -> i64 {
    let mut conn = pg.connect_options().connect().await.unwrap();
    sqlx::query_scalar("SELECT count(*) FROM kept")
        .fetch_one(&mut conn)
        .await
        .unwrap()
}

#[tokio::test]
async fn start_stop_restart_keeps_data() {
    let dir = tempfile::Builder::new()
        .prefix("pb-pg")
        .tempdir_in("/tmp")
        .unwrap();
    let pg = EmbeddedPostgres::start(dir.path(), &search())
        .await
        .unwrap();
    assert!(pg.cluster_dir().join("PG_VERSION").exists());
    // Only a Unix socket: no TCP listener.
    assert!(pg.socket_dir().join(".s.PGSQL.5432").exists());
    {
        let mut conn = pg.connect_options().connect().await.unwrap();
        let listen: String = sqlx::query_scalar("SHOW listen_addresses")
            .fetch_one(&mut conn)
            .await
            .unwrap();
        assert_eq!(listen, "");
        sqlx::raw_sql("CREATE TABLE kept (n int); INSERT INTO kept VALUES (1), (2), (3)")
            .execute(&mut conn)
            .await
            .unwrap();
    }
    pg.stop().await.unwrap();
    assert!(!dir.path().join("postgres/postmaster.pid").exists());

    let pg = EmbeddedPostgres::start(dir.path(), &search())
        .await
        .unwrap();
    assert_eq!(count_rows(&pg).await, 3);

    // A second start on a running cluster reuses it and does not own it.
    let second = EmbeddedPostgres::start(dir.path(), &search())
        .await
        .unwrap();
    assert!(!second.owned);
    second.stop().await.unwrap();
    assert_eq!(count_rows(&pg).await, 3);

    // Its owner crashes (here: the owner file names a process that has exited): the
    // next start adopts the running server and stops it on shutdown.
    let mut gone = std::process::Command::new("true").spawn().unwrap();
    let dead_pid = gone.id();
    gone.wait().unwrap();
    std::fs::write(pg.owner_file(), dead_pid.to_string()).unwrap();
    let adopter = EmbeddedPostgres::start(dir.path(), &search())
        .await
        .unwrap();
    assert!(adopter.owned, "a crashed owner's server is adopted");
    assert_eq!(count_rows(&adopter).await, 3);
    adopter.stop().await.unwrap();
    assert!(!dir.path().join("postgres/postmaster.pid").exists());
    drop(pg);
}

#[tokio::test]
async fn long_data_dir_uses_a_short_socket_dir() {
    let base = tempfile::Builder::new()
        .prefix("pb-pg")
        .tempdir_in("/tmp")
        .unwrap();
    let deep = base.path().join("a-rather-long-directory-name-".repeat(3));
    let pg = EmbeddedPostgres::start(&deep, &search()).await.unwrap();
    assert_ne!(pg.socket_dir(), pg.cluster_dir());
    assert!(socket_path_len(pg.socket_dir()) <= MAX_SOCKET_PATH);
    let mut conn = pg.connect_options().connect().await.unwrap();
    let one: i32 = sqlx::query_scalar("SELECT 1")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(one, 1);
    drop(conn);
    pg.stop().await.unwrap();
}
