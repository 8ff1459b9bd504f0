//! Calls to the platform: Bearer token, Sekoia's retry rule (connection errors and 5xx are
//! retried with exponential waits; a 4xx is final).

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use reqwest::Method;
use serde_json::Value;

use crate::SdkError;

/// How calls are retried.
#[derive(Debug, Clone, Copy)]
pub struct Retry {
    pub attempts: u32,
    /// The wait after attempt n is `base × 2^n`.
    pub base: Duration,
    pub max_wait: Duration,
}

impl Retry {
    /// Sekoia's SDK: 10 attempts, waiting 2, 4, 8, ... seconds.
    pub const SEKOIA: Retry = Retry { attempts: 10, base: Duration::from_secs(1), max_wait: Duration::from_secs(600) };

    pub(crate) fn wait(&self, attempt: u32) -> Duration {
        self.base.saturating_mul(2u32.saturating_pow(attempt)).min(self.max_wait)
    }
}

#[derive(Debug, Clone)]
pub struct Platform {
    /// For `http://` URLs: a platform on the same machine or network.
    plain: reqwest::Client,
    /// For `https://` URLs, made on first use: loading the system's root certificates takes
    /// milliseconds, a large share of a short action's run.
    tls: Arc<OnceLock<reqwest::Client>>,
    token: String,
    retry: Retry,
}

const TIMEOUT: Duration = Duration::from_secs(30);

impl Platform {
    pub fn new(token: String, retry: Retry) -> Self {
        let plain =
            reqwest::Client::builder().timeout(TIMEOUT).tls_certs_only([]).build().expect("an HTTP client builds");
        Platform { plain, tls: Arc::default(), token, retry }
    }

    fn client_for(&self, url: &str) -> &reqwest::Client {
        if url.starts_with("http://") {
            return &self.plain;
        }
        self.tls.get_or_init(|| {
            reqwest::Client::builder().timeout(TIMEOUT).build().expect("an HTTPS client with the system's roots builds")
        })
    }

    /// Sends `body` and returns the JSON answer (`Null` when there is none), retrying failures
    /// that are not refusals.
    pub async fn call(&self, method: Method, url: &str, body: Option<&Value>) -> Result<Value, SdkError> {
        let mut last = String::new();
        for attempt in 1..=self.retry.attempts {
            match self.call_once(method.clone(), url, body).await {
                Err(SdkError::Platform(message)) => last = message,
                answer => return answer,
            }
            if attempt < self.retry.attempts {
                tokio::time::sleep(self.retry.wait(attempt)).await;
            }
        }
        Err(SdkError::Platform(format!("{last} after {} attempts", self.retry.attempts)))
    }

    /// One attempt: a 4xx is `Refused`, any other failure `Platform`.
    pub async fn call_once(&self, method: Method, url: &str, body: Option<&Value>) -> Result<Value, SdkError> {
        let mut request = self.client_for(url).request(method.clone(), url).bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(body);
        }
        match request.send().await {
            Ok(response) if response.status().is_success() => {
                let bytes = response.bytes().await.map_err(|e| SdkError::Platform(e.to_string()))?;
                Ok(serde_json::from_slice(&bytes).unwrap_or(Value::Null))
            }
            Ok(response) if response.status().is_client_error() => {
                let status = response.status();
                let text = response.text().await.unwrap_or_default();
                let message = format!("{method} {url} was refused ({status}): {text}");
                Err(SdkError::Refused { status: status.as_u16(), message })
            }
            Ok(response) => Err(SdkError::Platform(format!("{method} {url} failed ({})", response.status()))),
            Err(e) => Err(SdkError::Platform(format!("{method} {url} failed: {e}"))),
        }
    }
}
