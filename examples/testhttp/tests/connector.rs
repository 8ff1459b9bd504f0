//! `TesthttpConnector` against a local API: in-process through an `IntakeHost`, and as its own
//! process would run it, over Sekoia's module protocol.

#![allow(clippy::unwrap_used)] // a test fails by panicking

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::Method;
use axum::routing::any;
use axum::{Json, Router};
use common::{Host, Remote, start, wait_until};
use riposte_sdk::wire::{Inputs, Retry, run_command};
use riposte_sdk::{FailureKind, LogLevel};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

fn settings(remote: &Remote) -> Value {
    json!({"intake_key": "key-1", "url": remote.url("/items"), "polling_interval": 1})
}

/// The events of a batch, back as JSON.
fn decoded(events: &[String]) -> Vec<Value> {
    events.iter().map(|e| serde_json::from_str(e).expect("events are JSON texts")).collect()
}

#[tokio::test]
async fn new_items_reach_the_intake_once_tagged_with_their_source() {
    let items =
        vec![json!({"id": 1, "title": "first"}), json!({"title": "no id"}), json!({"id": 2, "title": "second"})];
    let remote = Remote::start(items).await;
    let host = Arc::new(Host::default());
    let connector = start("TesthttpConnector", &host, json!({"api_key": "k-123"}), settings(&remote));

    wait_until("the first items are pushed", || host.batches().len() == 1).await;
    remote.add(json!({"id": 3, "title": "third"}));
    wait_until("the new item is pushed", || host.batches().len() == 2).await;
    let polls = remote.polls();
    wait_until("one more poll, with nothing new", || remote.polls() > polls).await;
    connector.stop().await.unwrap();

    let batches = host.batches();
    assert_eq!(batches.len(), 2, "{batches:?}");
    assert_eq!(batches[0].0, "key-1");
    assert_eq!(
        decoded(&batches[0].1),
        [
            json!({"id": 1, "title": "first", "source": "testhttp"}),
            json!({"id": 2, "title": "second", "source": "testhttp"})
        ]
    );
    assert_eq!(decoded(&batches[1].1), [json!({"id": 3, "title": "third", "source": "testhttp"})]);
    assert!(
        remote.authorizations().iter().all(|a| a.as_deref() == Some("Bearer k-123")),
        "{:?}",
        remote.authorizations()
    );
    assert!(host.logged(LogLevel::Warning).contains(&"1 items without an integer `id` were left out".to_string()));
    assert!(host.logged(LogLevel::Info).contains(&"2 events collected".to_string()));
}

#[tokio::test]
async fn a_failed_poll_is_logged_and_polling_goes_on() {
    let remote = Remote::start(vec![json!({"id": 1})]).await;
    remote.set_failing(true);
    let host = Arc::new(Host::default());
    let connector = start("TesthttpConnector", &host, json!({"api_key": "k-123"}), settings(&remote));

    wait_until("the failure is logged", || !host.logged(LogLevel::Error).is_empty()).await;
    let expected =
        format!("Error fetching data from Testhttp API: HTTP Request failed: {}/items with 503", remote.base);
    assert_eq!(host.logged(LogLevel::Error)[0], expected);
    remote.set_failing(false);
    wait_until("the item is pushed once the API answers", || host.batches().len() == 1).await;
    connector.stop().await.unwrap();
}

#[tokio::test]
async fn without_an_api_key_the_connector_does_not_start() {
    let remote = Remote::start(vec![]).await;
    let host = Arc::new(Host::default());
    let error = start("TesthttpConnector", &host, json!({}), settings(&remote)).ended().await.unwrap_err();
    assert_eq!(error.kind, FailureKind::Fatal);
    assert!(error.message.contains("invalid module configuration"), "{}", error.message);
    assert_eq!(remote.polls(), 0);
}

/// What the platform received: each call's method, path and body.
type Calls = Arc<Mutex<Vec<(String, String, Value)>>>;

/// Sekoia's side of the protocol: the secrets of the module, logs, and the intake's batches.
async fn platform(State(calls): State<Calls>, method: Method, Path(path): Path<String>, body: String) -> Json<Value> {
    let body: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    calls.lock().unwrap().push((method.to_string(), path.clone(), body.clone()));
    match path.as_str() {
        "secrets" => Json(json!({"value": {"api_key": "s3cret"}, "node_value": {}})),
        "intake/batch" => {
            let count = body["jsons"].as_array().map_or(0, Vec::len);
            Json(json!({"event_ids": (0..count).map(|i| format!("e{i}")).collect::<Vec<_>>()}))
        }
        _ => Json(json!({})),
    }
}

async fn start_platform() -> (String, Calls) {
    let calls = Calls::default();
    let app = Router::new().route("/{*path}", any(platform)).with_state(calls.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (base, calls)
}

fn batches(calls: &Calls) -> Vec<Value> {
    calls.lock().unwrap().iter().filter(|(m, p, _)| m == "POST" && p == "intake/batch").map(|c| c.2.clone()).collect()
}

#[tokio::test]
async fn over_the_protocol_the_secret_api_key_reaches_the_api_and_batches_the_intake() {
    let remote = Remote::start(vec![json!({"id": 7, "title": "seven"})]).await;
    let (platform, calls) = start_platform().await;
    let configuration = json!({
        "intake_key": "key-1",
        "intake_server": format!("{platform}/intake"),
        "url": remote.url("/items"),
        "polling_interval": 1,
    });
    let inputs = Inputs::Given(HashMap::from([
        ("token".to_string(), "node-token".to_string()),
        ("url_callback".to_string(), format!("{platform}/callback")),
        ("module_configuration".to_string(), "{}".to_string()),
        ("connector_configuration".to_string(), configuration.to_string()),
    ]));
    let fast = Retry { attempts: 3, base: Duration::from_millis(1), max_wait: Duration::from_millis(5) };
    let stop = CancellationToken::new();
    let running = tokio::spawn({
        let stop = stop.clone();
        async move { run_command(&testhttp::module(), "TesthttpConnector", &inputs, fast, stop).await }
    });

    wait_until("a batch reaches the intake", || !batches(&calls).is_empty()).await;
    stop.cancel();
    tokio::time::timeout(Duration::from_secs(5), running).await.expect("the connector stops").unwrap().unwrap();

    assert_eq!(remote.authorizations()[0].as_deref(), Some("Bearer s3cret"), "the secret fetched at start is used");
    let batch = &batches(&calls)[0];
    assert_eq!(batch["intake_key"], "key-1");
    assert_eq!(batch["jsons"], json!([r#"{"id":7,"title":"seven","source":"testhttp"}"#]));
}
