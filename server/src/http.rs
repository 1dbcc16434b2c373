//! The HTTP server under the router: HTTP/1.1 only (browsers speak HTTP/2 only over TLS,
//! which a reverse proxy terminates), a deadline for request headers from the first byte
//! on, a deadline for a client that stops reading, a cap on open connections (in all and
//! per client network), and a shutdown that stops accepting, lets requests in flight
//! finish for a bounded grace period, and then closes the rest.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tower::ServiceExt as _;

/// Limits on connections; see the fields' variables in `config`.
#[derive(Clone, Copy, Debug)]
pub struct ConnectionLimits {
    /// A client that has not sent a request's headers within this is disconnected
    /// (from the moment it connects, and between requests on a kept-alive connection).
    pub header_read_timeout: Duration,
    /// A client that takes nothing of a response for this long is disconnected.
    pub write_timeout: Duration,
    /// Open connections at most; more are closed as soon as they are accepted.
    pub max_connections: usize,
    /// Open connections from one client network at most: one IPv4 address, or one IPv6
    /// /64 (what one client usually holds). Not enforced behind a reverse proxy, where
    /// every connection comes from the proxy.
    pub max_connections_per_client: Option<usize>,
    /// How long requests in flight may take to finish after shutdown begins.
    pub shutdown_grace: Duration,
}

/// The network a client address stands for: itself for IPv4, its /64 for IPv6 (one
/// client usually holds a whole /64, so counting single addresses would count nothing).
pub fn client_network(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

/// Counts open connections per client network.
#[derive(Clone, Default)]
struct PerClient(Arc<Mutex<HashMap<IpAddr, usize>>>);

struct ClientSlot {
    map: PerClient,
    ip: IpAddr,
}

impl PerClient {
    fn take(&self, ip: IpAddr, max: usize) -> Option<ClientSlot> {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let n = map.entry(ip).or_insert(0);
        if *n >= max {
            return None;
        }
        *n += 1;
        Some(ClientSlot {
            map: self.clone(),
            ip,
        })
    }
}

impl Drop for ClientSlot {
    fn drop(&mut self) {
        let mut map = self.map.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = map.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                map.remove(&self.ip);
            }
        }
    }
}

/// Raises this process's open-file limit to what the system allows, so the connection
/// cap, not the file-descriptor limit, is what turns clients away. Returns the limit.
pub fn raise_open_file_limit() -> u64 {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(n) => n,
        Err(e) => {
            tracing::warn!(error = %e, "could not raise the open-file limit");
            rlimit::getrlimit(rlimit::Resource::NOFILE)
                .map(|(soft, _)| soft)
                .unwrap_or(1024)
        }
    }
}

/// The connection cap that fits under the open-file limit, keeping room for the
/// database pool, the GitHub clients and files.
pub fn fitting_connection_cap(wanted: usize, open_file_limit: u64) -> usize {
    let room = open_file_limit.saturating_sub(256).max(64);
    wanted.min(usize::try_from(room).unwrap_or(usize::MAX))
}

/// Serves `router` on `listener` until `shutdown` resolves, then drains as described in
/// the module docs. Request handlers see the peer as `ConnectInfo<SocketAddr>`.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: impl std::future::Future<Output = ()>,
) {
    // HTTP/1 only: telling HTTP/1 from HTTP/2 first would wait for bytes with no deadline.
    let mut builder = auto::Builder::new(TokioExecutor::new()).http1_only();
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    let graceful = GracefulShutdown::new();
    let connections = Arc::new(Semaphore::new(limits.max_connections));
    let per_client = PerClient::default();
    let mut refused_logged = std::time::Instant::now() - Duration::from_secs(60);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors or a connection reset before accept: wait a
                    // moment instead of spinning, then go on.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let slot = limits
            .max_connections_per_client
            .map(|max| per_client.take(client_network(peer.ip()), max));
        let permit: Option<OwnedSemaphorePermit> = connections.clone().try_acquire_owned().ok();
        let (Some(permit), None | Some(Some(_))) = (permit, &slot) else {
            if refused_logged.elapsed() > Duration::from_secs(10) {
                tracing::warn!(%peer, "too many open connections: refusing new ones");
                refused_logged = std::time::Instant::now();
            }
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let service =
            router
                .clone()
                .map_request(move |mut req: http::Request<hyper::body::Incoming>| {
                    req.extensions_mut().insert(ConnectInfo::<SocketAddr>(peer));
                    req
                });
        let mut stream = tokio_io_timeout::TimeoutStream::new(stream);
        stream.set_write_timeout(Some(limits.write_timeout));
        let conn = builder
            .serve_connection(
                TokioIo::new(Box::pin(stream)),
                TowerToHyperService::new(service),
            )
            .into_owned();
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            let _ = conn.await;
            drop(permit);
            drop(slot);
        });
    }
    drop(listener);
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(limits.shutdown_grace) => {
            tracing::warn!(
                grace_secs = limits.shutdown_grace.as_secs(),
                "requests still running after the shutdown grace period: closing them"
            );
        }
    }
}
