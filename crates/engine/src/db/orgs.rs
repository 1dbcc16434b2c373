//! Organisations, teams and their members and repositories, as GitHub lists them.

use crate::github::models::{GhAccount, GhOrganization, GhRepository, GhTeam};

type Conn = sqlx::PgConnection;

/// Stores the organisations GitHub lists for a user, and exactly those as the user's.
pub async fn replace_user_orgs(
    conn: &mut Conn,
    user_id: i64,
    orgs: &[GhOrganization],
) -> Result<(), sqlx::Error> {
    for o in orgs {
        sqlx::query(
            "INSERT INTO organizations (github_id, login, name) VALUES ($1, $2, $3)
             ON CONFLICT (github_id) DO UPDATE SET login = EXCLUDED.login,
                name = coalesce(EXCLUDED.name, organizations.name), fetched_at = now()",
        )
        .bind(o.id)
        .bind(&o.login)
        .bind(&o.name)
        .execute(&mut *conn)
        .await?;
    }
    let ids: Vec<i64> = orgs.iter().map(|o| o.id).collect();
    sqlx::query(
        "DELETE FROM organization_access WHERE user_id = $1 AND NOT (organization_id = ANY($2))",
    )
    .bind(user_id)
    .bind(&ids)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO organization_access (user_id, organization_id)
         SELECT $1, unnest($2::bigint[]) ON CONFLICT (user_id, organization_id)
         DO UPDATE SET verified_at = now()",
    )
    .bind(user_id)
    .bind(&ids)
    .execute(conn)
    .await?;
    Ok(())
}

/// Stores one team with exactly these members and repositories.
pub async fn replace_team(
    conn: &mut Conn,
    organization_id: i64,
    team: &GhTeam,
    members: &[GhAccount],
    repos: &[GhRepository],
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO teams (github_id, organization_id, slug, name, description)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (github_id) DO UPDATE SET slug = EXCLUDED.slug, name = EXCLUDED.name,
            description = EXCLUDED.description, fetched_at = now()",
    )
    .bind(team.id)
    .bind(organization_id)
    .bind(&team.slug)
    .bind(&team.name)
    .bind(&team.description)
    .execute(&mut *conn)
    .await?;
    // Members and repositories: exactly what GitHub listed.
    for table in ["team_members", "team_repositories"] {
        sqlx::query(&format!("DELETE FROM {table} WHERE team_id = $1"))
            .bind(team.id)
            .execute(&mut *conn)
            .await?;
    }
    let ids: Vec<i64> = members.iter().map(|m| m.id).collect();
    let logins: Vec<&str> = members.iter().map(|m| m.login.as_str()).collect();
    let repo_ids: Vec<i64> = repos.iter().map(|r| r.id).collect();
    sqlx::query(
        "WITH members AS (
            INSERT INTO team_members (team_id, user_github_id, login)
            SELECT $1, * FROM unnest($2::bigint[], $3::text[]))
         INSERT INTO team_repositories (team_id, repository_id) SELECT $1, unnest($4::bigint[])",
    )
    .bind(team.id)
    .bind(&ids)
    .bind(&logins)
    .bind(&repo_ids)
    .execute(conn)
    .await?;
    Ok(())
}

/// Removes the organisation's teams GitHub no longer lists.
pub async fn retain_teams(
    conn: &mut Conn,
    organization_id: i64,
    keep: &[i64],
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM teams WHERE organization_id = $1 AND NOT (github_id = ANY($2))")
        .bind(organization_id)
        .bind(keep)
        .execute(conn)
        .await?;
    Ok(())
}

/// A team of an organisation the user belongs to, as the teams page lists it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TeamRow {
    pub organization: String,
    pub slug: String,
    pub name: String,
    pub description: Option<String>,
    /// Members' logins, by name.
    pub members: Vec<String>,
    /// The team's repositories the user may see, `owner/name`.
    pub repositories: Vec<String>,
    /// Those of them Pulseboard has read (synced: they have rows).
    pub read: Vec<String>,
}

/// The teams of the organisations GitHub lists for the user, by organisation and name.
pub async fn teams_of(pool: &sqlx::PgPool, user_id: i64) -> Result<Vec<TeamRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT o.login AS organization, t.slug, t.name, t.description,
                coalesce((SELECT array_agg(m.login ORDER BY lower(m.login))
                            FROM team_members m WHERE m.team_id = t.github_id), '{}') AS members,
                coalesce((SELECT array_agg(r.full_name ORDER BY lower(r.full_name))
                            FROM team_repositories tr
                            JOIN repositories r ON r.github_id = tr.repository_id
                            JOIN repository_access a ON a.repository_id = r.github_id
                                                    AND a.user_id = $1
                           WHERE tr.team_id = t.github_id), '{}') AS repositories,
                coalesce((SELECT array_agg(r.full_name ORDER BY lower(r.full_name))
                            FROM team_repositories tr
                            JOIN repositories r ON r.github_id = tr.repository_id
                            JOIN repository_access a ON a.repository_id = r.github_id
                                                    AND a.user_id = $1
                           WHERE tr.team_id = t.github_id
                             AND EXISTS (SELECT 1 FROM metric_rollup_state s
                                          WHERE s.repository_id = r.github_id)), '{}') AS read
           FROM teams t
           JOIN organizations o ON o.github_id = t.organization_id
           JOIN organization_access oa ON oa.organization_id = o.github_id AND oa.user_id = $1
          ORDER BY lower(o.login), lower(t.name)",
    )
    .bind(user_id)
    .fetch_all(pool)
    .await
}
