//! Stored GitHub answers for conditional requests (see the migration for why).

use sqlx::PgPool;

pub use crate::github::cache::CachedResponse;
use crate::github::cache::{CacheError, ResponseCache};

/// The client's response cache in PostgreSQL (`github_http_cache`), shared by every
/// process: a restart keeps its 304s free.
#[derive(Clone, Debug)]
pub struct PgResponseCache(pub PgPool);

impl PgResponseCache {
    pub fn shared(pool: PgPool) -> std::sync::Arc<dyn ResponseCache> {
        std::sync::Arc::new(PgResponseCache(pool))
    }
}

#[async_trait::async_trait]
impl ResponseCache for PgResponseCache {
    async fn find(&self, who: &[u8; 32], path: &str) -> Result<Option<CachedResponse>, CacheError> {
        Ok(find(&self.0, who, path).await?)
    }

    async fn store(
        &self,
        who: &[u8; 32],
        path: &str,
        response: &CachedResponse,
    ) -> Result<(), CacheError> {
        Ok(store(&self.0, who, path, response).await?)
    }
}

pub async fn find(
    pool: &PgPool,
    token_sha256: &[u8],
    url: &str,
) -> Result<Option<CachedResponse>, sqlx::Error> {
    sqlx::query_as(
        "SELECT etag, last_modified, link, body FROM github_http_cache
          WHERE token_sha256 = $1 AND url = $2",
    )
    .bind(token_sha256)
    .bind(url)
    .fetch_optional(pool)
    .await
}

pub async fn store(
    pool: &PgPool,
    token_sha256: &[u8],
    url: &str,
    response: &CachedResponse,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO github_http_cache (token_sha256, url, etag, last_modified, link, body)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (token_sha256, url) DO UPDATE SET
            etag = EXCLUDED.etag, last_modified = EXCLUDED.last_modified,
            link = EXCLUDED.link, body = EXCLUDED.body, fetched_at = now()",
    )
    .bind(token_sha256)
    .bind(url)
    .bind(&response.etag)
    .bind(&response.last_modified)
    .bind(&response.link)
    .bind(&response.body)
    .execute(pool)
    .await?;
    Ok(())
}
