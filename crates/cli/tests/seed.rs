//! The seed use case, end to end through the `riposte` binary: Alert Created -> Get Alert ->
//! Request URL, against a Sekoia-compatible alert API and an external tool started here.

#![allow(clippy::unwrap_used)] // a test fails by panicking

use std::path::PathBuf;
use std::process::Output;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use serde_json::{Value, json};

const ALERT_UUID: &str = "8b1d2d4e-2a1f-4c3b-9e5d-6f7a8b9c0d1e";

#[derive(Clone, Default)]
struct Received(Arc<Mutex<Vec<(HeaderMap, String)>>>);

async fn alert(Path(uuid): Path<String>, headers: HeaderMap) -> (StatusCode, axum::Json<Value>) {
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some("Bearer test-api-key") {
        return (StatusCode::UNAUTHORIZED, axum::Json(json!({"message": "invalid key"})));
    }
    if uuid != ALERT_UUID {
        return (StatusCode::NOT_FOUND, axum::Json(json!({"message": "no such alert"})));
    }
    let alert = json!({
        "uuid": ALERT_UUID, "short_id": "ALWJ2jbDP5Xr", "title": "Credential dumping",
        "rule": {"uuid": "c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f", "name": "Mimikatz \"sekurlsa\" usage", "severity": 85, "type": "sigma"},
        "urgency": {"current_value": 47, "severity": 85, "display": "High"},
        "status": {"name": "Pending", "uuid": "2efc4930-1442-4abb-acf2-58ba219a4fd0"}
    });
    (StatusCode::OK, axum::Json(alert))
}

async fn sink(State(received): State<Received>, headers: HeaderMap, body: String) -> StatusCode {
    received.0.lock().unwrap().push((headers, body));
    StatusCode::CREATED
}

async fn start_servers() -> (String, Received) {
    let received = Received::default();
    let app = Router::new()
        .route("/api/v1/sic/alerts/{uuid}", get(alert))
        .route("/sink", post(sink))
        .with_state(received.clone());
    let address = riposte_testkit::serve(app).await;
    (format!("http://{address}"), received)
}

fn example(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/sync-alerts").join(file)
}

async fn riposte(args: Vec<String>) -> Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_riposte")).args(args).output().await.expect("riposte runs")
}

#[tokio::test]
async fn the_seed_playbook_pushes_the_alert_to_the_external_tool() {
    let (base, received) = start_servers().await;
    let dir = tempfile::tempdir().unwrap();
    let mut playbook: Value =
        serde_json::from_str(&std::fs::read_to_string(example("playbook.json")).unwrap()).unwrap();
    playbook["nodes"]["2"]["arguments"]["url"] = json!(format!("{base}/sink"));
    let playbook_path = dir.path().join("playbook.json");
    std::fs::write(&playbook_path, playbook.to_string()).unwrap();
    let config_path = dir.path().join("sekoia.json");
    std::fs::write(&config_path, json!({"base_url": base, "api_key": "test-api-key"}).to_string()).unwrap();

    let output = riposte(vec![
        "playbook".into(),
        "run".into(),
        playbook_path.display().to_string(),
        "--event".into(),
        example("event.json").display().to_string(),
        "--module-config".into(),
        format!("sekoia.io={}", config_path.display()),
        "--json".into(),
    ])
    .await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "stdout: {stdout}\nstderr: {}", String::from_utf8_lossy(&output.stderr));

    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["status"], "succeeded");
    let statuses: Vec<&str> =
        report["nodes"].as_array().unwrap().iter().map(|n| n["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, vec!["succeeded"; 3]);
    assert_eq!(report["nodes"][1]["arguments"], json!({"uuid": ALERT_UUID}));
    assert_eq!(report["nodes"][2]["results"]["status_code"], 201);

    let received = received.0.lock().unwrap();
    assert_eq!(received.len(), 1, "the external tool is called once");
    let (headers, body) = &received[0];
    let body: Value = serde_json::from_str(body).expect("the external tool receives JSON");
    assert_eq!(
        body,
        json!({
            "alert_short_id": ALERT_UUID,
            "rule_name": "Mimikatz \"sekurlsa\" usage",
            "rule_severity": "85",
            "description": "This is a description"
        })
    );
    assert_eq!(headers["authorization"], "Bearer YOUR_EXTERNAL_PRODUCT_API_KEY_NOT_THE_SEKOIAIO_ONE");
    assert_eq!(headers["content-type"], "application/json");
}

#[tokio::test]
async fn a_refused_alert_fails_the_run_and_says_why_in_the_table() {
    let (base, received) = start_servers().await;
    let dir = tempfile::tempdir().unwrap();
    let config_path = dir.path().join("sekoia.json");
    std::fs::write(&config_path, json!({"base_url": base, "api_key": "wrong-key"}).to_string()).unwrap();
    let output = riposte(vec![
        "playbook".into(),
        "run".into(),
        example("playbook.json").display().to_string(),
        "--event".into(),
        example("event.json").display().to_string(),
        "--module-config".into(),
        format!("sekoia.io={}", config_path.display()),
    ])
    .await;
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("\": failed"), "{stdout}");
    assert!(stdout.contains("request refused (status code: 401)"), "{stdout}");
    assert!(stdout.lines().any(|l| l.starts_with("2") && l.contains("skipped")), "{stdout}");
    assert!(received.0.lock().unwrap().is_empty());
}

#[tokio::test]
async fn validate_reports_each_problem_with_its_location() {
    let output =
        riposte(vec!["playbook".into(), "validate".into(), example("playbook.json").display().to_string()]).await;
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stdout).ends_with(": valid\n"));

    let dir = tempfile::tempdir().unwrap();
    let mut playbook: Value =
        serde_json::from_str(&std::fs::read_to_string(example("playbook.json")).unwrap()).unwrap();
    playbook["nodes"]["2"]["arguments"]["method"] = json!("fetch");
    playbook["nodes"]["1"]["arguments"]["uuid"] = json!("{{ node.2.uuid }}");
    playbook["nodes"]["2"]["outputs"]["default"] = json!(["9"]);
    let path = dir.path().join("bad.json");
    std::fs::write(&path, playbook.to_string()).unwrap();
    let output = riposte(vec!["playbook".into(), "validate".into(), path.display().to_string()]).await;
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("$.nodes[\"2\"].arguments.method:"), "{stdout}");
    assert!(stdout.contains("$.nodes[\"1\"].arguments.uuid: reads `node.2`"), "{stdout}");
    assert!(stdout.contains("$.nodes[\"2\"].outputs.default[0]: edge to node `9`"), "{stdout}");
    assert!(stdout.trim_end().ends_with("3 problems"), "{stdout}");

    std::fs::write(&path, "{\"name\": \"x\", \"nodes\": {\"0\": {\"name\": 1}}}").unwrap();
    let output = riposte(vec!["playbook".into(), "validate".into(), path.display().to_string(), "--json".into()]).await;
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["valid"], false);
    assert_eq!(report["problems"][0]["path"], "$.nodes[\"0\"].name");
}

#[tokio::test]
async fn the_offline_example_from_the_readme_runs() {
    let output = riposte(vec![
        "playbook".into(),
        "run".into(),
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/triage/playbook.yaml").display().to_string(),
        "--event".into(),
        example("event.json").display().to_string(),
        "--json".into(),
    ])
    .await;
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let summary = report["nodes"].as_array().unwrap().iter().find(|n| n["node_id"] == "4").unwrap();
    assert_eq!(summary["results"]["notes"][1], "#2/3: Mimikatz \"sekurlsa\" usage");
    assert_eq!(summary["results"]["summary"], "ALWJ2jbDP5Xr is urgent (47), first seen 2026-01-01T00:00:00+00:00");
}
