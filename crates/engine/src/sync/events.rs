//! Sync progress for the browsers: every process LISTENs on `pulseboard_sync`, where any
//! process's syncs NOTIFY each page, and fans the events out to its own subscribers, who
//! pass on only the repositories their user may see.
//!
//! The same connection LISTENs on [`scopes::CHANNEL`] and moves the process's scope
//! [`Generation`] on at each change, in the order PostgreSQL committed them: a page that
//! reloads when a repository's numbers are ready never finds what was kept before they
//! changed ([`crate::metrics::scopes`]).

use std::time::Duration;

use sqlx::postgres::PgListener;
use sqlx::PgPool;
use tokio::sync::broadcast;

use super::Progress;
use crate::metrics::scopes::{self, Generation};

/// The channel syncs notify on.
pub const CHANNEL: &str = "pulseboard_sync";

/// Events kept for a subscriber that falls behind before it misses some.
const BACKLOG: usize = 1024;

/// Starts listening; the sender hands out receivers to as many subscribers as there are.
/// The listener reconnects after a lost connection (progress events in between are lost,
/// which a progress display survives; `generation` keeps nothing from the loss until it
/// listens again) and stops when every sender is dropped.
pub fn listen(pool: PgPool, generation: Generation) -> broadcast::Sender<Progress> {
    let (tx, _) = broadcast::channel(BACKLOG);
    let sender = tx.downgrade();
    tokio::spawn(async move {
        loop {
            let relayed = relay(&pool, &sender, &generation).await;
            generation.deaf();
            match relayed {
                Ok(()) => return,
                Err(e) => {
                    tracing::warn!(error = %e, "sync progress listener lost; reconnecting");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    });
    tx
}

/// Forwards notifications until the channel has no sender left; an error when the
/// connection is lost.
async fn relay(
    pool: &PgPool,
    sender: &broadcast::WeakSender<Progress>,
    generation: &Generation,
) -> Result<(), sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    // A lost connection is reported at once (`Ok(None)`), not after a reconnection that
    // would keep the generation while changes go unseen; this loop reconnects.
    listener.eager_reconnect(false);
    listener.listen_all([CHANNEL, scopes::CHANNEL]).await?;
    generation.listening();
    loop {
        // `recv` would reconnect by itself, unseen: changes in between would be missed.
        let Some(note) = listener.try_recv().await? else {
            return Err(sqlx::Error::Io(std::io::Error::other(
                "the listening connection was lost",
            )));
        };
        if note.channel() == scopes::CHANNEL {
            generation.changed();
            continue;
        }
        let Some(tx) = sender.upgrade() else {
            return Ok(());
        };
        match serde_json::from_str::<Progress>(note.payload()) {
            // No subscriber right now is fine.
            Ok(progress) => drop(tx.send(progress)),
            Err(e) => tracing::warn!(error = %e, "unreadable sync progress notification"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_notification_from_any_connection_reaches_subscribers() {
        let pool = crate::testing::fresh_database().await;
        let tx = listen(pool.clone(), Generation::default());
        let mut rx = tx.subscribe();
        let progress = Progress {
            job_id: Some(3),
            requested_by: Some(1),
            repository_id: 42,
            live: wire::LiveProgress {
                repository: "acme/api".into(),
                resource: crate::sync::Resource::Issues.as_str().into(),
                items: 200,
                pages: 2,
                total: Some(450),
                rate_remaining: Some(4900),
                eta_secs: Some(5),
                done: false,
                ready: false,
            },
        };
        // The listener needs a moment to LISTEN before anything is sent.
        let mut got = None;
        for _ in 0..50 {
            crate::db::notify(&pool, CHANNEL, &serde_json::to_string(&progress).unwrap())
                .await
                .unwrap();
            if let Ok(Ok(p)) = tokio::time::timeout(Duration::from_millis(100), rx.recv()).await {
                got = Some(p);
                break;
            }
        }
        assert_eq!(got, Some(progress));
        // Garbage on the channel is skipped, not fatal.
        crate::db::notify(&pool, CHANNEL, "not json").await.unwrap();
        let mut later = got.unwrap();
        later.live.items = 450;
        later.live.done = true;
        crate::db::notify(&pool, CHANNEL, &serde_json::to_string(&later).unwrap())
            .await
            .unwrap();
        let next = tokio::time::timeout(Duration::from_secs(5), async {
            loop {
                let p = rx.recv().await.unwrap();
                if p.live.done {
                    return p;
                }
            }
        })
        .await
        .unwrap();
        assert_eq!(next, later);
    }

    #[test]
    fn the_eta_follows_the_pace_so_far() {
        // 100 of 400 in 10 s: 300 more take 30 s.
        assert_eq!(
            super::super::eta_secs(100, Some(400), Duration::from_secs(10)),
            Some(30)
        );
        assert_eq!(
            super::super::eta_secs(0, Some(400), Duration::from_secs(10)),
            None
        );
        assert_eq!(
            super::super::eta_secs(100, None, Duration::from_secs(10)),
            None
        );
        assert_eq!(
            super::super::eta_secs(500, Some(400), Duration::from_secs(10)),
            Some(0)
        );
    }
}
