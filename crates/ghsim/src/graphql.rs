//! GitHub's GraphQL API at `POST /graphql`, for the queries a dashboard sync sends:
//! repositories (also batched by alias or `nodes(ids:)`), pull requests with reviews,
//! sizes and commits, issues, the default branch's history with CI as check suites and
//! check runs, deployments, releases, stargazers, organisations and teams.
//!
//! Queries are parsed with `graphql-parser`, fragments and variables resolved, then run
//! against the world. GitHub's rules apply: every connection needs `first` or `last`
//! (1-100), a query may not ask for more than 500,000 nodes, and it costs
//! `max(1, round(requests / 100))` points of the separate `graphql` rate limit, where
//! `requests` counts one request per connection per parent node.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use base64::Engine;
use graphql_parser::query as q;
use serde_json::{json, Map, Value};

use crate::data::*;
use crate::json::{self as rest_json, ts, Urls};
use crate::rest::{authenticate, ApiError};
use crate::server::Simulator;

/// The caller's `graphql` budget, put on the request by the rate-limit layer.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    /// `None` where rate limiting is off (GitHub Enterprise Server can run so).
    pub limit: Option<u32>,
    pub used: u32,
    pub reset: i64,
}

/// Points a GraphQL request spent, put on the response for the rate-limit layer.
#[derive(Debug, Clone, Copy)]
pub struct Spent(pub u32);

const NODE_LIMIT: u64 = 500_000;

/// A field as the executor sees it: arguments with variables substituted, fragments
/// flattened into conditional groups.
#[derive(Debug, Clone)]
pub struct Field {
    pub key: String,
    pub name: String,
    pub args: Map<String, Value>,
    pub selections: Vec<Sel>,
}

#[derive(Debug, Clone)]
pub enum Sel {
    Field(Field),
    /// An inline fragment or a fragment spread, with its type condition.
    On(Option<String>, Vec<Sel>),
}

/// Parses `query`, picks the operation and resolves variables and fragments.
pub fn prepare(
    query: &str,
    operation_name: Option<&str>,
    variables: &Map<String, Value>,
) -> Result<Vec<Sel>, String> {
    let doc = q::parse_query::<String>(query).map_err(|e| format!("Parse error: {e}"))?;
    let mut fragments = std::collections::HashMap::new();
    let mut operations = Vec::new();
    for def in &doc.definitions {
        match def {
            q::Definition::Fragment(f) => {
                fragments.insert(f.name.clone(), f);
            }
            q::Definition::Operation(op) => operations.push(op),
        }
    }
    let name_of = |op: &q::OperationDefinition<String>| match op {
        q::OperationDefinition::Query(x) => x.name.clone(),
        q::OperationDefinition::Mutation(x) => x.name.clone(),
        q::OperationDefinition::Subscription(x) => x.name.clone(),
        q::OperationDefinition::SelectionSet(_) => None,
    };
    let op = match operation_name {
        Some(n) => operations
            .iter()
            .find(|op| name_of(op).as_deref() == Some(n))
            .ok_or_else(|| format!("Unknown operation named \"{n}\"."))?,
        None if operations.len() == 1 => &operations[0],
        None => {
            return Err(
                "An operation name is required when a document has several operations.".into(),
            )
        }
    };
    let (selection_set, var_defs) = match op {
        q::OperationDefinition::Query(x) => (&x.selection_set, &x.variable_definitions),
        q::OperationDefinition::SelectionSet(s) => (s, &Vec::new()),
        q::OperationDefinition::Mutation(_) => {
            return Err("The simulator serves queries; mutations are made with /_sim/.".into())
        }
        q::OperationDefinition::Subscription(_) => {
            return Err("Subscriptions are not supported by GitHub.".into())
        }
    };
    let mut vars = variables.clone();
    for d in var_defs.iter() {
        if !vars.contains_key(&d.name) {
            match &d.default_value {
                Some(v) => {
                    vars.insert(d.name.clone(), literal(v, &Map::new()));
                }
                None if matches!(d.var_type, q::Type::NonNullType(_)) => {
                    return Err(format!(
                        "Variable ${} of type {} was provided invalid value",
                        d.name, d.var_type
                    ));
                }
                None => {}
            }
        }
    }
    let ctx = Prep {
        fragments: &fragments,
        vars: &vars,
    };
    ctx.selections(selection_set, 0)
}

struct Prep<'a, 'd> {
    fragments: &'a std::collections::HashMap<String, &'d q::FragmentDefinition<'d, String>>,
    vars: &'a Map<String, Value>,
}

impl Prep<'_, '_> {
    fn selections(&self, set: &q::SelectionSet<String>, depth: usize) -> Result<Vec<Sel>, String> {
        if depth > 40 {
            return Err("Query has depth of more than 40, which exceeds the max depth".into());
        }
        let mut out = Vec::new();
        for item in &set.items {
            match item {
                q::Selection::Field(f) => out.push(Sel::Field(Field {
                    key: f.alias.clone().unwrap_or_else(|| f.name.clone()),
                    name: f.name.clone(),
                    args: f
                        .arguments
                        .iter()
                        .map(|(k, v)| (k.clone(), literal(v, self.vars)))
                        .collect(),
                    selections: self.selections(&f.selection_set, depth + 1)?,
                })),
                q::Selection::InlineFragment(f) => {
                    let on = f
                        .type_condition
                        .as_ref()
                        .map(|q::TypeCondition::On(t)| t.clone());
                    out.push(Sel::On(on, self.selections(&f.selection_set, depth + 1)?));
                }
                q::Selection::FragmentSpread(s) => {
                    let f = self.fragments.get(&s.fragment_name).ok_or_else(|| {
                        format!("Fragment {} was used, but not defined", s.fragment_name)
                    })?;
                    let q::TypeCondition::On(t) = &f.type_condition;
                    out.push(Sel::On(
                        Some(t.clone()),
                        self.selections(&f.selection_set, depth + 1)?,
                    ));
                }
            }
        }
        Ok(out)
    }
}

fn literal(v: &q::Value<String>, vars: &Map<String, Value>) -> Value {
    match v {
        q::Value::Variable(n) => vars.get(n).cloned().unwrap_or(Value::Null),
        q::Value::Int(n) => n.as_i64().map_or(Value::Null, Value::from),
        q::Value::Float(f) => json!(f),
        q::Value::String(s) => Value::String(s.clone()),
        q::Value::Boolean(b) => Value::Bool(*b),
        q::Value::Null => Value::Null,
        q::Value::Enum(e) => Value::String(e.clone()),
        q::Value::List(l) => Value::Array(l.iter().map(|x| literal(x, vars)).collect()),
        q::Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, x)| (k.clone(), literal(x, vars)))
                .collect(),
        ),
    }
}

/// A list-of-strings argument (`states`, `labels`, `ids`, ...); empty when absent.
fn string_list(f: &Field, name: &str) -> Vec<String> {
    f.args
        .get(name)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn page_size(f: &Field) -> Option<u64> {
    f.args
        .get("first")
        .and_then(Value::as_u64)
        .or_else(|| f.args.get("last").and_then(Value::as_u64))
}

/// GitHub's cost rules: one request per connection per parent node (`requests`), and
/// the nodes a query may return (`nodes`).
pub fn tally(sels: &[Sel]) -> (u64, u64) {
    fn walk(sels: &[Sel], multiplier: u64, requests: &mut u64, nodes: &mut u64) {
        for s in sels {
            match s {
                Sel::Field(f) => match page_size(f) {
                    Some(n) => {
                        *requests += multiplier;
                        *nodes += multiplier * n;
                        walk(&f.selections, multiplier * n.max(1), requests, nodes);
                    }
                    None => walk(&f.selections, multiplier, requests, nodes),
                },
                Sel::On(_, inner) => walk(inner, multiplier, requests, nodes),
            }
        }
    }
    let (mut requests, mut nodes) = (0, 0);
    walk(sels, 1, &mut requests, &mut nodes);
    (requests, nodes)
}

/// Points a query costs.
pub fn cost(sels: &[Sel]) -> u32 {
    let (requests, _) = tally(sels);
    ((requests as f64 / 100.0).round() as u32).max(1)
}

#[derive(serde::Deserialize)]
struct Request {
    query: String,
    #[serde(default)]
    variables: Option<Map<String, Value>>,
    #[serde(rename = "operationName")]
    operation_name: Option<String>,
}

/// A query refused before it ran (syntax, validation, node limit, budget): no data, and
/// no points spent.
fn errors_only(errors: Vec<Value>) -> Response {
    let mut res =
        crate::rest::with_github_headers(Json(json!({ "errors": errors })).into_response());
    res.extensions_mut().insert(Spent(0));
    res
}

pub async fn handle(
    State(sim): State<Arc<Simulator>>,
    budget: Option<Extension<Budget>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let world = sim.read_world();
    let viewer = authenticate(&sim, &world, &headers)?.ok_or_else(|| {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "This endpoint requires you to be authenticated.",
        )
        .documented_at("https://docs.github.com/graphql/guides/forming-calls-with-graphql#authenticating-with-graphql")
    })?;
    let req: Request = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                format!("Problems parsing JSON: {e}"),
            ))
        }
    };
    let sels = match prepare(
        &req.query,
        req.operation_name.as_deref(),
        &req.variables.unwrap_or_default(),
    ) {
        Ok(s) => s,
        Err(message) => return Ok(errors_only(vec![json!({ "message": message })])),
    };
    let (_, nodes) = tally(&sels);
    if nodes > NODE_LIMIT {
        return Ok(errors_only(vec![json!({
            "type": "MAX_NODE_LIMIT_EXCEEDED",
            "message": format!("This query requests up to {nodes} possible nodes which exceeds the maximum limit of {NODE_LIMIT}."),
        })]));
    }
    let cost = cost(&sels);
    let budget = budget.map(|Extension(b)| b);
    let rate = match budget {
        Some(Budget {
            limit: Some(limit),
            used,
            reset,
        }) => {
            if used + cost > limit {
                return Ok(errors_only(vec![json!({
                    "type": "RATE_LIMITED",
                    "message": format!("API rate limit exceeded for user ID {}.", viewer.id),
                })]));
            }
            json!({
                "cost": cost,
                "limit": limit,
                "remaining": limit - used - cost,
                "used": used + cost,
                "resetAt": ts(chrono::DateTime::from_timestamp(reset, 0).unwrap_or(world.now)),
                "nodeCount": nodes,
            })
        }
        _ => Value::Null,
    };
    let mut exec = Exec {
        world: &world,
        viewer: &viewer,
        urls: &sim.urls,
        rate,
        errors: Vec::new(),
        invalid: Vec::new(),
        path: Vec::new(),
    };
    let data = exec.object(&Obj::Query, &sels);
    if !exec.invalid.is_empty() {
        return Ok(errors_only(exec.invalid));
    }
    let mut body = json!({ "data": data });
    if !exec.errors.is_empty() {
        body["errors"] = Value::Array(exec.errors);
    }
    let mut res = crate::rest::with_github_headers(Json(body).into_response());
    res.extensions_mut()
        .insert(Spent(if budget.and_then(|b| b.limit).is_some() {
            cost
        } else {
            0
        }));
    Ok(res)
}

/// What a selection is resolved on.
#[derive(Clone)]
enum Obj<'w> {
    Query,
    RateLimit,
    Account(u64),
    Org,
    Team(&'w Team),
    Repo(&'w Repository),
    Language(&'w str),
    Topic(&'static str),
    Ref(&'w Repository),
    Pull(&'w Repository, &'w PullRequest),
    PullCommit(&'w Repository, Sha),
    Review(&'w Repository, &'w PullRequest, &'w Review),
    ReadyForReview(Time),
    /// A comment on an issue or on a pull request's conversation, with the item's URL.
    Comment(&'w Repository, u64, &'w Comment),
    Issue(&'w Repository, &'w Issue),
    Label(&'static str),
    Commit(&'w Repository, Sha),
    GitActor(u64, Time),
    CheckSuite(&'w Repository, &'w WorkflowRun),
    CheckRun(&'w Repository, &'w WorkflowRun, Job),
    Run(&'w Repository, &'w WorkflowRun),
    Workflow(&'w Workflow),
    App,
    Deployment(&'w Repository, &'w Deployment),
    DeploymentStatus(&'w DeploymentStatus),
    Release(&'w Repository, &'w Release),
    /// A stargazer edge: `starredAt` on the edge, the account as its node.
    Stargazer(&'w Star),
    /// An item of a connection only counted.
    Count,
}

impl Obj<'_> {
    fn typename(&self) -> &'static str {
        match self {
            Obj::Query => "Query",
            Obj::RateLimit => "RateLimit",
            Obj::Account(_) => "User",
            Obj::Org => "Organization",
            Obj::Team(_) => "Team",
            Obj::Repo(_) => "Repository",
            Obj::Language(_) => "Language",
            Obj::Topic(_) => "Topic",
            Obj::Ref(_) => "Ref",
            Obj::Pull(..) => "PullRequest",
            Obj::PullCommit(..) => "PullRequestCommit",
            Obj::Review(..) => "PullRequestReview",
            Obj::ReadyForReview(_) => "ReadyForReviewEvent",
            Obj::Comment(..) => "IssueComment",
            Obj::Issue(..) => "Issue",
            Obj::Label(_) => "Label",
            Obj::Commit(..) => "Commit",
            Obj::GitActor(..) => "GitActor",
            Obj::CheckSuite(..) => "CheckSuite",
            Obj::CheckRun(..) => "CheckRun",
            Obj::Run(..) => "WorkflowRun",
            Obj::Workflow(..) => "Workflow",
            Obj::App => "App",
            Obj::Deployment(..) => "Deployment",
            Obj::DeploymentStatus(..) => "DeploymentStatus",
            Obj::Release(..) => "Release",
            Obj::Stargazer(_) => "StargazerEdge",
            Obj::Count => "Connection",
        }
    }

    /// Whether a fragment on `condition` applies: the type itself or an interface or
    /// union it belongs to.
    fn is(&self, condition: &str, world: &World) -> bool {
        let name = match self {
            Obj::Account(id) if world.account(*id).is_some_and(|a| a.is_bot) => "Bot",
            _ => self.typename(),
        };
        if name == condition {
            return true;
        }
        let interfaces: &[&str] = match name {
            "User" => &["Actor", "Node", "RepositoryOwner", "UniqueActor"],
            "Bot" => &["Actor", "Node", "UniformResourceLocatable"],
            "Organization" => &["Actor", "Node", "RepositoryOwner", "UniqueActor"],
            "Repository" => &["Node", "RepositoryInfo", "UniformResourceLocatable"],
            "PullRequest" => &[
                "Node",
                "Assignable",
                "Closable",
                "Comment",
                "Labelable",
                "UniformResourceLocatable",
                "IssueOrPullRequest",
            ],
            "Issue" => &[
                "Node",
                "Assignable",
                "Closable",
                "Comment",
                "Labelable",
                "UniformResourceLocatable",
                "IssueOrPullRequest",
            ],
            "Commit" => &["Node", "GitObject", "UniformResourceLocatable"],
            "IssueComment" => &["Node", "Comment", "UniformResourceLocatable"],
            "CheckSuite" | "CheckRun" | "WorkflowRun" | "Workflow" | "Deployment"
            | "DeploymentStatus" | "Release" | "Team" | "PullRequestReview" | "Label" | "Ref" => {
                &["Node"]
            }
            "ReadyForReviewEvent" => &["Node", "PullRequestTimelineItems"],
            _ => &[],
        };
        interfaces.contains(&condition)
    }
}

fn node_id(kind: &str, id: u64) -> String {
    base64::engine::general_purpose::STANDARD_NO_PAD.encode(format!("0:{kind}{id}"))
}

/// The kind and id inside a node id.
fn parse_node_id(id: &str) -> Option<(String, u64)> {
    let raw = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(id.trim_end_matches('='))
        .ok()?;
    let text = String::from_utf8(raw).ok()?;
    let rest = text.strip_prefix("0:")?;
    let split = rest.find(|c: char| c.is_ascii_digit())?;
    Some((rest[..split].to_string(), rest[split..].parse().ok()?))
}

fn cursor(index: usize) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("cursor:v2:{index}"))
}

fn cursor_index(text: &str) -> Option<usize> {
    let raw = base64::engine::general_purpose::STANDARD
        .decode(text)
        .ok()?;
    String::from_utf8(raw)
        .ok()?
        .strip_prefix("cursor:v2:")?
        .parse()
        .ok()
}

fn upper(s: &str) -> String {
    s.to_ascii_uppercase()
}

struct Exec<'w> {
    world: &'w World,
    viewer: &'w User,
    urls: &'w Urls,
    rate: Value,
    errors: Vec<Value>,
    /// Errors GitHub finds before running a query (unknown fields, pagination rules):
    /// the query then returns no data and costs nothing.
    invalid: Vec<Value>,
    path: Vec<Value>,
}

fn is_validation(message: &str) -> bool {
    message.starts_with("Field '")
        || message.contains("must provide a `first` or `last`")
        || message.contains("records on the `")
}

type Res = Result<Value, String>;

impl<'w> Exec<'w> {
    fn object(&mut self, obj: &Obj<'w>, sels: &[Sel]) -> Value {
        let mut out = Map::new();
        self.fill(obj, sels, &mut out);
        Value::Object(out)
    }

    fn fill(&mut self, obj: &Obj<'w>, sels: &[Sel], out: &mut Map<String, Value>) {
        for s in sels {
            match s {
                Sel::Field(f) if f.name == "__typename" => {
                    let name = match obj {
                        Obj::Account(id) if self.world.account(*id).is_some_and(|a| a.is_bot) => {
                            "Bot"
                        }
                        _ => obj.typename(),
                    };
                    out.insert(f.key.clone(), Value::String(name.into()));
                }
                Sel::Field(f) => {
                    self.path.push(Value::String(f.key.clone()));
                    let v = match self.field(obj, f) {
                        Ok(v) => v,
                        Err(message) => {
                            let error = json!({ "path": self.path.clone(), "message": message });
                            if is_validation(&message) {
                                self.invalid.push(error);
                            } else {
                                self.errors.push(error);
                            }
                            Value::Null
                        }
                    };
                    self.path.pop();
                    out.insert(f.key.clone(), v);
                }
                Sel::On(cond, inner) => {
                    if cond.as_deref().is_none_or(|c| obj.is(c, self.world)) {
                        self.fill(obj, inner, out);
                    }
                }
            }
        }
    }

    fn nested(&mut self, obj: Option<Obj<'w>>, f: &Field) -> Value {
        match obj {
            Some(o) => self.object(&o, &f.selections),
            None => Value::Null,
        }
    }

    fn unknown(obj: &Obj<'_>, f: &Field) -> String {
        format!(
            "Field '{}' doesn't exist on type '{}'",
            f.name,
            obj.typename()
        )
    }

    /// A connection over `items`, already in the connection's order.
    fn connection(&mut self, items: Vec<Obj<'w>>, f: &Field) -> Res {
        let first = f.args.get("first").and_then(Value::as_u64);
        let last = f.args.get("last").and_then(Value::as_u64);
        if first.is_none() && last.is_none() {
            return Err(format!(
                "You must provide a `first` or `last` value to properly paginate the `{}` connection.",
                f.name
            ));
        }
        for (arg, n) in [("first", first), ("last", last)] {
            if n.is_some_and(|n| n > 100) {
                return Err(format!(
                    "Requesting {} records on the `{}` connection exceeds the `{arg}` limit of 100 records.",
                    n.unwrap_or(0),
                    f.name
                ));
            }
        }
        let total = items.len();
        let mut start = match f.args.get("after").and_then(Value::as_str) {
            Some(c) => {
                cursor_index(c)
                    .ok_or_else(|| format!("`{c}` does not appear to be a valid cursor."))?
                    + 1
            }
            None => 0,
        };
        let mut end = match f.args.get("before").and_then(Value::as_str) {
            Some(c) => cursor_index(c)
                .ok_or_else(|| format!("`{c}` does not appear to be a valid cursor."))?,
            None => total,
        };
        start = start.min(total);
        end = end.clamp(start, total);
        if let Some(n) = first {
            end = end.min(start + n as usize);
        }
        if let Some(n) = last {
            start = start.max(end.saturating_sub(n as usize));
        }
        let mut out = Map::new();
        for s in flatten(&f.selections) {
            match s.name.as_str() {
                "totalCount" => {
                    out.insert(s.key.clone(), json!(total));
                }
                "pageInfo" => {
                    let mut info = Map::new();
                    for p in flatten(&s.selections) {
                        let v = match p.name.as_str() {
                            "hasNextPage" => json!(end < total),
                            "hasPreviousPage" => json!(start > 0),
                            "startCursor" => {
                                if start < end {
                                    json!(cursor(start))
                                } else {
                                    Value::Null
                                }
                            }
                            "endCursor" => {
                                if start < end {
                                    json!(cursor(end - 1))
                                } else {
                                    Value::Null
                                }
                            }
                            "__typename" => json!("PageInfo"),
                            other => {
                                return Err(format!(
                                    "Field '{other}' doesn't exist on type 'PageInfo'"
                                ))
                            }
                        };
                        info.insert(p.key.clone(), v);
                    }
                    out.insert(s.key.clone(), Value::Object(info));
                }
                "nodes" => {
                    let nodes: Vec<Value> = items[start..end]
                        .iter()
                        .map(|o| {
                            let node = node_of(o);
                            self.object(&node, &s.selections)
                        })
                        .collect();
                    out.insert(s.key.clone(), Value::Array(nodes));
                }
                "edges" => {
                    let mut edges = Vec::new();
                    for (i, o) in items[start..end].iter().enumerate() {
                        let mut edge = Map::new();
                        for e in flatten(&s.selections) {
                            let v = match (e.name.as_str(), o) {
                                ("cursor", _) => json!(cursor(start + i)),
                                ("node", _) => {
                                    let node = node_of(o);
                                    self.object(&node, &e.selections)
                                }
                                ("starredAt", Obj::Stargazer(star)) => json!(ts(star.starred_at)),
                                ("__typename", _) => json!(o.typename()),
                                (other, _) => {
                                    return Err(format!(
                                        "Field '{other}' doesn't exist on the edge type"
                                    ))
                                }
                            };
                            edge.insert(e.key.clone(), v);
                        }
                        edges.push(Value::Object(edge));
                    }
                    out.insert(s.key.clone(), Value::Array(edges));
                }
                "__typename" => {
                    out.insert(s.key.clone(), json!("Connection"));
                }
                other => {
                    return Err(format!(
                        "Field '{other}' doesn't exist on the connection type"
                    ))
                }
            }
        }
        Ok(Value::Object(out))
    }

    fn repo_visible(&self, r: &Repository) -> bool {
        r.visible_to(self.viewer.id)
    }

    fn field(&mut self, obj: &Obj<'w>, f: &Field) -> Res {
        let world = self.world;
        let arg_str = |name: &str| f.args.get(name).and_then(Value::as_str).map(str::to_string);
        match obj {
            Obj::Query => match f.name.as_str() {
                "viewer" => Ok(self.object(&Obj::Account(self.viewer.id), &f.selections)),
                "rateLimit" => Ok(if self.rate.is_null() {
                    Value::Null
                } else {
                    self.object(&Obj::RateLimit, &f.selections)
                }),
                "repository" => {
                    let owner = arg_str("owner").unwrap_or_default();
                    let name = arg_str("name").unwrap_or_default();
                    let found = world
                        .repo(&owner, &name)
                        .or_else(|| world.renamed_from(&owner, &name))
                        .filter(|r| self.repo_visible(r));
                    match found {
                        Some(r) => Ok(self.object(&Obj::Repo(r), &f.selections)),
                        None => {
                            self.errors.push(json!({
                                "type": "NOT_FOUND",
                                "path": self.path.clone(),
                                "message": format!("Could not resolve to a Repository with the name '{owner}/{name}'."),
                            }));
                            Ok(Value::Null)
                        }
                    }
                }
                "organization" => {
                    let login = arg_str("login").unwrap_or_default();
                    if world.org.login.eq_ignore_ascii_case(&login) {
                        Ok(self.object(&Obj::Org, &f.selections))
                    } else {
                        self.errors.push(json!({
                            "type": "NOT_FOUND",
                            "path": self.path.clone(),
                            "message": format!("Could not resolve to an Organization with the login of '{login}'."),
                        }));
                        Ok(Value::Null)
                    }
                }
                "user" => {
                    let login = arg_str("login").unwrap_or_default();
                    let user = world.user_by_login(&login).map(|u| Obj::Account(u.id));
                    Ok(self.nested(user, f))
                }
                "node" => {
                    let id = arg_str("id").unwrap_or_default();
                    let found = self.lookup(&id);
                    Ok(self.nested(found, f))
                }
                "nodes" => {
                    let ids: Vec<String> = string_list(f, "ids");
                    if ids.len() > 100 {
                        return Err("You may not ask for more than 100 nodes at once.".into());
                    }
                    let mut out = Vec::new();
                    for (i, id) in ids.iter().enumerate() {
                        match self.lookup(id) {
                            Some(o) => out.push(self.object(&o, &f.selections)),
                            None => {
                                let mut path = self.path.clone();
                                path.push(json!(i));
                                self.errors.push(json!({
                                    "type": "NOT_FOUND",
                                    "path": path,
                                    "message": format!("Could not resolve to a node with the global id of '{id}'"),
                                }));
                                out.push(Value::Null);
                            }
                        }
                    }
                    Ok(Value::Array(out))
                }
                _ => Err(Self::unknown(obj, f)),
            },
            Obj::RateLimit => Ok(self
                .rate
                .get(&f.name)
                .cloned()
                .ok_or_else(|| Self::unknown(obj, f))?),
            Obj::Account(id) => {
                let a = world.account(*id).ok_or("account vanished")?;
                let user = world.user(*id);
                match f.name.as_str() {
                    "login" => Ok(json!(a.login)),
                    "id" => Ok(json!(node_id(if a.is_bot { "Bot" } else { "User" }, *id))),
                    "databaseId" => Ok(json!(id)),
                    "name" => Ok(user.map_or(Value::Null, |u| json!(u.name))),
                    "email" => Ok(json!(user.map_or("", |u| u.email.as_str()))),
                    "url" => Ok(json!(format!("{}/{}", self.urls.web, a.login))),
                    "avatarUrl" => Ok(json!(format!("{}/avatars/u/{id}?v=4", self.urls.web))),
                    "createdAt" => Ok(user.map_or(Value::Null, |u| json!(ts(u.created_at)))),
                    "organizations" => {
                        let orgs = if world.is_member(*id) {
                            vec![Obj::Org]
                        } else {
                            Vec::new()
                        };
                        self.connection(orgs, f)
                    }
                    "repositories" => {
                        let repos = world.repos_of(*id).map(Obj::Repo).collect();
                        self.connection(repos, f)
                    }
                    _ => Err(Self::unknown(obj, f)),
                }
            }
            Obj::Org => match f.name.as_str() {
                "login" => Ok(json!(world.org.login)),
                "name" => Ok(json!(world.org.name)),
                "id" => Ok(json!(node_id("Organization", world.org.id))),
                "databaseId" => Ok(json!(world.org.id)),
                "url" => Ok(json!(format!("{}/{}", self.urls.web, world.org.login))),
                "createdAt" => Ok(json!(ts(world.org.created_at))),
                "repositories" => {
                    let mut repos: Vec<&Repository> = world
                        .repos
                        .iter()
                        .filter(|r| self.repo_visible(r))
                        .collect();
                    order_repos(&mut repos, f);
                    self.connection(repos.into_iter().map(Obj::Repo).collect(), f)
                }
                "teams" => {
                    if !world.is_member(self.viewer.id) {
                        return self.connection(Vec::new(), f);
                    }
                    self.connection(world.teams.iter().map(Obj::Team).collect(), f)
                }
                "team" => {
                    let slug = arg_str("slug").unwrap_or_default();
                    let team = world
                        .team(&slug)
                        .filter(|_| world.is_member(self.viewer.id))
                        .map(Obj::Team);
                    Ok(self.nested(team, f))
                }
                "membersWithRole" => {
                    let members = world
                        .org
                        .members
                        .iter()
                        .map(|(id, _)| Obj::Account(*id))
                        .collect();
                    self.connection(members, f)
                }
                _ => Err(Self::unknown(obj, f)),
            },
            Obj::Team(t) => match f.name.as_str() {
                "slug" => Ok(json!(t.slug)),
                "name" => Ok(json!(t.name)),
                "id" => Ok(json!(node_id("Team", t.id))),
                "databaseId" => Ok(json!(t.id)),
                "description" => Ok(json!(t.description)),
                "members" => self.connection(
                    t.members.iter().map(|(id, _)| Obj::Account(*id)).collect(),
                    f,
                ),
                "repositories" => {
                    let repos = t
                        .repo_ids
                        .iter()
                        .filter_map(|id| world.repo_by_id(*id))
                        .filter(|r| self.repo_visible(r))
                        .map(Obj::Repo)
                        .collect();
                    self.connection(repos, f)
                }
                _ => Err(Self::unknown(obj, f)),
            },
            Obj::Repo(r) => self.repo_field(r, f),
            Obj::Language(name) => match f.name.as_str() {
                "name" => Ok(json!(name)),
                _ => Err(Self::unknown(obj, f)),
            },
            Obj::Topic(name) => match f.name.as_str() {
                "name" => Ok(json!(name)),
                "topic" => Ok(self.object(&Obj::Topic(name), &f.selections)),
                _ => Err(Self::unknown(obj, f)),
            },
            Obj::Ref(r) => match f.name.as_str() {
                "name" => Ok(json!(r.default_branch)),
                "prefix" => Ok(json!("refs/heads/")),
                "target" => {
                    let head = r.head().map(|c| Obj::Commit(r, c.sha));
                    Ok(self.nested(head, f))
                }
                _ => Err(Self::unknown(obj, f)),
            },
            Obj::Pull(r, p) => self.pull_field(r, p, f),
            Obj::PullCommit(r, sha) => match f.name.as_str() {
                "commit" => Ok(self.object(&Obj::Commit(r, *sha), &f.selections)),
                _ => Err(Self::unknown(obj, f)),
            },
            Obj::Review(r, p, v) => match f.name.as_str() {
                "id" => Ok(json!(node_id("PullRequestReview", v.id))),
                "databaseId" => Ok(json!(v.id)),
                "state" => Ok(json!(v.state.as_str())),
                "submittedAt" | "createdAt" | "publishedAt" => Ok(json!(ts(v.submitted_at))),
                "author" => Ok(self.object(&Obj::Account(v.reviewer_id), &f.selections)),
                "authorAssociation" => Ok(json!(match r.permission_of(v.reviewer_id) {
                    Some(Permission::Admin) => "OWNER",
                    Some(_) => "MEMBER",
                    None => "CONTRIBUTOR",
                })),
                "commit" => Ok(self.object(&Obj::Commit(r, v.commit_sha), &f.selections)),
                "comments" => {
                    let n = p
                        .review_comments
                        .iter()
                        .filter(|c| c.review_id == v.id)
                        .count();
                    self.count_connection(n, f)
                }
                "url" => Ok(json!(format!(
                    "{}/{}/pull/{}#pullrequestreview-{}",
                    self.urls.web,
                    r.full_name(),
                    p.number,
                    v.id
                ))),
                _ => Err(Self::unknown(obj, f)),
            },
            Obj::Comment(r, number, c) => match f.name.as_str() {
                "id" => Ok(json!(node_id("IssueComment", c.id))),
                "databaseId" | "fullDatabaseId" => Ok(json!(c.id)),
                "createdAt" | "publishedAt" => Ok(json!(ts(c.created_at))),
                "updatedAt" | "lastEditedAt" => Ok(json!(ts(c.updated_at))),
                "author" => Ok(self.object(&Obj::Account(c.author_id), &f.selections)),
                "url" => Ok(json!(format!(
                    "{}/{}/issues/{number}#issuecomment-{}",
                    self.urls.web,
                    r.full_name(),
                    c.id
                ))),
                _ => Err(Self::unknown(obj, f)),
            },
            Obj::ReadyForReview(at) => match f.name.as_str() {
                "createdAt" => Ok(json!(ts(*at))),
                _ => Err(Self::unknown(obj, f)),
            },
            Obj::Issue(r, i) => self.issue_field(r, i, f),
            Obj::Label(name) => match f.name.as_str() {
                "name" => Ok(json!(name)),
                "color" => Ok(json!(LABELS
                    .iter()
                    .find(|l| l.0 == *name)
                    .map_or("ededed", |l| l.1))),
                _ => Err(Self::unknown(obj, f)),
            },
            Obj::Commit(r, sha) => self.commit_field(r, *sha, f),
            Obj::GitActor(id, at) => match f.name.as_str() {
                "date" => Ok(json!(ts(*at))),
                "name" => Ok(json!(world
                    .user(*id)
                    .map_or("unknown", |u| u.name.as_str()))),
                "email" => Ok(json!(world.user(*id).map_or("", |u| u.email.as_str()))),
                "user" => Ok(self.nested(world.user(*id).map(|u| Obj::Account(u.id)), f)),
                _ => Err(Self::unknown(obj, f)),
            },
            Obj::CheckSuite(r, run) => match f.name.as_str() {
                "id" => Ok(json!(node_id("CheckSuite", run.id + 1))),
                "databaseId" => Ok(json!(run.id + 1)),
                "status" => Ok(json!(upper(run.status.as_str()))),
                "conclusion" => Ok(run
                    .conclusion
                    .map_or(Value::Null, |c| json!(upper(c.as_str())))),
                "createdAt" => Ok(json!(ts(run.created_at))),
                "updatedAt" => Ok(json!(ts(run.updated_at))),
                "app" => Ok(self.object(&Obj::App, &f.selections)),
                "branch" => Ok(json!({ "name": r.run_branch(run) }))
                    .map(|v| select_plain(&v, &f.selections)),
                "commit" => Ok(self.object(&Obj::Commit(r, run.head_sha), &f.selections)),
                "workflowRun" => Ok(self.object(&Obj::Run(r, run), &f.selections)),
                "checkRuns" => {
                    let jobs = r
                        .workflow(run.workflow_id)
                        .map(|w| run.jobs(w))
                        .unwrap_or_default();
                    let items = jobs.into_iter().map(|j| Obj::CheckRun(r, run, j)).collect();
                    self.connection(items, f)
                }
                "url" | "resourcePath" => Ok(json!(format!(
                    "{}/{}/commit/{}/checks?check_suite_id={}",
                    self.urls.web,
                    r.full_name(),
                    run.head_sha,
                    run.id + 1
                ))),
                _ => Err(Self::unknown(obj, f)),
            },
            Obj::CheckRun(r, run, j) => match f.name.as_str() {
                "id" => Ok(json!(node_id("CheckRun", j.id))),
                "databaseId" => Ok(json!(j.id)),
                "name" => Ok(json!(j.name)),
                "status" => Ok(json!(upper(j.status.as_str()))),
                "conclusion" => Ok(j
                    .conclusion
                    .map_or(Value::Null, |c| json!(upper(c.as_str())))),
                "startedAt" => Ok(json!(ts(j.started_at))),
                "completedAt" => Ok(j.completed_at.map_or(Value::Null, |t| json!(ts(t)))),
                "url" | "detailsUrl" | "permalink" => Ok(json!(format!(
                    "{}/{}/actions/runs/{}/job/{}",
                    self.urls.web,
                    r.full_name(),
                    run.id,
                    j.id
                ))),
                "checkSuite" => Ok(self.object(&Obj::CheckSuite(r, run), &f.selections)),
                _ => Err(Self::unknown(obj, f)),
            },
            Obj::Run(r, run) => match f.name.as_str() {
                "id" => Ok(json!(node_id("WorkflowRun", run.id))),
                "databaseId" => Ok(json!(run.id)),
                "runNumber" => Ok(json!(run.run_number)),
                "event" => Ok(json!(run.event)),
                "createdAt" => Ok(json!(ts(run.created_at))),
                "updatedAt" => Ok(json!(ts(run.updated_at))),
                "url" | "resourcePath" => Ok(json!(format!(
                    "{}/{}/actions/runs/{}",
                    self.urls.web,
                    r.full_name(),
                    run.id
                ))),
                "workflow" => {
                    let w = r.workflow(run.workflow_id).map(Obj::Workflow);
                    Ok(self.nested(w, f))
                }
                "checkSuite" => Ok(self.object(&Obj::CheckSuite(r, run), &f.selections)),
                _ => Err(Self::unknown(obj, f)),
            },
            Obj::Workflow(w) => match f.name.as_str() {
                "id" => Ok(json!(node_id("Workflow", w.id))),
                "databaseId" => Ok(json!(w.id)),
                "name" => Ok(json!(w.name)),
                "createdAt" => Ok(json!(ts(w.created_at))),
                "updatedAt" => Ok(json!(ts(w.updated_at))),
                "state" => Ok(json!("ACTIVE")),
                _ => Err(Self::unknown(obj, f)),
            },
            Obj::App => match f.name.as_str() {
                "slug" => Ok(json!("github-actions")),
                "name" => Ok(json!("GitHub Actions")),
                "databaseId" => Ok(json!(15368)),
                "id" => Ok(json!(node_id("App", 15368))),
                _ => Err(Self::unknown(obj, f)),
            },
            Obj::Deployment(r, d) => match f.name.as_str() {
                "id" => Ok(json!(node_id("Deployment", d.id))),
                "databaseId" => Ok(json!(d.id)),
                "environment" | "originalEnvironment" => Ok(json!(d.environment)),
                "createdAt" => Ok(json!(ts(d.created_at))),
                "updatedAt" => Ok(json!(ts(d.updated_at))),
                "commitOid" => Ok(json!(d.sha.hex())),
                "commit" => Ok(self.object(&Obj::Commit(r, d.sha), &f.selections)),
                "task" => Ok(json!("deploy")),
                "creator" => Ok(self.object(&Obj::Account(d.creator_id), &f.selections)),
                "state" => Ok(json!(d
                    .statuses
                    .last()
                    .map_or("PENDING".to_string(), |s| upper(s.state)))),
                "latestStatus" => {
                    let s = d.statuses.last().map(Obj::DeploymentStatus);
                    Ok(self.nested(s, f))
                }
                "statuses" => {
                    let items = d.statuses.iter().rev().map(Obj::DeploymentStatus).collect();
                    self.connection(items, f)
                }
                _ => Err(Self::unknown(obj, f)),
            },
            Obj::DeploymentStatus(s) => match f.name.as_str() {
                "id" => Ok(json!(node_id("DeploymentStatus", s.id))),
                "state" => Ok(json!(upper(s.state))),
                "createdAt" | "updatedAt" => Ok(json!(ts(s.created_at))),
                "creator" => Ok(self.object(&Obj::Account(s.creator_id), &f.selections)),
                _ => Err(Self::unknown(obj, f)),
            },
            Obj::Release(r, x) => match f.name.as_str() {
                "id" => Ok(json!(node_id("Release", x.id))),
                "databaseId" => Ok(json!(x.id)),
                "name" => Ok(json!(x.name)),
                "tagName" => Ok(json!(x.tag)),
                "createdAt" => Ok(json!(ts(x.created_at))),
                "publishedAt" => Ok(json!(ts(x.published_at))),
                "isPrerelease" => Ok(json!(x.prerelease)),
                "isDraft" => Ok(json!(false)),
                "tagCommit" => Ok(self.object(&Obj::Commit(r, x.sha), &f.selections)),
                "author" => Ok(self.object(&Obj::Account(x.author_id), &f.selections)),
                _ => Err(Self::unknown(obj, f)),
            },
            Obj::Stargazer(_) | Obj::Count => Err(Self::unknown(obj, f)),
        }
    }

    /// A connection only asked for its size (`comments { totalCount }` and the like).
    fn count_connection(&mut self, n: usize, f: &Field) -> Res {
        self.connection((0..n).map(|_| Obj::Count).collect(), f)
    }

    fn lookup(&self, id: &str) -> Option<Obj<'w>> {
        let (kind, n) = parse_node_id(id)?;
        let world = self.world;
        let visible = |r: &&Repository| r.visible_to(self.viewer.id);
        // An item by id, in a repository the viewer may see.
        let located = |kind: NodeKind, id: u64| -> Option<(&'w Repository, usize)> {
            let (r, i) = world.locate(kind, id)?;
            Some((&world.repos[r], i)).filter(|(repo, _)| visible(repo))
        };
        match kind.as_str() {
            "Repository" => world.repo_by_id(n).filter(visible).map(Obj::Repo),
            "PullRequest" => {
                let (repo, i) = located(NodeKind::Pull, n)?;
                Some(Obj::Pull(repo, &repo.pulls[i]))
            }
            "Issue" => {
                let (repo, i) = located(NodeKind::Issue, n)?;
                Some(Obj::Issue(repo, &repo.issues[i]))
            }
            "User" | "Bot" => world.account(n).map(|_| Obj::Account(n)),
            // A check suite's id is its workflow run's id + 1 (as the REST API reports).
            "CheckSuite" => {
                let (repo, i) = located(NodeKind::Run, n.checked_sub(1)?)?;
                Some(Obj::CheckSuite(repo, &repo.runs[i]))
            }
            "Organization" if n == world.org.id => Some(Obj::Org),
            _ => None,
        }
    }

    fn repo_field(&mut self, r: &'w Repository, f: &Field) -> Res {
        let states = |f: &Field| string_list(f, "states");
        match f.name.as_str() {
            "id" => Ok(json!(node_id("Repository", r.id))),
            "databaseId" => Ok(json!(r.id)),
            "name" => Ok(json!(r.name)),
            "nameWithOwner" => Ok(json!(r.full_name())),
            "owner" => Ok(self.object(&Obj::Org, &f.selections)),
            "description" => Ok(json!(r.description)),
            "url" => Ok(json!(format!("{}/{}", self.urls.web, r.full_name()))),
            "isPrivate" => Ok(json!(r.private)),
            "visibility" => Ok(json!(if r.private { "PRIVATE" } else { "PUBLIC" })),
            "isArchived" => Ok(json!(r.archived)),
            "isFork" => Ok(json!(false)),
            "isDisabled" => Ok(json!(false)),
            "createdAt" => Ok(json!(ts(r.created_at))),
            "updatedAt" => Ok(json!(ts(r.updated_at))),
            "pushedAt" => Ok(json!(ts(r.pushed_at))),
            "stargazerCount" => Ok(json!(r.stars.len())),
            "forkCount" => Ok(json!(r.forks.len())),
            "primaryLanguage" => Ok(self.object(&Obj::Language(&r.language), &f.selections)),
            "defaultBranchRef" => Ok(self.object(&Obj::Ref(r), &f.selections)),
            "repositoryTopics" => {
                self.connection(r.topics.iter().map(|t| Obj::Topic(t)).collect(), f)
            }
            "pullRequests" => {
                let states = states(f);
                let base = f.args.get("baseRefName").and_then(Value::as_str);
                let head = f.args.get("headRefName").and_then(Value::as_str);
                let mut pulls: Vec<&PullRequest> = r
                    .pulls
                    .iter()
                    .filter(|p| states.is_empty() || states.iter().any(|s| s == pull_state(p)))
                    .filter(|p| base.is_none_or(|b| p.base_ref == b))
                    .filter(|p| head.is_none_or(|h| p.head_ref == h))
                    .collect();
                match order_of(f) {
                    ("UPDATED_AT", desc) => {
                        pulls.sort_by_key(|p| (p.updated_at, p.number));
                        if desc {
                            pulls.reverse();
                        }
                    }
                    (_, true) => pulls.reverse(),
                    _ => {}
                }
                self.connection(pulls.into_iter().map(|p| Obj::Pull(r, p)).collect(), f)
            }
            "pullRequest" => {
                let n = f.args.get("number").and_then(Value::as_u64).unwrap_or(0);
                match r.pull(n) {
                    Some(p) => Ok(self.object(&Obj::Pull(r, p), &f.selections)),
                    None => Err(format!(
                        "Could not resolve to a PullRequest with the number of {n}."
                    )),
                }
            }
            "issues" => {
                let states = states(f);
                let since = f
                    .args
                    .get("filterBy")
                    .and_then(|v| v.get("since"))
                    .and_then(Value::as_str)
                    .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
                    .map(|t| t.with_timezone(&chrono::Utc));
                let labels: Vec<String> = string_list(f, "labels");
                let mut issues: Vec<&Issue> = r
                    .issues
                    .iter()
                    .filter(|i| {
                        let s = if i.state == IssueState::Open {
                            "OPEN"
                        } else {
                            "CLOSED"
                        };
                        states.is_empty() || states.iter().any(|x| x == s)
                    })
                    .filter(|i| since.is_none_or(|t| i.updated_at >= t))
                    .filter(|i| {
                        labels.is_empty() || labels.iter().any(|l| i.labels.contains(&l.as_str()))
                    })
                    .collect();
                match order_of(f) {
                    ("UPDATED_AT", desc) => {
                        issues.sort_by_key(|i| (i.updated_at, i.number));
                        if desc {
                            issues.reverse();
                        }
                    }
                    (_, true) => issues.reverse(),
                    _ => {}
                }
                self.connection(issues.into_iter().map(|i| Obj::Issue(r, i)).collect(), f)
            }
            "issue" => {
                let n = f.args.get("number").and_then(Value::as_u64).unwrap_or(0);
                match r.issue(n) {
                    Some(i) => Ok(self.object(&Obj::Issue(r, i), &f.selections)),
                    None => Err(format!(
                        "Could not resolve to an Issue with the number of {n}."
                    )),
                }
            }
            "stargazers" => {
                let mut stars: Vec<&Star> = r.stars.iter().collect();
                if order_of(f).1 {
                    stars.reverse();
                }
                self.connection(stars.into_iter().map(Obj::Stargazer).collect(), f)
            }
            "releases" => {
                let mut releases: Vec<&Release> = r.releases.iter().collect();
                if order_of(f).1 {
                    releases.reverse();
                }
                self.connection(
                    releases.into_iter().map(|x| Obj::Release(r, x)).collect(),
                    f,
                )
            }
            "deployments" => {
                let envs: Vec<String> = string_list(f, "environments");
                let mut items: Vec<&Deployment> = r
                    .deployments
                    .iter()
                    .filter(|d| envs.is_empty() || envs.iter().any(|e| e == d.environment))
                    .collect();
                if order_of(f).1 {
                    items.reverse();
                }
                self.connection(
                    items.into_iter().map(|d| Obj::Deployment(r, d)).collect(),
                    f,
                )
            }
            "forks" => self.count_connection(r.forks.len(), f),
            "watchers" => self.count_connection(r.collaborators.len(), f),
            "object" => {
                let oid = f
                    .args
                    .get("oid")
                    .or_else(|| f.args.get("expression"))
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let found = Sha::parse(oid)
                    .filter(|s| r.commit(s).is_some() || r.runs.iter().any(|x| x.head_sha == *s));
                let found = match found {
                    Some(s) => Some(s),
                    None if oid == r.default_branch || oid == "HEAD" => r.head().map(|c| c.sha),
                    None => None,
                };
                Ok(self.nested(found.map(|s| Obj::Commit(r, s)), f))
            }
            _ => Err(Self::unknown(&Obj::Repo(r), f)),
        }
    }

    fn pull_field(&mut self, r: &'w Repository, p: &'w PullRequest, f: &Field) -> Res {
        match f.name.as_str() {
            "id" => Ok(json!(node_id("PullRequest", p.id))),
            "databaseId" | "fullDatabaseId" => Ok(json!(p.id)),
            "number" => Ok(json!(p.number)),
            "title" => Ok(json!(p.title)),
            "state" => Ok(json!(pull_state(p))),
            "isDraft" => Ok(json!(p.draft)),
            "merged" => Ok(json!(p.merged_at.is_some())),
            "locked" => Ok(json!(false)),
            "createdAt" => Ok(json!(ts(p.created_at))),
            "updatedAt" => Ok(json!(ts(p.updated_at))),
            "closedAt" => Ok(p.closed_at.map_or(Value::Null, |t| json!(ts(t)))),
            "mergedAt" => Ok(p.merged_at.map_or(Value::Null, |t| json!(ts(t)))),
            "author" => Ok(self.object(&Obj::Account(p.author_id), &f.selections)),
            "mergedBy" => Ok(self.nested(p.merged_by.map(Obj::Account), f)),
            "authorAssociation" => Ok(json!(match r.permission_of(p.author_id) {
                Some(Permission::Admin) => "OWNER",
                Some(_) => "MEMBER",
                None => "CONTRIBUTOR",
            })),
            "additions" => Ok(json!(p.additions)),
            "deletions" => Ok(json!(p.deletions)),
            "changedFiles" => Ok(json!(p.changed_files)),
            "baseRefName" => Ok(json!(p.base_ref)),
            "headRefName" => Ok(json!(p.head_ref)),
            "headRefOid" => Ok(json!(p.head_sha.hex())),
            "url" | "permalink" => Ok(json!(format!(
                "{}/{}/pull/{}",
                self.urls.web,
                r.full_name(),
                p.number
            ))),
            "mergeCommit" => Ok(self.nested(p.merge_commit_sha.map(|s| Obj::Commit(r, s)), f)),
            "repository" => Ok(self.object(&Obj::Repo(r), &f.selections)),
            "labels" => self.connection(p.labels.iter().map(|l| Obj::Label(l)).collect(), f),
            "comments" => {
                let items = p.comments.iter().map(|c| Obj::Comment(r, p.number, c));
                self.connection(items.collect(), f)
            }
            "totalCommentsCount" => Ok(json!(p.comments.len() + p.review_comments.len())),
            "reviews" => {
                let items = p.reviews.iter().map(|v| Obj::Review(r, p, v)).collect();
                self.connection(items, f)
            }
            "commits" => {
                // The branch's commits: merged ones are on the default branch; for
                // others only the head is known, so the count stands for the rest.
                let shas: Vec<Sha> = {
                    let on_main: Vec<Sha> = r
                        .commits
                        .iter()
                        .filter(|c| c.kind == CommitKind::Work { pull: p.number })
                        .map(|c| c.sha)
                        .collect();
                    if on_main.len() == p.commits as usize {
                        on_main
                    } else {
                        (0..p.commits).map(|k| branch_commit(p, k)).collect()
                    }
                };
                self.connection(shas.into_iter().map(|s| Obj::PullCommit(r, s)).collect(), f)
            }
            "timelineItems" => {
                let types: Vec<String> = string_list(f, "itemTypes");
                let wants_ready =
                    types.is_empty() || types.iter().any(|t| t == "READY_FOR_REVIEW_EVENT");
                let items = p
                    .ready_for_review_at
                    .filter(|_| wants_ready)
                    .map(Obj::ReadyForReview)
                    .into_iter()
                    .collect();
                self.connection(items, f)
            }
            _ => Err(Self::unknown(&Obj::Pull(r, p), f)),
        }
    }

    fn issue_field(&mut self, r: &'w Repository, i: &'w Issue, f: &Field) -> Res {
        match f.name.as_str() {
            "id" => Ok(json!(node_id("Issue", i.id))),
            "databaseId" | "fullDatabaseId" => Ok(json!(i.id)),
            "number" => Ok(json!(i.number)),
            "title" => Ok(json!(i.title)),
            "state" => Ok(json!(if i.state == IssueState::Open {
                "OPEN"
            } else {
                "CLOSED"
            })),
            "stateReason" => Ok(i.state_reason.map_or(Value::Null, |s| json!(upper(s)))),
            "createdAt" => Ok(json!(ts(i.created_at))),
            "updatedAt" => Ok(json!(ts(i.updated_at))),
            "closedAt" => Ok(i.closed_at.map_or(Value::Null, |t| json!(ts(t)))),
            "closed" => Ok(json!(i.state == IssueState::Closed)),
            "author" => Ok(self.object(&Obj::Account(i.author_id), &f.selections)),
            "url" => Ok(json!(format!(
                "{}/{}/issues/{}",
                self.urls.web,
                r.full_name(),
                i.number
            ))),
            "labels" => self.connection(i.labels.iter().map(|l| Obj::Label(l)).collect(), f),
            "assignees" => self.connection(
                i.assignee_ids.iter().map(|id| Obj::Account(*id)).collect(),
                f,
            ),
            "comments" => {
                let items = i.comments.iter().map(|c| Obj::Comment(r, i.number, c));
                self.connection(items.collect(), f)
            }
            "repository" => Ok(self.object(&Obj::Repo(r), &f.selections)),
            _ => Err(Self::unknown(&Obj::Issue(r, i), f)),
        }
    }

    fn commit_field(&mut self, r: &'w Repository, sha: Sha, f: &Field) -> Res {
        let on_main = r.commits.iter().rposition(|c| c.sha == sha);
        let stored = on_main.map(|i| &r.commits[i]);
        // A commit of a pull request's branch that is not (yet) on the default branch:
        // the first is authored at the pull request's first commit time.
        let pull = r
            .pulls
            .iter()
            .find(|p| p.head_sha == sha || (0..p.commits).any(|k| branch_commit(p, k) == sha));
        let author = stored
            .map(|c| c.author_id)
            .or(pull.map(|p| p.author_id))
            .unwrap_or(0);
        let authored = stored
            .map(|c| c.authored_at)
            .or(pull.map(|p| p.first_commit_at))
            .unwrap_or(self.world.now);
        let committed = stored
            .map(|c| c.committed_at)
            .or(pull.map(|p| p.updated_at))
            .unwrap_or(self.world.now);
        match f.name.as_str() {
            "oid" => Ok(json!(sha.hex())),
            "abbreviatedOid" => Ok(json!(sha.hex()[..7].to_string())),
            "id" => Ok(json!(node_id(
                "Commit",
                u64::from_le_bytes(sha.0[..8].try_into().unwrap_or_default())
            ))),
            "url" => Ok(json!(format!(
                "{}/{}/commit/{}",
                self.urls.web,
                r.full_name(),
                sha.hex()
            ))),
            "committedDate" => Ok(json!(ts(committed))),
            "authoredDate" => Ok(json!(ts(authored))),
            "message" => Ok(json!(stored.map_or_else(
                || pull.map_or(String::new(), |p| p.title.clone()),
                |c| rest_json::commit_message(c, r)
            ))),
            "messageHeadline" => Ok(json!(stored
                .map_or_else(
                    || pull.map_or(String::new(), |p| p.title.clone()),
                    |c| rest_json::commit_message(c, r)
                )
                .lines()
                .next()
                .unwrap_or("")
                .to_string())),
            "additions" => Ok(json!(
                stored.map_or(pull.map_or(0, |p| p.additions), |c| c.additions)
            )),
            "deletions" => Ok(json!(
                stored.map_or(pull.map_or(0, |p| p.deletions), |c| c.deletions)
            )),
            "changedFilesIfAvailable" | "changedFiles" => Ok(json!(
                stored.map_or(pull.map_or(0, |p| p.changed_files), |c| c.files)
            )),
            "author" => Ok(self.object(&Obj::GitActor(author, authored), &f.selections)),
            "committer" => Ok(self.object(&Obj::GitActor(author, committed), &f.selections)),
            "parents" => {
                let parents = stored
                    .and_then(|c| c.parent)
                    .map(|s| Obj::Commit(r, s))
                    .into_iter()
                    .collect();
                self.connection(parents, f)
            }
            "history" => {
                let since = time_arg(f, "since");
                let until = time_arg(f, "until");
                let end = on_main.map_or(0, |i| i + 1);
                let items = r.commits[..end]
                    .iter()
                    .rev()
                    .filter(|c| since.is_none_or(|s| c.committed_at >= s))
                    .filter(|c| until.is_none_or(|u| c.committed_at <= u))
                    .map(|c| Obj::Commit(r, c.sha))
                    .collect();
                self.connection(items, f)
            }
            "checkSuites" => {
                let items = r
                    .runs
                    .iter()
                    .filter(|x| x.head_sha == sha)
                    .map(|x| Obj::CheckSuite(r, x))
                    .collect();
                self.connection(items, f)
            }
            "associatedPullRequests" => {
                let items = r
                    .pulls
                    .iter()
                    .filter(|p| p.head_sha == sha || p.merge_commit_sha == Some(sha))
                    .map(|p| Obj::Pull(r, p))
                    .collect();
                self.connection(items, f)
            }
            _ => Err(Self::unknown(&Obj::Commit(r, sha), f)),
        }
    }
}

fn time_arg(f: &Field, name: &str) -> Option<Time> {
    f.args
        .get(name)
        .and_then(Value::as_str)
        .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&chrono::Utc))
}

/// `orderBy: {field, direction}`: the field and whether descending.
/// The `k`th commit of a pull request's branch when its commits are not on the default
/// branch: the last is its head.
fn branch_commit(p: &PullRequest, k: u32) -> Sha {
    if k + 1 == p.commits {
        p.head_sha
    } else {
        Sha::derive(21, p.id * 64 + u64::from(k))
    }
}

fn order_of(f: &Field) -> (&str, bool) {
    let order = f.args.get("orderBy");
    let field = order
        .and_then(|o| o.get("field"))
        .and_then(Value::as_str)
        .unwrap_or("CREATED_AT");
    let desc = order
        .and_then(|o| o.get("direction"))
        .and_then(Value::as_str)
        == Some("DESC");
    (field, desc)
}

fn order_repos(repos: &mut [&Repository], f: &Field) {
    match order_of(f) {
        ("UPDATED_AT", _) => repos.sort_by_key(|r| (r.updated_at, r.id)),
        ("PUSHED_AT", _) => repos.sort_by_key(|r| (r.pushed_at, r.id)),
        ("NAME", _) => repos.sort_by_key(|r| r.name.to_lowercase()),
        ("STARGAZERS", _) => repos.sort_by_key(|r| (r.stars.len(), r.id)),
        _ => repos.sort_by_key(|r| (r.created_at, r.id)),
    }
    if order_of(f).1 {
        repos.reverse();
    }
}

fn pull_state(p: &PullRequest) -> &'static str {
    match (p.state, p.merged_at) {
        (PullState::Open, _) => "OPEN",
        (PullState::Closed, Some(_)) => "MERGED",
        (PullState::Closed, None) => "CLOSED",
    }
}

/// A connection's node: stargazer edges hold their account.
fn node_of<'w>(o: &Obj<'w>) -> Obj<'w> {
    match o {
        Obj::Stargazer(s) => Obj::Account(s.user_id),
        other => other.clone(),
    }
}

/// The fields of a selection set, fragments included, on a type the executor does not
/// distinguish (connections, page info, edges).
fn flatten(sels: &[Sel]) -> Vec<&Field> {
    let mut out = Vec::new();
    for s in sels {
        match s {
            Sel::Field(f) => out.push(f),
            Sel::On(_, inner) => out.extend(flatten(inner)),
        }
    }
    out
}

/// Selects fields from a plain JSON object (for small value objects).
fn select_plain(v: &Value, sels: &[Sel]) -> Value {
    let mut out = Map::new();
    for f in flatten(sels) {
        out.insert(
            f.key.clone(),
            v.get(&f.name).cloned().unwrap_or(Value::Null),
        );
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sels(q: &str) -> Vec<Sel> {
        prepare(q, None, &Map::new()).unwrap()
    }

    #[test]
    fn costs_follow_githubs_rules() {
        // GitHub's documented example: 1 + 50 + 500 requests... here 1 + 50 = 51 -> 1.
        let q =
            "{ viewer { repositories(first: 50) { nodes { issues(first: 10) { totalCount } } } } }";
        assert_eq!(tally(&sels(q)), (51, 550));
        assert_eq!(cost(&sels(q)), 1);
        let q = "{ viewer { repositories(first: 100) { nodes { pullRequests(first: 100) { nodes { reviews(first: 100) { totalCount } } } } } } }";
        // 1 + 100 + 100*100 = 10,101 requests -> 101 points.
        assert_eq!(cost(&sels(q)), 101);
        assert_eq!(cost(&sels("{ viewer { login } }")), 1);
    }

    #[test]
    fn variables_fragments_and_aliases() {
        let q = "query Q($n: Int = 5, $after: String) { a: repository(owner: \"acme\", name: \"api\") { ...R } } fragment R on Repository { pullRequests(first: $n, after: $after) { totalCount } }";
        let s = sels(q);
        let Sel::Field(f) = &s[0] else { panic!() };
        assert_eq!(f.key, "a");
        let Sel::On(Some(on), inner) = &f.selections[0] else {
            panic!()
        };
        assert_eq!(on, "Repository");
        let Sel::Field(p) = &inner[0] else { panic!() };
        assert_eq!(p.args["first"], json!(5));
        assert_eq!(p.args["after"], Value::Null);
        assert!(prepare("{ a { ...Missing } }", None, &Map::new()).is_err());
        assert!(prepare("{ a ", None, &Map::new()).is_err());
    }

    #[test]
    fn node_ids_and_cursors_round_trip() {
        assert_eq!(
            parse_node_id(&node_id("PullRequest", 1_000_000_123)),
            Some(("PullRequest".into(), 1_000_000_123))
        );
        assert_eq!(cursor_index(&cursor(42)), Some(42));
        assert_eq!(cursor_index("garbage"), None);
    }
}
