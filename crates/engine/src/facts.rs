//! Derived per-item facts (METRICS.md, "Derived facts"): each pull request's stages,
//! reviews and bot status; each repository's production deployments from its deployment
//! source; and which deployment each change went out in. The sync keeps them current as
//! it writes (and the webhook applier will, through the same functions), so a metric
//! aggregates stored facts and never recomputes them per request.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use crate::db::facts::{
    Candidate, ChangeDeployment, ProductionDeployment, PullFacts, PullInput, Response,
};
use crate::db::settings::{self, DeploymentSource, RepositorySettings};
use crate::db::{self, Conn};
use crate::metrics::flow;

/// Who counts as a bot (METRICS.md, "Bots"): GitHub's `Bot` accounts, logins ending in
/// `[bot]`, the configured logins, and for pull requests the configured title pattern.
#[derive(Debug, Clone)]
pub struct Bots {
    logins: Vec<String>,
    title: Option<regex::Regex>,
}

impl Bots {
    /// Errors: [`crate::Error::Invalid`] for a bad title pattern.
    pub fn new(s: &RepositorySettings) -> crate::Result<Bots> {
        Ok(Bots {
            logins: s.bot_logins.iter().map(|l| l.to_lowercase()).collect(),
            title: match s.bot_title_pattern.trim() {
                "" => None,
                p => Some(settings::pattern("bot_title_pattern", p)?),
            },
        })
    }

    /// Whether an account is a bot's.
    pub fn account(&self, login: Option<&str>, kind: Option<&str>) -> bool {
        kind == Some("Bot")
            || login.is_some_and(|l| flow::is_bot(l) || self.logins.contains(&l.to_lowercase()))
    }

    /// Whether a pull request is a bot's: its author is, or its title says so.
    pub fn pull(&self, login: Option<&str>, kind: Option<&str>, title: &str) -> bool {
        self.account(login, kind) || self.title.as_ref().is_some_and(|t| t.is_match(title))
    }
}

/// What a revert pull request names as the change it reverts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reverted<'a> {
    /// GitHub's "Revert" button makes a branch `revert-N-…`: pull request N.
    Number(i32),
    /// …and a title `Revert "original title"`.
    Title(&'a str),
}

/// The change a pull request reverts, from its branch or its title (GitHub's forms).
pub fn reverted<'a>(head_ref: &str, title: &'a str) -> Option<Reverted<'a>> {
    let number = head_ref
        .strip_prefix("revert-")
        .and_then(|rest| rest.split('-').next())
        .and_then(|n| n.parse().ok());
    if let Some(n) = number {
        return Some(Reverted::Number(n));
    }
    title
        .strip_prefix("Revert \"")
        .and_then(|t| t.strip_suffix('"'))
        .filter(|t| !t.is_empty())
        .map(Reverted::Title)
}

fn earliest<'a>(items: impl Iterator<Item = &'a Response>) -> Option<DateTime<Utc>> {
    items.filter_map(|r| r.at).min()
}

/// A pull request's facts from its row and its reviews and first comments; `reverts` is
/// resolved by the caller.
pub fn derive(
    repository_id: i64,
    p: &PullInput,
    responses: &[&Response],
    bots: &Bots,
) -> PullFacts {
    let author = p.author_login.as_deref();
    let others: Vec<&Response> = responses
        .iter()
        .copied()
        .filter(|r| r.login.is_some() && r.login.as_deref() != author)
        .filter(|r| !bots.account(r.login.as_deref(), r.account_type.as_deref()))
        .collect();
    let reviews = || others.iter().copied().filter(|r| r.is_review);
    let first_response_at = earliest(others.iter().copied());
    let ready_at = p.ready_for_review_at.unwrap_or(p.created_at);
    let stages = p
        .merged_at
        .and_then(|merged| flow::stages(p.first_commit_at?, ready_at, first_response_at, merged));
    PullFacts {
        repository_id,
        number: p.number,
        author_login: p.author_login.clone(),
        is_bot: bots.pull(author, p.author_type.as_deref(), &p.title),
        state: p.state.clone(),
        created_at: p.created_at,
        ready_at,
        first_commit_at: p.first_commit_at,
        first_review_at: earliest(reviews()),
        first_response_at,
        approved_at: earliest(reviews().filter(|r| r.approved)),
        reviews: reviews().count() as i32,
        merged_at: p.merged_at,
        closed_at: p.closed_at,
        lines_changed: p.additions.zip(p.deletions).map(|(a, d)| a + d),
        changed_files: p.changed_files,
        merge_commit_sha: p.merge_commit_sha.clone(),
        reverts: None,
        cycle_hours: stages.map(|s| s.cycle),
        coding_hours: stages.map(|s| s.coding),
        pickup_hours: stages.and_then(|s| s.pickup),
        review_hours: stages.and_then(|s| s.review),
    }
}

/// Brings the facts of the pull requests `numbers` of a repository (all with `None`) up
/// to date from their stored rows, in the caller's transaction.
///
/// Errors: [`crate::Error::Invalid`] when the stored bot title pattern does not compile;
/// database errors.
pub async fn refresh_pulls(
    conn: &mut Conn,
    repository_id: i64,
    numbers: Option<&[i64]>,
) -> crate::Result<()> {
    let settings = settings::get(conn, repository_id).await?;
    let bots = Bots::new(&settings)?;
    let (pulls, responses) = db::facts::pull_inputs(conn, repository_id, numbers).await?;
    let mut by_number: HashMap<i32, Vec<&Response>> = HashMap::new();
    for r in &responses {
        by_number.entry(r.number).or_default().push(r);
    }
    let mut rows = Vec::with_capacity(pulls.len());
    for p in &pulls {
        let mut facts = derive(
            repository_id,
            p,
            by_number.get(&p.number).map_or(&[][..], |v| v),
            &bots,
        );
        facts.reverts = match reverted(&p.head_ref, &p.title) {
            Some(Reverted::Number(n)) => Some(n),
            Some(Reverted::Title(t)) => {
                db::facts::merged_titled(conn, repository_id, t, p.created_at).await?
            }
            None => None,
        };
        rows.push(facts);
    }
    for chunk in rows.chunks(1_000) {
        db::facts::store_pull_facts(conn, chunk).await?;
    }
    Ok(())
}

/// The production deployments of a repository from the candidates of each source
/// ([`db::facts::deployment_candidates`]'s order), with the source they came from: the
/// configured one, or automatically the first of [`DeploymentSource::ALL`] that has any.
///
/// Errors: [`crate::Error::Invalid`] when a stored pattern does not compile.
pub fn production_deployments(
    repository_id: i64,
    s: &RepositorySettings,
    candidates: &[Vec<Candidate>; 4],
) -> crate::Result<(DeploymentSource, Vec<ProductionDeployment>)> {
    let environments = settings::pattern("production_environments", &s.production_environments)?;
    let workflows = settings::pattern("deployment_workflows", &s.deployment_workflows)?;
    let wanted = |source: DeploymentSource, c: &Candidate| match source {
        DeploymentSource::Deployments => environments.is_match(&c.name),
        DeploymentSource::WorkflowRuns => {
            workflows.is_match(&c.name) || workflows.is_match(&c.path)
        }
        DeploymentSource::Releases | DeploymentSource::MergedPullRequests => true,
    };
    let of = |source: DeploymentSource| -> Vec<ProductionDeployment> {
        let list = &candidates[DeploymentSource::ALL
            .iter()
            .position(|s| *s == source)
            .unwrap_or(0)];
        first_successes(
            repository_id,
            source,
            list.iter().filter(|c| wanted(source, c)),
        )
    };
    if let Some(source) = s.deployment_source {
        return Ok((source, of(source)));
    }
    for source in DeploymentSource::ALL {
        let found = of(source);
        if !found.is_empty() || source == DeploymentSource::MergedPullRequests {
            return Ok((source, found));
        }
    }
    unreachable!("the last source is always returned")
}

/// One deployment per (environment, commit) at its first success, with the first failure
/// after it; candidates come in time order.
fn first_successes<'a>(
    repository_id: i64,
    source: DeploymentSource,
    candidates: impl Iterator<Item = &'a Candidate>,
) -> Vec<ProductionDeployment> {
    let mut out: Vec<ProductionDeployment> = Vec::new();
    let mut index: HashMap<(&str, &str), usize> = HashMap::new();
    for c in candidates {
        let key = (c.name.as_str(), c.sha.as_str());
        match index.get(&key) {
            None if c.succeeded => {
                index.insert(key, out.len());
                out.push(ProductionDeployment {
                    repository_id,
                    environment: c.name.clone(),
                    sha: c.sha.clone(),
                    succeeded_at: c.at,
                    failed_at: None,
                    source: source.as_str().into(),
                });
            }
            Some(&i) if c.failed && out[i].failed_at.is_none() => out[i].failed_at = Some(c.at),
            _ => {}
        }
    }
    out
}

/// Brings a repository's production deployments and each change's deployment up to date,
/// in one transaction; with `commits_changed`, its default-branch positions first.
///
/// Errors: [`crate::Error::Invalid`] when a stored pattern does not compile; database
/// errors.
pub async fn refresh_delivery(
    pool: &PgPool,
    repository_id: i64,
    commits_changed: bool,
) -> crate::Result<()> {
    let mut tx = pool.begin().await?;
    let positions: HashMap<String, i32> = if commits_changed {
        let links = db::facts::first_parent_links(&mut tx, repository_id).await?;
        let chain = crate::metrics::dora::first_parent_chain(&links);
        let positions: Vec<(String, i32)> =
            chain.into_iter().map(|(sha, p)| (sha, p as i32)).collect();
        db::facts::replace_positions(&mut tx, repository_id, &positions).await?;
        positions.into_iter().collect()
    } else {
        db::facts::positions(&mut tx, repository_id)
            .await?
            .into_iter()
            .collect()
    };
    let s = settings::get(&mut tx, repository_id).await?;
    let candidates = db::facts::deployment_candidates(&mut tx, repository_id).await?;
    let (_, deployments) = production_deployments(repository_id, &s, &candidates)?;
    db::facts::replace_production_deployments(&mut tx, repository_id, &deployments).await?;
    let changes = db::facts::merged_changes(&mut tx, repository_id).await?;
    let attributed = attribute(&changes, &positions, &deployments);
    db::facts::replace_change_deployments(&mut tx, repository_id, &attributed).await?;
    tx.commit().await?;
    Ok(())
}

/// Puts each merged change on the first production deployment of each environment that
/// contains it (METRICS.md, "Lead time for changes"): a deployment of a commit at or
/// after the change's merge commit on the default branch's first-parent history
/// (`positions`), succeeding at or after the merge. A change whose merge commit is not
/// on the history is in no deployment. At most one row per change and environment.
pub fn attribute(
    changes: &[(i32, Option<String>, DateTime<Utc>)],
    positions: &HashMap<String, i32>,
    deployments: &[ProductionDeployment],
) -> Vec<ChangeDeployment> {
    // Each environment's deployments on the history, in time order.
    let mut by_environment: HashMap<&str, Vec<(i32, &ProductionDeployment)>> = HashMap::new();
    for d in deployments {
        if let Some(&p) = positions.get(&d.sha) {
            by_environment
                .entry(d.environment.as_str())
                .or_default()
                .push((p, d));
        }
    }
    for list in by_environment.values_mut() {
        list.sort_by_key(|(_, d)| d.succeeded_at);
    }
    let mut environments: Vec<&&str> = by_environment.keys().collect();
    environments.sort();
    let mut out = Vec::new();
    for (number, merge, merged_at) in changes {
        let Some(&at) = merge.as_ref().and_then(|m| positions.get(m)) else {
            continue;
        };
        for env in &environments {
            let first = by_environment[**env]
                .iter()
                .find(|(p, d)| *p >= at && d.succeeded_at >= *merged_at);
            if let Some((_, d)) = first {
                out.push(ChangeDeployment {
                    pull_number: *number,
                    environment: d.environment.clone(),
                    sha: d.sha.clone(),
                    deployed_at: d.succeeded_at,
                });
            }
        }
    }
    out
}

/// Derives every fact of a repository again from its stored rows: after its settings
/// change, or for data stored before the facts existed.
pub async fn refresh_repository(pool: &PgPool, repository_id: i64) -> crate::Result<()> {
    let mut tx = pool.begin().await?;
    refresh_pulls(&mut tx, repository_id, None).await?;
    db::issues::refresh_facts(&mut tx, repository_id, None).await?;
    tx.commit().await?;
    refresh_delivery(pool, repository_id, true).await?;
    refresh_rollups(pool, repository_id).await
}

/// Builds a repository's rollups again (METRICS.md, "Rollups"): after its workflow runs or
/// pull requests changed, its settings changed, or when they were built by another version
/// of the measures.
pub async fn refresh_rollups(pool: &PgPool, repository_id: i64) -> crate::Result<()> {
    rebuild_rollups(pool, repository_id, false)
        .await
        .map(|_| ())
}

/// Builds a repository's rollups again; with `unless_syncing`, does nothing (and returns
/// false) while a sync of it is storing rows, whose own rebuild at its end will do.
async fn rebuild_rollups(
    pool: &PgPool,
    repository_id: i64,
    unless_syncing: bool,
) -> crate::Result<bool> {
    let mut tx = pool.begin().await?;
    if unless_syncing && db::rollups::syncing(&mut tx, repository_id).await? {
        return Ok(false);
    }
    db::rollups::lock(&mut tx, repository_id).await?;
    let measures: Vec<&db::rollups::Measure> = [
        &*db::metrics::activity::CI_MEASURES,
        &*db::metrics::FLOW_MEASURES,
        &*db::metrics::activity::VELOCITY_MEASURES,
        &*db::metrics::LEAD_TIME_MEASURES,
        &*db::metrics::activity::ISSUE_MEASURES,
        &*db::metrics::activity::GROWTH_MEASURES,
    ]
    .into_iter()
    .flatten()
    .collect();
    db::rollups::rebuild(
        &mut tx,
        repository_id,
        &measures,
        &[&db::metrics::activity::AUTHORS],
    )
    .await?;
    db::metrics::activity::refresh_contributor_firsts(&mut tx, repository_id).await?;
    db::rollups::built(&mut tx, repository_id).await?;
    tx.commit().await?;
    Ok(true)
}

/// Derives the facts of every repository stored before the facts existed (after an
/// upgrade); returns how many repositories. Run at startup, after the migrations, before
/// serving: the exact figures read the facts.
pub async fn backfill(pool: &PgPool) -> crate::Result<usize> {
    let ids = db::facts::underived(pool).await?;
    for &id in &ids {
        refresh_repository(pool, id).await?;
    }
    let unscored = db::issues::unscored(pool).await?;
    for &id in &unscored {
        let mut tx = pool.begin().await?;
        db::issues::refresh_facts(&mut tx, id, None).await?;
        tx.commit().await?;
    }
    Ok(ids.len() + unscored.len())
}

/// Builds the rollups that are not current (built by another version of the measures, or
/// left unbuilt by a stopped process), except those of repositories a sync is storing
/// rows of now (its own rebuild at the end will do); returns how many were built. Run at
/// startup in the background: until a repository's are built, the figures that include
/// it are read from the rows ([`db::rollups::ready`]), so nothing waits for it. A
/// repository that fails is logged and left to its next sync; the others go on.
pub async fn backfill_rollups(pool: &PgPool) -> crate::Result<usize> {
    let mut built = 0;
    for id in db::rollups::unbuilt(pool).await? {
        match rebuild_rollups(pool, id, true).await {
            Ok(done) => built += usize::from(done),
            Err(e) => {
                tracing::warn!(repository_id = id, error = %e, "rebuilding a repository's rollups failed; its figures read the rows")
            }
        }
    }
    Ok(built)
}

/// Stores a repository's settings and derives its facts again under them.
///
/// Errors: [`crate::Error::Invalid`] naming the bad setting.
pub async fn set_settings(
    pool: &PgPool,
    repository_id: i64,
    s: &RepositorySettings,
) -> crate::Result<()> {
    let mut conn = pool.acquire().await?;
    s.validate()?;
    // Until derived again under the new settings, the figures come from the rows.
    db::rollups::invalidate(&mut conn, repository_id).await?;
    settings::set(&mut conn, repository_id, s).await?;
    drop(conn);
    refresh_repository(pool, repository_id).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reverts_are_read_from_githubs_branch_and_title_forms() {
        assert_eq!(
            reverted("revert-42-feature/retries", "Revert \"Add retries\""),
            Some(Reverted::Number(42))
        );
        assert_eq!(
            reverted("undo-retries", "Revert \"Add retries\""),
            Some(Reverted::Title("Add retries"))
        );
        assert_eq!(reverted("revert-the-thing", "Fix the revert"), None);
        assert_eq!(reverted("main", "Revert \"\""), None);
    }

    #[test]
    fn bots_by_type_login_list_and_title() {
        let s = RepositorySettings {
            bot_logins: vec!["Deploy-Robot".into()],
            ..RepositorySettings::default()
        };
        let bots = Bots::new(&s).unwrap();
        assert!(bots.account(Some("renovate"), Some("Bot")));
        assert!(bots.account(Some("dependabot[bot]"), None));
        assert!(bots.account(Some("deploy-robot"), Some("User")));
        assert!(!bots.account(Some("alice"), Some("User")));
        assert!(bots.pull(
            Some("alice"),
            Some("User"),
            "Bump serde from 1.0.1 to 1.0.2"
        ));
        assert!(!bots.pull(Some("alice"), Some("User"), "Bump the version"));
    }

    fn candidate(name: &str, sha: &str, hour: u32, succeeded: bool, failed: bool) -> Candidate {
        use chrono::TimeZone;
        Candidate {
            name: name.into(),
            path: String::new(),
            sha: sha.into(),
            at: Utc.with_ymd_and_hms(2026, 3, 1, hour, 0, 0).unwrap(),
            succeeded,
            failed,
        }
    }

    #[test]
    fn a_retry_is_the_same_deployment_and_each_environment_counts_once() {
        let statuses = vec![
            candidate("production", "a", 1, false, true), // failed before any success
            candidate("production", "a", 2, true, false),
            candidate("production", "a", 3, true, false), // a retry: the same deployment
            candidate("production-eu", "a", 4, true, false),
            candidate("staging", "b", 5, true, false),
            candidate("production", "a", 6, false, true), // fails the success at 2
        ];
        let s = RepositorySettings {
            production_environments: "^production".into(),
            ..RepositorySettings::default()
        };
        let all = [statuses, vec![], vec![], vec![]];
        let (source, found) = production_deployments(7, &s, &all).unwrap();
        assert_eq!(source, DeploymentSource::Deployments);
        let seen: Vec<(&str, u32, Option<u32>)> = found
            .iter()
            .map(|d| {
                use chrono::Timelike;
                (
                    d.environment.as_str(),
                    d.succeeded_at.hour(),
                    d.failed_at.map(|f| f.hour()),
                )
            })
            .collect();
        assert_eq!(
            seen,
            [("production", 2, Some(6)), ("production-eu", 4, None)]
        );
    }

    #[test]
    fn a_change_goes_out_in_the_first_deployment_containing_it_once_per_environment() {
        use chrono::TimeZone;
        let at = |h: u32| Utc.with_ymd_and_hms(2026, 3, 1, h, 0, 0).unwrap();
        // History a(0) → b(1) → c(2); x is off it.
        let positions: HashMap<String, i32> = [("a", 0), ("b", 1), ("c", 2)]
            .map(|(s, p)| (s.to_string(), p))
            .into();
        let deployment = |env: &str, sha: &str, h| ProductionDeployment {
            repository_id: 1,
            environment: env.into(),
            sha: sha.into(),
            succeeded_at: at(h),
            failed_at: None,
            source: "deployments".into(),
        };
        let deployments = [
            deployment("production", "a", 2), // before b's merge: not b's
            deployment("production", "c", 6), // contains b and c
            deployment("production", "c", 8), // a redeploy: b is already out
            deployment("production-eu", "b", 7),
            deployment("production", "x", 5), // off the history: ships nothing
        ];
        let changes = [
            (1, Some("b".to_string()), at(3)),
            (2, Some("c".to_string()), at(4)),
            (3, Some("zz".to_string()), at(4)), // its merge commit is off the history
            (4, None, at(4)),
        ];
        let rows = attribute(&changes, &positions, &deployments);
        let seen: Vec<(i32, &str, &str, DateTime<Utc>)> = rows
            .iter()
            .map(|r| {
                (
                    r.pull_number,
                    r.environment.as_str(),
                    r.sha.as_str(),
                    r.deployed_at,
                )
            })
            .collect();
        assert_eq!(
            seen,
            [
                (1, "production", "c", at(6)),
                (1, "production-eu", "b", at(7)),
                (2, "production", "c", at(6)),
            ]
        );
        // The property: at most once per change and environment.
        let mut keys: Vec<_> = rows
            .iter()
            .map(|r| (r.pull_number, &r.environment))
            .collect();
        let n = keys.len();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), n);
    }

    #[test]
    fn the_automatic_source_is_the_first_with_any_deployment() {
        let s = RepositorySettings::default();
        let runs = vec![
            candidate("CI", "a", 1, true, false),
            candidate("Deploy", "b", 2, true, false),
        ];
        let merges = vec![candidate("main", "c", 3, true, false)];
        let all = [vec![], runs, vec![], merges.clone()];
        let (source, found) = production_deployments(7, &s, &all).unwrap();
        assert_eq!(source, DeploymentSource::WorkflowRuns);
        assert_eq!(found.len(), 1, "CI does not deploy");
        let (source, found) =
            production_deployments(7, &s, &[vec![], vec![], vec![], merges]).unwrap();
        assert_eq!(
            (source, found.len()),
            (DeploymentSource::MergedPullRequests, 1)
        );
        let none = production_deployments(7, &s, &[vec![], vec![], vec![], vec![]]).unwrap();
        assert_eq!(none.0, DeploymentSource::MergedPullRequests);
    }
}
