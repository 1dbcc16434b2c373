//! `pulseboard sync`: sync repositories from the command line, with a progress bar on a
//! terminal and plain lines otherwise, and a summary of what it cost.

use std::io::IsTerminal;
use std::sync::{Arc, Mutex};

use engine::github::GitHubClient;
use engine::sync::{worker, Mode, Progress, RepoOutcome, RepoRef, Resource, Syncer, Target};

use crate::config::{Config, SyncArgs};

pub async fn run(args: SyncArgs) -> anyhow::Result<()> {
    let targets: Vec<Target> = args
        .targets
        .iter()
        .map(|t| t.parse().map_err(|e: String| anyhow::anyhow!(e)))
        .collect::<anyhow::Result<_>>()?;
    let resources = Resource::parse_list(args.resources.as_deref().unwrap_or_default())
        .map_err(|e| anyhow::anyhow!("--resources: {e}"))?;
    let mode = if args.full {
        Mode::Full
    } else {
        Mode::Incremental
    };
    let config: Config = args.serve.into_config()?;
    crate::configure_github(&config);
    let db = crate::database::open(&config).await?;
    let result = sync(
        &config,
        &db.pool,
        &targets,
        &resources,
        mode,
        args.as_user.as_deref(),
        args.installation,
    )
    .await;
    db.pool.close().await;
    if let Some(pg) = db.embedded {
        pg.stop().await?;
    }
    result
}

async fn sync(
    config: &Config,
    pool: &sqlx::PgPool,
    targets: &[Target],
    resources: &[Resource],
    mode: Mode,
    as_user: Option<&str>,
    installation: Option<u64>,
) -> anyhow::Result<()> {
    let api = config
        .github_api_url
        .as_str()
        .trim_end_matches('/')
        .to_string();
    let client = match (installation, as_user, &config.github_token) {
        (Some(id), _, _) => {
            let app = config.github_app.as_ref().ok_or_else(|| {
                anyhow::anyhow!(
                    "--installation {id}: set GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY to act as the GitHub App"
                )
            })?;
            GitHubClient::for_installation(&api, app, id)
                .await
                .map_err(|e| anyhow::anyhow!("--installation {id}: {e}"))?
        }
        (None, Some(login), _) => {
            let key = crate::secret_key(config)?;
            let clients = engine::clients::Clients::new(
                pool.clone(),
                engine::auth::TokenCipher::new(&key),
                api.clone(),
            );
            let user_id: i64 = engine::db::users::id_by_login(pool, login)
                .await?
                .ok_or_else(|| anyhow::anyhow!("--as {login}: nobody by that login has signed in to this Pulseboard"))?;
            clients.for_user(user_id).await?
        }
        (None, None, Some(token)) => GitHubClient::new(&api, token.expose())?,
        (None, None, None) => anyhow::bail!(
            "no GitHub token: set GITHUB_TOKEN (a personal access token), use --as LOGIN for a user who signed in, or --installation ID with GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY"
        ),
    }
    .with_cache(engine::db::http_cache::PgResponseCache::shared(pool.clone()));
    // An app installation is nobody's user: `user:NAME` needs a person's token.
    let me = match installation {
        Some(_) => None,
        None => Some(client.current_user().await?.login),
    };
    let (repos, unlisted) =
        engine::sync::targets::resolve(pool, &client, targets, me.as_deref()).await?;
    for (target, why) in &unlisted {
        eprintln!("{target}: not synced: {why}");
    }
    if repos.is_empty() {
        if unlisted.is_empty() {
            println!("Nothing to sync.");
            return Ok(());
        }
        let reasons: Vec<String> = unlisted
            .iter()
            .map(|(t, why)| format!("{t}: {why}"))
            .collect();
        anyhow::bail!("nothing could be synced: {}", reasons.join("; "));
    }
    let terminal = std::io::stderr().is_terminal();
    let bar = terminal.then(|| {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {elapsed_precise} {wide_msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        bar
    });
    let shown = Arc::new(Mutex::new(bar.clone()));
    let observer: engine::sync::Observer = Arc::new(move |p: &Progress| {
        let line = format!(
            "{} {}: {} items, {} pages{}{}",
            p.live.repository,
            p.live.resource,
            p.live.items,
            p.live.pages,
            p.live.total.map(|t| format!(" of {t}")).unwrap_or_default(),
            p.live
                .rate_remaining
                .map(|r| format!(", rate limit left {r}"))
                .unwrap_or_default(),
        );
        match &*shown.lock().unwrap_or_else(|e| e.into_inner()) {
            Some(bar) => bar.set_message(line),
            None if p.live.done => eprintln!("{line}"),
            None => {}
        }
    });
    let npm = engine::npm::NpmClient::new(config.npm_url.as_str())?;
    let syncer = Syncer::new(pool.clone(), client.clone())
        .with_observer(observer)
        .with_npm(Some(npm));
    let started = std::time::Instant::now();
    let outcomes = worker::sync_planned(&syncer, &repos, resources, mode).await?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    summarize(&repos, &outcomes, &client, started.elapsed());
    let mut failed: Vec<String> = outcomes.iter().flat_map(RepoOutcome::errors).collect();
    failed.extend(unlisted.iter().map(|(t, why)| format!("{t}: {why}")));
    if failed.is_empty() {
        Ok(())
    } else {
        anyhow::bail!("{} resource(s) failed: {}", failed.len(), failed.join("; "))
    }
}

fn summarize(
    repos: &[RepoRef],
    outcomes: &[RepoOutcome],
    client: &GitHubClient,
    elapsed: std::time::Duration,
) {
    println!(
        "{:<32} {:>9} {:>7} {:>9} {:>6} {:>7}  note",
        "repository", "items", "pages", "requests", "304s", "points"
    );
    for (repo, o) in repos.iter().zip(outcomes) {
        let name = &repo.full_name;
        let t = o.total();
        let note = if o.resources.is_empty() {
            "unchanged".to_string()
        } else if o.errors().is_empty() {
            let unavailable: Vec<String> = o
                .resources
                .iter()
                .filter_map(|r| {
                    Some(format!(
                        "{} unavailable ({})",
                        r.resource,
                        r.unavailable.as_ref()?
                    ))
                })
                .collect();
            if unavailable.is_empty() {
                format!("{} resource(s)", o.resources.len())
            } else {
                unavailable.join("; ")
            }
        } else {
            o.errors().join("; ")
        };
        println!(
            "{name:<32} {:>9} {:>7} {:>9} {:>6} {:>7}  {note}",
            t.items, t.pages, t.requests, t.not_modified, t.points
        );
    }
    // The repositories' own costs, plus what finding them cost.
    let mut total = engine::sync::SyncReport::default();
    for o in outcomes {
        total += o.total();
    }
    println!(
        "total: {} requests ({} answered 304, free), {} rate-limit points, {} retries, {:.1} s{}",
        total.requests + client.requests_made(),
        total.not_modified + client.not_modified(),
        total.points + client.points(),
        total.retries + client.retries(),
        elapsed.as_secs_f64(),
        client
            .budget()
            .map(|b| format!(", {} of {} left", b.remaining, b.limit))
            .unwrap_or_default()
    );
}
