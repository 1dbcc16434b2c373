//! Releases and tags: few, so always listed in full.

use super::*;

impl Ctx<'_> {
    /// Releases: few, so always listed in full (unchanged pages are free 304s).
    pub(super) async fn releases(&mut self) -> crate::Result<()> {
        let first = self.path(&format!("/releases?per_page={PER_PAGE}"));
        let seen = self
            .store_rest_pages(first, Listing::Array, each(ingest::releases::release))
            .await?;
        let mut conn = self.s.pool.acquire().await?;
        db::retain_only(&mut conn, Keyed::Releases, self.repo_id, &seen).await?;
        Ok(())
    }

    /// Tags: few, and without dates to read from, so listed in full and stored whole.
    pub(super) async fn tags(&mut self) -> crate::Result<()> {
        let tags = self
            .read_all::<m::GhTag>(self.path(&format!("/tags?per_page={PER_PAGE}")))
            .await?;
        let all = each(ingest::releases::tag)(self.repo_id, tags);
        self.replace_whole(&all).await
    }
}
