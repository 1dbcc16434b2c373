//! A private PostgreSQL server for `pulseboard serve` without `DATABASE_URL`: initialised
//! under the data directory from the machine's PostgreSQL binaries, reachable only through
//! a Unix socket, and run as the unprivileged `postgres` user when we are root.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sha2::{Digest, Sha256};
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection};

/// The database Pulseboard uses inside its private cluster.
pub const DATABASE: &str = "pulseboard";
const SUPERUSER: &str = "postgres";
const PORT: u16 = 5432;
/// Linux limits a socket path to 107 bytes; keep a margin.
const MAX_SOCKET_PATH: usize = 100;

#[derive(Debug, thiserror::Error)]
pub enum EmbeddedError {
    #[error(
        "No PostgreSQL server binaries were found (looked for initdb, pg_ctl and postgres on PATH, \
         in PULSEBOARD_PG_BIN and in /usr/lib/postgresql/*/bin). Pulseboard runs a private \
         PostgreSQL server when DATABASE_URL is not set: install PostgreSQL's server package \
         (Debian/Ubuntu: `sudo apt-get install postgresql`; Fedora: `sudo dnf install \
         postgresql-server`; macOS: `brew install postgresql@16`), or point DATABASE_URL at an \
         existing PostgreSQL server."
    )]
    NoBinaries,
    #[error(
        "Pulseboard is running as root, and PostgreSQL refuses to run as root, but there is no \
         unprivileged `postgres` system user to run it as. Create one (`useradd --system \
         postgres`), run Pulseboard as a normal user, or set DATABASE_URL."
    )]
    NoPostgresUser,
    #[error("cannot prepare the data directory {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    #[error("{step} failed ({status}); see {log} for PostgreSQL's own log.\n{detail}")]
    Command {
        step: &'static str,
        status: String,
        log: String,
        detail: String,
    },
    #[error("cannot run {program}: {source}")]
    Spawn {
        program: String,
        source: std::io::Error,
    },
    #[error("cannot connect to the private PostgreSQL server: {0}")]
    Connect(#[from] sqlx::Error),
}

/// A running private cluster. `stop` it on shutdown; a cluster that was already running
/// (another Pulseboard process on the same data directory) is left running.
#[derive(Debug)]
pub struct EmbeddedPostgres {
    bin_dir: PathBuf,
    cluster_dir: PathBuf,
    socket_dir: PathBuf,
    run_as: Option<(u32, u32)>,
    owned: bool,
}

impl EmbeddedPostgres {
    /// Starts (initialising first when new) the cluster for `data_dir` and makes sure the
    /// `pulseboard` database exists.
    pub async fn start(data_dir: &Path, search: &BinarySearch) -> Result<Self, EmbeddedError> {
        let data_dir = data_dir.to_path_buf();
        let search = search.clone();
        let mut pg = tokio::task::spawn_blocking(move || Self::prepare(&data_dir, &search))
            .await
            .expect("the cluster preparation task does not panic")?;
        pg.ensure_database().await?;
        Ok(pg)
    }

    fn prepare(data_dir: &Path, search: &BinarySearch) -> Result<Self, EmbeddedError> {
        let bin_dir = find_binaries(search).ok_or(EmbeddedError::NoBinaries)?;
        let dir_error = |path: &Path| {
            let path = path.display().to_string();
            move |source| EmbeddedError::DataDir { path, source }
        };
        std::fs::create_dir_all(data_dir).map_err(dir_error(data_dir))?;
        let data_dir = data_dir.canonicalize().map_err(dir_error(data_dir))?;
        let run_as = if effective_uid() == 0 {
            Some(postgres_user().ok_or(EmbeddedError::NoPostgresUser)?)
        } else {
            None
        };

        let mut cluster_dir = data_dir.join("postgres");
        if let Some((uid, _)) = run_as {
            if !reachable_by(uid, &data_dir) {
                // Typically a data directory under /root (mode 700): PostgreSQL's user cannot
                // walk into it. Keep the cluster somewhere it can, tied to this data dir.
                let fallback = Path::new("/var/lib/pulseboard").join(short_hash(&data_dir));
                tracing::warn!(
                    data_dir = %data_dir.display(),
                    cluster = %fallback.display(),
                    "the postgres user cannot enter the data directory; keeping the database cluster elsewhere"
                );
                cluster_dir = fallback;
            }
        }
        std::fs::create_dir_all(&cluster_dir).map_err(dir_error(&cluster_dir))?;
        std::fs::set_permissions(&cluster_dir, std::fs::Permissions::from_mode(0o700))
            .map_err(dir_error(&cluster_dir))?;
        if let Some((uid, gid)) = run_as {
            std::os::unix::fs::chown(&cluster_dir, Some(uid), Some(gid))
                .map_err(dir_error(&cluster_dir))?;
        }

        let socket_dir = if socket_path_len(&cluster_dir) <= MAX_SOCKET_PATH {
            cluster_dir.clone()
        } else {
            let dir = std::env::temp_dir().join(format!("pulseboard-{}", short_hash(&cluster_dir)));
            std::fs::create_dir_all(&dir).map_err(dir_error(&dir))?;
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))
                .map_err(dir_error(&dir))?;
            if let Some((uid, gid)) = run_as {
                std::os::unix::fs::chown(&dir, Some(uid), Some(gid)).map_err(dir_error(&dir))?;
            }
            tracing::info!(socket_dir = %dir.display(), "data directory path too long for a Unix socket; using a short private socket directory");
            dir
        };

        let pg = EmbeddedPostgres {
            bin_dir,
            cluster_dir,
            socket_dir,
            run_as,
            owned: false,
        };
        pg.init_if_new()?;
        pg.write_settings()?;
        pg.start_server()
    }

    fn command(&self, program: &str) -> Command {
        let mut cmd = Command::new(self.bin_dir.join(program));
        // Our own process group: a Ctrl-C in the terminal reaches Pulseboard, which then
        // stops the server in order, instead of reaching PostgreSQL directly.
        cmd.process_group(0);
        cmd.env_remove("PGDATA").env("LC_ALL", "C");
        if let Some((uid, gid)) = self.run_as {
            cmd.uid(uid).gid(gid);
            cmd.current_dir(&self.cluster_dir);
        }
        cmd
    }

    fn run(&self, step: &'static str, mut cmd: Command) -> Result<Output, EmbeddedError> {
        let program = format!("{cmd:?}");
        let output = cmd
            .output()
            .map_err(|source| EmbeddedError::Spawn { program, source })?;
        if output.status.success() {
            Ok(output)
        } else {
            Err(EmbeddedError::Command {
                step,
                status: output.status.to_string(),
                log: self.log_path().display().to_string(),
                detail: String::from_utf8_lossy(&output.stderr).trim().to_string(),
            })
        }
    }

    pub fn log_path(&self) -> PathBuf {
        self.cluster_dir.join("server.log")
    }

    pub fn cluster_dir(&self) -> &Path {
        &self.cluster_dir
    }

    pub fn socket_dir(&self) -> &Path {
        &self.socket_dir
    }

    fn init_if_new(&self) -> Result<(), EmbeddedError> {
        if self.cluster_dir.join("PG_VERSION").exists() {
            return Ok(());
        }
        let mut cmd = self.command("initdb");
        cmd.arg("-D").arg(&self.cluster_dir).args([
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--no-locale",
        ]);
        self.run("initdb", cmd)?;
        // Our settings live in a file of their own, rewritten on every start.
        let conf = self.cluster_dir.join("postgresql.conf");
        let mut text = std::fs::read_to_string(&conf).map_err(|source| EmbeddedError::DataDir {
            path: conf.display().to_string(),
            source,
        })?;
        text.push_str("\ninclude_if_exists = 'pulseboard.conf'\n");
        std::fs::write(&conf, text).map_err(|source| EmbeddedError::DataDir {
            path: conf.display().to_string(),
            source,
        })
    }

    fn write_settings(&self) -> Result<(), EmbeddedError> {
        let escape = |p: &Path| p.display().to_string().replace('\'', "''");
        let settings = format!(
            "# Written by Pulseboard at every start.\n\
             listen_addresses = ''\n\
             port = {PORT}\n\
             unix_socket_directories = '{}'\n\
             unix_socket_permissions = 0700\n\
             max_connections = 100\n\
             shared_buffers = '128MB'\n",
            escape(&self.socket_dir)
        );
        let path = self.cluster_dir.join("pulseboard.conf");
        std::fs::write(&path, settings).map_err(|source| EmbeddedError::DataDir {
            path: path.display().to_string(),
            source,
        })?;
        if let Some((uid, gid)) = self.run_as {
            let _ = std::os::unix::fs::chown(&path, Some(uid), Some(gid));
        }
        Ok(())
    }

    fn is_running(&self) -> bool {
        let mut cmd = self.command("pg_ctl");
        cmd.arg("-D").arg(&self.cluster_dir).arg("status");
        cmd.output().is_ok_and(|o| o.status.success())
    }

    /// Names the Pulseboard process that started the server and stops it on shutdown.
    fn owner_file(&self) -> PathBuf {
        self.cluster_dir.join("pulseboard.owner")
    }

    fn take_ownership(&mut self) {
        self.owned = true;
        let _ = std::fs::write(self.owner_file(), std::process::id().to_string());
    }

    /// Whether the process that started the running server is still alive (then it
    /// stops the server itself); a crashed owner left the server to whoever comes next.
    fn owner_alive(&self) -> bool {
        std::fs::read_to_string(self.owner_file())
            .ok()
            .and_then(|pid| pid.trim().parse::<u32>().ok())
            .is_some_and(|pid| Path::new(&format!("/proc/{pid}")).exists())
    }

    fn start_server(mut self) -> Result<Self, EmbeddedError> {
        if self.is_running() {
            if self.owner_alive() {
                tracing::info!(cluster = %self.cluster_dir.display(), "reusing the PostgreSQL server another Pulseboard process runs on this data directory");
            } else {
                tracing::info!(cluster = %self.cluster_dir.display(), "adopting the PostgreSQL server a stopped Pulseboard process left running; it is stopped on shutdown");
                self.take_ownership();
            }
            return Ok(self);
        }
        let mut cmd = self.command("pg_ctl");
        cmd.arg("-D")
            .arg(&self.cluster_dir)
            .arg("-l")
            .arg(self.log_path())
            .args(["-w", "-t", "60", "start"]);
        match self.run("starting PostgreSQL", cmd) {
            Ok(_) => {
                self.take_ownership();
                Ok(self)
            }
            // Another process may have started it between our check and our start.
            Err(_) if self.is_running() => Ok(self),
            Err(e) => Err(e),
        }
    }

    pub fn connect_options(&self) -> PgConnectOptions {
        PgConnectOptions::new()
            .socket(&self.socket_dir)
            .port(PORT)
            .username(SUPERUSER)
            .database(DATABASE)
    }

    async fn ensure_database(&mut self) -> Result<(), EmbeddedError> {
        let mut conn = self
            .connect_options()
            .database("postgres")
            .connect()
            .await?;
        // A concurrent starter may win the race to create it; that is fine.
        if !crate::db::admin::database_exists(&mut conn, DATABASE).await? {
            crate::db::admin::create_database(&mut conn, DATABASE).await?;
        }
        conn.close().await?;
        Ok(())
    }

    /// Stops the server if this process started it (fast shutdown: sessions are ended,
    /// committed data is safe).
    pub async fn stop(self) -> Result<(), EmbeddedError> {
        if !self.owned {
            return Ok(());
        }
        tokio::task::spawn_blocking(move || {
            let mut cmd = self.command("pg_ctl");
            cmd.arg("-D")
                .arg(&self.cluster_dir)
                .args(["-m", "fast", "-w", "-t", "60", "stop"]);
            let stopped = self.run("stopping PostgreSQL", cmd).map(|_| ());
            let _ = std::fs::remove_file(self.owner_file());
            stopped
        })
        .await
        .expect("the stop task does not panic")
    }
}

fn socket_path_len(dir: &Path) -> usize {
    dir.as_os_str().len() + format!("/.s.PGSQL.{PORT}").len()
}

fn short_hash(path: &Path) -> String {
    hex::encode(Sha256::digest(path.as_os_str().as_encoded_bytes()))[..12].to_string()
}

/// Where to look for PostgreSQL's server binaries, in order: an explicit directory
/// (`PULSEBOARD_PG_BIN`), the directories of a search path (the process's `PATH`), then
/// the usual install locations.
#[derive(Debug, Clone, Default)]
pub struct BinarySearch {
    pub explicit: Option<PathBuf>,
    pub path: Option<std::ffi::OsString>,
}

/// The directory holding `initdb`, `pg_ctl` and `postgres`, newest major version first.
pub fn find_binaries(search: &BinarySearch) -> Option<PathBuf> {
    let has_all = |dir: &Path| {
        ["initdb", "pg_ctl", "postgres"]
            .iter()
            .all(|b| dir.join(b).is_file())
    };
    if let Some(dir) = &search.explicit {
        if has_all(dir) {
            return Some(dir.clone());
        }
    }
    // Debian's /usr/local/bin or /usr/bin links point into the versioned directory; follow
    // them so `postgres` is found beside `initdb`.
    if let Some(path) = &search.path {
        for dir in std::env::split_paths(path) {
            let initdb = dir.join("initdb");
            if let Ok(real) = initdb.canonicalize() {
                if let Some(parent) = real.parent() {
                    if has_all(parent) {
                        return Some(parent.to_path_buf());
                    }
                }
            }
        }
    }
    let mut versioned: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse::<u32>().ok()?;
            Some((version, e.path().join("bin")))
        })
        .collect();
    versioned.sort();
    versioned
        .into_iter()
        .rev()
        .map(|(_, dir)| dir)
        .chain(
            [
                "/usr/local/pgsql/bin",
                "/opt/homebrew/bin",
                "/usr/local/bin",
            ]
            .map(PathBuf::from),
        )
        .find(|d| has_all(d))
}

fn effective_uid() -> u32 {
    // /proc/self belongs to the process's effective user.
    std::fs::metadata("/proc/self")
        .map(|m| m.uid())
        .unwrap_or_else(|_| {
            Command::new("id")
                .arg("-u")
                .output()
                .ok()
                .and_then(|o| String::from_utf8(o.stdout).ok())
                .and_then(|s| s.trim().parse().ok())
                .unwrap_or(u32::MAX)
        })
}

/// uid and gid of the `postgres` system user.
fn postgres_user() -> Option<(u32, u32)> {
    let out = Command::new("getent")
        .args(["passwd", "postgres"])
        .output()
        .ok()?;
    let line = String::from_utf8(out.stdout).ok()?;
    let fields: Vec<&str> = line.trim().split(':').collect();
    Some((fields.get(2)?.parse().ok()?, fields.get(3)?.parse().ok()?))
}

/// Whether user `uid` (not root, not in our groups) can walk from `/` into `dir`.
fn reachable_by(uid: u32, dir: &Path) -> bool {
    dir.ancestors().all(|p| {
        std::fs::metadata(p).is_ok_and(|m| {
            let mode = m.permissions().mode();
            m.uid() == uid && mode & 0o100 != 0 || mode & 0o001 != 0
        })
    })
}

#[cfg(test)]
mod tests;
