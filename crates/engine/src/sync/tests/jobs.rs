//! The job queue, its worker and the scheduler.

use super::*;

/// A worker running in the background until stopped.
struct RunningWorker {
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

/// Starts a worker named `name` on the fixture's queue, acting with the stored tokens.
fn start_worker(fx: &Fixture, name: &str) -> RunningWorker {
    let clients = fixture_clients(fx);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(worker::work(
        fx.pool.clone(),
        clients,
        name.into(),
        std::time::Duration::from_millis(100),
        async move {
            let _ = stopped.await;
        },
    ));
    RunningWorker { stop, task }
}

impl RunningWorker {
    async fn stop(self) {
        let _ = self.stop.send(());
        self.task.await.unwrap();
    }
}

/// The job once it has finished (a minute at most).
async fn until_finished(pool: &sqlx::PgPool, job_id: i64) -> db::jobs::Job {
    for _ in 0..600 {
        let j = db::jobs::get(pool, job_id).await.unwrap().unwrap();
        if j.finished_at.is_some() {
            return j;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("job {job_id} did not finish within a minute");
}

/// A claim by the worker named `worker`, with the worker's staleness rule.
async fn claim(fx: &Fixture, name: &str) -> Result<Option<db::jobs::Job>, sqlx::Error> {
    db::jobs::claim(&fx.pool, name, worker::STALE_SECS).await
}

/// acme/docs, with a full sync of it queued.
async fn docs_queued(fx: &Fixture) -> (RepoRef, db::jobs::Job) {
    let docs = alice_repo(fx, "acme/docs").await;
    let job = db::jobs::enqueue(&fx.pool, docs.github_id, &[], "full", None, 0)
        .await
        .unwrap();
    (docs, job)
}

/// What a scheduler tick should report.
fn ticked(due: usize, queued: usize, unchanged: usize, requests: u32) -> Option<scheduler::Tick> {
    Some(scheduler::Tick {
        due,
        queued,
        unchanged,
        requests,
    })
}

async fn alice_repo(fx: &Fixture, full_name: &str) -> RepoRef {
    alice_repos(fx)
        .await
        .into_iter()
        .find(|r| r.full_name == full_name)
        .unwrap()
}

#[tokio::test]
async fn jobs_are_claimed_once_and_abandoned_ones_are_taken_over() {
    let fx = setup().await;
    let repos = alice_repos(&fx).await;
    let (a, b) = (repos[0].github_id, repos[1].github_id);
    let job_a = db::jobs::enqueue(&fx.pool, a, &[], "full", Some(fx.user_id), 0)
        .await
        .unwrap();
    let job_b = db::jobs::enqueue(&fx.pool, b, &[], "full", Some(fx.user_id), 0)
        .await
        .unwrap();
    // One live job per repository: asking again returns the same one.
    let again = db::jobs::enqueue(&fx.pool, a, &[], "incremental", None, 0)
        .await
        .unwrap();
    assert_eq!(again.id, job_a.id);
    // Two workers claiming at once get different jobs; a third finds nothing.
    let (x, y) = tokio::join!(claim(&fx, "w1"), claim(&fx, "w2"));
    let (x, y) = (x.unwrap().unwrap(), y.unwrap().unwrap());
    assert_ne!(x.id, y.id);
    assert!([job_a.id, job_b.id].contains(&x.id) && [job_a.id, job_b.id].contains(&y.id));
    assert!(claim(&fx, "w3").await.unwrap().is_none());
    // w1 dies: its heartbeat goes stale and w3 takes the job over.
    sqlx::query(
        "UPDATE sync_jobs SET heartbeat_at = now() - interval '10 minutes' WHERE claimed_by = 'w1'",
    )
    .execute(&fx.pool)
    .await
    .unwrap();
    let taken = claim(&fx, "w3").await.unwrap().unwrap();
    assert_eq!(taken.id, x.id);
    assert_eq!(taken.attempts, 2);
    // The dead worker can no longer keep or finish it.
    assert!(!db::jobs::heartbeat(&fx.pool, x.id, "w1").await.unwrap());
}

#[tokio::test]
async fn a_worker_runs_queued_jobs_to_the_truth() {
    let fx = setup().await;
    let (_, job) = docs_queued(&fx).await;
    let worker = start_worker(&fx, "test-worker");
    let j = until_finished(&fx.pool, job.id).await;
    worker.stop().await;
    assert_eq!(j.status, "succeeded", "{:?}", j.error);
    assert_matches_world(&fx.pool, &fx.sim, &["docs".to_string()]).await;
    let runs: i64 = sqlx::query_scalar("SELECT count(*) FROM sync_runs WHERE job_id = $1")
        .bind(job.id)
        .fetch_one(&fx.pool)
        .await
        .unwrap();
    assert_eq!(runs as usize, Resource::ALL.len());
}

#[tokio::test]
async fn a_restarted_worker_takes_its_job_back_at_once_and_marks_the_dead_run() {
    let fx = setup().await;
    let docs = alice_repo(&fx, "acme/docs").await;
    // The process named "host:3000" claimed the job, started a run and was killed: its
    // heartbeat is still fresh, so another worker would wait a minute.
    let job = db::jobs::enqueue(&fx.pool, docs.github_id, &[], "full", None, 0)
        .await
        .unwrap();
    let claimed = claim(&fx, "host:3000").await.unwrap().unwrap();
    assert_eq!(claimed.id, job.id);
    let dead_run = db::sync_runs::start(&fx.pool, docs.github_id, "issues", None, Some(job.id))
        .await
        .unwrap();
    assert!(claim(&fx, "other:3000").await.unwrap().is_none());

    // The same process starts again: it takes the job back without waiting.
    let started = std::time::Instant::now();
    let worker = start_worker(&fx, "host:3000");
    let j = until_finished(&fx.pool, job.id).await;
    worker.stop().await;
    assert_eq!(j.status, "succeeded", "{:?}", j.error);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(worker::STALE_SECS as u64),
        "took the job back without waiting for the stale heartbeat"
    );
    let (status, error): (String, Option<String>) =
        sqlx::query_as("SELECT status, error FROM sync_runs WHERE id = $1")
            .bind(dead_run)
            .fetch_one(&fx.pool)
            .await
            .unwrap();
    assert_eq!(status, "interrupted");
    assert!(error.unwrap().contains("resumed"));
    let still_running: i64 =
        sqlx::query_scalar("SELECT count(*) FROM sync_runs WHERE status = 'running'")
            .fetch_one(&fx.pool)
            .await
            .unwrap();
    assert_eq!(still_running, 0);
    assert_matches_world(&fx.pool, &fx.sim, &["docs".to_string()]).await;
}

#[tokio::test]
async fn a_stopping_worker_hands_its_job_back() {
    let fx = setup().await;
    let docs = alice_repo(&fx, "acme/docs").await;
    // Slow GitHub down so the job is still running when the worker is told to stop.
    fx.sim.sim.faults().add(always(ghsim::Fault::Latency {
        ms: 300,
        jitter_ms: 0,
    }));
    let job = db::jobs::enqueue(&fx.pool, docs.github_id, &[], "full", None, 0)
        .await
        .unwrap();
    let worker = start_worker(&fx, "host:3000");
    for _ in 0..100 {
        let j = db::jobs::get(&fx.pool, job.id).await.unwrap().unwrap();
        if j.status == "running" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    worker.stop().await;
    let j = db::jobs::get(&fx.pool, job.id).await.unwrap().unwrap();
    assert_eq!(j.status, "queued", "handed back to the queue");
    assert!(j.finished_at.is_none());
    // Another process picks it up at once.
    let next = claim(&fx, "other:3000").await.unwrap().unwrap();
    assert_eq!(next.id, job.id);
    let running: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM sync_runs WHERE job_id = $1 AND status = 'running'",
    )
    .bind(job.id)
    .fetch_one(&fx.pool)
    .await
    .unwrap();
    assert_eq!(running, 0, "its unfinished run is marked interrupted");
}

#[tokio::test]
async fn the_scheduler_asks_once_per_interval_and_queues_only_what_changed() {
    use scheduler::{Intervals, Tick};
    let fx = setup().await;
    let repos = alice_repos(&fx).await;
    let n = repos.len();
    for RepoRef { github_id: id, .. } in &repos {
        assert!(db::repos::track(&fx.pool, fx.user_id, *id).await.unwrap());
    }
    let intervals = Intervals::default();
    let clients = fixture_clients(&fx);
    let t0 = chrono::Utc::now();
    let minutes = |m: i64| t0 + chrono::Duration::minutes(m);

    let tick_at = async |at| {
        scheduler::tick(&fx.pool, &clients, &intervals, at)
            .await
            .unwrap()
    };
    // Never synced: one request asks about all of them, and each gets a job.
    let tick = tick_at(t0).await;
    assert_eq!(tick, ticked(n, n, 0, 1));
    assert_eq!(drain_queue(&fx.pool, &clients).await.len(), n);
    assert_matches_world(&fx.pool, &fx.sim, &names(&repos)).await;

    // A minute later nothing is due: not a single request.
    let before = fx.sim.sim.stats().requests;
    let tick = tick_at(minutes(1)).await;
    assert_eq!(tick, Some(Tick::default()));
    assert_eq!(fx.sim.sim.stats().requests, before);

    // An hour and a half later, nothing changed: one request, no job.
    let tick = tick_at(minutes(90)).await;
    assert_eq!(tick, ticked(n, 0, n, 1));
    assert_eq!(fx.sim.sim.stats().requests, before + 1);

    // Someone stars api and opens an issue there. At 2 hours the stars are not due
    // (every 3 hours), so api's job reads the issues only; at 3 hours the stars.
    let act = |a: ghsim::activity::Activity| {
        let sim = fx.sim.sim.clone();
        async move { sim.act("acme", "api", a, None).await.unwrap() }
    };
    act(ghsim::activity::Activity::Star { user: None }).await;
    act(ghsim::activity::Activity::OpenIssue {
        author: "bob".into(),
        title: Some("The export is empty".into()),
        labels: vec![],
    })
    .await;
    let api = repos
        .iter()
        .find(|r| r.full_name == "acme/api")
        .unwrap()
        .github_id;
    let tick = tick_at(minutes(150)).await;
    assert_eq!(tick, ticked(n, 1, n - 1, 1));
    let jobs = drain_queue(&fx.pool, &clients).await;
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].repository_id, api);
    assert!(jobs[0].resources.contains(&"issues".to_string()));
    assert!(!jobs[0].resources.contains(&"stargazers".to_string()));
    assert!(!jobs[0].resources.contains(&"commits".to_string()));

    let tick = tick_at(minutes(185)).await;
    assert_eq!(tick.map(|t| t.queued), Some(1));
    let jobs = drain_queue(&fx.pool, &clients).await;
    assert_eq!(jobs.len(), 1);
    assert!(jobs[0].resources.contains(&"stargazers".to_string()));
    assert_matches_world(&fx.pool, &fx.sim, &names(&repos)).await;
}
