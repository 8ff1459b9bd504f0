//! `kill -9` in the middle of work: after a restart every accepted alert has exactly one run,
//! every run completes, and the external tool got every body (a repeat only for a call that
//! was cut off, and then with the same idempotency key).

#![allow(clippy::unwrap_used)] // a test fails by panicking

mod common;

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use common::*;
use reqwest::Method;
use serde_json::{Value, json};

const ALERTS: usize = 40;

#[tokio::test]
async fn a_killed_server_finishes_every_run_after_restart() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let (sink_url, sink) = Sink::start_with(Duration::from_millis(150), 0).await;
    let mut server = start_server(dir.path(), port).await;

    let playbook = server.activated(playbooks::seed(&sink_url)).await;

    let mut accepted = HashSet::new();
    for n in 0..ALERTS {
        let alert = json!({"title": format!("alert {n}"), "rule": {"name": format!("rule {n}"), "severity": n}});
        let (status, alert) = server.call(Method::POST, "/api/v1/sic/alerts", Some(alert)).await;
        assert_eq!(status.as_u16(), 201);
        accepted.insert(alert["uuid"].as_str().unwrap().to_string());
    }
    // Kill while the external tool is busy answering.
    until("five runs reaching the external tool", || sink.count() >= 5).await;
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    let before_restart = sink.count();
    assert!(before_restart < ALERTS, "the kill came too late to test anything");

    let server = start_server(dir.path(), port).await;
    let runs = server.finished_runs(&playbook, ALERTS).await;
    assert_eq!(runs.len(), ALERTS, "one run per accepted alert");
    assert!(runs.iter().all(|r| r["status"] == "succeeded"), "{runs:#?}");

    // One run per alert, each alert once.
    let mut run_alerts = HashSet::new();
    for run in &runs {
        let (_, detail) =
            server.call(Method::GET, &format!("/api/v1/symphony/runs/{}", run["uuid"].as_str().unwrap()), None).await;
        assert!(run_alerts.insert(detail["event"]["alert_uuid"].as_str().unwrap().to_string()));
    }
    assert_eq!(run_alerts, accepted);

    // Every body arrived; repeats carry the same idempotency key and body.
    let received = sink.requests();
    let mut by_key: HashMap<String, Vec<Value>> = HashMap::new();
    for (headers, body) in &received {
        let key = headers["idempotency-key"].to_str().unwrap().to_string();
        by_key.entry(key).or_default().push(serde_json::from_str(body).unwrap());
    }
    assert_eq!(by_key.len(), ALERTS, "each run called the tool under its own key");
    let delivered: HashSet<String> =
        by_key.values().map(|bodies| bodies[0]["alert_short_id"].as_str().unwrap().to_string()).collect();
    assert_eq!(delivered, accepted, "every alert reached the tool");
    for (key, bodies) in &by_key {
        assert!(bodies.windows(2).all(|w| w[0] == w[1]), "a repeat under {key} changed the body");
    }
    let repeats = received.len() - ALERTS;
    assert!(repeats <= 1 + before_restart, "at most the calls in flight at the kill were repeated ({repeats})");
}

#[tokio::test]
async fn sigterm_lets_runs_in_progress_finish() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let (sink_url, sink) = Sink::start_with(Duration::from_millis(800), 0).await;
    let mut server = start_server(dir.path(), port).await;
    let playbook = server.activated(playbooks::seed(&sink_url)).await;
    server.call(Method::POST, "/api/v1/sic/alerts", Some(json!({"title": "t", "rule": {"name": "r"}}))).await;
    until("the run reaching the external tool", || sink.count() > 0).await;
    let pid = server.child.id().to_string();
    assert!(std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let status = tokio::task::spawn_blocking(move || server.child.wait().unwrap()).await.unwrap();
    assert!(status.success(), "a clean exit: {status:?}");

    let server = start_server(dir.path(), port).await;
    let runs = server.finished_runs(&playbook, 1).await;
    assert_eq!(runs[0]["status"], "succeeded");
    assert_eq!(sink.count(), 1, "the run finished before the server stopped: nothing ran twice");
}
