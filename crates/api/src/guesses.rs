//! Guesses of API keys: a key refused at login (`POST /api/v1/auth/login`) or as a bearer key is
//! a failure, and failures are limited per client address and overall. An address may fail N
//! times at once ([`DEFAULT_PER_ADDRESS`]), then N times a minute; past it, it is answered 429
//! with `Retry-After` before its key is looked at. While all addresses together are past 10 N
//! failures at once (then N a second), an address that failed in the last [`REMEMBERED`] is
//! refused too; an address that did not is still heard, so a right key is never refused because
//! of others' failures from other addresses.
//!
//! Memory is bounded: at most [`MAX_ADDRESSES`] addresses are remembered (past it, the one seen
//! least lately is forgotten), and an address is forgotten once its failures are old and its
//! budget is whole again.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::StatusCode;
use axum::http::header::RETRY_AFTER;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};

use crate::error::{ErrorEnvelope, ErrorItem};

/// Failures one address may make at once, and then in a minute.
pub const DEFAULT_PER_ADDRESS: u32 = 10;
/// How long an address's last failure counts against it while the overall budget is spent.
pub const REMEMBERED: Duration = Duration::from_secs(60);
/// Most addresses remembered at once.
pub const MAX_ADDRESSES: usize = 10_000;
/// How often forgotten addresses are swept out.
const SWEEP_EVERY: Duration = Duration::from_secs(10);

/// The address of the client a request comes from, as limits count it (an IPv6 client's /64);
/// unspecified when the router is served without addresses (tests in memory).
pub struct Client(pub IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for Client {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        Ok(Client(client(parts.extensions.get::<ConnectInfo<SocketAddr>>())))
    }
}

/// The client address of `request`, as [`Client`] gives it.
pub fn client_of<B>(request: &axum::http::Request<B>) -> IpAddr {
    client(request.extensions().get::<ConnectInfo<SocketAddr>>())
}

fn client(info: Option<&ConnectInfo<SocketAddr>>) -> IpAddr {
    info.map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |ConnectInfo(peer)| crate::serve::client_address(peer.ip()))
}

/// A token bucket: `tokens` at `at`, one more every period up to the burst.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl Bucket {
    fn refill(&mut self, now: Instant, burst: f64, every: Duration) {
        let gained = now.saturating_duration_since(self.at).as_secs_f64() / every.as_secs_f64();
        self.tokens = (self.tokens + gained).min(burst);
        self.at = now;
    }

    /// How long until one token is there.
    fn wait(&self, every: Duration) -> Duration {
        every.mul_f64((1.0 - self.tokens).max(0.0))
    }
}

#[derive(Debug)]
struct Address {
    bucket: Bucket,
    last_failure: Option<Instant>,
}

#[derive(Debug)]
struct Inner {
    addresses: HashMap<IpAddr, Address>,
    overall: Bucket,
    swept: Instant,
}

/// How fast the budgets come back.
#[derive(Debug, Clone, Copy)]
struct Rates {
    /// Failures one address may make at once, then one more every `every`.
    burst: f64,
    every: Duration,
    /// Failures all addresses together may make at once, then one more every `overall_every`.
    overall_burst: f64,
    overall_every: Duration,
}

impl Rates {
    fn of(per_address: u32) -> Rates {
        let n = f64::from(per_address.max(1));
        Rates {
            burst: n,
            every: Duration::from_secs(60).div_f64(n),
            overall_burst: 10.0 * n,
            overall_every: Duration::from_secs(1).div_f64(n),
        }
    }
}

/// Failed keys per address and overall; see the module's documentation.
#[derive(Debug)]
pub struct Guesses {
    /// None: no limit.
    rates: Option<Rates>,
    inner: Mutex<Inner>,
}

impl Default for Guesses {
    fn default() -> Self {
        Guesses::new(DEFAULT_PER_ADDRESS)
    }
}

/// An attempt let through; [`Guesses::settle`] says how it went. An address that failed lately
/// holds a token of its own and one of the overall budget while its key is looked at, so that
/// attempts sent at once cannot pass together.
#[derive(Debug)]
#[must_use]
pub struct Attempt {
    address: IpAddr,
    reserved: bool,
}

/// Why an attempt is refused, and for how long.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TooMany {
    pub wait: Duration,
    /// The overall budget is spent (this address failed lately too).
    pub overall: bool,
}

impl Guesses {
    /// `per_address` failures from one address at once, then as many a minute, and ten times as
    /// many from all addresses (as many a second); 0 sets no limit.
    pub fn new(per_address: u32) -> Guesses {
        let rates = Rates::of(per_address);
        let now = Instant::now();
        let inner =
            Inner { addresses: HashMap::new(), overall: Bucket { tokens: rates.overall_burst, at: now }, swept: now };
        Guesses { rates: (per_address > 0).then_some(rates), inner: Mutex::new(inner) }
    }

    /// Lets an attempt from `address` through, or says how long it should wait.
    pub fn check(&self, address: IpAddr) -> Result<Attempt, TooMany> {
        self.check_at(address, Instant::now())
    }

    /// Records how an attempt went: `failed` when its key was unknown.
    pub fn settle(&self, attempt: Attempt, failed: bool) {
        self.settle_at(attempt, failed, Instant::now());
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn check_at(&self, address: IpAddr, now: Instant) -> Result<Attempt, TooMany> {
        let Some(Rates { burst, every, overall_burst, overall_every }) = self.rates else {
            return Ok(Attempt { address, reserved: false });
        };
        let mut inner = self.lock();
        let inner = &mut *inner;
        if now.saturating_duration_since(inner.swept) >= SWEEP_EVERY {
            inner.sweep(now, burst, every);
        }
        let Some(record) = inner.addresses.get_mut(&address) else {
            return Ok(Attempt { address, reserved: false });
        };
        record.bucket.refill(now, burst, every);
        if record.bucket.tokens < 1.0 {
            return Err(TooMany { wait: record.bucket.wait(every), overall: false });
        }
        inner.overall.refill(now, overall_burst, overall_every);
        let failed_lately = record.last_failure.is_some_and(|at| now.saturating_duration_since(at) < REMEMBERED);
        if inner.overall.tokens < 1.0 && failed_lately {
            return Err(TooMany { wait: inner.overall.wait(overall_every), overall: true });
        }
        record.bucket.tokens -= 1.0;
        inner.overall.tokens = (inner.overall.tokens - 1.0).max(-overall_burst);
        Ok(Attempt { address, reserved: true })
    }

    fn settle_at(&self, attempt: Attempt, failed: bool, now: Instant) {
        let Some(Rates { burst, every, overall_burst, overall_every }) = self.rates else { return };
        let mut inner = self.lock();
        let inner = &mut *inner;
        inner.overall.refill(now, overall_burst, overall_every);
        match (attempt.reserved, failed) {
            (true, false) => {
                inner.overall.tokens = (inner.overall.tokens + 1.0).min(overall_burst);
                if let Some(record) = inner.addresses.get_mut(&attempt.address) {
                    record.bucket.refill(now, burst, every);
                    record.bucket.tokens = (record.bucket.tokens + 1.0).min(burst);
                }
            }
            (reserved, true) => {
                if !reserved {
                    inner.overall.tokens = (inner.overall.tokens - 1.0).max(-overall_burst);
                }
                if !inner.addresses.contains_key(&attempt.address) && inner.addresses.len() >= MAX_ADDRESSES {
                    inner.sweep(now, burst, every);
                    inner.forget_one();
                }
                let record = inner
                    .addresses
                    .entry(attempt.address)
                    .or_insert(Address { bucket: Bucket { tokens: burst, at: now }, last_failure: None });
                record.bucket.refill(now, burst, every);
                if !reserved {
                    // Attempts sent at once before the first failure was known pay here, down
                    // to a whole burst's debt.
                    record.bucket.tokens = (record.bucket.tokens - 1.0).max(-burst);
                }
                record.last_failure = Some(now);
            }
            (false, false) => {}
        }
    }
}

impl Inner {
    /// Forgets addresses whose failures are old and whose budget is whole again, and gives the
    /// map's memory back when it shrank.
    fn sweep(&mut self, now: Instant, burst: f64, every: Duration) {
        self.swept = now;
        self.addresses.retain(|_, record| {
            record.bucket.refill(now, burst, every);
            let old = record.last_failure.is_none_or(|at| now.saturating_duration_since(at) >= REMEMBERED);
            !(old && record.bucket.tokens >= burst)
        });
        if self.addresses.capacity() > 4 * self.addresses.len() + 64 {
            self.addresses.shrink_to_fit();
        }
    }

    /// Forgets the address seen least lately, to make room.
    fn forget_one(&mut self) {
        if self.addresses.len() < MAX_ADDRESSES {
            return;
        }
        let oldest = self.addresses.iter().min_by_key(|(_, record)| record.bucket.at).map(|(address, _)| *address);
        if let Some(address) = oldest {
            self.addresses.remove(&address);
        }
    }
}

/// 429 with `Retry-After` (whole seconds, at least 1) and the reason.
pub fn refused(too_many: TooMany) -> Response {
    let seconds = too_many.wait.as_secs_f64().ceil().max(1.0) as u64;
    let detail = if too_many.overall {
        format!(
            "too many unknown API keys from all addresses, and this address sent one lately: try again in {seconds} s"
        )
    } else {
        format!("too many unknown API keys from this address: try again in {seconds} s")
    };
    let envelope = ErrorEnvelope { errors: vec![ErrorItem { detail, path: None, hint: None }] };
    (StatusCode::TOO_MANY_REQUESTS, [(RETRY_AFTER, seconds.to_string())], Json(envelope)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    const BURST: f64 = DEFAULT_PER_ADDRESS as f64;
    const EVERY: Duration = Duration::from_secs(6);
    const OVERALL_BURST: f64 = 10.0 * BURST;
    const OVERALL_EVERY: Duration = Duration::from_millis(100);

    fn ip(last: u8) -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(192, 0, 2, last))
    }

    fn fail(guesses: &Guesses, address: IpAddr, now: Instant) -> Result<(), TooMany> {
        let attempt = guesses.check_at(address, now)?;
        guesses.settle_at(attempt, true, now);
        Ok(())
    }

    #[test]
    fn an_address_fails_its_burst_then_one_every_period() {
        let guesses = Guesses::default();
        let start = Instant::now();
        for _ in 0..BURST as usize {
            fail(&guesses, ip(1), start).unwrap();
        }
        let refused = fail(&guesses, ip(1), start).unwrap_err();
        assert!(!refused.overall && refused.wait > EVERY - Duration::from_millis(1) && refused.wait <= EVERY);
        assert!(fail(&guesses, ip(2), start).is_ok(), "another address is not refused");
        fail(&guesses, ip(1), start + EVERY).unwrap();
        assert!(fail(&guesses, ip(1), start + EVERY).is_err());
    }

    #[test]
    fn a_right_key_costs_nothing_and_attempts_at_once_cannot_pass_together() {
        let guesses = Guesses::default();
        let now = Instant::now();
        for _ in 0..100 {
            let attempt = guesses.check_at(ip(1), now).unwrap();
            guesses.settle_at(attempt, false, now);
        }
        assert!(guesses.lock().addresses.is_empty(), "successes are not remembered");
        fail(&guesses, ip(1), now).unwrap();
        let attempts: Vec<_> = (0..20).map_while(|_| guesses.check_at(ip(1), now).ok()).collect();
        assert_eq!(attempts.len(), BURST as usize - 1, "held at once, before they fail");
        for attempt in attempts {
            guesses.settle_at(attempt, false, now);
        }
        assert!(guesses.check_at(ip(1), now).is_ok(), "given back when they succeed");
    }

    #[test]
    fn while_the_overall_budget_is_spent_only_addresses_that_failed_lately_are_refused() {
        let guesses = Guesses::default();
        let now = Instant::now();
        for address in 0..OVERALL_BURST as u8 {
            fail(&guesses, ip(address), now).unwrap();
        }
        let refused = fail(&guesses, ip(1), now).unwrap_err();
        assert!(refused.overall && refused.wait <= OVERALL_EVERY, "{refused:?}");
        let clean = guesses.check_at(ip(200), now).expect("an address that never failed is heard");
        guesses.settle_at(clean, false, now);
        assert!(fail(&guesses, ip(1), now + OVERALL_EVERY).is_ok(), "the overall budget comes back");
    }

    #[test]
    fn addresses_are_forgotten_and_their_number_is_bounded() {
        let guesses = Guesses::default();
        let start = Instant::now();
        for n in 0..(MAX_ADDRESSES + 10) as u32 {
            let address = IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + n));
            let attempt = Attempt { address, reserved: false };
            guesses.settle_at(attempt, true, start);
        }
        assert_eq!(guesses.lock().addresses.len(), MAX_ADDRESSES);
        let later = start + REMEMBERED + EVERY;
        assert!(guesses.check_at(ip(1), later).is_ok());
        let inner = guesses.lock();
        assert!(inner.addresses.is_empty(), "{} addresses still remembered", inner.addresses.len());
        assert!(inner.addresses.capacity() < 1000, "the memory is given back");
    }

    #[test]
    fn no_limit_when_asked() {
        let guesses = Guesses::new(0);
        let now = Instant::now();
        for _ in 0..1000 {
            fail(&guesses, ip(1), now).unwrap();
        }
        assert!(guesses.lock().addresses.is_empty());
    }
}
