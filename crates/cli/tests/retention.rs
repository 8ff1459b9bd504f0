//! Retention through the real server: old alerts, finished runs and intake events go, the
//! database file shrinks, and the server answers meanwhile.

#![allow(clippy::unwrap_used)] // a test fails by panicking

mod common;

use std::time::{Duration, Instant};

use common::{Sink, free_port, playbooks, start_server_with};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn old_data_is_deleted_and_its_space_given_back() {
    let dir = tempfile::tempdir().unwrap();
    let flags = ["--retention", "5s", "--retention-interval", "1"];
    let server = start_server_with(dir.path(), free_port(), &flags).await;
    let (sink_url, _sink) = Sink::start().await;
    let playbook = server.activated(playbooks::seed(&sink_url)).await;
    let (_, intake) = server.call(Method::POST, "/api/v1/intakes", Some(json!({"name": "old"}))).await;
    let (intake_uuid, key) = (intake["uuid"].as_str().unwrap(), intake["intake_key"].as_str().unwrap());

    let details = "d".repeat(20_000);
    for n in 0..100 {
        let alert = json!({"title": format!("old {n}"), "details": details, "rule": {"name": "r"}});
        let (status, _) = server.call(Method::POST, "/api/v1/sic/alerts", Some(alert)).await;
        assert_eq!(status, 201);
    }
    assert_eq!(server.push_events(key, vec![details.clone(); 50]).await, 200);
    let (_, runs) = server.call(Method::GET, &format!("/api/v1/symphony/runs?playbook_uuid={playbook}"), None).await;
    assert!(runs["total"].as_u64() > Some(0), "the alerts started runs");
    let database = dir.path().join("riposte.db");
    let wal = dir.path().join("riposte.db-wal");
    let size = || {
        std::fs::metadata(&database).map(|m| m.len()).unwrap_or(0)
            + std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0)
    };
    let full = size();
    assert!(full > 4_000_000, "the data takes {full} bytes");

    let started = Instant::now();
    loop {
        let (_, alerts) = server.call(Method::GET, "/api/v1/sic/alerts", None).await;
        let (_, runs) =
            server.call(Method::GET, &format!("/api/v1/symphony/runs?playbook_uuid={playbook}"), None).await;
        let (_, events) = server.call(Method::GET, &format!("/api/v1/intakes/{intake_uuid}/events"), None).await;
        if alerts["total"] == 0 && runs["total"] == 0 && events["total"] == 0 && size() < full / 2 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "alerts {}, runs {}, events {}, {} of {full} bytes left",
            alerts["total"],
            runs["total"],
            events["total"],
            size()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let (_, playbook_left) = server.call(Method::GET, &format!("/api/v1/symphony/playbooks/{playbook}"), None).await;
    assert_eq!(playbook_left["active"], true, "playbooks are not data that ages");

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&database).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the database is its owner's alone");
    }
}
