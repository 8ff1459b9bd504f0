//! Bad input on every resource: a clear error that says what and where, and nothing stored.

#![allow(clippy::unwrap_used)] // a test fails by panicking

use axum::http::StatusCode;
use reqwest::Method;
use riposte_testkit::TestApp;
use riposte_testkit::playbooks::{self, SEKOIA_MODULE};
use serde_json::json;

#[tokio::test]
async fn bad_input_gets_a_clear_error_and_stores_nothing() {
    let server = TestApp::start().await;
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

/// Each kind of write, the `n`th time, with a 200,000-character text that needs new pages.
fn writes(n: usize, key: &str) -> Vec<(&'static str, serde_json::Value, StatusCode)> {
    let big = "x".repeat(200_000);
    let mut playbook = playbooks::chain(&format!("p{n}"), playbooks::manual_trigger(), vec![]);
    playbook["description"] = json!(big);
    vec![
        (
            "/api/v1/sic/alerts",
            json!({"title": format!("a{n}"), "details": big, "rule": {"name": "r"}}),
            StatusCode::CREATED,
        ),
        ("/api/v1/intake-http", json!({"intake_key": key, "json": big}), StatusCode::OK),
        ("/api/v1/intake-http/batch", json!({"intake_key": key, "jsons": ["small", big]}), StatusCode::OK),
        ("/api/v1/symphony/playbooks", json!({"playbook": playbook}), StatusCode::CREATED),
        (
            "/api/v1/symphony/module-configurations",
            json!({"module_uuid": SEKOIA_MODULE, "name": format!("c{n}"),
                   "value": {"base_url": "http://127.0.0.1:1", "api_key": big}}),
            StatusCode::CREATED,
        ),
    ]
}

/// A full disk (the database kept at its size, as a full filesystem keeps it): every write
/// answers 507 with one message, also when writes share a transaction; none of them is kept;
/// and writes go through again once there is room, without a restart.
#[tokio::test]
async fn every_write_on_a_full_disk_answers_507_and_goes_through_once_there_is_room() {
    let mut pages = None;
    let server = TestApp::start_with(|options| pages = Some(options.database_pages.clone())).await;
    let pages = pages.unwrap();
    let (_, intake) = server.post("/api/v1/intakes", json!({"name": "firewall"})).await;
    let (intake, key) = (intake["uuid"].as_str().unwrap(), intake["intake_key"].as_str().unwrap());

    pages.set(1);
    for round in 0..10 {
        // All at once, as on a busy server: the writer gathers them into one transaction.
        let answers = futures::future::join_all(
            writes(round, key).into_iter().map(|(path, body, _)| server.call(Method::POST, path, Some(body))),
        )
        .await;
        for ((path, _, _), (status, answer)) in writes(round, key).iter().zip(answers) {
            assert_eq!(status, StatusCode::INSUFFICIENT_STORAGE, "{path}: {answer}");
            assert_eq!(
                answer["errors"][0]["detail"], "the database is full or out of disk space: database or disk is full",
                "{path}"
            );
        }
    }

    pages.lift();
    for (path, body, expected) in writes(9, key) {
        let (status, answer) = server.call(Method::POST, path, Some(body)).await;
        assert_eq!(status, expected, "{path} once there is room: {answer}");
    }
    let (_, alerts) = server.get("/api/v1/sic/alerts").await;
    let (_, events) = server.get(&format!("/api/v1/intakes/{intake}/events")).await;
    let (_, saved) = server.get("/api/v1/symphony/playbooks").await;
    let (_, configurations) =
        server.get(&format!("/api/v1/symphony/module-configurations?module_uuid={SEKOIA_MODULE}")).await;
    assert_eq!(
        [&alerts["total"], &events["total"], &saved["total"], &configurations["total"]],
        [&json!(1), &json!(3), &json!(1), &json!(1)],
        "only what was answered as written is kept"
    );
}
