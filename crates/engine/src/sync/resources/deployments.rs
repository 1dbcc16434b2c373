//! Deployments with their statuses through GraphQL.

use super::*;

impl Ctx<'_> {
    /// Deployments with their statuses through GraphQL, newest first, until one older
    /// than the last sync's newest that has not changed.
    pub(super) async fn deployments(&mut self) -> crate::Result<()> {
        let mut cp = self.checkpoint().await?;
        // Old deployments with a new status: the last 30 days, once a day.
        let (floor, covers_window) = self.floor_with_window(&cp, self.floor(&cp));
        let mut newest = state_time(&cp, "pending_newest");
        let mut after = cp.resume.clone();
        loop {
            let conn = self
                .repository_page(DEPLOYMENTS, &after, |d: gql::DeploymentsData| {
                    d.repository.map(|r| r.deployments)
                })
                .await?;
            let ids: Vec<i64> = conn.nodes.iter().map(|d| d.database_id).collect();
            let stored = {
                let mut db = self.s.pool.acquire().await?;
                db::deployments::deployment_versions(&mut db, &ids).await?
            };
            let mut reached = false;
            let mut list = Vec::new();
            let mut statuses = Vec::new();
            for d in &conn.nodes {
                let unchanged = stored
                    .iter()
                    .any(|(id, at)| *id == d.database_id && *at == d.updated_at);
                if floor.is_some_and(|f| d.created_at <= f) && unchanged {
                    reached = true;
                    break;
                }
                newest = later(newest, d.created_at);
                let (row, these) = ingest::deployments::deployment(self.repo_id, d);
                list.push(row);
                statuses.extend(these);
            }
            if covers_window && (reached || !conn.page_info.has_next_page) {
                cp.state.0["window_read_at"] = ts(Some(Utc::now()));
            }
            let mut tx = self.s.pool.begin().await?;
            db::deployments::upsert_deployments(&mut tx, &list, &statuses).await?;
            let page = (reached, &conn.page_info);
            let pending = (newest, "pending_newest");
            let (items, total) = (list.len(), conn.total_count);
            after = self
                .end_graphql_page(tx, &mut cp, page, pending, items, total)
                .await?;
            if after.is_none() {
                return Ok(());
            }
        }
    }
}
