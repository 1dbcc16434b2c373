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
    /// Requests GitHub answered 304 Not Modified: free of rate limit.
    pub not_modified: u32,
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
    let not_modified_before = client.not_modified();
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
    report.not_modified = client.not_modified() - not_modified_before;
    let error = outcome.as_ref().err().map(|e| e.to_string());
    let counts = db::sync_runs::RunCounts {
        items: report.items,
        pages: report.pages,
        requests: report.requests,
        not_modified: report.not_modified,
    };
    db::sync_runs::finish(pool, run, counts, error.as_deref()).await?;
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

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;

    use chrono::TimeZone;
    use ghsim::{RunningSimulator, SimConfig, Size};

    use super::*;
    use crate::auth::{SecretKey, TokenCipher};

    /// A signed-in alice who may see the simulator's repositories, her token, and the
    /// repository the tests sync with its number of pull requests.
    struct Fixture {
        sim: RunningSimulator,
        pool: sqlx::PgPool,
        token: String,
        repo_id: i64,
        total: usize,
    }

    async fn setup() -> Fixture {
        let now = chrono::Utc.with_ymd_and_hms(2026, 11, 2, 0, 0, 0).unwrap();
        let sim = RunningSimulator::start(
            SimConfig::new(7, Size::Small, now),
            SocketAddr::from(([127, 0, 0, 1], 0)),
        )
        .await
        .unwrap();
        let pool = crate::testing::fresh_database().await;
        let token = sim
            .sim
            .with_world(|w| w.user_by_login("alice").unwrap().token.clone());
        let client = GitHubClient::new(&sim.base_url, &token).unwrap();
        let gh_user = client.current_user().await.unwrap();
        let cipher = TokenCipher::new(&SecretKey::generate());
        let user = db::users::upsert_signed_in(&pool, &cipher, &gh_user, &token, "")
            .await
            .unwrap();
        refresh_access(&pool, &client, user.id).await.unwrap();
        let repo_id = db::repos::find_visible(&pool, user.id, "acme/api")
            .await
            .unwrap()
            .unwrap()
            .github_id;
        let total = sim
            .sim
            .with_world(|w| w.repo("acme", "api").unwrap().pulls.len());
        Fixture {
            sim,
            pool,
            token,
            repo_id,
            total,
        }
    }

    #[tokio::test]
    async fn unchanged_data_costs_no_rate_limit_even_after_a_restart() {
        let Fixture {
            sim,
            pool,
            token,
            repo_id,
            total,
        } = setup().await;
        let pages = total.div_ceil(100);

        let client = GitHubClient::new(&sim.base_url, &token)
            .unwrap()
            .with_cache(pool.clone());
        let before = sim.sim.stats();
        let first = sync_pull_requests(&pool, &client, repo_id, "acme/api", None)
            .await
            .unwrap();
        let after_first = sim.sim.stats();
        assert_eq!(first.items as usize, total);
        assert_eq!(first.pages as usize, pages);
        assert_eq!(first.not_modified, 0);
        assert_eq!(
            (after_first.rate_limit_points - before.rate_limit_points) as usize,
            pages
        );

        // A new client, as after a restart: only the database remembers.
        let client = GitHubClient::new(&sim.base_url, &token)
            .unwrap()
            .with_cache(pool.clone());
        let second = sync_pull_requests(&pool, &client, repo_id, "acme/api", None)
            .await
            .unwrap();
        let after_second = sim.sim.stats();
        assert_eq!(second.not_modified as usize, pages);
        assert_eq!(second.items as usize, total);
        assert_eq!(
            after_second.rate_limit_points,
            after_first.rate_limit_points
        );
        assert_eq!(
            (after_second.not_modified - after_first.not_modified) as usize,
            pages
        );
        assert_eq!(
            db::pulls::count(&pool, repo_id).await.unwrap() as usize,
            total
        );
        let recorded: i32 =
            sqlx::query_scalar("SELECT not_modified FROM sync_runs ORDER BY id DESC LIMIT 1")
                .fetch_one(&pool)
                .await
                .unwrap();
        assert_eq!(recorded as usize, pages);

        // The budget the 304s reported: /user, /user/repos and the first sync's pages.
        let budget = client.budget().expect("the simulator reports a budget");
        assert_eq!(budget.limit, 5000);
        assert_eq!(budget.used as usize, 2 + pages);
    }

    #[tokio::test]
    async fn a_failed_page_is_recorded_and_keeps_what_was_stored() {
        let Fixture {
            sim,
            pool,
            token,
            repo_id,
            ..
        } = setup().await;
        // Pages 1 and 2 arrive; from then on the server fails, through every retry.
        sim.sim.faults().add(ghsim::FaultRule {
            route: "GET /repos/{owner}/{repo}/pulls".into(),
            fault: ghsim::Fault::Status {
                status: 502,
                retry_after: None,
            },
            count: None,
            after: 2,
        });
        let client = GitHubClient::new(&sim.base_url, &token)
            .unwrap()
            .with_retry_policy(fast_retries());
        let err = sync_pull_requests(&pool, &client, repo_id, "acme/api", None)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("502"), "{err}");
        let (status, items, pages, error): (String, i32, i32, Option<String>) = sqlx::query_as(
            "SELECT status, items, pages, error FROM sync_runs ORDER BY id DESC LIMIT 1",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!((status.as_str(), items, pages), ("failed", 200, 2));
        assert!(error.unwrap().contains("502"));
        assert_eq!(db::pulls::count(&pool, repo_id).await.unwrap(), 200);
        // Two pages, then the third page tried 1 + 3 times.
        assert_eq!(client.requests_made(), 2 + 4);
        assert_eq!(client.retries(), 3);
    }

    fn fast_retries() -> crate::github::governor::RetryPolicy {
        crate::github::governor::RetryPolicy {
            max_retries: 3,
            base_delay: std::time::Duration::from_millis(5),
            max_delay: std::time::Duration::from_millis(50),
            max_wait: std::time::Duration::from_secs(5),
        }
    }

    fn fault(route: &str, fault: ghsim::Fault, count: u32) -> ghsim::FaultRule {
        ghsim::FaultRule {
            route: route.into(),
            fault,
            count: Some(count),
            after: 0,
        }
    }

    #[tokio::test]
    async fn transient_failures_are_retried_and_the_sync_completes() {
        let Fixture {
            sim,
            pool,
            token,
            repo_id,
            total,
        } = setup().await;
        let pulls = "GET /repos/{owner}/{repo}/pulls";
        let faults = sim.sim.faults();
        faults.add(fault(
            pulls,
            ghsim::Fault::Status {
                status: 502,
                retry_after: None,
            },
            1,
        ));
        faults.add(fault(pulls, ghsim::Fault::Reset, 1));
        faults.add(fault(pulls, ghsim::Fault::Truncate, 1));
        let client = GitHubClient::new(&sim.base_url, &token)
            .unwrap()
            .with_retry_policy(fast_retries());
        let report = sync_pull_requests(&pool, &client, repo_id, "acme/api", None)
            .await
            .unwrap();
        assert_eq!(report.items as usize, total);
        assert_eq!(client.retries(), 3);
        assert_eq!(
            db::pulls::count(&pool, repo_id).await.unwrap() as usize,
            total
        );
    }

    #[tokio::test]
    async fn not_found_is_not_retried() {
        let Fixture { sim, token, .. } = setup().await;
        sim.sim.faults().add(fault(
            "GET /repos/{owner}/{repo}",
            ghsim::Fault::Status {
                status: 404,
                retry_after: None,
            },
            1,
        ));
        let client = GitHubClient::new(&sim.base_url, &token)
            .unwrap()
            .with_retry_policy(fast_retries());
        let err = client.repository("acme/api").await.unwrap_err();
        assert!(matches!(err, crate::github::GitHubError::NotFound), "{err}");
        assert_eq!(client.requests_made(), 1);
        assert_eq!(client.retries(), 0);
    }

    #[tokio::test]
    async fn secondary_limits_are_waited_out() {
        let Fixture { sim, token, .. } = setup().await;
        sim.sim.faults().add(fault(
            "GET /repos/{owner}/{repo}",
            ghsim::Fault::Status {
                status: 403,
                retry_after: Some(1),
            },
            1,
        ));
        let client = GitHubClient::new(&sim.base_url, &token)
            .unwrap()
            .with_retry_policy(fast_retries());
        let started = std::time::Instant::now();
        let repo = client.repository("acme/api").await.unwrap();
        assert_eq!(repo.full_name, "acme/api");
        assert!(started.elapsed() >= std::time::Duration::from_secs(1));
        assert_eq!(client.retries(), 1);
        assert!(client.waited_ms() >= 1000);
    }

    #[tokio::test]
    async fn revoked_tokens_fail_clearly_without_retries() {
        let Fixture { sim, token, .. } = setup().await;
        sim.sim.revoke_token(&token);
        let client = GitHubClient::new(&sim.base_url, &token)
            .unwrap()
            .with_retry_policy(fast_retries());
        let err = client.current_user().await.unwrap_err();
        assert!(
            matches!(err, crate::github::GitHubError::Unauthorized(_)),
            "{err}"
        );
        assert!(err.to_string().contains("sign in again"), "{err}");
        assert_eq!(client.requests_made(), 1);
    }
}
