//! Pull requests through GraphQL, with reviews (listed through REST when a pull
//! request has more than GraphQL embedded).

use super::*;

impl Ctx<'_> {
    /// Pull requests through GraphQL, most recently updated first, with reviews, sizes,
    /// first commit and ready-for-review time; an incremental sync stops at the stored
    /// high-water mark.
    pub(super) async fn pull_requests(&mut self) -> crate::Result<()> {
        let mut cp = self.checkpoint().await?;
        let floor = self.floor(&cp);
        let mut pending = state_time(&cp, "pending_high_water");
        let mut after = cp.resume.clone();
        loop {
            let conn = self
                .repository_page(PULLS, &after, |d: gql::PullRequestsData| {
                    d.repository.map(|r| r.pull_requests)
                })
                .await?;
            let mut reached = false;
            let mut page = db::pulls::PullPage::default();
            for p in &conn.nodes {
                if floor.is_some_and(|f| p.updated_at <= f) {
                    reached = true;
                    break;
                }
                pending = later(pending, p.updated_at);
                let these = match ingest::pulls::embedded_reviews(self.repo_id, p) {
                    Some(all) => all,
                    None => self.all_reviews(p.number).await?,
                };
                page.reviews.extend(these);
                page.comments
                    .extend(ingest::pulls::first_comments(self.repo_id, p));
                page.pulls
                    .push(ingest::pulls::pull_request(self.repo_id, p));
            }
            let mut tx = self.s.pool.begin().await?;
            db::pulls::store_page(&mut tx, self.repo_id, &page).await?;
            let at = (reached, &conn.page_info);
            let pending = (pending, "pending_high_water");
            let (items, total) = (page.pulls.len(), conn.total_count);
            after = self
                .end_graphql_page(tx, &mut cp, at, pending, items, total)
                .await?;
            if after.is_none() {
                return Ok(());
            }
        }
    }

    /// Every review of one pull request (when GraphQL's first 20 were not all).
    pub(super) async fn all_reviews(
        &self,
        number: i64,
    ) -> crate::Result<Vec<db::pulls::ReviewRow>> {
        let path = self.path(&format!("/pulls/{number}/reviews?per_page={PER_PAGE}"));
        let all = self.s.client.get_all::<m::GhReview>(&path).await?;
        Ok(all
            .into_iter()
            .map(|r| ingest::pulls::review(self.repo_id, number, r))
            .collect())
    }
}
