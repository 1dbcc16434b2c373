//! Changes to old items after newer ones exist, as GitHub makes them: what a sync that
//! reads "what changed since" must not miss. Each moves the item's `updated_at` exactly
//! where GitHub moves it (a re-run keeps its run's `created_at`; a new deployment status
//! moves the deployment's `updated_at`, not its `created_at`).

use super::*;

impl World {
    pub(super) fn revise(
        &mut self,
        idx: usize,
        revision: Activity,
        at: Time,
        sender: u64,
        urls: &Urls,
        out: &mut Outcome,
    ) -> Result<(), ActivityError> {
        match revision {
            Activity::Reopen { number } => {
                let change = Change::new(number, at, "reopened");
                self.change_item(idx, change, sender, urls, out, |item| match item {
                    Item::Issue(i) => {
                        i.state = IssueState::Open;
                        i.state_reason = Some("reopened");
                        i.closed_at = None;
                        Ok(())
                    }
                    Item::Pull(p) if p.merged_at.is_some() => {
                        Err(ActivityError::Invalid(format!("#{number} is merged")))
                    }
                    Item::Pull(p) => {
                        p.state = PullState::Open;
                        p.closed_at = None;
                        Ok(())
                    }
                })?;
            }
            Activity::Label { number, labels } => {
                let labels = labels_of(&labels)?;
                let change = Change::new(number, at, "labeled");
                self.change_item(idx, change, sender, urls, out, |item| {
                    item.labels(labels);
                    Ok(())
                })?;
            }
            Activity::DismissReview { number, review_id } => {
                let p = self.repos[idx]
                    .pull_mut(number)
                    .ok_or(ActivityError::NoItem(number))?;
                let review = p
                    .reviews
                    .iter_mut()
                    .find(|r| r.id == review_id)
                    .ok_or(ActivityError::NoItem(review_id))?;
                review.state = ReviewState::Dismissed;
                let review = review.clone();
                p.updated_at = at;
                self.review_event(idx, number, &review, "dismissed", sender, urls, out)?;
            }
            Activity::Rerun { run_id, conclusion } => {
                let conclusion = conclusion_of(&conclusion)?;
                let repo = &mut self.repos[idx];
                let run = repo
                    .runs
                    .iter_mut()
                    .find(|r| r.id == run_id)
                    .ok_or(ActivityError::NoItem(run_id))?;
                run.run_attempt += 1;
                run.status = RunStatus::Completed;
                run.conclusion = Some(conclusion);
                run.run_started_at = at - Duration::seconds(120);
                run.updated_at = at;
                let run = run.clone();
                out.id = Some(run_id);
                let repo = &self.repos[idx];
                let workflow = repo
                    .workflow(run.workflow_id)
                    .ok_or(ActivityError::NoItem(run.workflow_id))?;
                self.emit(
                    (idx, sender, urls),
                    "workflow_run",
                    json!({
                        "action": "completed",
                        "workflow_run": json::workflow_run(&run, repo, self, urls),
                        "workflow": json::workflow(workflow, repo, urls),
                    }),
                    out,
                );
            }
            Activity::DeploymentStatus {
                deployment_id,
                state,
            } => {
                let state: &'static str = match state.as_str() {
                    "success" => "success",
                    "failure" => "failure",
                    "error" => "error",
                    "inactive" => "inactive",
                    other => return Err(ActivityError::Invalid(format!("unknown state {other}"))),
                };
                let status_id = self.allocate_id();
                let repo = &mut self.repos[idx];
                let d = repo
                    .deployments
                    .iter_mut()
                    .find(|d| d.id == deployment_id)
                    .ok_or(ActivityError::NoItem(deployment_id))?;
                d.statuses.push(DeploymentStatus {
                    id: status_id,
                    state,
                    creator_id: sender,
                    created_at: at,
                });
                d.updated_at = at;
                let d = d.clone();
                out.id = Some(status_id);
                let repo = &self.repos[idx];
                self.emit((idx, sender, urls), "deployment_status", json!({
                        "action": "created",
                        "deployment": json::deployment(&d, repo, self, urls),
                        "deployment_status": json::deployment_status(d.statuses.last().unwrap_or(&d.statuses[0]), &d, repo, self, urls),
                        "workflow": null,
                        "workflow_run": null,
                    }), out);
            }
            Activity::EditRelease { tag, name } => {
                let repo = &mut self.repos[idx];
                let release = repo
                    .releases
                    .iter_mut()
                    .find(|r| r.tag == tag)
                    .ok_or_else(|| ActivityError::Invalid(format!("no release {tag}")))?;
                let from = std::mem::replace(&mut release.name, name);
                let release = release.clone();
                let repo = &self.repos[idx];
                self.emit(
                    (idx, sender, urls),
                    "release",
                    json!({
                        "action": "edited",
                        "changes": { "name": { "from": from } },
                        "release": json::release(&release, repo, self, urls),
                    }),
                    out,
                );
            }
            other => {
                return Err(ActivityError::Invalid(format!(
                    "{other:?} is not a change to an old item"
                )))
            }
        }
        Ok(())
    }
}
