//! One module per resource around one context ([`Ctx`]): each reads GitHub page by page,
//! maps the answers to rows with [`crate::ingest`], and writes every page in one
//! transaction together with its checkpoint through `crate::db`.

mod actions;
mod commits;
mod community;
mod deployments;
mod issues;
mod pulls;
mod releases;
mod stargazers;

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::changes::Expected;
use super::{Mode, Progress, Resource, Syncer};
use crate::db::checkpoints::{self, Checkpoint};
use crate::db::{self, Keyed};
use crate::github::models::{self as m, gql};
use std::sync::atomic::{AtomicU32, Ordering};

use crate::github::{GitHubError, Page, PartialError, PER_PAGE};
use crate::ingest;

const PULLS: &str = include_str!("../../github/queries/pull_requests.graphql");
const COMMITS: &str = include_str!("../../github/queries/commits.graphql");
const CHECK_SUITES: &str = include_str!("../../github/queries/check_suites.graphql");
const DEPLOYMENTS: &str = include_str!("../../github/queries/deployments.graphql");
const STARGAZERS: &str = include_str!("../../github/queries/stargazers.graphql");

pub(crate) struct Ctx<'a> {
    s: &'a Syncer,
    repo_id: i64,
    full_name: &'a str,
    owner: &'a str,
    name: &'a str,
    resource: Resource,
    mode: Mode,
    expected: &'a Expected,
    pub items: u32,
    pub pages: u32,
    /// Set when GitHub refuses to list the resource for a reason of its own (its words).
    pub unavailable: Option<String>,
    /// Items a GraphQL page asks for: [`PER_PAGE`], or less after pages that GitHub could
    /// not compute in time (kept in the checkpoint's `page_size`).
    page_size: AtomicU32,
    /// Pages read at the current page size since it last changed.
    pages_at_size: AtomicU32,
    started: std::time::Instant,
}

/// How far back from the newest item an incremental read of workflow runs or deployments
/// looks for old items that changed without anything newer: GitHub lets a run be re-run
/// for 30 days, and a deployment's statuses come any time (the 30 days cover the common
/// case, a new deployment's "inactive" for the one before).
const WINDOW_DAYS: i64 = 30;

/// How often that window is read again (a little less than the scheduler's daily
/// reconciliation, so that each reconciling job reads it).
const WINDOW_EVERY_HOURS: i64 = 20;

/// How many pages succeed at a shrunken size before twice the size is tried again.
const GROW_AFTER: u32 = 10;

/// What identifies an item of a GraphQL list: its database id, its git object id, or its
/// node id.
fn identity(item: &Value) -> Option<&Value> {
    ["databaseId", "oid", "id"]
        .iter()
        .find_map(|k| item.get(*k).filter(|v| !v.is_null()))
}

/// The smallest GraphQL page a heavy read shrinks to before it gives up.
const MIN_PAGE: u32 = 5;

/// Whether an error says GitHub could not compute a GraphQL page in time: a gateway error
/// or its "Something went wrong while executing your query", after the retries.
fn timed_out(e: &GitHubError) -> bool {
    match e {
        GitHubError::Status { status, .. } => matches!(status, 502 | 504),
        GitHubError::GraphQl(message) => message.starts_with("Something went wrong"),
        _ => false,
    }
}

/// `query` without the lines that ask for `fields` (each asked on a line of its own).
fn without_fields(query: &str, fields: &[&str]) -> String {
    query
        .lines()
        .filter(|line| !fields.contains(&line.trim()))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The value at `path` (object keys and list indexes) in `v`.
fn at_path<'v>(v: &'v mut Value, path: &[Value]) -> Option<&'v mut Value> {
    path.iter().try_fold(v, |v, step| match step {
        Value::String(key) => v.get_mut(key.as_str()),
        Value::Number(i) => v.get_mut(i.as_u64()? as usize),
        _ => None,
    })
}

fn ts(t: Option<DateTime<Utc>>) -> Value {
    t.map_or(Value::Null, |t| json!(t.to_rfc3339()))
}

fn state_time(cp: &Checkpoint, key: &str) -> Option<DateTime<Utc>> {
    cp.state.0[key]
        .as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc))
}

/// The cursor to read next: none when the read is finished.
fn cursor_after(finished: bool, page_info: &gql::PageInfo) -> Option<String> {
    if finished {
        None
    } else {
        page_info.end_cursor.clone()
    }
}

/// Moves a paged read's checkpoint past a page: to resume at `next`, or, when there is no
/// next page, to complete with the newest change seen (`pending`, kept under `key` while
/// the read is under way).
fn step(cp: &mut Checkpoint, next: Option<String>, pending: Option<DateTime<Utc>>, key: &str) {
    let finished = next.is_none();
    cp.resume = next;
    if finished {
        cp.high_water = pending.or(cp.high_water);
        cp.completed_at = Some(Utc::now());
        cp.state.0[key] = Value::Null;
    } else {
        cp.state.0[key] = ts(pending);
    }
}

/// How a REST listing's pages are shaped.
#[derive(Debug, Clone, Copy)]
pub(super) enum Listing {
    /// A JSON array.
    Array,
    /// A JSON array asked for in one of GitHub's media types (stargazers with
    /// `starred_at`).
    ArrayAs(&'static str),
    /// One object wrapping the array (`{"total_count", "workflows": [...]}`): each page
    /// is one such object.
    Wrapped,
}

/// Rows a REST listing stores page by page, with the key a reconciliation keeps.
pub(super) trait PageRow: db::Stored {
    fn key(&self) -> i64;
}

/// Implements [`PageRow`] for row types: `Row: key_field;` each.
macro_rules! page_rows {
    ($($row:ty: $key:ident;)*) => {$(
        impl PageRow for $row {
            fn key(&self) -> i64 {
                self.$key
            }
        }
    )*};
}

page_rows! {
    db::releases::ReleaseRow: github_id;
    db::community::StarRow: user_github_id;
    db::community::ForkRow: github_id;
    db::actions::WorkflowRow: github_id;
}

/// Maps a page of GitHub's items to rows with an `ingest` mapping of one item.
fn each<T, R>(ingest: fn(i64, T) -> R) -> impl Fn(i64, Vec<T>) -> Vec<R> {
    move |repo, items| items.into_iter().map(|i| ingest(repo, i)).collect()
}

fn later(a: Option<DateTime<Utc>>, b: DateTime<Utc>) -> Option<DateTime<Utc>> {
    Some(a.map_or(b, |a| a.max(b)))
}

impl<'a> Ctx<'a> {
    pub(crate) fn new(
        s: &'a Syncer,
        repo_id: i64,
        full_name: &'a str,
        resource: Resource,
        mode: Mode,
        expected: &'a Expected,
    ) -> Self {
        let (owner, name) = full_name.split_once('/').unwrap_or((full_name, ""));
        Ctx {
            s,
            repo_id,
            full_name,
            owner,
            name,
            resource,
            mode,
            expected,
            items: 0,
            pages: 0,
            unavailable: None,
            page_size: AtomicU32::new(PER_PAGE),
            pages_at_size: AtomicU32::new(0),
            started: std::time::Instant::now(),
        }
    }

    pub(crate) async fn run(&mut self) -> crate::Result<()> {
        match self.resource {
            Resource::Repository => self.repository().await,
            Resource::PullRequests => self.pull_requests().await,
            Resource::Issues => self.issues().await,
            Resource::IssueComments => self.issue_comments().await,
            Resource::Commits => self.commits().await,
            Resource::Contributors => self.contributors().await,
            Resource::Workflows => self.workflows().await,
            Resource::WorkflowRuns => self.workflow_runs().await,
            Resource::Deployments => self.deployments().await,
            Resource::Releases => self.releases().await,
            Resource::Tags => self.tags().await,
            Resource::Stargazers => self.stargazers().await,
            Resource::Forks => self.forks().await,
        }
    }

    async fn checkpoint(&self) -> crate::Result<Checkpoint> {
        let mut conn = self.s.pool.acquire().await?;
        let mut cp = checkpoints::load(&mut conn, self.repo_id, self.resource.as_str()).await?;
        if cp.state.0.is_null() {
            cp.state.0 = json!({});
        }
        if let Some(size) = cp.state.0["page_size"].as_u64() {
            let size = (size as u32).clamp(MIN_PAGE, PER_PAGE);
            self.page_size.store(size, Ordering::Relaxed);
        }
        Ok(cp)
    }

    /// Where an incremental read may stop: the newest change the last complete read saw
    /// (a full read goes to the end).
    fn floor(&self, cp: &Checkpoint) -> Option<DateTime<Utc>> {
        match self.mode {
            Mode::Full => None,
            Mode::Incremental => cp.high_water,
        }
    }

    /// Where an incremental read of runs or deployments stops: `floor`, moved back by
    /// [`WINDOW_DAYS`] when that window was last read [`WINDOW_EVERY_HOURS`] ago or more;
    /// and whether this read covers the window (a full read covers everything).
    fn floor_with_window(
        &self,
        cp: &Checkpoint,
        floor: Option<DateTime<Utc>>,
    ) -> (Option<DateTime<Utc>>, bool) {
        let Some(floor) = floor else {
            return (None, true);
        };
        let every = chrono::Duration::hours(WINDOW_EVERY_HOURS);
        let due = state_time(cp, "window_read_at").is_none_or(|t| Utc::now() - t >= every);
        if due {
            (Some(floor - chrono::Duration::days(WINDOW_DAYS)), true)
        } else {
            (Some(floor), false)
        }
    }

    /// One page of a repository-scoped GraphQL query (`$owner`, `$name`, `$first`,
    /// `$after`); `repository` picks the repository out of the answer (null: GitHub does
    /// not show it, an error).
    ///
    /// GitHub as it is: items it could not compute a field for (a huge commit's
    /// `additions`) are asked again without that field and kept with it unknown; a page
    /// that keeps timing out (502, "Something went wrong") is asked again at half the
    /// size, down to [`MIN_PAGE`]; the size that worked is kept (in the checkpoint too),
    /// and twice it is tried again after [`GROW_AFTER`] pages.
    async fn repository_page<D: serde::de::DeserializeOwned, R>(
        &self,
        query: &str,
        after: &Option<String>,
        repository: impl FnOnce(D) -> Option<R>,
    ) -> crate::Result<R> {
        let client = &self.s.client;
        let (data, unavailable) = loop {
            let first = self.page_size.load(Ordering::Relaxed);
            let vars =
                json!({ "owner": self.owner, "name": self.name, "first": first, "after": after });
            match client.graphql_partial::<Value>(query, vars.clone()).await {
                Ok((data, errors)) => {
                    // After GROW_AFTER pages at a shrunken size, try twice the size again.
                    let done = self.pages_at_size.fetch_add(1, Ordering::Relaxed) + 1;
                    if first < PER_PAGE && done >= GROW_AFTER {
                        self.pages_at_size.store(0, Ordering::Relaxed);
                        self.page_size
                            .store((first * 2).min(PER_PAGE), Ordering::Relaxed);
                    }
                    let unavailable: Vec<PartialError> = errors
                        .into_iter()
                        .filter(|e| e.unavailable_field().is_some())
                        .collect();
                    if unavailable.is_empty() {
                        break (data, 0);
                    }
                    let fields: Vec<&str> = unavailable
                        .iter()
                        .filter_map(|e| e.unavailable_field().map(|(f, _)| f))
                        .collect();
                    // The page asked again without those fields is the page: items are
                    // taken from the first answer where it has them, matched by identity
                    // (an item updated in between moves in the listing).
                    let lean = without_fields(query, &fields);
                    let (mut lean, _) = client.graphql_partial::<Value>(&lean, vars).await?;
                    let mut lists: Vec<&[Value]> = unavailable
                        .iter()
                        .filter_map(|e| e.unavailable_field())
                        .filter_map(|(_, item)| item.split_last().map(|(_, list)| list))
                        .collect();
                    lists.dedup();
                    let mut data = data;
                    for list in lists {
                        let full: Vec<Value> = at_path(&mut data, list)
                            .and_then(|v| v.as_array().cloned())
                            .unwrap_or_default();
                        if let Some(Value::Array(items)) = at_path(&mut lean, list) {
                            for item in items.iter_mut() {
                                let known = full
                                    .iter()
                                    .find(|f| !f.is_null() && identity(f) == identity(item));
                                if let (Some(known), Some(_)) = (known, identity(item)) {
                                    *item = known.clone();
                                }
                            }
                        }
                    }
                    let data = lean;
                    break (data, unavailable.len());
                }
                Err(e) if timed_out(&e) && first > MIN_PAGE => {
                    self.pages_at_size.store(0, Ordering::Relaxed);
                    let smaller = (first / 2).max(MIN_PAGE);
                    tracing::warn!(
                        repository = self.full_name,
                        resource = self.resource.as_str(),
                        first,
                        smaller,
                        "GitHub could not compute a page in time; asking for smaller pages"
                    );
                    self.page_size.store(smaller, Ordering::Relaxed);
                }
                Err(e) => return Err(e.into()),
            }
        };
        if unavailable > 0 {
            tracing::info!(
                repository = self.full_name,
                resource = self.resource.as_str(),
                items = unavailable,
                "GitHub could not compute some fields; those items are stored with them unknown"
            );
        }
        let data: D = serde_json::from_value(data).map_err(|e| GitHubError::Decode {
            url: "/graphql".into(),
            detail: e.to_string(),
        })?;
        repository(data).ok_or(crate::Error::GitHub(GitHubError::NotFound))
    }

    /// One page of a REST listing.
    async fn rest_page<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        listing: Listing,
    ) -> Result<Page<T>, GitHubError> {
        let client = &self.s.client;
        match listing {
            Listing::Array => client.get_page(path).await,
            Listing::ArrayAs(accept) => client.get_page_as(path, accept).await,
            Listing::Wrapped => client.get_wrapped_page(path).await,
        }
    }

    /// Reads a REST listing from `first` to its last page, mapping each page's items to
    /// rows with `map` and storing them in a transaction of their own; returns the keys of
    /// the rows stored (to reconcile a complete listing against).
    async fn store_rest_pages<T, R>(
        &mut self,
        first: String,
        listing: Listing,
        map: impl Fn(i64, Vec<T>) -> Vec<R>,
    ) -> crate::Result<Vec<i64>>
    where
        T: serde::de::DeserializeOwned,
        R: PageRow,
    {
        let mut keys = Vec::new();
        let mut next = Some(first);
        while let Some(path) = next {
            let page = self.rest_page::<T>(&path, listing).await?;
            let rows = map(self.repo_id, page.items);
            keys.extend(rows.iter().map(PageRow::key));
            let mut tx = self.s.pool.begin().await?;
            db::upsert(&mut tx, &rows).await?;
            tx.commit().await?;
            self.page_done(rows.len(), None).await;
            next = page.next;
        }
        Ok(keys)
    }

    /// Every item of a REST listing, read to its last page, for a list that is stored
    /// whole. GitHub's explicit "empty" (204, or 409 for an empty repository) is an empty
    /// list; any other answer that cannot be read is an error, never "no items".
    async fn read_all<T: serde::de::DeserializeOwned>(
        &mut self,
        first: String,
    ) -> Result<Vec<T>, GitHubError> {
        let mut all = Vec::new();
        let mut next = Some(first);
        while let Some(path) = next {
            let page = match self.s.client.get_page::<T>(&path).await {
                Err(GitHubError::Empty) if self.pages == 0 => return Ok(all),
                page => page?,
            };
            all.extend(page.items);
            self.pages += 1;
            next = page.next;
        }
        Ok(all)
    }

    /// Stores a complete listing as the repository's rows of its table, replacing what
    /// was there.
    async fn replace_whole<T: db::Stored>(&mut self, rows: &[T]) -> crate::Result<()> {
        let mut tx = self.s.pool.begin().await?;
        db::replace_repository_rows(&mut tx, self.repo_id, rows).await?;
        tx.commit().await?;
        self.items += rows.len() as u32;
        Ok(())
    }

    /// Ends a page of a GraphQL read: the checkpoint moves past it (keeping `pending`
    /// under `key` until the read completes), commits in the page's transaction, and the
    /// page is reported. Returns the cursor to read next; none when the read is done
    /// (`reached` the stored floor, or GitHub has no next page).
    async fn end_graphql_page(
        &mut self,
        tx: sqlx::Transaction<'_, sqlx::Postgres>,
        cp: &mut Checkpoint,
        (reached, page_info): (bool, &gql::PageInfo),
        (pending, key): (Option<DateTime<Utc>>, &str),
        items: usize,
        total: i64,
    ) -> crate::Result<Option<String>> {
        let next = cursor_after(reached || !page_info.has_next_page, page_info);
        step(cp, next.clone(), pending, key);
        self.finish_page(tx, cp).await?;
        self.page_done(items, Some(total as u64)).await;
        Ok(next)
    }

    /// Saves the checkpoint in the page's transaction and commits both: a page and where
    /// the read stands are stored together or not at all.
    async fn finish_page(
        &self,
        mut tx: sqlx::Transaction<'_, sqlx::Postgres>,
        cp: &Checkpoint,
    ) -> crate::Result<()> {
        let page_size = self.page_size.load(Ordering::Relaxed);
        let mut cp = cp.clone();
        if let Some(state) = cp.state.0.as_object_mut() {
            if page_size < PER_PAGE {
                state.insert("page_size".into(), json!(page_size));
            } else {
                state.remove("page_size");
            }
        }
        checkpoints::save(&mut tx, self.repo_id, self.resource.as_str(), &cp).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Counts a page and tells the observers.
    async fn page_done(&mut self, items: usize, total: Option<u64>) {
        self.items += items as u32;
        self.pages += 1;
        self.s
            .publish(Progress {
                job_id: self.s.job_id,
                requested_by: self.s.requested_by,
                repository_id: self.repo_id,
                live: wire::LiveProgress {
                    repository: self.full_name.to_string(),
                    resource: self.resource.as_str().to_string(),
                    items: self.items,
                    pages: self.pages,
                    total,
                    rate_remaining: self.s.client.budget().map(|b| b.remaining),
                    eta_secs: super::eta_secs(self.items, total, self.started.elapsed()),
                    done: false,
                    ready: false,
                },
            })
            .await;
    }

    fn path(&self, rest: &str) -> String {
        format!("/repos/{}/{}{rest}", self.owner, self.name)
    }

    async fn repository(&mut self) -> crate::Result<()> {
        let repo = self.s.client.repository(self.full_name).await?;
        let mut tx = self.s.pool.begin().await?;
        crate::db::repos::upsert(&mut tx, &repo).await?;
        tx.commit().await?;
        self.page_done(1, Some(1)).await;
        Ok(())
    }
}
