//! What a person's scopes resolve to (the repositories and their data's stamp) and what
//! the scope pickers offer them, kept across requests for as long as nothing they are
//! read from changes.
//!
//! Every page read both from PostgreSQL before: two statements, most of the database's
//! time per page (BENCHMARKS.md, session 18). Now a process keeps them under a [`Generation`]: the database tells
//! every process on [`CHANNEL`] whenever a statement changes a row they are read from
//! (statement triggers, migration `20261207000001_scope_notifications`), and the process's
//! listener ([`crate::sync::events::listen`]) moves the generation on, so what was kept
//! under the one before is never found again. While the listener is not listening (before
//! it starts, after its connection is lost, until it listens again) there is no
//! generation and nothing is kept: every page reads afresh, as before.
//!
//! The listener reads the sync's progress on the same connection, so a notification that a
//! repository's numbers are ready reaches this process's pages only after the change it
//! made to their stamp has moved this process's generation on: a page that reloads on it
//! and is served by the same process never finds the old stamp. Another process may be a
//! few milliseconds behind (at most until its own notification arrives).
//! Writes made by this process also move it on at once ([`Generation::changed`]), not
//! waiting for their notification to come back.
//!
//! The generation is one for everything: any sync that stores rows refreshes its
//! repository's rollups and so moves it on for everyone, and what was kept is read again
//! once. With syncs running all the time, fewer pages find it kept than the benchmark's.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// The channel the triggers notify on (payload empty).
pub const CHANNEL: &str = "pulseboard_scopes";

/// How long a kept resolution lives at most, whatever the notifications: a bound on the
/// harm of any change that would not notify.
pub const TTL: std::time::Duration = std::time::Duration::from_secs(60);

/// How many bytes of kept resolutions and choices a process holds at most, as each entry
/// weighs itself (what it holds unreachable after a change counts until it expires).
pub const BYTES: u64 = 64 << 20;

/// The state of what the scopes are read from, as this process knows it: a number that
/// moves on at every change, or none while changes may go unseen. Cheap to clone (shared).
#[derive(Clone, Debug, Default)]
pub struct Generation {
    /// 0: not listening; otherwise the current generation.
    current: Arc<AtomicU64>,
    /// Where generations are taken from, so that none is used twice.
    next: Arc<AtomicU64>,
}

impl Generation {
    /// The current generation, or `None` while changes may go unseen (nothing may be
    /// kept or found then).
    pub fn current(&self) -> Option<u64> {
        match self.current.load(Ordering::Acquire) {
            0 => None,
            g => Some(g),
        }
    }

    fn fresh(&self) -> u64 {
        self.next.fetch_add(1, Ordering::AcqRel) + 1
    }

    /// Something the scopes are read from changed: what was kept is not found again.
    /// Nothing happens while not listening.
    pub fn changed(&self) {
        let fresh = self.fresh();
        let _ = self
            .current
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |g| {
                (g != 0).then_some(fresh)
            });
    }

    /// The listener listens (again): changes from now on are seen, and what was kept
    /// before is not found again (changes while not listening went unseen).
    pub fn listening(&self) {
        let fresh = self.fresh();
        self.current.store(fresh, Ordering::Release);
    }

    /// The listener lost its connection: changes may go unseen until it listens again.
    pub fn deaf(&self) {
        self.current.store(0, Ordering::Release);
    }
}

/// `read()`'s value kept in `cache` under `key` and the current generation, or read
/// afresh (and not kept) while there is none. Concurrent asks of the same key wait for one
/// read; errors are not kept.
pub(crate) async fn kept<K, V, F>(
    cache: &moka::future::Cache<(K, u64), Arc<V>>,
    generation: &Generation,
    key: K,
    read: impl FnOnce() -> F,
) -> crate::Result<Arc<V>>
where
    K: std::hash::Hash + Eq + Send + Sync + 'static,
    V: Send + Sync + 'static,
    F: std::future::Future<Output = crate::Result<V>>,
{
    match generation.current() {
        None => Ok(Arc::new(read().await?)),
        Some(g) => super::kept(cache, (key, g), read()).await,
    }
}

/// A cache of [`kept`] values, each weighing `bytes(key, value)` of [`BYTES`].
pub(crate) fn cache<K, V>(bytes: fn(&K, &V) -> usize) -> moka::future::Cache<(K, u64), Arc<V>>
where
    K: std::hash::Hash + Eq + Send + Sync + 'static,
    V: Send + Sync + 'static,
{
    moka::future::Cache::builder()
        .max_capacity(BYTES)
        .weigher(move |(k, _), v: &Arc<V>| u32::try_from(bytes(k, v)).unwrap_or(u32::MAX))
        .time_to_live(TTL)
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_is_kept_while_deaf_and_every_change_moves_on() {
        let g = Generation::default();
        assert_eq!(g.current(), None, "not listening at first");
        g.changed();
        assert_eq!(
            g.current(),
            None,
            "a change while deaf does not start listening"
        );
        g.listening();
        let first = g.current().expect("listening");
        g.changed();
        let second = g.current().expect("still listening");
        assert_ne!(first, second);
        g.deaf();
        assert_eq!(g.current(), None);
        g.listening();
        let third = g.current().expect("listening again");
        assert!(
            third != first && third != second,
            "no generation comes back"
        );
    }

    #[tokio::test]
    async fn kept_reads_once_per_generation_and_always_when_deaf() {
        let g = Generation::default();
        let cache = cache::<i64, usize>(|_, _| 8);
        let reads = std::sync::atomic::AtomicUsize::new(0);
        let read = || async { Ok::<_, crate::Error>(reads.fetch_add(1, Ordering::SeqCst) + 1) };
        // Deaf: every ask reads.
        assert_eq!(*kept(&cache, &g, 1, read).await.unwrap(), 1);
        assert_eq!(*kept(&cache, &g, 1, read).await.unwrap(), 2);
        // Listening: one read, then kept.
        g.listening();
        assert_eq!(*kept(&cache, &g, 1, read).await.unwrap(), 3);
        assert_eq!(*kept(&cache, &g, 1, read).await.unwrap(), 3);
        // Another key reads its own.
        assert_eq!(*kept(&cache, &g, 2, read).await.unwrap(), 4);
        // A change: read again.
        g.changed();
        assert_eq!(*kept(&cache, &g, 1, read).await.unwrap(), 5);
        assert_eq!(*kept(&cache, &g, 1, read).await.unwrap(), 5);
    }

    /// The generation once it differs from `from` (`None`: once listening), waiting at
    /// most 10 s for the notification.
    async fn moved_on(g: &Generation, from: Option<u64>) -> u64 {
        for _ in 0..1000 {
            match g.current() {
                Some(now) if Some(now) != from => return now,
                _ => tokio::time::sleep(std::time::Duration::from_millis(10)).await,
            }
        }
        panic!("the generation stayed at {from:?}");
    }

    #[tokio::test]
    async fn every_statement_on_what_scopes_are_read_from_moves_the_listener_on() {
        let pool = crate::testing::fresh_database().await;
        let g = Generation::default();
        let _events = crate::sync::events::listen(pool.clone(), g.clone());
        let mut now = moved_on(&g, None).await;
        // A statement that changes no row still notifies (statement triggers): cheap,
        // and nothing is missed.
        for statement in [
            "DELETE FROM tracked_repositories WHERE user_id = -1",
            "DELETE FROM repository_access WHERE user_id = -1",
            "DELETE FROM organization_access WHERE user_id = -1",
            "DELETE FROM team_access WHERE user_id = -1",
            "DELETE FROM team_repositories WHERE team_id = -1",
            "DELETE FROM repository_groups WHERE user_id = -1",
            "DELETE FROM repository_group_members WHERE group_id = -1",
            "DELETE FROM metric_rollup_state WHERE repository_id = -1",
            "DELETE FROM repositories WHERE github_id = -1",
            "UPDATE repositories SET full_name = full_name WHERE github_id = -1",
            "UPDATE repositories SET owner_login = owner_login WHERE github_id = -1",
            "DELETE FROM organizations WHERE github_id = -1",
            "UPDATE organizations SET login = login WHERE github_id = -1",
            "DELETE FROM teams WHERE github_id = -1",
            "UPDATE teams SET slug = slug, name = name WHERE github_id = -1",
        ] {
            sqlx::query(statement).execute(&pool).await.unwrap();
            let next = moved_on(&g, Some(now)).await;
            // One notification per statement: the listener's own counter moves by one.
            assert_eq!(next, now + 1, "{statement}");
            now = next;
        }
        // An UPDATE of a repository's counts changes no scope: no notification, so the
        // change after it is the only one seen. (A sync's upsert, INSERT ... ON CONFLICT,
        // notifies as any INSERT does.)
        sqlx::query("UPDATE repositories SET stargazers_count = 1 WHERE github_id = -1")
            .execute(&pool)
            .await
            .unwrap();
        sqlx::query("DELETE FROM tracked_repositories WHERE user_id = -1")
            .execute(&pool)
            .await
            .unwrap();
        assert_eq!(moved_on(&g, Some(now)).await, now + 1);
    }

    #[tokio::test]
    async fn a_kept_scope_is_read_again_after_any_process_changes_it() {
        let pool = crate::testing::fresh_database().await;
        let user = crate::testing::insert_user(&pool, 501, "ada").await;
        crate::testing::insert_repository(&pool, 9001, "acme/api", &[user]).await;
        let cache = crate::metrics::ReportCache::default();
        // Not listening: read every time, nothing kept.
        let stamp = || cache.scope_stamp(&pool, user, "acme/api");
        assert_eq!(stamp().await.unwrap().0, vec![9001]);
        let _events = crate::sync::events::listen(pool.clone(), cache.generation().clone());
        let now = moved_on(cache.generation(), None).await;
        assert_eq!(stamp().await.unwrap().0, vec![9001]);
        // Kept: a change nobody is told of is not seen (the trigger off for the test).
        let run = |sql: &'static str| {
            let pool = pool.clone();
            async move { sqlx::query(sql).execute(&pool).await.unwrap() }
        };
        run("ALTER TABLE repository_access DISABLE TRIGGER scopes_changed").await;
        sqlx::query("DELETE FROM repository_access WHERE user_id = $1")
            .bind(user)
            .execute(&pool)
            .await
            .unwrap();
        assert_eq!(stamp().await.unwrap().0, vec![9001], "kept");
        // Told (as any process's change tells every process): read again.
        run("ALTER TABLE repository_access ENABLE TRIGGER scopes_changed").await;
        run("DELETE FROM repository_access WHERE user_id = -1").await;
        moved_on(cache.generation(), Some(now)).await;
        assert_eq!(stamp().await.unwrap().0, Vec::<i64>::new());
    }
}
