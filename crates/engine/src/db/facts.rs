//! The derived tables (METRICS.md, "Derived facts"): what [`crate::facts`] reads to derive
//! them and its writers. Nothing else writes these tables.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{replace_repository_rows, upsert, Conn, Stored, Table};

/// What a pull request's facts are derived from.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct PullInput {
    pub number: i32,
    pub title: String,
    pub head_ref: String,
    pub author_login: Option<String>,
    pub author_type: Option<String>,
    pub state: String,
    pub created_at: DateTime<Utc>,
    pub ready_for_review_at: Option<DateTime<Utc>>,
    pub first_commit_at: Option<DateTime<Utc>>,
    pub merged_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub additions: Option<i32>,
    pub deletions: Option<i32>,
    pub changed_files: Option<i32>,
    pub merge_commit_sha: Option<String>,
}

/// A review or a first comment on a pull request, by whom and when: `approved` tells an
/// approving review; a comment is never one.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Response {
    pub number: i32,
    pub login: Option<String>,
    pub account_type: Option<String>,
    pub at: Option<DateTime<Utc>>,
    pub is_review: bool,
    pub approved: bool,
}

/// The pull requests `numbers` of a repository (all with `None`), oldest first, with
/// their reviews and first comments.
pub async fn pull_inputs(
    conn: &mut Conn,
    repository_id: i64,
    numbers: Option<&[i64]>,
) -> Result<(Vec<PullInput>, Vec<Response>), sqlx::Error> {
    let pulls = sqlx::query_as(
        "SELECT number, title, head_ref, author_login, author_type, state, created_at,
                ready_for_review_at, first_commit_at, merged_at, closed_at, additions,
                deletions, changed_files, merge_commit_sha
           FROM pull_requests
          WHERE repository_id = $1 AND ($2::bigint[] IS NULL OR number = ANY($2))
          ORDER BY number",
    )
    .bind(repository_id)
    .bind(numbers)
    .fetch_all(&mut *conn)
    .await?;
    let responses = sqlx::query_as(
        "SELECT pull_number AS number, reviewer_login AS login, NULL::text AS account_type,
                submitted_at AS at, true AS is_review, state = 'APPROVED' AS approved
           FROM pull_request_reviews
          WHERE repository_id = $1 AND ($2::bigint[] IS NULL OR pull_number = ANY($2))
         UNION ALL
         SELECT issue_number, author_login, author_type, created_at, false, false
           FROM conversation_comments
          WHERE repository_id = $1 AND ($2::bigint[] IS NULL OR issue_number = ANY($2))",
    )
    .bind(repository_id)
    .bind(numbers)
    .fetch_all(&mut *conn)
    .await?;
    Ok((pulls, responses))
}

/// The merged pull requests of a repository with exactly this title, newest merge first:
/// what a `Revert "…"` title names.
pub async fn merged_titled(
    conn: &mut Conn,
    repository_id: i64,
    title: &str,
    before: DateTime<Utc>,
) -> Result<Option<i32>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT number FROM pull_requests
          WHERE repository_id = $1 AND title = $2 AND merged_at < $3
          ORDER BY merged_at DESC LIMIT 1",
    )
    .bind(repository_id)
    .bind(title)
    .bind(before)
    .fetch_optional(conn)
    .await
}

/// A pull request's derived facts (METRICS.md, "Pull request cycle time"). Its
/// deployment (`deployed_at`) is written by [`attribute_changes`] alone.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PullFacts {
    pub repository_id: i64,
    pub number: i32,
    pub author_login: Option<String>,
    pub is_bot: bool,
    pub state: String,
    pub created_at: DateTime<Utc>,
    pub ready_at: DateTime<Utc>,
    pub first_commit_at: Option<DateTime<Utc>>,
    pub first_review_at: Option<DateTime<Utc>>,
    pub first_response_at: Option<DateTime<Utc>>,
    pub approved_at: Option<DateTime<Utc>>,
    pub reviews: i32,
    pub merged_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub lines_changed: Option<i32>,
    pub changed_files: Option<i32>,
    pub merge_commit_sha: Option<String>,
    pub reverts: Option<i32>,
    pub cycle_hours: Option<f64>,
    pub coding_hours: Option<f64>,
    pub pickup_hours: Option<f64>,
    pub review_hours: Option<f64>,
}

impl Stored for PullFacts {
    const TABLE: Table = Table::new("pull_request_facts", &["repository_id", "number"]);
}

pub async fn store_pull_facts(conn: &mut Conn, rows: &[PullFacts]) -> Result<u64, sqlx::Error> {
    upsert(conn, rows).await
}

/// A repository's default-branch history as (sha, first parent, committed at).
pub async fn first_parent_links(
    conn: &mut Conn,
    repository_id: i64,
) -> Result<Vec<(String, Option<String>, DateTime<Utc>)>, sqlx::Error> {
    sqlx::query_as("SELECT sha, parent_sha, committed_at FROM commits WHERE repository_id = $1")
        .bind(repository_id)
        .fetch_all(conn)
        .await
}

/// Replaces a repository's default-branch positions.
pub async fn replace_positions(
    conn: &mut Conn,
    repository_id: i64,
    positions: &[(String, i32)],
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM default_branch_positions WHERE repository_id = $1")
        .bind(repository_id)
        .execute(&mut *conn)
        .await?;
    let (shas, places): (Vec<&str>, Vec<i32>) =
        positions.iter().map(|(s, p)| (s.as_str(), *p)).unzip();
    sqlx::query(
        "INSERT INTO default_branch_positions (repository_id, sha, position)
         SELECT $1, * FROM unnest($2::text[], $3::int[])",
    )
    .bind(repository_id)
    .bind(shas)
    .bind(places)
    .execute(conn)
    .await?;
    Ok(())
}

/// A candidate deployment of one source: `name` is the environment, the workflow's name
/// or the release's name; `failed` marks a `failure` or `error` status.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Candidate {
    pub name: String,
    /// A workflow's path; empty otherwise.
    pub path: String,
    pub sha: String,
    pub at: DateTime<Utc>,
    pub succeeded: bool,
    pub failed: bool,
}

/// The candidates of every deployment source of a repository, in time order:
/// (deployment statuses, successful workflow runs on the default branch, published
/// releases at their tag's commit, merges into the default branch).
pub async fn deployment_candidates(
    conn: &mut Conn,
    repository_id: i64,
) -> Result<[Vec<Candidate>; 4], sqlx::Error> {
    let statuses = sqlx::query_as(
        "SELECT d.environment AS name, '' AS path, d.sha, s.created_at AS at,
                s.state = 'success' AS succeeded, s.state IN ('failure', 'error') AS failed
           FROM deployments d JOIN deployment_statuses s ON s.deployment_id = d.github_id
          WHERE d.repository_id = $1 ORDER BY s.created_at",
    )
    .bind(repository_id)
    .fetch_all(&mut *conn)
    .await?;
    let runs = sqlx::query_as(
        "SELECT w.name AS name, w.path, r.head_sha AS sha, r.updated_at AS at,
                true AS succeeded, false AS failed
           FROM workflow_runs r
           JOIN workflows w ON w.github_id = r.workflow_id
           JOIN repositories g ON g.github_id = r.repository_id
          WHERE r.repository_id = $1 AND r.conclusion = 'success'
            AND r.head_branch = g.default_branch
          ORDER BY r.updated_at",
    )
    .bind(repository_id)
    .fetch_all(&mut *conn)
    .await?;
    let releases = sqlx::query_as(
        "SELECT 'release' AS name, '' AS path, t.sha, r.published_at AS at,
                true AS succeeded, false AS failed
           FROM releases r JOIN tags t ON t.repository_id = r.repository_id AND t.name = r.tag_name
          WHERE r.repository_id = $1 AND NOT r.draft AND NOT r.prerelease
            AND r.published_at IS NOT NULL
          ORDER BY r.published_at",
    )
    .bind(repository_id)
    .fetch_all(&mut *conn)
    .await?;
    let merges = sqlx::query_as(
        "SELECT g.default_branch AS name, '' AS path, p.merge_commit_sha AS sha,
                p.merged_at AS at, true AS succeeded, false AS failed
           FROM pull_requests p JOIN repositories g ON g.github_id = p.repository_id
          WHERE p.repository_id = $1 AND p.merged_at IS NOT NULL
            AND p.base_ref = g.default_branch AND p.merge_commit_sha IS NOT NULL
          ORDER BY p.merged_at",
    )
    .bind(repository_id)
    .fetch_all(conn)
    .await?;
    Ok([statuses, runs, releases, merges])
}

/// A production deployment, one per environment and commit at its first success.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct ProductionDeployment {
    pub repository_id: i64,
    pub environment: String,
    pub sha: String,
    pub succeeded_at: DateTime<Utc>,
    /// The first `failure` or `error` status after the success (Deployments API only).
    pub failed_at: Option<DateTime<Utc>>,
    /// The [`super::settings::DeploymentSource`] it came from.
    pub source: String,
}

impl Stored for ProductionDeployment {
    const TABLE: Table = Table::new(
        "production_deployments",
        &["repository_id", "environment", "sha"],
    );
}

pub async fn replace_production_deployments(
    conn: &mut Conn,
    repository_id: i64,
    rows: &[ProductionDeployment],
) -> Result<u64, sqlx::Error> {
    replace_repository_rows(conn, repository_id, rows).await
}

/// The merged pull requests of a repository: (number, merge commit, merged at).
pub async fn merged_changes(
    conn: &mut Conn,
    repository_id: i64,
) -> Result<Vec<(i32, Option<String>, DateTime<Utc>)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT number, merge_commit_sha, merged_at FROM pull_request_facts
          WHERE repository_id = $1 AND merged_at IS NOT NULL",
    )
    .bind(repository_id)
    .fetch_all(conn)
    .await
}

/// A repository's default-branch positions, by sha.
pub async fn positions(
    conn: &mut Conn,
    repository_id: i64,
) -> Result<Vec<(String, i32)>, sqlx::Error> {
    sqlx::query_as("SELECT sha, position FROM default_branch_positions WHERE repository_id = $1")
        .bind(repository_id)
        .fetch_all(conn)
        .await
}

/// The first production deployment of an environment that contains a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeDeployment {
    pub pull_number: i32,
    pub environment: String,
    pub sha: String,
    pub deployed_at: DateTime<Utc>,
}

/// Replaces a repository's change deployments with `rows` and sets each merged change's
/// `deployed_at` to the earliest of its rows (NULL without one).
pub async fn replace_change_deployments(
    conn: &mut Conn,
    repository_id: i64,
    rows: &[ChangeDeployment],
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM change_deployments WHERE repository_id = $1")
        .bind(repository_id)
        .execute(&mut *conn)
        .await?;
    let numbers: Vec<i32> = rows.iter().map(|r| r.pull_number).collect();
    let environments: Vec<&str> = rows.iter().map(|r| r.environment.as_str()).collect();
    let shas: Vec<&str> = rows.iter().map(|r| r.sha.as_str()).collect();
    let times: Vec<DateTime<Utc>> = rows.iter().map(|r| r.deployed_at).collect();
    sqlx::query(
        "INSERT INTO change_deployments (repository_id, pull_number, environment, sha, deployed_at)
         SELECT $1, * FROM unnest($2::int[], $3::text[], $4::text[], $5::timestamptz[])",
    )
    .bind(repository_id)
    .bind(&numbers)
    .bind(&environments)
    .bind(&shas)
    .bind(&times)
    .execute(&mut *conn)
    .await?;
    // Each change's earliest deployment, worked out here and joined by the primary key:
    // a plan that cannot go quadratic on statistics a bulk load left stale.
    let mut first: std::collections::BTreeMap<i32, DateTime<Utc>> = Default::default();
    for r in rows {
        first
            .entry(r.pull_number)
            .and_modify(|t| *t = (*t).min(r.deployed_at))
            .or_insert(r.deployed_at);
    }
    let (numbers, firsts): (Vec<i32>, Vec<DateTime<Utc>>) = first.into_iter().unzip();
    sqlx::query(
        "UPDATE pull_request_facts f SET deployed_at = u.first
           FROM unnest($2::int[], $3::timestamptz[]) u (number, first)
          WHERE f.repository_id = $1 AND f.number = u.number
            AND f.deployed_at IS DISTINCT FROM u.first",
    )
    .bind(repository_id)
    .bind(&numbers)
    .bind(&firsts)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE pull_request_facts SET deployed_at = NULL
          WHERE repository_id = $1 AND deployed_at IS NOT NULL AND NOT (number = ANY($2))",
    )
    .bind(repository_id)
    .bind(&numbers)
    .execute(conn)
    .await?;
    Ok(())
}

/// Repositories with stored rows but no derived facts yet (stored before the facts existed).
pub async fn underived(pool: &sqlx::PgPool) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT r.github_id FROM repositories r
          WHERE (EXISTS (SELECT 1 FROM pull_requests p WHERE p.repository_id = r.github_id)
                 AND NOT EXISTS (SELECT 1 FROM pull_request_facts f
                                  WHERE f.repository_id = r.github_id))
             OR (EXISTS (SELECT 1 FROM issues i WHERE i.repository_id = r.github_id)
                 AND NOT EXISTS (SELECT 1 FROM issue_facts f
                                  WHERE f.repository_id = r.github_id))
             OR (EXISTS (SELECT 1 FROM commits c WHERE c.repository_id = r.github_id)
                 AND NOT EXISTS (SELECT 1 FROM default_branch_positions p
                                  WHERE p.repository_id = r.github_id))",
    )
    .fetch_all(pool)
    .await
}
