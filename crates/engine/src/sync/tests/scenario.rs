//! A world described by hand syncs to exactly the rows the description implies: the
//! ground the metrics' golden tests stand on.

use super::*;
use ghsim::scenario::{sha_of, Scenario};

const EXAMPLE: &str = include_str!("../../../../ghsim/scenarios/example.json");

fn t(text: &str) -> chrono::DateTime<chrono::Utc> {
    text.parse().unwrap()
}

/// A world described by hand, fully synced by alice.
async fn synced(description: &str) -> Fixture {
    let world = Scenario::parse(description).unwrap().into_world().unwrap();
    let fx = setup_with(SimConfig::new(0, Size::Small, world.now).with_world(world)).await;
    let syncer = npm_syncer(&fx);
    sync_ok(&syncer, &alice_repos(&fx).await, Mode::Full).await;
    fx
}

/// alice's syncer, reading npm downloads from the simulator.
fn npm_syncer(fx: &Fixture) -> Syncer {
    alice_syncer(fx).with_npm(Some(crate::npm::NpmClient::new(&fx.sim.base_url).unwrap()))
}

/// The value of a report's figure (the metric in `group`, as `statistic`); panics naming it
/// when the report has no such figure.
fn figure_value(
    report: &crate::metrics::Report,
    metric: &str,
    group: Option<&str>,
    statistic: wire::Statistic,
) -> Option<f64> {
    report
        .figures
        .iter()
        .find(|f| f.metric == metric && f.group.as_deref() == group && f.statistic == statistic)
        .unwrap_or_else(|| panic!("{metric} {group:?} {statistic:?}"))
        .value
}

/// acme/api's report over `[from, to)` (RFC 3339), graded by the 2023 report.
async fn report_of(fx: &Fixture, from: &str, to: &str) -> crate::metrics::Report {
    crate::metrics::report(
        &fx.pool,
        fx.user_id,
        "acme/api",
        (t(from), t(to)),
        wire::DoraReport::Y2023,
    )
    .await
    .unwrap()
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
    let fx = synced(EXAMPLE).await;
    let report = report_of(&fx, "2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z").await;
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
            // (50 + 75 + 25 + 50) / 4 = 50.
            ("performance_score", Medium),
        ]
    );

    // A month with nothing merged or deployed says so, and shows no number for what
    // has no sample; the deployments it did not have are a measured 0.
    let report = report_of(&fx, "2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z").await;
    let delivery = [
        "pull_requests_merged",
        "pull_request_cycle_time",
        "pull_request_coding_time",
        "pull_request_pickup_time",
        "pull_request_review_time",
        "time_to_first_review",
        "review_coverage",
        "merged_without_review",
        "reviews_per_pull_request",
        "deployments",
        "deployment_frequency",
        "deployment_days",
        "lead_time_for_changes",
        "pull_request_deploy_time",
        "change_failure_rate",
        "failed_deployment_recovery_time",
    ];
    for f in report
        .figures
        .iter()
        .filter(|f| delivery.contains(&f.metric.as_str()))
    {
        match f.statistic {
            Count | Rate => assert_eq!(f.value, Some(0.0), "{f:?}"),
            _ => {
                assert!(f.value.is_none(), "{f:?}");
                assert!(matches!(f.basis, wire::Basis::Unavailable { .. }), "{f:?}");
            }
        }
    }
    // Only the measured 0 deployments a week is graded (low); nothing else has a value.
    let graded: Vec<_> = report
        .grades
        .iter()
        .map(|g| (g.metric.as_str(), g.level))
        .collect();
    assert_eq!(
        graded,
        [
            ("deployment_frequency", wire::Level::Low),
            ("performance_score", wire::Level::Low),
        ]
    );
}

#[tokio::test]
async fn the_examples_activity_worked_out_by_hand() {
    let fx = synced(EXAMPLE).await;
    let report = report_of(&fx, "2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z").await;
    use wire::Statistic::{Count, Median, Rate, Ratio, Total, P75, P90, P95};
    let value = |metric: &str, group: Option<&str>, statistic| {
        figure_value(&report, metric, group, statistic)
    };
    // Pull requests by people: #1 (opened 02-02, merged 02-03; 40 + 5 lines, 3 files),
    // #2 (opened 02-04, merged 02-05; 8 + 1 lines, 1 file), #5 (a draft opened 02-20,
    // open). Dependabot's #3 is a bot's.
    assert_eq!(value("pull_requests_opened", None, Count), Some(3.0));
    let velocity = value("pull_request_velocity", None, Ratio).unwrap();
    assert!((velocity - 2.0 / 3.0).abs() < 1e-12, "2 merged of 3 opened");
    // Lines [9, 45]: median 27; p75 9 + 0.75·36 = 36; p90 9 + 0.9·36 = 41.4.
    assert_eq!(value("pull_request_size", None, Median), Some(27.0));
    assert_eq!(value("pull_request_size", None, P75), Some(36.0));
    assert!((value("pull_request_size", None, P90).unwrap() - 41.4).abs() < 1e-9);
    assert_eq!(value("pull_requests_by_size", Some("xs"), Count), Some(1.0));
    assert_eq!(value("pull_requests_by_size", Some("s"), Count), Some(1.0));
    assert_eq!(value("pull_requests_by_size", Some("m"), Count), Some(0.0));
    assert_eq!(value("pull_requests_by_files", Some("1"), Count), Some(1.0));
    assert_eq!(
        value("pull_requests_by_files", Some("2-5"), Count),
        Some(1.0)
    );
    // At the period's end (03-01) #5 is open, 9 days old.
    assert_eq!(value("pull_requests_open", None, Count), Some(1.0));
    assert_eq!(
        value("pull_requests_open_by_age", Some("7-30d"), Count),
        Some(1.0)
    );

    // Issue #4: opened 02-04 08:00, closed 02-05 12:00 (28 h); none open at the end; no
    // severity label.
    assert_eq!(value("issues_opened", None, Count), Some(1.0));
    assert_eq!(value("issues_closed", None, Count), Some(1.0));
    assert_eq!(value("issue_close_ratio", None, Ratio), Some(1.0));
    assert_eq!(value("issue_backlog", None, Count), Some(0.0));
    assert_eq!(value("issue_time_to_close", None, Median), Some(28.0));
    // Bob answered #4 at 09:30, 1 h 30 after its opening.
    assert_eq!(
        value("issue_time_to_first_response", None, Median),
        Some(1.5)
    );
    assert_eq!(value("issues_awaiting_response", None, Count), Some(0.0));
    assert_eq!(value("issue_age", None, Median), None);
    assert_eq!(
        value("issue_sla_breaches", Some("critical"), Count),
        Some(0.0)
    );
    assert_eq!(value("issue_sla_compliance", Some("critical"), Ratio), None);

    // Runs: CI on m1, created 15:01, started 15:02, done 15:10 (8 min, 1 min queued),
    // success; CI on s2, created 11:01, started then (0 min queued), done 5 minutes later
    // by the scenario's default, failure. Success 1 of 2. Durations [5, 8]: median 6.5,
    // p75 5 + 0.75·3 = 7.25, p90 7.7, p95 7.85. Queued [0, 1]: median 0.5. Lost to the
    // failure: 5 min = 1/12 h. Nothing passed after failing on the same commit.
    assert_eq!(value("workflow_runs", None, Count), Some(2.0));
    assert_eq!(value("workflow_success_rate", None, Ratio), Some(0.5));
    assert_eq!(value("workflow_run_duration", None, Median), Some(6.5));
    assert_eq!(value("workflow_run_duration", None, P75), Some(7.25));
    assert!((value("workflow_run_duration", None, P95).unwrap() - 7.85).abs() < 1e-9);
    assert_eq!(value("workflow_queue_time", None, Median), Some(0.5));
    let lost = value("workflow_time_lost_to_failures", None, Total).unwrap();
    assert!((lost - 5.0 / 60.0).abs() < 1e-9);
    assert_eq!(value("flaky_workflow_runs", None, Count), Some(0.0));
    assert_eq!(value("workflow_success_rate", Some("CI"), Ratio), Some(0.5));

    // Stars: bob's in January; three more on 02-01, 02-02 and 02-03 (every 1,440
    // minutes): 3 in February, 3/28 a day; GitHub's count 4. Erin's fork on 02-10. The
    // release v1.0.0 (02-03) is February's only one: no interval.
    assert_eq!(value("stars_gained", None, Count), Some(3.0));
    assert!((value("stars_per_day", None, Rate).unwrap() - 3.0 / 28.0).abs() < 1e-12);
    assert_eq!(value("stars", None, Count), Some(4.0));
    assert_eq!(value("forks_gained", None, Count), Some(1.0));
    assert_eq!(value("releases", None, Count), Some(1.0));
    assert_eq!(value("release_interval", None, Median), None);
    // February's commits by people: w1 (bob), m1 (alice), s2 (carol); d3 is dependabot's.
    // alice committed root in January: bob and carol are new, alice returns. The 90 days
    // before 03-01: alice 2 (root, m1), bob 1, carol 1 of 4: alice alone covers half.
    assert_eq!(value("contributors_active", None, Count), Some(3.0));
    assert_eq!(value("contributors_new", None, Count), Some(2.0));
    assert_eq!(value("contributors_returning", None, Count), Some(1.0));
    assert_eq!(value("commits", None, Count), Some(3.0));
    assert_eq!(value("bus_factor", None, Count), Some(1.0));
    // Health: activity 2 merged in 4 weeks = 0.5 a week of 5 = 10; issues closed ÷ opened
    // 1 = 100; review coverage 50; CI 50; bus factor 1 of 3 = 33.3. Mean 243.3 / 5.
    let health = value("health_score", None, wire::Statistic::Mean).unwrap();
    assert!((health - (10.0 + 100.0 + 50.0 + 50.0 + 100.0 / 3.0) / 5.0).abs() < 1e-9);
    assert_eq!(
        value("health_score", Some("activity"), wire::Statistic::Mean),
        Some(10.0)
    );
    let _ = P90;
}

/// The lists behind the example's February (`example.json`, worked out by hand from the
/// description): who did the work and when, deployments per environment, releases, what
/// happened, and what is open at the simulator's now (2026-03-02).
#[tokio::test]
async fn the_examples_lists_worked_out_by_hand() {
    let fx = synced(EXAMPLE).await;
    let now = t("2026-03-02T00:00:00Z");
    let d = crate::metrics::details(
        &fx.pool,
        fx.user_id,
        "acme/api",
        (t("2026-02-01T00:00:00Z"), t("2026-03-01T00:00:00Z")),
        now,
    )
    .await
    .unwrap();

    // Commits by people in February: w1 bob (Mon 02-02 10:00), m1 alice (Tue 02-03
    // 15:00), s2 carol (Thu 02-05 11:00); dependabot's d3 is a bot's, root is January's.
    // Merged by people: #1 bob, #2 carol (#3 is dependabot's). Reviews: alice approved
    // bob's #1; carol's comment is not a review. Order: commits, merges, reviews, name.
    let board: Vec<(&str, i64, i64, i64)> = d
        .contributors
        .leaderboard
        .iter()
        .map(|c| (c.who.as_str(), c.commits, c.pull_requests_merged, c.reviews))
        .collect();
    assert_eq!(
        board,
        vec![("bob", 1, 1, 0), ("carol", 1, 1, 0), ("alice", 1, 0, 1)]
    );
    assert_eq!(d.contributors.total, 3);
    let mut heat = vec![vec![0i64; 24]; 7];
    heat[0][10] = 1; // Monday 10:00
    heat[1][15] = 1; // Tuesday 15:00
    heat[3][11] = 1; // Thursday 11:00
    assert_eq!(d.contributors.heatmap, heat);

    // Two production deployments created in February, both with a success (s2's after a
    // failure: its latest status is the success, so not failed); the last at 02-05 13:00.
    assert_eq!(
        d.environments,
        vec![wire::EnvironmentDeployments {
            repository: "acme/api".into(),
            environment: "production".into(),
            production: true,
            deployments: 2,
            succeeded: 2,
            failed: Some(0),
            last_success: Some("2026-02-05T13:00:00Z".into()),
        }]
    );
    assert_eq!(
        d.releases,
        vec![wire::ReleaseRow {
            repository: "acme/api".into(),
            tag_name: "v1.0.0".into(),
            name: d.releases[0].name.clone(),
            prerelease: false,
            author: Some("alice".into()),
            published_at: "2026-02-03T17:00:00Z".into(),
        }]
    );

    // Everything of February, newest first (bots' pull requests happen too).
    let timeline: Vec<(&str, &str, Option<i32>)> = d
        .activity
        .iter()
        .map(|e| (e.at.as_str(), e.kind.as_str(), e.number))
        .collect();
    assert_eq!(
        timeline,
        vec![
            ("2026-02-20T10:00:00Z", "pull_request_opened", Some(5)),
            ("2026-02-06T08:00:00Z", "pull_request_merged", Some(3)),
            ("2026-02-05T20:00:00Z", "pull_request_opened", Some(3)),
            ("2026-02-05T13:00:00Z", "deployment", None),
            ("2026-02-05T12:00:00Z", "issue_closed", Some(4)),
            ("2026-02-05T11:00:00Z", "pull_request_merged", Some(2)),
            ("2026-02-04T09:00:00Z", "pull_request_opened", Some(2)),
            ("2026-02-04T08:00:00Z", "issue_opened", Some(4)),
            ("2026-02-03T17:00:00Z", "release_published", None),
            ("2026-02-03T16:05:00Z", "deployment", None),
            ("2026-02-03T15:00:00Z", "pull_request_merged", Some(1)),
            ("2026-02-02T12:00:00Z", "pull_request_opened", Some(1)),
        ]
    );
    // The environment and the commit (the simulator gives "s2" a real-looking sha).
    assert!(
        d.activity[3].title.starts_with("production "),
        "{}",
        d.activity[3].title
    );
    assert_eq!(d.activity[3].title.len(), "production ".len() + 7);

    // Open now: bob's draft #5, opened 02-20 10:00, 9 days 14 hours = 230 h ago, a draft
    // all along.
    assert_eq!(d.open_pull_requests.total, 1);
    let open = &d.open_pull_requests.list[0];
    assert_eq!(
        (open.number, open.stage.as_str(), open.author.as_deref()),
        (5, "draft", Some("bob"))
    );
    assert!((open.age_hours - 230.0).abs() < 1e-9, "{}", open.age_hours);
    assert!((open.stage_hours - 230.0).abs() < 1e-9);
    // Nothing waits for a review: #5 is a draft.
    let waiting = crate::metrics::waiting_for_review(&fx.pool, fx.user_id, "acme/api", now, 10)
        .await
        .unwrap();
    assert_eq!((waiting.total, waiting.list.len()), (0, 0));
}

/// The edge cases of METRICS.md in one repository (`scenarios/edge-cases.json`): a squash,
/// a rebase (two commits, the last reported as the merge commit), a merge commit, a
/// revert by GitHub's branch and title, a bot's pull request by title from a person's
/// account, a bot's comment, a draft marked ready (times with a +01:00 offset), two
/// production environments and a staging one, a retried deployment, an incident outside
/// the window.
#[tokio::test]
async fn the_edge_cases_worked_out_by_hand() {
    const EDGES: &str = include_str!("../../../../ghsim/scenarios/edge-cases.json");
    let fx = synced(EDGES).await;
    // Both production environments are production here.
    let settings = db::settings::RepositorySettings {
        production_environments: "^production(-eu)?$".into(),
        ..Default::default()
    };
    crate::metrics::change_settings(&fx.pool, fx.user_id, "acme/api", &settings)
        .await
        .unwrap();
    let report = report_of(&fx, "2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z").await;
    use wire::Statistic::{Count, Mean, Median, Rate, Ratio, P75, P90};
    let value = |metric: &str, group: Option<&str>, statistic| {
        figure_value(&report, metric, group, statistic)
    };
    let close = |got: Option<f64>, want: f64| {
        assert!((got.unwrap() - want).abs() < 1e-9, "{got:?} != {want}");
    };
    // People's pull requests merged: #1, #2, #3, #4, #8; #5 ("Bump lodash from …", by
    // erin) is a bot's by its title.
    // #1: first commit 02-01 10:00, opened 11:00, bob's comment 15:00, merged 02-02 12:00:
    //     coding 1, pickup 4, review 21, cycle 26.
    // #2: 02-02 16:00, opened 17:00, carol's COMMENTED review 21:00, merged 02-03 10:05:
    //     coding 1, pickup 4, review 13 h 05, cycle 18 h 05.
    // #3: 02-03 20:00, opened 21:00, only dependabot commented, merged 02-04 09:00:
    //     coding 1, no pickup or review, cycle 13.
    // #4: 13:00, opened 13:00, approved 14:00, merged 15:00: 0, 1, 1, cycle 2.
    // #8: first commit 02-05 09:00, opened as a draft 02-06 10:00+01:00 (09:00 UTC), ready
    //     02-07 09:00 UTC, approved 13:00, merged 15:00: coding 48, pickup 4, review 2,
    //     cycle 54.
    assert_eq!(value("pull_requests_merged", None, Count), Some(5.0));
    // Cycle [2, 13, 18.083, 26, 54]: median 18 h 05; p75 h = 3: 26; p90 h = 3.6:
    // 26 + 0.6·28 = 42.8.
    close(
        value("pull_request_cycle_time", None, Median),
        18.0 + 5.0 / 60.0,
    );
    close(value("pull_request_cycle_time", None, P75), 26.0);
    close(value("pull_request_cycle_time", None, P90), 42.8);
    close(value("pull_request_coding_time", None, Median), 1.0);
    close(value("pull_request_pickup_time", None, Median), 4.0);
    // Review [1, 2, 13.083, 21]: (2 + 13.083) / 2.
    close(
        value("pull_request_review_time", None, Median),
        (2.0 + 13.0 + 5.0 / 60.0) / 2.0,
    );
    // Ready to the first review: #1 22, #2 4, #4 1, #8 4: median 4.
    close(value("time_to_first_review", None, Median), 4.0);
    close(value("review_coverage", None, Ratio), 0.8);
    close(value("merged_without_review", None, Ratio), 0.2);
    close(value("reviews_per_pull_request", None, Mean), 1.0);
    // Sizes 32, 320, 10, 10, 1,200 lines: median 32; s ×3, l, xl; files 2, 7, 1, 1, 30.
    close(value("pull_request_size", None, Median), 32.0);
    assert_eq!(value("pull_requests_by_size", Some("s"), Count), Some(3.0));
    assert_eq!(value("pull_requests_by_size", Some("l"), Count), Some(1.0));
    assert_eq!(value("pull_requests_by_size", Some("xl"), Count), Some(1.0));
    assert_eq!(value("pull_requests_by_files", Some("1"), Count), Some(2.0));
    assert_eq!(
        value("pull_requests_by_files", Some("21+"), Count),
        Some(1.0)
    );
    close(value("pull_request_velocity", None, Ratio), 1.0);

    // Production deployments (production and production-eu; staging is not): s1 to both
    // (02-02 14:00, 18:00), r2b (12:00; its 13:00 retry is the same deployment), s3 to
    // both (02-04 10:00, 11:00), v4 (16:00): 6 in February's 4 weeks, on 3 days.
    assert_eq!(value("deployments", None, Count), Some(6.0));
    close(value("deployment_frequency", None, Rate), 1.5);
    close(value("deployment_days", None, Rate), 0.75);
    // History c0, s1, r2a, r2b, s3, v4, d5, w8, m8 (c0 deployed 01-20: the first ever).
    // #1 (s1): 02-01 10:00 → 02-02 14:00 = 28 h (merge to deployment 2 h).
    // #2 (rebased; r2b): 02-02 16:00 → 02-03 12:00 = 20 h (1 h 55).
    // #3 (s3): 02-03 20:00 → 02-04 10:00 = 14 h (1 h). #4 (v4): 13:00 → 16:00 = 3 h (1 h).
    // #8 (m8) has no deployment after it: pending.
    // Lead [3, 14, 20, 28]: median 17, p75 h = 2.25: 22, p90 h = 2.7: 25.6.
    close(value("lead_time_for_changes", None, Median), 17.0);
    close(value("lead_time_for_changes", None, P75), 22.0);
    close(value("lead_time_for_changes", None, P90), 25.6);
    // Deploy stage [1, 1, 1.917, 2]: (1 + 1.917) / 2.
    close(
        value("pull_request_deploy_time", None, Median),
        (1.0 + 1.0 + 55.0 / 60.0) / 2.0,
    );
    assert_eq!(value("changes_pending_deployment", None, Count), Some(1.0));
    assert_eq!(
        value("changes_before_first_deployment", None, Count),
        Some(0.0)
    );
    // #4 reverts #3 (its branch revert-3-…): s3's deployments to both environments
    // failed, from the revert's opening (02-04 13:00) to the revert's deployment (16:00):
    // 3 h each. 2 of 6 failed. Incident #6 (02-20) comes 15 days after the last
    // deployment: nobody's.
    close(value("change_failure_rate", None, Ratio), 2.0 / 6.0);
    close(value("failed_deployment_recovery_time", None, Median), 3.0);
    assert_eq!(value("failures_unrecovered", None, Count), Some(0.0));
    assert_eq!(
        value("incidents_without_deployment", None, Count),
        Some(1.0)
    );
    // 2023: 1.5 a week is high; 17 h elite; 33 % nearest 15 % (medium); 3 h high.
    use wire::Level::{Elite, High, Medium};
    let graded: Vec<_> = report
        .grades
        .iter()
        .map(|g| (g.metric.as_str(), g.level))
        .collect();
    assert_eq!(
        graded,
        [
            ("deployment_frequency", High),
            ("lead_time_for_changes", Elite),
            ("change_failure_rate", Medium),
            ("failed_deployment_recovery_time", High),
            // (75 + 100 + 50 + 75) / 4 = 75.
            ("performance_score", High),
        ]
    );
    // #8 waits for a deployment: an insight says so and links to the drill-down.
    let pending = report
        .insights
        .iter()
        .find(|i| i.rule == "pending")
        .unwrap();
    assert_eq!(pending.numbers, [("pending".to_string(), 1.0)]);
    assert_eq!(
        pending.link,
        "/metrics/changes_pending_deployment?scope=acme%2Fapi&from=2026-02-01&to=2026-03-01"
    );
    // A change is in at most one deployment per environment: #1 and #3 went to both,
    // #2 to production and (in s3's) to production-eu, #4 to production only.
    let rows: Vec<(i32, String)> =
        sqlx::query_as("SELECT pull_number, environment FROM change_deployments ORDER BY 1, 2")
            .fetch_all(&fx.pool)
            .await
            .unwrap();
    let expected: Vec<(i32, String)> = [
        (1, "production"),
        (1, "production-eu"),
        (2, "production"),
        (2, "production-eu"),
        (3, "production"),
        (3, "production-eu"),
        (4, "production"),
    ]
    .map(|(n, e)| (n, e.to_string()))
    .into();
    assert_eq!(rows, expected);

    // What lies behind February's keys, with why (METRICS.md, "Attribution").
    let behind = crate::metrics::attribution(
        &fx.pool,
        fx.user_id,
        "acme/api",
        (t("2026-02-01T00:00:00Z"), t("2026-03-01T00:00:00Z")),
        100,
    )
    .await
    .unwrap();
    let sha = |name: &str| sha_of(name).to_string();
    let deployments: Vec<(&str, String, &str, Vec<i64>, usize)> = behind
        .deployments
        .iter()
        .map(|d| {
            (
                d.environment.as_str(),
                d.sha.clone(),
                d.deployed_at.as_str(),
                d.changes.clone(),
                d.failures.len(),
            )
        })
        .collect();
    // Newest first; s3's two deployments failed by #4's revert; #2 first went to
    // production-eu in s3's.
    assert_eq!(
        deployments,
        [
            ("production", sha("v4"), "2026-02-04T16:00:00Z", vec![4], 0),
            (
                "production-eu",
                sha("s3"),
                "2026-02-04T11:00:00Z",
                vec![2, 3],
                1
            ),
            ("production", sha("s3"), "2026-02-04T10:00:00Z", vec![3], 1),
            ("production", sha("r2b"), "2026-02-03T12:00:00Z", vec![2], 0),
            (
                "production-eu",
                sha("s1"),
                "2026-02-02T18:00:00Z",
                vec![1],
                0
            ),
            ("production", sha("s1"), "2026-02-02T14:00:00Z", vec![1], 0),
        ]
    );
    assert!(behind.deployments[1].failures[0].contains("pull request #4 reverted"));
    // Merged in February, newest first: #8 (02-07) pending; #5 (02-05) a bot's by its
    // title; #4 3 h; #3 14 h; #2 20 h (rebased, in r2b); #1 28 h.
    let changes: Vec<(i64, &str, Option<f64>)> = behind
        .changes
        .iter()
        .map(|c| (c.number, c.status.as_str(), c.lead_time_hours))
        .collect();
    assert_eq!(
        changes,
        [
            (8, "pending", None),
            (5, "bot", None),
            (4, "deployed", Some(3.0)),
            (3, "deployed", Some(14.0)),
            (2, "deployed", Some(20.0)),
            (1, "deployed", Some(28.0)),
        ]
    );
    assert_eq!(behind.totals, (6, 6, 1));
    let two = behind.changes.iter().find(|c| c.number == 2).unwrap();
    assert_eq!(
        two.deployment,
        Some((
            "production".to_string(),
            sha("r2b"),
            "2026-02-03T12:00:00Z".to_string()
        ))
    );
    // Incident #6 (02-20 08:00): the last deployment (v4, 02-04 16:00) was 15 days 16 h
    // before, outside the 7-day window.
    assert_eq!(behind.incidents.len(), 1);
    assert_eq!(behind.incidents[0].number, 6);
    assert_eq!(behind.incidents[0].deployment, None);
    assert!(
        behind.incidents[0]
            .why
            .contains("15.7 days earlier, outside the 7-day window"),
        "{}",
        behind.incidents[0].why
    );
}

/// Severities, SLAs and the priority list (`scenarios/issues.json`), by default and after
/// the repository's maintainer maps the labels and SLAs differently.
#[tokio::test]
async fn issue_severities_slas_and_priorities_worked_out_by_hand() {
    let fx = synced(include_str!("../../../../ghsim/scenarios/issues.json")).await;
    use wire::Statistic::{Count, Ratio};
    let value = figure_value;
    let ranked = |report: &crate::metrics::Report| -> Vec<(i64, f64)> {
        report
            .priorities
            .iter()
            .map(|p| (p.number, p.score))
            .collect()
    };
    let report = report_of(&fx, "2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z").await;
    // Opened in March by people: #1, #2, #3, #6 (#4 in January; #5 is renovate's).
    assert_eq!(value(&report, "issues_opened", None, Count), Some(4.0));
    // Default labels: #1 `P0` critical (4 h), #2 `sev1` high (24 h), #6 `low` (168 h);
    // #3 and #4 have none. Deadlines in March: #1 03-01 04:00, closed 06:00: missed; #2
    // 03-03 00:00, still open: missed; #6 03-17, closed 03-12: met.
    assert_eq!(
        value(&report, "issues_open_by_severity", Some("high"), Count),
        Some(1.0)
    );
    assert_eq!(
        value(&report, "issue_sla_breaches", Some("critical"), Count),
        Some(1.0)
    );
    assert_eq!(
        value(&report, "issue_sla_breaches", Some("high"), Count),
        Some(1.0)
    );
    assert_eq!(
        value(&report, "issue_sla_compliance", Some("low"), Ratio),
        Some(1.0)
    );
    assert_eq!(
        value(&report, "issue_sla_compliance", Some("critical"), Ratio),
        Some(0.0)
    );
    // Open on 04-01: #2 high 45 + regression 10 + 30 days (4 weeks) 8 = 63; #4 none 20 +
    // blocker 20 + 81 days (11 weeks, 22, capped) 20 = 60; #3 none 20 - documentation 15 -
    // good first issue 10 + 29 days (4 weeks) 8 = 3. Renovate's #5 is not listed.
    assert_eq!(ranked(&report), [(2, 63.0), (4, 60.0), (3, 3.0)]);
    assert_eq!(
        report.priorities[0].reasons,
        [
            "severity high +45",
            "regression label +10",
            "open 4 weeks +8"
        ]
    );

    // alice (the owner) makes `bug` medium and tightens every SLA.
    let (_, mut s) = crate::metrics::settings(&fx.pool, fx.user_id, "acme/api")
        .await
        .unwrap();
    s.severity_labels[2] = vec!["Bug".into()];
    s.sla_hours = [2, 12, 48, 120];
    crate::metrics::change_settings(&fx.pool, fx.user_id, "acme/api", &s)
        .await
        .unwrap();
    let report = report_of(&fx, "2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z").await;
    // #4 (`Blocker`, `bug`) is now medium: open, its deadline (01-12) before March. #1's
    // deadline 02:00 and #2's 03-02 12:00 are still missed; #6's 03-15 met.
    assert_eq!(
        value(&report, "issues_open_by_severity", Some("medium"), Count),
        Some(1.0)
    );
    assert_eq!(
        value(&report, "issue_sla_breaches", Some("medium"), Count),
        Some(0.0)
    );
    assert_eq!(
        value(&report, "issue_sla_breaches", Some("high"), Count),
        Some(1.0)
    );
    assert_eq!(
        value(&report, "issue_sla_compliance", Some("low"), Ratio),
        Some(1.0)
    );
    // #4: medium 30 + blocker 20 + age 20 = 70, now first.
    assert_eq!(ranked(&report), [(4, 70.0), (2, 63.0), (3, 3.0)]);

    // A bad SLA is refused and changes nothing.
    s.sla_hours = [0, 12, 48, 120];
    let refused = crate::metrics::change_settings(&fx.pool, fx.user_id, "acme/api", &s).await;
    assert!(
        matches!(&refused, Err(crate::Error::Invalid(m)) if m.contains("sla_hours")),
        "{refused:?}"
    );
}

/// npm downloads (`scenarios/issues.json`: `@acme/api`, 100 a day 02-20 to 03-10, then 40 a
/// day to 03-31, the simulator's yesterday): read once the repository names its package.
#[tokio::test]
async fn npm_downloads_worked_out_by_hand() {
    let fx = synced(include_str!("../../../../ghsim/scenarios/issues.json")).await;
    let downloads = |report: &crate::metrics::Report, statistic| {
        report
            .figures
            .iter()
            .find(|f| f.metric.starts_with("package_downloads") && f.statistic == statistic)
            .unwrap()
            .clone()
    };
    use wire::Statistic::{Rate, Total};
    let march = ("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z");
    // No package named yet: unavailable, not 0.
    let report = report_of(&fx, march.0, march.1).await;
    let total = downloads(&report, Total);
    assert_eq!(total.value, None);
    assert!(
        matches!(&total.basis, wire::Basis::Unavailable { reason } if reason.contains("--npm-package")),
        "{total:?}"
    );
    let set = |name: &str| {
        let (pool, user) = (fx.pool.clone(), fx.user_id);
        let name = name.to_string();
        async move {
            let (_, mut s) = crate::metrics::settings(&pool, user, "acme/api")
                .await
                .unwrap();
            s.npm_package = Some(name);
            crate::metrics::change_settings(&pool, user, "acme/api", &s).await
        }
    };
    assert!(
        matches!(set("Acme").await, Err(crate::Error::Invalid(m)) if m.contains("npm_package"))
    );
    // A package npm does not know: npm's words, and still no value.
    set("@acme/nope").await.unwrap();
    sync_ok(&npm_syncer(&fx), &alice_repos(&fx).await, Mode::Incremental).await;
    let report = report_of(&fx, march.0, march.1).await;
    let total = downloads(&report, Total);
    assert_eq!(total.value, None);
    assert!(
        matches!(&total.basis, wire::Basis::Unavailable { reason } if reason.contains("package @acme/nope not found")),
        "{total:?}"
    );
    set("@acme/api").await.unwrap();
    sync_ok(&npm_syncer(&fx), &alice_repos(&fx).await, Mode::Incremental).await;
    let report = report_of(&fx, march.0, march.1).await;
    // March: 03-01 to 03-10 at 100 (1,000) and 03-11 to 03-31 at 40 (840): 1,840 over 31
    // days, 1,840 × 7 / 31 a week.
    let total = downloads(&report, Total);
    assert_eq!(total.value, Some(1840.0));
    assert_eq!(total.sample, 31);
    assert!(matches!(total.basis, wire::Basis::Measured { .. }));
    let weekly = downloads(&report, Rate).value.unwrap();
    assert!((weekly - 1840.0 * 7.0 / 31.0).abs() < 1e-9, "{weekly}");
    // February's last nine days at 100, the rest known as 0: 900, and the trend.
    let total = downloads(
        &report_of(&fx, "2026-02-01T00:00:00Z", march.0).await,
        Total,
    );
    assert_eq!(total.value, Some(900.0));
    assert_eq!(downloads(&report, Total).previous, Some(900.0));
}

/// Old sync runs go, the latest of each repository and resource stays, however old.
#[tokio::test]
async fn old_sync_runs_are_pruned_but_the_latest_of_each_stays() {
    let fx = synced(EXAMPLE).await;
    let count = || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM sync_runs")
            .fetch_one(&fx.pool)
            .await
            .unwrap()
    };
    let latest = count().await;
    assert!(latest > 0);
    // Two older copies of every run: 40 and 20 days before it.
    for days in [40, 20] {
        sqlx::query(
            "INSERT INTO sync_runs (repository_id, resource, status, started_at, finished_at)
             SELECT repository_id, resource, 'succeeded', started_at - make_interval(days => $1),
                    started_at - make_interval(days => $1)
               FROM sync_runs WHERE started_at > now() - interval '1 day'",
        )
        .bind(days)
        .execute(&fx.pool)
        .await
        .unwrap();
    }
    assert_eq!(count().await, 3 * latest);
    // Those 40 days old go; those 20 days old are within the 30 kept; the latest stay.
    let pruned = db::sync_runs::prune(&fx.pool, chrono::Utc::now())
        .await
        .unwrap();
    assert_eq!(pruned as i64, latest);
    assert_eq!(count().await, 2 * latest);
    // Forty days on, only the latest of each is left.
    let later = chrono::Utc::now() + chrono::Duration::days(40);
    db::sync_runs::prune(&fx.pool, later).await.unwrap();
    assert_eq!(count().await, latest);
}

/// acme/api's settings with an incident window of 3 days: a settings change, which moves
/// the stamp of its data.
async fn three_day_incident_window(fx: &Fixture) {
    let (_, mut s) = crate::metrics::settings(&fx.pool, fx.user_id, "acme/api")
        .await
        .unwrap();
    s.incident_window_days = 3;
    crate::metrics::change_settings(&fx.pool, fx.user_id, "acme/api", &s)
        .await
        .unwrap();
}

/// The report cache gives the same report to a second ask of the same scope and period,
/// and a new one once the data changes (a settings change here), equal to one computed
/// without it.
#[tokio::test]
async fn kept_reports_follow_the_data() {
    let fx = synced(EXAMPLE).await;
    let cache = crate::metrics::ReportCache::default();
    let period = (t("2026-02-01T00:00:00Z"), t("2026-03-01T00:00:00Z"));
    let ask = || {
        cache.report(
            &fx.pool,
            fx.user_id,
            "acme/api",
            period,
            wire::DoraReport::Y2023,
        )
    };
    let (a, b) = (ask().await.unwrap(), ask().await.unwrap());
    assert!(std::sync::Arc::ptr_eq(&a, &b), "computed twice");
    assert_eq!(
        *a,
        report_of(&fx, "2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z").await
    );
    // Another incident window: a new stamp, so a new report.
    three_day_incident_window(&fx).await;
    let c = ask().await.unwrap();
    assert!(
        !std::sync::Arc::ptr_eq(&a, &c),
        "kept across a settings change"
    );
    assert_eq!(
        *c,
        report_of(&fx, "2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z").await
    );
    // Someone who may not see the repository is refused, kept report or not.
    let refused = cache
        .report(
            &fx.pool,
            fx.user_id + 1000,
            "acme/api",
            period,
            wire::DoraReport::Y2023,
        )
        .await;
    assert!(
        matches!(refused, Err(crate::Error::NotFound)),
        "{refused:?}"
    );
}

/// One request's cache resolves a scope once: its parts all see the data as the request
/// first found it, even when a settings change lands in between, while the next request
/// sees the change. Another person in the same request resolves the scope for themself.
#[tokio::test]
async fn a_request_resolves_each_scope_once() {
    let fx = synced(EXAMPLE).await;
    let shared = crate::metrics::ReportCache::default();
    let period = (t("2026-02-01T00:00:00Z"), t("2026-03-01T00:00:00Z"));
    let ask = |cache: &crate::metrics::ReportCache, user_id: i64| {
        let cache = cache.clone();
        let pool = fx.pool.clone();
        async move {
            cache
                .report(&pool, user_id, "acme/api", period, wire::DoraReport::Y2023)
                .await
        }
    };
    let request = shared.for_request();
    let before = ask(&request, fx.user_id).await.unwrap();
    three_day_incident_window(&fx).await;
    let again = ask(&request, fx.user_id).await.unwrap();
    assert!(
        std::sync::Arc::ptr_eq(&before, &again),
        "a request saw two states of its scope"
    );
    let next = ask(&shared.for_request(), fx.user_id).await.unwrap();
    assert!(
        !std::sync::Arc::ptr_eq(&before, &next),
        "the next request kept the old state"
    );
    assert_eq!(
        *next,
        report_of(&fx, "2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z").await
    );
    let stranger = ask(&request, fx.user_id + 1000).await;
    assert!(
        matches!(stranger, Err(crate::Error::NotFound)),
        "{stranger:?}"
    );
}

/// The DORA series gives each week the same four keys as the report of that week
/// (`edge-cases.json`: deployments, a revert, incidents in and outside the window), the
/// delivery rows read once for all weeks.
#[tokio::test]
async fn the_dora_series_agrees_with_a_report_per_part() {
    let fx = synced(include_str!("../../../../ghsim/scenarios/edge-cases.json")).await;
    let settings = db::settings::RepositorySettings {
        production_environments: "^production(-eu)?$".into(),
        ..Default::default()
    };
    crate::metrics::change_settings(&fx.pool, fx.user_id, "acme/api", &settings)
        .await
        .unwrap();
    let period = (t("2026-01-26T00:00:00Z"), t("2026-03-02T00:00:00Z"));
    let series = crate::metrics::dora_series(
        &fx.pool,
        fx.user_id,
        "acme/api",
        period,
        crate::metrics::Grain::Week,
        wire::DoraReport::Y2023,
    )
    .await
    .unwrap();
    assert_eq!(series.parts.len(), 5);
    let mut valued = 0;
    for part in &series.parts {
        let report = report_of(&fx, &part.from, &part.to).await;
        for f in &part.figures {
            let same = report
                .figures
                .iter()
                .find(|r| r.metric == f.metric && r.statistic == f.statistic && r.group == f.group)
                .unwrap_or_else(|| panic!("{} {:?} not in the report", f.metric, f.statistic));
            assert_eq!(
                (&same.value, same.sample, &same.basis),
                (&f.value, f.sample, &f.basis),
                "{} {:?} in {}",
                f.metric,
                f.statistic,
                part.from
            );
            valued += usize::from(f.value.is_some());
        }
        let graded: Vec<_> = report
            .grades
            .iter()
            .filter(|g| part.grades.iter().any(|p| p.metric == g.metric))
            .cloned()
            .collect();
        assert_eq!(graded, part.grades, "{}", part.from);
    }
    assert!(valued > 10, "{valued} values");
}

/// A metric's series gives each week the same figures as the report of that week, from its
/// family's reads only (`edge-cases.json`: flow, issues, DORA); the scores have no series.
#[tokio::test]
async fn a_metric_series_agrees_with_a_report_per_part() {
    let fx = synced(include_str!("../../../../ghsim/scenarios/edge-cases.json")).await;
    let period = (t("2026-01-26T00:00:00Z"), t("2026-03-02T00:00:00Z"));
    for metric in [
        "pull_request_cycle_time",
        "issues_opened",
        "change_failure_rate",
    ] {
        let series = crate::metrics::metric_series(
            &fx.pool,
            fx.user_id,
            "acme/api",
            period,
            crate::metrics::Grain::Week,
            metric,
        )
        .await
        .unwrap();
        assert_eq!(series.parts.len(), 5);
        let mut valued = 0;
        for part in &series.parts {
            let report = report_of(&fx, &part.from, &part.to).await;
            let want: Vec<_> = report
                .figures
                .iter()
                .filter(|f| f.metric == metric)
                .collect();
            assert_eq!(part.figures.len(), want.len(), "{metric} in {}", part.from);
            for (got, want) in part.figures.iter().zip(want) {
                assert_eq!(
                    (&got.value, got.sample, &got.basis, &got.group),
                    (&want.value, want.sample, &want.basis, &want.group)
                );
                valued += usize::from(got.value.is_some());
            }
        }
        assert!(valued > 0, "{metric}: no value in five weeks");
    }
    let none = crate::metrics::metric_series(
        &fx.pool,
        fx.user_id,
        "acme/api",
        period,
        crate::metrics::Grain::Week,
        "health_score",
    )
    .await;
    assert!(matches!(none, Err(crate::Error::Invalid(_))), "{none:?}");
}
