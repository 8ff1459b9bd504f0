//! The `Request` action against a local server.

#![allow(clippy::unwrap_used)] // a test fails by panicking

mod common;

use common::Remote;
use riposte_sdk::{ActionContext, ActionOutcome, Command, FailureKind, LogLevel};
use serde_json::{Value, json};

/// Calls the action the module registers as `Request`, as a host calls it.
async fn request(arguments: Value) -> ActionOutcome {
    let Some(Command::Action(action)) = testhttp::module().find_command("Request") else {
        panic!("the module registers `Request` as an action");
    };
    action.call(ActionContext::new(json!({"api_key": "k-123"}), "run-1:node-1"), arguments).await
}

#[tokio::test]
async fn sends_the_method_and_headers_and_returns_the_answer() {
    let remote = Remote::start(vec![]).await;
    let url = remote.url("/echo");
    let outcome = request(json!({"url": url, "method": "post", "headers": {"x-greeting": "hello"}})).await;

    assert_eq!(outcome.error, None);
    let results = outcome.results.unwrap();
    assert_eq!(results["status_code"], 200);
    assert_eq!(results["text"], "hello", "the headers reached the server");
    assert_eq!(results["headers"]["x-method"], "POST");
    assert_eq!(results["headers"]["x-tag"], "a, b", "a repeated header keeps every value");
    assert_eq!(outcome.logs[0].level, LogLevel::Info);
    assert_eq!(outcome.logs[0].message, format!("Request URL module started. Target URL: {url}"));
}

#[tokio::test]
async fn a_404_fails_the_action_and_keeps_the_answer() {
    let remote = Remote::start(vec![]).await;
    let url = remote.url("/missing");
    let outcome = request(json!({"url": url, "method": "get"})).await;

    let error = outcome.error.unwrap();
    assert_eq!(error.kind, FailureKind::Action);
    assert_eq!(error.message, format!("HTTP Request failed: {url} with 404"));
    let results = outcome.results.expect("the results of a failed request are still recorded");
    assert_eq!(results["status_code"], 404);
    assert_eq!(results["text"], "nothing here");
}

#[tokio::test]
async fn an_unreachable_server_is_worth_retrying() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    drop(listener);
    let error = request(json!({"url": url, "method": "get"})).await.error.unwrap();
    assert_eq!(error.kind, FailureKind::Transient);
    assert!(error.message.starts_with(&format!("HTTP Request failed: {url}: ")), "{}", error.message);
}

#[tokio::test]
async fn methods_outside_the_list_and_bad_urls_are_refused() {
    let error = request(json!({"url": "http://127.0.0.1:9/", "method": "head"})).await.error.unwrap();
    assert_eq!(error.kind, FailureKind::Fatal);
    assert!(error.message.starts_with("invalid argument `method`: unknown variant `head`"), "{}", error.message);
    let error = request(json!({"url": "not a url", "method": "get"})).await.error.unwrap();
    assert_eq!(error.kind, FailureKind::Fatal);
    assert!(error.message.starts_with("invalid url `not a url`"), "{}", error.message);
}
