//! The tutorial's TestHTTP module written in Python with Sekoia's SDK from PyPI
//! (`examples/python-testhttp`), installed unchanged into a running server: its action's
//! results, logs and errors show on runs (on a warm worker and as a process of its own), its
//! trigger starts runs, its connector feeds an intake.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::feed::{entry, eventually, finished_runs, start_feed};
use common::{Server, free_port, start_server};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const MANUAL_TRIGGER: &str = "fc26eb9f-b272-4c15-b3bf-ace397c0dc57";
const SEKOIA_MODULE: &str = "92d8bb47-7c51-445d-81de-ae04edbb6f0a";

/// A Python environment with sekoia-automation-sdk, made once (`.ci/run` makes it first).
fn sekoia_sdk_env() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let env = Path::new(env!("CARGO_TARGET_TMPDIR")).join("sekoia-sdk-env");
    let status = Command::new(root.join("scripts/sekoia-sdk-env.sh")).arg(&env).status().unwrap();
    assert!(status.success(), "cannot make the Python environment with Sekoia's SDK");
    env
}

fn install(data: &Path) {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/python-testhttp");
    let output = Command::new(env!("CARGO_BIN_EXE_riposte"))
        .args(["module", "install"])
        .arg(&example)
        .args(["--data-dir", data.to_str().unwrap(), "--python-env"])
        .arg(sekoia_sdk_env())
        .output()
        .unwrap();
    assert!(output.status.success(), "module install: {}", String::from_utf8_lossy(&output.stderr));
}

async fn playbook(server: &Server, nodes: Value) -> String {
    let (status, created) = server
        .call(Method::POST, "/api/v1/symphony/playbooks", Some(json!({"playbook": {"name": "Python", "nodes": nodes}})))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    created["uuid"].as_str().unwrap().to_string()
}

/// One manual run of a playbook whose node 1 is the Request action; the run's account.
async fn request_run(server: &Server, module: &Value, account: &Value, url: String) -> Value {
    let nodes = json!({
        "0": {"name": "Manual Trigger", "type": "trigger", "module_uuid": SEKOIA_MODULE, "trigger_uuid": MANUAL_TRIGGER, "outputs": {"default": ["1"]}},
        "1": {"name": "Request", "type": "action", "module_uuid": module["uuid"], "action_uuid": module["actions"][0]["uuid"],
              "module_configuration_uuid": account["uuid"], "arguments": {"url": url, "method": "get"}, "outputs": {}}
    });
    let uuid = playbook(server, nodes).await;
    let (status, run) =
        server.call(Method::POST, &format!("/api/v1/symphony/playbooks/{uuid}/run"), Some(json!({"event": {}}))).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{run}");
    let runs = eventually("the run", async || finished_runs(server, &uuid).await.pop()).await;
    server.call(Method::GET, &format!("/api/v1/symphony/runs/{}", runs["uuid"].as_str().unwrap()), None).await.1
}

#[tokio::test(flavor = "multi_thread")]
async fn a_python_sdk_module_runs_unchanged_through_the_server() {
    let data = tempfile::tempdir().unwrap();
    let server = start_server(data.path(), free_port()).await;
    install(data.path());
    let module = eventually("the module in the catalogue", async || {
        let (_, modules) = server.call(Method::GET, "/api/v1/modules", None).await;
        modules["items"].as_array()?.iter().find(|m| m["slug"] == "testhttp").cloned()
    })
    .await;
    let (feed_url, feed) = start_feed().await;
    let account = json!({"module_uuid": module["uuid"], "name": "feed", "value": {"api_key": "tk-s3cret"}});
    let (status, account) = server.call(Method::POST, "/api/v1/symphony/module-configurations", Some(account)).await;
    assert_eq!(status, StatusCode::CREATED, "{account}");

    // The action: results and logs on the run; on a 404, the error and the results both.
    let run = request_run(&server, &module, &account, format!("{feed_url}/status")).await;
    let node = &run["nodes"]["1"];
    assert_eq!(run["status"], "succeeded", "{run}");
    assert_eq!(
        (node["results"]["status_code"].as_i64(), node["results"]["text"].as_str()),
        (Some(200), Some("all good"))
    );
    assert!(node["logs"].to_string().contains("Request URL module started"), "{node}");
    let run = request_run(&server, &module, &account, format!("{feed_url}/missing")).await;
    let node = &run["nodes"]["1"];
    assert_eq!((run["status"].as_str(), node["status"].as_str()), (Some("failed"), Some("failed")), "{run}");
    assert!(node["error"].as_str().unwrap().starts_with("HTTP Request failed"), "{node}");
    assert_eq!(node["results"]["status_code"], 404, "results kept with the error: {node}");

    // The trigger: each batch of new entries starts one run.
    feed.entries.lock().unwrap().extend([entry(1), entry(2)]);
    let nodes = json!({
        "0": {"name": "NewEntriesTrigger", "type": "trigger", "module_uuid": module["uuid"],
              "trigger_uuid": module["triggers"][0]["uuid"], "module_configuration_uuid": account["uuid"],
              "arguments": {"url": format!("{feed_url}/entries"), "frequency": 1}, "outputs": {}}
    });
    let triggered = playbook(&server, nodes).await;
    let (status, activated) =
        server.call(Method::POST, &format!("/api/v1/symphony/playbooks/{triggered}/activate"), None).await;
    assert_eq!(status, StatusCode::OK, "{activated}");
    let first =
        eventually("a run started by the trigger", async || finished_runs(&server, &triggered).await.pop()).await;
    assert_eq!(first["name"], "Pushing 2 new entries", "{first}");

    // The connector: the posts it reads land in the intake, with the secret used for them.
    let intake = json!({"name": "posts", "connector": {
        "module_uuid": module["uuid"], "connector_uuid": module["connectors"][0]["uuid"],
        "module_configuration_uuid": account["uuid"],
        "configuration": {"url": format!("{feed_url}/posts"), "polling_interval": 0.02}}});
    let (status, intake) = server.call(Method::POST, "/api/v1/intakes", Some(intake)).await;
    assert_eq!(status, StatusCode::CREATED, "{intake}");
    let events_path = format!("/api/v1/intakes/{}/events", intake["uuid"].as_str().unwrap());
    let events = eventually("the connector's events", async || {
        let (_, events) = server.call(Method::GET, &events_path, None).await;
        (events["total"].as_u64()? >= 2).then_some(events)
    })
    .await;
    let first: Value = serde_json::from_str(events["items"][0]["message"].as_str().unwrap()).unwrap();
    assert_eq!(first, json!({"id": 1, "title": "one", "source": "testhttp"}));
    assert!(
        feed.authorizations.lock().unwrap().iter().all(|a| a == "Bearer tk-s3cret"),
        "the secret reached the connector"
    );

    // Without warm workers, each action is a process of its own, with the same outcome.
    drop(server);
    let server = common::start_server_with(data.path(), free_port(), &["--warm-workers", "0"]).await;
    let run = request_run(&server, &module, &account, format!("{feed_url}/status")).await;
    assert_eq!(run["nodes"]["1"]["results"]["text"], "all good", "{run}");
}
