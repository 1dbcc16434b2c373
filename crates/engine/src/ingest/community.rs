//! Stargazers (REST and GraphQL), forks and contributors (REST).

use crate::db::community::{ContributorRow, ForkRow, StarRow};
use crate::github::models::{gql, GhContributor, GhFork, GhStargazer};

/// A stargazer with `starred_at` (the `application/vnd.github.star+json` listing).
pub fn stargazer(repository_id: i64, s: GhStargazer) -> StarRow {
    StarRow {
        repository_id,
        user_github_id: s.user.id,
        login: s.user.login,
        starred_at: s.starred_at,
    }
}

/// A stargazer from GraphQL's `stargazers` connection (an edge: when, and who); none for
/// an account without a database id.
pub fn star_edge(repository_id: i64, e: &gql::StarEdge) -> Option<StarRow> {
    Some(StarRow {
        repository_id,
        user_github_id: e.node.database_id?,
        login: e.node.login.clone(),
        starred_at: e.starred_at,
    })
}

pub fn fork(repository_id: i64, f: GhFork) -> ForkRow {
    ForkRow {
        github_id: f.id,
        repository_id,
        full_name: f.full_name,
        owner_login: f.owner.login,
        created_at: f.created_at,
    }
}

/// A contributor with a GitHub account; `None` for anonymous contributors (an email
/// without an account), which the listing includes only when asked to.
pub fn contributor(repository_id: i64, c: GhContributor) -> Option<ContributorRow> {
    Some(ContributorRow {
        repository_id,
        user_github_id: c.id?,
        login: c.login?,
        contributions: c.contributions,
    })
}
