//! User-defined repository groups (`repository_groups`): a person's own named sets of the
//! repositories they may see, each a scope of reports (`group:NAME`) for them only.

use sqlx::PgPool;

/// The longest name a group may have, in characters.
pub const NAME_MAX: usize = 60;

/// Checks a group's name: 1 to [`NAME_MAX`] characters after trimming, no `/` (a scope
/// names a group as `group:NAME`), no control character.
///
/// Errors: [`crate::Error::Invalid`] saying why.
pub fn check_name(name: &str) -> crate::Result<&str> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > NAME_MAX {
        return Err(crate::Error::Invalid(format!(
            "group name: 1 to {NAME_MAX} characters"
        )));
    }
    if name.contains('/') || name.chars().any(char::is_control) {
        return Err(crate::Error::Invalid(format!(
            "group name {name:?}: no \"/\" and no control characters"
        )));
    }
    Ok(name)
}

/// The user's groups by name, each with the repositories of it the user may still see.
pub async fn list(pool: &PgPool, user_id: i64) -> Result<Vec<wire::RepositoryGroup>, sqlx::Error> {
    sqlx::query_as(
        "SELECT g.name,
                coalesce(array_agg(r.full_name ORDER BY lower(r.full_name))
                         FILTER (WHERE r.full_name IS NOT NULL), '{}') AS repositories
           FROM repository_groups g
           LEFT JOIN repository_group_members m ON m.group_id = g.id
           LEFT JOIN repository_access a ON a.repository_id = m.repository_id AND a.user_id = g.user_id
           LEFT JOIN repositories r ON r.github_id = a.repository_id
          WHERE g.user_id = $1
          GROUP BY g.id, g.name
          ORDER BY lower(g.name)",
    )
    .bind(user_id)
    .fetch_all(pool)
    .await
}

/// Creates the user's group `name` or replaces its repositories (matched by name, case
/// aside) with `repositories` (`owner/name`, each one the user may see).
///
/// Errors: [`crate::Error::Invalid`] for a bad name, no repository, or a repository the
/// user may not see (named).
pub async fn save(
    pool: &PgPool,
    user_id: i64,
    name: &str,
    repositories: &[String],
) -> crate::Result<wire::RepositoryGroup> {
    let name = check_name(name)?;
    if repositories.is_empty() {
        return Err(crate::Error::Invalid(format!(
            "group {name:?}: pick at least one repository"
        )));
    }
    let mut tx = pool.begin().await?;
    let found: Vec<(i64, String)> = sqlx::query_as(
        "SELECT r.github_id, lower(r.full_name) FROM repositories r
           JOIN repository_access a ON a.repository_id = r.github_id AND a.user_id = $1
          WHERE lower(r.full_name) = ANY($2)",
    )
    .bind(user_id)
    .bind(
        repositories
            .iter()
            .map(|r| r.trim().to_lowercase())
            .collect::<Vec<_>>(),
    )
    .fetch_all(&mut *tx)
    .await?;
    if let Some(missing) = repositories
        .iter()
        .find(|r| !found.iter().any(|(_, n)| *n == r.trim().to_lowercase()))
    {
        return Err(crate::Error::Invalid(format!(
            "group {name:?}: {missing} is not a repository you may see"
        )));
    }
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO repository_groups (user_id, name) VALUES ($1, $2)
         ON CONFLICT (user_id, lower(name)) DO UPDATE SET name = EXCLUDED.name
         RETURNING id",
    )
    .bind(user_id)
    .bind(name)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM repository_group_members WHERE group_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO repository_group_members (group_id, repository_id)
         SELECT $1, unnest($2::bigint[]) ON CONFLICT DO NOTHING",
    )
    .bind(id)
    .bind(found.iter().map(|(id, _)| *id).collect::<Vec<_>>())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(list(pool, user_id)
        .await?
        .into_iter()
        .find(|g| g.name == name)
        .unwrap_or(wire::RepositoryGroup {
            name: name.to_string(),
            repositories: vec![],
        }))
}

/// Deletes the user's group `name` (case aside); whether there was one.
pub async fn delete(pool: &PgPool, user_id: i64, name: &str) -> Result<bool, sqlx::Error> {
    let done =
        sqlx::query("DELETE FROM repository_groups WHERE user_id = $1 AND lower(name) = lower($2)")
            .bind(user_id)
            .bind(name.trim())
            .execute(pool)
            .await?;
    Ok(done.rows_affected() > 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::metrics::{scope_repositories, ScopeName};

    use crate::testing::{insert_repository as repository, insert_user as user};

    /// A group is its maker's: a scope of the repositories they picked and may see,
    /// replaced by saving it again under the same name (case aside), unknown to others,
    /// and refused with a repository its maker may not see.
    #[tokio::test]
    async fn a_group_is_a_scope_of_its_makers_picks() {
        let pool = crate::testing::fresh_database().await;
        let (alice, bob) = (user(&pool, 1, "alice").await, user(&pool, 2, "bob").await);
        repository(&pool, 10, "acme/api", &[alice, bob]).await;
        repository(&pool, 11, "acme/web", &[alice]).await;
        repository(&pool, 12, "acme/secret", &[bob]).await;
        let scope = |name: &str| ScopeName::Group(name.into());
        let names = |r: Vec<(i64, String)>| r.into_iter().map(|(_, n)| n).collect::<Vec<_>>();

        let g = save(
            &pool,
            alice,
            " Product ",
            &["acme/web".into(), "ACME/api".into()],
        )
        .await
        .unwrap();
        assert_eq!(g.name, "Product");
        assert_eq!(g.repositories, vec!["acme/api", "acme/web"]);
        assert_eq!(
            names(
                scope_repositories(&pool, alice, &scope("product"))
                    .await
                    .unwrap()
            ),
            vec!["acme/api", "acme/web"]
        );
        // Bob has no such group, though he sees acme/api.
        assert!(scope_repositories(&pool, bob, &scope("Product"))
            .await
            .unwrap()
            .is_empty());
        // Saved again: its repositories replaced.
        save(&pool, alice, "product", &["acme/api".into()])
            .await
            .unwrap();
        let all = list(&pool, alice).await.unwrap();
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].repositories, vec!["acme/api"]);
        // A repository alice may not see, none, or a bad name: refused, nothing changed.
        let refused = save(&pool, alice, "product", &["acme/secret".into()]).await;
        assert!(matches!(refused, Err(crate::Error::Invalid(m)) if m.contains("acme/secret")));
        assert!(matches!(
            save(&pool, alice, "x", &[]).await,
            Err(crate::Error::Invalid(_))
        ));
        assert!(matches!(
            save(&pool, alice, "a/b", &["acme/api".into()]).await,
            Err(crate::Error::Invalid(_))
        ));
        assert_eq!(list(&pool, alice).await.unwrap(), all);
        // Deleted: no longer a scope.
        assert!(delete(&pool, alice, "PRODUCT").await.unwrap());
        assert!(!delete(&pool, alice, "PRODUCT").await.unwrap());
        assert!(scope_repositories(&pool, alice, &scope("product"))
            .await
            .unwrap()
            .is_empty());
    }
}
