//! `Engine`: the one handle the web layer holds. Each method is one use case, scoped by
//! the user who asks; server functions, the CLI and (later) the public API all call these.

use sqlx::PgPool;

use crate::auth::TokenCipher;
use crate::clients::Clients;
use crate::db;
use crate::github::GitHubClient;
use crate::metrics::throughput::{weekly_opened_merged, WeekCount};
use crate::sync::{self, SyncReport};

#[cfg(test)]
mod tests {
    use super::check_repository_name;

    #[test]
    fn repository_names_are_checked() {
        for ok in ["acme/api", "a-b/c.d_e", "x/.github"] {
            assert!(check_repository_name(ok).is_ok(), "{ok}");
        }
        for bad in [
            "acme",
            "acme/",
            "/api",
            "acme/a\0pi",
            "acme/api/x",
            "</title><script>alert(1)</script>/x",
            "acme/..",
            "acme/a pi",
        ] {
            assert!(check_repository_name(bad).is_err(), "{bad}");
        }
    }
}

#[derive(Clone, Debug)]
pub struct Engine {
    pool: PgPool,
    clients: Clients,
    /// Serialises repository-list refreshes per person in this process (striped by user
    /// id), so that concurrent requests wait for one refresh and then share its result.
    refreshes: std::sync::Arc<[tokio::sync::Mutex<()>; 64]>,
    /// Reports computed in the last minute, shared by the pages of everyone.
    reports: crate::metrics::ReportCache,
    /// Each repository's weekly pull requests opened and merged, by its data's stamp
    /// ([`db::rollups::stamp`]), kept like reports.
    throughputs: ThroughputCache,
}

/// A repository's weekly throughput by (repository id, data stamp).
type ThroughputCache = moka::future::Cache<
    (i64, (Option<chrono::DateTime<chrono::Utc>>, i64)),
    std::sync::Arc<Vec<WeekCount>>,
>;

/// A repository's pull request throughput, as the repository page shows it.
#[derive(Debug, Clone)]
pub struct Throughput {
    pub repo: db::repos::Repository,
    pub weeks: Vec<WeekCount>,
    pub last_sync: Option<db::sync_runs::SyncRun>,
}

/// Sync jobs and runs, as the sync page lists them.
#[derive(Debug, Clone)]
pub struct SyncActivity {
    pub jobs: Vec<db::jobs::LiveJob>,
    pub runs: Vec<db::sync_runs::SyncRun>,
}

/// How many repositories [`Engine::follow`] takes at once.
pub const FOLLOW_AT_ONCE: usize = 200;

/// The shortest time between two reads of a person's repository list from GitHub.
pub const REFRESH_AT_MOST_EVERY_SECS: i64 = 60;

/// Checks that `full_name` has the shape of a GitHub repository's `owner/name` (owners:
/// letters, digits and hyphens, at most 39; names: letters, digits, `.`, `-` and `_`, at
/// most 100), so that nothing else (a NUL byte, markup, a path) travels further.
///
/// Errors: [`crate::Error::Invalid`] saying what is expected.
pub fn check_repository_name(full_name: &str) -> crate::Result<()> {
    let ok = full_name.split_once('/').is_some_and(|(owner, name)| {
        (1..=39).contains(&owner.len())
            && owner
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && (1..=100).contains(&name.len())
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
            && name != "."
            && name != ".."
    });
    if ok {
        Ok(())
    } else {
        Err(crate::Error::Invalid(
            "That is not a repository name: expected owner/name, as GitHub writes it.".into(),
        ))
    }
}

impl Engine {
    pub fn new(pool: PgPool, cipher: TokenCipher, github_api_url: impl Into<String>) -> Self {
        Engine {
            clients: Clients::new(pool.clone(), cipher, github_api_url),
            pool,
            refreshes: std::sync::Arc::new(std::array::from_fn(|_| tokio::sync::Mutex::new(()))),
            reports: crate::metrics::ReportCache::default(),
            throughputs: moka::future::Cache::builder()
                .max_capacity(crate::metrics::ReportCache::CAPACITY)
                .time_to_live(crate::metrics::ReportCache::TTL)
                .build(),
        }
    }

    /// This engine for one web request (a page and the server functions it calls): each
    /// scope the request names is resolved, and its data's stamp read, once, however many
    /// of the page's parts ask ([`crate::metrics::ReportCache::for_request`]). Everything
    /// else, kept reports included, is shared with `self`. Cheap: a few reference counts.
    pub fn for_request(&self) -> Self {
        Engine {
            reports: self.reports.for_request(),
            ..self.clone()
        }
    }

    /// Reads npm downloads from `npm` in the syncs it runs.
    pub fn with_npm(mut self, npm: crate::npm::NpmClient) -> Self {
        self.clients = self.clients.with_npm(npm);
        self
    }

    /// The GitHub clients of the people who signed in (for the sync worker and the
    /// scheduler, which each process runs beside the web server).
    pub fn clients(&self) -> &Clients {
        &self.clients
    }

    async fn interactive_client_for(&self, user_id: i64) -> crate::Result<GitHubClient> {
        self.clients.interactive_for_user(user_id).await
    }

    /// Whether the database answers (the health check).
    pub async fn health(&self) -> crate::Result<()> {
        Ok(db::ping(&self.pool).await?)
    }

    /// Completes a sign-in: reads who the new GitHub token belongs to, and stores the
    /// person with the token (encrypted) and the scopes GitHub granted.
    ///
    /// Errors: GitHub's, when `/user` cannot be read with the token; the database's.
    pub async fn sign_in(
        &self,
        access_token: &str,
        scopes: &str,
    ) -> crate::Result<db::users::User> {
        let client = self.clients.with_token(access_token)?.interactive();
        let gh_user = client.current_user().await?;
        Ok(db::users::upsert_signed_in(
            &self.pool,
            self.clients.cipher(),
            &gh_user,
            access_token,
            scopes,
        )
        .await?)
    }

    /// Records that the sign-in with OAuth `state` is being completed; false when it was
    /// before (a replayed pending sign-in).
    pub async fn consume_sign_in_state(&self, state: &str) -> crate::Result<bool> {
        Ok(db::sign_ins::consume_state(&self.pool, state).await?)
    }

    pub async fn user(&self, user_id: i64) -> crate::Result<Option<db::users::User>> {
        Ok(db::users::find(&self.pool, user_id).await?)
    }

    /// The repositories the user may see; asks GitHub again when `refresh` is set or when
    /// nothing is known yet, at most once per [`REFRESH_AT_MOST_EVERY_SECS`] per person
    /// (across processes): requests in that time are answered from the database, and
    /// requests that arrive while a refresh runs in this process wait for it and share its
    /// result.
    pub async fn visible_repositories(
        &self,
        user_id: i64,
        refresh: bool,
    ) -> crate::Result<Vec<db::repos::Repository>> {
        let repos = db::repos::visible(&self.pool, user_id).await?;
        if !(refresh || repos.is_empty()) {
            return Ok(repos);
        }
        let stripe = usize::try_from(user_id.rem_euclid(64)).unwrap_or(0);
        let _one_at_a_time = self.refreshes[stripe].lock().await;
        if !db::users::claim_repositories_refresh(&self.pool, user_id, REFRESH_AT_MOST_EVERY_SECS)
            .await?
        {
            return Ok(db::repos::visible(&self.pool, user_id).await?);
        }
        let refreshed = async {
            let client = self.interactive_client_for(user_id).await?;
            sync::refresh_access(&self.pool, &client, user_id).await?;
            // Teams are a grouping, not an access rule: failing to read them only costs
            // the team views.
            if let Err(e) = sync::sync_organizations(&self.pool, &client, user_id).await {
                tracing::warn!(error = %e, "could not read the user's organisations and teams");
            }
            Ok::<_, crate::Error>(())
        }
        .await;
        // As after following (either may have written before failing).
        self.scope_generation().changed();
        if let Err(e) = refreshed {
            db::users::release_repositories_refresh(&self.pool, user_id).await?;
            return Err(e);
        }
        Ok(db::repos::visible(&self.pool, user_id).await?)
    }

    /// Puts a repository the user may see on their dashboard.
    ///
    /// Errors: [`crate::Error::Forbidden`] when it is not the user's to see.
    async fn track_visible(
        &self,
        user_id: i64,
        full_name: &str,
    ) -> crate::Result<db::repos::Repository> {
        let repo = db::repos::find_visible(&self.pool, user_id, full_name)
            .await?
            .ok_or(crate::Error::Forbidden)?;
        if !db::repos::track(&self.pool, user_id, repo.github_id).await? {
            return Err(crate::Error::Forbidden);
        }
        // Its notification comes back too; the next page here need not wait for it.
        self.scope_generation().changed();
        Ok(repo)
    }

    /// Queues a followed repository's sync of every resource, ahead of scheduled work.
    async fn queue_first_sync(&self, user_id: i64, repository_id: i64) -> crate::Result<()> {
        db::jobs::enqueue(
            &self.pool,
            repository_id,
            &[],
            sync::Mode::Incremental.as_str(),
            Some(user_id),
            10,
        )
        .await?;
        Ok(())
    }

    /// Adds a repository to the user's dashboard and fetches its pull requests.
    pub async fn track_and_sync(&self, user_id: i64, full_name: &str) -> crate::Result<SyncReport> {
        check_repository_name(full_name)?;
        let repo = self.track_visible(user_id, full_name).await?;
        let client = self.interactive_client_for(user_id).await?;
        let mut syncer = sync::Syncer::new(self.pool.clone(), client);
        syncer.requested_by = Some(user_id);
        // Downloads come with the background sync this enqueues, not before the page.
        // What the repository page shows now; everything else in the background.
        let outcome = syncer
            .repository(
                repo.github_id,
                &repo.full_name,
                &[sync::Resource::PullRequests],
                sync::Mode::Incremental,
                &sync::changes::Expected::default(),
            )
            .await?;
        // Its rollups moved the stamp (as after following, before any error).
        self.scope_generation().changed();
        if let Some(error) = outcome.resources.iter().find_map(|r| r.error.clone()) {
            return Err(crate::Error::Invalid(format!("pull requests: {error}")));
        }
        self.queue_first_sync(user_id, repo.github_id).await?;
        Ok(outcome.total())
    }

    /// Follows each of `full_names` (repositories the user may see) and queues its first
    /// sync, every resource, in the background: the onboarding's "follow these", where
    /// progress is watched on the page rather than waited for. Returns the names as
    /// GitHub spells them, in the order given.
    ///
    /// Errors: [`crate::Error::Invalid`] for a malformed name or an empty list (nothing is
    /// followed then); [`crate::Error::Forbidden`] when one is not the user's to see (the
    /// ones before it stay followed).
    pub async fn follow(&self, user_id: i64, full_names: &[String]) -> crate::Result<Vec<String>> {
        if full_names.is_empty() {
            return Err(crate::Error::Invalid(
                "pick at least one repository to follow".into(),
            ));
        }
        if full_names.len() > FOLLOW_AT_ONCE {
            return Err(crate::Error::Invalid(format!(
                "{} repositories at once: at most {FOLLOW_AT_ONCE} (their first syncs go ahead of scheduled work)",
                full_names.len()
            )));
        }
        for name in full_names {
            check_repository_name(name)?;
        }
        let mut followed: Vec<String> = Vec::with_capacity(full_names.len());
        for name in full_names {
            if followed.iter().any(|f| f.eq_ignore_ascii_case(name)) {
                continue;
            }
            let repo = self.track_visible(user_id, name).await?;
            self.queue_first_sync(user_id, repo.github_id).await?;
            followed.push(repo.full_name);
        }
        Ok(followed)
    }

    /// What the scope pickers offer the user: the repositories they follow, their teams
    /// with something read, their groups ([`db::metrics::scope_choices`], one statement),
    /// kept until any of it changes ([`crate::metrics::scopes`]).
    pub async fn scope_choices(
        &self,
        user_id: i64,
    ) -> crate::Result<std::sync::Arc<db::metrics::ScopeChoices>> {
        self.reports.scope_choices(&self.pool, user_id).await
    }

    /// What this process keeps the scopes under ([`crate::metrics::scopes`]): its
    /// listener moves it on ([`crate::sync::events::listen`]).
    pub fn scope_generation(&self) -> &crate::metrics::scopes::Generation {
        self.reports.generation()
    }

    /// The sync jobs queued and running of repositories the user may see.
    pub async fn sync_jobs(&self, user_id: i64) -> crate::Result<Vec<db::jobs::LiveJob>> {
        Ok(db::jobs::live(&self.pool, user_id).await?)
    }

    /// What the sync page shows: jobs queued and running, and the latest runs, all of
    /// repositories the user may see.
    pub async fn sync_activity(&self, user_id: i64) -> crate::Result<SyncActivity> {
        Ok(SyncActivity {
            jobs: db::jobs::live(&self.pool, user_id).await?,
            runs: db::sync_runs::history(&self.pool, user_id, 100).await?,
        })
    }

    /// Queues a sync of a repository the user tracks, ahead of scheduled work: incremental,
    /// or everything again when `full`.
    pub async fn request_sync(
        &self,
        user_id: i64,
        full_name: &str,
        full: bool,
    ) -> crate::Result<db::jobs::Job> {
        check_repository_name(full_name)?;
        let repo = db::repos::find_visible(&self.pool, user_id, full_name)
            .await?
            .ok_or(crate::Error::Forbidden)?;
        if !repo.tracked {
            return Err(crate::Error::Invalid(format!(
                "{full_name} is not on your dashboard; add it first"
            )));
        }
        let mode = if full {
            sync::Mode::Full
        } else {
            sync::Mode::Incremental
        };
        Ok(db::jobs::enqueue(
            &self.pool,
            repo.github_id,
            &[],
            mode.as_str(),
            Some(user_id),
            5,
        )
        .await?)
    }

    /// Every metric of a scope the person may see over `[from, to)`, graded by `dora`
    /// (METRICS.md): what the pages show and `pulseboard metrics --json` prints, kept a
    /// minute for everyone who asks the same ([`crate::metrics::ReportCache`]).
    ///
    /// Errors: as [`crate::metrics::report`].
    pub async fn report(
        &self,
        user_id: i64,
        scope: &str,
        period: (chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>),
        dora: wire::DoraReport,
    ) -> crate::Result<std::sync::Arc<wire::Report>> {
        self.reports
            .report(&self.pool, user_id, scope, period, dora)
            .await
    }

    /// DORA's four keys of a scope per day, week or month of `[from, to)`
    /// ([`crate::metrics::dora_series`]), kept a minute like [`Self::report`].
    pub async fn dora_series(
        &self,
        user_id: i64,
        scope: &str,
        period: (chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>),
        grain: crate::metrics::Grain,
        dora: wire::DoraReport,
    ) -> crate::Result<std::sync::Arc<wire::DoraSeries>> {
        self.reports
            .dora_series(&self.pool, user_id, scope, period, grain, dora)
            .await
    }

    /// One metric of a scope per day, week or month of `[from, to)`
    /// ([`crate::metrics::metric_series`]), kept a minute like [`Self::report`].
    pub async fn metric_series(
        &self,
        user_id: i64,
        scope: &str,
        period: (chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>),
        grain: crate::metrics::Grain,
        metric: &str,
    ) -> crate::Result<wire::MetricSeries> {
        self.reports
            .metric_series(&self.pool, user_id, scope, period, grain, metric)
            .await
    }

    /// For each `(metric, statistic)` of `wanted`, the chart of that statistic of the metric
    /// over the whole scope per part, each family computed once
    /// ([`crate::metrics::ReportCache::chart_series`]).
    pub async fn chart_series(
        &self,
        user_id: i64,
        scope: &str,
        period: (chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>),
        grain: crate::metrics::Grain,
        wanted: &[(&str, wire::Statistic)],
    ) -> crate::Result<Vec<wire::ChartSeries>> {
        self.reports
            .chart_series(&self.pool, user_id, scope, period, grain, wanted)
            .await
    }

    /// The deployments, changes and incidents behind a period's DORA keys, at most
    /// `limit` of each ([`crate::metrics::attribution`]).
    pub async fn attribution(
        &self,
        user_id: i64,
        scope: &str,
        period: (chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>),
        limit: usize,
    ) -> crate::Result<wire::Attribution> {
        crate::metrics::attribution(&self.pool, user_id, scope, period, limit).await
    }

    /// A scope's contributors, deployments per environment, releases and activity over
    /// `period`, and its pull requests open now ([`crate::metrics::details`]): the
    /// repository page's lists, kept a minute like [`Self::report`] and shared as kept.
    ///
    /// Errors: as [`Self::report`].
    pub async fn details(
        &self,
        user_id: i64,
        scope: &str,
        period: (chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>),
    ) -> crate::Result<std::sync::Arc<wire::ScopeDetails>> {
        self.reports
            .details(&self.pool, user_id, scope, period, chrono::Utc::now())
            .await
    }

    /// A scope's pull requests waiting for a first review now, longest waiting first, at
    /// most `limit` ([`crate::metrics::waiting_for_review`]): the overview's list, kept a
    /// minute like [`Self::report`] and shared as kept.
    ///
    /// Errors: as [`Self::report`].
    pub async fn waiting_for_review(
        &self,
        user_id: i64,
        scope: &str,
        limit: usize,
    ) -> crate::Result<std::sync::Arc<wire::OpenPullRequests>> {
        self.reports
            .waiting_for_review(&self.pool, user_id, scope, chrono::Utc::now(), limit)
            .await
    }

    /// A repository's settings, the deployment source in use and whether the user may
    /// change them ([`crate::metrics::settings_view`]).
    ///
    /// Errors: [`crate::Error::NotFound`] when the user may not see it.
    pub async fn settings(
        &self,
        user_id: i64,
        full_name: &str,
    ) -> crate::Result<wire::SettingsView> {
        crate::metrics::settings_view(&self.pool, user_id, full_name).await
    }

    /// Changes a repository's settings and derives its numbers again under them
    /// ([`crate::metrics::apply_settings`]); kept reports follow at once (a settings
    /// change moves the data stamp they are kept by).
    ///
    /// Errors: [`crate::Error::NotFound`], [`crate::Error::Forbidden`] (no admin or
    /// maintain role), [`crate::Error::Invalid`] naming a bad setting.
    pub async fn change_settings(
        &self,
        user_id: i64,
        full_name: &str,
        change: &wire::SettingsChange,
    ) -> crate::Result<wire::SettingsView> {
        let applied = crate::metrics::apply_settings(&self.pool, user_id, full_name, change).await;
        // The stamp moved: this process's next page need not wait for the notification.
        self.scope_generation().changed();
        applied
    }

    /// The user's own repository groups ([`db::groups::list`]).
    pub async fn groups(&self, user_id: i64) -> crate::Result<Vec<wire::RepositoryGroup>> {
        Ok(db::groups::list(&self.pool, user_id).await?)
    }

    /// Creates or replaces the user's group `name` ([`db::groups::save`]).
    ///
    /// Errors: [`crate::Error::Invalid`] for a bad name, no repository, or one the user
    /// may not see.
    pub async fn save_group(
        &self,
        user_id: i64,
        name: &str,
        repositories: &[String],
    ) -> crate::Result<wire::RepositoryGroup> {
        let saved = db::groups::save(&self.pool, user_id, name, repositories).await;
        self.scope_generation().changed();
        saved
    }

    /// Deletes the user's group `name`.
    ///
    /// Errors: [`crate::Error::NotFound`] when they have none of that name.
    pub async fn delete_group(&self, user_id: i64, name: &str) -> crate::Result<()> {
        let deleted = db::groups::delete(&self.pool, user_id, name).await?;
        self.scope_generation().changed();
        if deleted {
            Ok(())
        } else {
            Err(crate::Error::NotFound)
        }
    }

    /// The repositories the user follows, each with its figures over `period` (the
    /// repositories page): health score, merged and open pull requests and the issue
    /// backlog from the repository's own report (kept a minute like [`Self::report`]), its
    /// merges per ISO week, GitHub's stars, language and topics, and its last sync. In
    /// the order of [`db::repos::visible`]; four repositories are computed at a time.
    ///
    /// Errors: as [`Self::report`].
    pub async fn repository_table(
        &self,
        user_id: i64,
        period: (chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>),
    ) -> crate::Result<Vec<wire::RepositoryRow>> {
        use futures::{StreamExt, TryStreamExt};

        let repos: Vec<_> = db::repos::visible(&self.pool, user_id)
            .await?
            .into_iter()
            .filter(|r| r.tracked)
            .collect();
        let synced: std::collections::HashMap<i64, (chrono::DateTime<chrono::Utc>, String)> =
            db::sync_runs::last_finished(&self.pool, user_id)
                .await?
                .into_iter()
                .map(|(id, at, status)| (id, (at, status)))
                .collect();
        let synced = &synced;
        futures::stream::iter(repos)
            .map(|r| async move {
                let last_synced = synced
                    .get(&r.github_id)
                    .map(|(at, status)| (at.to_rfc3339(), status.clone()));
                if last_synced.is_none() {
                    // Not read yet: no numbers rather than zeros.
                    return Ok(wire::RepositoryRow {
                        description: r.description,
                        language: r.language,
                        topics: r.topics,
                        private: r.private,
                        archived: r.archived,
                        stars: u64::try_from(r.stargazers_count).unwrap_or(0),
                        read: false,
                        figures: Vec::new(),
                        weekly_merged: Vec::new(),
                        sync_mode: "polling".into(),
                        last_synced,
                        full_name: r.full_name,
                    });
                }
                let (report, weekly) = tokio::try_join!(
                    self.report(user_id, &r.full_name, period, wire::DoraReport::default()),
                    self.metric_series(
                        user_id,
                        &r.full_name,
                        period,
                        crate::metrics::Grain::Week,
                        "pull_requests_merged",
                    ),
                )?;
                const ROW: [(&str, wire::Statistic); 4] = [
                    ("health_score", wire::Statistic::Mean),
                    ("pull_requests_merged", wire::Statistic::Count),
                    ("pull_requests_open", wire::Statistic::Count),
                    ("issue_backlog", wire::Statistic::Count),
                ];
                let figures = ROW
                    .iter()
                    .filter_map(|(m, s)| report.figure(m, *s).cloned())
                    .collect();
                let weekly_merged = weekly
                    .parts
                    .iter()
                    .map(|p| {
                        let count = p
                            .figures
                            .iter()
                            .find(|f| {
                                f.metric == "pull_requests_merged"
                                    && f.statistic == wire::Statistic::Count
                                    && f.group.is_none()
                            })
                            .and_then(|f| f.value);
                        (p.from.get(..10).unwrap_or(&p.from).to_string(), count)
                    })
                    .collect();
                Ok::<_, crate::Error>(wire::RepositoryRow {
                    description: r.description,
                    language: r.language,
                    topics: r.topics,
                    private: r.private,
                    archived: r.archived,
                    stars: u64::try_from(r.stargazers_count).unwrap_or(0),
                    read: true,
                    figures,
                    weekly_merged,
                    sync_mode: "polling".into(),
                    last_synced,
                    full_name: r.full_name,
                })
            })
            .buffered(4)
            .try_collect()
            .await
    }

    /// The teams of the organisations the user belongs to (GitHub's teams, read with the
    /// repository list), with their members and repositories.
    pub async fn teams(&self, user_id: i64) -> crate::Result<Vec<wire::Team>> {
        Ok(db::orgs::teams_of(&self.pool, user_id).await?)
    }

    /// The ids of the repositories the user may see (progress events are filtered by them).
    pub async fn visible_repository_ids(&self, user_id: i64) -> crate::Result<Vec<i64>> {
        Ok(db::repos::visible(&self.pool, user_id)
            .await?
            .into_iter()
            .map(|r| r.github_id)
            .collect())
    }

    pub async fn pull_request_throughput(
        &self,
        user_id: i64,
        full_name: &str,
    ) -> crate::Result<Throughput> {
        check_repository_name(full_name)?;
        let repo = db::repos::find_visible(&self.pool, user_id, full_name)
            .await?
            .ok_or(crate::Error::NotFound)?;
        // Computed once per change of the repository's data (every pull request is read).
        // The stamp as the page's other parts read it: one read per request.
        let stamp = self
            .reports
            .scope_stamp(&self.pool, user_id, full_name)
            .await?
            .1;
        let (pool, id) = (&self.pool, repo.github_id);
        let weeks = self
            .throughputs
            .try_get_with((id, stamp), async move {
                let rows = db::pulls::lifecycle_times(pool, user_id, id).await?;
                Ok::<_, crate::Error>(std::sync::Arc::new(weekly_opened_merged(&rows)))
            })
            .await
            .map_err(crate::metrics::unshare)?;
        let last_sync = db::sync_runs::latest(&self.pool, user_id, repo.github_id).await?;
        Ok(Throughput {
            weeks: weeks.as_ref().clone(),
            repo,
            last_sync,
        })
    }
}
