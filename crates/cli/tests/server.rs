//! The server through its real HTTP API, each test on a fresh data directory: the seed use case
//! end to end, and bad input.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde_json::{Value, json};

struct Server {
    child: Child,
    base: String,
    key: String,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

async fn start_server() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_riposte"))
        .args(["serve", "--data-dir", dir.path().to_str().unwrap(), "--listen", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    while reqwest::get(format!("{base}/health")).await.is_err() {
        assert!(started.elapsed() < Duration::from_secs(20), "the server did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let key = std::fs::read_to_string(dir.path().join("admin.key")).unwrap();
    Server { child, base, key, _dir: dir }
}

impl Server {
    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut request = reqwest::Client::new().request(method, format!("{}{path}", self.base)).bearer_auth(&self.key);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = StatusCode::from_u16(response.status().as_u16()).unwrap();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    async fn run_of(&self, playbook: &str, count: usize) -> Vec<Value> {
        let started = Instant::now();
        loop {
            let (_, runs) =
                self.call(reqwest::Method::GET, &format!("/api/v1/symphony/runs?playbook_uuid={playbook}"), None).await;
            let items = runs["items"].as_array().cloned().unwrap_or_default();
            if items.len() >= count && items.iter().all(|r| r["status"] != "pending" && r["status"] != "running") {
                return items;
            }
            assert!(started.elapsed() < Duration::from_secs(20), "runs did not finish: {runs}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

#[derive(Clone, Default)]
struct Sink(Arc<Mutex<Vec<(HeaderMap, String)>>>);

async fn start_sink() -> (String, Sink) {
    let sink = Sink::default();
    let app = Router::new()
        .route(
            "/sink",
            post(|State(sink): State<Sink>, headers: HeaderMap, body: String| async move {
                sink.0.lock().unwrap().push((headers, body));
                StatusCode::OK
            }),
        )
        .with_state(sink.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{address}/sink"), sink)
}

fn seed_playbook(sink: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/sync-alerts/playbook.json");
    let mut playbook: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    playbook["nodes"]["2"]["arguments"]["url"] = json!(sink);
    playbook
}

use reqwest::Method;

#[tokio::test]
async fn an_alert_runs_the_seed_playbook_and_the_external_tool_gets_the_body() {
    let server = start_server().await;
    let (sink_url, sink) = start_sink().await;

    let (status, created) = server
        .call(Method::POST, "/api/v1/symphony/playbooks", Some(json!({"playbook": seed_playbook(&sink_url)})))
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

    let runs = server.run_of(&playbook, 1).await;
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0]["status"], "succeeded", "{runs:?}");
    assert_eq!(runs[0]["name"], format!("Sekoia.io Alert: {short_id}"));
    let (_, run) =
        server.call(Method::GET, &format!("/api/v1/symphony/runs/{}", runs[0]["uuid"].as_str().unwrap()), None).await;
    assert_eq!(run["nodes"]["1"]["status"], "succeeded");
    assert_eq!(run["nodes"]["1"]["results"]["rule"]["severity"], 85);
    assert_eq!(run["nodes"]["2"]["attempts"], 1);
    assert!(run["nodes"]["2"]["started_at"].is_string());

    let received = sink.0.lock().unwrap().clone();
    assert_eq!(received.len(), 1);
    let body: Value = serde_json::from_str(&received[0].1).unwrap();
    assert_eq!(
        body,
        json!({"alert_short_id": uuid, "rule_name": "Mimikatz \"sekurlsa\" usage", "rule_severity": "85", "description": "This is a description"})
    );
}

#[tokio::test]
async fn rule_filters_choose_which_alerts_start_runs() {
    let server = start_server().await;
    let (sink_url, sink) = start_sink().await;
    let mut playbook = seed_playbook(&sink_url);
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
    let runs = server.run_of(&uuid, 1).await;
    assert_eq!(runs.len(), 1);
    assert_eq!(sink.0.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn bad_input_gets_a_clear_error_and_stores_nothing() {
    let server = start_server().await;
    let cases = [
        (
            Method::POST,
            "/api/v1/sic/alerts",
            Some(json!({"title": "t"})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "missing field `rule`",
        ),
        (
            Method::POST,
            "/api/v1/sic/alerts",
            Some(json!({"title": "t", "rule": {"name": "r"}, "urgency": 300})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "between 0 and 100",
        ),
        (
            Method::POST,
            "/api/v1/sic/alerts",
            Some(json!({"title": 5, "rule": {"name": "r"}})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid type",
        ),
        (Method::GET, "/api/v1/sic/alerts/nope", None, StatusCode::NOT_FOUND, "alert nope not found"),
        (Method::GET, "/api/v1/sic/alerts?limit=0", None, StatusCode::BAD_REQUEST, "limit must be between"),
        (Method::GET, "/api/v1/sic/alerts?colour=red", None, StatusCode::BAD_REQUEST, "unknown field `colour`"),
        (
            Method::POST,
            "/api/v1/symphony/playbooks",
            Some(json!({"playbook": {"name": "p", "nodes": {"0": {"name": "x", "type": "nope"}}}})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown variant `nope`",
        ),
        (Method::POST, "/api/v1/symphony/runs/nope/cancel", None, StatusCode::NOT_FOUND, "run nope not found"),
        (Method::DELETE, "/api/v1/symphony/playbooks/nope", None, StatusCode::NOT_FOUND, "playbook nope not found"),
        (Method::GET, "/api/v1/nothing", None, StatusCode::NOT_FOUND, "no such endpoint"),
    ];
    for (method, path, body, expected, detail) in cases {
        let (status, answer) = server.call(method.clone(), path, body).await;
        assert_eq!(status, expected, "{method} {path}: {answer}");
        let message = answer["errors"][0]["detail"].as_str().unwrap_or_default();
        assert!(message.contains(detail), "{method} {path}: {answer}");
    }
    let (_, answer) =
        server.call(Method::POST, "/api/v1/sic/alerts", Some(json!({"title": "t", "rule": {"name": 3}}))).await;
    assert_eq!(answer["errors"][0]["path"], "$.rule.name");

    let raw = reqwest::Client::new()
        .post(format!("{}/api/v1/sic/alerts", server.base))
        .bearer_auth(&server.key)
        .header("content-type", "application/json")
        .body("{\"title\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status().as_u16(), 400);
    let huge = reqwest::Client::new()
        .post(format!("{}/api/v1/sic/alerts", server.base))
        .bearer_auth(&server.key)
        .header("content-type", "application/json")
        .body(vec![b' '; 5 * 1024 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(huge.status().as_u16(), 413);
    let anonymous = reqwest::get(format!("{}/api/v1/sic/alerts", server.base)).await.unwrap();
    assert_eq!(anonymous.status().as_u16(), 401);

    let (_, alerts) = server.call(Method::GET, "/api/v1/sic/alerts", None).await;
    assert_eq!(alerts["total"], 0, "nothing was stored: {alerts}");
}

#[tokio::test]
async fn a_playbook_with_problems_is_saved_but_cannot_be_activated() {
    let server = start_server().await;
    let mut playbook = seed_playbook("http://127.0.0.1:1/sink");
    playbook["nodes"]["2"]["arguments"]["method"] = json!("fetch");
    let (status, created) =
        server.call(Method::POST, "/api/v1/symphony/playbooks", Some(json!({"playbook": playbook}))).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(created["problems"][0]["path"], "$.nodes[\"2\"].arguments.method");
    let uuid = created["uuid"].as_str().unwrap();
    let (status, refused) =
        server.call(Method::POST, &format!("/api/v1/symphony/playbooks/{uuid}/activate"), None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused["errors"][0]["path"], "$.playbook.nodes[\"2\"].arguments.method");
    let (_, fixed) = server
        .call(
            Method::PUT,
            &format!("/api/v1/symphony/playbooks/{uuid}"),
            Some(json!({"playbook": seed_playbook("http://127.0.0.1:1/sink")})),
        )
        .await;
    assert_eq!(fixed["version"], 2);
    let (status, active) =
        server.call(Method::POST, &format!("/api/v1/symphony/playbooks/{uuid}/activate"), None).await;
    assert_eq!((status, active["active"].clone()), (StatusCode::OK, json!(true)));
}
