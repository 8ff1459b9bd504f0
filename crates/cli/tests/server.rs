//! The server through its real HTTP API, each test on a fresh data directory: the seed use case
//! end to end, and bad input.

#![allow(clippy::unwrap_used)] // a test fails by panicking

mod common;

use axum::http::StatusCode;
use common::*;
use reqwest::Method;
use serde_json::{Value, json};

async fn fresh_server() -> (Server, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    (start_server(dir.path(), free_port()).await, dir)
}

#[tokio::test]
async fn an_alert_runs_the_seed_playbook_and_the_external_tool_gets_the_body() {
    let (server, _dir) = fresh_server().await;
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
    let (server, _dir) = fresh_server().await;
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
    let (server, _dir) = fresh_server().await;
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
        (
            Method::PATCH,
            "/api/v1/sic/alerts/nope",
            Some(json!({"status": "Closed"})),
            StatusCode::NOT_FOUND,
            "alert nope not found",
        ),
        (
            Method::POST,
            "/api/v1/sic/alerts/nope/comments",
            Some(json!({"content": "x"})),
            StatusCode::NOT_FOUND,
            "alert nope not found",
        ),
        (Method::GET, "/api/v1/symphony/runs?status=done", None, StatusCode::BAD_REQUEST, "unknown variant `done`"),
        (Method::GET, "/api/v1/symphony/runs/nope", None, StatusCode::NOT_FOUND, "run nope not found"),
        (
            Method::POST,
            "/api/v1/symphony/runs/nope/rerun",
            Some(json!({"mode": "all"})),
            StatusCode::NOT_FOUND,
            "run nope not found",
        ),
        (
            Method::PUT,
            "/api/v1/symphony/playbooks/nope",
            Some(json!({"playbook": {"name": "p", "nodes": {}}})),
            StatusCode::NOT_FOUND,
            "playbook nope not found",
        ),
        (
            Method::POST,
            "/api/v1/symphony/playbooks/nope/activate",
            None,
            StatusCode::NOT_FOUND,
            "playbook nope not found",
        ),
        (
            Method::POST,
            "/api/v1/symphony/playbooks/nope/run",
            Some(json!({"event": {}})),
            StatusCode::NOT_FOUND,
            "playbook nope not found",
        ),
        (
            Method::GET,
            "/api/v1/symphony/module-configurations/nope",
            None,
            StatusCode::NOT_FOUND,
            "module configuration nope not found",
        ),
        (
            Method::PUT,
            "/api/v1/symphony/module-configurations/nope",
            Some(json!({"value": {}})),
            StatusCode::NOT_FOUND,
            "module configuration nope not found",
        ),
        (
            Method::POST,
            "/api/v1/api-keys",
            Some(json!({"name": " ", "permissions": []})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "must not be empty",
        ),
        (Method::DELETE, "/api/v1/api-keys/nope", None, StatusCode::NOT_FOUND, "API key nope not found"),
        (Method::PUT, "/api/v1/sic/alerts", Some(json!({})), StatusCode::METHOD_NOT_ALLOWED, "method not allowed"),
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
    let (_, alert) =
        server.call(Method::POST, "/api/v1/sic/alerts", Some(json!({"title": "t", "rule": {"name": "r"}}))).await;
    let id = alert["short_id"].as_str().unwrap();
    let bad_patches = [
        (json!({"status": "Done"}), "$.status", "unknown status `Done`"),
        (json!({"colour": "red"}), "$.colour", "unknown field `colour`"),
        (json!({"urgency": -1}), "$.urgency", "between 0 and 100"),
    ];
    for (patch, path, detail) in bad_patches {
        let (status, answer) = server.call(Method::PATCH, &format!("/api/v1/sic/alerts/{id}"), Some(patch)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
        assert_eq!(answer["errors"][0]["path"], path, "{answer}");
        assert!(answer["errors"][0]["detail"].as_str().unwrap().contains(detail), "{answer}");
    }
    let (status, answer) =
        server.call(Method::POST, &format!("/api/v1/sic/alerts/{id}/comments"), Some(json!({"content": ""}))).await;
    assert_eq!((status, answer["errors"][0]["path"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("$.content")));
    let (_, unchanged) = server.call(Method::GET, &format!("/api/v1/sic/alerts/{id}"), None).await;
    assert_eq!(
        (unchanged["status"]["name"].as_str(), unchanged["number_of_total_comments"].as_i64()),
        (Some("Pending"), Some(0)),
        "nothing changed"
    );
    let not_json = reqwest::Client::new()
        .post(format!("{}/api/v1/sic/alerts", server.base))
        .bearer_auth(&server.key)
        .body("title=t")
        .send()
        .await
        .unwrap();
    assert_eq!(not_json.status().as_u16(), 415);

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
    assert_eq!(alerts["total"], 1, "only the one good alert was stored: {alerts}");
}

#[tokio::test]
async fn a_playbook_with_problems_is_saved_but_cannot_be_activated() {
    let (server, _dir) = fresh_server().await;
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

#[tokio::test]
async fn failed_runs_rerun_their_failed_nodes_or_everything() {
    let (server, _dir) = fresh_server().await;
    let (sink_url, sink) = start_sink_with(std::time::Duration::ZERO, 1).await;
    let playbook = activated_seed(&server, &sink_url).await;
    server.call(Method::POST, "/api/v1/sic/alerts", Some(json!({"title": "t", "rule": {"name": "r"}}))).await;
    let runs = server.run_of(&playbook, 1).await;
    assert_eq!(runs[0]["status"], "failed");
    let run = runs[0]["uuid"].as_str().unwrap().to_string();
    let (_, detail) = server.call(Method::GET, &format!("/api/v1/symphony/runs/{run}"), None).await;
    assert!(detail["nodes"]["2"]["error"].as_str().unwrap().contains("with 500"), "{detail}");

    let (status, _) =
        server.call(Method::POST, &format!("/api/v1/symphony/runs/{run}/rerun"), Some(json!({"mode": "failed"}))).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let runs = server.run_of(&playbook, 1).await;
    assert_eq!(
        (runs.len(), runs[0]["uuid"].as_str().unwrap(), runs[0]["status"].as_str().unwrap()),
        (1, run.as_str(), "succeeded")
    );
    assert_eq!(sink.0.lock().unwrap().len(), 2, "only the failed request was sent again");

    let (status, again) =
        server.call(Method::POST, &format!("/api/v1/symphony/runs/{run}/rerun"), Some(json!({"mode": "failed"}))).await;
    assert_eq!(status, StatusCode::CONFLICT, "{again}");
    let (status, fresh) =
        server.call(Method::POST, &format!("/api/v1/symphony/runs/{run}/rerun"), Some(json!({"mode": "all"}))).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_ne!(fresh["uuid"].as_str().unwrap(), run);
    let runs = server.run_of(&playbook, 2).await;
    assert!(runs.iter().all(|r| r["status"] == "succeeded"));
    assert_eq!(sink.0.lock().unwrap().len(), 3);
    let (status, bad) =
        server.call(Method::POST, &format!("/api/v1/symphony/runs/{run}/rerun"), Some(json!({"mode": "some"}))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
}

#[tokio::test]
async fn a_running_run_can_be_cancelled() {
    let (server, _dir) = fresh_server().await;
    let (sink_url, _sink) = start_sink_with(std::time::Duration::from_secs(60), 0).await;
    let playbook = activated_seed(&server, &sink_url).await;
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
    let runs = server.run_of(&playbook, 1).await;
    assert_eq!(runs[0]["status"], "cancelled");
    let (_, detail) = server.call(Method::GET, &format!("/api/v1/symphony/runs/{run}"), None).await;
    assert_eq!(detail["nodes"]["2"]["status"], "cancelled");
    assert_eq!(detail["nodes"]["1"]["status"], "succeeded");
    let (status, _) = server.call(Method::POST, &format!("/api/v1/symphony/runs/{run}/cancel"), None).await;
    assert_eq!(status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn a_playbook_failing_five_times_in_a_row_is_turned_off_and_says_why() {
    let (server, _dir) = fresh_server().await;
    let (sink_url, _sink) = start_sink_with(std::time::Duration::ZERO, usize::MAX).await;
    let playbook = activated_seed(&server, &sink_url).await;
    for n in 0..5 {
        server
            .call(Method::POST, "/api/v1/sic/alerts", Some(json!({"title": format!("t{n}"), "rule": {"name": "r"}})))
            .await;
        server.run_of(&playbook, n + 1).await;
    }
    let started = std::time::Instant::now();
    let record = loop {
        let (_, record) = server.call(Method::GET, &format!("/api/v1/symphony/playbooks/{playbook}"), None).await;
        if record["active"] == false || started.elapsed() > std::time::Duration::from_secs(10) {
            break record;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    assert_eq!(record["active"], false, "{record}");
    let reason = record["deactivation_reason"].as_str().unwrap();
    assert!(
        reason.starts_with("deactivated after 5 failed runs in a row; last error: HTTP Request failed"),
        "{reason}"
    );
    server.call(Method::POST, "/api/v1/sic/alerts", Some(json!({"title": "after", "rule": {"name": "r"}}))).await;
    let (_, runs) = server.call(Method::GET, &format!("/api/v1/symphony/runs?playbook_uuid={playbook}"), None).await;
    assert_eq!(runs["total"], 5, "an inactive playbook starts no run");
}

#[tokio::test]
async fn secrets_are_write_only_and_never_shown() {
    let (server, dir) = fresh_server().await;
    let (sink_url, sink) = start_sink().await;
    let sekoia = "92d8bb47-7c51-445d-81de-ae04edbb6f0a";
    let body = json!({"module_uuid": sekoia, "name": "This tenant", "value": {"base_url": server.base, "api_key": server.key}});
    let (status, created) = server.call(Method::POST, "/api/v1/symphony/module-configurations", Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["secrets"], json!(["api_key"]));
    assert_eq!(created["value"], json!({"base_url": server.base}));
    let configuration = created["uuid"].as_str().unwrap().to_string();

    let mut playbook = seed_playbook(&sink_url);
    playbook["nodes"]["1"]["module_configuration_uuid"] = json!(configuration);
    playbook["nodes"]["2"]["arguments"]["auth_type"] = json!("Bearer");
    playbook["nodes"]["2"]["arguments"]["auth_token"] = json!("tok-SECRET-4242");
    let (_, created) =
        server.call(Method::POST, "/api/v1/symphony/playbooks", Some(json!({"playbook": playbook}))).await;
    let uuid = created["uuid"].as_str().unwrap().to_string();
    server.call(Method::POST, &format!("/api/v1/symphony/playbooks/{uuid}/activate"), None).await;
    server.call(Method::POST, "/api/v1/sic/alerts", Some(json!({"title": "t", "rule": {"name": "r"}}))).await;
    let runs = server.run_of(&uuid, 1).await;
    assert_eq!(runs[0]["status"], "succeeded", "{runs:?}");
    assert_eq!(sink.0.lock().unwrap()[0].0["authorization"], "Bearer tok-SECRET-4242", "the action got the secret");

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

#[tokio::test]
async fn keys_carry_permissions_and_a_key_without_one_gets_403() {
    let (server, _dir) = fresh_server().await;
    let (status, made) = server
        .call(Method::POST, "/api/v1/api-keys", Some(json!({"name": "reader", "permissions": ["SIC_READ_ALERTS"]})))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let reader = made["key"].as_str().unwrap().to_string();
    let as_reader = |method: Method, path: &str| {
        reqwest::Client::new().request(method, format!("{}{path}", server.base)).bearer_auth(&reader)
    };
    let allowed = as_reader(Method::GET, "/api/v1/sic/alerts").send().await.unwrap();
    assert_eq!(allowed.status().as_u16(), 200, "{}", allowed.text().await.unwrap());
    let refused = as_reader(Method::POST, "/api/v1/sic/alerts")
        .json(&json!({"title": "t", "rule": {"name": "r"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status().as_u16(), 403);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["errors"][0]["detail"], "this API key lacks the SIC_WRITE_ALERTS permission");
    assert_eq!(as_reader(Method::GET, "/api/v1/symphony/runs").send().await.unwrap().status().as_u16(), 403);
    assert_eq!(as_reader(Method::GET, "/api/v1/api-keys").send().await.unwrap().status().as_u16(), 403);

    let (_, listed) = server.call(Method::GET, "/api/v1/api-keys", None).await;
    assert_eq!(listed["total"], 1);
    assert!(listed["items"][0].get("key").is_none(), "a key is shown only once");
    let (status, bad) =
        server.call(Method::POST, "/api/v1/api-keys", Some(json!({"name": "x", "permissions": ["ROOT"]}))).await;
    assert_eq!(
        (status, bad["errors"][0]["path"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("$.permissions[0]"))
    );
    let (status, _) =
        server.call(Method::DELETE, &format!("/api/v1/api-keys/{}", made["uuid"].as_str().unwrap()), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        as_reader(Method::GET, "/api/v1/sic/alerts").send().await.unwrap().status().as_u16(),
        401,
        "a deleted key no longer works"
    );
}

fn scheduled_playbook(sink: &str, cron: &str) -> Value {
    json!({"name": "Every second", "nodes": {
        "0": {"name": "Cron", "type": "trigger", "module_uuid": "1ad1b7ce-e335-4532-83ce-1d43c864720c",
              "trigger_uuid": "5039c9fe-b2d8-40b3-a11b-d2a810ddbf91", "arguments": {"cron": cron}, "outputs": {"default": ["1"]}},
        "1": {"name": "Tell", "type": "action", "module_uuid": "5894985f-91eb-46db-9306-cc5ac6463d3d",
              "action_uuid": "40bcf3c0-aa8b-4111-9b4e-f3caffccb4e5",
              "arguments": {"url": sink, "method": "post", "json": {"at": "{{ node.0.scheduled_at }}"}}, "outputs": {"default": []}}
    }})
}

#[tokio::test]
async fn a_cron_trigger_starts_one_run_per_scheduled_time() {
    let (server, _dir) = fresh_server().await;
    let (sink_url, sink) = start_sink().await;
    let (_, bad) = server
        .call(
            Method::POST,
            "/api/v1/symphony/playbooks",
            Some(json!({"playbook": scheduled_playbook(&sink_url, "every minute")})),
        )
        .await;
    assert_eq!(bad["problems"][0]["path"], "$.nodes[\"0\"].arguments.cron", "{bad}");

    let (_, created) = server
        .call(
            Method::POST,
            "/api/v1/symphony/playbooks",
            Some(json!({"playbook": scheduled_playbook(&sink_url, "* * * * * *")})),
        )
        .await;
    let uuid = created["uuid"].as_str().unwrap().to_string();
    server.call(Method::POST, &format!("/api/v1/symphony/playbooks/{uuid}/activate"), None).await;
    let runs = server.run_of(&uuid, 2).await;
    server.call(Method::POST, &format!("/api/v1/symphony/playbooks/{uuid}/deactivate"), None).await;
    assert!(
        runs.iter().all(|r| r["status"] == "succeeded" && r["name"].as_str().unwrap().starts_with("Scheduled run: ")),
        "{runs:?}"
    );
    let times: Vec<String> = sink
        .0
        .lock()
        .unwrap()
        .iter()
        .map(|(_, body)| serde_json::from_str::<Value>(body).unwrap()["at"].as_str().unwrap().to_string())
        .collect();
    let mut unique = times.clone();
    unique.dedup();
    assert_eq!(unique, times, "each scheduled time runs once");
}

#[tokio::test]
async fn a_playbook_can_be_run_by_hand_with_an_event() {
    let (server, _dir) = fresh_server().await;
    let (sink_url, sink) = start_sink().await;
    let (_, alert) = server
        .call(
            Method::POST,
            "/api/v1/sic/alerts",
            Some(json!({"title": "t", "rule": {"name": "Handmade", "severity": 12}})),
        )
        .await;
    let mut playbook = seed_playbook(&sink_url);
    playbook["nodes"]["0"]["name"] = json!("Manual Trigger");
    playbook["nodes"]["0"]["trigger_uuid"] = json!("fc26eb9f-b272-4c15-b3bf-ace397c0dc57");
    let (_, created) =
        server.call(Method::POST, "/api/v1/symphony/playbooks", Some(json!({"playbook": playbook}))).await;
    let uuid = created["uuid"].as_str().unwrap().to_string();
    let (status, run) = server
        .call(
            Method::POST,
            &format!("/api/v1/symphony/playbooks/{uuid}/run"),
            Some(json!({"event": {"alert_uuid": alert["uuid"]}})),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{run}");
    let runs = server.run_of(&uuid, 1).await;
    assert_eq!(runs[0]["status"], "succeeded", "{runs:?}");
    let body: Value = serde_json::from_str(&sink.0.lock().unwrap()[0].1).unwrap();
    assert_eq!((body["rule_name"].as_str(), body["rule_severity"].as_str()), (Some("Handmade"), Some("12")));
}

#[tokio::test]
async fn large_outputs_are_stored_apart_and_shown_in_full() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server_with(dir.path(), free_port(), &["--max-inline-output", "200"]).await;
    let (sink_url, _sink) = start_sink().await;
    let playbook = activated_seed(&server, &sink_url).await;
    let details = "d".repeat(5000);
    server
        .call(
            Method::POST,
            "/api/v1/sic/alerts",
            Some(json!({"title": "t", "details": details, "rule": {"name": "r"}})),
        )
        .await;
    let runs = server.run_of(&playbook, 1).await;
    assert_eq!(runs[0]["status"], "succeeded");
    let (_, run) =
        server.call(Method::GET, &format!("/api/v1/symphony/runs/{}", runs[0]["uuid"].as_str().unwrap()), None).await;
    assert_eq!(run["nodes"]["1"]["results"]["details"], json!(details), "the run shows the whole output");
    let db = std::fs::read(dir.path().join("riposte.db")).unwrap_or_default();
    let wal = std::fs::read(dir.path().join("riposte.db-wal")).unwrap_or_default();
    let text = String::from_utf8_lossy(&db) + String::from_utf8_lossy(&wal);
    assert!(text.contains("$riposte_output"), "the runs table refers to the output kept apart");
}
