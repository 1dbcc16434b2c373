//! The rows behind a scope's figures that the pages list (METRICS.md, "Open pull
//! requests", "Contributors", "Deployments by environment", "Activity"): open pull
//! requests where they stand, who did the work and when, deployments per environment,
//! releases and what happened, newest first. Callers pass repository ids a user may see
//! ([`super::scope_repositories`]).

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use super::activity::{AUTHOR, BY_PEOPLE};

const RFC3339: &str = r#"'YYYY-MM-DD"T"HH24:MI:SS"Z"'"#;

fn rfc3339(column: &str) -> String {
    format!("to_char({column} AT TIME ZONE 'UTC', {RFC3339})")
}

/// The pull requests by people open at `now` in `repositories`, oldest first, at most
/// `limit`, and how many there are. A pull request's stage: `draft` while GitHub says it
/// is one; else `approved` once someone other than the author approved it; else
/// `in_review` after the first response by someone else (review or comment, the cycle
/// time's pickup end); else `waiting_for_review`. `waiting_only` keeps only those waiting,
/// longest waiting first.
pub async fn open_pull_requests(
    pool: &PgPool,
    repositories: &[i64],
    now: DateTime<Utc>,
    waiting_only: bool,
    limit: i64,
) -> Result<wire::OpenPullRequests, sqlx::Error> {
    let filter = if waiting_only {
        "WHERE stage = 'waiting_for_review'"
    } else {
        ""
    };
    let sql = format!(
        "WITH o AS (
            SELECT r.full_name AS repository, f.number, p.title, f.author_login AS author,
                   CASE WHEN p.draft THEN 'draft'
                        WHEN f.approved_at IS NOT NULL THEN 'approved'
                        WHEN f.first_response_at IS NOT NULL THEN 'in_review'
                        ELSE 'waiting_for_review' END AS stage,
                   f.created_at,
                   CASE WHEN p.draft THEN f.created_at
                        WHEN f.approved_at IS NOT NULL THEN f.approved_at
                        WHEN f.first_response_at IS NOT NULL THEN f.first_response_at
                        ELSE f.ready_at END AS stage_at,
                   f.lines_changed
              FROM pull_request_facts f
              JOIN pull_requests p ON p.repository_id = f.repository_id AND p.number = f.number
              JOIN repositories r ON r.github_id = f.repository_id
             WHERE f.repository_id = ANY($1) AND NOT f.is_bot AND p.state = 'open'
               AND f.created_at <= $2)
         SELECT repository, number, title, author, stage,
                {opened} AS opened_at,
                extract(epoch FROM $2 - created_at)::float8 / 3600 AS age_hours,
                greatest(extract(epoch FROM $2 - stage_at)::float8 / 3600, 0) AS stage_hours,
                lines_changed,
                count(*) OVER () AS total
           FROM o {filter}
          ORDER BY {order}, repository, number
          LIMIT $3",
        opened = rfc3339("created_at"),
        order = if waiting_only {
            "stage_at"
        } else {
            "created_at"
        },
    );
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        pull: wire::OpenPullRequest,
        total: i64,
    }
    let rows: Vec<Row> = sqlx::query_as(&sql)
        .bind(repositories)
        .bind(now)
        .bind(limit)
        .fetch_all(pool)
        .await?;
    let total = rows.first().map_or(0, |r| r.total);
    Ok(wire::OpenPullRequests {
        total,
        list: rows.into_iter().map(|r| r.pull).collect(),
    })
}

/// Who did the work in `[from, to)`: per person, commits by people authored on the default
/// branch (by GitHub account, else e-mail, else name, as `contributors_active`), pull
/// requests by people merged, and reviews submitted on someone else's pull request by
/// people (METRICS.md, "Bots": a login ending in `[bot]` or in the repository's
/// `bot_logins` is a bot's). People are matched across the three by
/// login (a commit without a GitHub account shows its author's name). Most commits first,
/// then merges, reviews and name; at most `limit`, with how many there are in all. The
/// heatmap counts the same commits by UTC weekday and hour.
pub async fn contributors(
    pool: &PgPool,
    repositories: &[i64],
    (from, to): (DateTime<Utc>, DateTime<Utc>),
    limit: usize,
) -> Result<wire::Contributors, sqlx::Error> {
    use std::collections::HashMap;
    let commits: Vec<(String, String, i64)> = sqlx::query_as(&format!(
        "SELECT {AUTHOR}, max(coalesce(author_login, author_name, author_email)), count(*)
           FROM commits
          WHERE repository_id = ANY($1) AND authored_at >= $2 AND authored_at < $3
            AND {BY_PEOPLE} AND {AUTHOR} IS NOT NULL
          GROUP BY 1"
    ))
    .bind(repositories)
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await?;
    let merged: Vec<(String, i64)> = sqlx::query_as(
        "SELECT author_login, count(*) FROM pull_request_facts
          WHERE repository_id = ANY($1) AND merged_at >= $2 AND merged_at < $3
            AND NOT is_bot AND author_login IS NOT NULL
          GROUP BY 1",
    )
    .bind(repositories)
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await?;
    let reviews: Vec<(String, i64)> = sqlx::query_as(&format!(
        "SELECT v.reviewer_login, count(*) FROM pull_request_reviews v
           JOIN pull_requests p ON p.repository_id = v.repository_id AND p.number = v.pull_number
          WHERE v.repository_id = ANY($1) AND v.submitted_at >= $2 AND v.submitted_at < $3
            AND v.reviewer_login IS NOT NULL AND v.reviewer_login NOT LIKE '%[bot]'
            AND NOT {configured_bot}
            AND v.reviewer_login IS DISTINCT FROM p.author_login
          GROUP BY 1",
        configured_bot =
            crate::db::settings::configured_bot_sql("v.reviewer_login", "v.repository_id"),
    ))
    .bind(repositories)
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await?;
    let heat: Vec<(i32, i32, i64)> = sqlx::query_as(&format!(
        "SELECT extract(isodow FROM authored_at AT TIME ZONE 'UTC')::int - 1,
                extract(hour FROM authored_at AT TIME ZONE 'UTC')::int, count(*)
           FROM commits
          WHERE repository_id = ANY($1) AND authored_at >= $2 AND authored_at < $3
            AND {BY_PEOPLE} AND {AUTHOR} IS NOT NULL
          GROUP BY 1, 2"
    ))
    .bind(repositories)
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await?;

    let mut people: HashMap<String, wire::Contributor> = HashMap::new();
    // Several e-mails of one login are one person: they share the login shown.
    let mut add = |who: &str, f: &dyn Fn(&mut wire::Contributor)| {
        let c = people
            .entry(who.to_string())
            .or_insert_with(|| wire::Contributor {
                who: who.to_string(),
                commits: 0,
                pull_requests_merged: 0,
                reviews: 0,
            });
        f(c);
    };
    for (_, shown, n) in &commits {
        add(shown, &|c| c.commits += n);
    }
    for (who, n) in &merged {
        add(who, &|c| c.pull_requests_merged += n);
    }
    for (who, n) in &reviews {
        add(who, &|c| c.reviews += n);
    }
    let mut leaderboard: Vec<wire::Contributor> = people.into_values().collect();
    leaderboard.sort_by(|a, b| {
        (b.commits, b.pull_requests_merged, b.reviews)
            .cmp(&(a.commits, a.pull_requests_merged, a.reviews))
            .then_with(|| a.who.cmp(&b.who))
    });
    let total = leaderboard.len() as i64;
    leaderboard.truncate(limit);
    let mut heatmap = vec![vec![0i64; 24]; 7];
    for (day, hour, n) in heat {
        if let (Ok(d), Ok(h)) = (usize::try_from(day), usize::try_from(hour)) {
            if d < 7 && h < 24 {
                heatmap[d][h] += n;
            }
        }
    }
    Ok(wire::Contributors {
        leaderboard,
        total,
        heatmap,
    })
}

/// GitHub deployments per repository and environment created in `[from, to)`: how many,
/// how many succeeded (any `success` status), how many failed (latest status `failure` or
/// `error`), the latest success; and whether the repository's production deployments
/// (its deployment source, METRICS.md "Deployments") include the environment. A
/// repository whose source is not GitHub's Deployments shows its production deployments
/// by environment from that source instead (workflow runs: the workflow's name; releases
/// and merged pull requests: `production`), counted as succeeded. Busiest first.
pub async fn environments(
    pool: &PgPool,
    repositories: &[i64],
    (from, to): (DateTime<Utc>, DateTime<Utc>),
) -> Result<Vec<wire::EnvironmentDeployments>, sqlx::Error> {
    let sql = format!(
        "WITH d AS (
            SELECT d.repository_id, d.environment,
                   (SELECT min(s.created_at) FROM deployment_statuses s
                     WHERE s.deployment_id = d.github_id AND s.state = 'success') AS succeeded_at,
                   (SELECT s.state FROM deployment_statuses s
                     WHERE s.deployment_id = d.github_id
                     ORDER BY s.created_at DESC, s.node_id DESC LIMIT 1) AS latest
              FROM deployments d
             WHERE d.repository_id = ANY($1) AND d.created_at >= $2 AND d.created_at < $3),
         github AS (
            SELECT repository_id, environment, count(*) AS deployments,
                   count(succeeded_at) AS succeeded,
                   count(*) FILTER (WHERE latest IN ('failure', 'error')) AS failed,
                   max(succeeded_at) AS last_success
              FROM d GROUP BY 1, 2),
         production AS (
            SELECT repository_id, environment, source, count(*) AS n, max(succeeded_at) AS last_success
              FROM production_deployments
             WHERE repository_id = ANY($1) AND succeeded_at >= $2 AND succeeded_at < $3
             GROUP BY 1, 2, 3),
         ever AS (SELECT DISTINCT repository_id, environment FROM production_deployments
                   WHERE repository_id = ANY($1))
         SELECT r.full_name AS repository, g.environment,
                EXISTS (SELECT 1 FROM ever e WHERE e.repository_id = g.repository_id
                                                AND e.environment = g.environment) AS production,
                g.deployments, g.succeeded, g.failed, {last_g} AS last_success
           FROM github g JOIN repositories r ON r.github_id = g.repository_id
         UNION ALL
         SELECT r.full_name, p.environment, true, p.n, p.n, NULL::bigint, {last_p}
           FROM production p JOIN repositories r ON r.github_id = p.repository_id
          WHERE p.source <> 'deployments'
            AND NOT EXISTS (SELECT 1 FROM github g WHERE g.repository_id = p.repository_id
                                                      AND g.environment = p.environment)
          ORDER BY 4 DESC, 1, 2",
        last_g = rfc3339("g.last_success"),
        last_p = rfc3339("p.last_success"),
    );
    sqlx::query_as(&sql)
        .bind(repositories)
        .bind(from)
        .bind(to)
        .fetch_all(pool)
        .await
}

/// Releases published in `[from, to)`, drafts left out, newest first, at most `limit`.
pub async fn releases(
    pool: &PgPool,
    repositories: &[i64],
    (from, to): (DateTime<Utc>, DateTime<Utc>),
    limit: i64,
) -> Result<Vec<wire::ReleaseRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT r.full_name AS repository, x.tag_name, x.name, x.prerelease,
                x.author_login AS author, {published} AS published_at
           FROM releases x JOIN repositories r ON r.github_id = x.repository_id
          WHERE x.repository_id = ANY($1) AND NOT x.draft
            AND x.published_at >= $2 AND x.published_at < $3
          ORDER BY x.published_at DESC, x.github_id DESC
          LIMIT $4",
        published = rfc3339("x.published_at"),
    ))
    .bind(repositories)
    .bind(from)
    .bind(to)
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// What happened in `[from, to)`, newest first, at most `limit`: pull requests opened and
/// merged, issues opened and closed, releases published (not drafts) and production
/// deployments (by the repository's deployment source, at their first success).
pub async fn activity(
    pool: &PgPool,
    repositories: &[i64],
    (from, to): (DateTime<Utc>, DateTime<Utc>),
    limit: i64,
) -> Result<Vec<wire::ActivityEvent>, sqlx::Error> {
    sqlx::query_as(&format!(
        "WITH e AS (
            SELECT created_at AS at, 'pull_request_opened' AS kind, repository_id, number,
                   title, author_login AS actor
              FROM pull_requests WHERE repository_id = ANY($1) AND created_at >= $2 AND created_at < $3
            UNION ALL
            SELECT merged_at, 'pull_request_merged', repository_id, number, title, author_login
              FROM pull_requests WHERE repository_id = ANY($1) AND merged_at >= $2 AND merged_at < $3
            UNION ALL
            SELECT created_at, 'issue_opened', repository_id, number, title, author_login
              FROM issues WHERE repository_id = ANY($1) AND created_at >= $2 AND created_at < $3
            UNION ALL
            SELECT closed_at, 'issue_closed', repository_id, number, title, NULL
              FROM issues WHERE repository_id = ANY($1) AND closed_at >= $2 AND closed_at < $3
            UNION ALL
            SELECT published_at, 'release_published', repository_id, NULL,
                   coalesce(nullif(name, ''), tag_name), author_login
              FROM releases WHERE repository_id = ANY($1) AND NOT draft
               AND published_at >= $2 AND published_at < $3
            UNION ALL
            SELECT succeeded_at, 'deployment', repository_id, NULL,
                   environment || ' ' || left(sha, 7), NULL
              FROM production_deployments WHERE repository_id = ANY($1)
               AND succeeded_at >= $2 AND succeeded_at < $3)
         SELECT {at} AS at, e.kind, r.full_name AS repository, e.number, e.title, e.actor
           FROM e JOIN repositories r ON r.github_id = e.repository_id
          ORDER BY e.at DESC, e.kind, e.number DESC NULLS LAST
          LIMIT $4",
        at = rfc3339("e.at"),
    ))
    .bind(repositories)
    .bind(from)
    .bind(to)
    .bind(limit)
    .fetch_all(pool)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    /// The leaderboard's reviews are people's (METRICS.md, "Bots"), by hand: on bob's #1,
    /// in March, carol reviews twice, the configured bot `Deploy-Robot` once (its login
    /// written `deploy-robot` there), `renovate[bot]` once and bob himself once; carol's
    /// review in April is outside the period. So one person, carol, with 2 reviews.
    #[tokio::test]
    async fn leaderboard_reviews_leave_out_every_kind_of_bot_by_hand() {
        let pool = crate::testing::fresh_database().await;
        crate::testing::insert_repository(&pool, 1, "acme/api", &[]).await;
        let settings = crate::db::settings::RepositorySettings {
            bot_logins: vec!["Deploy-Robot".into()],
            ..Default::default()
        };
        let mut conn = pool.acquire().await.unwrap();
        crate::db::settings::set(&mut conn, 1, &settings)
            .await
            .unwrap();
        sqlx::query(
            "INSERT INTO pull_requests (github_id, repository_id, number, title, state, draft,
                    author_login, base_ref, head_ref, created_at, updated_at)
             VALUES (1, 1, 1, 'Add a feature', 'open', false, 'bob', 'main', 'topic',
                     '2026-03-01T00:00:00Z', '2026-03-01T00:00:00Z')",
        )
        .execute(&pool)
        .await
        .unwrap();
        let reviews = [
            ("carol", "2026-03-02T00:00:00Z"),
            ("carol", "2026-03-03T00:00:00Z"),
            ("deploy-robot", "2026-03-04T00:00:00Z"),
            ("renovate[bot]", "2026-03-05T00:00:00Z"),
            ("bob", "2026-03-06T00:00:00Z"),
            ("carol", "2026-04-02T00:00:00Z"),
        ];
        for (k, (login, at)) in reviews.into_iter().enumerate() {
            sqlx::query(
                "INSERT INTO pull_request_reviews (github_id, repository_id, pull_number,
                        reviewer_login, state, submitted_at)
                 VALUES ($1, 1, 1, $2, 'COMMENTED', $3)",
            )
            .bind(k as i64 + 1)
            .bind(login)
            .bind(t(at))
            .execute(&pool)
            .await
            .unwrap();
        }
        let c = contributors(
            &pool,
            &[1],
            (t("2026-03-01T00:00:00Z"), t("2026-04-01T00:00:00Z")),
            50,
        )
        .await
        .unwrap();
        assert_eq!(
            c.leaderboard,
            vec![wire::Contributor {
                who: "carol".into(),
                commits: 0,
                pull_requests_merged: 0,
                reviews: 2,
            }]
        );
        assert_eq!(c.total, 1);
    }

    /// Open pull requests' stages and order, by hand: at 2026-03-10 00:00, #10 ready
    /// since 03-05 with no response (waiting 5 days), #11 ready since 03-08 (waiting 2
    /// days), #12 answered on 03-03 (in review 7 days), #13 approved on 03-09 (1 day),
    /// #14 a draft opened 03-01; a bot's #15 and the closed #16 are not listed, nor #17
    /// opened after the moment asked.
    #[tokio::test]
    async fn open_pull_requests_by_stage_worked_out_by_hand() {
        let pool = crate::testing::fresh_database().await;
        crate::testing::insert_repository(&pool, 1, "acme/api", &[]).await;
        // (number, state, draft, bot, created, ready, first response, approved)
        #[allow(clippy::type_complexity)]
        let rows: [(
            i32,
            &str,
            bool,
            bool,
            &str,
            &str,
            Option<&str>,
            Option<&str>,
        ); 8] = [
            (
                10,
                "open",
                false,
                false,
                "2026-03-04T00:00:00Z",
                "2026-03-05T00:00:00Z",
                None,
                None,
            ),
            (
                11,
                "open",
                false,
                false,
                "2026-03-02T00:00:00Z",
                "2026-03-08T00:00:00Z",
                None,
                None,
            ),
            (
                12,
                "open",
                false,
                false,
                "2026-03-02T12:00:00Z",
                "2026-03-02T12:00:00Z",
                Some("2026-03-03T00:00:00Z"),
                None,
            ),
            (
                13,
                "open",
                false,
                false,
                "2026-03-06T00:00:00Z",
                "2026-03-06T00:00:00Z",
                Some("2026-03-07T00:00:00Z"),
                Some("2026-03-09T00:00:00Z"),
            ),
            (
                14,
                "open",
                true,
                false,
                "2026-03-01T00:00:00Z",
                "2026-03-01T00:00:00Z",
                None,
                None,
            ),
            (
                15,
                "open",
                false,
                true,
                "2026-02-01T00:00:00Z",
                "2026-02-01T00:00:00Z",
                None,
                None,
            ),
            (
                16,
                "closed",
                false,
                false,
                "2026-02-01T00:00:00Z",
                "2026-02-01T00:00:00Z",
                None,
                None,
            ),
            (
                17,
                "open",
                false,
                false,
                "2026-03-11T00:00:00Z",
                "2026-03-11T00:00:00Z",
                None,
                None,
            ),
        ];
        for (n, state, draft, bot, created, ready, response, approved) in rows {
            sqlx::query(
                "INSERT INTO pull_requests (github_id, repository_id, number, title, state, draft,
                        author_login, base_ref, head_ref, created_at, updated_at, closed_at)
                 VALUES ($1, 1, $1, 'PR ' || $1, $2, $3, 'bob', 'main', 'topic', $4, $4,
                         CASE WHEN $2 = 'closed' THEN $4 END)",
            )
            .bind(n)
            .bind(state)
            .bind(draft)
            .bind(t(created))
            .execute(&pool)
            .await
            .unwrap();
            sqlx::query(
                "INSERT INTO pull_request_facts (repository_id, number, author_login, is_bot, state,
                        created_at, ready_at, first_response_at, approved_at, reviews, closed_at)
                 VALUES (1, $1, 'bob', $2, $3, $4, $5, $6, $7, 0, CASE WHEN $3 = 'closed' THEN $4 END)",
            )
            .bind(n)
            .bind(bot)
            .bind(state)
            .bind(t(created))
            .bind(t(ready))
            .bind(response.map(t))
            .bind(approved.map(t))
            .execute(&pool)
            .await
            .unwrap();
        }
        let now = t("2026-03-10T00:00:00Z");
        let all = open_pull_requests(&pool, &[1], now, false, 10)
            .await
            .unwrap();
        let got: Vec<(i32, &str, f64, f64)> = all
            .list
            .iter()
            .map(|p| (p.number, p.stage.as_str(), p.age_hours, p.stage_hours))
            .collect();
        // Oldest first: #14 (03-01), #11 (03-02 00:00), #12 (03-02 12:00), #10, #13.
        assert_eq!(
            got,
            vec![
                (14, "draft", 216.0, 216.0),
                (11, "waiting_for_review", 192.0, 48.0),
                (12, "in_review", 180.0, 168.0),
                (10, "waiting_for_review", 144.0, 120.0),
                (13, "approved", 96.0, 24.0),
            ]
        );
        assert_eq!(all.total, 5);
        // Waiting only, longest waiting first: #10 (5 days) then #11 (2 days); a limit of
        // one lists #10 and counts both.
        let waiting = open_pull_requests(&pool, &[1], now, true, 1).await.unwrap();
        assert_eq!(waiting.total, 2);
        assert_eq!(waiting.list.len(), 1);
        assert_eq!(
            (waiting.list[0].number, waiting.list[0].stage_hours),
            (10, 120.0)
        );
    }
}
