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

/// Stores one team with exactly these members and repositories, as `user_id`'s listing
/// shows it (the user may see the team from now on).
pub async fn replace_team(
    conn: &mut Conn,
    user_id: i64,
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
    sqlx::query(
        "INSERT INTO team_access (user_id, team_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(user_id)
    .bind(team.id)
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

/// Forgets the organisation's teams `user_id`'s listing no longer shows (another
/// person's listing, an owner's with secret teams, say, is left as it is), then the
/// teams nobody's listing shows any more.
pub async fn retain_teams(
    conn: &mut Conn,
    user_id: i64,
    organization_id: i64,
    keep: &[i64],
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "DELETE FROM team_access a USING teams t
          WHERE a.team_id = t.github_id AND a.user_id = $1 AND t.organization_id = $2
            AND NOT (t.github_id = ANY($3))",
    )
    .bind(user_id)
    .bind(organization_id)
    .bind(keep)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "DELETE FROM teams t WHERE t.organization_id = $1
            AND NOT EXISTS (SELECT 1 FROM team_access a WHERE a.team_id = t.github_id)",
    )
    .bind(organization_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// `teams t` with their `organizations o`: the teams GitHub listed to the user `$1`
/// (secret ones only to their members and the organisation's owners), of organisations
/// the user still belongs to. Every read of a person's teams starts from it.
macro_rules! visible_teams {
    () => {
        "teams t
           JOIN organizations o ON o.github_id = t.organization_id
           JOIN organization_access oa ON oa.organization_id = o.github_id AND oa.user_id = $1
           JOIN team_access ta ON ta.team_id = t.github_id AND ta.user_id = $1"
    };
}
pub(crate) use visible_teams;

/// The teams GitHub listed to the user ([`visible_teams`]), by organisation and name.
pub async fn teams_of(pool: &sqlx::PgPool, user_id: i64) -> Result<Vec<wire::Team>, sqlx::Error> {
    sqlx::query_as(concat!(
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
           FROM ",
        visible_teams!(),
        " ORDER BY lower(o.login), lower(t.name)"
    ))
    .bind(user_id)
    .fetch_all(pool)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::testing::insert_user as user;

    fn team(id: i64, slug: &str) -> GhTeam {
        GhTeam {
            id,
            slug: slug.into(),
            name: slug.into(),
            description: None,
        }
    }

    #[tokio::test]
    async fn a_team_is_shown_only_to_those_github_listed_it_to() {
        let pool = crate::testing::fresh_database().await;
        let (owner, member) = (
            user(&pool, 1, "owner").await,
            user(&pool, 2, "member").await,
        );
        let acme = GhOrganization {
            id: 100,
            login: "acme".into(),
            name: None,
        };
        let mut conn = pool.acquire().await.unwrap();
        for u in [owner, member] {
            replace_user_orgs(&mut conn, u, std::slice::from_ref(&acme))
                .await
                .unwrap();
        }
        // The owner's listing shows a secret team; the member's does not.
        for t in [team(7, "web"), team(8, "secret")] {
            replace_team(&mut conn, owner, acme.id, &t, &[], &[])
                .await
                .unwrap();
        }
        retain_teams(&mut conn, owner, acme.id, &[7, 8])
            .await
            .unwrap();
        replace_team(&mut conn, member, acme.id, &team(7, "web"), &[], &[])
            .await
            .unwrap();
        retain_teams(&mut conn, member, acme.id, &[7])
            .await
            .unwrap();
        let slugs = |rows: Vec<wire::Team>| rows.into_iter().map(|t| t.slug).collect::<Vec<_>>();
        assert_eq!(slugs(teams_of(&pool, member).await.unwrap()), ["web"]);
        // The member's refresh did not delete the secret team from the owner's view.
        assert_eq!(
            slugs(teams_of(&pool, owner).await.unwrap()),
            ["secret", "web"]
        );
        // Once no listing shows a team, it is gone.
        retain_teams(&mut conn, owner, acme.id, &[7]).await.unwrap();
        let left: i64 = sqlx::query_scalar("SELECT count(*) FROM teams")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(left, 1);
    }
}
