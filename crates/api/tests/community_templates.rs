//! Playbooks in the shape of Sekoia's Community templates (written for these tests): two
//! triggers side by side, and templates that read nodes since deleted. They import unchanged,
//! activate, and run.

#![allow(clippy::unwrap_used)] // a test fails by panicking

use axum::http::StatusCode;
use reqwest::Method;
use riposte_testkit::{Sink, TestApp};
use serde_json::{Value, json};

/// The fixture `name`, its `"SINK"` URLs pointing at `sink`.
fn template(name: &str, sink: &str) -> Value {
    let path = format!("{}/tests/fixtures/community/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(path).unwrap();
    serde_json::from_str(&text.replace("\"SINK\"", &serde_json::to_string(sink).unwrap())).unwrap()
}

/// Imports and activates `playbook`; returns its UUID and what the import said.
async fn import_and_activate(server: &TestApp, playbook: Value) -> (String, Value) {
    let (status, created) = server.post("/api/v1/symphony/playbooks", json!({"playbook": playbook})).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["problems"], json!([]), "{created}");
    let uuid = created["uuid"].as_str().unwrap().to_string();
    let (status, active) =
        server.call(Method::POST, &format!("/api/v1/symphony/playbooks/{uuid}/activate"), None).await;
    assert_eq!((status, &active["active"]), (StatusCode::OK, &json!(true)), "{active}");
    (uuid, created)
}

async fn create_alert(server: &TestApp, title: &str, severity: u32) -> String {
    let alert = json!({"title": title, "rule": {"name": "r", "severity": severity}});
    let (status, created) = server.post("/api/v1/sic/alerts", alert).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    created["uuid"].as_str().unwrap().to_string()
}

async fn run_detail(server: &TestApp, run: &Value) -> Value {
    server.call(Method::GET, &format!("/api/v1/symphony/runs/{}", run["uuid"].as_str().unwrap()), None).await.1
}

#[tokio::test]
async fn a_template_with_two_triggers_runs_from_either() {
    let server = TestApp::start().await;
    let (sink_url, sink) = Sink::start().await;
    let (uuid, _) = import_and_activate(&server, template("notify-new-or-chosen-alert", &sink_url)).await;
    assert_eq!(
        server.get(&format!("/api/v1/symphony/playbooks/{uuid}")).await.1["playbook"]["nodes"]["5"]["position"],
        json!({"x": 200, "y": 0}),
        "positions are kept"
    );

    let first = create_alert(&server, "created", 10).await;
    let runs = server.finished_runs(&uuid, 1).await;
    assert_eq!(runs[0]["status"], "succeeded", "{runs:?}");
    let detail = run_detail(&server, &runs[0]).await;
    assert_eq!(
        (detail["trigger_node"].as_str(), &detail["nodes"]["5"]["status"]),
        (Some("0"), &json!("skipped")),
        "{detail}"
    );

    let (status, manual) =
        server.post(&format!("/api/v1/symphony/playbooks/{uuid}/run"), json!({"event": {"alert_uuid": first}})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{manual}");
    assert_eq!(manual["trigger_node"], "5", "a manual run starts from the Manual Trigger: {manual}");
    let runs = server.finished_runs(&uuid, 2).await;
    assert!(runs.iter().all(|r| r["status"] == "succeeded"), "{runs:?}");
    let detail = run_detail(&server, &manual).await;
    assert_eq!(detail["nodes"]["0"]["status"], "skipped", "{detail}");

    let mut bodies: Vec<Value> = sink.bodies().iter().map(|b| serde_json::from_str(b).unwrap()).collect();
    bodies.sort_by_key(|b| b["by_hand"].as_bool());
    assert_eq!(
        bodies,
        vec![json!({"title": "created", "by_hand": false}), json!({"title": "created", "by_hand": true})]
    );

    let (status, refused) =
        server.post(&format!("/api/v1/symphony/playbooks/{uuid}/run"), json!({"event": {}, "trigger": "1"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused["errors"][0]["path"], "$.trigger", "{refused}");
    assert!(refused["errors"][0]["detail"].as_str().unwrap().contains("its triggers: 0, 5"), "{refused}");
}

#[tokio::test]
async fn a_second_two_trigger_template_joins_both_triggers_before_a_condition() {
    let server = TestApp::start().await;
    let (sink_url, sink) = Sink::start().await;
    let (uuid, _) = import_and_activate(&server, template("triage-by-severity", &sink_url)).await;
    create_alert(&server, "minor", 10).await;
    let severe = create_alert(&server, "severe", 90).await;
    let runs = server.finished_runs(&uuid, 2).await;
    assert!(runs.iter().all(|r| r["status"] == "succeeded"), "{runs:?}");
    assert_eq!(sink.bodies(), vec![r#"{"escalate":"severe"}"#.to_string()]);

    let (status, manual) = server
        .post(
            &format!("/api/v1/symphony/playbooks/{uuid}/run"),
            json!({"event": {"alert_uuid": severe}, "trigger": "0"}),
        )
        .await;
    assert_eq!((status, manual["trigger_node"].as_str()), (StatusCode::ACCEPTED, Some("0")), "{manual}");
    server.finished_runs(&uuid, 3).await;
    assert_eq!(sink.bodies().len(), 2, "the run from the Manual Trigger escalated too");
}

#[tokio::test]
async fn templates_reading_deleted_nodes_activate_warn_and_run() {
    let server = TestApp::start().await;
    let (sink_url, sink) = Sink::start().await;
    let mut playbooks = Vec::new();
    for (name, path, missing) in [
        ("deleted-enrichment", "$.nodes[\"3\"].arguments.json.enrichment", "2"),
        ("deleted-guard", "$.nodes[\"2\"].arguments.data", "6"),
        ("deleted-unreached-branch", "$.nodes[\"2\"].arguments.json.closed_by", "8"),
    ] {
        let (uuid, created) = import_and_activate(&server, template(name, &sink_url)).await;
        let warnings = created["warnings"].as_array().unwrap();
        assert_eq!(warnings.len(), 1, "{name}: {created}");
        assert_eq!(warnings[0]["path"], path, "{name}");
        assert!(
            warnings[0]["message"].as_str().unwrap().contains(&format!("no node `{missing}`")),
            "{name}: {created}"
        );
        playbooks.push(uuid);
    }
    let alert = create_alert(&server, "t", 10).await;
    for uuid in &playbooks {
        let runs = server.finished_runs(uuid, 1).await;
        assert_eq!(runs[0]["status"], "succeeded", "{runs:?}");
    }
    let mut bodies = sink.bodies();
    bodies.sort();
    let mut expected = vec![
        r#"{"title":"t","enrichment":"none"}"#.to_string(),
        format!("alert {alert}"),
        format!(r#"{{"reported":"{alert}"}}"#),
    ];
    expected.sort();
    assert_eq!(bodies, expected);
}
