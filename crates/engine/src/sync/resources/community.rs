//! Contributors, and the append-only lists of stargazers and forks.

use super::*;

impl Ctx<'_> {
    pub(super) async fn contributors(&mut self) -> crate::Result<()> {
        // Only GitHub's explicit "empty" is an empty list; any other answer that cannot be
        // read fails the read, and the stored contributors stay.
        let first = self.path(&format!("/contributors?per_page={PER_PAGE}"));
        let listed = match self.read_all::<m::GhContributor>(first).await {
            Ok(listed) => listed,
            // GitHub will not compute the list for a very large history: say so, keep
            // what is stored, and go on (metrics on contributors say it is missing).
            Err(GitHubError::Forbidden { message, .. })
                if message.to_ascii_lowercase().contains("too large") =>
            {
                self.unavailable = Some(format!("GitHub: {message}"));
                return Ok(());
            }
            Err(e) => return Err(e.into()),
        };
        let all: Vec<_> = listed
            .into_iter()
            .filter_map(|c| ingest::community::contributor(self.repo_id, c))
            .collect();
        self.replace_whole(&all).await
    }

    pub(super) async fn forks(&mut self) -> crate::Result<()> {
        self.append_only(Keyed::Forks, self.expected.forks).await
    }

    pub(super) async fn append_only(
        &mut self,
        table: Keyed,
        expected: Option<i64>,
    ) -> crate::Result<()> {
        let stored = {
            let mut conn = self.s.pool.acquire().await?;
            db::count(&mut conn, table, self.repo_id).await?
        };
        let incremental = self.mode == Mode::Incremental && expected.is_none_or(|e| e >= stored);
        let start_page = if incremental {
            stored / PER_PAGE as i64 + 1
        } else {
            1
        };
        let seen = self.list_appendable(table, start_page).await?;
        if start_page == 1 {
            let mut conn = self.s.pool.acquire().await?;
            db::retain_only(&mut conn, table, self.repo_id, &seen).await?;
        } else if let Some(expected) = expected {
            let mut conn = self.s.pool.acquire().await?;
            let now = db::count(&mut conn, table, self.repo_id).await?;
            drop(conn);
            if now != expected {
                let seen = self.list_appendable(table, 1).await?;
                let mut conn = self.s.pool.acquire().await?;
                db::retain_only(&mut conn, table, self.repo_id, &seen).await?;
            }
        }
        Ok(())
    }

    /// Lists stargazers or forks from `start_page` on, storing each page; returns the keys.
    pub(super) async fn list_appendable(
        &mut self,
        table: Keyed,
        start_page: i64,
    ) -> crate::Result<Vec<i64>> {
        let stars = self.path(&format!(
            "/stargazers?per_page={PER_PAGE}&page={start_page}"
        ));
        let forks = self.path(&format!(
            "/forks?sort=oldest&per_page={PER_PAGE}&page={start_page}"
        ));
        let with_starred_at = Listing::ArrayAs("application/vnd.github.star+json");
        match table {
            Keyed::Stargazers => {
                let rows = each(ingest::community::stargazer);
                self.store_rest_pages(stars, with_starred_at, rows).await
            }
            _ => {
                let rows = each(ingest::community::fork);
                self.store_rest_pages(forks, Listing::Array, rows).await
            }
        }
    }
}
