//! Fetching GitHub data into Postgres. Each page is written in its own transaction, so a
//! failure keeps what was already stored, and every run leaves a `sync_runs` row.

use sqlx::PgPool;

use crate::db;
use crate::github::GitHubClient;

/// What one sync did and what it cost.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct SyncReport {
    pub items: u32,
    pub pages: u32,
    pub requests: u32,
}

/// Reads a repository's pull requests (all states, every page) into `pull_requests`.
pub async fn sync_pull_requests(
    pool: &PgPool,
    client: &GitHubClient,
    repository_id: i64,
    full_name: &str,
    requested_by: Option<i64>,
) -> crate::Result<SyncReport> {
    let run = db::sync_runs::start(pool, repository_id, "pull_requests", requested_by).await?;
    let requests_before = client.requests_made();
    let mut report = SyncReport::default();
    let outcome = async {
        let mut next = Some(GitHubClient::pulls_first_page(full_name));
        while let Some(path) = next {
            let page = client.pulls_page(&path).await?;
            let mut tx = pool.begin().await?;
            db::pulls::upsert_page(&mut tx, repository_id, &page.items).await?;
            tx.commit().await?;
            report.items += page.items.len() as u32;
            report.pages += 1;
            next = page.next;
        }
        Ok::<(), crate::Error>(())
    }
    .await;
    report.requests = client.requests_made() - requests_before;
    let error = outcome.as_ref().err().map(|e| e.to_string());
    db::sync_runs::finish(
        pool,
        run,
        (report.items, report.pages, report.requests),
        error.as_deref(),
    )
    .await?;
    outcome.map(|()| report)
}

/// Asks GitHub which repositories the user can see now and stores exactly that as their
/// access, revoking whatever GitHub no longer lists.
pub async fn refresh_access(
    pool: &PgPool,
    client: &GitHubClient,
    user_id: i64,
) -> crate::Result<usize> {
    let repos = client.user_repositories().await?;
    db::repos::replace_access(pool, user_id, &repos).await?;
    Ok(repos.len())
}
