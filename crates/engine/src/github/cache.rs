//! What the client remembers of GitHub's answers, so that asking again is conditional
//! (`If-None-Match`/`If-Modified-Since`) and an unchanged answer costs no rate limit. The
//! storage is someone else's (`db::http_cache` keeps it in PostgreSQL): the client only
//! knows this trait.

/// A stored answer: its validators, its `Link` header and its body.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CachedResponse {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub link: Option<String>,
    pub body: Vec<u8>,
}

pub type CacheError = Box<dyn std::error::Error + Send + Sync>;

/// Answers kept per identity (a hash of server and token: one person's answers are never
/// another's) and request path.
#[async_trait::async_trait]
pub trait ResponseCache: Send + Sync {
    async fn find(&self, who: &[u8; 32], path: &str) -> Result<Option<CachedResponse>, CacheError>;
    async fn store(
        &self,
        who: &[u8; 32],
        path: &str,
        response: &CachedResponse,
    ) -> Result<(), CacheError>;
}
