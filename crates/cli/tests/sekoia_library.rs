//! Real modules of Sekoia's automation-library, unchanged (`../shared/fixtures/sekoia-modules`,
//! copied to a temporary folder first), installed with the SDK release their lock file pins,
//! their actions run on warm workers.

#![allow(clippy::unwrap_used)] // a test fails by panicking

mod common;

use std::path::{Path, PathBuf};

use common::feed::connector_events;
use common::python::{Env, account, action, install, manual_run, warm_worker_running};
use common::{Sink, free_port, start_server, start_server_with_env};
use serde_json::{Value, json};

/// A copy of the library module `name` in `root`.
fn library_module(root: &Path, name: &str) -> PathBuf {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/sekoia-modules").join(name);
    let copy = root.join(name);
    copy_tree(&source, &copy);
    copy
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() { copy_tree(&path, &target) } else { std::fs::copy(&path, &target).map(drop).unwrap() }
    }
}

/// Mattermost locks SDK 1.13.0, which predates `sekoia_automation.configuration`.
#[tokio::test(flavor = "multi_thread")]
async fn mattermost_on_sdk_1_13_posts_a_message() {
    let root = tempfile::tempdir().unwrap();
    let module_dir = library_module(root.path(), "Mattermost");
    let data = root.path().join("data");
    let server = start_server(&data, free_port()).await;
    let module = install(&server, &data, module_dir.to_str().unwrap(), "mattermost", Env::Own).await;
    let (hook, sink) = Sink::start().await;
    let account = account(&server, &module, json!({"hook_url": hook})).await;
    let post =
        action(&module, &account, "mattermost_post_message", json!({"message": "Ransomware on host-12"}), json!({}));
    for _ in 0..2 {
        let run = manual_run(&server, json!({"1": post.clone()})).await;
        assert_eq!(run["nodes"]["1"]["status"], "succeeded", "{run}");
    }
    let sent: Value = serde_json::from_str(&sink.bodies()[1]).unwrap();
    assert_eq!(sent["text"], "Ransomware on host-12", "{sent}");
    assert!(warm_worker_running(&data.join("modules/mattermost")), "the module is kept loaded");
    let (_, modules) = server.get("/api/v1/modules").await;
    let listed = modules["items"].as_array().unwrap().iter().find(|m| m["slug"] == "mattermost").unwrap();
    assert!(listed["warm_workers"]["idle"].as_u64() >= Some(1), "{}", listed["warm_workers"]);
    assert!(listed["warm_workers"]["memory_bytes"].as_u64() > Some(10 << 20), "{}", listed["warm_workers"]);
}

/// Utils locks SDK 1.21.1; its actions need no outside service.
#[tokio::test(flavor = "multi_thread")]
async fn utils_on_sdk_1_21_generates_a_password_and_tells_the_time() {
    let root = tempfile::tempdir().unwrap();
    let module_dir = library_module(root.path(), "Utils");
    let data = root.path().join("data");
    let server = start_server(&data, free_port()).await;
    let module = install(&server, &data, module_dir.to_str().unwrap(), "utils", Env::Own).await;
    let account = account(&server, &module, json!({})).await;
    let password = action(&module, &account, "password_generator", json!({"password_length": 24}), json!({}));
    let run = manual_run(&server, json!({"1": password})).await;
    assert_eq!(run["nodes"]["1"]["status"], "succeeded", "{run}");
    assert_eq!(run["nodes"]["1"]["results"]["password"].as_str().unwrap().chars().count(), 24, "{run}");
    let time =
        action(&module, &account, "GetCurrentTimeAction", json!({"selectedNamedTimezone": "Europe/Paris"}), json!({}));
    let run = manual_run(&server, json!({"1": time})).await;
    assert!(run["nodes"]["1"]["results"]["epoch"].is_number(), "{run}");
    assert!(warm_worker_running(&data.join("modules/utils")), "the module is kept loaded");
}

/// An Okta tenant: its System Log (two events, then nothing new) and its devices. The key must
/// be the account's.
async fn start_okta() -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use axum::http::{HeaderMap, StatusCode};
    let keys = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = keys.clone();
    let logs = move |headers: HeaderMap| {
        let seen = seen.clone();
        async move {
            let key = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
            let first = { seen.lock().unwrap().is_empty() };
            seen.lock().unwrap().push(key.clone());
            if key != "SSWS okta-k3y" {
                return Err(StatusCode::UNAUTHORIZED);
            }
            let events = if first {
                json!([
                    {"uuid": "e-1", "published": "2026-12-01T08:00:00.000Z", "eventType": "user.session.start"},
                    {"uuid": "e-2", "published": "2026-12-01T08:00:01.000Z", "eventType": "user.session.end"}
                ])
            } else {
                json!([])
            };
            Ok(axum::Json(events))
        }
    };
    // Okta's client joins the tenant URL and the path with a slash of its own: `//api/v1/devices`.
    let devices = |uri: axum::http::Uri| async move {
        if !uri.path().trim_end_matches('/').ends_with("/api/v1/devices") {
            return Err(StatusCode::NOT_FOUND);
        }
        Ok(axum::Json(json!([okta_device("guo1", "laptop-12", "WINDOWS"), okta_device("guo2", "phone-3", "IOS")])))
    };
    let app = axum::Router::new().route("/api/v1/logs", axum::routing::get(logs)).fallback(devices);
    (format!("http://{}/", riposte_testkit::serve(app).await), keys)
}

fn okta_device(id: &str, name: &str, platform: &str) -> Value {
    json!({"id": id, "status": "ACTIVE", "created": "2026-11-30T08:00:00.000Z", "lastUpdated": "2026-12-01T08:00:00.000Z",
           "profile": {"displayName": name, "platform": platform, "registered": true, "secureHardwarePresent": false,
                       "osVersion": "11"}})
}

/// Okta locks SDK 1.22.3; its System Log connector feeds an intake, and its device asset
/// connector sends the tenant's devices to the asset connector API.
#[tokio::test(flavor = "multi_thread")]
async fn okta_on_sdk_1_22_feeds_an_intake_from_the_system_log_and_sends_its_devices() {
    let root = tempfile::tempdir().unwrap();
    let module_dir = library_module(root.path(), "Okta");
    let data = root.path().join("data");
    // Okta's own client refuses a tenant URL that is not https unless told it is testing; the
    // tenant here is a local http server. Module processes get the variables the server names.
    let env = [
        ("OKTA_TESTING_TESTINGDISABLEHTTPSCHECK", "true"),
        ("RIPOSTE_MODULE_VARIABLES", "OKTA_TESTING_TESTINGDISABLEHTTPSCHECK"),
    ];
    let server = start_server_with_env(&data, free_port(), &env).await;
    let module = install(&server, &data, module_dir.to_str().unwrap(), "okta", Env::Own).await;
    let (okta, keys) = start_okta().await;
    let account = account(&server, &module, json!({"base_url": okta, "apikey": "okta-k3y"})).await;
    let connector =
        module["connectors"].as_array().unwrap().iter().position(|c| c["docker_parameters"] == "okta_system_logs");
    let mut logs_module = module.clone();
    logs_module["connectors"] = json!([module["connectors"][connector.unwrap()].clone()]);
    let events = connector_events(&server, &logs_module, &account, json!({"frequency": 1}), 2).await;
    let types: Vec<&str> = events.iter().map(|e| e["eventType"].as_str().unwrap()).collect();
    assert_eq!(types, ["user.session.start", "user.session.end"]);
    assert!(keys.lock().unwrap().iter().all(|k| k == "SSWS okta-k3y"), "the connector used the account's key");

    let devices = module["connectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["docker_parameters"] == "device_okta_asset_connector");
    let intake = json!({"name": "Okta devices", "connector": {
        "module_uuid": module["uuid"], "connector_uuid": devices.unwrap()["uuid"],
        "module_configuration_uuid": account["uuid"], "configuration": {"frequency": 1}}});
    let (status, intake) = server.post("/api/v1/intakes", intake).await;
    assert_eq!(status.as_u16(), 201, "{intake}");
    let intake_path = format!("/api/v1/intakes/{}", intake["uuid"].as_str().unwrap());
    let assets_path = format!("{intake_path}/assets");
    let started = std::time::Instant::now();
    let assets = loop {
        let (_, assets) = server.get(&assets_path).await;
        if assets["total"].as_u64() >= Some(2) {
            break assets;
        }
        if started.elapsed() > std::time::Duration::from_secs(60) {
            panic!("no devices as assets: {assets}; the intake: {}", server.get(&intake_path).await.1);
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    let kept: Vec<(&str, &str)> = assets["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["key"].as_str().unwrap(), a["asset"]["device"]["hostname"].as_str().unwrap()))
        .collect();
    assert_eq!(kept, [("5001:device:guo1", "laptop-12"), ("5001:device:guo2", "phone-3")], "{assets}");
    assert_eq!(assets["total"], 2, "a cycle that sends the same devices again replaces them");
}
