//! A `riposte serve` child process on a fresh data directory, and an external tool that records
//! what it receives.
#![allow(dead_code)]

pub mod feed;
pub mod python;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde_json::{Value, json};

pub struct Server {
    pub child: Child,
    pub base: String,
    pub key: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Starts `riposte serve` on `dir` and `port` and waits until it answers.
pub async fn start_server(dir: &Path, port: u16) -> Server {
    start_server_with(dir, port, &[]).await
}

/// The same, with more flags.
pub async fn start_server_with(dir: &Path, port: u16, flags: &[&str]) -> Server {
    let child = Command::new(env!("CARGO_BIN_EXE_riposte"))
        .args(["serve", "--data-dir", dir.to_str().unwrap(), "--listen", &format!("127.0.0.1:{port}")])
        .args(flags)
        .env("RIPOSTE_LOG", "debug")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.join("server.log")).unwrap())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    while reqwest::get(format!("{base}/health")).await.is_err() {
        assert!(started.elapsed() < Duration::from_secs(20), "the server did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let key = std::fs::read_to_string(dir.join("admin.key")).unwrap();
    Server { child, base, key }
}

impl Server {
    pub async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut request = reqwest::Client::new().request(method, format!("{}{path}", self.base)).bearer_auth(&self.key);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = StatusCode::from_u16(response.status().as_u16()).unwrap();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    /// Pushes `jsons` to the intake whose key is `key`, as Sekoia's SDK does; the status.
    pub async fn push_events(&self, key: &str, jsons: Vec<String>) -> u16 {
        let batch = json!({"intake_key": key, "jsons": jsons});
        let pushed = reqwest::Client::new()
            .post(format!("{}/api/v1/intake-http/batch", self.base))
            .json(&batch)
            .send()
            .await
            .unwrap();
        pushed.status().as_u16()
    }

    /// Resident memory of the server process, in MiB.
    pub fn rss_mib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
        line.split_whitespace().nth(1).unwrap().parse::<u64>().unwrap() / 1024
    }

    pub async fn run_of(&self, playbook: &str, count: usize) -> Vec<Value> {
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

/// What the external tool received: headers and body of each request.
#[derive(Clone, Default)]
pub struct Sink(pub Arc<Mutex<Vec<(HeaderMap, String)>>>);

pub async fn start_sink() -> (String, Sink) {
    start_slow_sink(Duration::ZERO).await
}

/// An external tool that takes `delay` to answer each request.
pub async fn start_slow_sink(delay: Duration) -> (String, Sink) {
    start_sink_with(delay, 0).await
}

/// An external tool that takes `delay` to answer and answers 500 to its first `failures`
/// requests.
pub async fn start_sink_with(delay: Duration, failures: usize) -> (String, Sink) {
    let sink = Sink::default();
    let app = Router::new()
        .route(
            "/sink",
            post(move |State(sink): State<Sink>, headers: HeaderMap, body: String| async move {
                let count = {
                    let mut received = sink.0.lock().unwrap();
                    received.push((headers, body));
                    received.len()
                };
                tokio::time::sleep(delay).await;
                if count <= failures { StatusCode::INTERNAL_SERVER_ERROR } else { StatusCode::OK }
            }),
        )
        .with_state(sink.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{address}/sink"), sink)
}

pub fn seed_playbook(sink: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/sync-alerts/playbook.json");
    let mut playbook: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    playbook["nodes"]["2"]["arguments"]["url"] = json!(sink);
    playbook
}

/// Imports the seed playbook pointed at `sink_url` and turns it on; its UUID.
pub async fn activated_seed(server: &Server, sink_url: &str) -> String {
    let (_, created) = server
        .call(reqwest::Method::POST, "/api/v1/symphony/playbooks", Some(json!({"playbook": seed_playbook(sink_url)})))
        .await;
    let uuid = created["uuid"].as_str().unwrap().to_string();
    server.call(reqwest::Method::POST, &format!("/api/v1/symphony/playbooks/{uuid}/activate"), None).await;
    uuid
}
