//! Upserts of what a sync reads, one statement per page: rows travel as one JSON array and
//! are unpacked with `jsonb_to_recordset`, keyed by GitHub's ids so every write is
//! idempotent (a page written twice, after a crash or a retry, changes nothing).

use chrono::{DateTime, Utc};
use serde::Serialize;

type Conn = sqlx::PgConnection;

async fn upsert<T: Serialize>(conn: &mut Conn, sql: &str, rows: &[T]) -> Result<u64, sqlx::Error> {
    if rows.is_empty() {
        return Ok(0);
    }
    let done = sqlx::query(sql)
        .bind(sqlx::types::Json(rows))
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

#[derive(Debug, Clone, Serialize)]
pub struct PullRow {
    pub github_id: i64,
    pub repository_id: i64,
    pub number: i64,
    pub title: String,
    pub state: String,
    pub draft: bool,
    pub author_github_id: Option<i64>,
    pub author_login: Option<String>,
    pub author_association: Option<String>,
    pub base_ref: String,
    pub head_ref: String,
    pub head_sha: Option<String>,
    pub merge_commit_sha: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub merged_at: Option<DateTime<Utc>>,
    pub additions: Option<i64>,
    pub deletions: Option<i64>,
    pub changed_files: Option<i64>,
    pub commits_count: Option<i64>,
    pub comments_count: Option<i64>,
    pub merged_by_github_id: Option<i64>,
    pub merged_by_login: Option<String>,
    pub first_commit_at: Option<DateTime<Utc>>,
    pub ready_for_review_at: Option<DateTime<Utc>>,
    pub labels: Vec<String>,
}

pub async fn upsert_pulls(conn: &mut Conn, rows: &[PullRow]) -> Result<u64, sqlx::Error> {
    upsert(
        conn,
        "INSERT INTO pull_requests (github_id, repository_id, number, title, state, draft,
            author_github_id, author_login, author_association, base_ref, head_ref, head_sha,
            merge_commit_sha, created_at, updated_at, closed_at, merged_at, additions, deletions,
            changed_files, commits_count, comments_count, merged_by_github_id, merged_by_login,
            first_commit_at, ready_for_review_at, labels, synced_at)
         SELECT github_id, repository_id, number, title, state, draft, author_github_id,
                author_login, author_association, base_ref, head_ref, head_sha,
                merge_commit_sha, created_at, updated_at, closed_at, merged_at, additions,
                deletions, changed_files, commits_count, comments_count, merged_by_github_id,
                merged_by_login, first_commit_at, ready_for_review_at,
                ARRAY(SELECT jsonb_array_elements_text(labels)), now()
           FROM jsonb_to_recordset($1) AS u(github_id bigint, repository_id bigint,
                number int, title text, state text, draft bool, author_github_id bigint,
                author_login text, author_association text, base_ref text, head_ref text,
                head_sha text, merge_commit_sha text, created_at timestamptz,
                updated_at timestamptz, closed_at timestamptz, merged_at timestamptz,
                additions int, deletions int, changed_files int, commits_count int,
                comments_count int, merged_by_github_id bigint, merged_by_login text,
                first_commit_at timestamptz, ready_for_review_at timestamptz, labels jsonb)
         ON CONFLICT (github_id) DO UPDATE SET
            repository_id = EXCLUDED.repository_id, number = EXCLUDED.number,
            title = EXCLUDED.title, state = EXCLUDED.state, draft = EXCLUDED.draft,
            author_github_id = EXCLUDED.author_github_id, author_login = EXCLUDED.author_login,
            author_association = EXCLUDED.author_association, base_ref = EXCLUDED.base_ref,
            head_ref = EXCLUDED.head_ref, head_sha = EXCLUDED.head_sha,
            merge_commit_sha = EXCLUDED.merge_commit_sha, created_at = EXCLUDED.created_at,
            updated_at = EXCLUDED.updated_at, closed_at = EXCLUDED.closed_at,
            merged_at = EXCLUDED.merged_at,
            additions = coalesce(EXCLUDED.additions, pull_requests.additions),
            deletions = coalesce(EXCLUDED.deletions, pull_requests.deletions),
            changed_files = coalesce(EXCLUDED.changed_files, pull_requests.changed_files),
            commits_count = coalesce(EXCLUDED.commits_count, pull_requests.commits_count),
            comments_count = coalesce(EXCLUDED.comments_count, pull_requests.comments_count),
            merged_by_github_id = coalesce(EXCLUDED.merged_by_github_id, pull_requests.merged_by_github_id),
            merged_by_login = coalesce(EXCLUDED.merged_by_login, pull_requests.merged_by_login),
            first_commit_at = coalesce(EXCLUDED.first_commit_at, pull_requests.first_commit_at),
            ready_for_review_at = coalesce(EXCLUDED.ready_for_review_at, pull_requests.ready_for_review_at),
            labels = EXCLUDED.labels, synced_at = now()",
        rows,
    )
    .await
}

#[derive(Debug, Clone, Serialize)]
pub struct ReviewRow {
    pub github_id: i64,
    pub repository_id: i64,
    pub pull_number: i64,
    pub reviewer_github_id: Option<i64>,
    pub reviewer_login: Option<String>,
    pub state: String,
    pub submitted_at: Option<DateTime<Utc>>,
}

/// Replaces the reviews of the pull requests `numbers` with `rows`.
pub async fn replace_reviews(
    conn: &mut Conn,
    repository_id: i64,
    numbers: &[i64],
    rows: &[ReviewRow],
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "DELETE FROM pull_request_reviews WHERE repository_id = $1 AND pull_number = ANY($2)",
    )
    .bind(repository_id)
    .bind(numbers)
    .execute(&mut *conn)
    .await?;
    upsert(
        conn,
        "INSERT INTO pull_request_reviews (github_id, repository_id, pull_number,
            reviewer_github_id, reviewer_login, state, submitted_at)
         SELECT * FROM jsonb_to_recordset($1) AS u(github_id bigint, repository_id bigint,
                pull_number int, reviewer_github_id bigint, reviewer_login text, state text,
                submitted_at timestamptz)
         ON CONFLICT (github_id) DO UPDATE SET state = EXCLUDED.state,
            submitted_at = EXCLUDED.submitted_at, pull_number = EXCLUDED.pull_number",
        rows,
    )
    .await?;
    Ok(())
}

#[derive(Debug, Clone, Serialize)]
pub struct IssueRow {
    pub github_id: i64,
    pub repository_id: i64,
    pub number: i64,
    pub title: String,
    pub state: String,
    pub state_reason: Option<String>,
    pub author_github_id: Option<i64>,
    pub author_login: Option<String>,
    pub labels: Vec<String>,
    pub assignees: Vec<String>,
    pub comments_count: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
}

pub async fn upsert_issues(conn: &mut Conn, rows: &[IssueRow]) -> Result<u64, sqlx::Error> {
    upsert(
        conn,
        "INSERT INTO issues (github_id, repository_id, number, title, state, state_reason,
            author_github_id, author_login, labels, assignees, comments_count, created_at,
            updated_at, closed_at)
         SELECT github_id, repository_id, number, title, state, state_reason, author_github_id,
                author_login, ARRAY(SELECT jsonb_array_elements_text(labels)),
                ARRAY(SELECT jsonb_array_elements_text(assignees)), comments_count, created_at,
                updated_at, closed_at
           FROM jsonb_to_recordset($1) AS u(github_id bigint, repository_id bigint, number int,
                title text, state text, state_reason text, author_github_id bigint,
                author_login text, labels jsonb, assignees jsonb, comments_count int,
                created_at timestamptz, updated_at timestamptz, closed_at timestamptz)
         ON CONFLICT (github_id) DO UPDATE SET number = EXCLUDED.number, title = EXCLUDED.title,
            state = EXCLUDED.state, state_reason = EXCLUDED.state_reason,
            author_github_id = EXCLUDED.author_github_id, author_login = EXCLUDED.author_login,
            labels = EXCLUDED.labels, assignees = EXCLUDED.assignees,
            comments_count = EXCLUDED.comments_count, created_at = EXCLUDED.created_at,
            updated_at = EXCLUDED.updated_at, closed_at = EXCLUDED.closed_at",
        rows,
    )
    .await
}

#[derive(Debug, Clone, Serialize)]
pub struct CommitRow {
    pub repository_id: i64,
    pub sha: String,
    pub parent_sha: Option<String>,
    pub author_github_id: Option<i64>,
    pub author_login: Option<String>,
    pub author_name: Option<String>,
    pub author_email: Option<String>,
    pub authored_at: DateTime<Utc>,
    pub committed_at: DateTime<Utc>,
    pub additions: Option<i64>,
    pub deletions: Option<i64>,
    pub message_headline: String,
}

pub async fn upsert_commits(conn: &mut Conn, rows: &[CommitRow]) -> Result<u64, sqlx::Error> {
    upsert(
        conn,
        "INSERT INTO commits (repository_id, sha, parent_sha, author_github_id, author_login,
            author_name, author_email, authored_at, committed_at, additions, deletions,
            message_headline)
         SELECT * FROM jsonb_to_recordset($1) AS u(repository_id bigint, sha text,
                parent_sha text, author_github_id bigint, author_login text, author_name text,
                author_email text, authored_at timestamptz, committed_at timestamptz,
                additions int, deletions int, message_headline text)
         ON CONFLICT (repository_id, sha) DO UPDATE SET parent_sha = EXCLUDED.parent_sha,
            author_github_id = EXCLUDED.author_github_id, author_login = EXCLUDED.author_login,
            additions = EXCLUDED.additions, deletions = EXCLUDED.deletions",
        rows,
    )
    .await
}

/// The shas among `shas` already stored for the repository.
pub async fn known_commits(
    conn: &mut Conn,
    repository_id: i64,
    shas: &[String],
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT sha FROM commits WHERE repository_id = $1 AND sha = ANY($2)")
        .bind(repository_id)
        .bind(shas)
        .fetch_all(conn)
        .await
}

/// Removes the commits that a force-push took off the branch: those reachable from
/// `old_head` (through stored parents) down to, but not including, `keep_from`, that are
/// not in `new_chain`.
pub async fn drop_rewritten_commits(
    conn: &mut Conn,
    repository_id: i64,
    old_head: &str,
    keep_from: Option<&str>,
    new_chain: &[String],
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "WITH RECURSIVE chain(sha, parent_sha) AS (
            SELECT sha, parent_sha FROM commits WHERE repository_id = $1 AND sha = $2
            UNION ALL
            SELECT c.sha, c.parent_sha FROM commits c JOIN chain ON c.sha = chain.parent_sha
             WHERE c.repository_id = $1 AND chain.sha IS DISTINCT FROM $3
         )
         DELETE FROM commits WHERE repository_id = $1
            AND sha IN (SELECT sha FROM chain WHERE sha IS DISTINCT FROM $3)
            AND NOT (sha = ANY($4))",
    )
    .bind(repository_id)
    .bind(old_head)
    .bind(keep_from)
    .bind(new_chain)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

#[derive(Debug, Clone, Serialize)]
pub struct RunRow {
    pub github_id: i64,
    pub repository_id: i64,
    pub workflow_id: i64,
    pub check_suite_node_id: Option<String>,
    pub run_number: i64,
    pub run_attempt: i64,
    pub event: String,
    pub status: String,
    pub conclusion: Option<String>,
    pub head_branch: Option<String>,
    pub head_sha: String,
    pub actor_login: Option<String>,
    pub created_at: DateTime<Utc>,
    pub run_started_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

pub async fn upsert_runs(conn: &mut Conn, rows: &[RunRow]) -> Result<u64, sqlx::Error> {
    upsert(
        conn,
        "INSERT INTO workflow_runs (github_id, repository_id, workflow_id, check_suite_node_id,
            run_number, run_attempt, event, status, conclusion, head_branch, head_sha,
            actor_login, created_at, run_started_at, updated_at)
         SELECT * FROM jsonb_to_recordset($1) AS u(github_id bigint, repository_id bigint,
                workflow_id bigint, check_suite_node_id text, run_number int, run_attempt int,
                event text, status text, conclusion text, head_branch text, head_sha text,
                actor_login text, created_at timestamptz, run_started_at timestamptz,
                updated_at timestamptz)
         ON CONFLICT (github_id) DO UPDATE SET run_attempt = EXCLUDED.run_attempt,
            status = EXCLUDED.status, conclusion = EXCLUDED.conclusion,
            run_started_at = EXCLUDED.run_started_at, updated_at = EXCLUDED.updated_at,
            check_suite_node_id = EXCLUDED.check_suite_node_id,
            jobs_synced_at = CASE WHEN workflow_runs.updated_at = EXCLUDED.updated_at
                                  THEN workflow_runs.jobs_synced_at END",
        rows,
    )
    .await
}

/// Completed runs whose jobs are not stored for their latest state: (run id, check suite
/// node id).
pub async fn runs_needing_jobs(
    conn: &mut Conn,
    repository_id: i64,
    limit: i64,
) -> Result<Vec<(i64, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT github_id, check_suite_node_id FROM workflow_runs
          WHERE repository_id = $1 AND status = 'completed' AND jobs_synced_at IS NULL
            AND check_suite_node_id IS NOT NULL
          ORDER BY github_id LIMIT $2",
    )
    .bind(repository_id)
    .bind(limit)
    .fetch_all(conn)
    .await
}

#[derive(Debug, Clone, Serialize)]
pub struct JobRow {
    pub github_id: i64,
    pub run_id: i64,
    pub repository_id: i64,
    pub name: String,
    pub status: String,
    pub conclusion: Option<String>,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
}

/// Stores the jobs of `runs` (replacing what was there) and marks the runs' jobs synced.
pub async fn replace_jobs(
    conn: &mut Conn,
    runs: &[i64],
    rows: &[JobRow],
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM workflow_jobs WHERE run_id = ANY($1)")
        .bind(runs)
        .execute(&mut *conn)
        .await?;
    upsert(
        conn,
        "INSERT INTO workflow_jobs (github_id, run_id, repository_id, name, status, conclusion,
            started_at, completed_at)
         SELECT * FROM jsonb_to_recordset($1) AS u(github_id bigint, run_id bigint,
                repository_id bigint, name text, status text, conclusion text,
                started_at timestamptz, completed_at timestamptz)
         ON CONFLICT (github_id) DO UPDATE SET status = EXCLUDED.status,
            conclusion = EXCLUDED.conclusion, started_at = EXCLUDED.started_at,
            completed_at = EXCLUDED.completed_at",
        rows,
    )
    .await?;
    sqlx::query("UPDATE workflow_runs SET jobs_synced_at = now() WHERE github_id = ANY($1)")
        .bind(runs)
        .execute(conn)
        .await?;
    Ok(())
}

#[derive(Debug, Clone, Serialize)]
pub struct WorkflowRow {
    pub github_id: i64,
    pub repository_id: i64,
    pub name: String,
    pub path: String,
    pub state: String,
}

pub async fn upsert_workflows(conn: &mut Conn, rows: &[WorkflowRow]) -> Result<u64, sqlx::Error> {
    upsert(
        conn,
        "INSERT INTO workflows (github_id, repository_id, name, path, state)
         SELECT * FROM jsonb_to_recordset($1) AS u(github_id bigint, repository_id bigint,
                name text, path text, state text)
         ON CONFLICT (github_id) DO UPDATE SET name = EXCLUDED.name, path = EXCLUDED.path,
            state = EXCLUDED.state",
        rows,
    )
    .await
}

#[derive(Debug, Clone, Serialize)]
pub struct DeploymentRow {
    pub github_id: i64,
    pub repository_id: i64,
    pub sha: String,
    pub environment: String,
    pub creator_login: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DeploymentStatusRow {
    pub deployment_id: i64,
    pub node_id: String,
    pub repository_id: i64,
    pub state: String,
    pub created_at: DateTime<Utc>,
}

pub async fn upsert_deployments(
    conn: &mut Conn,
    rows: &[DeploymentRow],
    statuses: &[DeploymentStatusRow],
) -> Result<u64, sqlx::Error> {
    let n = upsert(
        &mut *conn,
        "INSERT INTO deployments (github_id, repository_id, sha, environment, creator_login,
            created_at, updated_at)
         SELECT * FROM jsonb_to_recordset($1) AS u(github_id bigint, repository_id bigint,
                sha text, environment text, creator_login text, created_at timestamptz,
                updated_at timestamptz)
         ON CONFLICT (github_id) DO UPDATE SET environment = EXCLUDED.environment,
            updated_at = EXCLUDED.updated_at",
        rows,
    )
    .await?;
    upsert(
        conn,
        "INSERT INTO deployment_statuses (deployment_id, node_id, repository_id, state, created_at)
         SELECT * FROM jsonb_to_recordset($1) AS u(deployment_id bigint, node_id text,
                repository_id bigint, state text, created_at timestamptz)
         ON CONFLICT (deployment_id, node_id) DO UPDATE SET state = EXCLUDED.state",
        statuses,
    )
    .await?;
    Ok(n)
}

/// The stored `updated_at` of deployments, to tell which ones changed.
pub async fn deployment_versions(
    conn: &mut Conn,
    ids: &[i64],
) -> Result<Vec<(i64, DateTime<Utc>)>, sqlx::Error> {
    sqlx::query_as("SELECT github_id, updated_at FROM deployments WHERE github_id = ANY($1)")
        .bind(ids)
        .fetch_all(conn)
        .await
}

#[derive(Debug, Clone, Serialize)]
pub struct ReleaseRow {
    pub github_id: i64,
    pub repository_id: i64,
    pub tag_name: String,
    pub name: Option<String>,
    pub draft: bool,
    pub prerelease: bool,
    pub author_login: Option<String>,
    pub created_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
}

pub async fn upsert_releases(conn: &mut Conn, rows: &[ReleaseRow]) -> Result<u64, sqlx::Error> {
    upsert(
        conn,
        "INSERT INTO releases (github_id, repository_id, tag_name, name, draft, prerelease,
            author_login, created_at, published_at)
         SELECT * FROM jsonb_to_recordset($1) AS u(github_id bigint, repository_id bigint,
                tag_name text, name text, draft bool, prerelease bool, author_login text,
                created_at timestamptz, published_at timestamptz)
         ON CONFLICT (github_id) DO UPDATE SET tag_name = EXCLUDED.tag_name,
            name = EXCLUDED.name, draft = EXCLUDED.draft, prerelease = EXCLUDED.prerelease,
            published_at = EXCLUDED.published_at",
        rows,
    )
    .await
}

#[derive(Debug, Clone, Serialize)]
pub struct TagRow {
    pub repository_id: i64,
    pub name: String,
    pub sha: String,
}

pub async fn upsert_tags(conn: &mut Conn, rows: &[TagRow]) -> Result<u64, sqlx::Error> {
    upsert(
        conn,
        "INSERT INTO tags (repository_id, name, sha)
         SELECT * FROM jsonb_to_recordset($1) AS u(repository_id bigint, name text, sha text)
         ON CONFLICT (repository_id, name) DO UPDATE SET sha = EXCLUDED.sha",
        rows,
    )
    .await
}

#[derive(Debug, Clone, Serialize)]
pub struct StarRow {
    pub repository_id: i64,
    pub user_github_id: i64,
    pub login: String,
    pub starred_at: DateTime<Utc>,
}

pub async fn upsert_stars(conn: &mut Conn, rows: &[StarRow]) -> Result<u64, sqlx::Error> {
    upsert(
        conn,
        "INSERT INTO stargazers (repository_id, user_github_id, login, starred_at)
         SELECT * FROM jsonb_to_recordset($1) AS u(repository_id bigint, user_github_id bigint,
                login text, starred_at timestamptz)
         ON CONFLICT (repository_id, user_github_id) DO UPDATE SET login = EXCLUDED.login,
            starred_at = EXCLUDED.starred_at",
        rows,
    )
    .await
}

#[derive(Debug, Clone, Serialize)]
pub struct ForkRow {
    pub github_id: i64,
    pub repository_id: i64,
    pub full_name: String,
    pub owner_login: String,
    pub created_at: DateTime<Utc>,
}

pub async fn upsert_forks(conn: &mut Conn, rows: &[ForkRow]) -> Result<u64, sqlx::Error> {
    upsert(
        conn,
        "INSERT INTO forks (github_id, repository_id, full_name, owner_login, created_at)
         SELECT * FROM jsonb_to_recordset($1) AS u(github_id bigint, repository_id bigint,
                full_name text, owner_login text, created_at timestamptz)
         ON CONFLICT (github_id) DO UPDATE SET full_name = EXCLUDED.full_name,
            owner_login = EXCLUDED.owner_login",
        rows,
    )
    .await
}

#[derive(Debug, Clone, Serialize)]
pub struct ContributorRow {
    pub repository_id: i64,
    pub user_github_id: i64,
    pub login: String,
    pub contributions: i64,
}

pub async fn replace_contributors(
    conn: &mut Conn,
    repository_id: i64,
    rows: &[ContributorRow],
) -> Result<u64, sqlx::Error> {
    sqlx::query("DELETE FROM contributors WHERE repository_id = $1")
        .bind(repository_id)
        .execute(&mut *conn)
        .await?;
    upsert(
        conn,
        "INSERT INTO contributors (repository_id, user_github_id, login, contributions)
         SELECT * FROM jsonb_to_recordset($1) AS u(repository_id bigint, user_github_id bigint,
                login text, contributions int)
         ON CONFLICT (repository_id, user_github_id) DO UPDATE SET
            contributions = EXCLUDED.contributions",
        rows,
    )
    .await
}

/// Deletes the rows of `table` for a repository whose key is not in `keep` (after a full
/// listing: what GitHub no longer lists is gone).
pub async fn retain_only(
    conn: &mut Conn,
    table: Keyed,
    repository_id: i64,
    keep: &[i64],
) -> Result<u64, sqlx::Error> {
    let (table, key) = table.table_and_key();
    let sql = format!("DELETE FROM {table} WHERE repository_id = $1 AND NOT ({key} = ANY($2))");
    let done = sqlx::query(&sql)
        .bind(repository_id)
        .bind(keep)
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

/// Tables a full listing reconciles.
#[derive(Debug, Clone, Copy)]
pub enum Keyed {
    Issues,
    Stargazers,
    Forks,
    Releases,
}

impl Keyed {
    /// The table and the column that identifies a row within a repository.
    fn table_and_key(self) -> (&'static str, &'static str) {
        match self {
            Keyed::Issues => ("issues", "github_id"),
            Keyed::Stargazers => ("stargazers", "user_github_id"),
            Keyed::Forks => ("forks", "github_id"),
            Keyed::Releases => ("releases", "github_id"),
        }
    }
}

/// How many rows a repository has in a reconcilable table.
pub async fn count(conn: &mut Conn, table: Keyed, repository_id: i64) -> Result<i64, sqlx::Error> {
    let (table, _) = table.table_and_key();
    sqlx::query_scalar(&format!(
        "SELECT count(*) FROM {table} WHERE repository_id = $1"
    ))
    .bind(repository_id)
    .fetch_one(conn)
    .await
}
