use std::collections::HashMap;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::IntoResponse;
use axum::routing::any;
use riposte_sdk::{ActionContext, DynAction, FailureKind};
use serde_json::{Value, json};

use super::RequestUrl;
use crate::HttpClients;

async fn echo(method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> impl IntoResponse {
    let headers: HashMap<String, String> =
        headers.iter().map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_string())).collect();
    axum::Json(json!({
        "method": method.as_str(),
        "path": uri.path(),
        "query": uri.query(),
        "headers": headers,
        "body": String::from_utf8_lossy(&body),
    }))
}

async fn status(Path(code): Path<u16>) -> impl IntoResponse {
    (StatusCode::from_u16(code).unwrap(), [("content-type", "application/json")], "{\"error\": \"nope\"}")
}

const DIGEST_CHALLENGE: &str =
    r#"Digest realm="test", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41""#;

/// Answers 401 with a Digest challenge, then 200 when the answer matches the expected one.
async fn digest(method: Method, uri: Uri, headers: HeaderMap) -> impl IntoResponse {
    let Some(answer) = headers.get("authorization").and_then(|v| v.to_str().ok()) else {
        return (StatusCode::UNAUTHORIZED, [("www-authenticate", DIGEST_CHALLENGE)], String::new());
    };
    let mut prompt = digest_auth::parse(DIGEST_CHALLENGE).unwrap();
    let method = digest_auth::HttpMethod::from(method.as_str());
    let context = digest_auth::AuthContext::new_with_method("ana", "s3cret", uri.to_string(), None::<&[u8]>, method);
    let expected = prompt.respond(&context).unwrap().to_header_string();
    if answer == expected {
        (StatusCode::OK, [("www-authenticate", "")], "welcome".to_string())
    } else {
        (StatusCode::FORBIDDEN, [("www-authenticate", "")], format!("got {answer}, expected {expected}"))
    }
}

async fn latin1() -> impl IntoResponse {
    ([("content-type", "text/plain")], Bytes::from_static(b"caf\xe9"))
}

async fn serve() -> String {
    let app = Router::new()
        .route("/echo", any(echo))
        .route("/status/{code}", any(status))
        .route("/digest", any(digest))
        .route("/latin1", any(latin1))
        .route(
            "/redirect",
            any(|Query(q): Query<HashMap<String, String>>| async move {
                axum::response::Redirect::temporary(&format!("/echo?from={}", q.get("n").cloned().unwrap_or_default()))
            }),
        );
    let address = riposte_testkit::serve(app).await;
    format!("http://{address}")
}

async fn request(arguments: Value) -> riposte_sdk::ActionOutcome {
    let ctx = ActionContext::new(json!({}), "run-1:2");
    RequestUrl::new(HttpClients::new().unwrap()).call(ctx, arguments).await
}

#[tokio::test]
async fn posts_json_with_headers_params_and_bearer_auth() {
    let base = serve().await;
    let outcome = request(json!({
        "url": format!("{base}/echo"), "method": "post",
        "headers": {"X-Tool": "riposte", "X-Count": 3, "Authorization": "Bearer replaced"},
        "params": "{\"page\": 2, \"tag\": [\"a\", \"b\"]}",
        "json": {"alert_short_id": "AL1", "quote": "say \"hi\""},
        "auth_type": "Bearer", "auth_token": "t0k3n"
    }))
    .await;
    assert!(outcome.error.is_none(), "{outcome:?}");
    let results = outcome.results.unwrap();
    assert_eq!(results["status_code"], 200);
    assert_eq!(results["reason"], "OK");
    assert_eq!(results["encoding"], "utf-8");
    let echoed = &results["json"];
    assert_eq!(echoed["method"], "POST");
    assert_eq!(echoed["query"], "page=2&tag=a&tag=b");
    assert_eq!(echoed["headers"]["x-tool"], "riposte");
    assert_eq!(echoed["headers"]["x-count"], "3");
    assert_eq!(echoed["headers"]["authorization"], "Bearer t0k3n");
    assert_eq!(echoed["headers"]["content-type"], "application/json");
    assert_eq!(echoed["headers"]["idempotency-key"], "run-1:2");
    let body: Value = serde_json::from_str(echoed["body"].as_str().unwrap()).unwrap();
    assert_eq!(body, json!({"alert_short_id": "AL1", "quote": "say \"hi\""}));
    assert!(results["elapsed"].as_f64().unwrap() >= 0.0);
    assert_eq!(results["text"], serde_json::to_string(echoed).unwrap());
}

#[tokio::test]
async fn sends_raw_data_and_basic_auth() {
    let base = serve().await;
    let outcome = request(json!({
        "url": format!("{base}/echo"), "method": "PUT", "data": "a=1&b=2",
        "auth_type": "Basic", "auth_username": "user", "auth_password": "pass"
    }))
    .await;
    let echoed = &outcome.results.unwrap()["json"];
    assert_eq!(echoed["body"], "a=1&b=2");
    assert_eq!(echoed["headers"]["authorization"], "Basic dXNlcjpwYXNz");
}

#[tokio::test]
async fn answers_a_digest_challenge() {
    let base = serve().await;
    let outcome = request(json!({
        "url": format!("{base}/digest"), "method": "get",
        "auth_type": "Digest", "auth_username": "ana", "auth_password": "s3cret"
    }))
    .await;
    let results = outcome.results.unwrap();
    assert_eq!(results["status_code"], 200, "{}", results["text"]);
    assert_eq!(results["text"], "welcome");
}

#[tokio::test]
async fn http_errors_fail_the_action_but_keep_the_results() {
    let base = serve().await;
    let outcome = request(json!({"url": format!("{base}/status/503"), "method": "get"})).await;
    let error = outcome.error.clone().unwrap();
    assert_eq!(error.kind, FailureKind::Action);
    assert_eq!(error.message, format!("HTTP Request failed: {base}/status/503 with 503"));
    assert_eq!(outcome.results.unwrap()["json"], json!({"error": "nope"}));

    let outcome =
        request(json!({"url": format!("{base}/status/404"), "method": "get", "fail_on_http_error": false})).await;
    assert!(outcome.error.is_none());
    assert_eq!(outcome.results.unwrap()["status_code"], 404);
}

#[tokio::test]
async fn follows_redirects_and_decodes_text() {
    let base = serve().await;
    let results = request(json!({"url": format!("{base}/redirect?n=7"), "method": "get"})).await.results.unwrap();
    assert_eq!(results["url"], format!("{base}/echo?from=7"));
    let results = request(json!({"url": format!("{base}/latin1"), "method": "get"})).await.results.unwrap();
    assert_eq!(results["text"], "café");
    assert_eq!(results["encoding"], "ISO-8859-1");
    assert_eq!(results["json"], Value::Null);
}

#[tokio::test]
async fn bad_input_and_unreachable_servers_are_reported() {
    let outcome = request(json!({"url": "http://127.0.0.1:1/", "method": "get"})).await;
    assert_eq!(outcome.error.unwrap().kind, FailureKind::Transient);
    let outcome = request(json!({"url": "not a url", "method": "get"})).await;
    assert!(outcome.error.unwrap().message.contains("invalid url"));
    let outcome = request(json!({"url": "http://x/", "method": "fetch"})).await;
    assert!(outcome.error.unwrap().message.starts_with("invalid argument `method`"));
    let outcome = request(json!({"url": "http://x/", "method": "get", "auth_type": "Bearer"})).await;
    assert!(outcome.error.unwrap().message.contains("auth_token is required"));
}

#[test]
fn manifest_keeps_sekoia_identifiers() {
    let module = super::module(&HttpClients::new().unwrap()).manifest();
    assert_eq!(module.uuid, "5894985f-91eb-46db-9306-cc5ac6463d3d");
    let action = &module.actions[0];
    assert_eq!(action.uuid, "40bcf3c0-aa8b-4111-9b4e-f3caffccb4e5");
    assert_eq!(action.docker_parameters, "request");
    assert_eq!(action.arguments["required"], json!(["url", "method"]));
    assert_eq!(action.arguments["secrets"], json!(["auth_token", "auth_password"]));
    assert_eq!(
        action.arguments["properties"]["method"]["enum"],
        json!(["get", "post", "put", "patch", "head", "delete"])
    );
    assert_eq!(action.arguments["properties"]["json"]["type"], json!(["object", "null"]));
    assert_eq!(action.arguments["properties"]["params"]["type"], json!(["object", "string", "null"]));
}

#[tokio::test]
async fn the_outbound_policy_refuses_metadata_services_and_what_it_denies() {
    let outcome = request(json!({"url": "http://169.254.169.254/latest/meta-data/", "method": "get"})).await;
    let error = outcome.error.unwrap();
    assert_eq!(error.kind, FailureKind::Fatal);
    assert!(error.message.contains("169.254.169.254 is in 169.254.169.254/32, which the outbound policy denies"));

    let base = serve().await;
    let port = base.rsplit(':').next().unwrap();
    let deny = crate::Destinations::networks(&["127.0.0.0/8".into(), "::1/128".into()]).unwrap();
    let denying = HttpClients::with_destinations(crate::Destinations { deny, ..Default::default() }).unwrap();
    for url in [format!("{base}/echo"), format!("http://localhost:{port}/echo")] {
        let ctx = ActionContext::new(json!({}), "run-1:2");
        let outcome = RequestUrl::new(denying.clone()).call(ctx, json!({"url": url, "method": "get"})).await;
        let message = outcome.error.map(|e| e.message).unwrap_or_default();
        assert!(message.contains("which the outbound policy denies"), "{url}: {message}");
    }

    // Allowed to reach the first server, but not where it redirects.
    let allow = crate::Destinations::networks(&["127.0.0.1".into()]).unwrap();
    let deny = crate::Destinations::networks(&["169.254.169.254".into()]).unwrap();
    let allowing = HttpClients::with_destinations(crate::Destinations { allow, deny }).unwrap();
    let ctx = ActionContext::new(json!({}), "run-1:2");
    let outcome =
        RequestUrl::new(allowing.clone()).call(ctx, json!({"url": format!("{base}/echo"), "method": "get"})).await;
    assert!(outcome.error.is_none(), "{outcome:?}");
    let app =
        Router::new().route("/", any(|| async { axum::response::Redirect::temporary("http://169.254.169.254/") }));
    let redirecting = riposte_testkit::serve(app).await;
    let ctx = ActionContext::new(json!({}), "run-1:2");
    let outcome =
        RequestUrl::new(allowing).call(ctx, json!({"url": format!("http://{redirecting}/"), "method": "get"})).await;
    let message = outcome.error.map(|e| e.message).unwrap_or_default();
    assert!(message.contains("outbound policy denies"), "{message}");
}
