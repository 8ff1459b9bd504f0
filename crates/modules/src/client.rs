use std::sync::Arc;
use std::time::Duration;

use crate::destinations::{CheckedResolver, Destinations};

/// The HTTP clients modules share: one that verifies TLS certificates and one that does not
/// (for `verify_ssl: false`), both held to the outbound policy. Cloning shares the connection
/// pools.
#[derive(Debug, Clone)]
pub struct HttpClients {
    pub verified: reqwest::Client,
    pub unverified: reqwest::Client,
    pub destinations: Arc<Destinations>,
}

/// Redirects followed at most, as reqwest's default.
const MAX_REDIRECTS: usize = 10;

impl HttpClients {
    /// Clients with the default outbound policy (cloud metadata services denied).
    pub fn new() -> Result<Self, reqwest::Error> {
        HttpClients::with_destinations(Destinations::default())
    }

    pub fn with_destinations(destinations: Destinations) -> Result<Self, reqwest::Error> {
        let destinations = Arc::new(destinations);
        let build = |verify: bool| {
            let policy = destinations.clone();
            let redirects = reqwest::redirect::Policy::custom(move |attempt| {
                if attempt.previous().len() >= MAX_REDIRECTS {
                    return attempt.error(format!("more than {MAX_REDIRECTS} redirects"));
                }
                match policy.check_url(attempt.url()) {
                    Ok(()) => attempt.follow(),
                    Err(reason) => attempt.error(reason),
                }
            });
            reqwest::Client::builder()
                .user_agent(concat!("riposte/", env!("CARGO_PKG_VERSION")))
                .connect_timeout(Duration::from_secs(10))
                .pool_idle_timeout(Duration::from_secs(90))
                .tls_danger_accept_invalid_certs(!verify)
                .dns_resolver(CheckedResolver(destinations.clone()))
                .redirect(redirects)
                .build()
        };
        Ok(HttpClients { verified: build(true)?, unverified: build(false)?, destinations: destinations.clone() })
    }

    /// Why a request to `url` is refused by the outbound policy, if its host is an address (a
    /// host name's addresses are checked when it is resolved).
    pub fn check(&self, url: &reqwest::Url) -> Result<(), String> {
        self.destinations.check_url(url)
    }

    pub fn get(&self, verify_tls: bool) -> &reqwest::Client {
        if verify_tls { &self.verified } else { &self.unverified }
    }
}

/// A reqwest error with its causes ("error sending request: connection refused"), since its
/// own message stops at the first line.
pub(crate) fn describe(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}
