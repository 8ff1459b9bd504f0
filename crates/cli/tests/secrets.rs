//! A tool that echoes the secret it was sent, in every way a tool can (as a key of its answer,
//! JSON-escaped or `\u`-escaped in an error, cut short in an abbreviated error): the secret
//! reaches neither the run view, nor the next node's arguments, nor the database.

#![allow(clippy::unwrap_used)] // a test fails by panicking

mod common;

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use base64::Engine as _;
use common::{Sink, free_port, playbooks, start_server};
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
                // Get Alert keeps 300 characters of an error body: 3 of the key would be left.
                "cut3" => (StatusCode::FORBIDDEN, format!("{}{token}", "x".repeat(297))),
                "basic" => {
                    let basic = base64::engine::general_purpose::STANDARD.encode(format!("user:{token}"));
                    (StatusCode::FORBIDDEN, format!("{{\"authorization\": \"Basic {basic}\"}}"))
                }
                _ => (StatusCode::FORBIDDEN, format!("{}{token}", "x".repeat(290))),
            }
        }),
    );
    let address = riposte_testkit::serve(app).await;
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
    let (sink_url, sink) = Sink::start().await;
    let configuration = json!({"module_uuid": "92d8bb47-7c51-445d-81de-ae04edbb6f0a", "name": "echo",
        "value": {"base_url": tool, "api_key": SECRET}});
    let (_, configuration) =
        server.call(Method::POST, "/api/v1/symphony/module-configurations", Some(configuration)).await;

    let mut playbook = playbooks::seed(&sink_url);
    playbook["uuid"] = Value::Null;
    playbook["nodes"]["0"]["trigger_uuid"] = json!("fc26eb9f-b272-4c15-b3bf-ace397c0dc57");
    playbook["nodes"]["1"]["module_configuration_uuid"] = configuration["uuid"].clone();
    playbook["nodes"]["2"]["arguments"]["json"] = json!("{{ node.1 }}");
    let (_, created) =
        server.call(Method::POST, "/api/v1/symphony/playbooks", Some(json!({"playbook": playbook}))).await;
    let playbook_uuid = created["uuid"].as_str().unwrap();

    let mut shown = String::new();
    for mode in ["keyed", "escaped", "unicode", "cut", "cut3", "basic"] {
        let event = json!({"event": {"alert_uuid": mode}});
        let path = format!("/api/v1/symphony/playbooks/{playbook_uuid}/run");
        let (status, run) = server.call(Method::POST, &path, Some(event)).await;
        assert_eq!(status, 202, "{run}");
    }
    let runs = server.finished_runs(playbook_uuid, 6).await;
    for run in &runs {
        let (_, view) =
            server.call(Method::GET, &format!("/api/v1/symphony/runs/{}", run["uuid"].as_str().unwrap()), None).await;
        shown.push_str(&view.to_string());
    }
    assert!(shown.contains("Bearer ***"), "the keyed answer is shown, scrubbed: {shown}");
    assert!(shown.contains(&format!("{}***[…]", "x".repeat(297))), "3 characters left by a cut: {shown}");
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("user:{SECRET}"));
    assert!(shown.contains("Basic dXNlcj") && !shown.contains(&basic[8..basic.len() - 4]), "base64: {shown}");
    assert!(shown.contains("\"Authorization\":\"***\""), "the header argument is redacted: {shown}");
    let sent: String = sink.requests().iter().map(|(_, body)| body.clone()).collect();
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

/// Through the HTTP API and the server's log: a configuration's secret fields are write-only.
#[tokio::test]
async fn secrets_are_write_only_and_never_shown() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(dir.path(), free_port()).await;
    let (sink_url, sink) = Sink::start().await;
    let sekoia = "92d8bb47-7c51-445d-81de-ae04edbb6f0a";
    let body = json!({"module_uuid": sekoia, "name": "This tenant", "value": {"base_url": server.base, "api_key": server.key}});
    let (status, created) = server.call(Method::POST, "/api/v1/symphony/module-configurations", Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["secrets"], json!(["api_key"]));
    assert_eq!(created["value"], json!({"base_url": server.base}));
    let configuration = created["uuid"].as_str().unwrap().to_string();

    let mut playbook = playbooks::seed(&sink_url);
    playbook["nodes"]["1"]["module_configuration_uuid"] = json!(configuration);
    playbook["nodes"]["2"]["arguments"]["auth_type"] = json!("Bearer");
    playbook["nodes"]["2"]["arguments"]["auth_token"] = json!("tok-SECRET-4242");
    let (_, created) =
        server.call(Method::POST, "/api/v1/symphony/playbooks", Some(json!({"playbook": playbook}))).await;
    let uuid = created["uuid"].as_str().unwrap().to_string();
    server.call(Method::POST, &format!("/api/v1/symphony/playbooks/{uuid}/activate"), None).await;
    server.call(Method::POST, "/api/v1/sic/alerts", Some(json!({"title": "t", "rule": {"name": "r"}}))).await;
    let runs = server.finished_runs(&uuid, 1).await;
    assert_eq!(runs[0]["status"], "succeeded", "{runs:?}");
    assert_eq!(sink.requests()[0].0["authorization"], "Bearer tok-SECRET-4242", "the action got the secret");

    let mut shown = String::new();
    for path in [
        format!("/api/v1/symphony/runs/{}", runs[0]["uuid"].as_str().unwrap()),
        format!("/api/v1/symphony/module-configurations/{configuration}"),
        "/api/v1/symphony/module-configurations".to_string(),
    ] {
        let (_, answer) = server.call(Method::GET, &path, None).await;
        shown.push_str(&answer.to_string());
    }
    assert!(shown.contains("\"auth_token\":\"***\""), "{shown}");
    let log = std::fs::read_to_string(dir.path().join("server.log")).unwrap();
    assert!(log.contains("running action"), "the server logged at debug level");
    assert!(!log.contains("tok-SECRET-4242") && !log.contains(&server.key), "a secret reached the log");
    assert!(!shown.contains("tok-SECRET-4242") && !shown.contains(&server.key), "a secret leaked: {shown}");
    // The configuration's secret is sealed at rest. (A secret typed literally into a playbook's
    // arguments is stored with the playbook, as the user wrote it.)
    for file in ["riposte.db", "riposte.db-wal"] {
        let bytes = std::fs::read(dir.path().join(file)).unwrap_or_default();
        assert!(!String::from_utf8_lossy(&bytes).contains(&server.key), "{file} holds the API key in clear");
    }

    // An update that leaves the secret out keeps it; bad values name the field.
    let (status, updated) = server
        .call(
            Method::PUT,
            &format!("/api/v1/symphony/module-configurations/{configuration}"),
            Some(json!({"value": {"base_url": server.base}})),
        )
        .await;
    assert_eq!((status, updated["secrets"].clone()), (StatusCode::OK, json!(["api_key"])));
    let (status, bad) = server
        .call(
            Method::POST,
            "/api/v1/symphony/module-configurations",
            Some(json!({"module_uuid": sekoia, "name": "x", "value": {"base_url": 5, "api_key": "k"}})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad["errors"][0]["path"], "$.value.base_url", "{bad}");
    let (status, bad) = server
        .call(
            Method::POST,
            "/api/v1/symphony/module-configurations",
            Some(json!({"module_uuid": "nope", "name": "x", "value": {}})),
        )
        .await;
    assert_eq!((status, bad["errors"][0]["path"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("$.module_uuid")));
}
