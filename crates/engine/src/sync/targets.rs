//! What `pulseboard sync` is asked to sync (`OWNER/REPO`, `org:NAME`, `user:NAME`), and
//! the repositories that names, as GitHub lists them to the client's token.

use sqlx::PgPool;

use super::RepoRef;
use crate::db;
use crate::github::GitHubClient;

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

/// The repositories the targets name, stored and returned, and the targets GitHub would
/// not list, each with why. One failing target never stops the others.
pub async fn resolve(
    pool: &PgPool,
    client: &GitHubClient,
    targets: &[Target],
    me: Option<&str>,
) -> crate::Result<(Vec<RepoRef>, Vec<(String, String)>)> {
    let mut found = Vec::new();
    let mut failed = Vec::new();
    for t in targets {
        let (name, listed) = match t {
            Target::Repo(full_name) => (
                full_name.clone(),
                client.repository(full_name).await.map(|r| vec![r]),
            ),
            Target::Org(org) => (
                format!("org:{org}"),
                client.organization_repositories(org).await,
            ),
            Target::User(login) if me.is_some_and(|me| login.eq_ignore_ascii_case(me)) => {
                (format!("user:{login}"), client.user_repositories().await)
            }
            Target::User(login) => {
                let why = match me {
                    Some(me) => format!(
                        "only the token's own user ({me}) can be listed; name repositories as OWNER/REPO"
                    ),
                    None => "a GitHub App installation is nobody's user; name repositories as OWNER/REPO or org:NAME".to_string(),
                };
                failed.push((format!("user:{login}"), why));
                continue;
            }
        };
        let listed = match listed {
            Ok(l) => l,
            // A revoked token fails every target alike: that is the whole run's error.
            Err(e @ crate::github::GitHubError::Unauthorized(_)) => return Err(e.into()),
            Err(e) => {
                tracing::warn!(target = %name, error = %e, "cannot list this target");
                failed.push((name, e.to_string()));
                continue;
            }
        };
        let mut tx = pool.begin().await?;
        for repo in &listed {
            db::repos::upsert(&mut tx, repo).await?;
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
    Ok((found, failed))
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
