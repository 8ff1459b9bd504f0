//! Intakes through the HTTP API, with the connector an installed module runs for them.

#![allow(clippy::unwrap_used)] // a test fails by panicking

use std::path::Path;
use std::time::Duration;

use axum::http::StatusCode;
use reqwest::Method;
use riposte_testkit::{TestApp, until};
use serde_json::json;

const KEEPER_MODULE: &str = "0e4f6a2b-7c3d-4b1a-9e8f-5a6b7c8d9e0f";
const KEEPER_CONNECTOR: &str = "3a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d";

/// A module whose connector keeps a state file in its data folder until it is stopped, in the
/// modules folder of the data directory `data`.
fn keeper_module_in(data: &Path) {
    let dir = data.join("modules/keeper");
    std::fs::create_dir_all(&dir).unwrap();
    let manifest = json!({"uuid": KEEPER_MODULE, "name": "Keeper", "slug": "keeper", "version": "1.0.0"});
    let connector = json!({"uuid": KEEPER_CONNECTOR, "name": "Keep", "docker_parameters": "keep",
        "arguments": {"type": "object"}});
    std::fs::write(dir.join("manifest.json"), manifest.to_string()).unwrap();
    std::fs::write(dir.join("connector_keep.json"), connector.to_string()).unwrap();
    std::fs::write(dir.join("riposte-module.json"), r#"{"command": ["sh", "run.sh"]}"#).unwrap();
    let script = "cd \"$RIPOSTE_DATA_PATH\" || exit 1\nwhile true; do date >> state; sleep 0.2; done\n";
    std::fs::write(dir.join("run.sh"), script).unwrap();
}

#[tokio::test]
async fn a_deleted_intake_s_connector_stops_and_its_data_goes() {
    let server = TestApp::start_with(|options| keeper_module_in(&options.data_dir)).await;
    let body = json!({"name": "kept", "connector": {"module_uuid": KEEPER_MODULE, "connector_uuid": KEEPER_CONNECTOR}});
    let (status, intake) = server.call(Method::POST, "/api/v1/intakes", Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{intake}");
    let uuid = intake["uuid"].as_str().unwrap();
    let folder = server.dir().join("module-data/components").join(format!("intake_{uuid}"));
    until("the connector's state", || folder.join("state").exists()).await;

    let (status, _) = server.call(Method::DELETE, &format!("/api/v1/intakes/{uuid}"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(!folder.exists(), "the connector's folder goes with its intake");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(!folder.exists(), "the connector had stopped: nothing writes there again");
}
