//! GitHub's REST endpoints the slice reads: `/user`, `/user/repos`, `/repos/{owner}/{repo}`
//! and `/repos/{owner}/{repo}/pulls`, with GitHub's authentication errors and pagination.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};

use crate::data::{Issue, IssueState, PullRequest, PullState, Repository, User, World};
use crate::json;
use crate::pagination::{link_header, PageRequest};
use crate::server::Simulator;

/// The REST API, behind GitHub's rate limit and conditional requests.
pub fn router(sim: Arc<Simulator>) -> Router<Arc<Simulator>> {
    Router::new()
        .route("/user", get(get_user))
        .route("/user/repos", get(list_user_repos))
        .route("/repos/{owner}/{repo}", get(get_repo))
        .route("/repos/{owner}/{repo}/pulls", get(list_pulls))
        .route("/repos/{owner}/{repo}/issues", get(list_issues))
        .merge(crate::rest_repo::routes())
        .merge(crate::rest_org::routes())
        .merge(crate::webhooks::routes())
        .merge(crate::app::routes())
        .route("/graphql", axum::routing::post(crate::graphql::handle))
        .route_layer(axum::middleware::from_fn_with_state(
            sim,
            crate::limits::enforce,
        ))
        // Asking for your budget does not spend it.
        .route("/rate_limit", get(crate::limits::rate_limit_status))
        // npm's download counts, served beside GitHub (not GitHub's, not rate-limited).
        .merge(crate::npm::routes())
        .fallback(not_found_fallback)
}

const DOCS: &str = "https://docs.github.com/rest";

/// An error as GitHub sends it: a status and `{"message", "documentation_url", "status"}`.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
    documentation_url: &'static str,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
            documentation_url: DOCS,
        }
    }

    /// Points `documentation_url` at the page GitHub names for this error.
    pub fn documented_at(mut self, url: &'static str) -> Self {
        self.documentation_url = url;
        self
    }
    pub(crate) fn not_found() -> Self {
        ApiError::new(StatusCode::NOT_FOUND, "Not Found")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({
            "message": self.message,
            "documentation_url": self.documentation_url,
            "status": self.status.as_u16().to_string(),
        });
        with_github_headers((self.status, axum::Json(body)).into_response())
    }
}

pub(crate) fn with_github_headers(mut res: Response) -> Response {
    let h = res.headers_mut();
    h.insert(
        "x-github-media-type",
        HeaderValue::from_static("github.v3; format=json"),
    );
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    res
}

async fn not_found_fallback() -> ApiError {
    ApiError::not_found()
}

/// The token in an `Authorization: token …` or `Bearer …` header.
pub(crate) fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let token = value
        .strip_prefix("token ")
        .or_else(|| value.strip_prefix("Bearer "))
        .or_else(|| value.strip_prefix("bearer "))?;
    Some(token.trim())
}

/// The user a request's token belongs to; a malformed or unknown token is GitHub's 401.
pub(crate) fn authenticate(
    sim: &Simulator,
    world: &World,
    headers: &HeaderMap,
) -> Result<Option<User>, ApiError> {
    if headers.get(header::AUTHORIZATION).is_none() {
        return Ok(None);
    }
    let token = bearer_token(headers)
        .ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, "Bad credentials"))?;
    let (revoked, issued) = {
        let oauth = sim.oauth.lock().unwrap_or_else(|e| e.into_inner());
        (oauth.revoked.contains(token), oauth.issued_to(token))
    };
    if revoked {
        return Err(ApiError::new(StatusCode::UNAUTHORIZED, "Bad credentials"));
    }
    if let Some(user) = world.user_by_token(token) {
        return Ok(Some(user.clone()));
    }
    match sim.github_app.installation_user(token, sim.clock.now()) {
        Some(Ok(bot)) => return Ok(Some(bot)),
        Some(Err(())) => return Err(ApiError::new(StatusCode::UNAUTHORIZED, "Bad credentials")),
        None => {}
    }
    issued
        .and_then(|id| world.user(id).cloned())
        .map(Some)
        .ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, "Bad credentials"))
}

pub(crate) fn require_user(
    sim: &Simulator,
    world: &World,
    headers: &HeaderMap,
) -> Result<User, ApiError> {
    authenticate(sim, world, headers)?
        .ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, "Requires authentication"))
}

/// A person's token: an app installation is not a user, and GitHub says so.
pub(crate) fn require_person(
    sim: &Simulator,
    world: &World,
    headers: &HeaderMap,
) -> Result<User, ApiError> {
    let user = require_user(sim, world, headers)?;
    if user.id == crate::app::APP_BOT_ID {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "Resource not accessible by integration",
        ));
    }
    Ok(user)
}

fn visible_repo<'w>(
    world: &'w World,
    viewer: Option<&User>,
    owner: &str,
    name: &str,
) -> Result<&'w Repository, ApiError> {
    match world.repo(owner, name) {
        Some(r) if r.visible_to_viewer(viewer) => Ok(r),
        // GitHub does not reveal that a private repository exists.
        _ => Err(ApiError::not_found()),
    }
}

/// The repository a `/repos/{owner}/{repo}/…` request names, and who asks, if the caller
/// may see it.
pub(crate) fn requested_repo<'w>(
    sim: &Simulator,
    world: &'w World,
    headers: &HeaderMap,
    owner: &str,
    name: &str,
) -> Result<(&'w Repository, Option<User>), ApiError> {
    let viewer = authenticate(sim, world, headers)?;
    let repo = visible_repo(world, viewer.as_ref(), owner, name)?;
    Ok((repo, viewer))
}

/// One page of a list, with GitHub's `Link` header. Only the page's own items are
/// rendered, however long the list.
pub(crate) fn json_page<T>(
    sim: &Simulator,
    path: &str,
    query: &BTreeMap<String, String>,
    items: Vec<T>,
    render: impl FnMut(T) -> Value,
) -> Response {
    page_response(sim, path, query, items, None, render)
}

/// Like [`json_page`], for the endpoints that wrap their page as
/// `{"total_count": N, "<key>": [...]}` (Actions and Checks).
pub(crate) fn wrapped_page<T>(
    sim: &Simulator,
    path: &str,
    query: &BTreeMap<String, String>,
    items: Vec<T>,
    key: &str,
    render: impl FnMut(T) -> Value,
) -> Response {
    page_response(sim, path, query, items, Some(key), render)
}

fn page_response<T>(
    sim: &Simulator,
    path: &str,
    query: &BTreeMap<String, String>,
    items: Vec<T>,
    wrap: Option<&str>,
    render: impl FnMut(T) -> Value,
) -> Response {
    let req = PageRequest::from_query(query);
    let total = items.len();
    let range = req.range(total);
    let page: Vec<Value> = items
        .into_iter()
        .skip(range.start)
        .take(range.len())
        .map(render)
        .collect();
    let body = match wrap {
        Some(key) => json!({ "total_count": total, key: page }),
        None => Value::Array(page),
    };
    let mut res = axum::Json(body).into_response();
    let base = format!("{}{}", sim.urls.api, path);
    if let Some(link) = link_header(&base, query, req, total) {
        if let Ok(v) = HeaderValue::from_str(&link) {
            res.headers_mut().insert(header::LINK, v);
        }
    }
    with_github_headers(res)
}

/// One object as GitHub sends it.
pub(crate) fn json_object(value: Value) -> Response {
    with_github_headers(axum::Json(value).into_response())
}

/// An optional ISO 8601 timestamp parameter (`since`, `until`); anything else is 422.
pub(crate) fn time_param(
    query: &BTreeMap<String, String>,
    name: &str,
) -> Result<Option<chrono::DateTime<chrono::Utc>>, ApiError> {
    let Some(text) = query.get(name) else {
        return Ok(None);
    };
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| Some(t.with_timezone(&chrono::Utc)))
        .map_err(|_| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("Validation Failed: {name} {text:?} is not an ISO 8601 timestamp"),
            )
        })
}

/// An enumerated query parameter: its value if allowed, `default` if absent, and GitHub's
/// 422 otherwise.
pub(crate) fn choice<'q>(
    query: &'q BTreeMap<String, String>,
    name: &str,
    allowed: &[&str],
    default: &'q str,
) -> Result<&'q str, ApiError> {
    let value = query.get(name).map(String::as_str).unwrap_or(default);
    if allowed.contains(&value) {
        Ok(value)
    } else {
        Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("Validation Failed: {name} {value:?} is not one of {allowed:?}"),
        ))
    }
}

async fn get_user(
    State(sim): State<Arc<Simulator>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let world = sim.world.read().unwrap_or_else(|e| e.into_inner());
    let user = require_person(&sim, &world, &headers)?;
    Ok(with_github_headers(
        axum::Json(json::private_user(&user, &world, &sim.urls)).into_response(),
    ))
}

async fn list_user_repos(
    State(sim): State<Arc<Simulator>>,
    headers: HeaderMap,
    Query(query): Query<BTreeMap<String, String>>,
) -> Result<Response, ApiError> {
    let world = sim.world.read().unwrap_or_else(|e| e.into_inner());
    let user = require_person(&sim, &world, &headers)?;
    let visibility = choice(&query, "visibility", &["all", "public", "private"], "all")?;
    let sort = choice(
        &query,
        "sort",
        &["created", "updated", "pushed", "full_name"],
        "full_name",
    )?;
    let default_direction = if sort == "full_name" { "asc" } else { "desc" };
    let direction = choice(&query, "direction", &["asc", "desc"], default_direction)?;
    let mut repos: Vec<&Repository> = world
        .repos_of(user.id)
        .filter(|r| match visibility {
            "public" => !r.private,
            "private" => r.private,
            _ => true,
        })
        .collect();
    match sort {
        "created" => repos.sort_by_key(|r| (r.created_at, r.id)),
        "updated" => repos.sort_by_key(|r| (r.updated_at, r.id)),
        "pushed" => repos.sort_by_key(|r| (r.pushed_at, r.id)),
        _ => repos.sort_by_key(|r| r.full_name().to_lowercase()),
    }
    if direction == "desc" {
        repos.reverse();
    }
    Ok(json_page(&sim, "/user/repos", &query, repos, |r| {
        json::repository(r, &world, Some(user.id), &sim.urls)
    }))
}

async fn get_repo(
    State(sim): State<Arc<Simulator>>,
    headers: HeaderMap,
    Path((owner, name)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let world = sim.world.read().unwrap_or_else(|e| e.into_inner());
    let (repo, viewer) = requested_repo(&sim, &world, &headers, &owner, &name)?;
    let mut res = with_github_headers(
        axum::Json(json::full_repository(
            repo,
            &world,
            viewer.map(|u| u.id),
            &sim.urls,
        ))
        .into_response(),
    );
    let modified = repo
        .updated_at
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string();
    if let Ok(v) = HeaderValue::from_str(&modified) {
        res.headers_mut().insert(header::LAST_MODIFIED, v);
    }
    Ok(res)
}

async fn list_pulls(
    State(sim): State<Arc<Simulator>>,
    headers: HeaderMap,
    Path((owner, name)): Path<(String, String)>,
    Query(query): Query<BTreeMap<String, String>>,
) -> Result<Response, ApiError> {
    let world = sim.world.read().unwrap_or_else(|e| e.into_inner());
    let (repo, _) = requested_repo(&sim, &world, &headers, &owner, &name)?;
    let state = choice(&query, "state", &["open", "closed", "all"], "open")?;
    let sort = choice(
        &query,
        "sort",
        &["created", "updated", "popularity", "long-running"],
        "created",
    )?;
    // GitHub: descending by default when sorting by creation, ascending otherwise.
    let default_direction = if sort == "created" { "desc" } else { "asc" };
    let direction = choice(&query, "direction", &["asc", "desc"], default_direction)?;
    let base = query.get("base");
    let head = query.get("head");
    let mut pulls: Vec<_> = repo
        .pulls
        .iter()
        .filter(|p| match state {
            "open" => p.state == PullState::Open,
            "closed" => p.state == PullState::Closed,
            _ => true,
        })
        .filter(|p| base.is_none_or(|b| &p.base_ref == b))
        .filter(|p| {
            head.is_none_or(|h| {
                let (owner, branch) = h.split_once(':').unwrap_or((repo.owner.as_str(), h));
                owner.eq_ignore_ascii_case(&repo.owner) && p.head_ref == branch
            })
        })
        .collect();
    match sort {
        "updated" => pulls.sort_by_key(|p| (p.updated_at, p.number)),
        // Without comment counts yet, popularity and long-running fall back to age.
        "long-running" => {
            pulls.sort_by_key(|p| (std::cmp::Reverse(world.now - p.created_at), p.number))
        }
        _ => pulls.sort_by_key(|p| (p.created_at, p.number)),
    }
    if direction == "desc" {
        pulls.reverse();
    }
    let renderer = json::PullRenderer::new(repo, &world, &sim.urls);
    let path = format!("/repos/{}/pulls", repo.full_name());
    Ok(json_page(&sim, &path, &query, pulls, |p| {
        renderer.simple(p)
    }))
}

/// An entry of `/issues`: an issue, or a pull request seen as an issue.
enum IssueItem<'a> {
    Issue(&'a Issue),
    Pull(&'a PullRequest),
}

impl IssueItem<'_> {
    fn number(&self) -> u64 {
        match self {
            IssueItem::Issue(i) => i.number,
            IssueItem::Pull(p) => p.number,
        }
    }
    fn open(&self) -> bool {
        match self {
            IssueItem::Issue(i) => i.state == IssueState::Open,
            IssueItem::Pull(p) => p.state == PullState::Open,
        }
    }
    fn created_at(&self) -> chrono::DateTime<chrono::Utc> {
        match self {
            IssueItem::Issue(i) => i.created_at,
            IssueItem::Pull(p) => p.created_at,
        }
    }
    fn updated_at(&self) -> chrono::DateTime<chrono::Utc> {
        match self {
            IssueItem::Issue(i) => i.updated_at,
            IssueItem::Pull(p) => p.updated_at,
        }
    }
    fn comments(&self) -> usize {
        match self {
            IssueItem::Issue(i) => i.comments.len(),
            IssueItem::Pull(p) => p.comments.len(),
        }
    }
    fn labels(&self) -> &[&'static str] {
        match self {
            IssueItem::Issue(i) => &i.labels,
            IssueItem::Pull(p) => &p.labels,
        }
    }
    fn author_id(&self) -> u64 {
        match self {
            IssueItem::Issue(i) => i.author_id,
            IssueItem::Pull(p) => p.author_id,
        }
    }
    fn assignee_ids(&self) -> &[u64] {
        match self {
            IssueItem::Issue(i) => &i.assignee_ids,
            IssueItem::Pull(_) => &[],
        }
    }
}

/// `GET /repos/{owner}/{repo}/issues`: issues and pull requests, as GitHub lists them.
async fn list_issues(
    State(sim): State<Arc<Simulator>>,
    headers: HeaderMap,
    Path((owner, name)): Path<(String, String)>,
    Query(query): Query<BTreeMap<String, String>>,
) -> Result<Response, ApiError> {
    let world = sim.world.read().unwrap_or_else(|e| e.into_inner());
    let (repo, _) = requested_repo(&sim, &world, &headers, &owner, &name)?;
    let state = choice(&query, "state", &["open", "closed", "all"], "open")?;
    let sort = choice(
        &query,
        "sort",
        &["created", "updated", "comments"],
        "created",
    )?;
    let direction = choice(&query, "direction", &["asc", "desc"], "desc")?;
    let since = time_param(&query, "since")?;
    let labels: Vec<&str> = query
        .get("labels")
        .map(|l| {
            l.split(',')
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect()
        })
        .unwrap_or_default();
    // An unknown login matches nobody (id 0 is no user).
    let creator = query
        .get("creator")
        .map(|login| world.user_by_login(login).map_or(0, |u| u.id));
    let assignee = query.get("assignee").map(String::as_str);
    let assignee_id = assignee
        .filter(|a| *a != "none" && *a != "*")
        .map(|login| world.user_by_login(login).map_or(0, |u| u.id));
    let mut items: Vec<IssueItem> = repo
        .issues
        .iter()
        .map(IssueItem::Issue)
        .chain(repo.pulls.iter().map(IssueItem::Pull))
        .filter(|i| match state {
            "open" => i.open(),
            "closed" => !i.open(),
            _ => true,
        })
        .filter(|i| since.is_none_or(|s| i.updated_at() >= s))
        .filter(|i| labels.iter().all(|l| i.labels().contains(l)))
        .filter(|i| creator.is_none_or(|c| i.author_id() == c))
        .filter(|i| match (assignee, assignee_id) {
            (Some("none"), _) => i.assignee_ids().is_empty(),
            (Some("*"), _) => !i.assignee_ids().is_empty(),
            (_, Some(id)) => i.assignee_ids().contains(&id),
            _ => true,
        })
        .collect();
    match sort {
        "updated" => items.sort_by_key(|i| (i.updated_at(), i.number())),
        "comments" => items.sort_by_key(|i| (i.comments(), i.number())),
        _ => items.sort_by_key(|i| (i.created_at(), i.number())),
    }
    if direction == "desc" {
        items.reverse();
    }
    let path = format!("/repos/{}/issues", repo.full_name());
    Ok(json_page(&sim, &path, &query, items, |i| match i {
        IssueItem::Issue(x) => json::issue(x, repo, &world, &sim.urls),
        IssueItem::Pull(p) => json::pull_as_issue(p, repo, &world, &sim.urls),
    }))
}

/// Before routing: `/repos/{old-owner}/{old-name}/…` of a renamed repository answers
/// GitHub's `301 Moved Permanently` to `/repositories/{id}/…`, and
/// `/repositories/{id}/…` is served as `/repos/{owner}/{name}/…`.
pub(crate) async fn resolve_repository_paths(
    State(sim): State<Arc<Simulator>>,
    mut req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let path = req.uri().path().to_string();
    let query = req
        .uri()
        .query()
        .map(|q| format!("?{q}"))
        .unwrap_or_default();
    let segments: Vec<&str> = path.trim_start_matches('/').splitn(4, '/').collect();
    match segments.as_slice() {
        ["repos", owner, name, rest @ ..] => {
            let moved = {
                let world = sim.read_world();
                match world.repo(owner, name) {
                    Some(_) => None,
                    None => world.renamed_from(owner, name).map(|r| r.id),
                }
            };
            if let Some(id) = moved {
                let tail = rest.first().map(|r| format!("/{r}")).unwrap_or_default();
                let location = format!("{}/repositories/{id}{tail}{query}", sim.urls.api);
                let body = json!({
                    "message": "Moved Permanently",
                    "url": location,
                    "documentation_url": "https://docs.github.com/rest/guides/best-practices-for-using-the-rest-api#follow-redirects",
                });
                let mut res = (StatusCode::MOVED_PERMANENTLY, axum::Json(body)).into_response();
                if let Ok(v) = HeaderValue::from_str(&location) {
                    res.headers_mut().insert(header::LOCATION, v);
                }
                return with_github_headers(res);
            }
        }
        ["repositories", id, rest, ..] if !rest.is_empty() => {
            let tail = path
                .trim_start_matches('/')
                .splitn(3, '/')
                .nth(2)
                .unwrap_or_default()
                .to_string();
            let full_name = id
                .parse::<u64>()
                .ok()
                .and_then(|id| sim.read_world().repo_by_id(id).map(|r| r.full_name()));
            if let Some(full_name) = full_name {
                let rewritten = format!("/repos/{full_name}/{tail}{query}");
                if let Ok(uri) = rewritten.parse() {
                    *req.uri_mut() = uri;
                }
            }
        }
        _ => {}
    }
    next.run(req).await
}
