//! API keys through the HTTP API: each carries permissions, checked on every route.

#![allow(clippy::unwrap_used)] // a test fails by panicking

use axum::http::StatusCode;
use reqwest::Method;
use riposte_testkit::TestApp;
use serde_json::{Value, json};

#[tokio::test]
async fn keys_carry_permissions_and_a_key_without_one_gets_403() {
    let server = TestApp::start().await;
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

/// The authorisation matrix: every route the description lists with the permission it needs
/// (`x-permission`), called with a key holding each permission alone, and with none.
#[tokio::test]
async fn every_route_refuses_every_key_without_its_permission() {
    let server = TestApp::start().await;
    let (_, description) = server.call(Method::GET, "/api/openapi.json", None).await;
    let mut keys = Vec::new();
    for permission in riposte_model::Permission::ALL {
        let name = permission.to_string();
        let body = json!({"name": format!("only {name}"), "permissions": [name]});
        let (_, made) = server.call(Method::POST, "/api/v1/api-keys", Some(body)).await;
        keys.push((name, made["key"].as_str().unwrap().to_string()));
    }
    let client = reqwest::Client::new();
    let mut checked = 0;
    for (path, item) in description["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let Some(needed) = operation["x-permission"].as_str() else { continue };
            let method: Method = method.to_uppercase().parse().unwrap();
            let url = format!("{}{}", server.base, path.replace('{', "").replace('}', "-nope"));
            let send = |key: Option<&str>| {
                let mut request = client.request(method.clone(), &url).json(&json!({}));
                if let Some(key) = key {
                    request = request.bearer_auth(key);
                }
                request.send()
            };
            assert_eq!(send(None).await.unwrap().status().as_u16(), 401, "{method} {path} without a key");
            for (held, key) in &keys {
                let status = send(Some(key)).await.unwrap().status().as_u16();
                if held == needed {
                    assert!(status < 500, "{method} {path} with {held}: {status}");
                } else {
                    assert_eq!(status, 403, "{method} {path} needs {needed}, the key holds {held}");
                }
                checked += 1;
            }
        }
    }
    assert!(checked >= 40 * keys.len(), "{checked} calls: the description names the permission of every route");
}

async fn key_with(server: &TestApp, name: &str, permissions: Value) -> String {
    let body = json!({"name": name, "permissions": permissions});
    let (status, made) = server.call(Method::POST, "/api/v1/api-keys", Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    made["key"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_key_revokes_only_keys_holding_no_more_than_it_and_signs_its_comments() {
    let server = TestApp::start().await;
    let keeper = key_with(&server, "keeper", json!(["API_KEYS"])).await;
    key_with(&server, "writer", json!(["SIC_WRITE_ALERTS"])).await;
    key_with(&server, "other keeper", json!(["API_KEYS"])).await;
    let (_, listed) = server.call(Method::GET, "/api/v1/api-keys", None).await;
    let uuid_of = |name: &str| {
        listed["items"].as_array().unwrap().iter().find(|k| k["name"] == name).unwrap()["uuid"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let keeper_api = server.with_key(&keeper);
    let (status, refused) =
        keeper_api.call(Method::DELETE, &format!("/api/v1/api-keys/{}", uuid_of("writer")), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
    assert!(refused["errors"][0]["detail"].as_str().unwrap().contains("SIC_WRITE_ALERTS"), "{refused}");
    let (status, _) =
        keeper_api.call(Method::DELETE, &format!("/api/v1/api-keys/{}", uuid_of("other keeper")), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    let writer = server.with_key(key_with(&server, "Tier 1 playbooks", json!(["SIC_WRITE_ALERTS"])).await);
    let (_, alert) =
        writer.call(Method::POST, "/api/v1/sic/alerts", Some(json!({"title": "t", "rule": {"name": "r"}}))).await;
    let path = format!("/api/v1/sic/alerts/{}/comments", alert["uuid"].as_str().unwrap());
    let (status, comment) = writer.call(Method::POST, &path, Some(json!({"content": "c", "author": "The CISO"}))).await;
    assert_eq!(status, StatusCode::CREATED, "{comment}");
    assert_eq!(comment["author"], "Tier 1 playbooks");
}

#[tokio::test]
async fn a_key_may_take_only_its_share_of_run_streams() {
    let server = TestApp::start().await;
    let (sink_url, _sink) = riposte_testkit::Sink::start_with(std::time::Duration::from_secs(30), 0).await;
    let chain = riposte_testkit::playbooks::chain(
        "slow",
        riposte_testkit::playbooks::manual_trigger(),
        vec![riposte_testkit::playbooks::post_to(&sink_url, json!({}))],
    );
    let (_, created) = server.call(Method::POST, "/api/v1/symphony/playbooks", Some(json!({"playbook": chain}))).await;
    let uuid = created["uuid"].as_str().unwrap();
    let (_, run) =
        server.call(Method::POST, &format!("/api/v1/symphony/playbooks/{uuid}/run"), Some(json!({"event": {}}))).await;
    let url = format!("{}/api/v1/symphony/runs/{}/events", server.base, run["uuid"].as_str().unwrap());
    let greedy = key_with(&server, "greedy", json!(["SYMPHONY"])).await;
    let open = |key: String| {
        let url = url.clone();
        async move { reqwest::Client::new().get(&url).bearer_auth(key).send().await.unwrap() }
    };
    let mut held = Vec::new();
    for _ in 0..16 {
        let response = open(greedy.clone()).await;
        assert_eq!(response.status().as_u16(), 200);
        held.push(response);
    }
    assert_eq!(open(greedy.clone()).await.status().as_u16(), 429, "past its share");
    assert_eq!(open(server.api.key.clone()).await.status().as_u16(), 200, "another key still gets one");
    drop(held);
}
