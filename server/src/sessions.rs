//! Sign-in sessions: stored in PostgreSQL under a hash of their id, so a copy of the
//! session table does not hold usable cookies, and ended after an absolute lifetime as
//! well as after inactivity.

use async_trait::async_trait;
use sha2::Digest as _;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};
use tower_sessions_sqlx_store::PostgresStore;

/// Sessions end after this long without a request (and, however active, after
/// `app::api::ssr::SESSION_ABSOLUTE_SECS`).
pub const IDLE_DAYS: i64 = 14;

/// The session cookie's name: `__Host-` prefixed over https, so that no sibling domain
/// or plain-http page can set or shadow it.
pub fn cookie_name(https: bool) -> &'static str {
    if https {
        "__Host-pulseboard_session"
    } else {
        "pulseboard_session"
    }
}

/// The id under which a session is stored: SHA-256 of the cookie's id, folded to the
/// 128 bits the store's id type holds.
fn stored_id(id: &Id) -> Id {
    let digest = sha2::Sha256::digest(id.0.to_le_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    Id(i128::from_le_bytes(bytes))
}

/// A session store that keeps each session under [`stored_id`] of the id its cookie holds.
#[derive(Clone, Debug)]
pub struct HashedIds {
    inner: PostgresStore,
}

impl HashedIds {
    pub fn new(inner: PostgresStore) -> Self {
        HashedIds { inner }
    }

    pub fn postgres(&self) -> &PostgresStore {
        &self.inner
    }
}

#[async_trait]
impl SessionStore for HashedIds {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        // A fresh 128-bit random id practically never collides; look once anyway.
        while self.inner.load(&stored_id(&record.id)).await?.is_some() {
            record.id = Id::default();
        }
        self.save(record).await
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let stored = Record {
            id: stored_id(&record.id),
            data: record.data.clone(),
            expiry_date: record.expiry_date,
        };
        self.inner.save(&stored).await
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        Ok(self.inner.load(&stored_id(id)).await?.map(|mut r| {
            r.id = *id;
            r
        }))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.inner.delete(&stored_id(id)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stored_id_is_not_the_cookies() {
        let id = Id(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef);
        assert_ne!(stored_id(&id), id);
        assert_eq!(stored_id(&id), stored_id(&id));
        assert_ne!(stored_id(&id), stored_id(&Id(id.0 + 1)));
    }
}
