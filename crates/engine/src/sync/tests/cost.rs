//! What syncing costs in GitHub's rate limit: conditional requests keep unchanged data free.

use super::*;

#[tokio::test]
async fn unchanged_data_costs_no_rate_limit_even_after_a_restart() {
    let Fixture {
        sim,
        pool,
        token,
        repo_id,
        ..
    } = setup().await;
    let (pages, issues) = issue_pages(&sim);
    let client = GitHubClient::new(&sim.base_url, &token)
        .unwrap()
        .with_cache(crate::db::http_cache::PgResponseCache::shared(pool.clone()));
    let before = sim.sim.stats();
    let first = sync_api(&pool, &client, repo_id, &[Resource::Issues], Mode::Full).await;
    let after_first = sim.sim.stats();
    let report = first.resources[0].report;
    assert_eq!(first.resources[0].error, None);
    assert_eq!(report.items as usize, issues);
    assert_eq!(report.pages as usize, pages);
    assert_eq!(report.not_modified, 0);
    assert_eq!(report.points as usize, pages);
    assert_eq!(
        (after_first.rate_limit_points - before.rate_limit_points) as usize,
        pages
    );

    // A new client, as after a restart: only the database remembers.
    let client = GitHubClient::new(&sim.base_url, &token)
        .unwrap()
        .with_cache(crate::db::http_cache::PgResponseCache::shared(pool.clone()));
    let second = sync_api(&pool, &client, repo_id, &[Resource::Issues], Mode::Full).await;
    let after_second = sim.sim.stats();
    assert_eq!(second.resources[0].report.not_modified as usize, pages);
    assert_eq!(second.resources[0].report.points, 0);
    assert_eq!(
        after_second.rate_limit_points,
        after_first.rate_limit_points
    );
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM issues")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(stored as usize, issues);
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
