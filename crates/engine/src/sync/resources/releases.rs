//! Releases and tags: few, so always listed in full.

use super::*;

impl Ctx<'_> {
    /// Releases: few, so always listed in full (unchanged pages are free 304s).
    pub(super) async fn releases(&mut self) -> crate::Result<()> {
        let first = self.path(&format!("/releases?per_page={PER_PAGE}"));
        let seen = self
            .store_rest_pages(first, Listing::Array, |repo, items: Vec<m::GhRelease>| {
                let release = |r| ingest::releases::release(repo, r);
                items.into_iter().map(release).collect()
            })
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
        let all: Vec<_> = tags
            .into_iter()
            .map(|t| ingest::releases::tag(self.repo_id, t))
            .collect();
        let mut tx = self.s.pool.begin().await?;
        db::releases::replace_tags(&mut tx, self.repo_id, &all).await?;
        tx.commit().await?;
        self.items += all.len() as u32;
        Ok(())
    }
}
