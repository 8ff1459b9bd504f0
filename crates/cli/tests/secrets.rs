//! A tool that echoes the secret it was sent, in every way a tool can (as a key of its answer,
//! JSON-escaped or `\u`-escaped in an error, cut short in an abbreviated error): the secret
//! reaches neither the run view, nor the next node's arguments, nor the database.

#![allow(clippy::unwrap_used)] // a test fails by panicking

mod common;

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use common::{free_port, seed_playbook, start_server, start_sink};
use reqwest::Method;
use serde_json::{Value, json};

const SECRET: &str = "Quote\"Secret\\Key-0123456789";

/// A Sekoia-like API whose alert route echoes the bearer token as `mode` asks.
async fn start_echoing_tool() -> String {
    let app = Router::new().route(
        "/api/v1/sic/alerts/{mode}",
        get(|Path(mode): Path<String>, headers: HeaderMap| async move {
            let token = headers["authorization"].to_str().unwrap().trim_start_matches("Bearer ").to_string();
            let escaped = serde_json::to_string(&token).unwrap();
            let unicode: String = token.chars().map(|c| format!("\\u{:04x}", c as u32)).collect();
            match mode.as_str() {
                "keyed" => (StatusCode::OK, json!({format!("Bearer {token}"): 1, "rule": {"name": "r"}}).to_string()),
                "escaped" => (StatusCode::FORBIDDEN, format!("{{\"error\": \"bad token\", \"token\": {escaped}}}")),
                "unicode" => (StatusCode::FORBIDDEN, format!("{{\"token\": \"{unicode}\"}}")),
                _ => (StatusCode::FORBIDDEN, format!("{}{token}", "x".repeat(290))),
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{address}")
}

fn forbidden_forms() -> Vec<String> {
    let escaped = serde_json::to_string(SECRET).unwrap();
    vec![
        SECRET.to_string(),
        escaped.trim_matches('"').to_string(),
        "0123456789".to_string(),
        "\\u0051\\u0075\\u006f\\u0074\\u0065".to_string(),
        "Quote\\\"Sec".to_string(),
        "Quote\"Sec".to_string(),
    ]
}

#[tokio::test]
async fn a_secret_echoed_by_a_tool_in_any_form_is_never_shown_nor_stored() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(dir.path(), free_port()).await;
    let tool = start_echoing_tool().await;
    let (sink_url, sink) = start_sink().await;
    let configuration = json!({"module_uuid": "92d8bb47-7c51-445d-81de-ae04edbb6f0a", "name": "echo",
        "value": {"base_url": tool, "api_key": SECRET}});
    let (_, configuration) =
        server.call(Method::POST, "/api/v1/symphony/module-configurations", Some(configuration)).await;

    let mut playbook = seed_playbook(&sink_url);
    playbook["uuid"] = Value::Null;
    playbook["nodes"]["0"]["trigger_uuid"] = json!("fc26eb9f-b272-4c15-b3bf-ace397c0dc57");
    playbook["nodes"]["1"]["module_configuration_uuid"] = configuration["uuid"].clone();
    playbook["nodes"]["2"]["arguments"]["json"] = json!("{{ node.1 }}");
    let (_, created) =
        server.call(Method::POST, "/api/v1/symphony/playbooks", Some(json!({"playbook": playbook}))).await;
    let playbook_uuid = created["uuid"].as_str().unwrap();

    let mut shown = String::new();
    for mode in ["keyed", "escaped", "unicode", "cut"] {
        let event = json!({"event": {"alert_uuid": mode}});
        let path = format!("/api/v1/symphony/playbooks/{playbook_uuid}/run");
        let (status, run) = server.call(Method::POST, &path, Some(event)).await;
        assert_eq!(status, 202, "{run}");
    }
    let runs = server.run_of(playbook_uuid, 4).await;
    for run in &runs {
        let (_, view) =
            server.call(Method::GET, &format!("/api/v1/symphony/runs/{}", run["uuid"].as_str().unwrap()), None).await;
        shown.push_str(&view.to_string());
    }
    assert!(shown.contains("Bearer ***"), "the keyed answer is shown, scrubbed: {shown}");
    assert!(shown.contains("\"Authorization\":\"***\""), "the header argument is redacted: {shown}");
    let sent: String = sink.0.lock().unwrap().iter().map(|(_, body)| body.clone()).collect();
    assert!(sent.contains("Bearer ***"), "the next node got the scrubbed answer: {sent} {shown}");

    let mut stored = String::new();
    for file in ["riposte.db", "riposte.db-wal"] {
        stored.push_str(&String::from_utf8_lossy(&std::fs::read(dir.path().join(file)).unwrap_or_default()));
    }
    for form in forbidden_forms() {
        assert!(!shown.contains(&form), "the run view shows `{form}`: {shown}");
        assert!(!sent.contains(&form), "the next node was given `{form}`: {sent}");
        assert!(!stored.contains(&form), "the database holds `{form}`");
    }
}
