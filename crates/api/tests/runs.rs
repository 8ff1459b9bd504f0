//! Runs through the HTTP API: rerun, cancelled, and their large outputs.

#![allow(clippy::unwrap_used)] // a test fails by panicking

use axum::http::StatusCode;
use reqwest::Method;
use riposte_testkit::{Sink, TestApp, playbooks};
use serde_json::json;

#[tokio::test]
async fn failed_runs_rerun_their_failed_nodes_or_everything() {
    let server = TestApp::start().await;
    let (sink_url, sink) = Sink::start_with(std::time::Duration::ZERO, 1).await;
    let playbook = server.activated(playbooks::seed(&sink_url)).await;
    server.call(Method::POST, "/api/v1/sic/alerts", Some(json!({"title": "t", "rule": {"name": "r"}}))).await;
    let runs = server.finished_runs(&playbook, 1).await;
    assert_eq!(runs[0]["status"], "failed");
    let run = runs[0]["uuid"].as_str().unwrap().to_string();
    let (_, detail) = server.call(Method::GET, &format!("/api/v1/symphony/runs/{run}"), None).await;
    assert!(detail["nodes"]["2"]["error"].as_str().unwrap().contains("with 500"), "{detail}");

    let (status, _) =
        server.call(Method::POST, &format!("/api/v1/symphony/runs/{run}/rerun"), Some(json!({"mode": "failed"}))).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let runs = server.finished_runs(&playbook, 1).await;
    assert_eq!(
        (runs.len(), runs[0]["uuid"].as_str().unwrap(), runs[0]["status"].as_str().unwrap()),
        (1, run.as_str(), "succeeded")
    );
    assert_eq!(sink.count(), 2, "only the failed request was sent again");

    let (status, again) =
        server.call(Method::POST, &format!("/api/v1/symphony/runs/{run}/rerun"), Some(json!({"mode": "failed"}))).await;
    assert_eq!(status, StatusCode::CONFLICT, "{again}");
    let (status, fresh) =
        server.call(Method::POST, &format!("/api/v1/symphony/runs/{run}/rerun"), Some(json!({"mode": "all"}))).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_ne!(fresh["uuid"].as_str().unwrap(), run);
    let runs = server.finished_runs(&playbook, 2).await;
    assert!(runs.iter().all(|r| r["status"] == "succeeded"));
    assert_eq!(sink.count(), 3);
    let (status, bad) =
        server.call(Method::POST, &format!("/api/v1/symphony/runs/{run}/rerun"), Some(json!({"mode": "some"}))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
}

#[tokio::test]
async fn a_key_that_may_not_read_alerts_sees_the_course_of_their_runs_not_their_data() {
    let server = TestApp::start().await;
    let (sink_url, _sink) = Sink::start_with(std::time::Duration::ZERO, 1).await;
    let seed = playbooks::seed(&sink_url);
    let playbook = server.activated(seed.clone()).await;
    let alert = json!({"title": "Secret title", "rule": {"name": "Secret rule"}});
    server.call(Method::POST, "/api/v1/sic/alerts", Some(alert)).await;
    let runs = server.finished_runs(&playbook, 1).await;
    let run = runs[0]["uuid"].as_str().unwrap().to_string();
    let (_, made) = server
        .call(Method::POST, "/api/v1/api-keys", Some(json!({"name": "builder", "permissions": ["SYMPHONY"]})))
        .await;
    let builder = server.with_key(made["key"].as_str().unwrap());

    let (status, shown) = builder.get(&format!("/api/v1/symphony/runs/{run}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(shown["withheld"].as_str().unwrap().contains("SIC_READ_ALERTS"), "{shown}");
    assert_eq!(shown["nodes"]["1"]["status"], "succeeded", "the course is shown: {shown}");
    let text = shown.to_string();
    assert!(!text.contains("Secret"), "{text}");
    let (status, _) = builder.get(&format!("/api/v1/symphony/runs/{run}/nodes/1")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, listed) = builder.get(&format!("/api/v1/symphony/runs?playbook_uuid={playbook}")).await;
    assert!(listed["items"][0]["withheld"].is_string(), "{listed}");
    let url = format!("{}/api/v1/symphony/runs/{run}/events", builder.base);
    let streamed =
        reqwest::Client::new().get(&url).bearer_auth(&builder.key).send().await.unwrap().text().await.unwrap();
    assert!(streamed.contains("withheld") && !streamed.contains("Secret"), "{streamed}");
    let (_, whole) = server.get(&format!("/api/v1/symphony/runs/{run}")).await;
    assert!(whole.to_string().contains("Secret rule") && whole.get("withheld").is_none(), "{whole}");

    // The failed version reads alerts; the current one no longer does: rerunning the failed
    // nodes runs the version that failed, which this key may not run.
    let manual =
        playbooks::chain("manual", playbooks::manual_trigger(), vec![playbooks::post_to(&sink_url, json!({}))]);
    let (status, _) = server
        .call(Method::PUT, &format!("/api/v1/symphony/playbooks/{playbook}"), Some(json!({"playbook": manual})))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, refused) =
        builder.post(&format!("/api/v1/symphony/runs/{run}/rerun"), json!({"mode": "failed"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
}

#[tokio::test]
async fn a_running_run_can_be_cancelled() {
    let server = TestApp::start().await;
    let (sink_url, _sink) = Sink::start_with(std::time::Duration::from_secs(60), 0).await;
    let playbook = server.activated(playbooks::seed(&sink_url)).await;
    server.call(Method::POST, "/api/v1/sic/alerts", Some(json!({"title": "t", "rule": {"name": "r"}}))).await;
    let run = loop {
        let (_, runs) = server
            .call(Method::GET, &format!("/api/v1/symphony/runs?playbook_uuid={playbook}&status=running"), None)
            .await;
        if let Some(run) = runs["items"].as_array().and_then(|items| items.first()).cloned() {
            let (_, detail) = server
                .call(Method::GET, &format!("/api/v1/symphony/runs/{}", run["uuid"].as_str().unwrap()), None)
                .await;
            if detail["nodes"]["2"]["status"] == "running" {
                break run["uuid"].as_str().unwrap().to_string();
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    let (status, _) = server.call(Method::POST, &format!("/api/v1/symphony/runs/{run}/cancel"), None).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let runs = server.finished_runs(&playbook, 1).await;
    assert_eq!(runs[0]["status"], "cancelled");
    let (_, detail) = server.call(Method::GET, &format!("/api/v1/symphony/runs/{run}"), None).await;
    assert_eq!(detail["nodes"]["2"]["status"], "cancelled");
    assert_eq!(detail["nodes"]["1"]["status"], "succeeded");
    let (status, _) = server.call(Method::POST, &format!("/api/v1/symphony/runs/{run}/cancel"), None).await;
    assert_eq!(status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn large_outputs_are_stored_apart_and_shown_in_full() {
    let server = TestApp::start_with(|options| options.max_inline_output = 200).await;
    let (sink_url, _sink) = Sink::start().await;
    let playbook = server.activated(playbooks::seed(&sink_url)).await;
    let details = "d".repeat(5000);
    server
        .call(
            Method::POST,
            "/api/v1/sic/alerts",
            Some(json!({"title": "t", "details": details, "rule": {"name": "r"}})),
        )
        .await;
    let runs = server.finished_runs(&playbook, 1).await;
    assert_eq!(runs[0]["status"], "succeeded");
    let (_, run) =
        server.call(Method::GET, &format!("/api/v1/symphony/runs/{}", runs[0]["uuid"].as_str().unwrap()), None).await;
    assert_eq!(run["nodes"]["1"]["results"]["details"], json!(details), "the run shows the whole output");
    let db = std::fs::read(server.dir().join("riposte.db")).unwrap_or_default();
    let wal = std::fs::read(server.dir().join("riposte.db-wal")).unwrap_or_default();
    let text = String::from_utf8_lossy(&db) + String::from_utf8_lossy(&wal);
    assert!(text.contains("$riposte_output"), "the runs table refers to the output kept apart");
}

#[tokio::test]
async fn runs_are_counted_by_playbook_and_status() {
    let server = TestApp::start().await;
    let (sink_url, _sink) = Sink::start().await;
    let seed = |url: &str| {
        let mut playbook = playbooks::seed(url);
        playbook.as_object_mut().unwrap().remove("uuid");
        playbook
    };
    let ok = server.activated(seed(&sink_url)).await;
    let broken = server.activated(seed("http://127.0.0.1:9/nothing")).await;
    for n in 0..3 {
        server
            .call(Method::POST, "/api/v1/sic/alerts", Some(json!({"title": format!("t{n}"), "rule": {"name": "r"}})))
            .await;
    }
    server.finished_runs(&ok, 3).await;
    server.finished_runs(&broken, 3).await;
    let (status, counts) = server.call(Method::GET, "/api/v1/symphony/run-counts", None).await;
    assert_eq!(status, StatusCode::OK, "{counts}");
    assert_eq!(
        counts["playbooks"][&ok],
        json!({"total": 3, "pending": 0, "running": 0, "succeeded": 3, "failed": 0, "cancelled": 0})
    );
    assert_eq!(counts["playbooks"][&broken]["failed"], 3);
    let (_, one) = server.call(Method::GET, &format!("/api/v1/symphony/run-counts?playbook_uuid={ok}"), None).await;
    assert_eq!(one["playbooks"].as_object().unwrap().len(), 1);
    let (_, later) = server.call(Method::GET, "/api/v1/symphony/run-counts?created_from=99999999999999", None).await;
    assert_eq!(later["playbooks"], json!({}));
}

#[tokio::test]
async fn a_run_streams_its_view_until_it_ends() {
    let server = TestApp::start().await;
    let (sink_url, _sink) = Sink::start_with(std::time::Duration::from_millis(600), 0).await;
    let chain = playbooks::chain("slow", playbooks::manual_trigger(), vec![playbooks::post_to(&sink_url, json!({}))]);
    let (_, created) = server.call(Method::POST, "/api/v1/symphony/playbooks", Some(json!({"playbook": chain}))).await;
    let uuid = created["uuid"].as_str().unwrap();
    let (_, run) =
        server.call(Method::POST, &format!("/api/v1/symphony/playbooks/{uuid}/run"), Some(json!({"event": {}}))).await;
    let url = format!("{}/api/v1/symphony/runs/{}/events", server.api.base, run["uuid"].as_str().unwrap());
    let response = reqwest::Client::new().get(&url).bearer_auth(&server.api.key).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    // The whole stream: it ends with the run.
    let text = tokio::time::timeout(std::time::Duration::from_secs(20), response.text()).await.unwrap().unwrap();
    let views: Vec<serde_json::Value> = text
        .lines()
        .filter_map(|line| line.strip_prefix("data: "))
        .map(|data| serde_json::from_str(data).unwrap())
        .collect();
    assert!(views.len() >= 2, "the run as it went, then as it ended: {text}");
    assert_ne!(views[0]["status"], "succeeded", "the first view is the run going on");
    assert_eq!(views.last().unwrap()["status"], "succeeded");
    assert_eq!(views.last().unwrap()["nodes"]["1"]["status"], "succeeded");

    let missing = format!("{}/api/v1/symphony/runs/nope/events", server.api.base);
    let response = reqwest::Client::new().get(&missing).bearer_auth(&server.api.key).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

/// A run an alert starts names that alert's short id, in lists and in its view; other runs
/// name none.
#[tokio::test]
async fn a_run_names_the_alert_it_is_about() {
    let server = TestApp::start().await;
    let (sink, _tool) = Sink::start().await;
    let playbook = server.activated(playbooks::seed(&sink)).await;
    let (_, alert) =
        server.call(Method::POST, "/api/v1/sic/alerts", Some(json!({"title": "t", "rule": {"name": "r"}}))).await;
    let runs = server.finished_runs(&playbook, 1).await;
    assert_eq!(runs[0]["alert_short_id"], alert["short_id"], "{}", runs[0]);
    let (_, view) =
        server.call(Method::GET, &format!("/api/v1/symphony/runs/{}", runs[0]["uuid"].as_str().unwrap()), None).await;
    assert_eq!(view["alert_short_id"], alert["short_id"]);

    let mut manual = playbooks::seed(&sink);
    manual["uuid"] = serde_json::Value::Null;
    manual["nodes"]["0"]["trigger_uuid"] = json!(playbooks::MANUAL_TRIGGER);
    let manual = server.activated(manual).await;
    let path = format!("/api/v1/symphony/playbooks/{manual}/run");
    let (status, _) = server.call(Method::POST, &path, Some(json!({"event": {"alert_uuid": alert["uuid"]}}))).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let runs = server.finished_runs(&manual, 1).await;
    assert!(runs[0].get("alert_short_id").is_none(), "{}", runs[0]);
}
