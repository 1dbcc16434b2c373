//! Activity created on demand through the control API
//! (`POST /_sim/repos/{owner}/{repo}/activity`): pull requests opened, reviewed, merged
//! and closed, issues and comments, pushes (including force-pushes), workflow runs,
//! deployments, stars, releases, forks, edits and deletions of old items, renames.
//!
//! Each change updates the world the REST API serves (and so `updated_at`, ETags and
//! `since` filters), and returns the webhook events GitHub would send for it. Changes to
//! old items after newer ones exist (reopened, relabelled, dismissed, re-run, a new
//! deployment status) live in [`revisions`].

mod revisions;

use chrono::Duration;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::data::*;
use crate::json::{self, Urls};
use crate::webhooks::Event;

/// One change to a repository. `at` (RFC 3339) defaults to a minute after the world's
/// latest time; the world's clock moves to it.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Activity {
    OpenPull {
        author: String,
        title: Option<String>,
        #[serde(default)]
        draft: bool,
        additions: Option<u32>,
        deletions: Option<u32>,
        commits: Option<u32>,
    },
    MergePull {
        number: u64,
        by: Option<String>,
    },
    ClosePull {
        number: u64,
    },
    Review {
        number: u64,
        reviewer: String,
        state: String,
    },
    Comment {
        number: u64,
        author: String,
    },
    OpenIssue {
        author: String,
        title: Option<String>,
        #[serde(default)]
        labels: Vec<String>,
    },
    CloseIssue {
        number: u64,
        reason: Option<String>,
    },
    /// Edits the title of an issue or pull request, however old.
    Edit {
        number: u64,
        title: String,
    },
    /// Deletes an issue (GitHub lets admins delete issues, not pull requests).
    DeleteIssue {
        number: u64,
    },
    Push {
        author: String,
        #[serde(default = "one")]
        commits: u32,
        /// Rewrites this many of the newest commits instead of adding on top.
        #[serde(default)]
        force_replace: u32,
    },
    WorkflowRun {
        sha: Option<String>,
        #[serde(default = "success")]
        conclusion: String,
    },
    Deploy {
        environment: String,
        #[serde(default = "success")]
        state: String,
    },
    Star {
        user: Option<u64>,
    },
    Unstar {
        user: u64,
    },
    Release {
        tag: String,
    },
    Fork,
    Rename {
        name: String,
    },
    /// Reopens a closed issue or (unmerged) pull request, however old.
    Reopen {
        number: u64,
    },
    /// Replaces the labels of an issue or pull request, however old.
    Label {
        number: u64,
        labels: Vec<String>,
    },
    /// Dismisses a review of a pull request, however old.
    DismissReview {
        number: u64,
        review_id: u64,
    },
    /// Re-runs a workflow run, however old: a new attempt of the same run (same id and
    /// `created_at`, as on GitHub), ending in `conclusion`.
    Rerun {
        run_id: u64,
        #[serde(default = "success")]
        conclusion: String,
    },
    /// A new status for a deployment, however old.
    DeploymentStatus {
        deployment_id: u64,
        state: String,
    },
    /// Renames a release, however old.
    EditRelease {
        tag: String,
        name: String,
    },
}

/// Which issue or pull request changes, when, and the event's action.
struct Change {
    number: u64,
    at: Time,
    action: &'static str,
}

impl Change {
    fn new(number: u64, at: Time, action: &'static str) -> Change {
        Change { number, at, action }
    }
}

/// An issue or a pull request, for changes both take.
enum Item<'a> {
    Issue(&'a mut Issue),
    Pull(&'a mut PullRequest),
}

impl Item<'_> {
    fn title(self, title: String) {
        match self {
            Item::Issue(i) => i.title = title,
            Item::Pull(p) => p.title = title,
        }
    }

    fn labels(self, labels: Vec<&'static str>) {
        match self {
            Item::Issue(i) => i.labels = labels,
            Item::Pull(p) => p.labels = labels,
        }
    }
}

fn conclusion_of(name: &str) -> Result<Conclusion, ActivityError> {
    match name {
        "success" => Ok(Conclusion::Success),
        "failure" => Ok(Conclusion::Failure),
        "cancelled" => Ok(Conclusion::Cancelled),
        "skipped" => Ok(Conclusion::Skipped),
        other => Err(ActivityError::Invalid(format!(
            "unknown conclusion {other}"
        ))),
    }
}

fn labels_of(names: &[String]) -> Result<Vec<&'static str>, ActivityError> {
    names
        .iter()
        .map(|l| {
            LABELS
                .iter()
                .find(|(n, _, _)| n == l)
                .map(|(n, _, _)| *n)
                .ok_or_else(|| ActivityError::Invalid(format!("unknown label {l}")))
        })
        .collect()
}

fn one() -> u32 {
    1
}

fn success() -> String {
    "success".into()
}

/// What a change did, for the caller.
#[derive(Debug, Default, serde::Serialize)]
pub struct Outcome {
    pub number: Option<u64>,
    pub id: Option<u64>,
    pub sha: Option<String>,
    #[serde(skip)]
    pub events: Vec<Event>,
    pub deliveries: Vec<u64>,
}

#[derive(Debug, thiserror::Error)]
pub enum ActivityError {
    #[error("no repository {0}")]
    NoRepository(String),
    #[error("no user {0:?}")]
    NoUser(String),
    #[error("no pull request or issue #{0}")]
    NoItem(u64),
    #[error("{0}")]
    Invalid(String),
}

impl World {
    fn login_id(&self, login: &str) -> Result<u64, ActivityError> {
        self.user_by_login(login)
            .map(|u| u.id)
            .ok_or_else(|| ActivityError::NoUser(login.to_string()))
    }

    /// Applies one change to `owner/name` and returns the events it raises.
    pub fn apply(
        &mut self,
        owner: &str,
        name: &str,
        activity: Activity,
        at: Option<Time>,
        urls: &Urls,
    ) -> Result<Outcome, ActivityError> {
        let at = at.unwrap_or(self.now + Duration::minutes(1)).max(self.now);
        self.now = at;
        self.nodes.clear();
        let idx = self
            .repos
            .iter()
            .position(|r| r.owner.eq_ignore_ascii_case(owner) && r.name.eq_ignore_ascii_case(name))
            .ok_or_else(|| ActivityError::NoRepository(format!("{owner}/{name}")))?;
        let mut out = Outcome::default();
        let mut sender = self.repos[idx].collaborators[0].0;
        match activity {
            Activity::OpenPull {
                author,
                title,
                draft,
                additions,
                deletions,
                commits,
            } => {
                let author_id = self.login_id(&author)?;
                sender = author_id;
                let id = self.allocate_id();
                let issue_id = self.allocate_id();
                let repo = &mut self.repos[idx];
                let number = repo.next_number();
                let title = title.unwrap_or_else(|| format!("Change #{number}"));
                let additions = additions.unwrap_or(42);
                repo.pulls.push(PullRequest {
                    id,
                    issue_id,
                    number,
                    head_ref: format!("feature/{number}"),
                    title,
                    body: None,
                    author_id,
                    state: PullState::Open,
                    draft,
                    labels: Vec::new(),
                    created_at: at,
                    updated_at: at,
                    closed_at: None,
                    merged_at: None,
                    merged_by: None,
                    ready_for_review_at: None,
                    first_commit_at: at - Duration::hours(1),
                    base_ref: repo.default_branch.clone(),
                    head_sha: Sha::derive(11, id),
                    merge_commit_sha: None,
                    additions,
                    deletions: deletions.unwrap_or(additions / 3),
                    changed_files: 1 + additions / 40,
                    commits: commits.unwrap_or(1).max(1),
                    reviews: Vec::new(),
                    comments: Vec::new(),
                    review_comments: Vec::new(),
                });
                out.number = Some(number);
                out.id = Some(id);
                self.pull_event(idx, number, "opened", sender, urls, &mut out);
            }
            Activity::MergePull { number, by } => {
                let by = match by {
                    Some(login) => self.login_id(&login)?,
                    None => sender,
                };
                sender = by;
                let merge_sha = Sha::derive(12, self.allocate_id());
                let run_id = self.allocate_id();
                let repo = &mut self.repos[idx];
                let before = repo.head().map(|c| c.sha);
                let p = repo.pull_mut(number).ok_or(ActivityError::NoItem(number))?;
                if p.state != PullState::Open {
                    return Err(ActivityError::Invalid(format!("#{number} is not open")));
                }
                p.state = PullState::Closed;
                p.draft = false;
                p.merged_at = Some(at);
                p.closed_at = Some(at);
                p.updated_at = at;
                p.merged_by = Some(by);
                p.merge_commit_sha = Some(merge_sha);
                let work = Commit {
                    sha: p.head_sha,
                    parent: before,
                    kind: CommitKind::Work { pull: number },
                    author_id: p.author_id,
                    authored_at: p.first_commit_at,
                    committed_at: at - Duration::seconds(1),
                    additions: p.additions,
                    deletions: p.deletions,
                    files: p.changed_files,
                };
                let merge = Commit {
                    sha: merge_sha,
                    parent: Some(work.sha),
                    kind: CommitKind::Merge { pull: number },
                    author_id: by,
                    authored_at: at,
                    committed_at: at,
                    additions: 0,
                    deletions: 0,
                    files: 0,
                };
                repo.commits.push(work);
                repo.commits.push(merge.clone());
                repo.pushed_at = at;
                out.sha = Some(merge_sha.hex());
                self.pull_event(idx, number, "closed", sender, urls, &mut out);
                self.push_event(idx, before, &[merge], false, sender, urls, &mut out);
                self.add_run(
                    idx,
                    run_id,
                    merge_sha,
                    None,
                    "push",
                    by,
                    Conclusion::Success,
                    urls,
                    &mut out,
                );
            }
            Activity::ClosePull { number } => {
                let p = self.repos[idx]
                    .pull_mut(number)
                    .ok_or(ActivityError::NoItem(number))?;
                p.state = PullState::Closed;
                p.closed_at = Some(at);
                p.updated_at = at;
                self.pull_event(idx, number, "closed", sender, urls, &mut out);
            }
            Activity::Review {
                number,
                reviewer,
                state,
            } => {
                let reviewer_id = self.login_id(&reviewer)?;
                sender = reviewer_id;
                let state = match state.to_ascii_uppercase().as_str() {
                    "APPROVED" | "APPROVE" => ReviewState::Approved,
                    "CHANGES_REQUESTED" | "REQUEST_CHANGES" => ReviewState::ChangesRequested,
                    "COMMENTED" | "COMMENT" => ReviewState::Commented,
                    other => {
                        return Err(ActivityError::Invalid(format!(
                            "unknown review state {other}"
                        )))
                    }
                };
                let id = self.allocate_id();
                let p = self.repos[idx]
                    .pull_mut(number)
                    .ok_or(ActivityError::NoItem(number))?;
                let review = Review {
                    id,
                    reviewer_id,
                    state,
                    submitted_at: at,
                    commit_sha: p.head_sha,
                };
                p.reviews.push(review.clone());
                p.updated_at = at;
                out.id = Some(id);
                self.review_event(idx, number, &review, "submitted", sender, urls, &mut out)?;
            }
            Activity::Comment { number, author } => {
                let author_id = self.login_id(&author)?;
                sender = author_id;
                let id = self.allocate_id();
                let comment = Comment {
                    id,
                    author_id,
                    created_at: at,
                    updated_at: at,
                };
                let repo = &mut self.repos[idx];
                if let Some(i) = repo.issue_mut(number) {
                    i.comments.push(comment.clone());
                    i.updated_at = at;
                } else if let Some(p) = repo.pull_mut(number) {
                    p.comments.push(comment.clone());
                    p.updated_at = at;
                } else {
                    return Err(ActivityError::NoItem(number));
                }
                out.id = Some(id);
                let repo = &self.repos[idx];
                self.emit(
                    (idx, sender, urls),
                    "issue_comment",
                    json!({
                        "action": "created",
                        "issue": self.issue_json(repo, number, urls),
                        "comment": json::issue_comment(&comment, number, repo, self, urls),
                    }),
                    &mut out,
                );
            }
            Activity::OpenIssue {
                author,
                title,
                labels,
            } => {
                let author_id = self.login_id(&author)?;
                sender = author_id;
                let labels = labels_of(&labels)?;
                let id = self.allocate_id();
                let repo = &mut self.repos[idx];
                let number = repo.next_number();
                repo.issues.push(Issue {
                    id,
                    number,
                    title: title.unwrap_or_else(|| format!("Issue #{number}")),
                    author_id,
                    state: IssueState::Open,
                    state_reason: None,
                    labels,
                    assignee_ids: Vec::new(),
                    comments: Vec::new(),
                    created_at: at,
                    updated_at: at,
                    closed_at: None,
                });
                out.number = Some(number);
                out.id = Some(id);
                self.issue_event(idx, number, "opened", sender, urls, &mut out);
            }
            Activity::CloseIssue { number, reason } => {
                let reason = match reason.as_deref() {
                    None | Some("completed") => "completed",
                    Some("not_planned") => "not_planned",
                    Some(other) => {
                        return Err(ActivityError::Invalid(format!("unknown reason {other}")))
                    }
                };
                let i = self.repos[idx]
                    .issue_mut(number)
                    .ok_or(ActivityError::NoItem(number))?;
                i.state = IssueState::Closed;
                i.state_reason = Some(reason);
                i.closed_at = Some(at);
                i.updated_at = at;
                self.issue_event(idx, number, "closed", sender, urls, &mut out);
            }
            Activity::Edit { number, title } => {
                let change = Change::new(number, at, "edited");
                self.change_item(idx, change, sender, urls, &mut out, |item| {
                    item.title(title);
                    Ok(())
                })?;
            }
            Activity::DeleteIssue { number } => {
                let issue_json = self.issue_json(&self.repos[idx], number, urls);
                let repo = &mut self.repos[idx];
                let pos = repo
                    .issues
                    .iter()
                    .position(|i| i.number == number)
                    .ok_or(ActivityError::NoItem(number))?;
                repo.issues.remove(pos);
                self.emit(
                    (idx, sender, urls),
                    "issues",
                    json!({ "action": "deleted", "issue": issue_json }),
                    &mut out,
                );
            }
            Activity::Push {
                author,
                commits,
                force_replace,
            } => {
                let author_id = self.login_id(&author)?;
                sender = author_id;
                let repo_len = self.repos[idx].commits.len();
                if force_replace as usize >= repo_len && force_replace > 0 {
                    return Err(ActivityError::Invalid(
                        "cannot replace the whole history".into(),
                    ));
                }
                let before = self.repos[idx].head().map(|c| c.sha);
                let keep = repo_len - force_replace as usize;
                let mut new = Vec::new();
                let mut parent = if keep > 0 {
                    Some(self.repos[idx].commits[keep - 1].sha)
                } else {
                    None
                };
                for k in 0..commits.max(1) {
                    let sha = Sha::derive(13, self.allocate_id());
                    let t = at - Duration::seconds(i64::from(commits.max(1) - 1 - k));
                    new.push(Commit {
                        sha,
                        parent,
                        kind: CommitKind::Direct,
                        author_id,
                        authored_at: t,
                        committed_at: t,
                        additions: 3,
                        deletions: 1,
                        files: 1,
                    });
                    parent = Some(sha);
                }
                let repo = &mut self.repos[idx];
                repo.commits.truncate(keep);
                repo.commits.extend(new.iter().cloned());
                repo.pushed_at = at;
                out.sha = parent.map(|s| s.hex());
                self.push_event(idx, before, &new, force_replace > 0, sender, urls, &mut out);
                let run_id = self.allocate_id();
                if let Some(head) = parent {
                    self.add_run(
                        idx,
                        run_id,
                        head,
                        None,
                        "push",
                        author_id,
                        Conclusion::Success,
                        urls,
                        &mut out,
                    );
                }
            }
            Activity::WorkflowRun { sha, conclusion } => {
                let conclusion = conclusion_of(&conclusion)?;
                let repo = &self.repos[idx];
                let sha = match sha {
                    Some(text) => Sha::parse(&text)
                        .ok_or_else(|| ActivityError::Invalid(format!("bad sha {text}")))?,
                    None => repo
                        .head()
                        .map(|c| c.sha)
                        .ok_or_else(|| ActivityError::Invalid("empty repository".into()))?,
                };
                let pull = repo
                    .pulls
                    .iter()
                    .find(|p| p.head_sha == sha)
                    .map(|p| p.number);
                let event = if pull.is_some() {
                    "pull_request"
                } else {
                    "push"
                };
                let run_id = self.allocate_id();
                self.add_run(
                    idx, run_id, sha, pull, event, sender, conclusion, urls, &mut out,
                );
            }
            revision @ (Activity::Reopen { .. }
            | Activity::Label { .. }
            | Activity::DismissReview { .. }
            | Activity::Rerun { .. }
            | Activity::DeploymentStatus { .. }
            | Activity::EditRelease { .. }) => {
                self.revise(idx, revision, at, sender, urls, &mut out)?;
            }
            Activity::Deploy { environment, state } => {
                let environment: &'static str = match environment.as_str() {
                    "production" => "production",
                    "staging" => "staging",
                    other => {
                        return Err(ActivityError::Invalid(format!(
                            "unknown environment {other}"
                        )))
                    }
                };
                let state: &'static str = match state.as_str() {
                    "success" => "success",
                    "failure" => "failure",
                    "error" => "error",
                    other => return Err(ActivityError::Invalid(format!("unknown state {other}"))),
                };
                let id = self.allocate_id();
                let status_id = self.allocate_id();
                let repo = &mut self.repos[idx];
                let sha = repo
                    .head()
                    .map(|c| c.sha)
                    .ok_or_else(|| ActivityError::Invalid("empty repository".into()))?;
                let d = Deployment {
                    id,
                    sha,
                    git_ref: repo.default_branch.clone(),
                    environment,
                    creator_id: sender,
                    created_at: at,
                    updated_at: at,
                    statuses: vec![DeploymentStatus {
                        id: status_id,
                        state,
                        creator_id: sender,
                        created_at: at,
                    }],
                };
                repo.deployments.push(d.clone());
                out.id = Some(id);
                let repo = &self.repos[idx];
                let dj = json::deployment(&d, repo, self, urls);
                let created = json!({ "action": "created", "deployment": dj, "workflow": null, "workflow_run": null });
                self.emit((idx, sender, urls), "deployment", created, &mut out);
                let sj = json::deployment_status(&d.statuses[0], &d, repo, self, urls);
                let status = json!({ "action": "created", "deployment": dj, "deployment_status": sj, "workflow": null, "workflow_run": null });
                self.emit((idx, sender, urls), "deployment_status", status, &mut out);
            }
            Activity::Star { user } => {
                let repo = &mut self.repos[idx];
                let user_id = match user {
                    Some(id) => id,
                    None => {
                        // The next stargazer account not already starring.
                        let used: std::collections::HashSet<u64> =
                            repo.stars.iter().map(|s| s.user_id).collect();
                        (STARGAZER_BASE..STARGAZER_BASE + STARGAZER_POOL)
                            .rev()
                            .find(|id| !used.contains(id))
                            .unwrap_or(STARGAZER_BASE)
                    }
                };
                if repo.stars.iter().any(|s| s.user_id == user_id) {
                    return Err(ActivityError::Invalid(format!(
                        "{user_id} already stars this"
                    )));
                }
                repo.stars.push(Star {
                    user_id,
                    starred_at: at,
                });
                repo.updated_at = at;
                out.id = Some(user_id);
                self.emit(
                    (idx, user_id, urls),
                    "star",
                    json!({ "action": "created", "starred_at": json::ts(at) }),
                    &mut out,
                );
            }
            Activity::Unstar { user } => {
                let repo = &mut self.repos[idx];
                let before = repo.stars.len();
                repo.stars.retain(|s| s.user_id != user);
                if repo.stars.len() == before {
                    return Err(ActivityError::Invalid(format!("{user} does not star this")));
                }
                repo.updated_at = at;
                self.emit(
                    (idx, user, urls),
                    "star",
                    json!({ "action": "deleted", "starred_at": null }),
                    &mut out,
                );
            }
            Activity::Release { tag } => {
                let id = self.allocate_id();
                let repo = &mut self.repos[idx];
                if repo.releases.iter().any(|r| r.tag == tag) {
                    return Err(ActivityError::Invalid(format!("tag {tag} exists")));
                }
                let sha = repo
                    .head()
                    .map(|c| c.sha)
                    .ok_or_else(|| ActivityError::Invalid("empty repository".into()))?;
                let release = Release {
                    id,
                    name: format!("{} {tag}", repo.name),
                    tag,
                    author_id: sender,
                    sha,
                    prerelease: false,
                    created_at: at,
                    published_at: at,
                };
                repo.releases.push(release.clone());
                out.id = Some(id);
                let repo = &self.repos[idx];
                self.emit((idx, sender, urls), "release", json!({ "action": "published", "release": json::release(&release, repo, self, urls) }), &mut out);
            }
            Activity::Fork => {
                let id = self.allocate_id();
                let repo = &mut self.repos[idx];
                let owner_id = STARGAZER_BASE + (id % STARGAZER_POOL);
                let fork = Fork {
                    id,
                    owner_id,
                    created_at: at,
                };
                repo.forks.push(fork.clone());
                out.id = Some(id);
                let repo = &self.repos[idx];
                self.emit(
                    (idx, owner_id, urls),
                    "fork",
                    json!({ "forkee": json::fork(&fork, repo, self, urls) }),
                    &mut out,
                );
            }
            Activity::Rename { name } => {
                if self
                    .repos
                    .iter()
                    .any(|r| r.name.eq_ignore_ascii_case(&name))
                {
                    return Err(ActivityError::Invalid(format!("{name} is taken")));
                }
                let repo = &mut self.repos[idx];
                let old = std::mem::replace(&mut repo.name, name);
                repo.former_names.push(old.clone());
                repo.updated_at = at;
                self.emit((idx, sender, urls), "repository", json!({ "action": "renamed", "changes": { "repository": { "name": { "from": old } } } }), &mut out);
            }
        }
        Ok(out)
    }

    fn event(&self, idx: usize, name: &'static str, payload: Value) -> Event {
        Event {
            repository_id: self.repos[idx].id,
            name,
            payload,
        }
    }

    /// Adds `repository`, `organization` and `sender` as every repository event has them.
    fn envelope(&self, idx: usize, sender: u64, urls: &Urls, mut payload: Value) -> Value {
        let repo = &self.repos[idx];
        payload["repository"] = json::webhook_repository(repo, self, urls, false);
        payload["organization"] = json::organization_simple(&self.org, urls);
        payload["sender"] = json::user_by_id(self, sender, urls);
        payload
    }

    fn issue_json(&self, repo: &Repository, number: u64, urls: &Urls) -> Value {
        if let Some(i) = repo.issue(number) {
            json::issue(i, repo, self, urls)
        } else if let Some(p) = repo.pull(number) {
            json::pull_as_issue(p, repo, self, urls)
        } else {
            Value::Null
        }
    }

    fn pull_event(
        &self,
        idx: usize,
        number: u64,
        action: &str,
        sender: u64,
        urls: &Urls,
        out: &mut Outcome,
    ) {
        let repo = &self.repos[idx];
        let Some(p) = repo.pull(number) else {
            return;
        };
        self.emit(
            (idx, sender, urls),
            "pull_request",
            json!({
                "action": action,
                "number": number,
                "pull_request": json::PullRenderer::new(repo, self, urls).full(p),
            }),
            out,
        );
    }

    /// Changes issue or pull request `change.number` (whichever it is) with `f`, moves its
    /// `updated_at` to `change.at` and raises the event `change.action`.
    fn change_item(
        &mut self,
        idx: usize,
        change: Change,
        sender: u64,
        urls: &Urls,
        out: &mut Outcome,
        f: impl FnOnce(Item<'_>) -> Result<(), ActivityError>,
    ) -> Result<(), ActivityError> {
        let Change { number, at, action } = change;
        let repo = &mut self.repos[idx];
        if let Some(i) = repo.issue_mut(number) {
            f(Item::Issue(&mut *i))?;
            i.updated_at = at;
            self.issue_event(idx, number, action, sender, urls, out);
        } else if let Some(p) = repo.pull_mut(number) {
            f(Item::Pull(&mut *p))?;
            p.updated_at = at;
            self.pull_event(idx, number, action, sender, urls, out);
        } else {
            return Err(ActivityError::NoItem(number));
        }
        Ok(())
    }

    /// Raises `pull_request_review` with `action` for `review` of pull request `number`.
    #[allow(clippy::too_many_arguments)]
    fn review_event(
        &self,
        idx: usize,
        number: u64,
        review: &Review,
        action: &str,
        sender: u64,
        urls: &Urls,
        out: &mut Outcome,
    ) -> Result<(), ActivityError> {
        let repo = &self.repos[idx];
        let p = repo.pull(number).ok_or(ActivityError::NoItem(number))?;
        self.emit(
            (idx, sender, urls),
            "pull_request_review",
            json!({
                "action": action,
                "review": json::webhook_review(review, p, repo, self, urls),
                "pull_request": json::PullRenderer::new(repo, self, urls).full(p),
            }),
            out,
        );
        Ok(())
    }

    /// Raises the event `name` with `payload`, wrapped in GitHub's envelope, for the
    /// repository `to.0`, sent by `to.1`.
    fn emit(&self, to: (usize, u64, &Urls), name: &'static str, payload: Value, out: &mut Outcome) {
        let (idx, sender, urls) = to;
        let payload = self.envelope(idx, sender, urls, payload);
        out.events.push(self.event(idx, name, payload));
    }

    fn issue_event(
        &self,
        idx: usize,
        number: u64,
        action: &str,
        sender: u64,
        urls: &Urls,
        out: &mut Outcome,
    ) {
        let repo = &self.repos[idx];
        self.emit(
            (idx, sender, urls),
            "issues",
            json!({ "action": action, "issue": self.issue_json(repo, number, urls) }),
            out,
        );
    }

    #[allow(clippy::too_many_arguments)]
    fn push_event(
        &self,
        idx: usize,
        before: Option<Sha>,
        commits: &[Commit],
        forced: bool,
        sender: u64,
        urls: &Urls,
        out: &mut Outcome,
    ) {
        let repo = &self.repos[idx];
        let zero = "0".repeat(40);
        let before = before.map_or(zero.clone(), |s| s.hex());
        let after = commits.last().map_or(zero, |c| c.sha.hex());
        let git_user = |id: u64| {
            let u = self.account(id);
            let login = u
                .as_ref()
                .map_or("unknown".to_string(), |a| a.login.to_string());
            json!({ "name": login, "email": format!("{login}@example.com"), "username": login })
        };
        let commit_json = |c: &Commit| {
            json!({
                "id": c.sha.hex(),
                "tree_id": c.sha.hex(),
                "distinct": true,
                "message": json::commit_message(c, repo),
                "timestamp": json::ts(c.committed_at),
                "url": format!("{}/{}/commit/{}", urls.web, repo.full_name(), c.sha.hex()),
                "author": git_user(c.author_id),
                "committer": git_user(c.author_id),
                "added": [],
                "removed": [],
                "modified": ["CHANGELOG.md"],
            })
        };
        let mut payload = json!({
            "ref": format!("refs/heads/{}", repo.default_branch),
            "before": before,
            "after": after,
            "created": false,
            "deleted": false,
            "forced": forced,
            "base_ref": null,
            "compare": format!("{}/{}/compare/{}...{}", urls.web, repo.full_name(), &before[..12], &after[..12]),
            "commits": commits.iter().map(commit_json).collect::<Vec<_>>(),
            "head_commit": commits.last().map(commit_json),
            "pusher": git_user(sender),
        });
        payload["repository"] = json::webhook_repository(repo, self, urls, true);
        payload["organization"] = json::organization_simple(&self.org, urls);
        payload["sender"] = json::user_by_id(self, sender, urls);
        out.events.push(self.event(idx, "push", payload));
    }

    #[allow(clippy::too_many_arguments)]
    fn add_run(
        &mut self,
        idx: usize,
        run_id: u64,
        sha: Sha,
        pull: Option<u64>,
        event: &'static str,
        actor: u64,
        conclusion: Conclusion,
        urls: &Urls,
        out: &mut Outcome,
    ) {
        let at = self.now;
        let repo = &mut self.repos[idx];
        let workflow_id = repo.workflows[0].id;
        let run_number = repo.runs.last().map_or(1, |r| r.run_number + 1);
        let run = WorkflowRun {
            id: run_id,
            workflow_id,
            run_number,
            event,
            head_sha: sha,
            pull_number: pull,
            actor_id: actor,
            status: RunStatus::Completed,
            conclusion: Some(conclusion),
            run_attempt: 1,
            created_at: at - Duration::seconds(300),
            run_started_at: at - Duration::seconds(290),
            updated_at: at,
        };
        repo.runs.push(run.clone());
        out.id = out.id.or(Some(run_id));
        let repo = &self.repos[idx];
        let workflow = repo.workflows[0].clone();
        self.emit(
            (idx, actor, urls),
            "workflow_run",
            json!({
                "action": "completed",
                "workflow_run": json::workflow_run(&run, repo, self, urls),
                "workflow": json::workflow(&workflow, repo, urls),
            }),
            out,
        );
    }
}
