//! Issues through REST, reconciled against GitHub's count to notice deletions.

use super::*;

impl Ctx<'_> {
    /// Issues (not pull requests) through REST, by `updated` ascending from the stored
    /// high-water mark. Deletions do not show in such a listing: when GitHub's count and
    /// ours disagree afterwards (or in a full sync), a full listing reconciles.
    pub(super) async fn issues(&mut self) -> crate::Result<()> {
        let mut cp = self.checkpoint().await?;
        let since = match self.mode {
            Mode::Full => None,
            Mode::Incremental => cp.high_water,
        };
        let first = match since {
            Some(t) => self.path(&format!(
                "/issues?state=all&sort=updated&direction=asc&per_page={PER_PAGE}&since={}",
                t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            )),
            None => self.path(&format!(
                "/issues?state=all&sort=updated&direction=asc&per_page={PER_PAGE}"
            )),
        };
        let mut pending = state_time(&cp, "pending_high_water");
        let resumed = cp.resume.is_some();
        let mut next = Some(cp.resume.clone().unwrap_or(first));
        let mut seen: Vec<i64> = Vec::new();
        while let Some(path) = next {
            let page = self.s.client.get_page::<m::GhIssue>(&path).await?;
            let issues: Vec<db::issues::IssueRow> = page
                .items
                .iter()
                .filter_map(|i| ingest::issues::issue(self.repo_id, i))
                .collect();
            for i in &page.items {
                pending = later(pending, i.updated_at);
            }
            seen.extend(issues.iter().map(|i| i.github_id));
            step(&mut cp, page.next.clone(), pending, "pending_high_water");
            let mut tx = self.s.pool.begin().await?;
            db::issues::store_page(&mut tx, self.repo_id, &issues).await?;
            self.finish_page(tx, &cp).await?;
            self.page_done(issues.len(), None).await;
            next = page.next;
        }
        // A full listing from the start saw every issue: anything else was deleted.
        let complete_listing = since.is_none() && !resumed;
        if complete_listing {
            let mut conn = self.s.pool.acquire().await?;
            db::retain_only(&mut conn, Keyed::Issues, self.repo_id, &seen).await?;
        } else if let Some(expected) = self.expected.issues {
            let mut conn = self.s.pool.acquire().await?;
            let stored = db::count(&mut conn, Keyed::Issues, self.repo_id).await?;
            drop(conn);
            if stored != expected {
                self.reconcile_issues().await?;
            }
        }
        Ok(())
    }

    pub(super) async fn reconcile_issues(&mut self) -> crate::Result<()> {
        let mut ids = Vec::new();
        let mut next = Some(self.path(&format!("/issues?state=all&per_page={PER_PAGE}")));
        while let Some(path) = next {
            let page = self.s.client.get_page::<m::GhIssue>(&path).await?;
            ids.extend(
                page.items
                    .iter()
                    .filter(|i| i.pull_request.is_none())
                    .map(|i| i.id),
            );
            next = page.next;
        }
        let mut conn = self.s.pool.acquire().await?;
        db::retain_only(&mut conn, Keyed::Issues, self.repo_id, &ids).await?;
        Ok(())
    }
}

impl Ctx<'_> {
    /// The conversation comments of the repository's issues through REST's repository-wide
    /// listing (100 a request, whatever the issue), by `updated` ascending from the stored
    /// high-water mark: what an issue's first response is read from. Comments on pull
    /// requests are in the same listing and are left to the pull requests' own read.
    pub(super) async fn issue_comments(&mut self) -> crate::Result<()> {
        let mut cp = self.checkpoint().await?;
        let since = match self.mode {
            Mode::Full => None,
            Mode::Incremental => cp.high_water,
        };
        let mut first = format!("/issues/comments?sort=updated&direction=asc&per_page={PER_PAGE}");
        if let Some(t) = since {
            first.push_str(&format!(
                "&since={}",
                t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ));
        }
        let mut pending = state_time(&cp, "pending_high_water");
        let mut next = Some(cp.resume.clone().unwrap_or(self.path(&first)));
        while let Some(path) = next {
            let page = self.s.client.get_page::<m::GhIssueComment>(&path).await?;
            let rows: Vec<db::pulls::CommentRow> = page
                .items
                .iter()
                .filter_map(|c| ingest::issues::comment(self.repo_id, c))
                .collect();
            for c in &page.items {
                pending = later(pending, c.updated_at);
            }
            step(&mut cp, page.next.clone(), pending, "pending_high_water");
            let mut tx = self.s.pool.begin().await?;
            let stored = db::issues::store_comments(&mut tx, self.repo_id, &rows).await?;
            self.finish_page(tx, &cp).await?;
            self.page_done(stored as usize, None).await;
            next = page.next;
        }
        Ok(())
    }
}
