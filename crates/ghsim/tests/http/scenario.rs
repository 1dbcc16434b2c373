//! Worlds described by hand: what the simulator serves is exactly what the description
//! says, and a description that does not hold together is refused naming the field.

use crate::support::*;
use ghsim::scenario::{sha_of, Scenario};
use serde_json::Value;

const EXAMPLE: &str = include_str!("../../scenarios/example.json");

fn error_of(json: &str) -> String {
    match Scenario::parse(json).and_then(Scenario::into_world) {
        Ok(_) => panic!("accepted: {json}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn mistakes_are_refused_naming_the_field() {
    let example: Value = serde_json::from_str(EXAMPLE).unwrap();
    let with = |path: &str, value: Value| {
        let mut v = example.clone();
        let (parent, key) = path.rsplit_once('/').unwrap();
        let parent = v.pointer_mut(parent).unwrap();
        match key.parse::<usize>() {
            Ok(i) => parent[i] = value,
            Err(_) => parent[key] = value,
        }
        v.to_string()
    };
    for (json, expected) in [
        (
            with("/repositories/0/pulls/1/author", "zed".into()),
            "repositories[0].pulls[1].author: no user \"zed\"",
        ),
        (
            with("/repositories/0/pulls/0/created_at", "yesterday".into()),
            "repositories[0].pulls[0].created_at: ",
        ),
        (
            with("/repositories/0/runs/0/workflow", "Lint".into()),
            "repositories[0].runs[0].workflow: no workflow \"Lint\"",
        ),
        (
            with("/repositories/0/deployments/1/sha", "nope".into()),
            "repositories[0].deployments[1].sha: no commit \"nope\" on the default branch",
        ),
        (
            with("/repositories/0/issues/0/number", 2.into()),
            "repositories[0].issues[0].number: #2 twice",
        ),
        (
            with("/repositories/0/commits/2/parent", "d3".into()),
            "repositories[0].commits[2].parent: no earlier commit \"d3\"",
        ),
        (
            with("/repositories/0/pulls/0/reviews/0/state", "LGTM".into()),
            "repositories[0].pulls[0].reviews[0].state: \"LGTM\" is not a review state",
        ),
        (
            with("/teams/0/repositories/0", "web".into()),
            "teams[0].repositories[0]: no repository \"web\"",
        ),
        (
            with("/repositories/0/pulls/3/draft", "yes".into()),
            "repositories[0].pulls[3].draft: ",
        ),
        (
            with(
                "/repositories/0/issues/0/closed_at",
                "2026-03-05T00:00:00Z".into(),
            ),
            "repositories[0].issues[0].closed_at: 2026-03-05T00:00:00+00:00 is after now",
        ),
        (
            with(
                "/repositories/0/stars/1",
                serde_json::json!({ "user": "bob", "at": "2026-02-01T00:00:00Z" }),
            ),
            "repositories[0].stars: bob stars twice",
        ),
        (
            with("/teams/0/members/1", "alice".into()),
            "teams[0].members[1]: \"alice\" twice",
        ),
        (
            with("/users/2/login", "ALICE".into()),
            "users[2].login: \"ALICE\" twice",
        ),
        (
            with("/repositories/0/collaborators", serde_json::json!({})),
            "repositories[0].collaborators: a repository needs someone",
        ),
        (
            with("/repositories/0/pulls/0/commits", 1000.into()),
            "repositories[0].pulls[0].commits: at most 100",
        ),
    ] {
        let error = error_of(&json);
        assert!(error.starts_with(expected), "{error}");
    }
    let mut unknown: Value = example.clone();
    unknown["repositories"][0]["pulls"][0]["reviewers"] = Value::Array(vec![]);
    assert!(error_of(&unknown.to_string()).starts_with("repositories[0].pulls[0]"));
}

#[tokio::test]
async fn the_simulator_serves_what_the_description_says() {
    let world = Scenario::parse(EXAMPLE).unwrap().into_world().unwrap();
    let sim =
        start(ghsim::SimConfig::new(0, ghsim::Size::Small, world.now).with_world(world)).await;
    let alice = token(&sim, "alice");
    let get = |path: &'static str| {
        let (sim, alice) = (&sim, alice.clone());
        async move {
            let res = get(sim, path, Some(&alice), &[]).await;
            assert_eq!(res.status(), 200, "{path}");
            res.json::<Value>().await.unwrap()
        }
    };
    let pulls = get("/repos/acme/api/pulls?state=all&direction=asc&sort=created").await;
    let pulls = pulls.as_array().unwrap();
    assert_eq!(pulls.len(), 4);
    assert_eq!(pulls[0]["number"], 1);
    assert_eq!(pulls[0]["merged_at"], "2026-02-03T15:00:00Z");
    assert_eq!(pulls[0]["merge_commit_sha"], sha_of("m1").hex());
    assert_eq!(pulls[2]["user"]["type"], "Bot");
    assert_eq!(pulls[3]["draft"], true);
    let commits = get("/repos/acme/api/commits?per_page=100").await;
    let shas: Vec<&str> = commits
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["sha"].as_str().unwrap())
        .collect();
    let expected: Vec<String> = ["d3", "s2", "m1", "w1", "root"]
        .iter()
        .map(|n| sha_of(n).hex())
        .collect();
    assert_eq!(shas, expected, "newest first");
    let deployments = get("/repos/acme/api/deployments").await;
    assert_eq!(deployments.as_array().unwrap().len(), 2);
    let stars = get("/repos/acme/api").await;
    assert_eq!(stars["stargazers_count"], 4);
    let issue = get("/repos/acme/api/issues/4").await;
    assert_eq!(issue["labels"][1]["name"], "incident");
    assert_eq!(issue["state_reason"], "completed");
}
