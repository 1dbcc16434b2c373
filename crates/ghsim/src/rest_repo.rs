//! GitHub's REST endpoints for a repository's activity beyond issues and pull-request
//! lists: one issue or pull request, comments, reviews, commits, contributors, stars,
//! forks, releases, tags, branches, deployments, Actions and checks.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{json, Value};

use crate::data::{Commit, Repository, Sha, WorkflowRun};
use crate::json;
use crate::rest::{
    choice, json_object, json_page, requested_repo, time_param, with_github_headers, wrapped_page,
    ApiError,
};
use crate::server::Simulator;

pub fn routes() -> Router<Arc<Simulator>> {
    Router::new()
        .route(
            "/repos/{owner}/{repo}/issues/comments",
            get(list_issue_comments),
        )
        .route("/repos/{owner}/{repo}/issues/{number}", get(get_issue))
        .route(
            "/repos/{owner}/{repo}/pulls/comments",
            get(list_review_comments),
        )
        .route("/repos/{owner}/{repo}/pulls/{number}", get(get_pull))
        .route(
            "/repos/{owner}/{repo}/pulls/{number}/reviews",
            get(list_reviews),
        )
        .route("/repos/{owner}/{repo}/commits", get(list_commits))
        .route("/repos/{owner}/{repo}/commits/{reference}", get(get_commit))
        .route(
            "/repos/{owner}/{repo}/commits/{reference}/check-runs",
            get(list_check_runs),
        )
        .route("/repos/{owner}/{repo}/contributors", get(list_contributors))
        .route(
            "/repos/{owner}/{repo}/stats/contributors",
            get(contributor_stats),
        )
        .route("/repos/{owner}/{repo}/stargazers", get(list_stargazers))
        .route("/repos/{owner}/{repo}/forks", get(list_forks))
        .route("/repos/{owner}/{repo}/releases", get(list_releases))
        .route("/repos/{owner}/{repo}/tags", get(list_tags))
        .route("/repos/{owner}/{repo}/branches", get(list_branches))
        .route("/repos/{owner}/{repo}/languages", get(languages))
        .route("/repos/{owner}/{repo}/topics", get(topics))
        .route("/repos/{owner}/{repo}/deployments", get(list_deployments))
        .route(
            "/repos/{owner}/{repo}/deployments/{id}/statuses",
            get(list_deployment_statuses),
        )
        .route(
            "/repos/{owner}/{repo}/actions/workflows",
            get(list_workflows),
        )
        .route("/repos/{owner}/{repo}/actions/runs", get(list_runs))
        .route("/repos/{owner}/{repo}/actions/runs/{id}", get(get_run))
        .route(
            "/repos/{owner}/{repo}/actions/runs/{id}/jobs",
            get(list_jobs),
        )
}

type RepoPath = Path<(String, String)>;
type Q = Query<BTreeMap<String, String>>;

/// Ascending by default; `direction` flips it when `sort` is given (GitHub ignores
/// `direction` without `sort` on the comment lists).
fn sorted_desc(query: &BTreeMap<String, String>, default_desc: bool) -> Result<bool, ApiError> {
    let default = if default_desc { "desc" } else { "asc" };
    Ok(choice(query, "direction", &["asc", "desc"], default)? == "desc")
}

async fn get_issue(
    State(sim): State<Arc<Simulator>>,
    headers: HeaderMap,
    Path((owner, name, number)): Path<(String, String, u64)>,
) -> Result<Response, ApiError> {
    let world = sim.read_world();
    let (repo, _) = requested_repo(&sim, &world, &headers, &owner, &name)?;
    if let Some(i) = repo.issue(number) {
        return Ok(json_object(json::issue(i, repo, &world, &sim.urls)));
    }
    if let Some(p) = repo.pull(number) {
        return Ok(json_object(json::pull_as_issue(p, repo, &world, &sim.urls)));
    }
    Err(ApiError::not_found())
}

async fn list_issue_comments(
    State(sim): State<Arc<Simulator>>,
    headers: HeaderMap,
    Path((owner, name)): RepoPath,
    Query(query): Q,
) -> Result<Response, ApiError> {
    let world = sim.read_world();
    let (repo, _) = requested_repo(&sim, &world, &headers, &owner, &name)?;
    let sort = choice(&query, "sort", &["created", "updated"], "created")?;
    let desc = query.contains_key("sort") && sorted_desc(&query, true)?;
    let since = time_param(&query, "since")?;
    let mut items: Vec<(u64, &crate::data::Comment)> = repo
        .issues
        .iter()
        .flat_map(|i| i.comments.iter().map(move |c| (i.number, c)))
        .chain(
            repo.pulls
                .iter()
                .flat_map(|p| p.comments.iter().map(move |c| (p.number, c))),
        )
        .filter(|(_, c)| since.is_none_or(|s| c.updated_at >= s))
        .collect();
    match sort {
        "updated" => items.sort_by_key(|(_, c)| (c.updated_at, c.id)),
        _ => items.sort_by_key(|(_, c)| (c.created_at, c.id)),
    }
    if desc {
        items.reverse();
    }
    let path = format!("/repos/{}/issues/comments", repo.full_name());
    Ok(json_page(&sim, &path, &query, items, |(n, c)| {
        json::issue_comment(c, n, repo, &world, &sim.urls)
    }))
}

async fn get_pull(
    State(sim): State<Arc<Simulator>>,
    headers: HeaderMap,
    Path((owner, name, number)): Path<(String, String, u64)>,
) -> Result<Response, ApiError> {
    let world = sim.read_world();
    let (repo, _) = requested_repo(&sim, &world, &headers, &owner, &name)?;
    let p = repo.pull(number).ok_or_else(ApiError::not_found)?;
    let renderer = json::PullRenderer::new(repo, &world, &sim.urls);
    Ok(json_object(renderer.full(p)))
}

async fn list_reviews(
    State(sim): State<Arc<Simulator>>,
    headers: HeaderMap,
    Path((owner, name, number)): Path<(String, String, u64)>,
    Query(query): Q,
) -> Result<Response, ApiError> {
    let world = sim.read_world();
    let (repo, _) = requested_repo(&sim, &world, &headers, &owner, &name)?;
    let p = repo.pull(number).ok_or_else(ApiError::not_found)?;
    let path = format!("/repos/{}/pulls/{number}/reviews", repo.full_name());
    Ok(json_page(
        &sim,
        &path,
        &query,
        p.reviews.iter().collect(),
        |v| json::review(v, p, repo, &world, &sim.urls),
    ))
}

async fn list_review_comments(
    State(sim): State<Arc<Simulator>>,
    headers: HeaderMap,
    Path((owner, name)): RepoPath,
    Query(query): Q,
) -> Result<Response, ApiError> {
    let world = sim.read_world();
    let (repo, _) = requested_repo(&sim, &world, &headers, &owner, &name)?;
    let sort = choice(&query, "sort", &["created", "updated"], "created")?;
    let desc = query.contains_key("sort") && sorted_desc(&query, true)?;
    let since = time_param(&query, "since")?;
    let mut items: Vec<_> = repo
        .pulls
        .iter()
        .flat_map(|p| p.review_comments.iter().map(move |c| (p, c)))
        .filter(|(_, c)| since.is_none_or(|s| c.updated_at >= s))
        .collect();
    match sort {
        "updated" => items.sort_by_key(|(_, c)| (c.updated_at, c.id)),
        _ => items.sort_by_key(|(_, c)| (c.created_at, c.id)),
    }
    if desc {
        items.reverse();
    }
    let path = format!("/repos/{}/pulls/comments", repo.full_name());
    Ok(json_page(&sim, &path, &query, items, |(p, c)| {
        json::review_comment(c, p, repo, &world, &sim.urls)
    }))
}

/// A commit by full or abbreviated sha, or a branch's head.
fn resolve_ref<'r>(repo: &'r Repository, reference: &str) -> Option<&'r Commit> {
    if reference == repo.default_branch || reference == "HEAD" {
        return repo.head();
    }
    if let Some((_, sha)) = repo.branches().into_iter().find(|(b, _)| b == reference) {
        return repo.commit(&sha);
    }
    if let Some(sha) = Sha::parse(reference) {
        return repo.commit(&sha);
    }
    if reference.len() >= 7 && reference.chars().all(|c| c.is_ascii_hexdigit()) {
        let lower = reference.to_ascii_lowercase();
        return repo
            .commits
            .iter()
            .rev()
            .find(|c| c.sha.hex().starts_with(&lower));
    }
    None
}

fn no_commit(reference: &str) -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        format!("No commit found for SHA: {reference}"),
    )
}

async fn list_commits(
    State(sim): State<Arc<Simulator>>,
    headers: HeaderMap,
    Path((owner, name)): RepoPath,
    Query(query): Q,
) -> Result<Response, ApiError> {
    let world = sim.read_world();
    let (repo, _) = requested_repo(&sim, &world, &headers, &owner, &name)?;
    if repo.commits.is_empty() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "Git Repository is empty.",
        ));
    }
    let since = time_param(&query, "since")?;
    let until = time_param(&query, "until")?;
    // The history starts at `sha` (a branch or a commit), by default the default branch.
    let end = match query.get("sha") {
        Some(reference) => {
            let start = resolve_ref(repo, reference).ok_or_else(|| no_commit(reference))?;
            repo.commits
                .iter()
                .rposition(|c| c.sha == start.sha)
                .map_or(0, |i| i + 1)
        }
        None => repo.commits.len(),
    };
    let author = query
        .get("author")
        .map(|login| world.user_by_login(login).map_or(0, |u| u.id));
    let items: Vec<&Commit> = repo.commits[..end]
        .iter()
        .rev()
        .filter(|c| since.is_none_or(|s| c.committed_at >= s))
        .filter(|c| until.is_none_or(|u| c.committed_at <= u))
        .filter(|c| author.is_none_or(|a| c.author_id == a))
        .collect();
    let path = format!("/repos/{}/commits", repo.full_name());
    Ok(json_page(&sim, &path, &query, items, |c| {
        json::commit(c, repo, &world, &sim.urls, false)
    }))
}

async fn get_commit(
    State(sim): State<Arc<Simulator>>,
    headers: HeaderMap,
    Path((owner, name, reference)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let world = sim.read_world();
    let (repo, _) = requested_repo(&sim, &world, &headers, &owner, &name)?;
    let c = resolve_ref(repo, &reference).ok_or_else(|| no_commit(&reference))?;
    Ok(json_object(json::commit(c, repo, &world, &sim.urls, true)))
}

async fn list_check_runs(
    State(sim): State<Arc<Simulator>>,
    headers: HeaderMap,
    Path((owner, name, reference)): Path<(String, String, String)>,
    Query(query): Q,
) -> Result<Response, ApiError> {
    let world = sim.read_world();
    let (repo, _) = requested_repo(&sim, &world, &headers, &owner, &name)?;
    // Pull request branches' commits are not on the default branch but have runs.
    let sha = match resolve_ref(repo, &reference) {
        Some(c) => c.sha,
        None => Sha::parse(&reference)
            .filter(|s| repo.runs.iter().any(|r| r.head_sha == *s))
            .ok_or_else(|| no_commit(&reference))?,
    };
    let status = match query.get("status") {
        Some(_) => Some(choice(
            &query,
            "status",
            &["queued", "in_progress", "completed"],
            "completed",
        )?),
        None => None,
    };
    let filter = choice(&query, "filter", &["latest", "all"], "latest")?;
    let check_name = query.get("check_name");
    let mut checks = Vec::new();
    for run in repo.runs.iter().filter(|r| r.head_sha == sha) {
        let Some(w) = repo.workflow(run.workflow_id) else {
            continue;
        };
        for job in run.jobs(w) {
            checks.push((run, job));
        }
    }
    if filter == "latest" {
        // The most recent check run of each name.
        let mut latest: HashMap<&str, usize> = HashMap::new();
        for (i, (_, job)) in checks.iter().enumerate() {
            latest.insert(job.name, i);
        }
        let keep: Vec<usize> = latest.into_values().collect();
        checks = checks
            .into_iter()
            .enumerate()
            .filter(|(i, _)| keep.contains(i))
            .map(|(_, c)| c)
            .collect();
    }
    checks.retain(|(_, j)| status.is_none_or(|s| j.status.as_str() == s));
    checks.retain(|(_, j)| check_name.is_none_or(|n| j.name == n));
    checks.sort_by_key(|(_, j)| std::cmp::Reverse(j.id));
    let path = format!("/repos/{}/commits/{reference}/check-runs", repo.full_name());
    Ok(wrapped_page(
        &sim,
        &path,
        &query,
        checks,
        "check_runs",
        |(run, j)| json::check_run(&j, run, repo, &sim.urls),
    ))
}

/// Commit counts per author on the default branch, most first.
fn contributions(repo: &Repository) -> Vec<(u64, u64)> {
    let mut counts: HashMap<u64, u64> = HashMap::new();
    for c in &repo.commits {
        *counts.entry(c.author_id).or_default() += 1;
    }
    let mut list: Vec<(u64, u64)> = counts.into_iter().collect();
    list.sort_by_key(|(id, n)| (std::cmp::Reverse(*n), *id));
    list
}

async fn list_contributors(
    State(sim): State<Arc<Simulator>>,
    headers: HeaderMap,
    Path((owner, name)): RepoPath,
    Query(query): Q,
) -> Result<Response, ApiError> {
    let world = sim.read_world();
    let (repo, _) = requested_repo(&sim, &world, &headers, &owner, &name)?;
    if repo.commits.is_empty() {
        return Ok(with_github_headers(StatusCode::NO_CONTENT.into_response()));
    }
    let path = format!("/repos/{}/contributors", repo.full_name());
    Ok(json_page(
        &sim,
        &path,
        &query,
        contributions(repo),
        |(id, n)| json::contributor(&world, id, n, &sim.urls),
    ))
}

/// `GET /stats/contributors`: `202 Accepted` with `{}` while GitHub computes the
/// statistics (the first request for a repository), then weekly additions, deletions and
/// commits per author.
async fn contributor_stats(
    State(sim): State<Arc<Simulator>>,
    headers: HeaderMap,
    Path((owner, name)): RepoPath,
) -> Result<Response, ApiError> {
    let world = sim.read_world();
    let (repo, _) = requested_repo(&sim, &world, &headers, &owner, &name)?;
    let first = sim
        .stats_computed
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(repo.id);
    if first {
        let res = (StatusCode::ACCEPTED, axum::Json(json!({}))).into_response();
        return Ok(with_github_headers(res));
    }
    let week_of = |t: DateTime<Utc>| {
        let days = t.timestamp().div_euclid(86_400);
        // Weeks start on Sunday (1970-01-01 was a Thursday).
        (days - (days + 4).rem_euclid(7)) * 86_400
    };
    let first_week = repo.commits.first().map_or(0, |c| week_of(c.committed_at));
    let last_week = week_of(world.now);
    let weeks = ((last_week - first_week) / (7 * 86_400) + 1).max(0) as usize;
    let mut per_author: BTreeMap<u64, Vec<[u64; 3]>> = BTreeMap::new();
    for c in &repo.commits {
        let w = ((week_of(c.committed_at) - first_week) / (7 * 86_400)) as usize;
        let row = per_author
            .entry(c.author_id)
            .or_insert_with(|| vec![[0; 3]; weeks]);
        if let Some(cell) = row.get_mut(w) {
            cell[0] += u64::from(c.additions);
            cell[1] += u64::from(c.deletions);
            cell[2] += 1;
        }
    }
    let mut list: Vec<Value> = per_author
        .iter()
        .map(|(id, rows)| {
            json!({
                "author": json::user_by_id(&world, *id, &sim.urls),
                "total": rows.iter().map(|r| r[2]).sum::<u64>(),
                "weeks": rows.iter().enumerate().map(|(i, r)| json!({
                    "w": first_week + i as i64 * 7 * 86_400, "a": r[0], "d": r[1], "c": r[2]
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    list.sort_by_key(|v| v["total"].as_u64().unwrap_or(0));
    Ok(json_object(Value::Array(list)))
}

/// How many stargazers GitHub's REST listing reaches (its GraphQL connection has no cap).
pub const STARGAZERS_LISTING_CAP: usize = 40_000;

async fn list_stargazers(
    State(sim): State<Arc<Simulator>>,
    headers: HeaderMap,
    Path((owner, name)): RepoPath,
    Query(query): Q,
) -> Result<Response, ApiError> {
    let world = sim.read_world();
    let (repo, _) = requested_repo(&sim, &world, &headers, &owner, &name)?;
    let star_json = crate::media::wants(&headers, "star");
    // GitHub lists only the oldest 40,000 stargazers (400 pages of 100): a page past
    // that is refused, and the Link header's `last` stops there.
    let asked = crate::pagination::PageRequest::from_query(&query);
    if (asked.page - 1).saturating_mul(asked.per_page) >= STARGAZERS_LISTING_CAP {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "In order to keep the API fast for everyone, pagination is limited for this resource. Check the rel=last link relation in the Link response header to see how far back you can traverse.",
        )
        .documented_at("https://docs.github.com/v3/#pagination"));
    }
    let listed = repo.stars.iter().take(STARGAZERS_LISTING_CAP).collect();
    let path = format!("/repos/{}/stargazers", repo.full_name());
    let mut res = json_page(&sim, &path, &query, listed, |s| {
        if star_json {
            json::stargazer(s, &world, &sim.urls)
        } else {
            json::user_by_id(&world, s.user_id, &sim.urls)
        }
    });
    if star_json {
        res.headers_mut().insert(
            "x-github-media-type",
            axum::http::HeaderValue::from_static("github.v3; param=star; format=json"),
        );
    }
    Ok(res)
}

async fn list_forks(
    State(sim): State<Arc<Simulator>>,
    headers: HeaderMap,
    Path((owner, name)): RepoPath,
    Query(query): Q,
) -> Result<Response, ApiError> {
    let world = sim.read_world();
    let (repo, _) = requested_repo(&sim, &world, &headers, &owner, &name)?;
    let sort = choice(
        &query,
        "sort",
        &["newest", "oldest", "stargazers", "watchers"],
        "newest",
    )?;
    let mut forks: Vec<_> = repo.forks.iter().collect();
    forks.sort_by_key(|f| (f.created_at, f.id));
    if sort == "newest" {
        forks.reverse();
    }
    let path = format!("/repos/{}/forks", repo.full_name());
    Ok(json_page(&sim, &path, &query, forks, |f| {
        json::fork(f, repo, &world, &sim.urls)
    }))
}

async fn list_releases(
    State(sim): State<Arc<Simulator>>,
    headers: HeaderMap,
    Path((owner, name)): RepoPath,
    Query(query): Q,
) -> Result<Response, ApiError> {
    let world = sim.read_world();
    let (repo, _) = requested_repo(&sim, &world, &headers, &owner, &name)?;
    let path = format!("/repos/{}/releases", repo.full_name());
    Ok(json_page(
        &sim,
        &path,
        &query,
        repo.releases.iter().rev().collect(),
        |x| json::release(x, repo, &world, &sim.urls),
    ))
}

async fn list_tags(
    State(sim): State<Arc<Simulator>>,
    headers: HeaderMap,
    Path((owner, name)): RepoPath,
    Query(query): Q,
) -> Result<Response, ApiError> {
    let world = sim.read_world();
    let (repo, _) = requested_repo(&sim, &world, &headers, &owner, &name)?;
    let path = format!("/repos/{}/tags", repo.full_name());
    Ok(json_page(
        &sim,
        &path,
        &query,
        repo.releases.iter().rev().collect(),
        |x| json::tag(x, repo, &sim.urls),
    ))
}

async fn list_branches(
    State(sim): State<Arc<Simulator>>,
    headers: HeaderMap,
    Path((owner, name)): RepoPath,
    Query(query): Q,
) -> Result<Response, ApiError> {
    let world = sim.read_world();
    let (repo, _) = requested_repo(&sim, &world, &headers, &owner, &name)?;
    let protected = match query.get("protected").map(String::as_str) {
        Some("true") => Some(true),
        Some("false") => Some(false),
        _ => None,
    };
    let branches: Vec<_> = repo
        .branches()
        .into_iter()
        .filter(|(b, _)| protected.is_none_or(|p| (*b == repo.default_branch) == p))
        .collect();
    let path = format!("/repos/{}/branches", repo.full_name());
    Ok(json_page(&sim, &path, &query, branches, |(b, sha)| {
        json::branch(&b, &sha, repo, &sim.urls)
    }))
}

async fn languages(
    State(sim): State<Arc<Simulator>>,
    headers: HeaderMap,
    Path((owner, name)): RepoPath,
) -> Result<Response, ApiError> {
    let world = sim.read_world();
    let (repo, _) = requested_repo(&sim, &world, &headers, &owner, &name)?;
    let bytes: u64 = repo
        .commits
        .iter()
        .map(|c| u64::from(c.additions) * 40)
        .sum();
    Ok(json_object(json!({
        repo.language.clone(): bytes.max(1000),
        "Shell": 1200 + repo.id % 800,
    })))
}

async fn topics(
    State(sim): State<Arc<Simulator>>,
    headers: HeaderMap,
    Path((owner, name)): RepoPath,
) -> Result<Response, ApiError> {
    let world = sim.read_world();
    let (repo, _) = requested_repo(&sim, &world, &headers, &owner, &name)?;
    Ok(json_object(json!({ "names": repo.topics })))
}

async fn list_deployments(
    State(sim): State<Arc<Simulator>>,
    headers: HeaderMap,
    Path((owner, name)): RepoPath,
    Query(query): Q,
) -> Result<Response, ApiError> {
    let world = sim.read_world();
    let (repo, _) = requested_repo(&sim, &world, &headers, &owner, &name)?;
    let sha = query.get("sha");
    let git_ref = query.get("ref");
    let task = query.get("task");
    let environment = query.get("environment");
    let items: Vec<_> = repo
        .deployments
        .iter()
        .rev()
        .filter(|d| sha.is_none_or(|s| d.sha.hex() == *s))
        .filter(|d| git_ref.is_none_or(|r| d.git_ref == *r))
        .filter(|_| task.is_none_or(|t| t == "deploy"))
        .filter(|d| environment.is_none_or(|e| d.environment == e))
        .collect();
    let path = format!("/repos/{}/deployments", repo.full_name());
    Ok(json_page(&sim, &path, &query, items, |d| {
        json::deployment(d, repo, &world, &sim.urls)
    }))
}

async fn list_deployment_statuses(
    State(sim): State<Arc<Simulator>>,
    headers: HeaderMap,
    Path((owner, name, id)): Path<(String, String, u64)>,
    Query(query): Q,
) -> Result<Response, ApiError> {
    let world = sim.read_world();
    let (repo, _) = requested_repo(&sim, &world, &headers, &owner, &name)?;
    let d = repo
        .deployments
        .iter()
        .find(|d| d.id == id)
        .ok_or_else(ApiError::not_found)?;
    let path = format!("/repos/{}/deployments/{id}/statuses", repo.full_name());
    Ok(json_page(
        &sim,
        &path,
        &query,
        d.statuses.iter().rev().collect(),
        |s| json::deployment_status(s, d, repo, &world, &sim.urls),
    ))
}

async fn list_workflows(
    State(sim): State<Arc<Simulator>>,
    headers: HeaderMap,
    Path((owner, name)): RepoPath,
    Query(query): Q,
) -> Result<Response, ApiError> {
    let world = sim.read_world();
    let (repo, _) = requested_repo(&sim, &world, &headers, &owner, &name)?;
    let path = format!("/repos/{}/actions/workflows", repo.full_name());
    Ok(wrapped_page(
        &sim,
        &path,
        &query,
        repo.workflows.iter().collect(),
        "workflows",
        |w| json::workflow(w, repo, &sim.urls),
    ))
}

/// GitHub's date-range search syntax for `created`: `2024-01-01`, `>=2024-01-01`,
/// `<2024-01-01T12:00:00Z`, `2024-01-01..2024-02-01`, `2024-01-01..*`.
/// A time range whose ends may be open.
type Range = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

fn created_filter(text: &str) -> Result<Range, ApiError> {
    let bad = || {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("Validation Failed: created {text:?} is not a date range"),
        )
    };
    // A bound: a date means the whole day (its start or its end).
    let parse = |s: &str, end: bool| -> Result<Option<DateTime<Utc>>, ApiError> {
        if s == "*" {
            return Ok(None);
        }
        if let Ok(t) = DateTime::parse_from_rfc3339(s) {
            return Ok(Some(t.with_timezone(&Utc)));
        }
        let d = NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| bad())?;
        let t = d.and_hms_opt(0, 0, 0).ok_or_else(bad)?.and_utc();
        Ok(Some(if end {
            t + chrono::Duration::days(1) - chrono::Duration::seconds(1)
        } else {
            t
        }))
    };
    if let Some((a, b)) = text.split_once("..") {
        return Ok((parse(a, false)?, parse(b, true)?));
    }
    let second = chrono::Duration::seconds(1);
    if let Some(rest) = text.strip_prefix(">=") {
        return Ok((parse(rest, false)?, None));
    }
    if let Some(rest) = text.strip_prefix("<=") {
        return Ok((None, parse(rest, true)?));
    }
    if let Some(rest) = text.strip_prefix('>') {
        return Ok((parse(rest, true)?.map(|t| t + second), None));
    }
    if let Some(rest) = text.strip_prefix('<') {
        return Ok((None, parse(rest, false)?.map(|t| t - second)));
    }
    Ok((parse(text, false)?, parse(text, true)?))
}

fn run_matches_status(run: &WorkflowRun, status: &str) -> bool {
    match status {
        "completed" | "queued" | "in_progress" => run.status.as_str() == status,
        conclusion => run.conclusion.is_some_and(|c| c.as_str() == conclusion),
    }
}

async fn list_runs(
    State(sim): State<Arc<Simulator>>,
    headers: HeaderMap,
    Path((owner, name)): RepoPath,
    Query(query): Q,
) -> Result<Response, ApiError> {
    let world = sim.read_world();
    let (repo, _) = requested_repo(&sim, &world, &headers, &owner, &name)?;
    let status = match query.get("status") {
        Some(_) => Some(choice(
            &query,
            "status",
            &[
                "completed",
                "action_required",
                "cancelled",
                "failure",
                "neutral",
                "skipped",
                "stale",
                "success",
                "timed_out",
                "in_progress",
                "queued",
                "requested",
                "waiting",
                "pending",
            ],
            "completed",
        )?),
        None => None,
    };
    let (from, to) = match query.get("created") {
        Some(text) => created_filter(text)?,
        None => (None, None),
    };
    let actor = query
        .get("actor")
        .map(|login| world.user_by_login(login).map_or(0, |u| u.id));
    let branch = query.get("branch");
    let event = query.get("event");
    let head_sha = query.get("head_sha");
    let suite = query
        .get("check_suite_id")
        .and_then(|s| s.parse::<u64>().ok());
    let items: Vec<&WorkflowRun> = repo
        .runs
        .iter()
        .rev()
        .filter(|r| status.is_none_or(|s| run_matches_status(r, s)))
        .filter(|r| from.is_none_or(|f| r.created_at >= f))
        .filter(|r| to.is_none_or(|t| r.created_at <= t))
        .filter(|r| actor.is_none_or(|a| r.actor_id == a))
        .filter(|r| branch.is_none_or(|b| repo.run_branch(r) == b))
        .filter(|r| event.is_none_or(|e| r.event == e))
        .filter(|r| head_sha.is_none_or(|s| r.head_sha.hex() == *s))
        .filter(|r| suite.is_none_or(|s| r.id + 1 == s))
        .collect();
    let path = format!("/repos/{}/actions/runs", repo.full_name());
    Ok(wrapped_page(
        &sim,
        &path,
        &query,
        items,
        "workflow_runs",
        |r| json::workflow_run(r, repo, &world, &sim.urls),
    ))
}

fn find_run(repo: &Repository, id: u64) -> Result<&WorkflowRun, ApiError> {
    repo.runs
        .binary_search_by_key(&id, |r| r.id)
        .ok()
        .map(|i| &repo.runs[i])
        .or_else(|| repo.runs.iter().find(|r| r.id == id))
        .ok_or_else(ApiError::not_found)
}

async fn get_run(
    State(sim): State<Arc<Simulator>>,
    headers: HeaderMap,
    Path((owner, name, id)): Path<(String, String, u64)>,
) -> Result<Response, ApiError> {
    let world = sim.read_world();
    let (repo, _) = requested_repo(&sim, &world, &headers, &owner, &name)?;
    let run = find_run(repo, id)?;
    Ok(json_object(json::workflow_run(
        run, repo, &world, &sim.urls,
    )))
}

async fn list_jobs(
    State(sim): State<Arc<Simulator>>,
    headers: HeaderMap,
    Path((owner, name, id)): Path<(String, String, u64)>,
    Query(query): Q,
) -> Result<Response, ApiError> {
    let world = sim.read_world();
    let (repo, _) = requested_repo(&sim, &world, &headers, &owner, &name)?;
    let run = find_run(repo, id)?;
    choice(&query, "filter", &["latest", "all"], "latest")?;
    let jobs = repo
        .workflow(run.workflow_id)
        .map(|w| run.jobs(w))
        .unwrap_or_default();
    let path = format!("/repos/{}/actions/runs/{id}/jobs", repo.full_name());
    Ok(wrapped_page(&sim, &path, &query, jobs, "jobs", |j| {
        json::job(&j, run, repo, &sim.urls)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_ranges() {
        let (a, b) = created_filter("2024-01-01..2024-01-31").unwrap();
        assert_eq!(json::ts(a.unwrap()), "2024-01-01T00:00:00Z");
        assert_eq!(json::ts(b.unwrap()), "2024-01-31T23:59:59Z");
        let (a, b) = created_filter(">=2024-03-01").unwrap();
        assert!(a.is_some() && b.is_none());
        let (a, b) = created_filter("<2024-03-01").unwrap();
        assert_eq!(json::ts(b.unwrap()), "2024-02-29T23:59:59Z");
        assert!(a.is_none());
        assert!(created_filter("yesterday").is_err());
    }
}
