//! `pulseboard sync`: sync repositories from the command line, with a progress bar on a
//! terminal and plain lines otherwise, and a summary of what it cost.

use std::io::IsTerminal;
use std::sync::{Arc, Mutex};

use engine::github::GitHubClient;
use engine::sync::{worker, Mode, Progress, RepoOutcome, RepoRef, Resource, Syncer};

use crate::config::{Config, SyncArgs};

/// What to sync, as given on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Repo(String),
    Org(String),
    User(String),
}

impl std::str::FromStr for Target {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if let Some(org) = s.strip_prefix("org:") {
            return (!org.is_empty())
                .then(|| Target::Org(org.to_string()))
                .ok_or_else(|| "org: needs an organisation name".to_string());
        }
        if let Some(user) = s.strip_prefix("user:") {
            return (!user.is_empty())
                .then(|| Target::User(user.to_string()))
                .ok_or_else(|| "user: needs a login".to_string());
        }
        match s.split_once('/') {
            Some((o, r)) if !o.is_empty() && !r.is_empty() && !r.contains('/') => {
                Ok(Target::Repo(s.to_string()))
            }
            _ => Err(format!("{s:?} is not OWNER/REPO, org:NAME or user:NAME")),
        }
    }
}

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
            let cipher = engine::auth::TokenCipher::new(&key);
            let user_id: i64 = engine::db::users::id_by_login(pool, login)
                .await?
                .ok_or_else(|| anyhow::anyhow!("--as {login}: nobody by that login has signed in to this Pulseboard"))?;
            let token = engine::db::users::token(pool, &cipher, user_id).await?;
            GitHubClient::new(&api, &token)?
        }
        (None, None, Some(token)) => GitHubClient::new(&api, token.expose())?,
        (None, None, None) => anyhow::bail!(
            "no GitHub token: set GITHUB_TOKEN (a personal access token), use --as LOGIN for a user who signed in, or --installation ID with GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY"
        ),
    }
    .with_cache(pool.clone());
    // An app installation is nobody's user: `user:NAME` needs a person's token.
    let me = match installation {
        Some(_) => None,
        None => Some(client.current_user().await?.login),
    };
    let repos = resolve(pool, &client, targets, me.as_deref()).await?;
    if repos.is_empty() {
        println!("Nothing to sync.");
        return Ok(());
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
            p.repository,
            p.resource,
            p.items,
            p.pages,
            p.total.map(|t| format!(" of {t}")).unwrap_or_default(),
            p.rate_remaining
                .map(|r| format!(", rate limit left {r}"))
                .unwrap_or_default(),
        );
        match &*shown.lock().unwrap_or_else(|e| e.into_inner()) {
            Some(bar) => bar.set_message(line),
            None if p.done => eprintln!("{line}"),
            None => {}
        }
    });
    let syncer = Syncer::new(pool.clone(), client.clone()).with_observer(observer);
    let started = std::time::Instant::now();
    let outcomes = worker::sync_planned(&syncer, &repos, resources, mode).await?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    summarize(&repos, &outcomes, &client, started.elapsed());
    let failed: Vec<String> = outcomes.iter().flat_map(RepoOutcome::errors).collect();
    if failed.is_empty() {
        Ok(())
    } else {
        anyhow::bail!("{} resource(s) failed: {}", failed.len(), failed.join("; "))
    }
}

/// The repositories the targets name, stored and returned.
async fn resolve(
    pool: &sqlx::PgPool,
    client: &GitHubClient,
    targets: &[Target],
    me: Option<&str>,
) -> anyhow::Result<Vec<RepoRef>> {
    let mut found = Vec::new();
    for t in targets {
        let listed = match t {
            Target::Repo(full_name) => vec![client.repository(full_name).await.map_err(|e| anyhow::anyhow!("{full_name}: {e}"))?],
            Target::Org(org) => client.organization_repositories(org).await.map_err(|e| anyhow::anyhow!("org:{org}: {e}"))?,
            Target::User(login) if me.is_some_and(|me| login.eq_ignore_ascii_case(me)) => client.user_repositories().await?,
            Target::User(login) => match me {
                Some(me) => anyhow::bail!(
                    "user:{login}: only the token's own user ({me}) can be listed; name repositories as OWNER/REPO"
                ),
                None => anyhow::bail!(
                    "user:{login}: a GitHub App installation is nobody's user; name repositories as OWNER/REPO or org:NAME"
                ),
            },
        };
        let mut tx = pool.begin().await?;
        for repo in &listed {
            engine::db::repos::upsert(&mut tx, repo).await?;
        }
        tx.commit().await?;
        for repo in listed {
            if !found.iter().any(|r: &RepoRef| r.github_id == repo.id) {
                found.push(RepoRef {
                    github_id: repo.id,
                    node_id: repo.node_id,
                    full_name: repo.full_name,
                });
            }
        }
    }
    Ok(found)
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
            format!("{} resource(s)", o.resources.len())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_or_explain() {
        assert_eq!(
            "acme/api".parse::<Target>(),
            Ok(Target::Repo("acme/api".into()))
        );
        assert_eq!("org:acme".parse::<Target>(), Ok(Target::Org("acme".into())));
        assert_eq!(
            "user:alice".parse::<Target>(),
            Ok(Target::User("alice".into()))
        );
        assert!("acme".parse::<Target>().is_err());
        assert!("acme/api/x".parse::<Target>().is_err());
        assert!("org:".parse::<Target>().is_err());
    }
}
