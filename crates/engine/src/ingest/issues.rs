//! Issues from `GET /repos/{owner}/{repo}/issues`, whose listing also holds pull requests.

use crate::db::issues::IssueRow;
use crate::db::pulls::CommentRow;
use crate::github::models::{GhIssue, GhIssueComment};

/// An issue; `None` for a pull request (marked by `pull_request`), which is stored from
/// the pull request listing instead.
pub fn issue(repository_id: i64, i: &GhIssue) -> Option<IssueRow> {
    if i.pull_request.is_some() {
        return None;
    }
    Some(IssueRow {
        github_id: i.id,
        repository_id,
        number: i.number,
        title: i.title.clone(),
        state: i.state.clone(),
        state_reason: i.state_reason.clone(),
        author_github_id: i.user.as_ref().map(|u| u.id),
        author_login: i.user.as_ref().map(|u| u.login.clone()),
        labels: i.labels.iter().map(|l| l.name.clone()).collect(),
        assignees: i.assignees.iter().map(|a| a.login.clone()).collect(),
        comments_count: i.comments,
        created_at: i.created_at,
        updated_at: i.updated_at,
        closed_at: i.closed_at,
    })
}

/// A conversation comment; `None` when its `issue_url` names no issue number.
pub fn comment(repository_id: i64, c: &GhIssueComment) -> Option<CommentRow> {
    let number = c.issue_url.rsplit('/').next()?.parse().ok()?;
    Some(CommentRow {
        github_id: c.id,
        repository_id,
        issue_number: number,
        author_login: c.user.as_ref().map(|u| u.login.clone()),
        author_type: c.user.as_ref().and_then(|u| u.kind.clone()),
        created_at: c.created_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issues_are_kept_and_pull_requests_left_to_their_own_listing() {
        let items: Vec<GhIssue> = serde_json::from_value(serde_json::json!([
            {"id": 11, "number": 7, "title": "Crash on start", "state": "closed",
             "state_reason": "completed", "user": {"id": 1001, "login": "alice"},
             "labels": [{"name": "bug"}], "assignees": [{"id": 1002, "login": "bob"}],
             "comments": 4, "created_at": "2026-10-01T00:00:00Z",
             "updated_at": "2026-10-02T00:00:00Z", "closed_at": "2026-10-02T00:00:00Z"},
            {"id": 12, "number": 8, "title": "A pull request", "state": "open",
             "user": {"id": 1001, "login": "alice"}, "created_at": "2026-10-01T00:00:00Z",
             "updated_at": "2026-10-01T00:00:00Z", "closed_at": null,
             "pull_request": {"url": "https://api.github.com/repos/acme/api/pulls/8"}}
        ]))
        .unwrap();
        let rows: Vec<IssueRow> = items.iter().filter_map(|i| issue(3, i)).collect();
        assert_eq!(rows.len(), 1);
        let r = &rows[0];
        assert_eq!((r.github_id, r.repository_id, r.number), (11, 3, 7));
        assert_eq!(r.state_reason.as_deref(), Some("completed"));
        assert_eq!(r.labels, ["bug"]);
        assert_eq!(r.assignees, ["bob"]);
        assert_eq!(r.comments_count, 4);
    }

    #[test]
    fn a_comment_is_put_on_the_issue_its_url_names() {
        let c: GhIssueComment = serde_json::from_value(serde_json::json!({
            "id": 77, "user": {"id": 5, "login": "renovate[bot]", "type": "Bot"},
            "created_at": "2026-10-01T10:00:00Z", "updated_at": "2026-10-01T11:00:00Z",
            "issue_url": "https://api.github.com/repos/acme/api/issues/42"
        }))
        .unwrap();
        let row = comment(9, &c).unwrap();
        assert_eq!(
            (row.github_id, row.repository_id, row.issue_number),
            (77, 9, 42)
        );
        assert_eq!(row.author_type.as_deref(), Some("Bot"));
        let odd = GhIssueComment {
            issue_url: "https://api.github.com/repos/acme/api/issues/".into(),
            ..c
        };
        assert!(comment(9, &odd).is_none());
    }
}
