//! Full and incremental syncs end equal to the simulator's world, table by table.

use super::*;

#[tokio::test]
async fn full_then_incremental_sync_equals_the_worlds_truth() {
    let fx = setup_with(SimConfig::new(7, Size::Medium, anchor())).await;
    let syncer = alice_syncer(&fx);
    let repos = alice_repos(&fx).await;
    assert_eq!(repos.len(), 20);
    let outcomes = worker::sync_planned(&syncer, &repos, &[], Mode::Full)
        .await
        .unwrap();
    for o in &outcomes {
        assert!(o.errors().is_empty(), "{:?}", o.errors());
    }
    assert_matches_world(&fx.pool, &fx.sim, &names(&repos)).await;

    // Nothing changed: one request (1 point) for all 20 repositories.
    let before = fx.sim.sim.stats();
    let outcomes = worker::sync_planned(&syncer, &repos, &[], Mode::Incremental)
        .await
        .unwrap();
    let after = fx.sim.sim.stats();
    assert!(outcomes.iter().all(|o| o.resources.is_empty()));
    assert_eq!(after.rate_limit_points - before.rate_limit_points, 1);
    assert_eq!(after.requests - before.requests, 1);

    // GitHub changes: new and old items, deletions, a force-push, a rename.
    use ghsim::activity::Activity;
    let act = |repo: &'static str, a: Activity| {
        let sim = fx.sim.sim.clone();
        async move { sim.act("acme", repo, a, None).await.unwrap() }
    };
    let opened = act(
        "api",
        Activity::OpenPull {
            author: "bob".into(),
            title: None,
            draft: false,
            additions: Some(5),
            deletions: None,
            commits: Some(2),
        },
    )
    .await;
    let number = opened.number.unwrap();
    let (old, gone, unstar) = fx.sim.sim.with_world(|w| {
        let web = w.repo("acme", "web").unwrap();
        let mobile = w.repo("acme", "mobile").unwrap();
        (
            web.issues[0].number,
            web.issues[1].number,
            mobile.stars[0].user_id,
        )
    });
    let changes = [
        (
            "api",
            Activity::Review {
                number,
                reviewer: "dave".into(),
                state: "APPROVED".into(),
            },
        ),
        (
            "api",
            Activity::MergePull {
                number,
                by: Some("dave".into()),
            },
        ),
        (
            "web",
            Activity::Edit {
                number: old,
                title: "An old issue, edited".into(),
            },
        ),
        ("web", Activity::DeleteIssue { number: gone }),
        (
            "web",
            Activity::OpenIssue {
                author: "erin".into(),
                title: None,
                labels: vec!["bug".into()],
            },
        ),
        (
            "docs",
            Activity::Push {
                author: "bob".into(),
                commits: 2,
                force_replace: 3,
            },
        ),
        ("docs", Activity::Star { user: None }),
        ("mobile", Activity::Unstar { user: unstar }),
        (
            "mobile",
            Activity::Deploy {
                environment: "production".into(),
                state: "success".into(),
            },
        ),
        (
            "mobile",
            Activity::Release {
                tag: "v9.9.9".into(),
            },
        ),
        (
            "billing",
            Activity::Rename {
                name: "payments".into(),
            },
        ),
    ];
    for (repo, change) in changes {
        act(repo, change).await;
    }

    let before = fx.sim.sim.stats();
    let outcomes = worker::sync_planned(&syncer, &repos, &[], Mode::Incremental)
        .await
        .unwrap();
    for o in &outcomes {
        assert!(o.errors().is_empty(), "{:?}", o.errors());
    }
    let spent = fx.sim.sim.stats().rate_limit_points - before.rate_limit_points;
    let mut now_names = names(&repos);
    for n in &mut now_names {
        if n == "billing" {
            *n = "payments".into();
        }
    }
    assert_matches_world(&fx.pool, &fx.sim, &now_names).await;
    let renamed: String = sqlx::query_scalar(
        "SELECT full_name FROM repositories WHERE full_name ILIKE 'acme/payments'",
    )
    .fetch_one(&fx.pool)
    .await
    .unwrap();
    assert_eq!(renamed, "acme/payments");
    // The deleted issue's facts went with it: nothing that reads only the facts (the
    // issues open at a time, the priority list) can count it.
    let orphans: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM issue_facts f WHERE NOT EXISTS (
            SELECT 1 FROM issues i WHERE i.repository_id = f.repository_id AND i.number = f.number)",
    )
    .fetch_one(&fx.pool)
    .await
    .unwrap();
    let facts_of_gone: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM issue_facts f JOIN repositories r ON r.github_id = f.repository_id
          WHERE r.full_name = 'acme/web' AND f.number = $1",
    )
    .bind(i32::try_from(gone).unwrap())
    .fetch_one(&fx.pool)
    .await
    .unwrap();
    assert_eq!((orphans, facts_of_gone), (0, 0));
    // Only what changed was read.
    let untouched: Vec<&RepoOutcome> = outcomes
        .iter()
        .zip(&repos)
        .filter(|(_, r)| {
            let n = &r.full_name;
            ![
                "acme/api",
                "acme/web",
                "acme/docs",
                "acme/mobile",
                "acme/billing",
            ]
            .contains(&n.as_str())
        })
        .map(|(o, _)| o)
        .collect();
    assert!(untouched.iter().all(|o| o.resources.is_empty()));
    assert!(
        spent < 60,
        "an incremental sync of five changed repositories spent {spent} points"
    );
}

#[tokio::test]
async fn reading_everything_again_reads_everything_and_stays_true() {
    let fx = setup().await;
    let syncer = alice_syncer(&fx);
    let web = alice_repos_named(&fx, &["web"]).await;
    worker::sync_planned(&syncer, &web, &[], Mode::Incremental)
        .await
        .unwrap();
    // A force-push the next full read must notice, though no incremental sync ran.
    fx.sim
        .sim
        .act(
            "acme",
            "web",
            ghsim::activity::Activity::Push {
                author: "bob".into(),
                commits: 1,
                force_replace: 2,
            },
            None,
        )
        .await
        .unwrap();
    let again = worker::sync_planned(&syncer, &web, &[], Mode::Full)
        .await
        .unwrap();
    let commits = fx
        .sim
        .sim
        .with_world(|w| w.repo("acme", "web").unwrap().commits.len());
    let read = again[0]
        .resources
        .iter()
        .find(|r| r.resource == Resource::Commits)
        .unwrap();
    assert_eq!(read.error, None);
    assert_eq!(
        read.report.items as usize, commits,
        "every commit read again"
    );
    assert_matches_world(&fx.pool, &fx.sim, &["web".to_string()]).await;
}

#[tokio::test]
async fn organisations_and_teams_as_github_lists_them() {
    let fx = setup().await;
    let client = GitHubClient::new(&fx.sim.base_url, &fx.token).unwrap();
    let teams = sync_organizations(&fx.pool, &client, fx.user_id)
        .await
        .unwrap();
    let truth = fx.sim.sim.with_world(|w| {
        w.teams
            .iter()
            .map(|t| {
                (
                    t.slug.clone(),
                    t.members.len() as i64,
                    t.repo_ids.len() as i64,
                )
            })
            .collect::<Vec<_>>()
    });
    assert_eq!(teams, truth.len());
    for (slug, members, repos) in truth {
        let (m, r): (i64, i64) = sqlx::query_as(
            "SELECT (SELECT count(*) FROM team_members tm WHERE tm.team_id = t.github_id),
                    (SELECT count(*) FROM team_repositories tr WHERE tr.team_id = t.github_id)
               FROM teams t WHERE t.slug = $1",
        )
        .bind(&slug)
        .fetch_one(&fx.pool)
        .await
        .unwrap();
        assert_eq!((m, r), (members, repos), "team {slug}");
    }
    let orgs: i64 =
        sqlx::query_scalar("SELECT count(*) FROM organization_access WHERE user_id = $1")
            .bind(fx.user_id)
            .fetch_one(&fx.pool)
            .await
            .unwrap();
    assert_eq!(orgs, 1);
}

#[tokio::test]
async fn a_github_app_installation_syncs_to_the_truth_and_renews_its_token() {
    use crate::github::app::AppCredentials;
    let fx = setup().await;
    let app = fx.sim.sim.github_app();
    let creds = AppCredentials::from_pem(app.id, &app.private_key_pem()).unwrap();
    let client = GitHubClient::for_installation(&fx.sim.base_url, &creds, app.installation_id)
        .await
        .unwrap()
        .with_cache(crate::db::http_cache::PgResponseCache::shared(
            fx.pool.clone(),
        ))
        .with_retry_policy(fast_retries());

    // Installed on the organisation for all repositories: it reads every one of them,
    // private ones included, and is nobody's user.
    let listed = client.installation_repositories().await.unwrap();
    let mut names: Vec<String> = listed.iter().map(|r| r.full_name.clone()).collect();
    names.sort();
    let mut truth: Vec<String> = fx
        .sim
        .sim
        .with_world(|w| w.repos.iter().map(|r| r.full_name()).collect());
    truth.sort();
    assert_eq!(names, truth);
    let err = client.current_user().await.unwrap_err();
    assert!(
        matches!(
            err,
            crate::github::GitHubError::Forbidden { status: 403, .. }
        ),
        "{err}"
    );

    let infra = listed.iter().find(|r| r.full_name == "acme/infra").unwrap();
    assert!(infra.private);
    let mut tx = fx.pool.begin().await.unwrap();
    db::repos::upsert(&mut tx, infra).await.unwrap();
    tx.commit().await.unwrap();
    let target = vec![RepoRef {
        github_id: infra.id,
        node_id: infra.node_id.clone(),
        full_name: infra.full_name.clone(),
    }];
    let syncer = Syncer::new(fx.pool.clone(), client.clone());
    sync_ok(&syncer, &target, Mode::Full).await;
    assert_matches_world(&fx.pool, &fx.sim, &["infra".to_string()]).await;

    // Tokens now last just past the renewal margin: the next one is renewed before it
    // expires, by the client's own clock, without a refusal.
    let lifetime = crate::github::app::RENEW_BEFORE_SECS + 2;
    fx.sim.sim.github_app().set_token_lifetime(lifetime);
    fx.sim.sim.revoke_token(&client.current_token());
    let act = |a: ghsim::activity::Activity| {
        let sim = fx.sim.sim.clone();
        async move { sim.act("acme", "infra", a, None).await.unwrap() }
    };
    act(ghsim::activity::Activity::Star { user: None }).await;
    // The revoked token is refused once; a new one is minted and the sync goes on.
    let retries = client.retries();
    sync_ok(&syncer, &target, Mode::Incremental).await;
    assert_eq!(client.token_renewals(), 1);
    assert_eq!(fx.sim.sim.github_app().tokens_minted(), 2);
    assert!(client.retries() > retries);
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    act(ghsim::activity::Activity::Unstar {
        user: fx.sim.sim.with_world(|w| {
            w.repo("acme", "infra")
                .unwrap()
                .stars
                .last()
                .unwrap()
                .user_id
        }),
    })
    .await;
    let retries = client.retries();
    sync_ok(&syncer, &target, Mode::Incremental).await;
    assert_eq!(client.token_renewals(), 2);
    assert_eq!(fx.sim.sim.github_app().tokens_minted(), 3);
    assert_eq!(
        client.retries(),
        retries,
        "renewed ahead of expiry, not after a refusal"
    );
    assert_matches_world(&fx.pool, &fx.sim, &["infra".to_string()]).await;

    // Another app's key is refused with a message that says what to check.
    let mut rng = rand::thread_rng();
    let stranger = rsa::RsaPrivateKey::new(&mut rng, 1024).unwrap();
    let pem = rsa::pkcs1::EncodeRsaPrivateKey::to_pkcs1_pem(&stranger, rsa::pkcs1::LineEnding::LF)
        .unwrap();
    let wrong = AppCredentials::from_pem(app.id, &pem).unwrap();
    let err = GitHubClient::for_installation(&fx.sim.base_url, &wrong, app.installation_id)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("GITHUB_APP_PRIVATE_KEY"), "{err}");
}
