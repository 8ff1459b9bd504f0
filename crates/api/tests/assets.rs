//! Sekoia's asset connector API: an intake's asset connector sends assets with the intake's key
//! as its bearer token; the intake keeps the latest state of each, readable with an API key.

#![allow(clippy::unwrap_used)] // a test fails by panicking

use axum::http::StatusCode;
use riposte_testkit::TestApp;
use serde_json::{Value, json};

fn device(uid: &str, hostname: &str) -> Value {
    json!({"class_uid": 5001, "class_name": "Device Inventory Info", "device": {"uid": uid, "hostname": hostname}})
}

#[tokio::test]
async fn an_intake_keeps_the_latest_state_of_each_asset_its_connector_sends() {
    let server = TestApp::start().await;
    let (_, intake) = server.post("/api/v1/intakes", json!({"name": "devices"})).await;
    let (uuid, key) = (intake["uuid"].as_str().unwrap(), intake["intake_key"].as_str().unwrap());
    let connector = server.with_key(key);
    let push = format!("/api/v2/asset-management/asset-connector/{uuid}");

    let batch = json!({"version": 1, "items": [device("d-1", "laptop"), device("d-2", "printer")]});
    let (status, answer) = connector.post(&push, batch).await;
    assert_eq!((status, answer), (StatusCode::OK, json!({"received": 2})));
    let again = json!({"version": 1, "items": [device("d-1", "laptop-renamed")]});
    assert_eq!(connector.post(&push, again).await.0, StatusCode::OK);

    let (status, assets) = server.get(&format!("/api/v1/intakes/{uuid}/assets")).await;
    assert_eq!(status, StatusCode::OK, "{assets}");
    assert_eq!(assets["total"], 2, "{assets}");
    let first = &assets["items"][0];
    assert_eq!((first["key"].as_str(), first["class_uid"].as_i64()), (Some("5001:device:d-1"), Some(5001)));
    assert_eq!(first["asset"]["device"]["hostname"], "laptop-renamed", "the latest state replaces the first");
    assert!(first["last_seen"].as_i64() >= first["first_seen"].as_i64(), "{first}");
}

#[tokio::test]
async fn a_push_needs_the_intakes_own_key_and_good_assets() {
    let server = TestApp::start().await;
    let (_, intake) = server.post("/api/v1/intakes", json!({"name": "devices"})).await;
    let (_, other) = server.post("/api/v1/intakes", json!({"name": "other"})).await;
    let uuid = intake["uuid"].as_str().unwrap();
    let push = format!("/api/v2/asset-management/asset-connector/{uuid}");
    let batch = json!({"items": [device("d-1", "laptop")]});

    for key in [other["intake_key"].as_str().unwrap(), &server.key, "nope"] {
        let (status, refused) = server.with_key(key).post(&push, batch.clone()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "another intake's key, an API key: {refused}");
    }
    let unknown = "/api/v2/asset-management/asset-connector/00000000-0000-4000-8000-000000000000";
    let own_key = server.with_key(intake["intake_key"].as_str().unwrap());
    assert_eq!(
        own_key.post(unknown, batch.clone()).await.0,
        StatusCode::UNAUTHORIZED,
        "no hint of which intakes exist"
    );

    let (status, refused) = own_key.post(&push, json!({"items": [device("d-1", "a"), "not an asset"]})).await;
    assert_eq!((status, &refused["errors"][0]["path"]), (StatusCode::UNPROCESSABLE_ENTITY, &json!("$.items[1]")));
    let (status, refused) = own_key.post(&push, json!({"assets": []})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    let many: Vec<Value> = (0..10_001).map(|n| json!({"uid": n})).collect();
    let (status, refused) = own_key.post(&push, json!({"items": many})).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{refused}");
    assert!(refused["errors"][0]["detail"].as_str().unwrap().contains("at most 10000"), "{refused}");
    assert_eq!(server.get(&format!("/api/v1/intakes/{uuid}/assets")).await.1["total"], 0, "nothing refused is kept");
}
