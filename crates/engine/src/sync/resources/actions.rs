//! Workflows and workflow runs through REST; the jobs of completed runs through
//! GraphQL, 100 runs a request.

use super::*;

impl Ctx<'_> {
    pub(super) async fn workflows(&mut self) -> crate::Result<()> {
        let first = self.path(&format!("/actions/workflows?per_page={PER_PAGE}"));
        self.store_rest_pages(
            first,
            Listing::Wrapped,
            |repo, items: Vec<m::GhWorkflows>| {
                let workflow = |w| ingest::actions::workflow(repo, w);
                items
                    .into_iter()
                    .flat_map(|w| w.workflows)
                    .map(workflow)
                    .collect()
            },
        )
        .await?;
        Ok(())
    }

    /// Workflow runs through REST, newest first, down to the newest run of the last
    /// complete sync (or the oldest run that was still going then); then the jobs of every
    /// completed run whose jobs are not stored, 100 runs a GraphQL request.
    pub(super) async fn workflow_runs(&mut self) -> crate::Result<()> {
        let mut cp = self.checkpoint().await?;
        // Runs still going at the last read may have finished since: read down to them.
        let floor = match (self.floor(&cp), state_time(&cp, "oldest_incomplete")) {
            (Some(h), Some(o)) => Some(h.min(o)),
            (h, _) => h,
        };
        // Old runs re-run since (their created_at stays): the last 30 days, once a day.
        let (floor, covers_window) = self.floor_with_window(&cp, floor);
        let mut newest = state_time(&cp, "pending_newest");
        let mut oldest_incomplete = state_time(&cp, "pending_oldest_incomplete");
        let mut next = Some(
            cp.resume
                .clone()
                .unwrap_or_else(|| self.path(&format!("/actions/runs?per_page={PER_PAGE}"))),
        );
        while let Some(path) = next {
            let page = self
                .s
                .client
                .get_wrapped_page::<m::GhWorkflowRuns>(&path)
                .await?;
            let wrapped = page.items.into_iter().next();
            let total = wrapped.as_ref().map(|w| w.total_count as u64);
            let runs = wrapped.map(|w| w.workflow_runs).unwrap_or_default();
            let mut reached = false;
            let mut list = Vec::new();
            for r in runs {
                if floor.is_some_and(|f| r.created_at < f) {
                    reached = true;
                    break;
                }
                newest = later(newest, r.created_at);
                let row = ingest::actions::run(self.repo_id, r);
                if row.status != "completed" {
                    oldest_incomplete =
                        Some(oldest_incomplete.map_or(row.created_at, |o| o.min(row.created_at)));
                }
                list.push(row);
            }
            let finished = reached || page.next.is_none();
            let resume_at = if finished { None } else { page.next.clone() };
            step(&mut cp, resume_at, newest, "pending_newest");
            if finished {
                cp.state.0["oldest_incomplete"] = ts(oldest_incomplete);
                cp.state.0["pending_oldest_incomplete"] = Value::Null;
                if covers_window {
                    cp.state.0["window_read_at"] = ts(Some(Utc::now()));
                }
            } else {
                cp.state.0["pending_oldest_incomplete"] = ts(oldest_incomplete);
            }
            let mut tx = self.s.pool.begin().await?;
            db::upsert(&mut tx, &list).await?;
            self.finish_page(tx, &cp).await?;
            self.page_done(list.len(), total).await;
            if finished {
                break;
            }
            next = page.next;
        }
        self.jobs().await
    }

    /// The jobs of completed runs whose jobs are not stored, 100 runs a GraphQL request
    /// (fewer when GitHub cannot compute so many in time). A run whose check suite GitHub
    /// does not show keeps what is stored and is asked again by the next sync; the others
    /// are read all the same.
    pub(super) async fn jobs(&mut self) -> crate::Result<()> {
        let mut batch_size = PER_PAGE;
        // Runs GitHub showed no check suite for in this sync: not asked again until the next.
        let mut unanswered: Vec<i64> = Vec::new();
        loop {
            let batch = {
                let mut conn = self.s.pool.acquire().await?;
                let limit = batch_size as i64;
                db::actions::runs_needing_jobs(&mut conn, self.repo_id, limit, &unanswered).await?
            };
            if batch.is_empty() {
                if !unanswered.is_empty() {
                    tracing::warn!(
                        repository = self.full_name,
                        runs = unanswered.len(),
                        "GitHub showed no check suite for these runs; asking again next sync"
                    );
                }
                return Ok(());
            }
            let ids: Vec<&str> = batch.iter().map(|(_, node)| node.as_str()).collect();
            let data: gql::CheckSuitesData = match self
                .s
                .client
                .graphql(CHECK_SUITES, json!({ "ids": ids }))
                .await
            {
                Ok(data) => data,
                Err(e) if timed_out(&e) && batch_size > MIN_PAGE => {
                    batch_size = (batch_size / 2).max(MIN_PAGE);
                    continue;
                }
                Err(e) => return Err(e.into()),
            };
            let mut jobs = Vec::new();
            let mut answered = Vec::new();
            for ((run_id, _), suite) in batch.iter().zip(data.nodes) {
                let Some(suite) = suite else {
                    unanswered.push(*run_id);
                    continue;
                };
                answered.push(*run_id);
                jobs.extend(
                    suite
                        .check_runs
                        .nodes
                        .into_iter()
                        .map(|j| ingest::actions::job(self.repo_id, *run_id, j)),
                );
            }
            if answered.is_empty() {
                continue;
            }
            let mut tx = self.s.pool.begin().await?;
            db::actions::replace_jobs(&mut tx, &answered, &jobs).await?;
            tx.commit().await?;
            self.page_done(jobs.len(), None).await;
        }
    }
}
