//! A service modules talk to in tests: a feed of entries, posts behind a bearer key, a status
//! page; and waiting for what the server does with it.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use reqwest::Method;
use serde_json::{Value, json};

use super::{Server, eventually};

/// The service the module talks to: a feed of entries, posts behind a bearer key, a status page.
#[derive(Clone, Default)]
pub struct Feed {
    pub entries: Arc<Mutex<Vec<Value>>>,
    pub authorizations: Arc<Mutex<Vec<String>>>,
}

pub async fn start_feed() -> (String, Feed) {
    let feed = Feed::default();
    let app = Router::new()
        .route(
            "/entries",
            get(|State(feed): State<Feed>| async move { axum::Json(json!(*feed.entries.lock().unwrap())) }),
        )
        .route(
            "/posts",
            get(|State(feed): State<Feed>, headers: HeaderMap| async move {
                let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or_default();
                feed.authorizations.lock().unwrap().push(auth.to_string());
                if auth != "Bearer tk-s3cret" {
                    return Err(StatusCode::UNAUTHORIZED);
                }
                Ok(axum::Json(json!([{"id": 1, "title": "one"}, {"id": 2, "title": "two"}])))
            }),
        )
        .route("/status", get(|| async { "all good" }))
        .with_state(feed.clone());
    let url = format!("http://{}", riposte_testkit::serve(app).await);
    (url, feed)
}

pub fn entry(id: i64) -> Value {
    json!({"id": id, "value": format!("entry {id}"), "timestamp": 1_700_000_000 + id})
}

pub async fn finished_runs(server: &Server, playbook: &str) -> Vec<Value> {
    let (_, runs) = server.call(Method::GET, &format!("/api/v1/symphony/runs?playbook_uuid={playbook}"), None).await;
    let items = runs["items"].as_array().cloned().unwrap_or_default();
    items.into_iter().filter(|r| r["status"] != "pending" && r["status"] != "running").collect()
}

/// An intake whose connector is the module's first, polling `url`; the events it received once
/// there are `count`, each parsed from its JSON text.
pub async fn connector_events(
    server: &Server,
    module: &Value,
    account: &Value,
    settings: Value,
    count: u64,
) -> Vec<Value> {
    let intake = json!({"name": "posts", "connector": {
        "module_uuid": module["uuid"], "connector_uuid": module["connectors"][0]["uuid"],
        "module_configuration_uuid": account["uuid"], "configuration": settings}});
    let (status, intake) = server.call(Method::POST, "/api/v1/intakes", Some(intake)).await;
    assert_eq!(status.as_u16(), 201, "{intake}");
    let events_path = format!("/api/v1/intakes/{}/events", intake["uuid"].as_str().unwrap());
    let events = eventually("the connector's events", async || {
        let (_, events) = server.call(Method::GET, &events_path, None).await;
        (events["total"].as_u64()? >= count).then_some(events)
    })
    .await;
    let items = events["items"].as_array().unwrap().iter();
    items.map(|e| serde_json::from_str(e["message"].as_str().unwrap()).unwrap()).collect()
}
