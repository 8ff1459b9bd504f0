//! Alerts through the HTTP API: each change starts the runs of the playbooks whose trigger
//! reacts to it.

#![allow(clippy::unwrap_used)] // a test fails by panicking

use axum::http::StatusCode;
use reqwest::Method;
use riposte_testkit::{Sink, TestApp, playbooks};
use serde_json::{Value, json};

#[tokio::test]
async fn an_alert_runs_the_seed_playbook_and_the_external_tool_gets_the_body() {
    let server = TestApp::start().await;
    let (sink_url, sink) = Sink::start().await;

    let (status, created) = server
        .call(Method::POST, "/api/v1/symphony/playbooks", Some(json!({"playbook": playbooks::seed(&sink_url)})))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["problems"], json!([]));
    let playbook = created["uuid"].as_str().unwrap().to_string();
    assert_eq!(playbook, "5d6f7e1a-9b3c-4d2e-8f10-2a3b4c5d6e7f", "an imported playbook keeps its uuid");
    let (status, _) = server.call(Method::POST, &format!("/api/v1/symphony/playbooks/{playbook}/activate"), None).await;
    assert_eq!(status, StatusCode::OK);

    let alert = json!({"title": "Credential dumping", "rule": {"name": "Mimikatz \"sekurlsa\" usage", "severity": 85}, "urgency": 70});
    let (status, alert) = server.call(Method::POST, "/api/v1/sic/alerts", Some(alert)).await;
    assert_eq!(status, StatusCode::CREATED, "{alert}");
    let (uuid, short_id) = (alert["uuid"].as_str().unwrap(), alert["short_id"].as_str().unwrap());
    assert_eq!(alert["status"]["name"], "Pending");

    let runs = server.finished_runs(&playbook, 1).await;
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0]["status"], "succeeded", "{runs:?}");
    assert_eq!(runs[0]["name"], format!("Sekoia.io Alert: {short_id}"));
    let (_, run) =
        server.call(Method::GET, &format!("/api/v1/symphony/runs/{}", runs[0]["uuid"].as_str().unwrap()), None).await;
    assert_eq!(run["nodes"]["1"]["status"], "succeeded");
    assert_eq!(run["nodes"]["1"]["results"]["rule"]["severity"], 85);
    assert_eq!(run["nodes"]["2"]["attempts"], 1);
    assert!(run["nodes"]["2"]["started_at"].is_string());

    let spec: Value = reqwest::get(format!("{}/api/openapi.json", server.base)).await.unwrap().json().await.unwrap();
    assert!(spec["paths"]["/api/v1/sic/alerts"]["post"].is_object(), "the OpenAPI description is served");
    let metrics = reqwest::get(format!("{}/metrics", server.base)).await.unwrap();
    assert!(metrics.headers().contains_key("x-request-id"), "every answer carries a request id");
    let metrics = metrics.text().await.unwrap();
    for line in [
        "riposte_runs_started_total 1",
        "riposte_runs_finished_total{status=\"succeeded\"} 1",
        "riposte_action_duration_seconds_count{outcome=\"succeeded\"} 2",
        "riposte_runs_pending 0",
    ] {
        assert!(metrics.lines().any(|l| l == line), "no `{line}` in:\n{metrics}");
    }

    let received = sink.requests();
    assert_eq!(received.len(), 1);
    let body: Value = serde_json::from_str(&received[0].1).unwrap();
    assert_eq!(
        body,
        json!({"alert_short_id": uuid, "rule_name": "Mimikatz \"sekurlsa\" usage", "rule_severity": "85", "description": "This is a description"})
    );
}

#[tokio::test]
async fn rule_filters_choose_which_alerts_start_runs() {
    let server = TestApp::start().await;
    let (sink_url, sink) = Sink::start().await;
    let mut playbook = playbooks::seed(&sink_url);
    playbook["uuid"] = json!(null);
    playbook["nodes"]["0"]["arguments"] = json!({"rule_filter": "Wanted"});
    let (_, created) =
        server.call(Method::POST, "/api/v1/symphony/playbooks", Some(json!({"playbook": playbook}))).await;
    let uuid = created["uuid"].as_str().unwrap().to_string();
    server.call(Method::POST, &format!("/api/v1/symphony/playbooks/{uuid}/activate"), None).await;
    for rule in ["Other", "Wanted", "Other"] {
        let (status, _) =
            server.call(Method::POST, "/api/v1/sic/alerts", Some(json!({"title": "t", "rule": {"name": rule}}))).await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let runs = server.finished_runs(&uuid, 1).await;
    assert_eq!(runs.len(), 1);
    assert_eq!(sink.count(), 1);
}

/// A key that may write alerts but not read them learns nothing from a write, and a write that
/// changes nothing starts nothing.
#[tokio::test]
async fn a_write_reveals_nothing_and_an_empty_patch_starts_nothing() {
    let server = TestApp::start().await;
    let (sink_url, sink) = Sink::start().await;
    let updated = json!({"name": "Alert Updated", "type": "trigger", "module_uuid": playbooks::SEKOIA_MODULE,
                         "trigger_uuid": "7e092f68-5e35-40ac-ac0a-46b7bdbbe3ff"});
    let watcher = playbooks::chain("on update", updated, vec![playbooks::post_to(&sink_url, json!({"n": 1}))]);
    let watcher = server.activated(watcher).await;
    let (_, alert) =
        server.call(Method::POST, "/api/v1/sic/alerts", Some(json!({"title": "secret", "rule": {"name": "r"}}))).await;
    let id = alert["short_id"].as_str().unwrap();
    let (_, made) = server
        .call(Method::POST, "/api/v1/api-keys", Some(json!({"name": "writer", "permissions": ["SIC_WRITE_ALERTS"]})))
        .await;
    let writer = server.with_key(made["key"].as_str().unwrap());

    for patch in [json!({}), json!({"title": "secret"})] {
        let (status, body) = writer.call(Method::PATCH, &format!("/api/v1/sic/alerts/{id}"), Some(patch)).await;
        assert_eq!((status, body), (StatusCode::NO_CONTENT, json!("")));
    }
    let (status, body) =
        writer.call(Method::PATCH, &format!("/api/v1/sic/alerts/{id}"), Some(json!({"status": "Ongoing"}))).await;
    assert_eq!((status, body), (StatusCode::NO_CONTENT, json!("")), "a change, still nothing shown");
    let runs = server.finished_runs(&watcher, 1).await;
    assert_eq!(runs.len(), 1, "only the change started a run");
    assert_eq!(sink.count(), 1);

    let (status, body) =
        server.call(Method::PATCH, &format!("/api/v1/sic/alerts/{id}"), Some(json!({"urgency": 12}))).await;
    assert_eq!(
        (status, body["title"].clone(), body["urgency"]["value"].clone()),
        (StatusCode::OK, json!("secret"), json!(12))
    );
}
