//! Old items that change after newer ones exist (issue 12, fault 11). What GitHub's change
//! signals show (an issue or pull request reopened, relabelled, a review dismissed) the
//! next incremental sync reads at the cost of one page each; what they do not show (an old
//! workflow run re-run, a new status of an old deployment, an edited release) the daily
//! reconciliation reads, at the cost of the 30-day window of runs and deployments.

use super::*;
use ghsim::activity::Activity;
use ghsim::data::{IssueState, PullState};

/// Moves every time Pulseboard stored a day back: as if a day had passed.
async fn a_day_passes(pool: &sqlx::PgPool) {
    for sql in [
        "UPDATE sync_runs SET started_at = started_at - interval '25 hours',
                finished_at = finished_at - interval '25 hours'",
        "UPDATE sync_schedule SET checked_at = checked_at - interval '25 hours'",
        "UPDATE sync_checkpoints SET state = jsonb_set(state, '{window_read_at}',
                to_jsonb(to_char(((state->>'window_read_at')::timestamptz - interval '25 hours')
                                 AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')))
          WHERE state ? 'window_read_at'",
    ] {
        sqlx::query(sql).execute(pool).await.unwrap();
    }
}

/// GitHub's REST pages a read newest first spends to reach the `k`-th newest of `total`.
fn pages_to_reach(k: usize, total: usize) -> u64 {
    if k < total {
        (k / 100 + 1) as u64
    } else {
        total.div_ceil(100).max(1) as u64
    }
}

#[tokio::test]
async fn old_items_that_change_are_read_by_the_next_sync_or_the_daily_reconciliation() {
    let fx = setup().await;
    let web = alice_repos_named(&fx, &["web"]).await;
    assert!(db::repos::track(&fx.pool, fx.user_id, web[0].github_id)
        .await
        .unwrap());
    let syncer = alice_syncer(&fx);
    sync_ok(&syncer, &web, Mode::Full).await;
    let act = |a: Activity| {
        let sim = fx.sim.sim.clone();
        async move { sim.act("acme", "web", a, None).await.unwrap() }
    };
    let old = fx.sim.sim.with_world(|w| {
        let r = w.repo("acme", "web").unwrap();
        let closed_issue = r
            .issues
            .iter()
            .find(|i| i.state == IssueState::Closed)
            .unwrap();
        let open_issue = r
            .issues
            .iter()
            .find(|i| i.state == IssueState::Open)
            .unwrap();
        let closed_pull = r
            .pulls
            .iter()
            .find(|p| p.state == PullState::Closed && p.merged_at.is_none())
            .unwrap();
        let reviewed = r.pulls.iter().find(|p| !p.reviews.is_empty()).unwrap();
        (
            closed_issue.number,
            open_issue.number,
            closed_pull.number,
            (reviewed.number, reviewed.reviews[0].id),
        )
    });
    let (closed_issue, open_issue, closed_pull, (reviewed, review)) = old;

    // What the signals show: one page each of issues, their comments, pull requests and
    // (with pull requests) workflow runs, after the one request that asks what changed.
    act(Activity::Reopen {
        number: closed_issue,
    })
    .await;
    act(Activity::Label {
        number: open_issue,
        labels: vec!["incident".into()],
    })
    .await;
    act(Activity::Reopen {
        number: closed_pull,
    })
    .await;
    act(Activity::DismissReview {
        number: reviewed,
        review_id: review,
    })
    .await;
    let before = fx.sim.sim.stats().requests;
    sync_ok(&syncer, &web, Mode::Incremental).await;
    assert_eq!(fx.sim.sim.stats().requests - before, 5);
    let issue = |n: i64| {
        sqlx::query_as::<_, (String, Vec<String>)>(
            "SELECT state, labels FROM issues WHERE number = $1 AND repository_id = $2",
        )
        .bind(n)
        .bind(web[0].github_id)
        .fetch_one(&fx.pool)
    };
    assert_eq!(issue(closed_issue as i64).await.unwrap().0, "open");
    assert_eq!(issue(open_issue as i64).await.unwrap().1, ["incident"]);
    let pull_state: String = sqlx::query_scalar(
        "SELECT state FROM pull_requests WHERE number = $1 AND repository_id = $2",
    )
    .bind(closed_pull as i64)
    .bind(web[0].github_id)
    .fetch_one(&fx.pool)
    .await
    .unwrap();
    assert_eq!(pull_state, "open");
    let review_state: String =
        sqlx::query_scalar("SELECT state FROM pull_request_reviews WHERE github_id = $1")
            .bind(review as i64)
            .fetch_one(&fx.pool)
            .await
            .unwrap();
    assert_eq!(review_state, "DISMISSED");

    // What they do not show: an old run re-run, a status for an old deployment, an old
    // release renamed. The next sync sees no signal move and reads nothing...
    let (run, deployment, release, windows) = fx.sim.sim.with_world(|w| {
        let r = w.repo("acme", "web").unwrap();
        let newest_run = r.runs.iter().map(|x| x.created_at).max().unwrap();
        let run = r
            .runs
            .iter()
            .rev()
            .find(|x| x.created_at < newest_run - chrono::Duration::days(3))
            .unwrap();
        let newest_deployment = r.deployments.iter().map(|d| d.created_at).max().unwrap();
        let deployment = r
            .deployments
            .iter()
            .rev()
            .find(|d| d.created_at < newest_deployment - chrono::Duration::days(3))
            .unwrap();
        // How many runs and deployments a reconciliation reads: the 30 days before the
        // newest.
        let window = |newest: chrono::DateTime<chrono::Utc>| newest - chrono::Duration::days(30);
        let runs_in = r
            .runs
            .iter()
            .filter(|x| x.created_at >= window(newest_run))
            .count();
        let deployments_in = r
            .deployments
            .iter()
            .filter(|d| d.created_at >= window(newest_deployment))
            .count();
        (
            run.id,
            deployment.id,
            r.releases[0].tag.clone(),
            (
                pages_to_reach(runs_in, r.runs.len()),
                pages_to_reach(deployments_in, r.deployments.len()),
            ),
        )
    });
    act(Activity::Rerun {
        run_id: run,
        conclusion: "failure".into(),
    })
    .await;
    act(Activity::DeploymentStatus {
        deployment_id: deployment,
        state: "inactive".into(),
    })
    .await;
    act(Activity::EditRelease {
        tag: release.clone(),
        name: "Renamed long after".into(),
    })
    .await;
    let before = fx.sim.sim.stats().requests;
    let outcomes = sync_ok(&syncer, &web, Mode::Incremental).await;
    assert!(outcomes[0].resources.is_empty(), "no signal moved");
    assert_eq!(fx.sim.sim.stats().requests - before, 1);

    // ...and a day later the scheduler's reconciliation reads them anyway: the signals
    // request (the scheduler's, and the worker's own before it reads), the workflows and
    // releases (a page each), the 30-day windows of runs and deployments, and the jobs of
    // the re-run run (one GraphQL request).
    a_day_passes(&fx.pool).await;
    let clients = fixture_clients(&fx);
    let intervals = scheduler::Intervals::default();
    let before = fx.sim.sim.stats().requests;
    let tick = scheduler::tick(&fx.pool, &clients, &intervals, chrono::Utc::now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(tick.queued, 1, "{tick:?}");
    let jobs = drain_queue(&fx.pool, &clients).await;
    assert_eq!(jobs.len(), 1);
    let mut read = jobs[0].resources.clone();
    read.sort();
    assert_eq!(
        read,
        ["deployments", "releases", "workflow_runs", "workflows"]
    );
    let (run_pages, deployment_pages) = windows;
    assert_eq!(
        fx.sim.sim.stats().requests - before,
        2 + 1 + 1 + run_pages + deployment_pages + 1
    );
    let (attempt, conclusion): (i32, Option<String>) =
        sqlx::query_as("SELECT run_attempt, conclusion FROM workflow_runs WHERE github_id = $1")
            .bind(run as i64)
            .fetch_one(&fx.pool)
            .await
            .unwrap();
    assert_eq!((attempt, conclusion.as_deref()), (2, Some("failure")));
    let latest: String = sqlx::query_scalar(
        "SELECT state FROM deployment_statuses WHERE deployment_id = $1
          ORDER BY created_at DESC LIMIT 1",
    )
    .bind(deployment as i64)
    .fetch_one(&fx.pool)
    .await
    .unwrap();
    assert_eq!(latest, "inactive");
    let name: Option<String> =
        sqlx::query_scalar("SELECT name FROM releases WHERE tag_name = $1 AND repository_id = $2")
            .bind(&release)
            .bind(web[0].github_id)
            .fetch_one(&fx.pool)
            .await
            .unwrap();
    assert_eq!(name.as_deref(), Some("Renamed long after"));
    assert_matches_world(&fx.pool, &fx.sim, &["web".to_string()]).await;
}
