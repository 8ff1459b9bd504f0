//! The API over HTTP/1.1, with every connection bounded: how many are open, how many of them one
//! client address holds, how long a client takes to send a request's head, and how long an idle
//! keep-alive connection stays open. (How long it takes to send a body, and how many body bytes
//! are held at once, is [`crate::body`]'s.) Each request carries its client's address
//! ([`ConnectInfo`]).

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::server::conn::http1;
use hyper::service::Service as _;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

/// Limits on connections.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// Connections open at once; more wait in the listen backlog until one closes.
    pub max_connections: usize,
    /// Connections open at once from one client address (an IPv6 client's /64), half of
    /// `max_connections` when not given: past it, a new one is answered 429 and closed. It never
    /// exceeds seven eighths of `max_connections`, so that one address cannot take them all.
    /// Behind a reverse proxy the address is the proxy's.
    pub max_connections_per_address: Option<usize>,
    /// Unknown API keys (at login or as bearer keys) one client address may send at once, then
    /// in a minute; ten times as many from all addresses together ([`crate::guesses`]). 0 sets
    /// no limit.
    pub key_failures_per_address: u32,
    /// Time a client has to send a request's head, and to start its next request on a
    /// keep-alive connection: past it the connection is closed.
    pub header_timeout: Duration,
    /// Largest request head (request line and headers): past it, 431.
    pub max_header_bytes: usize,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            max_connections: 1024,
            max_connections_per_address: None,
            key_failures_per_address: crate::guesses::DEFAULT_PER_ADDRESS,
            header_timeout: Duration::from_secs(10),
            max_header_bytes: 32 * 1024,
        }
    }
}

impl ConnectionLimits {
    /// What one address may hold: the limit asked for (half of all connections when none was),
    /// within seven eighths of all connections.
    pub fn per_address(&self) -> usize {
        let asked = self.max_connections_per_address.unwrap_or(self.max_connections / 2);
        asked.min(self.max_connections - self.max_connections / 8).max(1)
    }
}

/// The address limits apply to: an IPv4 address (IPv4-mapped IPv6 included) as it is, an IPv6
/// address's /64 (what one subscriber or host is given).
pub(crate) fn client_address(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from(v6.to_bits() & !((1u128 << 64) - 1))),
        v4 => v4,
    }
}

/// Connections open per client address; an address leaves the map with its last connection.
#[derive(Default)]
struct PerAddress(Mutex<HashMap<IpAddr, usize>>);

/// One connection counted for its address, until it is dropped.
struct AddressSlot {
    counts: Arc<PerAddress>,
    address: IpAddr,
}

impl PerAddress {
    /// A slot for `address` if it holds fewer than `limit` connections.
    fn take(self: &Arc<Self>, address: IpAddr, limit: usize) -> Option<AddressSlot> {
        let mut counts = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let count = counts.entry(address).or_default();
        if *count >= limit {
            return None;
        }
        *count += 1;
        Some(AddressSlot { counts: self.clone(), address })
    }
}

impl Drop for AddressSlot {
    fn drop(&mut self) {
        let mut counts = self.counts.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(count) = counts.get_mut(&self.address) {
            *count -= 1;
            if *count == 0 {
                counts.remove(&self.address);
            }
        }
    }
}

/// What a connection over its address's limit is answered, made once.
fn refusal(limit: usize) -> Vec<u8> {
    let body = format!(
        "{{\"errors\":[{{\"detail\":\"too many connections from this address ({limit} open): close some first\"}}]}}"
    );
    format!(
        "HTTP/1.1 429 Too Many Requests\r\ncontent-type: application/json\r\nretry-after: 1\r\n\
         connection: close\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// How long requests in progress get to finish once shutdown starts.
const SHUTDOWN_WAIT: Duration = Duration::from_secs(10);

/// Serves `app` on `listener` until `shutdown`, then lets requests in progress finish.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    let open = Arc::new(Semaphore::new(limits.max_connections));
    let per_address = Arc::new(PerAddress::default());
    let address_limit = limits.per_address();
    let refusal = refusal(address_limit);
    let mut warned: Option<Instant> = None;
    let graceful = GracefulShutdown::new();
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .max_header_size(limits.max_header_bytes)
        .max_buf_size(limits.max_header_bytes.max(8192) * 2);
    loop {
        let permit = tokio::select! {
            permit = open.clone().acquire_owned() => permit.expect("the semaphore is never closed"),
            () = shutdown.cancelled() => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors, most often: wait for some to close.
                    tracing::warn!(%err, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = shutdown.cancelled() => break,
        };
        let address = client_address(peer.ip());
        let Some(slot) = per_address.take(address, address_limit) else {
            // Not read, and only what the socket takes at once: a client that does not read
            // gets nothing more. Closed at once.
            let _ = stream.try_write(&refusal);
            if warned.is_none_or(|at| at.elapsed() >= Duration::from_secs(60)) {
                warned = Some(Instant::now());
                tracing::warn!(%address, limit = address_limit, "connections refused: too many from one address");
            }
            continue;
        };
        let _ = stream.set_nodelay(true);
        let inner = TowerToHyperService::new(app.clone());
        let service = hyper::service::service_fn(move |mut request: hyper::Request<hyper::body::Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            inner.call(request)
        });
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(err) = connection.await {
                tracing::debug!(%err, "connection ended");
            }
            drop((slot, permit));
        });
    }
    drop(listener);
    if tokio::time::timeout(SHUTDOWN_WAIT, graceful.shutdown()).await.is_err() {
        tracing::warn!("requests still in progress after {SHUTDOWN_WAIT:?} are dropped");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_address_never_holds_every_connection() {
        let limits = |max_connections, max_connections_per_address| ConnectionLimits {
            max_connections,
            max_connections_per_address,
            ..ConnectionLimits::default()
        };
        assert_eq!(ConnectionLimits::default().per_address(), 512);
        assert_eq!(limits(100, None).per_address(), 50);
        assert_eq!(limits(1024, Some(64)).per_address(), 64);
        assert_eq!(limits(1024, Some(5000)).per_address(), 896);
        assert_eq!(limits(8, Some(8)).per_address(), 7);
        assert_eq!(limits(1, None).per_address(), 1);
        assert_eq!(limits(100, Some(0)).per_address(), 1);
    }

    #[test]
    fn an_ipv6_client_is_counted_by_its_64_and_a_mapped_ipv4_one_as_ipv4() {
        let ip = |text: &str| text.parse::<IpAddr>().unwrap();
        assert_eq!(client_address(ip("2001:db8:1:2:aaaa::1")), ip("2001:db8:1:2::"));
        assert_eq!(client_address(ip("::ffff:192.0.2.7")), ip("192.0.2.7"));
        assert_eq!(client_address(ip("192.0.2.7")), ip("192.0.2.7"));
    }
}
