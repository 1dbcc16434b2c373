//! One function per resource. Each reads GitHub page by page and writes every page in one
//! transaction together with its checkpoint.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::changes::Expected;
use super::{Mode, Progress, Syncer};
use crate::db::checkpoints::{self, Checkpoint};
use crate::db::{self, Keyed};
use crate::github::models::{self as m, gql};
use crate::github::{GitHubError, PER_PAGE};

const PULLS: &str = include_str!("../github/queries/pull_requests.graphql");
const COMMITS: &str = include_str!("../github/queries/commits.graphql");
const CHECK_SUITES: &str = include_str!("../github/queries/check_suites.graphql");
const DEPLOYMENTS: &str = include_str!("../github/queries/deployments.graphql");

pub(crate) struct Ctx<'a> {
    s: &'a Syncer,
    repo_id: i64,
    full_name: &'a str,
    owner: &'a str,
    name: &'a str,
    resource: &'a str,
    mode: Mode,
    expected: &'a Expected,
    pub items: u32,
    pub pages: u32,
    started: std::time::Instant,
}

fn ts(t: Option<DateTime<Utc>>) -> Value {
    t.map_or(Value::Null, |t| json!(t.to_rfc3339()))
}

fn state_time(cp: &Checkpoint, key: &str) -> Option<DateTime<Utc>> {
    cp.state.0[key]
        .as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc))
}

/// Moves a paged read's checkpoint past a page: to resume at `next`, or, when there is no
/// next page, to complete with the newest change seen (`pending`, kept under `key` while
/// the read is under way).
fn step(cp: &mut Checkpoint, next: Option<String>, pending: Option<DateTime<Utc>>, key: &str) {
    let finished = next.is_none();
    cp.resume = next;
    if finished {
        cp.high_water = pending.or(cp.high_water);
        cp.completed_at = Some(Utc::now());
        cp.state.0[key] = Value::Null;
    } else {
        cp.state.0[key] = ts(pending);
    }
}

fn later(a: Option<DateTime<Utc>>, b: DateTime<Utc>) -> Option<DateTime<Utc>> {
    Some(a.map_or(b, |a| a.max(b)))
}

impl<'a> Ctx<'a> {
    pub(crate) fn new(
        s: &'a Syncer,
        repo_id: i64,
        full_name: &'a str,
        resource: &'a str,
        mode: Mode,
        expected: &'a Expected,
    ) -> Self {
        let (owner, name) = full_name.split_once('/').unwrap_or((full_name, ""));
        Ctx {
            s,
            repo_id,
            full_name,
            owner,
            name,
            resource,
            mode,
            expected,
            items: 0,
            pages: 0,
            started: std::time::Instant::now(),
        }
    }

    pub(crate) async fn run(&mut self) -> crate::Result<()> {
        match self.resource {
            "repository" => self.repository().await,
            "pull_requests" => self.pull_requests().await,
            "issues" => self.issues().await,
            "commits" => self.commits().await,
            "contributors" => self.contributors().await,
            "workflows" => self.workflows().await,
            "workflow_runs" => self.workflow_runs().await,
            "deployments" => self.deployments().await,
            "releases" => self.releases().await,
            "tags" => self.tags().await,
            "stargazers" => self.stargazers().await,
            "forks" => self.forks().await,
            other => Err(crate::Error::Invalid(format!("unknown resource {other}"))),
        }
    }

    async fn checkpoint(&self) -> crate::Result<Checkpoint> {
        let mut conn = self.s.pool.acquire().await?;
        let mut cp = checkpoints::load(&mut conn, self.repo_id, self.resource).await?;
        if cp.state.0.is_null() {
            cp.state.0 = json!({});
        }
        Ok(cp)
    }

    /// Counts a page and tells the observers.
    async fn page_done(&mut self, items: usize, total: Option<u64>) {
        self.items += items as u32;
        self.pages += 1;
        self.s
            .publish(Progress {
                job_id: self.s.job_id,
                requested_by: self.s.requested_by,
                repository_id: self.repo_id,
                repository: self.full_name.to_string(),
                resource: self.resource.to_string(),
                items: self.items,
                pages: self.pages,
                total,
                rate_remaining: self.s.client.budget().map(|b| b.remaining),
                eta_secs: super::eta_secs(self.items, total, self.started.elapsed()),
                done: false,
            })
            .await;
    }

    fn path(&self, rest: &str) -> String {
        format!("/repos/{}/{}{rest}", self.owner, self.name)
    }

    async fn repository(&mut self) -> crate::Result<()> {
        let repo = self.s.client.repository(self.full_name).await?;
        let mut tx = self.s.pool.begin().await?;
        crate::db::repos::upsert(&mut tx, &repo).await?;
        tx.commit().await?;
        self.page_done(1, Some(1)).await;
        Ok(())
    }

    /// Pull requests through GraphQL, most recently updated first, with reviews, sizes,
    /// first commit and ready-for-review time; an incremental sync stops at the stored
    /// high-water mark.
    async fn pull_requests(&mut self) -> crate::Result<()> {
        let mut cp = self.checkpoint().await?;
        let floor = match self.mode {
            Mode::Full => None,
            Mode::Incremental => cp.high_water,
        };
        let mut pending = state_time(&cp, "pending_high_water");
        let mut after = cp.resume.clone();
        loop {
            let data: gql::PullRequestsData = self
                .s
                .client
                .graphql(
                    PULLS,
                    json!({ "owner": self.owner, "name": self.name, "first": PER_PAGE, "after": after }),
                )
                .await?;
            let conn = data
                .repository
                .ok_or(crate::Error::GitHub(GitHubError::NotFound))?
                .pull_requests;
            let mut reached = false;
            let mut pulls = Vec::new();
            let mut reviews = Vec::new();
            let mut numbers = Vec::new();
            for p in &conn.nodes {
                if floor.is_some_and(|f| p.updated_at <= f) {
                    reached = true;
                    break;
                }
                pending = later(pending, p.updated_at);
                numbers.push(p.number);
                let mut these: Vec<db::pulls::ReviewRow> = p
                    .reviews
                    .nodes
                    .iter()
                    .map(|r| db::pulls::ReviewRow {
                        github_id: r.database_id,
                        repository_id: self.repo_id,
                        pull_number: p.number,
                        reviewer_github_id: r.author.as_ref().and_then(|a| a.database_id),
                        reviewer_login: r.author.as_ref().map(|a| a.login.clone()),
                        state: r.state.clone(),
                        submitted_at: r.submitted_at,
                    })
                    .collect();
                if p.reviews.total_count as usize > p.reviews.nodes.len() {
                    these = self.all_reviews(p.number).await?;
                }
                reviews.extend(these);
                pulls.push(db::pulls::PullRow {
                    github_id: p.database_id,
                    repository_id: self.repo_id,
                    number: p.number,
                    title: p.title.clone(),
                    state: if p.state == "OPEN" { "open" } else { "closed" }.into(),
                    draft: p.is_draft,
                    author_github_id: p.author.as_ref().and_then(|a| a.database_id),
                    author_login: p.author.as_ref().map(|a| a.login.clone()),
                    author_association: Some(p.author_association.clone()),
                    base_ref: p.base_ref_name.clone(),
                    head_ref: p.head_ref_name.clone(),
                    head_sha: Some(p.head_ref_oid.clone()),
                    merge_commit_sha: p.merge_commit.as_ref().map(|c| c.oid.clone()),
                    created_at: p.created_at,
                    updated_at: p.updated_at,
                    closed_at: p.closed_at,
                    merged_at: p.merged_at,
                    additions: Some(p.additions),
                    deletions: Some(p.deletions),
                    changed_files: Some(p.changed_files),
                    commits_count: Some(p.commits.total_count),
                    comments_count: p.total_comments_count,
                    merged_by_github_id: p.merged_by.as_ref().and_then(|a| a.database_id),
                    merged_by_login: p.merged_by.as_ref().map(|a| a.login.clone()),
                    first_commit_at: p.commits.nodes.first().map(|c| c.commit.authored_date),
                    ready_for_review_at: p.timeline_items.nodes.iter().find_map(|e| e.created_at),
                    labels: p.labels.nodes.iter().map(|l| l.name.clone()).collect(),
                });
            }
            let finished = reached || !conn.page_info.has_next_page;
            let next = if finished {
                None
            } else {
                conn.page_info.end_cursor.clone()
            };
            step(&mut cp, next, pending, "pending_high_water");
            let mut tx = self.s.pool.begin().await?;
            db::pulls::upsert_pulls(&mut tx, &pulls).await?;
            db::pulls::replace_reviews(&mut tx, self.repo_id, &numbers, &reviews).await?;
            checkpoints::save(&mut tx, self.repo_id, self.resource, &cp).await?;
            tx.commit().await?;
            self.page_done(pulls.len(), Some(conn.total_count as u64))
                .await;
            if finished {
                return Ok(());
            }
            after = conn.page_info.end_cursor;
        }
    }

    /// Every review of one pull request (when GraphQL's first 20 were not all).
    async fn all_reviews(&self, number: i64) -> crate::Result<Vec<db::pulls::ReviewRow>> {
        let mut out = Vec::new();
        let mut next = Some(self.path(&format!("/pulls/{number}/reviews?per_page={PER_PAGE}")));
        while let Some(path) = next {
            let page = self.s.client.get_page::<m::GhReview>(&path).await?;
            out.extend(page.items.into_iter().map(|r| db::pulls::ReviewRow {
                github_id: r.id,
                repository_id: self.repo_id,
                pull_number: number,
                reviewer_github_id: r.user.as_ref().map(|u| u.id),
                reviewer_login: r.user.map(|u| u.login),
                state: r.state,
                submitted_at: r.submitted_at,
            }));
            next = page.next;
        }
        Ok(out)
    }

    /// Issues (not pull requests) through REST, by `updated` ascending from the stored
    /// high-water mark. Deletions do not show in such a listing: when GitHub's count and
    /// ours disagree afterwards (or in a full sync), a full listing reconciles.
    async fn issues(&mut self) -> crate::Result<()> {
        let mut cp = self.checkpoint().await?;
        let since = match self.mode {
            Mode::Full => None,
            Mode::Incremental => cp.high_water,
        };
        let first = match since {
            Some(t) => self.path(&format!(
                "/issues?state=all&sort=updated&direction=asc&per_page={PER_PAGE}&since={}",
                t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            )),
            None => self.path(&format!(
                "/issues?state=all&sort=updated&direction=asc&per_page={PER_PAGE}"
            )),
        };
        let mut pending = state_time(&cp, "pending_high_water");
        let resumed = cp.resume.is_some();
        let mut next = Some(cp.resume.clone().unwrap_or(first));
        let mut seen: Vec<i64> = Vec::new();
        while let Some(path) = next {
            let page = self.s.client.get_page::<m::GhIssue>(&path).await?;
            let issues: Vec<db::issues::IssueRow> = page
                .items
                .iter()
                .filter(|i| i.pull_request.is_none())
                .map(|i| db::issues::IssueRow {
                    github_id: i.id,
                    repository_id: self.repo_id,
                    number: i.number,
                    title: i.title.clone(),
                    state: i.state.clone(),
                    state_reason: i.state_reason.clone(),
                    author_github_id: i.user.as_ref().map(|u| u.id),
                    author_login: i.user.as_ref().map(|u| u.login.clone()),
                    labels: i.labels.iter().map(|l| l.name.clone()).collect(),
                    assignees: i.assignees.iter().map(|a| a.login.clone()).collect(),
                    comments_count: i.comments,
                    created_at: i.created_at,
                    updated_at: i.updated_at,
                    closed_at: i.closed_at,
                })
                .collect();
            for i in &page.items {
                pending = later(pending, i.updated_at);
            }
            seen.extend(issues.iter().map(|i| i.github_id));
            step(&mut cp, page.next.clone(), pending, "pending_high_water");
            let mut tx = self.s.pool.begin().await?;
            db::issues::upsert_issues(&mut tx, &issues).await?;
            checkpoints::save(&mut tx, self.repo_id, self.resource, &cp).await?;
            tx.commit().await?;
            self.page_done(issues.len(), None).await;
            next = page.next;
        }
        // A full listing from the start saw every issue: anything else was deleted.
        let complete_listing = since.is_none() && !resumed;
        if complete_listing {
            let mut conn = self.s.pool.acquire().await?;
            db::retain_only(&mut conn, Keyed::Issues, self.repo_id, &seen).await?;
        } else if let Some(expected) = self.expected.issues {
            let mut conn = self.s.pool.acquire().await?;
            let stored = db::count(&mut conn, Keyed::Issues, self.repo_id).await?;
            drop(conn);
            if stored != expected {
                self.reconcile_issues().await?;
            }
        }
        Ok(())
    }

    async fn reconcile_issues(&mut self) -> crate::Result<()> {
        let mut ids = Vec::new();
        let mut next = Some(self.path(&format!("/issues?state=all&per_page={PER_PAGE}")));
        while let Some(path) = next {
            let page = self.s.client.get_page::<m::GhIssue>(&path).await?;
            ids.extend(
                page.items
                    .iter()
                    .filter(|i| i.pull_request.is_none())
                    .map(|i| i.id),
            );
            next = page.next;
        }
        let mut conn = self.s.pool.acquire().await?;
        db::retain_only(&mut conn, Keyed::Issues, self.repo_id, &ids).await?;
        Ok(())
    }

    /// The default branch's history through GraphQL, newest first, until a commit we
    /// already have; commits a force-push took off the branch are removed.
    async fn commits(&mut self) -> crate::Result<()> {
        let mut cp = self.checkpoint().await?;
        let old_head = cp.state.0["head"].as_str().map(str::to_string);
        // A full sync reads the whole history again; what is no longer on it is dropped.
        let stop_at_known = self.mode == Mode::Incremental && old_head.is_some();
        // A full read resumed after an interruption has not seen the pages before it, so
        // it cannot tell what the branch no longer holds.
        let whole_chain = stop_at_known || cp.resume.is_none();
        let mut pending_head = cp.state.0["pending_head"].as_str().map(str::to_string);
        let mut after = cp.resume.clone();
        let mut new_chain: Vec<String> = Vec::new();
        loop {
            let data: gql::HistoryData = self
                .s
                .client
                .graphql(
                    COMMITS,
                    json!({ "owner": self.owner, "name": self.name, "first": PER_PAGE, "after": after }),
                )
                .await?;
            let repo = data
                .repository
                .ok_or(crate::Error::GitHub(GitHubError::NotFound))?;
            let Some(history) = repo.default_branch_ref.and_then(|r| r.target) else {
                return Ok(()); // an empty repository has no history
            };
            let conn = history.history;
            if pending_head.is_none() {
                pending_head = conn.nodes.first().map(|c| c.oid.clone());
            }
            if after.is_none() && pending_head == old_head && stop_at_known {
                return Ok(()); // nothing new
            }
            let shas: Vec<String> = conn.nodes.iter().map(|c| c.oid.clone()).collect();
            let known = {
                let mut db = self.s.pool.acquire().await?;
                db::commits::known_commits(&mut db, self.repo_id, &shas).await?
            };
            let mut stop_at: Option<String> = None;
            let mut commits = Vec::new();
            for c in &conn.nodes {
                if stop_at_known && known.contains(&c.oid) {
                    stop_at = Some(c.oid.clone());
                    break;
                }
                new_chain.push(c.oid.clone());
                let author = c.author.as_ref();
                commits.push(db::commits::CommitRow {
                    repository_id: self.repo_id,
                    sha: c.oid.clone(),
                    parent_sha: c.parents.nodes.first().map(|p| p.oid.clone()),
                    author_github_id: author
                        .and_then(|a| a.user.as_ref())
                        .and_then(|u| u.database_id),
                    author_login: author
                        .and_then(|a| a.user.as_ref())
                        .map(|u| u.login.clone()),
                    author_name: author.and_then(|a| a.name.clone()),
                    author_email: author.and_then(|a| a.email.clone()),
                    authored_at: c.authored_date,
                    committed_at: c.committed_date,
                    additions: Some(c.additions),
                    deletions: Some(c.deletions),
                    message_headline: c.message_headline.clone(),
                });
            }
            let finished = stop_at.is_some() || !conn.page_info.has_next_page;
            cp.resume = if finished {
                None
            } else {
                conn.page_info.end_cursor.clone()
            };
            cp.state.0["pending_head"] = json!(pending_head);
            let mut tx = self.s.pool.begin().await?;
            db::commits::upsert_commits(&mut tx, &commits).await?;
            if finished {
                if let Some(old) = old_head.as_ref().filter(|_| whole_chain) {
                    db::commits::drop_rewritten_commits(
                        &mut tx,
                        self.repo_id,
                        old,
                        stop_at.as_deref(),
                        &new_chain,
                    )
                    .await?;
                }
                cp.state.0["head"] = json!(pending_head);
                cp.state.0["pending_head"] = Value::Null;
                cp.completed_at = Some(Utc::now());
            }
            checkpoints::save(&mut tx, self.repo_id, self.resource, &cp).await?;
            tx.commit().await?;
            self.page_done(commits.len(), Some(conn.total_count as u64))
                .await;
            if finished {
                return Ok(());
            }
            after = conn.page_info.end_cursor;
        }
    }

    async fn contributors(&mut self) -> crate::Result<()> {
        let mut all = Vec::new();
        let mut next = Some(self.path(&format!("/contributors?per_page={PER_PAGE}")));
        while let Some(path) = next {
            let page = match self.s.client.get_page::<m::GhContributor>(&path).await {
                Ok(p) => p,
                // An empty repository answers 204 without a body.
                Err(GitHubError::Decode { .. }) => break,
                Err(e) => return Err(e.into()),
            };
            all.extend(page.items.into_iter().filter_map(|c| {
                Some(db::community::ContributorRow {
                    repository_id: self.repo_id,
                    user_github_id: c.id?,
                    login: c.login?,
                    contributions: c.contributions,
                })
            }));
            self.pages += 1;
            next = page.next;
        }
        let mut tx = self.s.pool.begin().await?;
        db::community::replace_contributors(&mut tx, self.repo_id, &all).await?;
        tx.commit().await?;
        self.items += all.len() as u32;
        Ok(())
    }

    async fn workflows(&mut self) -> crate::Result<()> {
        let mut next = Some(self.path(&format!("/actions/workflows?per_page={PER_PAGE}")));
        while let Some(path) = next {
            let page = self
                .s
                .client
                .get_wrapped_page::<m::GhWorkflows>(&path)
                .await?;
            let list: Vec<db::actions::WorkflowRow> = page
                .items
                .into_iter()
                .flat_map(|w| w.workflows)
                .map(|w| db::actions::WorkflowRow {
                    github_id: w.id,
                    repository_id: self.repo_id,
                    name: w.name,
                    path: w.path,
                    state: w.state,
                })
                .collect();
            let mut tx = self.s.pool.begin().await?;
            db::actions::upsert_workflows(&mut tx, &list).await?;
            tx.commit().await?;
            self.page_done(list.len(), None).await;
            next = page.next;
        }
        Ok(())
    }

    /// Workflow runs through REST, newest first, down to the newest run of the last
    /// complete sync (or the oldest run that was still going then); then the jobs of every
    /// completed run whose jobs are not stored, 100 runs a GraphQL request.
    async fn workflow_runs(&mut self) -> crate::Result<()> {
        let mut cp = self.checkpoint().await?;
        let floor = match self.mode {
            Mode::Full => None,
            Mode::Incremental => match (cp.high_water, state_time(&cp, "oldest_incomplete")) {
                (Some(h), Some(o)) => Some(h.min(o)),
                (h, _) => h,
            },
        };
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
                let status = r.status.clone().unwrap_or_else(|| "completed".into());
                if status != "completed" {
                    oldest_incomplete =
                        Some(oldest_incomplete.map_or(r.created_at, |o| o.min(r.created_at)));
                }
                list.push(db::actions::RunRow {
                    github_id: r.id,
                    repository_id: self.repo_id,
                    workflow_id: r.workflow_id,
                    check_suite_node_id: r.check_suite_node_id,
                    run_number: r.run_number,
                    run_attempt: r.run_attempt.unwrap_or(1),
                    event: r.event,
                    status,
                    conclusion: r.conclusion,
                    head_branch: r.head_branch,
                    head_sha: r.head_sha,
                    actor_login: r.actor.map(|a| a.login),
                    created_at: r.created_at,
                    run_started_at: r.run_started_at,
                    updated_at: r.updated_at,
                });
            }
            let finished = reached || page.next.is_none();
            let resume_at = if finished { None } else { page.next.clone() };
            step(&mut cp, resume_at, newest, "pending_newest");
            if finished {
                cp.state.0["oldest_incomplete"] = ts(oldest_incomplete);
                cp.state.0["pending_oldest_incomplete"] = Value::Null;
            } else {
                cp.state.0["pending_oldest_incomplete"] = ts(oldest_incomplete);
            }
            let mut tx = self.s.pool.begin().await?;
            db::actions::upsert_runs(&mut tx, &list).await?;
            checkpoints::save(&mut tx, self.repo_id, self.resource, &cp).await?;
            tx.commit().await?;
            self.page_done(list.len(), total).await;
            if finished {
                break;
            }
            next = page.next;
        }
        self.jobs().await
    }

    async fn jobs(&mut self) -> crate::Result<()> {
        loop {
            let batch = {
                let mut conn = self.s.pool.acquire().await?;
                db::actions::runs_needing_jobs(&mut conn, self.repo_id, 100).await?
            };
            if batch.is_empty() {
                return Ok(());
            }
            let ids: Vec<&str> = batch.iter().map(|(_, node)| node.as_str()).collect();
            let data: gql::CheckSuitesData = self
                .s
                .client
                .graphql(CHECK_SUITES, json!({ "ids": ids }))
                .await?;
            let mut jobs = Vec::new();
            for ((run_id, _), suite) in batch.iter().zip(data.nodes) {
                let Some(suite) = suite else { continue };
                jobs.extend(
                    suite
                        .check_runs
                        .nodes
                        .into_iter()
                        .map(|j| db::actions::JobRow {
                            github_id: j.database_id,
                            run_id: *run_id,
                            repository_id: self.repo_id,
                            name: j.name,
                            status: j.status.to_ascii_lowercase(),
                            conclusion: j.conclusion.map(|c| c.to_ascii_lowercase()),
                            started_at: j.started_at,
                            completed_at: j.completed_at,
                        }),
                );
            }
            let run_ids: Vec<i64> = batch.iter().map(|(id, _)| *id).collect();
            let mut tx = self.s.pool.begin().await?;
            db::actions::replace_jobs(&mut tx, &run_ids, &jobs).await?;
            tx.commit().await?;
            self.page_done(jobs.len(), None).await;
        }
    }

    /// Deployments with their statuses through GraphQL, newest first, until one older
    /// than the last sync's newest that has not changed.
    async fn deployments(&mut self) -> crate::Result<()> {
        let mut cp = self.checkpoint().await?;
        let floor = match self.mode {
            Mode::Full => None,
            Mode::Incremental => cp.high_water,
        };
        let mut newest = state_time(&cp, "pending_newest");
        let mut after = cp.resume.clone();
        loop {
            let data: gql::DeploymentsData = self
                .s
                .client
                .graphql(
                    DEPLOYMENTS,
                    json!({ "owner": self.owner, "name": self.name, "first": PER_PAGE, "after": after }),
                )
                .await?;
            let conn = data
                .repository
                .ok_or(crate::Error::GitHub(GitHubError::NotFound))?
                .deployments;
            let ids: Vec<i64> = conn.nodes.iter().map(|d| d.database_id).collect();
            let stored = {
                let mut db = self.s.pool.acquire().await?;
                db::deployments::deployment_versions(&mut db, &ids).await?
            };
            let mut reached = false;
            let mut list = Vec::new();
            let mut statuses = Vec::new();
            for d in &conn.nodes {
                let unchanged = stored
                    .iter()
                    .any(|(id, at)| *id == d.database_id && *at == d.updated_at);
                if floor.is_some_and(|f| d.created_at <= f) && unchanged {
                    reached = true;
                    break;
                }
                newest = later(newest, d.created_at);
                list.push(db::deployments::DeploymentRow {
                    github_id: d.database_id,
                    repository_id: self.repo_id,
                    sha: d.commit_oid.clone(),
                    environment: d.environment.clone(),
                    creator_login: d.creator.as_ref().map(|c| c.login.clone()),
                    created_at: d.created_at,
                    updated_at: d.updated_at,
                });
                statuses.extend(d.statuses.nodes.iter().map(|s| {
                    db::deployments::DeploymentStatusRow {
                        deployment_id: d.database_id,
                        node_id: s
                            .id
                            .clone()
                            .unwrap_or_else(|| format!("{}:{}", s.state, s.created_at)),
                        repository_id: self.repo_id,
                        state: s.state.to_ascii_lowercase(),
                        created_at: s.created_at,
                    }
                }));
            }
            let finished = reached || !conn.page_info.has_next_page;
            let next = if finished {
                None
            } else {
                conn.page_info.end_cursor.clone()
            };
            step(&mut cp, next, newest, "pending_newest");
            let mut tx = self.s.pool.begin().await?;
            db::deployments::upsert_deployments(&mut tx, &list, &statuses).await?;
            checkpoints::save(&mut tx, self.repo_id, self.resource, &cp).await?;
            tx.commit().await?;
            self.page_done(list.len(), Some(conn.total_count as u64))
                .await;
            if finished {
                return Ok(());
            }
            after = conn.page_info.end_cursor;
        }
    }

    /// Releases: few, so always listed in full (unchanged pages are free 304s).
    async fn releases(&mut self) -> crate::Result<()> {
        let mut seen = Vec::new();
        let mut next = Some(self.path(&format!("/releases?per_page={PER_PAGE}")));
        while let Some(path) = next {
            let page = self.s.client.get_page::<m::GhRelease>(&path).await?;
            let list: Vec<db::releases::ReleaseRow> = page
                .items
                .into_iter()
                .map(|r| db::releases::ReleaseRow {
                    github_id: r.id,
                    repository_id: self.repo_id,
                    tag_name: r.tag_name,
                    name: r.name,
                    draft: r.draft,
                    prerelease: r.prerelease,
                    author_login: r.author.map(|a| a.login),
                    created_at: r.created_at,
                    published_at: r.published_at,
                })
                .collect();
            seen.extend(list.iter().map(|r| r.github_id));
            let mut tx = self.s.pool.begin().await?;
            db::releases::upsert_releases(&mut tx, &list).await?;
            tx.commit().await?;
            self.page_done(list.len(), None).await;
            next = page.next;
        }
        let mut conn = self.s.pool.acquire().await?;
        db::retain_only(&mut conn, Keyed::Releases, self.repo_id, &seen).await?;
        Ok(())
    }

    async fn tags(&mut self) -> crate::Result<()> {
        let mut all = Vec::new();
        let mut next = Some(self.path(&format!("/tags?per_page={PER_PAGE}")));
        while let Some(path) = next {
            let page = self.s.client.get_page::<m::GhTag>(&path).await?;
            all.extend(page.items.into_iter().map(|t| db::releases::TagRow {
                repository_id: self.repo_id,
                name: t.name,
                sha: t.commit.sha,
            }));
            self.pages += 1;
            next = page.next;
        }
        let mut tx = self.s.pool.begin().await?;
        db::releases::replace_tags(&mut tx, self.repo_id, &all).await?;
        tx.commit().await?;
        self.items += all.len() as u32;
        Ok(())
    }

    /// Stargazers (oldest first, with `starred_at`): an incremental sync reads from the
    /// page where the stored ones end; when the counts then disagree (unstars), it lists
    /// all and reconciles.
    async fn stargazers(&mut self) -> crate::Result<()> {
        self.append_only(Keyed::Stargazers, self.expected.stargazers)
            .await
    }

    async fn forks(&mut self) -> crate::Result<()> {
        self.append_only(Keyed::Forks, self.expected.forks).await
    }

    async fn append_only(&mut self, table: Keyed, expected: Option<i64>) -> crate::Result<()> {
        let stored = {
            let mut conn = self.s.pool.acquire().await?;
            db::count(&mut conn, table, self.repo_id).await?
        };
        let incremental = self.mode == Mode::Incremental && expected.is_none_or(|e| e >= stored);
        let start_page = if incremental {
            stored / PER_PAGE as i64 + 1
        } else {
            1
        };
        let seen = self.list_appendable(table, start_page).await?;
        if start_page == 1 {
            let mut conn = self.s.pool.acquire().await?;
            db::retain_only(&mut conn, table, self.repo_id, &seen).await?;
        } else if let Some(expected) = expected {
            let mut conn = self.s.pool.acquire().await?;
            let now = db::count(&mut conn, table, self.repo_id).await?;
            drop(conn);
            if now != expected {
                let seen = self.list_appendable(table, 1).await?;
                let mut conn = self.s.pool.acquire().await?;
                db::retain_only(&mut conn, table, self.repo_id, &seen).await?;
            }
        }
        Ok(())
    }

    /// Lists stargazers or forks from `start_page` on, storing each page; returns the keys.
    async fn list_appendable(&mut self, table: Keyed, start_page: i64) -> crate::Result<Vec<i64>> {
        let mut seen = Vec::new();
        let first = match table {
            Keyed::Stargazers => self.path(&format!(
                "/stargazers?per_page={PER_PAGE}&page={start_page}"
            )),
            _ => self.path(&format!(
                "/forks?sort=oldest&per_page={PER_PAGE}&page={start_page}"
            )),
        };
        let mut next = Some(first);
        while let Some(path) = next {
            let mut tx;
            let n;
            let page_next;
            match table {
                Keyed::Stargazers => {
                    let page = self
                        .s
                        .client
                        .get_page_as::<m::GhStargazer>(&path, "application/vnd.github.star+json")
                        .await?;
                    let list: Vec<db::community::StarRow> = page
                        .items
                        .into_iter()
                        .map(|s| db::community::StarRow {
                            repository_id: self.repo_id,
                            user_github_id: s.user.id,
                            login: s.user.login,
                            starred_at: s.starred_at,
                        })
                        .collect();
                    seen.extend(list.iter().map(|s| s.user_github_id));
                    tx = self.s.pool.begin().await?;
                    db::community::upsert_stars(&mut tx, &list).await?;
                    n = list.len();
                    page_next = page.next;
                }
                _ => {
                    let page = self.s.client.get_page::<m::GhFork>(&path).await?;
                    let list: Vec<db::community::ForkRow> = page
                        .items
                        .into_iter()
                        .map(|f| db::community::ForkRow {
                            github_id: f.id,
                            repository_id: self.repo_id,
                            full_name: f.full_name,
                            owner_login: f.owner.login,
                            created_at: f.created_at,
                        })
                        .collect();
                    seen.extend(list.iter().map(|f| f.github_id));
                    tx = self.s.pool.begin().await?;
                    db::community::upsert_forks(&mut tx, &list).await?;
                    n = list.len();
                    page_next = page.next;
                }
            }
            tx.commit().await?;
            self.page_done(n, None).await;
            next = page_next;
        }
        Ok(seen)
    }
}
