//! Releases and tags: few, so always listed in full.

use super::*;

impl Ctx<'_> {
    /// Releases: few, so always listed in full (unchanged pages are free 304s).
    pub(super) async fn releases(&mut self) -> crate::Result<()> {
        let mut seen = Vec::new();
        let mut next = Some(self.path(&format!("/releases?per_page={PER_PAGE}")));
        while let Some(path) = next {
            let page = self.s.client.get_page::<m::GhRelease>(&path).await?;
            let list: Vec<db::releases::ReleaseRow> = page
                .items
                .into_iter()
                .map(|r| ingest::releases::release(self.repo_id, r))
                .collect();
            seen.extend(list.iter().map(|r| r.github_id));
            let mut tx = self.s.pool.begin().await?;
            db::releases::upsert_releases(&mut tx, &list).await?;
            tx.commit().await?;
            self.page_done(list.len(), None).await;
            next = page.next;
        }
        let mut conn = self.s.pool.acquire().await?;
        db::retain_only(&mut conn, Keyed::Releases, self.repo_id, &seen).await?;
        Ok(())
    }

    pub(super) async fn tags(&mut self) -> crate::Result<()> {
        let mut all = Vec::new();
        let mut next = Some(self.path(&format!("/tags?per_page={PER_PAGE}")));
        while let Some(path) = next {
            let page = self.s.client.get_page::<m::GhTag>(&path).await?;
            all.extend(
                page.items
                    .into_iter()
                    .map(|t| ingest::releases::tag(self.repo_id, t)),
            );
            self.pages += 1;
            next = page.next;
        }
        let mut tx = self.s.pool.begin().await?;
        db::releases::replace_tags(&mut tx, self.repo_id, &all).await?;
        tx.commit().await?;
        self.items += all.len() as u32;
        Ok(())
    }
}
