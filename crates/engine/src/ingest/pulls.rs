//! Pull requests and reviews: GraphQL's `PullRequest` (with up to 20 reviews embedded) and
//! REST's review listing, to `db::pulls` rows.

use crate::db::pulls::{CommentRow, PullRow, ReviewRow};
use crate::github::models::{gql, GhReview};

/// A pull request as GraphQL reports it. States are REST's (`open`, `closed`); a merged
/// pull request is closed with `merged_at` set. The first commit's author date and the
/// first "ready for review" event are kept for cycle-time stages.
pub fn pull_request(repository_id: i64, p: &gql::PullRequest) -> PullRow {
    PullRow {
        github_id: p.database_id,
        repository_id,
        number: p.number,
        title: p.title.clone(),
        state: if p.state == "OPEN" { "open" } else { "closed" }.into(),
        draft: p.is_draft,
        author_github_id: p.author.as_ref().and_then(|a| a.database_id),
        author_login: p.author.as_ref().map(|a| a.login.clone()),
        author_type: p.author.as_ref().and_then(|a| a.typename.clone()),
        author_association: Some(p.author_association.clone()),
        base_ref: p.base_ref_name.clone(),
        head_ref: p.head_ref_name.clone(),
        head_sha: Some(p.head_ref_oid.clone()),
        merge_commit_sha: p.merge_commit.as_ref().map(|c| c.oid.clone()),
        created_at: p.created_at,
        updated_at: p.updated_at,
        closed_at: p.closed_at,
        merged_at: p.merged_at,
        additions: p.additions,
        deletions: p.deletions,
        changed_files: p.changed_files,
        commits_count: Some(p.commits.total_count),
        comments_count: p.total_comments_count,
        merged_by_github_id: p.merged_by.as_ref().and_then(|a| a.database_id),
        merged_by_login: p.merged_by.as_ref().map(|a| a.login.clone()),
        first_commit_at: p.commits.nodes.first().and_then(|c| c.commit.authored_date),
        ready_for_review_at: p.timeline_items.nodes.iter().find_map(|e| e.created_at),
        labels: p.labels.nodes.iter().map(|l| l.name.clone()).collect(),
    }
}

/// The reviews GraphQL embedded in a pull request; `None` when it holds only some of
/// them (then they are listed through REST with [`review`]).
pub fn embedded_reviews(repository_id: i64, p: &gql::PullRequest) -> Option<Vec<ReviewRow>> {
    if p.reviews.total_count as usize > p.reviews.nodes.len() {
        return None;
    }
    Some(
        p.reviews
            .nodes
            .iter()
            .map(|r| ReviewRow {
                github_id: r.database_id,
                repository_id,
                pull_number: p.number,
                reviewer_github_id: r.author.as_ref().and_then(|a| a.database_id),
                reviewer_login: r.author.as_ref().map(|a| a.login.clone()),
                state: r.state.clone(),
                submitted_at: r.submitted_at,
            })
            .collect(),
    )
}

/// The first conversation comments GraphQL embedded in a pull request.
pub fn first_comments(repository_id: i64, p: &gql::PullRequest) -> Vec<CommentRow> {
    p.comments
        .nodes
        .iter()
        .map(|c| CommentRow {
            github_id: c.database_id,
            repository_id,
            issue_number: p.number,
            author_login: c.author.as_ref().map(|a| a.login.clone()),
            author_type: c.author.as_ref().and_then(|a| a.typename.clone()),
            created_at: c.created_at,
        })
        .collect()
}

/// A review from `GET /repos/{owner}/{repo}/pulls/{number}/reviews`.
pub fn review(repository_id: i64, pull_number: i64, r: GhReview) -> ReviewRow {
    ReviewRow {
        github_id: r.id,
        repository_id,
        pull_number,
        reviewer_github_id: r.user.as_ref().map(|u| u.id),
        reviewer_login: r.user.map(|u| u.login),
        state: r.state,
        submitted_at: r.submitted_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One node of the `pull_requests.graphql` answer, shaped as GitHub sends it.
    fn merged_pull() -> gql::PullRequest {
        serde_json::from_value(serde_json::json!({
            "databaseId": 9001, "number": 42, "title": "Add retries", "state": "MERGED",
            "isDraft": false, "createdAt": "2026-10-01T09:00:00Z",
            "updatedAt": "2026-10-03T12:00:00Z", "closedAt": "2026-10-03T11:00:00Z",
            "mergedAt": "2026-10-03T11:00:00Z",
            "author": {"__typename": "User", "login": "alice", "databaseId": 1001},
            "mergedBy": {"login": "bob", "databaseId": 1002},
            "authorAssociation": "MEMBER", "additions": 120, "deletions": 30,
            "changedFiles": 4, "baseRefName": "main", "headRefName": "feature/42-retries",
            "headRefOid": "abc123", "mergeCommit": {"oid": "def456"},
            "totalCommentsCount": 3,
            "commits": {"totalCount": 2, "nodes": [{"commit": {"authoredDate": "2026-09-30T17:00:00Z"}}]},
            "reviews": {"totalCount": 1, "nodes": [{"databaseId": 77, "state": "APPROVED",
                "submittedAt": "2026-10-02T10:00:00Z", "author": {"login": "bob", "databaseId": 1002}}]},
            "comments": {"totalCount": 1, "nodes": [{"databaseId": 88,
                "createdAt": "2026-10-01T16:00:00Z", "author": {"__typename": "Bot", "login": "ci[bot]"}}]},
            "timelineItems": {"nodes": [{"createdAt": "2026-10-01T15:00:00Z"}]},
            "labels": {"nodes": [{"name": "bug"}, {"name": "ci"}]}
        }))
        .unwrap()
    }

    #[test]
    fn a_merged_pull_request_is_closed_with_its_merge_time_and_stages() {
        let row = pull_request(5, &merged_pull());
        assert_eq!(
            (row.github_id, row.repository_id, row.number),
            (9001, 5, 42)
        );
        assert_eq!(row.state, "closed");
        assert_eq!(
            row.merged_at.unwrap().to_rfc3339(),
            "2026-10-03T11:00:00+00:00"
        );
        assert_eq!(
            row.first_commit_at.unwrap().to_rfc3339(),
            "2026-09-30T17:00:00+00:00"
        );
        assert_eq!(
            row.ready_for_review_at.unwrap().to_rfc3339(),
            "2026-10-01T15:00:00+00:00"
        );
        assert_eq!(row.merged_by_login.as_deref(), Some("bob"));
        assert_eq!(row.commits_count, Some(2));
        assert_eq!(row.labels, ["bug", "ci"]);
        assert_eq!(row.merge_commit_sha.as_deref(), Some("def456"));
        assert_eq!(row.author_type.as_deref(), Some("User"));
        let comments = first_comments(5, &merged_pull());
        assert_eq!((comments[0].github_id, comments[0].issue_number), (88, 42));
        assert_eq!(comments[0].author_type.as_deref(), Some("Bot"));
    }

    #[test]
    fn reviews_come_embedded_only_when_all_are() {
        let mut p = merged_pull();
        let reviews = embedded_reviews(5, &p).unwrap();
        assert_eq!(reviews.len(), 1);
        assert_eq!((reviews[0].github_id, reviews[0].pull_number), (77, 42));
        assert_eq!(reviews[0].reviewer_login.as_deref(), Some("bob"));
        p.reviews.total_count = 21;
        assert!(embedded_reviews(5, &p).is_none());
    }
}
