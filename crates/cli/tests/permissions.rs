//! Permissions cannot be widened: a key grants only what it holds, a playbook reads only what
//! the key that saves or starts it could read, and a stored secret does not follow a
//! configuration to a new host.

#![allow(clippy::unwrap_used)] // a test fails by panicking

mod common;

use common::{Server, free_port, playbooks, start_server};
use reqwest::Method;
use serde_json::{Value, json};

async fn key_with(server: &Server, permissions: &[&str]) -> String {
    let body = json!({"name": "limited", "permissions": permissions});
    let (status, key) = server.call(Method::POST, "/api/v1/api-keys", Some(body)).await;
    assert_eq!(status, 201, "{key}");
    key["key"].as_str().unwrap().to_string()
}

async fn call_as(server: &Server, key: &str, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
    let mut request = reqwest::Client::new().request(method, format!("{}{path}", server.base)).bearer_auth(key);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_key_grants_only_the_permissions_it_holds() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(dir.path(), free_port()).await;
    let keys_only = key_with(&server, &["API_KEYS"]).await;

    let wider = json!({"name": "wider", "permissions": ["API_KEYS", "SYMPHONY"]});
    let (status, refused) = call_as(&server, &keys_only, Method::POST, "/api/v1/api-keys", Some(wider)).await;
    assert_eq!((status, refused["errors"][0]["path"].as_str()), (403, Some("$.permissions[1]")), "{refused}");
    let same = json!({"name": "same", "permissions": ["API_KEYS"]});
    let (status, _) = call_as(&server, &keys_only, Method::POST, "/api/v1/api-keys", Some(same)).await;
    assert_eq!(status, 201);

    let lower_case = reqwest::Client::new()
        .get(format!("{}/api/v1/api-keys", server.base))
        .header("authorization", format!("bearer {keys_only}"))
        .send()
        .await
        .unwrap();
    assert_eq!(lower_case.status().as_u16(), 200, "the scheme is case-insensitive");
}

fn manual_get_alert(configuration: Option<&str>) -> Value {
    let mut playbook = playbooks::seed("http://127.0.0.1:9/sink");
    playbook["uuid"] = Value::Null;
    playbook["nodes"]["0"]["trigger_uuid"] = json!("fc26eb9f-b272-4c15-b3bf-ace397c0dc57");
    playbook["nodes"]["1"]["module_configuration_uuid"] = json!(configuration);
    playbook
}

#[tokio::test]
async fn a_playbook_reads_the_servers_alerts_only_for_a_key_that_can() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(dir.path(), free_port()).await;
    let symphony = key_with(&server, &["SYMPHONY"]).await;
    let (_, alert) = server
        .call(Method::POST, "/api/v1/sic/alerts", Some(json!({"title": "Secret title", "rule": {"name": "R"}})))
        .await;
    let alert_uuid = alert["uuid"].as_str().unwrap();

    let playbooks = "/api/v1/symphony/playbooks";
    let seed = json!({"playbook": playbooks::seed("http://127.0.0.1:9/sink")});
    let (status, refused) = call_as(&server, &symphony, Method::POST, playbooks, Some(seed)).await;
    assert_eq!((status, refused["errors"][0]["path"].as_str()), (403, Some("$.playbook.nodes[\"0\"]")), "{refused}");
    let manual = json!({"playbook": manual_get_alert(None)});
    let (status, refused) = call_as(&server, &symphony, Method::POST, playbooks, Some(manual.clone())).await;
    assert_eq!((status, refused["errors"][0]["path"].as_str()), (403, Some("$.playbook.nodes[\"1\"]")), "{refused}");

    // Made by the admin, the playbook cannot be started by the key to read an alert of its choice.
    let (_, made) = server.call(Method::POST, playbooks, Some(manual)).await;
    let run = format!("{playbooks}/{}/run", made["uuid"].as_str().unwrap());
    let event = json!({"event": {"alert_uuid": alert_uuid}});
    let (status, refused) = call_as(&server, &symphony, Method::POST, &run, Some(event.clone())).await;
    assert_eq!(status, 403, "{refused}");
    let activate = format!("{playbooks}/{}/activate", made["uuid"].as_str().unwrap());
    assert_eq!(call_as(&server, &symphony, Method::POST, &activate, None).await.0, 403);

    // Through another Sekoia API it reads nothing of this server's: allowed, until the
    // configuration is turned back to this server.
    let configurations = "/api/v1/symphony/module-configurations";
    let remote = json!({"module_uuid": "92d8bb47-7c51-445d-81de-ae04edbb6f0a", "name": "tenant",
        "value": {"base_url": "http://127.0.0.1:9", "api_key": "tenant-key-123"}});
    let (status, configuration) = call_as(&server, &symphony, Method::POST, configurations, Some(remote)).await;
    assert_eq!(status, 201, "{configuration}");
    let configuration_uuid = configuration["uuid"].as_str().unwrap();
    let remote_playbook = json!({"playbook": manual_get_alert(Some(configuration_uuid))});
    let (status, made) = call_as(&server, &symphony, Method::POST, playbooks, Some(remote_playbook)).await;
    assert_eq!(status, 201, "{made}");
    let local = json!({"value": {"api_key": "tenant-key-123"}});
    let path = format!("{configurations}/{configuration_uuid}");
    let (status, refused) = call_as(&server, &symphony, Method::PUT, &path, Some(local)).await;
    assert_eq!(status, 403, "{refused}");
    let local = json!({"module_uuid": "92d8bb47-7c51-445d-81de-ae04edbb6f0a", "name": "here", "value": {}});
    assert_eq!(call_as(&server, &symphony, Method::POST, configurations, Some(local)).await.0, 403);
}

#[tokio::test]
async fn a_stored_secret_does_not_follow_a_configuration_to_a_new_host() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(dir.path(), free_port()).await;
    let configurations = "/api/v1/symphony/module-configurations";
    let made = json!({"module_uuid": "92d8bb47-7c51-445d-81de-ae04edbb6f0a", "name": "tenant",
        "value": {"base_url": "https://api.example.test", "api_key": "s3cret-api-key"}});
    let (_, configuration) = server.call(Method::POST, configurations, Some(made)).await;
    let path = format!("{configurations}/{}", configuration["uuid"].as_str().unwrap());

    let renamed = json!({"name": "renamed", "value": {"base_url": "https://api.example.test"}});
    let (status, kept) = server.call(Method::PUT, &path, Some(renamed)).await;
    assert_eq!((status.as_u16(), &kept["secrets"]), (200, &json!(["api_key"])), "same host: the secret is kept");

    let moved = json!({"value": {"base_url": "https://attacker.example.test"}});
    let (status, refused) = server.call(Method::PUT, &path, Some(moved)).await;
    assert_eq!((status.as_u16(), refused["errors"][0]["path"].as_str()), (422, Some("$.value.api_key")), "{refused}");
    let (_, unchanged) = server.call(Method::GET, &path, None).await;
    assert_eq!(unchanged["value"]["base_url"], "https://api.example.test");

    let moved = json!({"value": {"base_url": "https://other.example.test", "api_key": "another-key"}});
    let (status, _) = server.call(Method::PUT, &path, Some(moved)).await;
    assert_eq!(status.as_u16(), 200, "moved with its secret given again");
}
