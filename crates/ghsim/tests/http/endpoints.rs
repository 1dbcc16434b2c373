//! Every REST endpoint the dashboard reads, over real HTTP: each response validates
//! against GitHub's OpenAPI description, and each agrees with the simulator's world.

use crate::support::openapi::{self, assert_valid};
use crate::support::*;
use serde_json::Value;

#[tokio::test]
async fn every_endpoint_validates_against_githubs_description() {
    let spec = openapi::rest_spec();
    let sim = start(config()).await;
    let alice = token(&sim, "alice");
    let (pull, merged_sha, run_id, deployment_id, pr_head) = sim.sim.with_world(|w| {
        let r = w.repo("acme", "api").unwrap();
        let pull = r
            .pulls
            .iter()
            .find(|p| p.merged_at.is_some() && !p.reviews.is_empty())
            .unwrap();
        let run = r
            .runs
            .iter()
            .rev()
            .find(|r| r.status == ghsim::data::RunStatus::Completed)
            .unwrap();
        let open = r
            .pulls
            .iter()
            .rev()
            .find(|p| p.state == ghsim::PullState::Open)
            .unwrap();
        (
            pull.number,
            pull.merge_commit_sha.unwrap().hex(),
            run.id,
            r.deployments.last().unwrap().id,
            open.head_sha.hex(),
        )
    });
    let cases: Vec<(String, &str)> = vec![
        ("/user/orgs".into(), "/user/orgs"),
        ("/orgs/acme".into(), "/orgs/{org}"),
        ("/orgs/acme/repos?per_page=5".into(), "/orgs/{org}/repos"),
        ("/orgs/acme/members".into(), "/orgs/{org}/members"),
        ("/orgs/acme/teams".into(), "/orgs/{org}/teams"),
        (
            "/orgs/acme/teams/platform/members".into(),
            "/orgs/{org}/teams/{team_slug}/members",
        ),
        (
            "/orgs/acme/teams/platform/repos".into(),
            "/orgs/{org}/teams/{team_slug}/repos",
        ),
        (
            "/repos/acme/api/issues/comments?per_page=50".into(),
            "/repos/{owner}/{repo}/issues/comments",
        ),
        (
            format!("/repos/acme/api/issues/{pull}"),
            "/repos/{owner}/{repo}/issues/{issue_number}",
        ),
        (
            format!("/repos/acme/api/pulls/{pull}"),
            "/repos/{owner}/{repo}/pulls/{pull_number}",
        ),
        (
            format!("/repos/acme/api/pulls/{pull}/reviews"),
            "/repos/{owner}/{repo}/pulls/{pull_number}/reviews",
        ),
        (
            "/repos/acme/api/pulls/comments?per_page=50".into(),
            "/repos/{owner}/{repo}/pulls/comments",
        ),
        (
            "/repos/acme/api/commits?per_page=100".into(),
            "/repos/{owner}/{repo}/commits",
        ),
        (
            format!("/repos/acme/api/commits/{merged_sha}"),
            "/repos/{owner}/{repo}/commits/{ref}",
        ),
        (
            format!("/repos/acme/api/commits/{pr_head}/check-runs"),
            "/repos/{owner}/{repo}/commits/{ref}/check-runs",
        ),
        (
            "/repos/acme/api/contributors".into(),
            "/repos/{owner}/{repo}/contributors",
        ),
        (
            "/repos/acme/api/stargazers?per_page=100".into(),
            "/repos/{owner}/{repo}/stargazers",
        ),
        (
            "/repos/acme/api/forks".into(),
            "/repos/{owner}/{repo}/forks",
        ),
        (
            "/repos/acme/api/releases".into(),
            "/repos/{owner}/{repo}/releases",
        ),
        ("/repos/acme/api/tags".into(), "/repos/{owner}/{repo}/tags"),
        (
            "/repos/acme/api/branches".into(),
            "/repos/{owner}/{repo}/branches",
        ),
        (
            "/repos/acme/api/languages".into(),
            "/repos/{owner}/{repo}/languages",
        ),
        (
            "/repos/acme/api/topics".into(),
            "/repos/{owner}/{repo}/topics",
        ),
        (
            "/repos/acme/api/deployments".into(),
            "/repos/{owner}/{repo}/deployments",
        ),
        (
            format!("/repos/acme/api/deployments/{deployment_id}/statuses"),
            "/repos/{owner}/{repo}/deployments/{deployment_id}/statuses",
        ),
        (
            "/repos/acme/api/actions/workflows".into(),
            "/repos/{owner}/{repo}/actions/workflows",
        ),
        (
            "/repos/acme/api/actions/runs?per_page=100".into(),
            "/repos/{owner}/{repo}/actions/runs",
        ),
        (
            format!("/repos/acme/api/actions/runs/{run_id}/jobs"),
            "/repos/{owner}/{repo}/actions/runs/{run_id}/jobs",
        ),
        (
            "/repos/acme/api/hooks".into(),
            "/repos/{owner}/{repo}/hooks",
        ),
    ];
    for (path, template) in &cases {
        let res = get(&sim, path, Some(&alice), &[]).await;
        assert_eq!(res.status(), 200, "{path}");
        assert!(header(&res, "etag").is_some(), "{path} has no ETag");
        let body: Value = res.json().await.unwrap();
        assert_valid(&spec, template, &body);
    }
    // Stargazers with `starred_at`.
    let res = get(
        &sim,
        "/repos/acme/api/stargazers",
        Some(&alice),
        &[("Accept", "application/vnd.github.star+json")],
    )
    .await;
    let body: Value = res.json().await.unwrap();
    assert!(body[0]["starred_at"].is_string(), "{body}");
    assert_valid(&spec, "/repos/{owner}/{repo}/stargazers", &body);
    // Contributor statistics: 202 while computing, then the figures.
    let res = get(
        &sim,
        "/repos/acme/api/stats/contributors",
        Some(&alice),
        &[],
    )
    .await;
    assert_eq!(res.status(), 202);
    let res = get(
        &sim,
        "/repos/acme/api/stats/contributors",
        Some(&alice),
        &[],
    )
    .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_valid(&spec, "/repos/{owner}/{repo}/stats/contributors", &body);
}

/// Follows `Link: rel="next"` and returns every item (unwrapping `{total_count, key}`).
async fn all_pages(
    sim: &ghsim::RunningSimulator,
    path: &str,
    token: &str,
    key: Option<&str>,
) -> Vec<Value> {
    let mut items = Vec::new();
    let mut next = Some(format!("{}{path}", sim.base_url));
    while let Some(url) = next {
        let res = reqwest::Client::new()
            .get(&url)
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{url}");
        next = links(&res).and_then(|l| {
            l.split(',')
                .find(|p| p.contains("rel=\"next\""))
                .and_then(|p| p.split(';').next())
                .map(|u| u.trim().trim_matches(|c| c == '<' || c == '>').to_string())
        });
        let body: Value = res.json().await.unwrap();
        let page = match key {
            Some(k) => body[k].as_array().unwrap().clone(),
            None => body.as_array().unwrap().clone(),
        };
        items.extend(page);
    }
    items
}

#[tokio::test]
async fn lists_agree_with_the_world() {
    let sim = start(config()).await;
    let alice = token(&sim, "alice");
    let truth = sim.sim.with_world(|w| {
        let r = w.repo("acme", "api").unwrap();
        let comments: usize = r.issues.iter().map(|i| i.comments.len()).sum::<usize>()
            + r.pulls.iter().map(|p| p.comments.len()).sum::<usize>();
        let review_comments: usize = r.pulls.iter().map(|p| p.review_comments.len()).sum();
        (
            r.commits.len(),
            r.stars.len(),
            r.runs.len(),
            r.deployments.len(),
            r.releases.len(),
            comments,
            review_comments,
            r.head().unwrap().sha.hex(),
        )
    });
    let (commits, stars, runs, deployments, releases, comments, review_comments, head) = truth;
    let got = all_pages(&sim, "/repos/acme/api/commits?per_page=100", &alice, None).await;
    assert_eq!(got.len(), commits);
    assert_eq!(got[0]["sha"], head, "newest commit first");
    // Each commit's parent is the next one down the list.
    assert_eq!(got[0]["parents"][0]["sha"], got[1]["sha"]);
    assert_eq!(
        all_pages(
            &sim,
            "/repos/acme/api/stargazers?per_page=100",
            &alice,
            None
        )
        .await
        .len(),
        stars
    );
    assert_eq!(
        all_pages(
            &sim,
            "/repos/acme/api/actions/runs?per_page=100",
            &alice,
            Some("workflow_runs")
        )
        .await
        .len(),
        runs
    );
    assert_eq!(
        all_pages(
            &sim,
            "/repos/acme/api/deployments?per_page=100",
            &alice,
            None
        )
        .await
        .len(),
        deployments
    );
    assert_eq!(
        all_pages(&sim, "/repos/acme/api/releases?per_page=100", &alice, None)
            .await
            .len(),
        releases
    );
    assert_eq!(
        all_pages(
            &sim,
            "/repos/acme/api/issues/comments?per_page=100",
            &alice,
            None
        )
        .await
        .len(),
        comments
    );
    assert_eq!(
        all_pages(
            &sim,
            "/repos/acme/api/pulls/comments?per_page=100",
            &alice,
            None
        )
        .await
        .len(),
        review_comments
    );
}

#[tokio::test]
async fn filters_behave_like_githubs() {
    let sim = start(config()).await;
    let alice = token(&sim, "alice");
    let (since, until, in_window, failures, pushes_on_main) = sim.sim.with_world(|w| {
        let r = w.repo("acme", "api").unwrap();
        let since = w.now - chrono::Duration::days(30);
        let until = w.now - chrono::Duration::days(10);
        let in_window = r
            .commits
            .iter()
            .filter(|c| c.committed_at >= since && c.committed_at <= until)
            .count();
        let failures = r
            .runs
            .iter()
            .filter(|x| x.conclusion == Some(ghsim::data::Conclusion::Failure))
            .count();
        let pushes_on_main = r.runs.iter().filter(|x| x.event == "push").count();
        (
            ghsim::json::ts(since),
            ghsim::json::ts(until),
            in_window,
            failures,
            pushes_on_main,
        )
    });
    let got = all_pages(
        &sim,
        &format!("/repos/acme/api/commits?per_page=100&since={since}&until={until}"),
        &alice,
        None,
    )
    .await;
    assert_eq!(got.len(), in_window);
    let got = all_pages(
        &sim,
        "/repos/acme/api/actions/runs?per_page=100&status=failure",
        &alice,
        Some("workflow_runs"),
    )
    .await;
    assert_eq!(got.len(), failures);
    let got = all_pages(
        &sim,
        "/repos/acme/api/actions/runs?per_page=100&event=push&branch=main",
        &alice,
        Some("workflow_runs"),
    )
    .await;
    assert_eq!(got.len(), pushes_on_main);
    // Bad input is GitHub's 422, not an empty list.
    let res = get(
        &sim,
        "/repos/acme/api/actions/runs?created=yesterday",
        Some(&alice),
        &[],
    )
    .await;
    assert_eq!(res.status(), 422);
    let res = get(
        &sim,
        "/repos/acme/api/commits?since=last-week",
        Some(&alice),
        &[],
    )
    .await;
    assert_eq!(res.status(), 422);
    let res = get(&sim, "/repos/acme/api/commits/0000000", Some(&alice), &[]).await;
    assert_eq!(res.status(), 422);
    let res = get(&sim, "/repos/acme/api/pulls/999999", Some(&alice), &[]).await;
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn visibility_of_orgs_teams_and_hooks() {
    let sim = start(config()).await;
    let carol = token(&sim, "carol");
    let bob = token(&sim, "bob");
    // carol is an outside collaborator: no organisation, no teams, no private repos.
    let res = get(&sim, "/user/orgs", Some(&carol), &[]).await;
    assert_eq!(res.json::<Value>().await.unwrap(), serde_json::json!([]));
    let res = get(&sim, "/orgs/acme/teams", Some(&carol), &[]).await;
    assert_eq!(res.status(), 403);
    let repos = all_pages(&sim, "/orgs/acme/repos?per_page=100", &carol, None).await;
    assert!(repos.iter().all(|r| r["private"] == false));
    let res = get(&sim, "/repos/acme/infra", Some(&carol), &[]).await;
    assert_eq!(res.status(), 404);
    // Hooks are for administrators; bob pushes but does not administer.
    let res = get(&sim, "/repos/acme/api/hooks", Some(&bob), &[]).await;
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn renamed_repositories_answer_301_and_repository_ids_resolve() {
    let sim = start(config()).await;
    let alice = token(&sim, "alice");
    let id = sim.sim.with_world(|w| w.repo("acme", "web").unwrap().id);
    sim.sim
        .act(
            "acme",
            "web",
            ghsim::activity::Activity::Rename {
                name: "website".into(),
            },
            None,
        )
        .await
        .unwrap();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = client
        .get(format!("{}/repos/acme/web/pulls?state=all", sim.base_url))
        .bearer_auth(&alice)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 301);
    let location = header(&res, "location").unwrap();
    assert_eq!(
        location,
        format!("{}/repositories/{id}/pulls?state=all", sim.base_url)
    );
    // Following the redirect (as octocrab and reqwest do) lands on the same data.
    let followed = get(&sim, "/repos/acme/web/pulls?state=all", Some(&alice), &[]).await;
    assert_eq!(followed.status(), 200);
    let direct = get(
        &sim,
        "/repos/acme/website/pulls?state=all",
        Some(&alice),
        &[],
    )
    .await;
    assert_eq!(
        followed.json::<Value>().await.unwrap(),
        direct.json::<Value>().await.unwrap()
    );
    let res = get(&sim, &format!("/repositories/{id}"), Some(&alice), &[]).await;
    assert_eq!(
        res.json::<Value>().await.unwrap()["full_name"],
        "acme/website"
    );
}
