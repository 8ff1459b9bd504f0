//! Intakes through the real server: events pushed with the intake key, as Sekoia's SDK and
//! HTTP senders push them, are stored before they are acknowledged and survive a restart.

#![allow(clippy::unwrap_used)] // a test fails by panicking

mod common;

use common::{free_port, start_server, start_server_with};
use reqwest::Method;
use serde_json::{Value, json};

async fn push(base: &str, path: &str, body: Value, header_key: Option<&str>) -> (u16, Value) {
    let mut request = reqwest::Client::new().post(format!("{base}/api/v1/intake-http{path}")).json(&body);
    if let Some(key) = header_key {
        request = request.header("X-SEKOIAIO-INTAKE-KEY", key);
    }
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

#[tokio::test]
async fn events_pushed_with_the_intake_key_are_stored_in_order_and_bad_ones_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let server = start_server(dir.path(), port).await;

    let (status, problem) = server.call(Method::POST, "/api/v1/intakes", Some(json!({"name": " "}))).await;
    assert_eq!((status.as_u16(), problem["errors"][0]["path"].as_str()), (422, Some("$.name")));
    let connector = json!({"name": "x", "connector": {"module_uuid": "nope", "connector_uuid": "c"}});
    let (status, problem) = server.call(Method::POST, "/api/v1/intakes", Some(connector)).await;
    assert_eq!((status.as_u16(), problem["errors"][0]["path"].as_str()), (422, Some("$.connector.module_uuid")));

    let (status, intake) = server.call(Method::POST, "/api/v1/intakes", Some(json!({"name": "firewall"}))).await;
    assert_eq!(status.as_u16(), 201, "{intake}");
    let (uuid, key) = (intake["uuid"].as_str().unwrap(), intake["intake_key"].as_str().unwrap());

    let batch = json!({"intake_key": key, "jsons": ["{\"n\": 1}", "{\"n\": 2}"]});
    let (status, answer) = push(&server.base, "/batch", batch, None).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["event_ids"].as_array().unwrap().len(), 2);
    let (status, answer) = push(&server.base, "", json!({"json": "plain text"}), Some(key)).await;
    assert_eq!(status, 200, "{answer}");
    assert!(answer["event_id"].is_string());

    let (status, refused) = push(&server.base, "/batch", json!({"intake_key": "wrong", "jsons": ["x"]}), None).await;
    assert_eq!((status, refused["errors"][0]["detail"].as_str()), (401, Some("no intake has this intake key")));
    let (status, refused) = push(&server.base, "/batch", json!({"intake_key": key, "jsons": ["ok", 3]}), None).await;
    assert_eq!((status, refused["errors"][0]["path"].as_str()), (400, Some("$.jsons[1]")));
    let long = "x".repeat(250_001);
    let (status, refused) = push(&server.base, "/batch", json!({"intake_key": key, "jsons": [long]}), None).await;
    assert_eq!(status, 413, "{refused}");

    let (_, events) = server.call(Method::GET, &format!("/api/v1/intakes/{uuid}/events"), None).await;
    let messages: Vec<&str> =
        events["items"].as_array().unwrap().iter().map(|e| e["message"].as_str().unwrap()).collect();
    assert_eq!(messages, ["{\"n\": 1}", "{\"n\": 2}", "plain text"], "a refused batch stores nothing");

    drop(server);
    let server = start_server(dir.path(), port).await;
    let (_, events) = server.call(Method::GET, &format!("/api/v1/intakes/{uuid}/events?limit=1&offset=2"), None).await;
    assert_eq!((events["total"].as_u64(), events["items"][0]["message"].as_str()), (Some(3), Some("plain text")));
    let (status, _) = server.call(Method::DELETE, &format!("/api/v1/intakes/{uuid}"), None).await;
    assert_eq!(status.as_u16(), 204);
    let (status, _) = push(&server.base, "/batch", json!({"intake_key": key, "jsons": ["late"]}), None).await;
    assert_eq!(status, 401, "a deleted intake takes no more events");
}

#[tokio::test]
async fn a_batch_holds_at_most_100000_events() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(dir.path(), free_port()).await;
    let (_, intake) = server.call(Method::POST, "/api/v1/intakes", Some(json!({"name": "tiny events"}))).await;
    let (uuid, key) = (intake["uuid"].as_str().unwrap(), intake["intake_key"].as_str().unwrap());

    let (status, refused) =
        push(&server.base, "/batch", json!({"intake_key": key, "jsons": vec!["e"; 100_001]}), None).await;
    assert_eq!(status, 413, "{refused}");
    assert_eq!(refused["errors"][0]["path"], "$.jsons");
    assert_eq!(
        refused["errors"][0]["detail"],
        "the batch holds 100001 events; an intake takes at most 100000 events per batch"
    );
    let (status, answer) =
        push(&server.base, "/batch", json!({"intake_key": key, "jsons": vec!["e"; 100_000]}), None).await;
    assert_eq!(status, 200);
    assert_eq!(answer["event_ids"].as_array().unwrap().len(), 100_000);
    let (_, events) = server.call(Method::GET, &format!("/api/v1/intakes/{uuid}/events?limit=1"), None).await;
    assert_eq!((events["total"].as_u64(), events["items"][0]["message"].as_str()), (Some(100_000), Some("e")));
}

#[tokio::test]
async fn what_a_batch_s_events_weigh_counts_against_the_body_budget() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server_with(dir.path(), free_port(), &["--body-memory", "16"]).await;
    let (_, intake) = server.call(Method::POST, "/api/v1/intakes", Some(json!({"name": "tiny events"}))).await;
    let key = intake["intake_key"].as_str().unwrap();

    // 400 KB of body, but 100,000 records and ids to build: more than 16 MiB.
    let (status, refused) =
        push(&server.base, "/batch", json!({"intake_key": key, "jsons": vec!["e"; 100_000]}), None).await;
    assert_eq!(status, 503, "{}", refused["errors"]);
    assert_eq!(refused["errors"][0]["detail"], "the server is receiving too many request bodies: retry later");
    let (status, answer) =
        push(&server.base, "/batch", json!({"intake_key": key, "jsons": vec!["e"; 10_000]}), None).await;
    assert_eq!((status, answer["event_ids"].as_array().map(Vec::len)), (200, Some(10_000)));
}
