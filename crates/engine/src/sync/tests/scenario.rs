//! A world described by hand syncs to exactly the rows the description implies: the
//! ground the metrics' golden tests stand on.

use super::*;
use ghsim::scenario::{sha_of, Scenario};

const EXAMPLE: &str = include_str!("../../../../ghsim/scenarios/example.json");

fn t(text: &str) -> chrono::DateTime<chrono::Utc> {
    text.parse().unwrap()
}

#[tokio::test]
async fn a_described_world_syncs_to_the_rows_it_describes() {
    let world = Scenario::parse(EXAMPLE).unwrap().into_world().unwrap();
    let fx = setup_with(SimConfig::new(0, Size::Small, world.now).with_world(world)).await;
    let syncer = alice_syncer(&fx);
    let repos = alice_repos(&fx).await;
    assert_eq!(names(&repos), ["api"]);
    sync_ok(&syncer, &repos, Mode::Full).await;
    assert_matches_world(&fx.pool, &fx.sim, &names(&repos)).await;

    // The values as written in scenarios/example.json.
    type Pull = (
        i32,
        Option<chrono::DateTime<chrono::Utc>>,
        Option<chrono::DateTime<chrono::Utc>>,
        Option<String>,
        Option<String>,
        String,
    );
    let pulls: Vec<Pull> = sqlx::query_as(
        "SELECT number, first_commit_at, ready_for_review_at, merge_commit_sha,
                merged_by_login, author_login
           FROM pull_requests ORDER BY number",
    )
    .fetch_all(&fx.pool)
    .await
    .unwrap();
    assert_eq!(
        pulls,
        vec![
            (
                1,
                Some(t("2026-02-02T10:00:00Z")),
                None,
                Some(sha_of("m1").hex()),
                Some("alice".into()),
                "bob".into()
            ),
            (
                2,
                Some(t("2026-02-03T17:00:00Z")),
                Some(t("2026-02-04T16:00:00Z")),
                Some(sha_of("s2").hex()),
                Some("bob".into()),
                "carol".into()
            ),
            (
                3,
                Some(t("2026-02-05T20:00:00Z")),
                None,
                Some(sha_of("d3").hex()),
                Some("alice".into()),
                "dependabot[bot]".into()
            ),
            (
                5,
                Some(t("2026-02-20T10:00:00Z")),
                None,
                None,
                None,
                "bob".into()
            ),
        ]
    );
    let reviews: Vec<(i32, String, String)> =
        sqlx::query_as("SELECT pull_number, reviewer_login, state FROM pull_request_reviews")
            .fetch_all(&fx.pool)
            .await
            .unwrap();
    assert_eq!(reviews, [(1, "alice".to_string(), "APPROVED".to_string())]);
    let statuses: Vec<(String, String)> = sqlx::query_as(
        "SELECT d.sha, s.state FROM deployments d
           JOIN deployment_statuses s ON s.deployment_id = d.github_id ORDER BY d.created_at",
    )
    .fetch_all(&fx.pool)
    .await
    .unwrap();
    assert_eq!(
        statuses,
        [
            (sha_of("m1").hex(), "success".to_string()),
            (sha_of("s2").hex(), "failure".to_string())
        ]
    );
    let runs: Vec<(String, Option<String>, i32)> = sqlx::query_as(
        "SELECT head_sha, conclusion, run_attempt FROM workflow_runs ORDER BY created_at",
    )
    .fetch_all(&fx.pool)
    .await
    .unwrap();
    assert_eq!(
        runs,
        [
            (sha_of("m1").hex(), Some("success".to_string()), 1),
            (sha_of("s2").hex(), Some("failure".to_string()), 2)
        ]
    );
    let stars: Vec<chrono::DateTime<chrono::Utc>> =
        sqlx::query_scalar("SELECT starred_at FROM stargazers ORDER BY starred_at")
            .fetch_all(&fx.pool)
            .await
            .unwrap();
    assert_eq!(
        stars,
        [
            t("2026-01-10T00:00:00Z"),
            t("2026-02-01T00:00:00Z"),
            t("2026-02-02T00:00:00Z"),
            t("2026-02-03T00:00:00Z")
        ]
    );
}
