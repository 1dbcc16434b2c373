//! Renders the world's objects in GitHub's REST shapes (`simple-user`, `private-user`,
//! `repository`, `full-repository`, `pull-request-simple`).

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Value};

use crate::data::{
    Issue, IssueState, Organization, Permission, PullRequest, PullState, Repository, User, World,
    LABELS,
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

pub fn simple_user(u: &User, urls: &Urls) -> Value {
    let kind = if u.is_bot { "Bot" } else { "User" };
    let repos_url = format!("{}/users/{}/repos", urls.api, u.login);
    account(&u.login, u.id, kind, repos_url, urls)
}

fn org_as_owner(o: &Organization, urls: &Urls) -> Value {
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

/// `repository` as in `/user/repos`; `viewer` decides the `permissions` block.
pub fn repository(r: &Repository, world: &World, viewer: Option<u64>, urls: &Urls) -> Value {
    let api = format!("{}/repos/{}", urls.api, r.full_name());
    let html = format!("{}/{}", urls.web, r.full_name());
    let host = urls
        .web
        .trim_start_matches("https://")
        .trim_start_matches("http://");
    let open_issues = r
        .pulls
        .iter()
        .filter(|p| p.state == PullState::Open)
        .count();
    let mut v = json!({
        "id": r.id,
        "node_id": node_id("Repository", r.id),
        "name": r.name,
        "full_name": r.full_name(),
        "owner": org_as_owner(&world.org, urls),
        "private": r.private,
        "html_url": html,
        "description": r.description,
        "fork": false,
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
        "git_url": format!("git://{host}/{}.git", r.full_name()),
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
        "ssh_url": format!("git@{host}:{}.git", r.full_name()),
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
        "homepage": null,
        "language": r.language,
        "forks_count": r.forks_count,
        "forks": r.forks_count,
        "stargazers_count": r.stargazers_count,
        "watchers_count": r.stargazers_count,
        "watchers": r.stargazers_count,
        "size": 1024 + r.pulls.len() * 13,
        "default_branch": r.default_branch,
        "open_issues_count": open_issues,
        "open_issues": open_issues,
        "is_template": false,
        "topics": [],
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
    });
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
            "network_count": r.forks_count,
            "subscribers_count": r.collaborators.len(),
            "organization": org_as_owner(&world.org, urls),
        }),
    );
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

    /// `pull-request-simple` as in `GET /repos/{owner}/{repo}/pulls`.
    pub fn simple(&self, p: &PullRequest) -> Value {
        let (r, world, urls) = (self.repo, self.world, self.urls);
        let api = format!("{}/repos/{}", urls.api, r.full_name());
        let html = format!("{}/{}/pull/{}", urls.web, r.full_name(), p.number);
        let author = world
            .user(p.author_id)
            .map(|u| simple_user(u, urls))
            .unwrap_or(Value::Null);
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
            "body": null,
            "created_at": ts(p.created_at),
            "updated_at": ts(p.updated_at),
            "closed_at": opt_ts(p.closed_at),
            "merged_at": opt_ts(p.merged_at),
            "merge_commit_sha": p.merge_commit_sha,
            "assignee": null,
            "assignees": [],
            "requested_reviewers": [],
            "requested_teams": [],
            "labels": [],
            "milestone": null,
            "draft": p.draft,
            "commits_url": format!("{api}/pulls/{}/commits", p.number),
            "review_comments_url": format!("{api}/pulls/{}/comments", p.number),
            "review_comment_url": format!("{api}/pulls/comments{{/number}}"),
            "comments_url": format!("{api}/issues/{}/comments", p.number),
            "statuses_url": format!("{api}/statuses/{}", p.head_sha),
            "head": self.branch_ref(&p.head_ref, &p.head_sha),
            "base": self.branch_ref(&p.base_ref, &p.head_sha),
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
        "user": world.user(author_id).map(|u| simple_user(u, urls)).unwrap_or(Value::Null),
        "labels": labels.iter().map(|l| label(&api, l, r.id)).collect::<Vec<_>>(),
        "locked": false,
        "milestone": null,
        "active_lock_reason": null,
        "body": null,
        "author_association": association(r, author_id, "NONE"),
        "performed_via_github_app": null,
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
            "comments": i.comments,
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
            "comments": 0,
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
