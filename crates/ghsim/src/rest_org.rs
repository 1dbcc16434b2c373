//! GitHub's REST endpoints for organisations: the viewer's organisations, an
//! organisation, its repositories, members and teams.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::Router;

use crate::data::{Organization, Repository, User, World};
use crate::json;
use crate::rest::{authenticate, choice, json_object, json_page, require_user, ApiError};
use crate::server::Simulator;

pub fn routes() -> Router<Arc<Simulator>> {
    Router::new()
        .route("/user/orgs", get(list_user_orgs))
        .route("/orgs/{org}", get(get_org))
        .route("/orgs/{org}/repos", get(list_org_repos))
        .route("/orgs/{org}/members", get(list_members))
        .route("/orgs/{org}/teams", get(list_teams))
        .route("/orgs/{org}/teams/{team}/members", get(list_team_members))
        .route("/orgs/{org}/teams/{team}/repos", get(list_team_repos))
        .route("/repositories/{id}", get(repository_by_id))
}

type Q = Query<BTreeMap<String, String>>;

fn organization<'w>(world: &'w World, login: &str) -> Result<&'w Organization, ApiError> {
    if world.org.login.eq_ignore_ascii_case(login) {
        Ok(&world.org)
    } else {
        Err(ApiError::not_found())
    }
}

/// Teams are visible to the organisation's members only.
fn require_member(world: &World, viewer: &User) -> Result<(), ApiError> {
    if world.is_member(viewer.id) {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "Must be an organization member",
        ))
    }
}

async fn list_user_orgs(
    State(sim): State<Arc<Simulator>>,
    headers: HeaderMap,
    Query(query): Q,
) -> Result<Response, ApiError> {
    let world = sim.read_world();
    let user = crate::rest::require_person(&sim, &world, &headers)?;
    let orgs: Vec<&Organization> = if world.is_member(user.id) {
        vec![&world.org]
    } else {
        Vec::new()
    };
    Ok(json_page(&sim, "/user/orgs", &query, orgs, |o| {
        json::organization_simple(o, &sim.urls)
    }))
}

async fn get_org(
    State(sim): State<Arc<Simulator>>,
    headers: HeaderMap,
    Path(org): Path<String>,
) -> Result<Response, ApiError> {
    let world = sim.read_world();
    let viewer = authenticate(&sim, &world, &headers)?;
    let o = organization(&world, &org)?;
    let owner = viewer.is_some_and(|u| o.members.iter().any(|&(id, admin)| id == u.id && admin));
    Ok(json_object(json::organization_full(
        o, &world, &sim.urls, owner,
    )))
}

async fn list_org_repos(
    State(sim): State<Arc<Simulator>>,
    headers: HeaderMap,
    Path(org): Path<String>,
    Query(query): Q,
) -> Result<Response, ApiError> {
    let world = sim.read_world();
    let viewer = authenticate(&sim, &world, &headers)?;
    let o = organization(&world, &org)?;
    let kind = choice(
        &query,
        "type",
        &["all", "public", "private", "forks", "sources", "member"],
        "all",
    )?;
    let sort = choice(
        &query,
        "sort",
        &["created", "updated", "pushed", "full_name"],
        "created",
    )?;
    let default_direction = if sort == "full_name" { "asc" } else { "desc" };
    let direction = choice(&query, "direction", &["asc", "desc"], default_direction)?;
    let mut repos: Vec<&Repository> = world
        .repos
        .iter()
        .filter(|r| r.owner.eq_ignore_ascii_case(&o.login))
        .filter(|r| r.visible_to_viewer(viewer.as_ref()))
        .filter(|r| match kind {
            "public" => !r.private,
            "private" => r.private,
            "forks" => false,
            "member" => viewer
                .as_ref()
                .is_some_and(|u| r.permission_of(u.id).is_some()),
            _ => true,
        })
        .collect();
    match sort {
        "updated" => repos.sort_by_key(|r| (r.updated_at, r.id)),
        "pushed" => repos.sort_by_key(|r| (r.pushed_at, r.id)),
        "full_name" => repos.sort_by_key(|r| r.full_name().to_lowercase()),
        _ => repos.sort_by_key(|r| (r.created_at, r.id)),
    }
    if direction == "desc" {
        repos.reverse();
    }
    let path = format!("/orgs/{}/repos", o.login);
    let viewer_id = viewer.map(|u| u.id);
    Ok(json_page(&sim, &path, &query, repos, |r| {
        json::repository(r, &world, viewer_id, &sim.urls)
    }))
}

async fn list_members(
    State(sim): State<Arc<Simulator>>,
    headers: HeaderMap,
    Path(org): Path<String>,
    Query(query): Q,
) -> Result<Response, ApiError> {
    let world = sim.read_world();
    let viewer = authenticate(&sim, &world, &headers)?;
    let o = organization(&world, &org)?;
    let role = choice(&query, "role", &["all", "admin", "member"], "all")?;
    // Outsiders see public members only; the simulator's members are all concealed.
    let members: Vec<u64> = if viewer.is_some_and(|u| world.is_member(u.id)) {
        o.members
            .iter()
            .filter(|(_, admin)| match role {
                "admin" => *admin,
                "member" => !*admin,
                _ => true,
            })
            .map(|(id, _)| *id)
            .collect()
    } else {
        Vec::new()
    };
    let path = format!("/orgs/{}/members", o.login);
    Ok(json_page(&sim, &path, &query, members, |id| {
        json::user_by_id(&world, id, &sim.urls)
    }))
}

async fn list_teams(
    State(sim): State<Arc<Simulator>>,
    headers: HeaderMap,
    Path(org): Path<String>,
    Query(query): Q,
) -> Result<Response, ApiError> {
    let world = sim.read_world();
    let viewer = require_user(&sim, &world, &headers)?;
    let o = organization(&world, &org)?;
    require_member(&world, &viewer)?;
    let path = format!("/orgs/{}/teams", o.login);
    Ok(json_page(
        &sim,
        &path,
        &query,
        world.teams.iter().collect(),
        |t| json::team(t, o, &sim.urls),
    ))
}

async fn list_team_members(
    State(sim): State<Arc<Simulator>>,
    headers: HeaderMap,
    Path((org, slug)): Path<(String, String)>,
    Query(query): Q,
) -> Result<Response, ApiError> {
    let world = sim.read_world();
    let viewer = require_user(&sim, &world, &headers)?;
    let o = organization(&world, &org)?;
    require_member(&world, &viewer)?;
    let team = world.team(&slug).ok_or_else(ApiError::not_found)?;
    let role = choice(&query, "role", &["member", "maintainer", "all"], "all")?;
    let members: Vec<u64> = team
        .members
        .iter()
        .filter(|(_, maintainer)| match role {
            "maintainer" => *maintainer,
            "member" => !*maintainer,
            _ => true,
        })
        .map(|(id, _)| *id)
        .collect();
    let path = format!("/orgs/{}/teams/{}/members", o.login, team.slug);
    Ok(json_page(&sim, &path, &query, members, |id| {
        json::user_by_id(&world, id, &sim.urls)
    }))
}

async fn list_team_repos(
    State(sim): State<Arc<Simulator>>,
    headers: HeaderMap,
    Path((org, slug)): Path<(String, String)>,
    Query(query): Q,
) -> Result<Response, ApiError> {
    let world = sim.read_world();
    let viewer = require_user(&sim, &world, &headers)?;
    let o = organization(&world, &org)?;
    require_member(&world, &viewer)?;
    let team = world.team(&slug).ok_or_else(ApiError::not_found)?;
    let repos: Vec<&Repository> = team
        .repo_ids
        .iter()
        .filter_map(|id| world.repo_by_id(*id))
        .filter(|r| r.visible_to_viewer(Some(&viewer)))
        .collect();
    let path = format!("/orgs/{}/teams/{}/repos", o.login, team.slug);
    Ok(json_page(&sim, &path, &query, repos, |r| {
        json::repository(r, &world, Some(viewer.id), &sim.urls)
    }))
}

async fn repository_by_id(
    State(sim): State<Arc<Simulator>>,
    headers: HeaderMap,
    Path(id): Path<u64>,
) -> Result<Response, ApiError> {
    let world = sim.read_world();
    let viewer = authenticate(&sim, &world, &headers)?;
    let r = world
        .repo_by_id(id)
        .filter(|r| r.visible_to_viewer(viewer.as_ref()))
        .ok_or_else(ApiError::not_found)?;
    Ok(json_object(json::full_repository(
        r,
        &world,
        viewer.map(|u| u.id),
        &sim.urls,
    )))
}
