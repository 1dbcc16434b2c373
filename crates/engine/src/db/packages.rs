//! npm downloads per repository and day (`package_downloads`) and how each repository's
//! package was last read (`package_reads`); written by [`crate::npm::refresh`].

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgPool;

/// The last read of a repository's package: (package, when, npm's error if it failed, the
/// newest day stored).
pub type LastRead = (String, DateTime<Utc>, Option<String>, Option<NaiveDate>);

pub async fn last_read(pool: &PgPool, repository_id: i64) -> Result<Option<LastRead>, sqlx::Error> {
    sqlx::query_as(
        "SELECT r.package, r.read_at, r.error,
                (SELECT max(day) FROM package_downloads d WHERE d.repository_id = r.repository_id)
           FROM package_reads r WHERE r.repository_id = $1",
    )
    .bind(repository_id)
    .fetch_optional(pool)
    .await
}

/// Drops what was read of a package the repository no longer names.
pub async fn forget(pool: &PgPool, repository_id: i64) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    for sql in [
        "DELETE FROM package_downloads WHERE repository_id = $1",
        "DELETE FROM package_reads WHERE repository_id = $1",
    ] {
        sqlx::query(sql)
            .bind(repository_id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await
}

/// Stores the days read of `package` (replacing another package's), and the read.
pub async fn store(
    pool: &PgPool,
    repository_id: i64,
    package: &str,
    days: &[(NaiveDate, i64)],
) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    drop_other_package(&mut tx, repository_id, package).await?;
    let (dates, counts): (Vec<NaiveDate>, Vec<i64>) = days.iter().copied().unzip();
    sqlx::query(
        "INSERT INTO package_downloads (repository_id, day, downloads)
         SELECT $1, * FROM unnest($2::date[], $3::bigint[])
         ON CONFLICT (repository_id, day) DO UPDATE SET downloads = EXCLUDED.downloads",
    )
    .bind(repository_id)
    .bind(&dates)
    .bind(&counts)
    .execute(&mut *tx)
    .await?;
    read(&mut tx, repository_id, package, None).await?;
    tx.commit().await
}

/// Records that reading `package` failed, with npm's (or the network's) words.
pub async fn failed(
    pool: &PgPool,
    repository_id: i64,
    package: &str,
    error: &str,
) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    drop_other_package(&mut tx, repository_id, package).await?;
    read(&mut tx, repository_id, package, Some(error)).await?;
    tx.commit().await
}

/// Deletes the downloads read of another package than `package` (the setting changed).
async fn drop_other_package(
    conn: &mut sqlx::PgConnection,
    repository_id: i64,
    package: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "DELETE FROM package_downloads WHERE repository_id = $1 AND EXISTS (
             SELECT 1 FROM package_reads WHERE repository_id = $1 AND package <> $2)",
    )
    .bind(repository_id)
    .bind(package)
    .execute(conn)
    .await?;
    Ok(())
}

async fn read(
    conn: &mut sqlx::PgConnection,
    repository_id: i64,
    package: &str,
    error: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO package_reads (repository_id, package, read_at, error)
         VALUES ($1, $2, now(), $3)
         ON CONFLICT (repository_id) DO UPDATE
            SET package = EXCLUDED.package, read_at = EXCLUDED.read_at, error = EXCLUDED.error",
    )
    .bind(repository_id)
    .bind(package)
    .bind(error)
    .execute(conn)
    .await?;
    Ok(())
}

/// The downloads of the repositories' packages over `[from, to)`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Downloads {
    /// (repository, package named in its settings, the last read's error) of each
    /// repository that names a package.
    pub packages: Vec<(i64, String, Option<String>)>,
    pub total: i64,
    /// The distinct days of the period with downloads stored.
    pub days: i64,
}

pub async fn downloads(
    pool: &PgPool,
    repositories: &[i64],
    (from, to): (DateTime<Utc>, DateTime<Utc>),
) -> Result<Downloads, sqlx::Error> {
    let packages = sqlx::query_as(
        "SELECT s.repository_id, s.npm_package, r.error FROM repository_settings s
           LEFT JOIN package_reads r
                  ON r.repository_id = s.repository_id AND r.package = s.npm_package
          WHERE s.repository_id = ANY($1) AND s.npm_package IS NOT NULL
          ORDER BY s.npm_package",
    )
    .bind(repositories)
    .fetch_all(pool)
    .await?;
    let (total, days): (i64, i64) = sqlx::query_as(
        "SELECT coalesce(sum(d.downloads), 0)::bigint, count(DISTINCT d.day)
           FROM package_downloads d
           JOIN repository_settings s ON s.repository_id = d.repository_id
           JOIN package_reads r ON r.repository_id = d.repository_id AND r.package = s.npm_package
          WHERE d.repository_id = ANY($1)
            AND d.day >= ($2::timestamptz AT TIME ZONE 'UTC')::date
            AND d.day < ($3::timestamptz AT TIME ZONE 'UTC')::date",
    )
    .bind(repositories)
    .bind(from)
    .bind(to)
    .fetch_one(pool)
    .await?;
    Ok(Downloads {
        packages,
        total,
        days,
    })
}
