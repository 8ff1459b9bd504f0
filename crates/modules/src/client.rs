use std::time::Duration;

/// The HTTP clients modules share: one that verifies TLS certificates and one that does not
/// (for `verify_ssl: false`). Cloning shares the connection pools.
#[derive(Debug, Clone)]
pub struct HttpClients {
    pub verified: reqwest::Client,
    pub unverified: reqwest::Client,
}

impl HttpClients {
    pub fn new() -> Result<Self, reqwest::Error> {
        let build = |verify: bool| {
            reqwest::Client::builder()
                .user_agent(concat!("riposte/", env!("CARGO_PKG_VERSION")))
                .connect_timeout(Duration::from_secs(10))
                .pool_idle_timeout(Duration::from_secs(90))
                .tls_danger_accept_invalid_certs(!verify)
                .build()
        };
        Ok(HttpClients { verified: build(true)?, unverified: build(false)? })
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
