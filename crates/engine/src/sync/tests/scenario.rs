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
           JOIN deployment_statuses s ON s.deployment_id = d.github_id
          ORDER BY d.created_at, s.created_at",
    )
    .fetch_all(&fx.pool)
    .await
    .unwrap();
    assert_eq!(
        statuses,
        [
            (sha_of("m1").hex(), "success".to_string()),
            (sha_of("s2").hex(), "failure".to_string()),
            (sha_of("s2").hex(), "success".to_string())
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

#[tokio::test]
async fn the_examples_metrics_worked_out_by_hand() {
    let world = Scenario::parse(EXAMPLE).unwrap().into_world().unwrap();
    let fx = setup_with(SimConfig::new(0, Size::Small, world.now).with_world(world)).await;
    let syncer = alice_syncer(&fx);
    sync_ok(&syncer, &alice_repos(&fx).await, Mode::Full).await;
    let february = (t("2026-02-01T00:00:00Z"), t("2026-03-01T00:00:00Z"));
    let report = crate::metrics::report(
        &fx.pool,
        fx.user_id,
        "acme/api",
        february,
        wire::DoraReport::Y2023,
    )
    .await
    .unwrap();
    let find = |metric: &str, statistic: wire::Statistic| {
        report
            .figures
            .iter()
            .find(|f| f.metric == metric && f.statistic == statistic)
            .unwrap_or_else(|| panic!("{metric} {statistic:?}"))
    };
    use wire::Statistic::{Count, Mean, Median, Rate, Ratio, P75, P90};
    let value = |metric: &str, statistic| {
        let f = find(metric, statistic);
        assert!(matches!(f.basis, wire::Basis::Measured { .. }), "{f:?}");
        (f.value, f.sample)
    };
    // #1: first commit 02-02 10:00, opened 12:00, carol's comment 18:00 (the first
    //     response), alice's approval 02-03 09:00, merged 15:00: coding 2 h, pickup 6 h,
    //     review 21 h, cycle 29 h; ready to first review 21 h.
    // #2: first commit 02-03 17:00, ready 02-04 16:00, merged 02-05 11:00, nobody
    //     answered: coding 23 h, cycle 42 h. #3 is dependabot's: a bot's, left out.
    // Cycle [29, 42]: median 29 + 0.5·13 = 35.5; p75 29 + 0.75·13 = 38.75;
    // p90 29 + 0.9·13 = 40.7.
    assert_eq!(value("pull_requests_merged", Count), (Some(2.0), 2));
    assert_eq!(value("pull_request_cycle_time", Median), (Some(35.5), 2));
    assert_eq!(value("pull_request_cycle_time", P75), (Some(38.75), 2));
    let (p90, _) = value("pull_request_cycle_time", P90);
    assert!((p90.unwrap() - 40.7).abs() < 1e-9);
    // Coding [2, 23]: median 12.5.
    assert_eq!(value("pull_request_coding_time", Median), (Some(12.5), 2));
    assert_eq!(value("pull_request_pickup_time", Median), (Some(6.0), 1));
    assert_eq!(value("pull_request_review_time", Median), (Some(21.0), 1));
    assert_eq!(value("time_to_first_review", Median), (Some(21.0), 1));
    // #1 approved by alice, #2 never reviewed: 1 of 2 each way; 1 review over 2.
    assert_eq!(value("review_coverage", Ratio), (Some(0.5), 2));
    assert_eq!(value("merged_without_review", Ratio), (Some(0.5), 2));
    assert_eq!(value("reviews_per_pull_request", Mean), (Some(0.5), 2));

    // Deployments (the Deployments API, production, first success): m1 at 02-03 16:05;
    // s2 failed at 12:04 and succeeded on the retry at 13:00 (one deployment, at 13:00).
    // Two in February's 4 weeks: 0.5 a week, on two days: 0.5 deployment days a week.
    assert_eq!(
        report.deployment_sources,
        [("acme/api".to_string(), "deployments".to_string())]
    );
    assert_eq!(value("deployments", Count), (Some(2.0), 2));
    assert_eq!(value("deployment_frequency", Rate).0, Some(0.5));
    assert_eq!(value("deployment_days", Rate).0, Some(0.5));
    // Lead time for changes. The history is root → w1 → m1 → s2 → d3.
    // #1 (merge commit m1) was merged at 02-03 15:00, before the first deployment ever
    //    recorded (16:05): left out, and counted as such.
    // #2 (s2): the first deployment containing s2 is s2's at 02-05 13:00; its first
    //    commit was 02-03 17:00: 44 h; merged 11:00: deploy stage 2 h.
    // #3 is dependabot's: a bot's, left out. Nothing merged waits for a deployment.
    assert_eq!(value("lead_time_for_changes", Median), (Some(44.0), 1));
    assert_eq!(value("pull_request_deploy_time", Median), (Some(2.0), 1));
    assert_eq!(value("changes_before_first_deployment", Count).0, Some(1.0));
    assert_eq!(value("changes_pending_deployment", Count).0, Some(0.0));
    assert_eq!(value("changes_not_on_default_branch", Count).0, Some(0.0));
    // Change failure: issue #4 (labelled incident) was opened 02-04 08:00, 16 h after
    // m1's deployment (within 7 days, none in between): m1 failed. s2's failure status
    // came before its success (a failed attempt, retried), so s2 did not fail. 1 of 2:
    // 0.5. Recovery: from 02-04 08:00 to the first of #4 closed (02-05 12:00) and the
    // next deployment (02-05 13:00): 28 h.
    assert_eq!(value("change_failure_rate", Ratio), (Some(0.5), 2));
    assert_eq!(
        value("failed_deployment_recovery_time", Median),
        (Some(28.0), 1)
    );
    assert_eq!(value("incidents_without_deployment", Count).0, Some(0.0));
    // Grades by the 2023 report: 0.5 a week is between weekly and monthly (medium);
    // 44 h is between a day and a week (high); 50 % is nearest 64 % (low); 28 h is
    // between a day and a week (medium).
    let grades: Vec<(&str, wire::Level)> = report
        .grades
        .iter()
        .map(|g| (g.metric.as_str(), g.level))
        .collect();
    use wire::Level::{High, Low, Medium};
    assert_eq!(
        grades,
        [
            ("deployment_frequency", Medium),
            ("lead_time_for_changes", High),
            ("change_failure_rate", Low),
            ("failed_deployment_recovery_time", Medium),
        ]
    );

    // A month with nothing merged or deployed says so, and shows no number for what
    // has no sample; the deployments it did not have are a measured 0.
    let january = (t("2026-01-01T00:00:00Z"), t("2026-02-01T00:00:00Z"));
    let report = crate::metrics::report(
        &fx.pool,
        fx.user_id,
        "acme/api",
        january,
        wire::DoraReport::Y2023,
    )
    .await
    .unwrap();
    for f in &report.figures {
        match f.statistic {
            Median | P75 | P90 | Ratio | Mean => {
                assert!(f.value.is_none(), "{f:?}");
                assert!(matches!(f.basis, wire::Basis::Unavailable { .. }), "{f:?}");
            }
            Count | Rate => assert_eq!(f.value, Some(0.0), "{f:?}"),
        }
    }
}
