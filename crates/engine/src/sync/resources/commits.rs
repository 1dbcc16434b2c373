//! The default branch's history through GraphQL, and what a force-push removed.

use super::*;

impl Ctx<'_> {
    /// The default branch's history through GraphQL, newest first, until a commit we
    /// already have; commits a force-push took off the branch are removed.
    pub(super) async fn commits(&mut self) -> crate::Result<()> {
        let mut cp = self.checkpoint().await?;
        let old_head = cp.state.0["head"].as_str().map(str::to_string);
        // A full sync reads the whole history again; what is no longer on it is dropped.
        let stop_at_known = self.mode == Mode::Incremental && old_head.is_some();
        // A full read resumed after an interruption has not seen the pages before it, so
        // it cannot tell what the branch no longer holds.
        let whole_chain = stop_at_known || cp.resume.is_none();
        let mut pending_head = cp.state.0["pending_head"].as_str().map(str::to_string);
        let mut after = cp.resume.clone();
        let mut new_chain: Vec<String> = Vec::new();
        loop {
            let branch = self
                .repository_page(COMMITS, &after, |d: gql::HistoryData| {
                    d.repository
                        .map(|r| r.default_branch_ref.and_then(|b| b.target))
                })
                .await?;
            let Some(history) = branch else {
                return Ok(()); // an empty repository has no history
            };
            let conn = history.history;
            if pending_head.is_none() {
                pending_head = conn.nodes.first().map(|c| c.oid.clone());
            }
            if after.is_none() && pending_head == old_head && stop_at_known {
                return Ok(()); // nothing new
            }
            let shas: Vec<String> = conn.nodes.iter().map(|c| c.oid.clone()).collect();
            let known = {
                let mut db = self.s.pool.acquire().await?;
                db::commits::known_commits(&mut db, self.repo_id, &shas).await?
            };
            let mut stop_at: Option<String> = None;
            let mut commits = Vec::new();
            for c in &conn.nodes {
                if stop_at_known && known.contains(&c.oid) {
                    stop_at = Some(c.oid.clone());
                    break;
                }
                new_chain.push(c.oid.clone());
                commits.push(ingest::commits::commit(self.repo_id, c));
            }
            let finished = stop_at.is_some() || !conn.page_info.has_next_page;
            cp.resume = cursor_after(finished, &conn.page_info);
            cp.state.0["pending_head"] = json!(pending_head);
            if finished {
                cp.state.0["head"] = json!(pending_head);
                cp.state.0["pending_head"] = Value::Null;
                cp.completed_at = Some(Utc::now());
            }
            // What a force-push took off the branch goes once the whole chain is known.
            let mut tx = self.s.pool.begin().await?;
            db::upsert(&mut tx, &commits).await?;
            if let Some(old) = old_head.as_ref().filter(|_| finished && whole_chain) {
                db::commits::drop_rewritten_commits(
                    &mut tx,
                    self.repo_id,
                    old,
                    stop_at.as_deref(),
                    &new_chain,
                )
                .await?;
            }
            self.finish_page(tx, &cp).await?;
            self.page_done(commits.len(), Some(conn.total_count as u64))
                .await;
            if finished {
                return Ok(());
            }
            after = conn.page_info.end_cursor;
        }
    }
}
