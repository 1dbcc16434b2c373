//! Commits of the default branch's history (GraphQL).

use crate::db::commits::CommitRow;
use crate::github::models::gql;

/// A commit with its first parent, its author (the GitHub account when GitHub matched the
/// author's email to one) and its size. A commit GitHub reports without an author date
/// (malformed in the commit itself) takes its commit date.
pub fn commit(repository_id: i64, c: &gql::HistoryCommit) -> CommitRow {
    let author = c.author.as_ref();
    let user = author.and_then(|a| a.user.as_ref());
    CommitRow {
        repository_id,
        sha: c.oid.clone(),
        parent_sha: c.parents.nodes.first().map(|p| p.oid.clone()),
        author_github_id: user.and_then(|u| u.database_id),
        author_login: user.map(|u| u.login.clone()),
        author_name: author.and_then(|a| a.name.clone()),
        author_email: author.and_then(|a| a.email.clone()),
        authored_at: c.authored_date.unwrap_or(c.committed_date),
        committed_at: c.committed_date,
        additions: c.additions,
        deletions: c.deletions,
        message_headline: c.message_headline.clone(),
    }
}
