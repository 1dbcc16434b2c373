//! Renders the world's objects in GitHub's REST shapes (`simple-user`, `private-user`,
//! `repository`, `full-repository`, `pull-request-simple`).

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Value};

use crate::data::{
    Comment, Commit, CommitKind, Conclusion, Deployment, DeploymentStatus, Fork, Hook, Issue,
    IssueState, Job, Organization, Permission, PullRequest, PullState, Release, Repository, Review,
    ReviewComment, ReviewState, Sha, Star, Team, User, Workflow, WorkflowRun, World, LABELS,
};

/// Where the simulator is reachable: GitHub serves its API and its web pages from
/// different origins; the simulator serves both from one.
#[derive(Debug, Clone)]
pub struct Urls {
    pub api: String,
    pub web: String,
}

pub fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn opt_ts(t: Option<DateTime<Utc>>) -> Value {
    t.map(|t| Value::String(ts(t))).unwrap_or(Value::Null)
}

fn node_id(kind: &str, id: u64) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD_NO_PAD.encode(format!("0:{kind}{id}"))
}

/// The account object GitHub nests everywhere (`simple-user`): users, bots and, as
/// repository owners, organisations share one shape.
fn account(login: &str, id: u64, kind: &str, repos_url: String, urls: &Urls) -> Value {
    let api = format!("{}/users/{login}", urls.api);
    json!({
        "login": login,
        "id": id,
        "node_id": node_id(kind, id),
        "avatar_url": format!("{}/avatars/u/{id}?v=4", urls.web),
        "gravatar_id": "",
        "url": api,
        "html_url": format!("{}/{login}", urls.web),
        "followers_url": format!("{api}/followers"),
        "following_url": format!("{api}/following{{/other_user}}"),
        "gists_url": format!("{api}/gists{{/gist_id}}"),
        "starred_url": format!("{api}/starred{{/owner}}{{/repo}}"),
        "subscriptions_url": format!("{api}/subscriptions"),
        "organizations_url": format!("{api}/orgs"),
        "repos_url": repos_url,
        "events_url": format!("{api}/events{{/privacy}}"),
        "received_events_url": format!("{api}/received_events"),
        "type": kind,
        "user_view_type": "public",
        "site_admin": false
    })
}

/// `simple-user` for any account the world mentions (users, bots, stargazers), or null.
pub fn user_by_id(world: &World, id: u64, urls: &Urls) -> Value {
    match world.account(id) {
        Some(a) => {
            let kind = if a.is_bot { "Bot" } else { "User" };
            let repos_url = format!("{}/users/{}/repos", urls.api, a.login);
            account(&a.login, a.id, kind, repos_url, urls)
        }
        None => Value::Null,
    }
}

pub fn simple_user(u: &User, urls: &Urls) -> Value {
    let kind = if u.is_bot { "Bot" } else { "User" };
    let repos_url = format!("{}/users/{}/repos", urls.api, u.login);
    account(&u.login, u.id, kind, repos_url, urls)
}

pub(crate) fn org_as_owner(o: &Organization, urls: &Urls) -> Value {
    let repos_url = format!("{}/orgs/{}/repos", urls.api, o.login);
    account(&o.login, o.id, "Organization", repos_url, urls)
}

/// `GET /user`: the signed-in user's own (private) profile.
pub fn private_user(u: &User, world: &World, urls: &Urls) -> Value {
    let mut v = simple_user(u, urls);
    let owned_private = 0;
    let extra = json!({
        "name": u.name,
        "company": "@acme",
        "blog": "",
        "location": null,
        "email": if u.email.is_empty() { Value::Null } else { Value::String(u.email.clone()) },
        "hireable": null,
        "bio": null,
        "twitter_username": null,
        "public_repos": 0,
        "public_gists": 0,
        "followers": 0,
        "following": 0,
        "created_at": ts(u.created_at),
        "updated_at": ts(world.now),
        "private_gists": 0,
        "total_private_repos": owned_private,
        "owned_private_repos": owned_private,
        "disk_usage": 0,
        "collaborators": 0,
        "two_factor_authentication": true,
        "user_view_type": "private"
    });
    merge(&mut v, extra);
    v
}

fn merge(target: &mut Value, extra: Value) {
    if let (Value::Object(t), Value::Object(e)) = (target, extra) {
        for (k, v) in e {
            t.insert(k, v);
        }
    }
}

/// The fields every repository object has (`minimal-repository`'s required core), for a
/// repository or a fork of one.
struct RepoCore<'a> {
    id: u64,
    full_name: &'a str,
    name: &'a str,
    owner: Value,
    private: bool,
    description: &'a str,
    fork: bool,
}

fn repository_core(core: RepoCore<'_>, urls: &Urls) -> Value {
    let RepoCore {
        id,
        full_name,
        name,
        owner,
        private,
        description,
        fork,
    } = core;
    let api = format!("{}/repos/{full_name}", urls.api);
    let html = format!("{}/{full_name}", urls.web);
    let host = urls
        .web
        .trim_start_matches("https://")
        .trim_start_matches("http://");
    json!({
        "id": id,
        "node_id": node_id("Repository", id),
        "name": name,
        "full_name": full_name,
        "owner": owner,
        "private": private,
        "html_url": html,
        "description": description,
        "fork": fork,
        "url": api,
        "archive_url": format!("{api}/{{archive_format}}{{/ref}}"),
        "assignees_url": format!("{api}/assignees{{/user}}"),
        "blobs_url": format!("{api}/git/blobs{{/sha}}"),
        "branches_url": format!("{api}/branches{{/branch}}"),
        "collaborators_url": format!("{api}/collaborators{{/collaborator}}"),
        "comments_url": format!("{api}/comments{{/number}}"),
        "commits_url": format!("{api}/commits{{/sha}}"),
        "compare_url": format!("{api}/compare/{{base}}...{{head}}"),
        "contents_url": format!("{api}/contents/{{+path}}"),
        "contributors_url": format!("{api}/contributors"),
        "deployments_url": format!("{api}/deployments"),
        "downloads_url": format!("{api}/downloads"),
        "events_url": format!("{api}/events"),
        "forks_url": format!("{api}/forks"),
        "git_commits_url": format!("{api}/git/commits{{/sha}}"),
        "git_refs_url": format!("{api}/git/refs{{/sha}}"),
        "git_tags_url": format!("{api}/git/tags{{/sha}}"),
        "git_url": format!("git://{host}/{full_name}.git"),
        "issue_comment_url": format!("{api}/issues/comments{{/number}}"),
        "issue_events_url": format!("{api}/issues/events{{/number}}"),
        "issues_url": format!("{api}/issues{{/number}}"),
        "keys_url": format!("{api}/keys{{/key_id}}"),
        "labels_url": format!("{api}/labels{{/name}}"),
        "languages_url": format!("{api}/languages"),
        "merges_url": format!("{api}/merges"),
        "milestones_url": format!("{api}/milestones{{/number}}"),
        "notifications_url": format!("{api}/notifications{{?since,all,participating}}"),
        "pulls_url": format!("{api}/pulls{{/number}}"),
        "releases_url": format!("{api}/releases{{/id}}"),
        "ssh_url": format!("git@{host}:{full_name}.git"),
        "stargazers_url": format!("{api}/stargazers"),
        "statuses_url": format!("{api}/statuses/{{sha}}"),
        "subscribers_url": format!("{api}/subscribers"),
        "subscription_url": format!("{api}/subscription"),
        "tags_url": format!("{api}/tags"),
        "teams_url": format!("{api}/teams"),
        "trees_url": format!("{api}/git/trees{{/sha}}"),
        "clone_url": format!("{html}.git"),
        "mirror_url": null,
        "hooks_url": format!("{api}/hooks"),
        "svn_url": html,
    })
}

/// `repository` as in `/user/repos`; `viewer` decides the `permissions` block.
pub fn repository(r: &Repository, world: &World, viewer: Option<u64>, urls: &Urls) -> Value {
    let open_issues = r
        .pulls
        .iter()
        .filter(|p| p.state == PullState::Open)
        .count()
        + r.issues
            .iter()
            .filter(|i| i.state == IssueState::Open)
            .count();
    let mut v = repository_core(
        RepoCore {
            id: r.id,
            full_name: &r.full_name(),
            name: &r.name,
            owner: org_as_owner(&world.org, urls),
            private: r.private,
            description: &r.description,
            fork: false,
        },
        urls,
    );
    merge(
        &mut v,
        json!({
            "homepage": null,
            "language": r.language,
            "forks_count": r.forks.len(),
            "forks": r.forks.len(),
            "stargazers_count": r.stars.len(),
            "watchers_count": r.stars.len(),
            "watchers": r.stars.len(),
            "size": 1024 + r.commits.len() / 4,
            "default_branch": r.default_branch,
            "open_issues_count": open_issues,
            "open_issues": open_issues,
            "is_template": false,
            "topics": r.topics,
            "has_issues": true,
            "has_projects": true,
            "has_wiki": false,
            "has_pages": false,
            "has_downloads": true,
            "has_discussions": false,
            "archived": r.archived,
            "disabled": false,
            "visibility": if r.private { "private" } else { "public" },
            "pushed_at": ts(r.pushed_at),
            "created_at": ts(r.created_at),
            "updated_at": ts(r.updated_at),
            "license": null,
            "allow_forking": true,
            "web_commit_signoff_required": false
        }),
    );
    if let Some(viewer) = viewer {
        let p = r.permission_of(viewer);
        merge(
            &mut v,
            json!({ "permissions": {
                "admin": p == Some(Permission::Admin),
                "maintain": p == Some(Permission::Admin),
                "push": p >= Some(Permission::Push),
                "triage": p >= Some(Permission::Push),
                "pull": true
            }}),
        );
    }
    v
}

/// `full-repository` as in `GET /repos/{owner}/{repo}`.
pub fn full_repository(r: &Repository, world: &World, viewer: Option<u64>, urls: &Urls) -> Value {
    let mut v = repository(r, world, viewer, urls);
    merge(
        &mut v,
        json!({
            "network_count": r.forks.len(),
            "subscribers_count": r.collaborators.len(),
            "organization": org_as_owner(&world.org, urls),
        }),
    );
    // The merge settings: GitHub sends them only to someone who administers the
    // repository.
    if viewer.and_then(|u| r.permission_of(u)) == Some(crate::data::Permission::Admin) {
        merge(
            &mut v,
            json!({
                "allow_squash_merge": true,
                "allow_merge_commit": true,
                "allow_rebase_merge": true,
                "allow_auto_merge": false,
                "delete_branch_on_merge": true,
                "allow_update_branch": false,
                "use_squash_pr_title_as_default": false,
                "squash_merge_commit_title": "COMMIT_OR_PR_TITLE",
                "squash_merge_commit_message": "COMMIT_MESSAGES",
                "merge_commit_title": "MERGE_MESSAGE",
                "merge_commit_message": "PR_TITLE",
            }),
        );
    }
    v
}

/// Renders one repository's pull requests. The nested repository and owner objects are the
/// same for every pull request, so they are built once, not twice per pull request.
pub struct PullRenderer<'a> {
    repo: &'a Repository,
    world: &'a World,
    urls: &'a Urls,
    repo_json: Value,
    owner_json: Value,
}

impl<'a> PullRenderer<'a> {
    pub fn new(repo: &'a Repository, world: &'a World, urls: &'a Urls) -> Self {
        PullRenderer {
            repo,
            world,
            urls,
            repo_json: repository(repo, world, None, urls),
            owner_json: org_as_owner(&world.org, urls),
        }
    }

    fn branch_ref(&self, name: &str, sha: &str) -> Value {
        json!({
            "label": format!("{}:{}", self.repo.owner, name),
            "ref": name,
            "sha": sha,
            "user": self.owner_json.clone(),
            "repo": self.repo_json.clone(),
        })
    }

    /// The default branch's head when the pull request was last updated: its base.
    fn base_sha(&self, p: &PullRequest) -> String {
        let commits = &self.repo.commits;
        let i = commits.partition_point(|c| c.committed_at <= p.created_at);
        commits
            .get(i.saturating_sub(1))
            .map_or_else(|| p.head_sha.hex(), |c| c.sha.hex())
    }

    /// `pull-request` as in `GET /repos/{owner}/{repo}/pulls/{number}`: the list shape
    /// plus sizes, merge state and counts.
    pub fn full(&self, p: &PullRequest) -> Value {
        let mut v = self.simple(p);
        let open = p.state == PullState::Open;
        merge(
            &mut v,
            json!({
                "merged": p.merged_at.is_some(),
                "mergeable": if open { Value::Bool(true) } else { Value::Null },
                "rebaseable": if open { Value::Bool(true) } else { Value::Null },
                "mergeable_state": if open { if p.draft { "draft" } else { "clean" } } else { "unknown" },
                "merged_by": p.merged_by.map_or(Value::Null, |id| user_by_id(self.world, id, self.urls)),
                "comments": p.comments.len(),
                "review_comments": p.review_comments.len(),
                "maintainer_can_modify": false,
                "commits": p.commits,
                "additions": p.additions,
                "deletions": p.deletions,
                "changed_files": p.changed_files,
            }),
        );
        v
    }

    /// `pull-request-simple` as in `GET /repos/{owner}/{repo}/pulls`.
    pub fn simple(&self, p: &PullRequest) -> Value {
        let (r, world, urls) = (self.repo, self.world, self.urls);
        let api = format!("{}/repos/{}", urls.api, r.full_name());
        let html = format!("{}/{}/pull/{}", urls.web, r.full_name(), p.number);
        let author = user_by_id(world, p.author_id, urls);
        // Someone outside the organisation who opened a pull request has contributed.
        let association = association(r, p.author_id, "CONTRIBUTOR");
        json!({
            "url": format!("{api}/pulls/{}", p.number),
            "id": p.id,
            "node_id": node_id("PullRequest", p.id),
            "html_url": html,
            "diff_url": format!("{html}.diff"),
            "patch_url": format!("{html}.patch"),
            "issue_url": format!("{api}/issues/{}", p.number),
            "number": p.number,
            "state": match p.state { PullState::Open => "open", PullState::Closed => "closed" },
            "locked": false,
            "title": p.title,
            "user": author,
            "body": p.body,
            "created_at": ts(p.created_at),
            "updated_at": ts(p.updated_at),
            "closed_at": opt_ts(p.closed_at),
            "merged_at": opt_ts(p.merged_at),
            "merge_commit_sha": p.merge_commit_sha.map(|s| s.hex()),
            "assignee": null,
            "assignees": [],
            "requested_reviewers": [],
            "requested_teams": [],
            "labels": p.labels.iter().map(|l| label(&api, l, r.id)).collect::<Vec<_>>(),
            "milestone": null,
            "draft": p.draft,
            "commits_url": format!("{api}/pulls/{}/commits", p.number),
            "review_comments_url": format!("{api}/pulls/{}/comments", p.number),
            "review_comment_url": format!("{api}/pulls/comments{{/number}}"),
            "comments_url": format!("{api}/issues/{}/comments", p.number),
            "statuses_url": format!("{api}/statuses/{}", p.head_sha),
            "head": self.branch_ref(&p.head_ref, &p.head_sha.hex()),
            "base": self.branch_ref(&p.base_ref, &self.base_sha(p)),
            "_links": {
                "self": { "href": format!("{api}/pulls/{}", p.number) },
                "html": { "href": html },
                "issue": { "href": format!("{api}/issues/{}", p.number) },
                "comments": { "href": format!("{api}/issues/{}/comments", p.number) },
                "review_comments": { "href": format!("{api}/pulls/{}/comments", p.number) },
                "review_comment": { "href": format!("{api}/pulls/comments{{/number}}") },
                "commits": { "href": format!("{api}/pulls/{}/commits", p.number) },
                "statuses": { "href": format!("{api}/statuses/{}", p.head_sha) }
            },
            "author_association": association,
            "auto_merge": null,
            "active_lock_reason": null
        })
    }
}

fn label(repo_api: &str, name: &str, repo_id: u64) -> Value {
    let (index, color, description) = LABELS
        .iter()
        .enumerate()
        .find(|(_, (n, _, _))| *n == name)
        .map(|(i, (_, c, d))| (i as u64, *c, *d))
        .unwrap_or((99, "ededed", ""));
    let id = repo_id * 100 + index;
    json!({
        "id": id,
        "node_id": node_id("Label", id),
        "url": format!("{repo_api}/labels/{}", name.replace(' ', "%20")),
        "name": name,
        "color": color,
        "default": index < 3,
        "description": description,
    })
}

/// GitHub's `author_association`: the author's role, or `outsider` without one.
fn association(r: &Repository, user_id: u64, outsider: &'static str) -> &'static str {
    match r.permission_of(user_id) {
        Some(Permission::Admin) => "OWNER",
        Some(_) => "MEMBER",
        None => outsider,
    }
}

/// Fields every `issue` object has, for an issue or a pull request seen as an issue.
#[allow(clippy::too_many_arguments)]
fn issue_common(
    r: &Repository,
    world: &World,
    urls: &Urls,
    id: u64,
    number: u64,
    title: &str,
    author_id: u64,
    labels: &[&str],
) -> Value {
    let api = format!("{}/repos/{}", urls.api, r.full_name());
    let issue_api = format!("{api}/issues/{number}");
    json!({
        "id": id,
        "node_id": node_id("Issue", id),
        "url": issue_api,
        "repository_url": api,
        "labels_url": format!("{issue_api}/labels{{/name}}"),
        "comments_url": format!("{issue_api}/comments"),
        "events_url": format!("{issue_api}/events"),
        "timeline_url": format!("{issue_api}/timeline"),
        "number": number,
        "title": title,
        "user": user_by_id(world, author_id, urls),
        "labels": labels.iter().map(|l| label(&api, l, r.id)).collect::<Vec<_>>(),
        "locked": false,
        "milestone": null,
        "active_lock_reason": null,
        "body": null,
        "author_association": association(r, author_id, "NONE"),
        "performed_via_github_app": null,
        "reactions": reactions(format!("{issue_api}/reactions")),
    })
}

/// `issue` as in `GET /repos/{owner}/{repo}/issues`, for an issue.
pub fn issue(i: &Issue, r: &Repository, world: &World, urls: &Urls) -> Value {
    let mut v = issue_common(
        r,
        world,
        urls,
        i.id,
        i.number,
        &i.title,
        i.author_id,
        &i.labels,
    );
    let assignees: Vec<Value> = i
        .assignee_ids
        .iter()
        .filter_map(|id| world.user(*id))
        .map(|u| simple_user(u, urls))
        .collect();
    merge(
        &mut v,
        json!({
            "html_url": format!("{}/{}/issues/{}", urls.web, r.full_name(), i.number),
            "state": if i.state == IssueState::Open { "open" } else { "closed" },
            "state_reason": i.state_reason,
            "assignee": assignees.first().cloned().unwrap_or(Value::Null),
            "assignees": assignees,
            "comments": i.comments.len(),
            "created_at": ts(i.created_at),
            "updated_at": ts(i.updated_at),
            "closed_at": opt_ts(i.closed_at),
        }),
    );
    v
}

/// `issue` as in `GET /repos/{owner}/{repo}/issues`, for a pull request: GitHub lists
/// pull requests among issues, marked by a `pull_request` object.
pub fn pull_as_issue(p: &PullRequest, r: &Repository, world: &World, urls: &Urls) -> Value {
    let mut v = issue_common(
        r,
        world,
        urls,
        p.issue_id,
        p.number,
        &p.title,
        p.author_id,
        &[],
    );
    let html = format!("{}/{}/pull/{}", urls.web, r.full_name(), p.number);
    merge(
        &mut v,
        json!({
            "html_url": html,
            "state": if p.state == PullState::Open { "open" } else { "closed" },
            "state_reason": null,
            "assignee": null,
            "assignees": [],
            "comments": p.comments.len(),
            "created_at": ts(p.created_at),
            "updated_at": ts(p.updated_at),
            "closed_at": opt_ts(p.closed_at),
            "draft": p.draft,
            "pull_request": {
                "url": format!("{}/repos/{}/pulls/{}", urls.api, r.full_name(), p.number),
                "html_url": html,
                "diff_url": format!("{html}.diff"),
                "patch_url": format!("{html}.patch"),
                "merged_at": opt_ts(p.merged_at),
            },
        }),
    );
    v
}

fn repo_api(r: &Repository, urls: &Urls) -> String {
    format!("{}/repos/{}", urls.api, r.full_name())
}

fn repo_html(r: &Repository, urls: &Urls) -> String {
    format!("{}/{}", urls.web, r.full_name())
}

/// GitHub's reaction summary; the simulator's items have none.
fn reactions(url: String) -> Value {
    json!({
        "url": url, "total_count": 0, "+1": 0, "-1": 0, "laugh": 0, "confused": 0,
        "heart": 0, "hooray": 0, "eyes": 0, "rocket": 0
    })
}

/// Bodies are not stored; every comment says something plausible, stable per id.
fn comment_body(id: u64) -> &'static str {
    const BODIES: &[&str] = &[
        "Looks good to me.",
        "Could we add a test for this case?",
        "I can reproduce this on main.",
        "Nit: naming.",
        "This should be fixed by the latest deploy.",
        "Thanks! Merging once CI is green.",
    ];
    BODIES[(id % BODIES.len() as u64) as usize]
}

/// `issue-comment`, on an issue or a pull request's conversation.
pub fn issue_comment(
    c: &Comment,
    number: u64,
    r: &Repository,
    world: &World,
    urls: &Urls,
) -> Value {
    let api = repo_api(r, urls);
    json!({
        "id": c.id,
        "node_id": node_id("IssueComment", c.id),
        "url": format!("{api}/issues/comments/{}", c.id),
        "html_url": format!("{}/issues/{number}#issuecomment-{}", repo_html(r, urls), c.id),
        "body": comment_body(c.id),
        "user": user_by_id(world, c.author_id, urls),
        "created_at": ts(c.created_at),
        "updated_at": ts(c.updated_at),
        "issue_url": format!("{api}/issues/{number}"),
        "author_association": association(r, c.author_id, "NONE"),
        "performed_via_github_app": null,
        "reactions": reactions(format!("{api}/issues/comments/{}/reactions", c.id)),
    })
}

/// `pull-request-review`.
/// A review as webhook payloads carry it: as the REST API shows it, but with its state in
/// lower case (`approved`, `dismissed`), as GitHub sends it there.
pub fn webhook_review(
    v: &Review,
    p: &PullRequest,
    r: &Repository,
    world: &World,
    urls: &Urls,
) -> Value {
    let mut review = review(v, p, r, world, urls);
    review["state"] = json!(v.state.as_str().to_ascii_lowercase());
    review
}

pub fn review(v: &Review, p: &PullRequest, r: &Repository, world: &World, urls: &Urls) -> Value {
    let api = repo_api(r, urls);
    let html = format!(
        "{}/pull/{}#pullrequestreview-{}",
        repo_html(r, urls),
        p.number,
        v.id
    );
    json!({
        "id": v.id,
        "node_id": node_id("PullRequestReview", v.id),
        "user": user_by_id(world, v.reviewer_id, urls),
        "body": if v.state == ReviewState::Approved { "" } else { comment_body(v.id) },
        "state": v.state.as_str(),
        "html_url": html,
        "pull_request_url": format!("{api}/pulls/{}", p.number),
        "_links": {
            "html": { "href": html },
            "pull_request": { "href": format!("{api}/pulls/{}", p.number) }
        },
        "submitted_at": ts(v.submitted_at),
        "commit_id": v.commit_sha.hex(),
        "author_association": association(r, v.reviewer_id, "CONTRIBUTOR"),
    })
}

/// `pull-request-review-comment`.
pub fn review_comment(
    c: &ReviewComment,
    p: &PullRequest,
    r: &Repository,
    world: &World,
    urls: &Urls,
) -> Value {
    let api = repo_api(r, urls);
    let url = format!("{api}/pulls/comments/{}", c.id);
    let html = format!(
        "{}/pull/{}#discussion_r{}",
        repo_html(r, urls),
        p.number,
        c.id
    );
    let line = 10 + c.id % 200;
    json!({
        "url": url,
        "pull_request_review_id": c.review_id,
        "id": c.id,
        "node_id": node_id("PullRequestReviewComment", c.id),
        "diff_hunk": format!("@@ -{line},6 +{line},8 @@"),
        "path": format!("src/{}.rs", crate::generate::NOUNS[(c.id % 12) as usize].replace(' ', "_")),
        "position": 4,
        "original_position": 4,
        "commit_id": p.head_sha.hex(),
        "original_commit_id": p.head_sha.hex(),
        "user": user_by_id(world, c.author_id, urls),
        "body": comment_body(c.id),
        "created_at": ts(c.created_at),
        "updated_at": ts(c.updated_at),
        "html_url": html,
        "pull_request_url": format!("{api}/pulls/{}", p.number),
        "author_association": association(r, c.author_id, "CONTRIBUTOR"),
        "_links": {
            "self": { "href": url },
            "html": { "href": html },
            "pull_request": { "href": format!("{api}/pulls/{}", p.number) }
        },
        "line": line,
        "original_line": line,
        "side": "RIGHT",
        "subject_type": "line",
    })
}

/// A commit's message: merge commits say what they merged, work commits echo their
/// pull request, direct pushes are small chores.
pub fn commit_message(c: &Commit, r: &Repository) -> String {
    match c.kind {
        CommitKind::Merge { pull } => {
            let p = r.pull(pull);
            format!(
                "Merge pull request #{pull} from {}/{}\n\n{}",
                r.owner,
                p.map_or("", |p| p.head_ref.as_str()),
                p.map_or("", |p| p.title.as_str())
            )
        }
        CommitKind::Work { pull } => {
            let title = r.pull(pull).map_or("", |p| p.title.as_str());
            format!("{title} (part {})", 1 + c.sha.0[0] % 4)
        }
        CommitKind::Direct => "Update changelog".to_string(),
    }
}

fn git_user(world: &World, id: u64, at: chrono::DateTime<Utc>) -> Value {
    let (name, email) = world
        .user(id)
        .map(|u| {
            (
                u.name.clone(),
                if u.email.is_empty() {
                    format!("{}@users.noreply.example.com", u.login)
                } else {
                    u.email.clone()
                },
            )
        })
        .unwrap_or_else(|| ("unknown".into(), "unknown@example.com".into()));
    json!({ "name": name, "email": email, "date": ts(at) })
}

/// `commit`; `detail` adds `stats` and `files` as `GET /commits/{ref}` does.
pub fn commit(c: &Commit, r: &Repository, world: &World, urls: &Urls, detail: bool) -> Value {
    let api = repo_api(r, urls);
    let sha = c.sha.hex();
    let mut v = json!({
        "url": format!("{api}/commits/{sha}"),
        "sha": sha,
        "node_id": node_id("Commit", u64::from_le_bytes(c.sha.0[..8].try_into().unwrap_or_default())),
        "html_url": format!("{}/commit/{sha}", repo_html(r, urls)),
        "comments_url": format!("{api}/commits/{sha}/comments"),
        "commit": {
            "url": format!("{api}/git/commits/{sha}"),
            "author": git_user(world, c.author_id, c.authored_at),
            "committer": git_user(world, c.author_id, c.committed_at),
            "message": commit_message(c, r),
            "comment_count": 0,
            "tree": {
                "sha": Sha::derive(99, u64::from_le_bytes(c.sha.0[..8].try_into().unwrap_or_default())).hex(),
                "url": format!("{api}/git/trees/{sha}"),
            },
            "verification": {
                "verified": false,
                "reason": "unsigned",
                "payload": null,
                "signature": null,
                "verified_at": null,
            },
        },
        "author": user_by_id(world, c.author_id, urls),
        "committer": user_by_id(world, c.author_id, urls),
        "parents": c.parent.iter().map(|p| json!({
            "sha": p.hex(),
            "url": format!("{api}/commits/{}", p.hex()),
            "html_url": format!("{}/commit/{}", repo_html(r, urls), p.hex()),
        })).collect::<Vec<_>>(),
    });
    if detail {
        let files: Vec<Value> = (0..c.files.max(1))
            .map(|k| {
                let a = if k == 0 {
                    c.additions - c.additions / c.files.max(1) * (c.files.max(1) - 1)
                } else {
                    c.additions / c.files.max(1)
                };
                let d = if k == 0 {
                    c.deletions - c.deletions / c.files.max(1) * (c.files.max(1) - 1)
                } else {
                    c.deletions / c.files.max(1)
                };
                let name = format!("src/file_{k}.rs");
                json!({
                    "sha": Sha::derive(77, k as u64 ^ u64::from(c.sha.0[1])).hex(),
                    "filename": name,
                    "status": "modified",
                    "additions": a,
                    "deletions": d,
                    "changes": a + d,
                    "blob_url": format!("{}/blob/{sha}/{name}", repo_html(r, urls)),
                    "raw_url": format!("{}/raw/{sha}/{name}", repo_html(r, urls)),
                    "contents_url": format!("{api}/contents/{name}?ref={sha}"),
                })
            })
            .take(300)
            .collect();
        merge(
            &mut v,
            json!({
                "stats": { "additions": c.additions, "deletions": c.deletions, "total": c.additions + c.deletions },
                "files": files,
            }),
        );
    }
    v
}

/// `contributor`: an account and its commit count on the default branch.
pub fn contributor(world: &World, id: u64, contributions: u64, urls: &Urls) -> Value {
    let mut v = user_by_id(world, id, urls);
    merge(&mut v, json!({ "contributions": contributions }));
    v
}

/// `stargazer`, as `Accept: application/vnd.github.star+json` asks for.
pub fn stargazer(s: &Star, world: &World, urls: &Urls) -> Value {
    json!({ "starred_at": ts(s.starred_at), "user": user_by_id(world, s.user_id, urls) })
}

/// A fork, as `minimal-repository` owned by the account that forked.
pub fn fork(f: &Fork, r: &Repository, world: &World, urls: &Urls) -> Value {
    let owner = user_by_id(world, f.owner_id, urls);
    let login = owner["login"].as_str().unwrap_or("unknown").to_string();
    let full_name = format!("{login}/{}", r.name);
    let mut v = repository_core(
        RepoCore {
            id: f.id,
            full_name: &full_name,
            name: &r.name,
            owner,
            private: false,
            description: &r.description,
            fork: true,
        },
        urls,
    );
    merge(
        &mut v,
        json!({
            "created_at": ts(f.created_at),
            "updated_at": ts(f.created_at),
            "pushed_at": ts(f.created_at),
            "default_branch": r.default_branch,
            "stargazers_count": 0,
            "forks_count": 0,
            "visibility": "public",
        }),
    );
    v
}

/// `release`.
pub fn release(x: &Release, r: &Repository, world: &World, urls: &Urls) -> Value {
    let api = repo_api(r, urls);
    let html = repo_html(r, urls);
    json!({
        "url": format!("{api}/releases/{}", x.id),
        "html_url": format!("{html}/releases/tag/{}", x.tag),
        "assets_url": format!("{api}/releases/{}/assets", x.id),
        "upload_url": format!("{}/repos/{}/releases/{}/assets{{?name,label}}", urls.api, r.full_name(), x.id),
        "tarball_url": format!("{api}/tarball/{}", x.tag),
        "zipball_url": format!("{api}/zipball/{}", x.tag),
        "id": x.id,
        "node_id": node_id("Release", x.id),
        "tag_name": x.tag,
        "target_commitish": r.default_branch,
        "name": x.name,
        "body": format!("Release {}", x.tag),
        "draft": false,
        "prerelease": x.prerelease,
        "created_at": ts(x.created_at),
        "published_at": ts(x.published_at),
        "updated_at": ts(x.published_at),
        "immutable": false,
        "author": user_by_id(world, x.author_id, urls),
        "assets": [],
    })
}

/// `tag`.
pub fn tag(x: &Release, r: &Repository, urls: &Urls) -> Value {
    let api = repo_api(r, urls);
    json!({
        "name": x.tag,
        "commit": { "sha": x.sha.hex(), "url": format!("{api}/commits/{}", x.sha.hex()) },
        "zipball_url": format!("{api}/zipball/refs/tags/{}", x.tag),
        "tarball_url": format!("{api}/tarball/refs/tags/{}", x.tag),
        "node_id": node_id("Ref", x.id),
    })
}

/// `short-branch`.
pub fn branch(name: &str, sha: &Sha, r: &Repository, urls: &Urls) -> Value {
    let api = repo_api(r, urls);
    json!({
        "name": name,
        "commit": { "sha": sha.hex(), "url": format!("{api}/commits/{}", sha.hex()) },
        "protected": name == r.default_branch,
    })
}

/// `deployment`.
pub fn deployment(d: &Deployment, r: &Repository, world: &World, urls: &Urls) -> Value {
    let api = repo_api(r, urls);
    json!({
        "url": format!("{api}/deployments/{}", d.id),
        "id": d.id,
        "node_id": node_id("Deployment", d.id),
        "sha": d.sha.hex(),
        "ref": d.git_ref,
        "task": "deploy",
        "payload": {},
        "original_environment": d.environment,
        "environment": d.environment,
        "description": format!("Deploy {} to {}", &d.sha.hex()[..7], d.environment),
        "creator": user_by_id(world, d.creator_id, urls),
        "created_at": ts(d.created_at),
        "updated_at": ts(d.updated_at),
        "statuses_url": format!("{api}/deployments/{}/statuses", d.id),
        "repository_url": api,
        "transient_environment": false,
        "production_environment": d.environment == "production",
    })
}

/// `deployment-status`.
pub fn deployment_status(
    s: &DeploymentStatus,
    d: &Deployment,
    r: &Repository,
    world: &World,
    urls: &Urls,
) -> Value {
    let api = repo_api(r, urls);
    json!({
        "url": format!("{api}/deployments/{}/statuses/{}", d.id, s.id),
        "id": s.id,
        "node_id": node_id("DeploymentStatus", s.id),
        "state": s.state,
        "creator": user_by_id(world, s.creator_id, urls),
        "description": format!("Deployment {}", s.state),
        "environment": d.environment,
        "target_url": "",
        "log_url": "",
        "environment_url": "",
        "created_at": ts(s.created_at),
        "updated_at": ts(s.created_at),
        "deployment_url": format!("{api}/deployments/{}", d.id),
        "repository_url": api,
    })
}

/// `workflow`.
pub fn workflow(w: &Workflow, r: &Repository, urls: &Urls) -> Value {
    let api = repo_api(r, urls);
    let html = repo_html(r, urls);
    json!({
        "id": w.id,
        "node_id": node_id("Workflow", w.id),
        "name": w.name,
        "path": w.path,
        "state": "active",
        "created_at": ts(w.created_at),
        "updated_at": ts(w.updated_at),
        "url": format!("{api}/actions/workflows/{}", w.id),
        "html_url": format!("{html}/blob/{}/{}", r.default_branch, w.path),
        "badge_url": format!("{html}/workflows/{}/badge.svg", w.name),
    })
}

/// `workflow-run`.
pub fn workflow_run(run: &WorkflowRun, r: &Repository, world: &World, urls: &Urls) -> Value {
    workflow_run_in(run, r, world, urls, &minimal_repository(r, world, urls))
}

/// The repository core that workflow runs (twice each) and similar objects nest.
pub fn minimal_repository(r: &Repository, world: &World, urls: &Urls) -> Value {
    repository_core(
        RepoCore {
            id: r.id,
            full_name: &r.full_name(),
            name: &r.name,
            owner: org_as_owner(&world.org, urls),
            private: r.private,
            description: &r.description,
            fork: false,
        },
        urls,
    )
}

/// `workflow-run`, nesting `repo_min` (built once for a whole page).
pub fn workflow_run_in(
    run: &WorkflowRun,
    r: &Repository,
    world: &World,
    urls: &Urls,
    repo_min: &Value,
) -> Value {
    let api = repo_api(r, urls);
    let html = repo_html(r, urls);
    let w = r.workflow(run.workflow_id);
    let run_api = format!("{api}/actions/runs/{}", run.id);
    let commit = r.commit(&run.head_sha);
    let head_commit = match commit {
        Some(c) => json!({
            "id": c.sha.hex(),
            "tree_id": c.sha.hex(),
            "message": commit_message(c, r),
            "timestamp": ts(c.committed_at),
            "author": git_user(world, c.author_id, c.authored_at),
            "committer": git_user(world, c.author_id, c.committed_at),
        }),
        None => json!({
            "id": run.head_sha.hex(),
            "tree_id": run.head_sha.hex(),
            "message": "Work in progress",
            "timestamp": ts(run.created_at),
            "author": git_user(world, run.actor_id, run.created_at),
            "committer": git_user(world, run.actor_id, run.created_at),
        }),
    };
    let pull_requests: Vec<Value> = run
        .pull_number
        .and_then(|n| r.pull(n))
        .map(|p| {
            json!({
                "id": p.id,
                "number": p.number,
                "url": format!("{api}/pulls/{}", p.number),
                "head": { "ref": p.head_ref, "sha": p.head_sha.hex(), "repo": { "id": r.id, "url": api, "name": r.name } },
                "base": { "ref": p.base_ref, "sha": p.head_sha.hex(), "repo": { "id": r.id, "url": api, "name": r.name } },
            })
        })
        .into_iter()
        .collect();
    json!({
        "id": run.id,
        "name": w.map_or("CI", |w| w.name),
        "node_id": node_id("WorkflowRun", run.id),
        "check_suite_id": run.id + 1,
        "check_suite_node_id": node_id("CheckSuite", run.id + 1),
        "head_branch": r.run_branch(run),
        "head_sha": run.head_sha.hex(),
        "path": w.map_or("", |w| w.path),
        "display_title": commit.map_or_else(|| "Work in progress".to_string(), |c| commit_message(c, r).lines().next().unwrap_or("").to_string()),
        "run_number": run.run_number,
        "run_attempt": run.run_attempt,
        "event": run.event,
        "status": run.status.as_str(),
        "conclusion": run.conclusion.map(Conclusion::as_str),
        "workflow_id": run.workflow_id,
        "url": run_api,
        "html_url": format!("{html}/actions/runs/{}", run.id),
        "pull_requests": pull_requests,
        "created_at": ts(run.created_at),
        "updated_at": ts(run.updated_at),
        "run_started_at": ts(run.run_started_at),
        "actor": user_by_id(world, run.actor_id, urls),
        "triggering_actor": user_by_id(world, run.actor_id, urls),
        "jobs_url": format!("{run_api}/jobs"),
        "logs_url": format!("{run_api}/logs"),
        "check_suite_url": format!("{api}/check-suites/{}", run.id + 1),
        "artifacts_url": format!("{run_api}/artifacts"),
        "cancel_url": format!("{run_api}/cancel"),
        "rerun_url": format!("{run_api}/rerun"),
        "previous_attempt_url": if run.run_attempt > 1 { Value::String(format!("{run_api}/attempts/1")) } else { Value::Null },
        "workflow_url": format!("{api}/actions/workflows/{}", run.workflow_id),
        "head_commit": head_commit,
        "repository": repo_min.clone(),
        "head_repository": repo_min.clone(),
    })
}

/// `job`.
pub fn job(j: &Job, run: &WorkflowRun, r: &Repository, urls: &Urls) -> Value {
    let api = repo_api(r, urls);
    let w = r.workflow(run.workflow_id);
    json!({
        "id": j.id,
        "run_id": run.id,
        "run_url": format!("{api}/actions/runs/{}", run.id),
        "run_attempt": run.run_attempt,
        "node_id": node_id("CheckRun", j.id),
        "head_sha": run.head_sha.hex(),
        "url": format!("{api}/actions/jobs/{}", j.id),
        "html_url": format!("{}/actions/runs/{}/job/{}", repo_html(r, urls), run.id, j.id),
        "status": j.status.as_str(),
        "conclusion": j.conclusion.map(Conclusion::as_str),
        "created_at": ts(run.created_at),
        "started_at": ts(j.started_at),
        "completed_at": j.completed_at.map(ts),
        "name": j.name,
        "steps": [],
        "check_run_url": format!("{api}/check-runs/{}", j.id),
        "labels": ["ubuntu-latest"],
        "runner_id": 1 + j.id % 7,
        "runner_name": format!("GitHub Actions {}", 1 + j.id % 7),
        "runner_group_id": 1,
        "runner_group_name": "GitHub Actions",
        "workflow_name": w.map_or("CI", |w| w.name),
        "head_branch": r.run_branch(run),
    })
}

/// `check-run`: a job as the Checks API shows it.
pub fn check_run(j: &Job, run: &WorkflowRun, r: &Repository, urls: &Urls) -> Value {
    let api = repo_api(r, urls);
    json!({
        "id": j.id,
        "head_sha": run.head_sha.hex(),
        "node_id": node_id("CheckRun", j.id),
        "external_id": format!("{}", j.id),
        "url": format!("{api}/check-runs/{}", j.id),
        "html_url": format!("{}/actions/runs/{}/job/{}", repo_html(r, urls), run.id, j.id),
        "details_url": format!("{}/actions/runs/{}/job/{}", repo_html(r, urls), run.id, j.id),
        "status": j.status.as_str(),
        "conclusion": j.conclusion.map(Conclusion::as_str),
        "started_at": ts(j.started_at),
        "completed_at": j.completed_at.map(ts),
        "output": {
            "title": null,
            "summary": null,
            "text": null,
            "annotations_count": 0,
            "annotations_url": format!("{api}/check-runs/{}/annotations", j.id),
        },
        "name": j.name,
        "check_suite": { "id": run.id + 1 },
        "app": github_actions_app(urls),
        "pull_requests": [],
    })
}

fn github_actions_app(urls: &Urls) -> Value {
    json!({
        "id": 15368,
        "slug": "github-actions",
        "node_id": node_id("App", 15368),
        "owner": account("github", 9919, "Organization", format!("{}/orgs/github/repos", urls.api), urls),
        "name": "GitHub Actions",
        "description": "Automate your workflow from idea to production",
        "external_url": "https://help.github.com/en/actions",
        "html_url": format!("{}/apps/github-actions", urls.web),
        "created_at": "2018-07-30T09:30:17Z",
        "updated_at": "2024-04-10T20:33:16Z",
        "permissions": { "actions": "write", "checks": "write", "contents": "write" },
        "events": ["check_run", "check_suite", "push"],
    })
}

/// `hook`.
pub fn hook(h: &Hook, r: &Repository, urls: &Urls) -> Value {
    let api = repo_api(r, urls);
    let hook_api = format!("{api}/hooks/{}", h.id);
    json!({
        "type": "Repository",
        "id": h.id,
        "name": "web",
        "active": h.active,
        "events": h.events,
        "config": {
            "url": h.url,
            "content_type": h.content_type,
            "insecure_ssl": "0",
            // GitHub never shows a hook's secret, only that there is one.
            "secret": h.secret.as_ref().map(|_| "********"),
        },
        "updated_at": ts(h.updated_at),
        "created_at": ts(h.created_at),
        "url": hook_api,
        "test_url": format!("{hook_api}/test"),
        "ping_url": format!("{hook_api}/pings"),
        "deliveries_url": format!("{hook_api}/deliveries"),
        "last_response": { "code": null, "status": "unused", "message": null },
    })
}

/// `organization-simple`.
pub fn organization_simple(o: &Organization, urls: &Urls) -> Value {
    let api = format!("{}/orgs/{}", urls.api, o.login);
    json!({
        "login": o.login,
        "id": o.id,
        "node_id": node_id("Organization", o.id),
        "url": api,
        "repos_url": format!("{api}/repos"),
        "events_url": format!("{api}/events"),
        "hooks_url": format!("{api}/hooks"),
        "issues_url": format!("{api}/issues"),
        "members_url": format!("{api}/members{{/member}}"),
        "public_members_url": format!("{api}/public_members{{/member}}"),
        "avatar_url": format!("{}/avatars/u/{}?v=4", urls.web, o.id),
        "description": format!("{} builds things", o.name),
    })
}

/// `organization-full`.
/// `organization-full`; `owner` adds what GitHub shows only to the organisation's owners
/// (its settings, plan and private counts).
pub fn organization_full(o: &Organization, world: &World, urls: &Urls, owner: bool) -> Value {
    let mut v = organization_simple(o, urls);
    if owner {
        let private = world.repos.iter().filter(|r| r.private).count();
        merge(
            &mut v,
            json!({
                "total_private_repos": private,
                "owned_private_repos": private,
                "private_gists": 0,
                "disk_usage": 10_000,
                "collaborators": 0,
                "billing_email": format!("billing@{}.example", o.login),
                "plan": { "name": "team", "space": 976_562_499, "private_repos": 999_999, "filled_seats": o.members.len(), "seats": o.members.len() },
                "default_repository_permission": "read",
                "members_can_create_repositories": true,
                "two_factor_requirement_enabled": true,
                "members_allowed_repository_creation_type": "all",
                "members_can_create_public_repositories": true,
                "members_can_create_private_repositories": true,
                "members_can_create_internal_repositories": false,
                "members_can_create_pages": true,
                "members_can_fork_private_repositories": false,
                "web_commit_signoff_required": false,
            }),
        );
    }
    let public = world.repos.iter().filter(|r| !r.private).count();
    merge(
        &mut v,
        json!({
            "name": o.name,
            "company": o.name,
            "blog": "",
            "location": "Remote",
            "email": format!("hello@{}.example", o.login),
            "twitter_username": null,
            "is_verified": false,
            "has_organization_projects": true,
            "has_repository_projects": true,
            "public_repos": public,
            "public_gists": 0,
            "followers": 0,
            "following": 0,
            "html_url": format!("{}/{}", urls.web, o.login),
            "type": "Organization",
            "created_at": ts(o.created_at),
            "updated_at": ts(world.now),
            "archived_at": null,
        }),
    );
    v
}

/// `team`.
pub fn team(t: &Team, o: &Organization, urls: &Urls) -> Value {
    let api = format!("{}/orgs/{}/teams/{}", urls.api, o.login, t.slug);
    json!({
        "id": t.id,
        "node_id": node_id("Team", t.id),
        "name": t.name,
        "slug": t.slug,
        "description": t.description,
        "privacy": "closed",
        "notification_setting": "notifications_enabled",
        "permission": "pull",
        "url": api,
        "html_url": format!("{}/orgs/{}/teams/{}", urls.web, o.login, t.slug),
        "members_url": format!("{api}/members{{/member}}"),
        "repositories_url": format!("{api}/repos"),
        "type": "organization",
        "organization_id": o.id,
        "parent": null,
    })
}

/// A webhook's `repository`: the REST repository shape, with `pushed_at` and
/// `created_at` as epoch seconds as GitHub sends them in push payloads.
pub fn webhook_repository(r: &Repository, world: &World, urls: &Urls, push: bool) -> Value {
    let mut v = repository(r, world, None, urls);
    if push {
        merge(
            &mut v,
            json!({ "created_at": r.created_at.timestamp(), "pushed_at": r.pushed_at.timestamp() }),
        );
    }
    v
}
