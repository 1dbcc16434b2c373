//! GraphQL: every query the engine sends validates against GitHub's schema, runs on the
//! simulator with GitHub's pagination and point costs, and returns the world's data.

use crate::support::graphql_schema::Schema;
use crate::support::*;
use ghsim::{RateLimit, RunningSimulator};
use serde_json::{json, Value};

/// The engine's queries, as shipped in `crates/engine/src/github/queries/`.
fn engine_queries() -> Vec<(String, String)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../engine/src/github/queries");
    let mut out: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "graphql"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    assert!(out.len() >= 3, "the engine's queries are missing");
    out
}

fn query(name: &str) -> String {
    engine_queries()
        .into_iter()
        .find(|(n, _)| n == name)
        .unwrap()
        .1
}

#[test]
fn engine_queries_validate_against_githubs_schema() {
    let schema = Schema::load();
    for (name, text) in engine_queries() {
        let errors = schema.validate(&text);
        assert!(errors.is_empty(), "{name}: {errors:#?}");
    }
    // The validator does reject what GitHub rejects.
    let bad = [
        "{ repository(owner: \"a\", name: \"b\") { nope } }",
        "{ repository(owner: \"a\") { name } }",
        "{ repository(owner: \"a\", name: \"b\") { pullRequests { totalCount } } }",
        "{ repository(owner: \"a\", name: \"b\") { pullRequests(first: 1, states: [SHIPPED]) { totalCount } } }",
        "{ repository(owner: \"a\", name: \"b\") { owner } }",
        "query($x: Repository) { viewer { login } }",
        "{ viewer { login(first: 1) } }",
    ];
    for q in bad {
        assert!(!schema.validate(q).is_empty(), "accepted: {q}");
    }
}

async fn post(
    sim: &RunningSimulator,
    token: Option<&str>,
    query: &str,
    variables: Value,
) -> reqwest::Response {
    let mut req = reqwest::Client::new()
        .post(format!("{}/graphql", sim.base_url))
        .json(&json!({ "query": query, "variables": variables }));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req.send().await.unwrap()
}

async fn data(sim: &RunningSimulator, token: &str, query: &str, variables: Value) -> Value {
    let res = post(sim, Some(token), query, variables).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert!(body.get("errors").is_none(), "{}", body["errors"]);
    body["data"].clone()
}

#[tokio::test]
async fn pull_requests_come_with_reviews_sizes_and_first_commits() {
    let sim = start(config()).await;
    let alice = token(&sim, "alice");
    let q = query("pull_requests.graphql");
    let mut after = Value::Null;
    let mut got: Vec<Value> = Vec::new();
    let mut costs = Vec::new();
    loop {
        let d = data(
            &sim,
            &alice,
            &q,
            json!({ "owner": "acme", "name": "api", "first": 100, "after": after }),
        )
        .await;
        costs.push(d["rateLimit"]["cost"].as_u64().unwrap());
        let conn = &d["repository"]["pullRequests"];
        got.extend(conn["nodes"].as_array().unwrap().iter().cloned());
        if conn["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = conn["pageInfo"]["endCursor"].clone();
    }
    // 1 + 100 x 5 nested connections (commits, reviews, comments, timeline items,
    // labels) = 501 requests: 5 points per page of 100.
    assert_eq!(costs[0], 5);
    sim.sim.with_world(|w| {
        let r = w.repo("acme", "api").unwrap();
        assert_eq!(got.len(), r.pulls.len());
        // Most recently updated first.
        let newest = r
            .pulls
            .iter()
            .max_by_key(|p| (p.updated_at, p.number))
            .unwrap();
        assert_eq!(got[0]["number"], newest.number);
        for node in &got {
            let p = r.pull(node["number"].as_u64().unwrap()).unwrap();
            assert_eq!(node["databaseId"], p.id);
            assert_eq!(node["additions"], p.additions);
            assert_eq!(node["changedFiles"], p.changed_files);
            assert_eq!(node["reviews"]["totalCount"], p.reviews.len());
            assert_eq!(node["commits"]["totalCount"], p.commits);
            assert_eq!(
                node["mergedAt"],
                p.merged_at
                    .map_or(Value::Null, |t| json!(ghsim::json::ts(t)))
            );
            let state = match (p.state, p.merged_at) {
                (ghsim::PullState::Open, _) => "OPEN",
                (_, Some(_)) => "MERGED",
                _ => "CLOSED",
            };
            assert_eq!(node["state"], state);
            let ready = &node["timelineItems"]["nodes"];
            assert_eq!(
                ready.as_array().unwrap().len(),
                usize::from(p.ready_for_review_at.is_some())
            );
            if let Some(first) = node["reviews"]["nodes"].get(0) {
                assert_eq!(first["state"], p.reviews[0].state.as_str());
            }
            assert_eq!(node["comments"]["totalCount"], p.comments.len());
            if let Some(first) = node["comments"]["nodes"].get(0) {
                assert_eq!(first["databaseId"], p.comments[0].id);
                assert_eq!(
                    first["createdAt"],
                    ghsim::json::ts(p.comments[0].created_at)
                );
                let by = w.account(p.comments[0].author_id).unwrap();
                assert_eq!(first["author"]["login"], json!(by.login));
                let kind = if by.is_bot { "Bot" } else { "User" };
                assert_eq!(first["author"]["__typename"], kind);
            }
            if p.merged_at.is_some() {
                assert_eq!(
                    node["commits"]["nodes"][0]["commit"]["authoredDate"],
                    ghsim::json::ts(p.first_commit_at)
                );
            }
        }
    });
    // The budget is GraphQL's own and is spent in points.
    let stats = sim.sim.stats();
    assert_eq!(stats.rate_limit_points, costs.iter().sum::<u64>());
}

#[tokio::test]
async fn jobs_of_a_hundred_runs_in_one_request() {
    let sim = start(config()).await;
    let alice = token(&sim, "alice");
    let (ids, expected): (Vec<String>, Vec<(u64, usize)>) = sim.sim.with_world(|w| {
        let r = w.repo("acme", "api").unwrap();
        r.runs
            .iter()
            .rev()
            .take(100)
            .map(|run| {
                use base64::Engine;
                let id = base64::engine::general_purpose::STANDARD_NO_PAD
                    .encode(format!("0:CheckSuite{}", run.id + 1));
                (
                    id,
                    (run.id, run.jobs(r.workflow(run.workflow_id).unwrap()).len()),
                )
            })
            .unzip()
    });
    // The REST runs list names each run's check suite by this id.
    let res = get(
        &sim,
        "/repos/acme/api/actions/runs?per_page=1",
        Some(&alice),
        &[],
    )
    .await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["workflow_runs"][0]["check_suite_node_id"], ids[0]);
    let d = data(
        &sim,
        &alice,
        &query("check_suites.graphql"),
        json!({ "ids": ids }),
    )
    .await;
    assert_eq!(d["rateLimit"]["cost"], 1);
    let nodes = d["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 100);
    for (node, (run_id, jobs)) in nodes.iter().zip(expected) {
        assert_eq!(node["workflowRun"]["databaseId"], run_id);
        assert_eq!(node["checkRuns"]["totalCount"], jobs);
        assert_eq!(node["checkRuns"]["nodes"].as_array().unwrap().len(), jobs);
    }
}

#[tokio::test]
async fn commits_and_deployments_a_hundred_at_a_time() {
    let sim = start(config()).await;
    let alice = token(&sim, "alice");
    let d = data(
        &sim,
        &alice,
        &query("commits.graphql"),
        json!({ "owner": "acme", "name": "api", "first": 100 }),
    )
    .await;
    assert_eq!(d["rateLimit"]["cost"], 1);
    let history = &d["repository"]["defaultBranchRef"]["target"]["history"];
    let d2 = data(
        &sim,
        &alice,
        &query("deployments.graphql"),
        json!({ "owner": "acme", "name": "api", "first": 100 }),
    )
    .await;
    assert_eq!(d2["rateLimit"]["cost"], 1);
    let deployments = &d2["repository"]["deployments"];
    sim.sim.with_world(|w| {
        let r = w.repo("acme", "api").unwrap();
        assert_eq!(history["totalCount"], r.commits.len());
        let head = r.head().unwrap();
        assert_eq!(history["nodes"][0]["oid"], head.sha.hex());
        assert_eq!(history["nodes"][0]["additions"], head.additions);
        assert_eq!(
            history["nodes"][0]["parents"]["nodes"][0]["oid"],
            head.parent.unwrap().hex()
        );
        assert_eq!(deployments["totalCount"], r.deployments.len());
        let newest = r.deployments.last().unwrap();
        assert_eq!(deployments["nodes"][0]["databaseId"], newest.id);
        assert_eq!(
            deployments["nodes"][0]["statuses"]["totalCount"],
            newest.statuses.len()
        );
    });
}

#[tokio::test]
async fn change_detection_for_many_repositories_costs_one_point() {
    let sim = start(config()).await;
    let alice = token(&sim, "alice");
    let carol = token(&sim, "carol");
    let ids: Vec<String> = sim.sim.with_world(|w| {
        w.repos
            .iter()
            .map(|r| {
                use base64::Engine;
                base64::engine::general_purpose::STANDARD_NO_PAD
                    .encode(format!("0:Repository{}", r.id))
            })
            .collect()
    });
    let q = query("repositories_changed.graphql");
    let d = data(&sim, &alice, &q, json!({ "ids": ids })).await;
    assert_eq!(d["rateLimit"]["cost"], 1);
    let nodes = d["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), ids.len());
    sim.sim.with_world(|w| {
        for (n, r) in nodes.iter().zip(&w.repos) {
            assert_eq!(n["nameWithOwner"], r.full_name());
            assert_eq!(n["pushedAt"], ghsim::json::ts(r.pushed_at));
            assert_eq!(n["stargazerCount"], r.stars.len());
        }
    });
    // carol cannot see the private repositories: null, with GitHub's NOT_FOUND errors.
    let res = post(&sim, Some(&carol), &q, json!({ "ids": ids })).await;
    let body: Value = res.json().await.unwrap();
    let hidden = sim.sim.with_world(|w| {
        w.repos
            .iter()
            .filter(|r| !r.visible_to(w.user_by_login("carol").unwrap().id))
            .count()
    });
    assert!(hidden > 0);
    assert_eq!(
        body["data"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| n.is_null())
            .count(),
        hidden
    );
    assert_eq!(body["errors"].as_array().unwrap().len(), hidden);
    assert_eq!(body["errors"][0]["type"], "NOT_FOUND");
}

#[tokio::test]
async fn githubs_rules_and_limits() {
    let sim = start(config().with_rate_limit(RateLimit::PerHour(10))).await;
    let alice = token(&sim, "alice");
    // Authentication is required.
    assert_eq!(
        post(&sim, None, "{ viewer { login } }", json!({}))
            .await
            .status(),
        401
    );
    let errors = |body: Value| {
        body["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    let res = post(
        &sim,
        Some(&alice),
        "{ repository(owner: \"acme\", name: \"api\") { pullRequests { totalCount } } }",
        json!({}),
    )
    .await;
    assert!(errors(res.json().await.unwrap()).contains("must provide a `first` or `last`"));
    let res = post(&sim, Some(&alice), "{ repository(owner: \"acme\", name: \"api\") { pullRequests(first: 101) { totalCount } } }", json!({})).await;
    assert!(errors(res.json().await.unwrap()).contains("exceeds the `first` limit of 100"));
    let res = post(&sim, Some(&alice), "{ viewer { repositories(first: 100) { nodes { pullRequests(first: 100) { nodes { reviews(first: 100) { nodes { commit { history(first: 100) { totalCount } } } } } } } } } }", json!({})).await;
    assert_eq!(
        res.json::<Value>().await.unwrap()["errors"][0]["type"],
        "MAX_NODE_LIMIT_EXCEEDED"
    );
    let res = post(&sim, Some(&alice), "{ viewer { nope } }", json!({})).await;
    assert!(errors(res.json().await.unwrap()).contains("doesn't exist on type 'User'"));
    let res = post(&sim, Some(&alice), "{ viewer { login ", json!({})).await;
    assert!(errors(res.json().await.unwrap()).contains("Parse error"));
    // The graphql budget: headers name the resource; running out is RATE_LIMITED.
    let res = post(
        &sim,
        Some(&alice),
        "{ viewer { login } rateLimit { cost remaining limit used } }",
        json!({}),
    )
    .await;
    assert_eq!(
        header(&res, "x-ratelimit-resource").as_deref(),
        Some("graphql")
    );
    assert_eq!(num(&res, "x-ratelimit-remaining"), 9);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body["data"]["rateLimit"],
        json!({ "cost": 1, "remaining": 9, "limit": 10, "used": 1 })
    );
    // A 5-point query, twice: the second does not fit in what is left.
    // 1 + 5 + 5 x 100 = 506 requests: 5 points.
    let five = "{ viewer { repositories(first: 5) { nodes { pullRequests(first: 100) { nodes { reviews(first: 1) { totalCount } } } } } } }";
    let res = post(&sim, Some(&alice), five, json!({})).await;
    assert_eq!(
        res.json::<Value>().await.unwrap()["data"]["viewer"]["repositories"]["nodes"]
            .as_array()
            .unwrap()
            .len(),
        5
    );
    let res = post(&sim, Some(&alice), five, json!({})).await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.json::<Value>().await.unwrap()["errors"][0]["type"],
        "RATE_LIMITED"
    );
    // REST has its own budget, untouched.
    let res = get(&sim, "/user", Some(&alice), &[]).await;
    assert_eq!(num(&res, "x-ratelimit-remaining"), 9);
    assert_eq!(
        header(&res, "x-ratelimit-resource").as_deref(),
        Some("core")
    );
}

#[tokio::test]
async fn enterprise_mode_has_no_rate_limit_object() {
    let sim = start(config().with_rate_limit(RateLimit::Disabled)).await;
    let alice = token(&sim, "alice");
    let res = post(
        &sim,
        Some(&alice),
        "{ viewer { login } rateLimit { cost remaining } }",
        json!({}),
    )
    .await;
    assert!(header(&res, "x-ratelimit-remaining").is_none());
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["data"]["viewer"]["login"], "alice");
    assert_eq!(body["data"]["rateLimit"], Value::Null);
}
