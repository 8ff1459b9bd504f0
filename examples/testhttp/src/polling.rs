//! What the trigger and the connector share: they poll a URL answering a JSON list, and send
//! each item once.

use std::time::Duration;

use reqwest::Url;
use riposte_sdk::{ActionError, FailureKind};
use serde::de::DeserializeOwned;

/// The polling interval when the configuration sets none, in seconds.
const DEFAULT_INTERVAL: u64 = 60;

/// A poll waits at most this long for an answer: the component only notices a stop request
/// between polls, so a server that never answers must not hold it up for long.
const POLL_TIMEOUT: Duration = Duration::from_secs(30);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

pub(crate) fn default_interval() -> u64 {
    DEFAULT_INTERVAL
}

/// The pause between polls; 0 is read as 1 second, since it would poll in a busy loop.
pub(crate) fn interval(seconds: u64) -> Duration {
    Duration::from_secs(seconds.max(1))
}

/// The client of the trigger and the connector.
pub(crate) fn poll_client() -> Result<reqwest::Client, ActionError> {
    build(client_builder().timeout(POLL_TIMEOUT))
}

/// The client of the action: no overall timeout, since the platform bounds the action's run.
pub(crate) fn action_client() -> Result<reqwest::Client, ActionError> {
    build(client_builder())
}

fn client_builder() -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .user_agent(concat!("testhttp/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(CONNECT_TIMEOUT)
}

fn build(builder: reqwest::ClientBuilder) -> Result<reqwest::Client, ActionError> {
    builder.build().map_err(|e| ActionError::fatal(format!("cannot set up the HTTP client: {}", describe(&e))))
}

/// Checked once, before the first request: a URL that does not parse will never work.
pub(crate) fn parse_url(url: &str) -> Result<Url, ActionError> {
    Url::parse(url).map_err(|e| ActionError::fatal(format!("invalid url `{url}`: {e}")))
}

/// Reads the JSON list at `url`; the error is the message to log, since a failed poll is
/// tried again at the next one.
pub(crate) async fn get_list<T: DeserializeOwned>(
    client: &reqwest::Client,
    url: &Url,
    bearer: Option<&str>,
) -> Result<Vec<T>, String> {
    let mut request = client.get(url.clone());
    if let Some(token) = bearer {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.map_err(|e| format!("HTTP Request failed: {url}: {}", describe(&e)))?;
    let status = response.status();
    if !status.is_success() {
        return Err(format!("HTTP Request failed: {url} with {}", status.as_u16()));
    }
    let body = response.bytes().await.map_err(|e| format!("HTTP Request failed: {url}: {}", describe(&e)))?;
    serde_json::from_slice(&body).map_err(|e| format!("{url} did not answer the expected JSON list: {e}"))
}

/// The items whose id is above `last` (all of them before the first delivery), once each, by
/// increasing id: the source answers everything it has at every poll.
pub(crate) fn newer_than<T>(items: Vec<T>, last: Option<i64>, id: impl Fn(&T) -> i64) -> Vec<T> {
    let mut fresh: Vec<T> = items.into_iter().filter(|item| last.is_none_or(|last| id(item) > last)).collect();
    fresh.sort_by_key(&id);
    fresh.dedup_by_key(|item| id(item));
    fresh
}

/// A delivery the host could not make for now is left to the next poll (the cursor has not
/// moved, so the same items go again); the message says so. A refusal ends the run: the same
/// items would be refused again.
pub(crate) fn retry_at_next_poll(error: ActionError) -> Result<String, ActionError> {
    match error.kind {
        FailureKind::Transient | FailureKind::Timeout => {
            Ok(format!("{}; the same items go again at the next poll", error.message))
        }
        FailureKind::Action | FailureKind::Fatal => Err(error),
    }
}

/// A reqwest error with its causes ("error sending request: connection refused"): its own
/// message stops at the first.
pub(crate) fn describe(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_items_above_the_cursor_are_new_once_each_in_order() {
        let items = vec![3, 1, 5, 3, 4];
        assert_eq!(newer_than(items.clone(), None, |i| *i), vec![1, 3, 4, 5]);
        assert_eq!(newer_than(items.clone(), Some(3), |i| *i), vec![4, 5]);
        assert_eq!(newer_than(items, Some(5), |i| *i), Vec::<i64>::new());
    }

    #[test]
    fn transient_failures_wait_for_the_next_poll_and_refusals_end_the_run() {
        let later = retry_at_next_poll(ActionError::transient("platform down")).unwrap();
        assert_eq!(later, "platform down; the same items go again at the next poll");
        assert_eq!(retry_at_next_poll(ActionError::action("refused")).unwrap_err().message, "refused");
    }

    #[test]
    fn a_zero_interval_does_not_spin() {
        assert_eq!(interval(0), Duration::from_secs(1));
        assert_eq!(interval(60), Duration::from_secs(60));
    }
}
