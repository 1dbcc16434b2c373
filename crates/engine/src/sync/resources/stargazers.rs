//! Stargazers: through REST up to GitHub's listing cap, through GraphQL beyond it.

use super::*;

/// How many stargazers GitHub's REST listing shows: 400 pages of 100, oldest first; it
/// answers 422 for any page after that.
pub(crate) const REST_LISTING_CAP: i64 = 40_000;

impl Ctx<'_> {
    /// Stargazers with `starred_at`. Up to [`REST_LISTING_CAP`] the REST listing, oldest
    /// first: an incremental sync reads from the page where the stored ones end, and when
    /// the counts then disagree (unstars) it lists all and reconciles. A repository with
    /// more stars is read through GraphQL, newest first, so that the newest stars arrive
    /// and no page past the cap is ever asked for.
    pub(super) async fn stargazers(&mut self) -> crate::Result<()> {
        let (stored, reported) = {
            let mut conn = self.s.pool.acquire().await?;
            let stored = db::count(&mut conn, Keyed::Stargazers, self.repo_id).await?;
            let reported = db::repos::stargazers_count(&mut conn, self.repo_id).await?;
            (stored, reported)
        };
        let expected = self.expected.stargazers.or(reported);
        if expected.is_some_and(|e| e > REST_LISTING_CAP) || stored >= REST_LISTING_CAP {
            return self.stargazers_newest_first(expected).await;
        }
        self.append_only(Keyed::Stargazers, self.expected.stargazers)
            .await
    }

    /// Stargazers through GraphQL, newest first: an incremental sync down to the newest
    /// star stored, a full one (or one whose count then disagrees with GitHub's) to the
    /// end, after which what GitHub no longer lists is removed.
    async fn stargazers_newest_first(&mut self, expected: Option<i64>) -> crate::Result<()> {
        let floor = match self.mode {
            Mode::Full => None,
            Mode::Incremental => {
                let mut conn = self.s.pool.acquire().await?;
                db::community::newest_star(&mut conn, self.repo_id).await?
            }
        };
        let mut cp = self.checkpoint().await?;
        let seen = self.stars_newest_first(floor).await?;
        let stored = {
            let mut conn = self.s.pool.acquire().await?;
            db::count(&mut conn, Keyed::Stargazers, self.repo_id).await?
        };
        // GitHub's count can differ from what it lists (accounts it does not show): a
        // full listing for a count that has not moved since the last one changes nothing.
        let listed_for = cp.state.0["listed_in_full_for"].as_i64();
        let seen = match floor {
            None => Some(seen),
            Some(_) if expected.is_some_and(|e| e != stored) && expected != listed_for => {
                Some(self.stars_newest_first(None).await?)
            }
            Some(_) => None,
        };
        if let Some(seen) = seen {
            let mut tx = self.s.pool.begin().await?;
            db::retain_only(&mut tx, Keyed::Stargazers, self.repo_id, &seen).await?;
            cp.state.0["listed_in_full_for"] = json!(expected);
            self.finish_page(tx, &cp).await?;
        }
        Ok(())
    }

    /// Reads stars newest first down to `floor` (to the end without one), storing each
    /// page; returns the stargazers read.
    async fn stars_newest_first(
        &mut self,
        floor: Option<DateTime<Utc>>,
    ) -> crate::Result<Vec<i64>> {
        let mut seen = Vec::new();
        let mut after = None;
        loop {
            let conn = self
                .repository_page(STARGAZERS, &after, |d: gql::StargazersData| {
                    d.repository.map(|r| r.stargazers)
                })
                .await?;
            // Stars older than the newest stored are stored; one at the same second may
            // be new, so it is read again (an upsert).
            let newer: Vec<&gql::StarEdge> = conn
                .edges
                .iter()
                .take_while(|e| floor.is_none_or(|f| e.starred_at >= f))
                .collect();
            let reached = newer.len() < conn.edges.len();
            let rows: Vec<db::community::StarRow> = newer
                .into_iter()
                .filter_map(|e| ingest::community::star_edge(self.repo_id, e))
                .collect();
            seen.extend(rows.iter().map(|r| r.user_github_id));
            let mut tx = self.s.pool.begin().await?;
            db::upsert(&mut tx, &rows).await?;
            tx.commit().await?;
            self.page_done(rows.len(), Some(conn.total_count as u64))
                .await;
            match cursor_after(reached || !conn.page_info.has_next_page, &conn.page_info) {
                Some(cursor) => after = Some(cursor),
                None => return Ok(seen),
            }
        }
    }
}
