use axum::Router;
use axum::extract::{Path, RawQuery};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use riposte_sdk::{ActionContext, DynAction, FailureKind};
use serde_json::json;

use super::GetAlert;
use crate::HttpClients;

async fn alert(Path(uuid): Path<String>, RawQuery(query): RawQuery, headers: HeaderMap) -> impl IntoResponse {
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some("Bearer k3y") {
        return (StatusCode::UNAUTHORIZED, axum::Json(json!({"message": "bad key"})));
    }
    match uuid.as_str() {
        "a-1" => (
            StatusCode::OK,
            axum::Json(
                json!({"uuid": "a-1", "short_id": "ALx", "rule": {"name": "R", "severity": 80}, "query": query}),
            ),
        ),
        "boom" => (StatusCode::BAD_GATEWAY, axum::Json(json!({}))),
        _ => (StatusCode::NOT_FOUND, axum::Json(json!({"message": "no such alert"}))),
    }
}

async fn serve() -> String {
    let app = Router::new()
        .route("/api/v1/sic/alerts/{uuid}", get(alert))
        .fallback(|| async { (StatusCode::IM_A_TEAPOT, axum::Json(json!({"admin": "secret"}))) });
    let address = riposte_testkit::serve(app).await;
    format!("http://{address}")
}

async fn get_alert(base_url: &str, api_key: &str, uuid: &str) -> riposte_sdk::ActionOutcome {
    let ctx = ActionContext::new(json!({"base_url": base_url, "api_key": api_key}), "k");
    GetAlert::new(HttpClients::new().unwrap(), None).call(ctx, json!({"uuid": uuid, "stix": false})).await
}

#[tokio::test]
async fn fetches_the_alert_with_the_api_key() {
    let base = serve().await;
    let outcome = get_alert(&base, "k3y", "a-1").await;
    assert!(outcome.error.is_none(), "{outcome:?}");
    let alert = outcome.results.unwrap();
    assert_eq!(alert["rule"]["name"], "R");
    assert_eq!(alert["query"], "stix=false&cases=false");
    let outcome = get_alert(&format!("{base}/api"), "k3y", "a-1").await;
    assert!(outcome.error.is_none(), "a base URL ending in /api works too");
}

#[tokio::test]
async fn refusals_fail_and_server_errors_are_transient() {
    let base = serve().await;
    let error = get_alert(&base, "k3y", "nope").await.error.unwrap();
    assert_eq!(error.kind, FailureKind::Action);
    assert!(error.message.starts_with("alert not found (status code: 404)"), "{}", error.message);
    let error = get_alert(&base, "wrong", "a-1").await.error.unwrap();
    assert!(error.message.contains("status code: 401"));
    assert_eq!(get_alert(&base, "k3y", "boom").await.error.unwrap().kind, FailureKind::Transient);
    let outcome =
        GetAlert::new(HttpClients::new().unwrap(), None).call(ActionContext::default(), json!({"uuid": "a-1"})).await;
    assert!(outcome.error.unwrap().message.contains("invalid module configuration"));
}

#[tokio::test]
async fn an_alert_id_cannot_lead_the_key_to_another_path() {
    let base = serve().await;
    for uuid in ["../../admin/secret", "a-1/../../../admin", "x?admin=1", "%2e%2e%2fadmin"] {
        let error = get_alert(&base, "k3y", uuid).await.error.unwrap();
        assert_eq!(error.kind, FailureKind::Action, "{uuid}");
        assert!(error.message.contains("is not an alert UUID or short id"), "{uuid}: {}", error.message);
    }
}

#[test]
fn manifest_keeps_sekoia_identifiers() {
    let manifest = super::module(&HttpClients::new().unwrap(), None).manifest();
    assert_eq!(manifest.uuid, super::MODULE_UUID);
    assert_eq!(manifest.slug, "sekoia.io");
    assert_eq!(manifest.configuration["secrets"], json!(["api_key"]));
    assert_eq!(manifest.actions[0].uuid, "8d189665-5401-4098-8d60-944de9a6199a");
    assert_eq!(manifest.actions[0].docker_parameters, "get-alerts/{uuid}");
    assert_eq!(manifest.triggers[0].uuid, "785583cf-4377-43ce-a5fb-f4572eb57456");
    assert!(manifest.triggers[0].results["required"].as_array().unwrap().contains(&json!("alert_uuid")));
}

struct Alerts;

#[async_trait::async_trait]
impl super::LocalAlerts for Alerts {
    async fn get_alert(&self, id: &str) -> Result<Option<serde_json::Map<String, serde_json::Value>>, String> {
        Ok((id == "a-1").then(|| json!({"uuid": "a-1", "rule": {"name": "Local"}}).as_object().cloned().unwrap()))
    }
}

#[tokio::test]
async fn without_a_base_url_the_hosting_server_s_alerts_are_read_directly() {
    let action = GetAlert::new(HttpClients::new().unwrap(), Some(std::sync::Arc::new(Alerts)));
    let outcome = action.call(ActionContext::new(json!({}), "k"), json!({"uuid": "a-1"})).await;
    assert_eq!(outcome.results.unwrap()["rule"]["name"], "Local");
    let outcome = action.call(ActionContext::new(json!({}), "k"), json!({"uuid": "a-2"})).await;
    assert!(outcome.error.unwrap().message.starts_with("alert not found (status code: 404)"));
    let outcome = GetAlert::new(HttpClients::new().unwrap(), None)
        .call(ActionContext::new(json!({}), "k"), json!({"uuid": "a-1"}))
        .await;
    assert_eq!(
        outcome.error.unwrap().message,
        "the module configuration has no api_key",
        "elsewhere the API needs a key"
    );
}
