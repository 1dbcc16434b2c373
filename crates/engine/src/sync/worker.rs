//! Sync jobs from the Postgres queue: enqueue, and a worker loop any number of processes
//! can run. A job is claimed with `FOR UPDATE SKIP LOCKED`, kept alive by a heartbeat, and
//! taken over by another worker if its process dies; its checkpoints make the takeover
//! resume where the dead one stopped.

use std::time::Duration;

use super::changes;
use super::{Mode, Observer, RepoOutcome, RepoRef, Resource, Syncer};
use crate::clients::Clients;
use crate::db;
use sqlx::PgPool;

/// Seconds without a heartbeat after which a running job counts as abandoned.
pub const STALE_SECS: i64 = 60;
const HEARTBEAT: Duration = Duration::from_secs(15);

/// Runs one claimed job to its end; returns its outcome.
pub async fn run_job(
    pool: &PgPool,
    clients: &Clients,
    job: &db::jobs::Job,
    observer: Option<Observer>,
) -> crate::Result<RepoOutcome> {
    let repo = db::repos::by_id(pool, job.repository_id)
        .await?
        .ok_or(crate::Error::NotFound)?;
    let user_id = match job.requested_by {
        Some(u) => u,
        None => db::repos::someone_with_access(pool, job.repository_id)
            .await?
            .ok_or(crate::Error::NoToken)?,
    };
    let client = clients.for_user(user_id).await?;
    let mut syncer = Syncer::new(pool.clone(), client).with_npm(clients.npm());
    syncer.job_id = Some(job.id);
    syncer.requested_by = job.requested_by;
    syncer.observer = observer;
    let mode = Mode::parse(&job.mode).unwrap_or(Mode::Incremental);
    let resources = Resource::parse_names(&job.resources)
        .map_err(|e| crate::Error::Invalid(format!("sync job {}: {e}", job.id)))?;
    sync_planned(&syncer, &[repo], &resources, mode)
        .await
        .map(|mut v| v.pop().unwrap_or_default())
}

/// Syncs repositories: an incremental sync first plans from change signals (one request
/// per 100 repositories) and reads only what moved, plus the named `resources` no signal
/// can vouch for ([`changes::UNSIGNALLED`]); a full one reads everything. When
/// `resources` is not empty, only those are read.
pub async fn sync_planned(
    syncer: &Syncer,
    repos: &[RepoRef],
    resources: &[Resource],
    mode: Mode,
) -> crate::Result<Vec<RepoOutcome>> {
    let with_ids: Vec<RepoRef> = repos
        .iter()
        .filter(|r| r.node_id.is_some())
        .cloned()
        .collect();
    let plans = if with_ids.is_empty() {
        Vec::new()
    } else {
        changes::plan(&syncer.pool, &syncer.client, &with_ids).await?
    };
    // A few repositories at a time (the token's governor caps requests in flight); each
    // counts its own cost.
    let one = |repo: &RepoRef| {
        let (id, full_name) = (&repo.github_id, &repo.full_name);
        let plan = plans.iter().find(|p| p.repository_id == *id);
        let syncer = Syncer {
            client: syncer.client.with_own_counters(),
            ..syncer.clone()
        };
        let id = *id;
        let full_name = full_name.clone();
        async move {
            let wanted: Vec<Resource> = match (mode, plan) {
                // What the signals show moved; and, when named, what no signal can vouch
                // for (the scheduler's daily reconciliation names them).
                (Mode::Incremental, Some(p)) => Resource::ALL
                    .into_iter()
                    .filter(|r| {
                        p.resources.contains(r)
                            || (resources.contains(r) && changes::UNSIGNALLED.contains(r))
                    })
                    .filter(|r| resources.is_empty() || resources.contains(r))
                    .collect(),
                _ if resources.is_empty() => Resource::ALL.to_vec(),
                _ => resources.to_vec(),
            };
            let expected = plan.map(|p| p.expected.clone()).unwrap_or_default();
            let name = plan.map_or(full_name.as_str(), |p| p.full_name.as_str());
            if let Some(reason) = plan.and_then(|p| p.refused.as_deref()) {
                return syncer.refused(id, name, reason).await;
            }
            let outcome = if wanted.is_empty() {
                RepoOutcome::default()
            } else {
                syncer
                    .repository(id, name, &wanted, mode, &expected)
                    .await?
            };
            // npm's downloads move daily whatever GitHub's signals say (at most a read an
            // hour; only for a repository that names its package).
            if let Some(npm) = &syncer.npm {
                crate::npm::refresh(&syncer.pool, npm, id).await?;
            }
            // Each resource read completely, and each the signal shows unchanged, is
            // current as of this signal; one left out or failed keeps its older one. When
            // nothing moved, what is stored already says so: nothing to write.
            let moved = plan.filter(|p| !p.resources.is_empty());
            if let Some((p, signal)) = moved.and_then(|p| Some((p, p.signal.as_ref()?))) {
                let current: Vec<Resource> = Resource::ALL
                    .into_iter()
                    .filter(|r| !p.resources.contains(r) || read_ok(&outcome, *r))
                    .collect();
                changes::remember(&syncer.pool, id, signal, &current).await?;
            }
            Ok::<_, crate::Error>(outcome)
        }
    };
    use futures::StreamExt;
    let outcomes: Vec<crate::Result<RepoOutcome>> = futures::stream::iter(repos.iter().map(one))
        .buffered(syncer.client.concurrency())
        .collect()
        .await;
    let outcomes = outcomes.into_iter().collect::<crate::Result<Vec<_>>>()?;
    Ok(outcomes)
}

fn read_ok(outcome: &RepoOutcome, resource: Resource) -> bool {
    outcome
        .resources
        .iter()
        .any(|r| r.resource == resource && r.error.is_none())
}

/// Claims and runs jobs until `shutdown` resolves; sleeps `idle` when the queue is empty.
/// `worker` names this process so that it outlives a restart: at start, jobs still
/// claimed under the same name (a killed predecessor's) are handed back at once.
pub async fn work(
    pool: PgPool,
    clients: Clients,
    worker: String,
    idle: Duration,
    shutdown: impl std::future::Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    match db::jobs::release_all_of(&pool, &worker).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(
            jobs = n,
            "took back the sync jobs this process held before it stopped"
        ),
        Err(e) => tracing::warn!(error = %e, "could not take back this process's earlier jobs"),
    }
    loop {
        let claimed = tokio::select! {
            _ = &mut shutdown => return,
            c = db::jobs::claim(&pool, &worker, STALE_SECS) => c,
        };
        match claimed {
            Ok(Some(job)) => {
                // A job taken over from a dead process: its runs did not finish.
                match db::sync_runs::interrupt_job_runs(&pool, job.id).await {
                    Ok(0) => {}
                    Ok(n) => {
                        tracing::info!(job = job.id, runs = n, "resuming an interrupted sync job")
                    }
                    Err(e) => {
                        tracing::warn!(job = job.id, error = %e, "could not mark interrupted runs")
                    }
                }
                let beat = {
                    let pool = pool.clone();
                    let worker = worker.clone();
                    let id = job.id;
                    tokio::spawn(async move {
                        loop {
                            tokio::time::sleep(HEARTBEAT).await;
                            if !matches!(db::jobs::heartbeat(&pool, id, &worker).await, Ok(true)) {
                                return;
                            }
                        }
                    })
                };
                // Stopping mid-job loses nothing: the checkpoints are committed with the
                // data, and the job goes back to the queue for whoever runs next.
                let result = tokio::select! {
                    _ = &mut shutdown => {
                        beat.abort();
                        if let Err(e) = db::jobs::release(&pool, job.id, &worker).await {
                            tracing::warn!(job = job.id, error = %e, "could not hand the sync job back");
                        }
                        let _ = db::sync_runs::interrupt_job_runs(&pool, job.id).await;
                        tracing::info!(job = job.id, "stopping: handed the sync job back to the queue");
                        return;
                    }
                    r = run_job(&pool, &clients, &job, None) => r,
                };
                beat.abort();
                let repository = db::repos::by_id(&pool, job.repository_id)
                    .await
                    .ok()
                    .flatten()
                    .map(|r| r.full_name)
                    .unwrap_or_else(|| job.repository_id.to_string());
                let error = match &result {
                    Ok(outcome) => {
                        for r in outcome.resources.iter() {
                            if let Some(e) = &r.error {
                                tracing::warn!(job = job.id, %repository, resource = %r.resource, error = %e, "sync of a resource failed");
                            }
                        }
                        let errors = outcome.errors();
                        (!errors.is_empty()).then(|| errors.join("; "))
                    }
                    Err(e) => {
                        tracing::warn!(job = job.id, %repository, error = %e, "sync job failed");
                        Some(e.public_message())
                    }
                };
                if let Err(e) = db::jobs::finish(&pool, job.id, &worker, error.as_deref()).await {
                    tracing::warn!(job = job.id, error = %e, "could not record the end of a sync job");
                }
            }
            Ok(None) => {
                tokio::select! {
                    _ = &mut shutdown => return,
                    _ = tokio::time::sleep(idle) => {}
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "could not claim a sync job");
                tokio::select! {
                    _ = &mut shutdown => return,
                    _ = tokio::time::sleep(idle) => {}
                }
            }
        }
    }
}
