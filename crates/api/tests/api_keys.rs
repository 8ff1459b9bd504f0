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
