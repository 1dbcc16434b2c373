//! The simulator over real HTTP: responses validate against GitHub's OpenAPI description
//! (the `@octokit/openapi` npm package), pagination behaves as GitHub's does, and errors look like
//! GitHub's.

use crate::support::*;
use ghsim::RunningSimulator;
use serde_json::Value;

async fn sim() -> RunningSimulator {
    start(config()).await
}

#[tokio::test]
async fn responses_validate_against_githubs_schema() {
    let spec = openapi::rest_spec();
    let sim = sim().await;
    let alice = token(&sim, "alice");
    for (path, template) in [
        ("/user", "/user"),
        ("/user/repos?per_page=3", "/user/repos"),
        ("/repos/acme/api", "/repos/{owner}/{repo}"),
        ("/rate_limit", "/rate_limit"),
        (
            "/repos/acme/api/issues?state=all&per_page=60",
            "/repos/{owner}/{repo}/issues",
        ),
        (
            "/repos/acme/api/issues?state=closed&labels=bug&sort=updated",
            "/repos/{owner}/{repo}/issues",
        ),
        (
            "/repos/acme/api/pulls?state=all&per_page=50",
            "/repos/{owner}/{repo}/pulls",
        ),
        (
            "/repos/acme/api/pulls?state=closed&sort=updated&direction=desc&per_page=20",
            "/repos/{owner}/{repo}/pulls",
        ),
    ] {
        let res = get(&sim, path, Some(&alice), &[]).await;
        assert_eq!(res.status(), 200, "{path}");
        let body: Value = res.json().await.unwrap();
        if let Some(items) = body.as_array() {
            assert!(!items.is_empty(), "{path} returned nothing to validate");
        }
        openapi::assert_valid(&spec, template, &body);
    }
}

#[tokio::test]
async fn pagination_follows_github() {
    let sim = sim().await;
    let alice = token(&sim, "alice");
    let total = sim
        .sim
        .with_world(|w| w.repo("acme", "api").unwrap().pulls.len());
    assert!(total > 200);

    // Default page size is 30.
    let res = get(&sim, "/repos/acme/api/pulls?state=all", Some(&alice), &[]).await;
    let link = links(&res).unwrap();
    assert_eq!(res.json::<Vec<Value>>().await.unwrap().len(), 30);
    assert!(
        link.contains("rel=\"next\"") && link.contains("rel=\"last\""),
        "{link}"
    );
    assert!(!link.contains("rel=\"prev\""), "{link}");

    // per_page above 100 is capped at 100; walking `next` visits every item once.
    let mut seen = std::collections::BTreeSet::new();
    let mut url = format!(
        "{}/repos/acme/api/pulls?state=all&per_page=500",
        sim.base_url
    );
    let mut pages = 0;
    loop {
        let path = url.trim_start_matches(&sim.base_url).to_string();
        let res = get(&sim, &path, Some(&alice), &[]).await;
        let link = links(&res);
        let items: Vec<Value> = res.json().await.unwrap();
        pages += 1;
        assert!(items.len() <= 100);
        for i in &items {
            assert!(seen.insert(i["number"].as_u64().unwrap()), "duplicate");
        }
        match link.and_then(|l| {
            l.split(", ")
                .find(|p| p.ends_with("rel=\"next\""))
                .map(|p| p[1..p.find('>').unwrap()].to_string())
        }) {
            Some(next) => url = next,
            None => break,
        }
    }
    assert_eq!(seen.len(), total);
    assert_eq!(pages, total.div_ceil(100));

    // The last page links back (prev, first) but not forward.
    let last = total.div_ceil(100);
    let res = get(
        &sim,
        &format!("/repos/acme/api/pulls?state=all&per_page=100&page={last}"),
        Some(&alice),
        &[],
    )
    .await;
    let link = links(&res).unwrap();
    assert!(
        link.contains("rel=\"prev\"") && link.contains("rel=\"first\""),
        "{link}"
    );
    assert!(!link.contains("rel=\"next\""), "{link}");
    assert_eq!(
        res.json::<Vec<Value>>().await.unwrap().len(),
        total - (last - 1) * 100
    );

    // Past the end: an empty list.
    let res = get(
        &sim,
        &format!(
            "/repos/acme/api/pulls?state=all&per_page=100&page={}",
            last + 1
        ),
        Some(&alice),
        &[],
    )
    .await;
    assert_eq!(res.status(), 200);
    assert!(res.json::<Vec<Value>>().await.unwrap().is_empty());
}

#[tokio::test]
async fn exactly_one_full_page_has_no_links() {
    let sim = sim().await;
    let alice = token(&sim, "alice");
    let repos = sim.sim.with_world(|w| {
        let alice = w.user_by_login("alice").unwrap().id;
        w.repos_of(alice).count()
    });
    let res = get(
        &sim,
        &format!("/user/repos?per_page={repos}"),
        Some(&alice),
        &[],
    )
    .await;
    assert_eq!(links(&res), None);
    assert_eq!(res.json::<Vec<Value>>().await.unwrap().len(), repos);
    // An empty list (a filter nothing matches) has no links either.
    let res = get(
        &sim,
        "/repos/acme/api/pulls?state=all&base=no-such-branch",
        Some(&alice),
        &[],
    )
    .await;
    assert_eq!(links(&res), None);
    assert!(res.json::<Vec<Value>>().await.unwrap().is_empty());
}

#[tokio::test]
async fn states_sorting_and_errors() {
    let sim = sim().await;
    let alice = token(&sim, "alice");
    let (open, closed) = sim.sim.with_world(|w| {
        let r = w.repo("acme", "api").unwrap();
        let open = r
            .pulls
            .iter()
            .filter(|p| p.state == ghsim::PullState::Open)
            .count();
        (open, r.pulls.len() - open)
    });
    let count = |body: Vec<Value>| body.len();
    let res = get(
        &sim,
        "/repos/acme/api/pulls?per_page=100",
        Some(&alice),
        &[],
    )
    .await;
    assert_eq!(count(res.json().await.unwrap()), open.min(100));
    let res = get(
        &sim,
        "/repos/acme/api/pulls?state=closed&per_page=100&direction=asc",
        Some(&alice),
        &[],
    )
    .await;
    let items: Vec<Value> = res.json().await.unwrap();
    assert_eq!(items.len(), closed.min(100));
    let created: Vec<&str> = items
        .iter()
        .map(|i| i["created_at"].as_str().unwrap())
        .collect();
    assert!(
        created.windows(2).all(|w| w[0] <= w[1]),
        "ascending by creation"
    );

    let res = get(&sim, "/repos/acme/api/pulls?state=bogus", Some(&alice), &[]).await;
    assert_eq!(res.status(), 422);

    let res = get(&sim, "/user", None, &[]).await;
    assert_eq!(res.status(), 401);
    assert_eq!(
        res.json::<Value>().await.unwrap()["message"],
        "Requires authentication"
    );
    let res = get(&sim, "/user", Some("gho_wrong"), &[]).await;
    assert_eq!(res.status(), 401);
    assert_eq!(
        res.json::<Value>().await.unwrap()["message"],
        "Bad credentials"
    );

    // A private repository is invisible (404, not 403) to someone without access.
    let carol = token(&sim, "carol");
    assert_eq!(
        get(&sim, "/repos/acme/infra", Some(&carol), &[])
            .await
            .status(),
        404
    );
    assert_eq!(
        get(&sim, "/repos/acme/infra", Some(&alice), &[])
            .await
            .status(),
        200
    );
    assert_eq!(
        get(&sim, "/repos/acme/nope", Some(&alice), &[])
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn issues_include_pull_requests_and_filter_like_github() {
    let sim = sim().await;
    let alice = token(&sim, "alice");
    let (issues, pulls, bugs, since, updated_since) = sim.sim.with_world(|w| {
        let r = w.repo("acme", "api").unwrap();
        let since = w.now - chrono::Duration::days(30);
        let updated_since = r.issues.iter().filter(|i| i.updated_at >= since).count()
            + r.pulls.iter().filter(|p| p.updated_at >= since).count();
        // GitHub's label filter lists pull requests with the label too (incident fixes).
        let bugs = r
            .issues
            .iter()
            .filter(|i| i.labels.contains(&"bug"))
            .count()
            + r.pulls.iter().filter(|p| p.labels.contains(&"bug")).count();
        assert!(r.pulls.iter().any(|p| p.labels.contains(&"bug")));
        (r.issues.len(), r.pulls.len(), bugs, since, updated_since)
    });
    assert!(issues > 50, "{issues}");

    let all = fetch_all(
        &sim,
        "/repos/acme/api/issues?state=all&per_page=100",
        &alice,
    )
    .await;
    assert_eq!(all.len(), issues + pulls);
    let as_pulls = all
        .iter()
        .filter(|i| i.get("pull_request").is_some())
        .count();
    assert_eq!(as_pulls, pulls);
    // Numbers are shared and unique; newest first by default.
    let numbers: Vec<u64> = all.iter().map(|i| i["number"].as_u64().unwrap()).collect();
    assert!(numbers.windows(2).all(|w| w[0] > w[1]));

    let bug_list = fetch_all(
        &sim,
        "/repos/acme/api/issues?state=all&labels=bug&per_page=100",
        &alice,
    )
    .await;
    assert_eq!(bug_list.len(), bugs);

    let since_text = since.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let recent = fetch_all(
        &sim,
        &format!("/repos/acme/api/issues?state=all&since={since_text}&per_page=100"),
        &alice,
    )
    .await;
    assert_eq!(recent.len(), updated_since);

    let res = get(
        &sim,
        "/repos/acme/api/issues?since=yesterday",
        Some(&alice),
        &[],
    )
    .await;
    assert_eq!(res.status(), 422);
}

async fn fetch_all(sim: &RunningSimulator, first: &str, token: &str) -> Vec<Value> {
    let mut all = Vec::new();
    let mut path = Some(first.to_string());
    while let Some(p) = path {
        let res = get(sim, &p, Some(token), &[]).await;
        assert_eq!(res.status(), 200, "{p}");
        let next = links(&res).and_then(|l| {
            l.split(", ")
                .find(|part| part.ends_with("rel=\"next\""))
                .map(|part| {
                    part[1..part.find('>').unwrap()]
                        .trim_start_matches(&sim.base_url)
                        .to_string()
                })
        });
        all.extend(res.json::<Vec<Value>>().await.unwrap());
        path = next;
    }
    all
}

#[tokio::test]
async fn admin_only_fields_reach_admins_only() {
    let spec = openapi::rest_spec();
    let sim = sim().await;
    // alice administers every acme repository and owns the organisation; carol reads one
    // repository as an outside collaborator.
    let (alice, carol) = (token(&sim, "alice"), token(&sim, "carol"));
    let carols = sim.sim.with_world(|w| {
        let carol = w.user_by_login("carol").unwrap().id;
        w.repos
            .iter()
            .find(|r| r.collaborators.iter().any(|(id, _)| *id == carol))
            .map(|r| r.full_name())
            .unwrap()
    });
    let merge_settings = ["allow_squash_merge", "delete_branch_on_merge"];
    let path = format!("/repos/{carols}");
    let repo = |token| get(&sim, &path, Some(token), &[]);
    let as_admin: Value = repo(&alice).await.json().await.unwrap();
    let as_reader: Value = repo(&carol).await.json().await.unwrap();
    openapi::assert_valid(&spec, "/repos/{owner}/{repo}", &as_admin);
    openapi::assert_valid(&spec, "/repos/{owner}/{repo}", &as_reader);
    for field in merge_settings {
        assert!(as_admin[field].is_boolean(), "{field} for an admin");
        assert!(as_reader.get(field).is_none(), "{field} for a reader");
    }
    let org = |token| get(&sim, "/orgs/acme", Some(token), &[]);
    let as_owner: Value = org(&alice).await.json().await.unwrap();
    let as_outsider: Value = org(&carol).await.json().await.unwrap();
    openapi::assert_valid(&spec, "/orgs/{org}", &as_owner);
    openapi::assert_valid(&spec, "/orgs/{org}", &as_outsider);
    assert_eq!(as_owner["default_repository_permission"], "read");
    assert!(as_outsider.get("default_repository_permission").is_none());
    assert!(as_outsider.get("billing_email").is_none());
}

#[tokio::test]
async fn stargazers_come_with_starred_at_in_every_spelling_of_the_media_type() {
    let sim = sim().await;
    let alice = token(&sim, "alice");
    for accept in [
        "application/vnd.github.star+json",
        "application/vnd.github.v3.star+json",
    ] {
        let res = get(
            &sim,
            "/repos/acme/api/stargazers?per_page=5",
            Some(&alice),
            &[("Accept", accept)],
        )
        .await;
        assert_eq!(res.status(), 200);
        let body: Value = res.json().await.unwrap();
        let first = &body.as_array().unwrap()[0];
        assert!(first["starred_at"].is_string(), "{accept}: {first}");
        assert!(first["user"]["login"].is_string(), "{accept}: {first}");
    }
    let plain: Value = get(
        &sim,
        "/repos/acme/api/stargazers?per_page=5",
        Some(&alice),
        &[("Accept", "application/vnd.github.v3+json")],
    )
    .await
    .json()
    .await
    .unwrap();
    assert!(plain[0]["login"].is_string(), "plain users: {plain}");
}
