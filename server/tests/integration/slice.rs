//! The slice's numbers: after adding a repository, the weekly opened/merged series the
//! repository page draws equals what the simulator holds, and users only reach what
//! GitHub lets them see.

use std::collections::BTreeMap;

use crate::support::*;
use chrono::{Datelike, Duration, NaiveDate};
use serde_json::Value;

fn monday(t: chrono::DateTime<chrono::Utc>) -> NaiveDate {
    let d = t.date_naive();
    d - Duration::days(d.weekday().num_days_from_monday() as i64)
}

/// Ground truth, counted straight from the simulator's world.
fn truth(app: &TestApp, full_name: &str) -> (Vec<(String, u32, u32)>, usize) {
    app.sim.sim.with_world(|w| {
        let (owner, name) = full_name.split_once('/').unwrap();
        let repo = w.repo(owner, name).unwrap();
        let mut by_week: BTreeMap<NaiveDate, (u32, u32)> = BTreeMap::new();
        for p in &repo.pulls {
            by_week.entry(monday(p.created_at)).or_default().0 += 1;
            if let Some(m) = p.merged_at {
                by_week.entry(monday(m)).or_default().1 += 1;
            }
        }
        let first = *by_week.keys().next().unwrap();
        let last = *by_week.keys().last().unwrap();
        let mut weeks = Vec::new();
        let mut week = first;
        while week <= last {
            let (o, m) = by_week.get(&week).copied().unwrap_or_default();
            weeks.push((week.to_string(), o, m));
            week += Duration::weeks(1);
        }
        (weeks, repo.pulls.len())
    })
}

#[tokio::test]
async fn added_repository_matches_the_simulator() {
    let app = start().await;
    let alice = sign_in(&app, "alice").await;

    let (status, body) = server_fn(&app, &alice, "repositories", &[("refresh", "true")]).await;
    assert_eq!(status, 200, "{body}");
    let repos: Vec<Value> = serde_json::from_str(&body).unwrap();
    let names: Vec<&str> = repos
        .iter()
        .map(|r| r["full_name"].as_str().unwrap())
        .collect();
    let expected: Vec<String> = app.sim.sim.with_world(|w| {
        let alice = w.user_by_login("alice").unwrap().id;
        let mut v: Vec<String> = w.repos_of(alice).map(|r| r.full_name()).collect();
        v.sort();
        v
    });
    assert_eq!(names, expected);

    let (status, body) = server_fn(&app, &alice, "track", &[("full_name", "acme/api")]).await;
    assert_eq!(status, 200, "{body}");
    let tracked: Value = serde_json::from_str(&body).unwrap();
    let (weeks, total) = truth(&app, "acme/api");
    assert_eq!(tracked["pull_requests"].as_u64().unwrap() as usize, total);
    // Every page is needed and none twice: ceil(total / 100) requests.
    assert_eq!(
        tracked["requests"].as_u64().unwrap() as usize,
        total.div_ceil(100)
    );
    assert!(
        total > 200,
        "the busiest repository spans several pages ({total})"
    );

    let (status, body) = server_fn(&app, &alice, "overview", &[("full_name", "acme/api")]).await;
    assert_eq!(status, 200, "{body}");
    let overview: Value = serde_json::from_str(&body).unwrap();
    let got: Vec<(String, u32, u32)> = overview["weeks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            (
                w["week_start"].as_str().unwrap().to_string(),
                w["opened"].as_u64().unwrap() as u32,
                w["merged"].as_u64().unwrap() as u32,
            )
        })
        .collect();
    assert_eq!(got, weeks);
    assert_eq!(overview["pull_requests"].as_u64().unwrap() as usize, total);
    assert_eq!(overview["last_sync"]["status"], "succeeded");

    // Syncing again changes nothing (idempotent upserts).
    let (status, _) = server_fn(&app, &alice, "track", &[("full_name", "acme/api")]).await;
    assert_eq!(status, 200);
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM pull_requests")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(stored as usize, total);
}

#[tokio::test]
async fn users_only_reach_repositories_github_shows_them() {
    let app = start().await;
    let alice = sign_in(&app, "alice").await;
    let (status, _) = server_fn(&app, &alice, "repositories", &[("refresh", "true")]).await;
    assert_eq!(status, 200);
    let (status, _) = server_fn(&app, &alice, "track", &[("full_name", "acme/infra")]).await;
    assert_eq!(status, 200);

    // Carol collaborates on acme/api only.
    let carol = sign_in(&app, "carol").await;
    let (_, body) = server_fn(&app, &carol, "repositories", &[("refresh", "true")]).await;
    let repos: Vec<Value> = serde_json::from_str(&body).unwrap();
    let names: Vec<&str> = repos
        .iter()
        .map(|r| r["full_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["acme/api"]);

    let (status, body) = server_fn(&app, &carol, "overview", &[("full_name", "acme/infra")]).await;
    assert_ne!(status, 200, "{body}");
    assert!(!body.contains("week_start"), "{body}");
    let (status, _) = server_fn(&app, &carol, "track", &[("full_name", "acme/infra")]).await;
    assert_ne!(status, 200);

    // Signed out: nothing.
    let stranger = browser();
    let (status, _) = server_fn(&app, &stranger, "overview", &[("full_name", "acme/api")]).await;
    assert_eq!(status, 401);
}
