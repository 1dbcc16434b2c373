//! Issues (GitHub's issues listing without its pull requests): the one writer and reads.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{upsert, Conn, Stored, Table};

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

impl Stored for IssueRow {
    const TABLE: Table = Table::new("issues", &["github_id"]);
}

/// Stores a page of conversation comments (of issues and of pull requests: the
/// repository-wide listing holds both) and brings the first responses of those issues up
/// to date. Returns the comments stored.
pub async fn store_comments(
    conn: &mut Conn,
    repository_id: i64,
    rows: &[super::pulls::CommentRow],
) -> Result<u64, sqlx::Error> {
    let n = upsert(&mut *conn, rows).await?;
    let numbers: Vec<i64> = rows.iter().map(|r| r.issue_number).collect();
    refresh_facts(conn, repository_id, Some(&numbers)).await?;
    Ok(n)
}

/// Stores a page of issues and brings their first responses up to date.
pub async fn store_page(
    conn: &mut Conn,
    repository_id: i64,
    rows: &[IssueRow],
) -> Result<u64, sqlx::Error> {
    let n = upsert(&mut *conn, rows).await?;
    let numbers: Vec<i64> = rows.iter().map(|r| r.number).collect();
    refresh_facts(conn, repository_id, Some(&numbers)).await?;
    Ok(n)
}

/// The derived facts of the issues among `numbers` (all with `None`): the first response,
/// the first conversation comment by someone other than its author who is not a bot (a
/// `Bot` account, a login ending in `[bot]`, or one of the repository's `bot_logins`); and
/// the severity the repository's `severity_labels` give it with that severity's SLA; and
/// whether its `incident_labels` make it an incident.
pub async fn refresh_facts(
    conn: &mut Conn,
    repository_id: i64,
    numbers: Option<&[i64]>,
) -> Result<(), sqlx::Error> {
    let settings = super::settings::get(&mut *conn, repository_id).await?;
    let labels = |k: usize| -> Vec<String> {
        settings.severity_labels[k]
            .iter()
            .map(|l| l.trim().to_lowercase())
            .collect()
    };
    sqlx::query(&format!(
        "INSERT INTO issue_facts (repository_id, number, first_response_at, severity, sla_hours,
                                  incident, created_at, open_until, by_people)
         SELECT i.repository_id, i.number,
                (SELECT min(c.created_at) FROM conversation_comments c
                  WHERE c.repository_id = i.repository_id AND c.issue_number = i.number
                    AND c.author_login IS DISTINCT FROM i.author_login
                    AND c.author_type IS DISTINCT FROM 'Bot'
                    AND coalesce(c.author_login, '') NOT LIKE '%[bot]'
                    AND NOT {configured_bot}),
                sv.severity, ($7::int[])[sv.severity], sv.incident,
                i.created_at, coalesce(i.closed_at, 'infinity'::timestamptz),
                coalesce(i.author_login, '') NOT LIKE '%[bot]'
           FROM issues i,
                LATERAL (SELECT CASE WHEN l && $3 THEN 1 WHEN l && $4 THEN 2
                                     WHEN l && $5 THEN 3 WHEN l && $6 THEN 4 END AS severity,
                                l && $8 AS incident
                           FROM (SELECT coalesce(array_agg(lower(y)), '{{}}') AS l
                                   FROM unnest(i.labels) y) ls) sv
          WHERE i.repository_id = $1 AND ($2::bigint[] IS NULL OR i.number = ANY($2))
         ON CONFLICT (repository_id, number)
         DO UPDATE SET first_response_at = EXCLUDED.first_response_at,
                       severity = EXCLUDED.severity, sla_hours = EXCLUDED.sla_hours,
                       incident = EXCLUDED.incident, created_at = EXCLUDED.created_at,
                       open_until = EXCLUDED.open_until, by_people = EXCLUDED.by_people",
        configured_bot =
            super::settings::configured_bot_sql("coalesce(c.author_login, '')", "i.repository_id"),
    ))
    .bind(repository_id)
    .bind(numbers)
    .bind(labels(0))
    .bind(labels(1))
    .bind(labels(2))
    .bind(labels(3))
    .bind(&settings.sla_hours[..])
    .bind(
        settings
            .incident_labels
            .iter()
            .map(|l| l.trim().to_lowercase())
            .collect::<Vec<_>>(),
    )
    .execute(&mut *conn)
    .await?;
    score(conn, repository_id, numbers).await
}

/// Stores the terms of the issues' priority scores that do not change while they are open
/// ([`crate::metrics::priority::label_points`]) with their facts.
async fn score(
    conn: &mut Conn,
    repository_id: i64,
    numbers: Option<&[i64]>,
) -> Result<(), sqlx::Error> {
    let rows: Vec<(i32, Vec<String>, Option<i16>)> = sqlx::query_as(
        "SELECT i.number, i.labels, f.severity FROM issues i
           JOIN issue_facts f ON f.repository_id = i.repository_id AND f.number = i.number
          WHERE i.repository_id = $1 AND ($2::bigint[] IS NULL OR i.number = ANY($2))",
    )
    .bind(repository_id)
    .bind(numbers)
    .fetch_all(&mut *conn)
    .await?;
    let (numbers, points): (Vec<i32>, Vec<f32>) = rows
        .into_iter()
        .map(|(number, labels, severity)| {
            // Stored 1-4; the score counts 0 (critical) to 3.
            let k = severity.and_then(|k| usize::try_from(k - 1).ok());
            (
                number,
                crate::metrics::priority::label_points(k, &labels) as f32,
            )
        })
        .unzip();
    sqlx::query(
        "UPDATE issue_facts f SET label_points = v.p
           FROM unnest($2::int[], $3::real[]) v (n, p)
          WHERE f.repository_id = $1 AND f.number = v.n",
    )
    .bind(repository_id)
    .bind(&numbers)
    .bind(&points)
    .execute(conn)
    .await?;
    Ok(())
}

/// Repositories with issue facts whose priority terms are not stored yet (derived before
/// they existed).
pub async fn unscored(pool: &sqlx::PgPool) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT DISTINCT repository_id FROM issue_facts WHERE label_points IS NULL ORDER BY 1",
    )
    .fetch_all(pool)
    .await
}
