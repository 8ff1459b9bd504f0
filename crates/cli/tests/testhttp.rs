//! The tutorial's TestHTTP module (`examples/testhttp`), installed into a running server: its
//! trigger starts runs from a feed's new entries, its action runs in those runs, and its
//! connector's events reach an intake.

#![allow(clippy::unwrap_used)] // a test fails by panicking

mod common;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::feed::{connector_events, entry, finished_runs, start_feed};
use common::{eventually, free_port, start_server};
use reqwest::{Method, StatusCode};
use serde_json::json;

fn install(data: &Path) {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/testhttp");
    let output = Command::new(env!("CARGO_BIN_EXE_riposte"))
        .args(["module", "install"])
        .arg(&example)
        .args(["--data-dir", data.to_str().unwrap(), "--debug"])
        .output()
        .unwrap();
    assert!(output.status.success(), "module install: {}", String::from_utf8_lossy(&output.stderr));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_testhttp_module_triggers_runs_acts_in_them_and_feeds_an_intake() {
    let data = tempfile::tempdir().unwrap();
    let server = start_server(data.path(), free_port()).await;
    install(data.path());
    let module = eventually("the module in the catalogue", async || {
        let (_, modules) = server.call(Method::GET, "/api/v1/modules", None).await;
        modules["items"].as_array()?.iter().find(|m| m["slug"] == "testhttp-rust").cloned()
    })
    .await;
    let (feed_url, feed) = start_feed().await;
    feed.entries.lock().unwrap().extend([entry(2), entry(1)]);
    let account = json!({"module_uuid": module["uuid"], "name": "feed", "value": {"api_key": "tk-s3cret"}});
    let (status, account) = server.call(Method::POST, "/api/v1/symphony/module-configurations", Some(account)).await;
    assert_eq!(status, StatusCode::CREATED, "{account}");

    // The trigger starts a run per batch of new entries; the action runs in each.
    let playbook = json!({
        "name": "New entries",
        "nodes": {
            "0": {"name": "NewEntriesTrigger", "type": "trigger", "module_uuid": module["uuid"],
                  "trigger_uuid": module["triggers"][0]["uuid"], "module_configuration_uuid": account["uuid"],
                  "arguments": {"url": format!("{feed_url}/entries"), "polling_interval": 1},
                  "outputs": {"default": ["1"]}},
            "1": {"name": "Request", "type": "action", "module_uuid": module["uuid"],
                  "action_uuid": module["actions"][0]["uuid"], "module_configuration_uuid": account["uuid"],
                  "arguments": {"url": format!("{feed_url}/status?first={{{{ node.0.entries[0].id }}}}"), "method": "get"},
                  "outputs": {}}
        }
    });
    let (status, created) =
        server.call(Method::POST, "/api/v1/symphony/playbooks", Some(json!({"playbook": playbook}))).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let playbook = created["uuid"].as_str().unwrap().to_string();
    let (status, activated) =
        server.call(Method::POST, &format!("/api/v1/symphony/playbooks/{playbook}/activate"), None).await;
    assert_eq!(status, StatusCode::OK, "{activated}");

    let first = eventually("the first run", async || finished_runs(&server, &playbook).await.pop()).await;
    assert_eq!((first["name"].as_str(), first["status"].as_str()), (Some("Pushing 2 new entries"), Some("succeeded")));
    let (_, run) =
        server.call(Method::GET, &format!("/api/v1/symphony/runs/{}", first["uuid"].as_str().unwrap()), None).await;
    assert_eq!(run["nodes"]["0"]["results"]["entries"], json!([entry(1), entry(2)]), "{run}");
    let request = &run["nodes"]["1"];
    assert_eq!(
        (request["results"]["status_code"].as_i64(), request["results"]["text"].as_str()),
        (Some(200), Some("all good"))
    );
    assert!(request["logs"].to_string().contains("status?first=1"), "the action's logs reach the run: {request}");

    feed.entries.lock().unwrap().push(entry(3));
    let runs = eventually("a run for the new entry", async || {
        let runs = finished_runs(&server, &playbook).await;
        (runs.len() >= 2).then_some(runs)
    })
    .await;
    assert_eq!(runs.len(), 2, "each entry starts one run: {runs:?}");
    assert!(runs.iter().any(|r| r["name"] == "Pushing 1 new entries"), "{runs:?}");
    let (_, shown) = server.call(Method::GET, &format!("/api/v1/symphony/playbooks/{playbook}"), None).await;
    assert_eq!(shown["trigger_status"]["state"], "running", "{shown}");
    assert!(shown["trigger_status"]["error"].is_null(), "{shown}");

    // The connector of an intake pushes the posts it reads, once each, into the intake.
    let settings = json!({"url": format!("{feed_url}/posts"), "polling_interval": 1});
    let messages = connector_events(&server, &module, &account, settings, 2).await;
    assert_eq!(
        messages,
        [
            json!({"id": 1, "title": "one", "source": "testhttp"}),
            json!({"id": 2, "title": "two", "source": "testhttp"})
        ]
    );
    assert!(
        feed.authorizations.lock().unwrap().iter().all(|a| a == "Bearer tk-s3cret"),
        "the secret reached the connector"
    );

    // A connector runs with its own module's configuration only; what it logs shows no secret.
    let sekoia = json!({"module_uuid": "92d8bb47-7c51-445d-81de-ae04edbb6f0a", "name": "admin",
        "value": {"base_url": "https://api.sekoia.io", "api_key": "adm1n-k3y-value"}});
    let (_, sekoia) = server.call(Method::POST, "/api/v1/symphony/module-configurations", Some(sekoia)).await;
    let connector = |account: &serde_json::Value, url: String| {
        json!({"name": "posts", "connector": {
            "module_uuid": module["uuid"], "connector_uuid": module["connectors"][0]["uuid"],
            "module_configuration_uuid": account["uuid"], "configuration": {"url": url, "polling_interval": 1}}})
    };
    let stolen = connector(&sekoia, format!("{feed_url}/posts"));
    let (status, refused) = server.call(Method::POST, "/api/v1/intakes", Some(stolen)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(refused["errors"][0]["path"], "$.connector.module_configuration_uuid", "{refused}");
    let echoing = connector(&account, format!("{feed_url}/missing/tk-s3cret"));
    let (status, intake) = server.call(Method::POST, "/api/v1/intakes", Some(echoing)).await;
    assert_eq!(status, StatusCode::CREATED, "{intake}");
    let path = format!("/api/v1/intakes/{}", intake["uuid"].as_str().unwrap());
    let logs = eventually("the connector's failure in its logs", async || {
        let (_, intake) = server.call(Method::GET, &path, None).await;
        let logs = intake["connector_status"]["logs"].to_string();
        logs.contains("404").then_some(logs)
    })
    .await;
    assert!(logs.contains("/missing/***") && !logs.contains("tk-s3cret"), "{logs}");
    server.call(Method::DELETE, &path, None).await;

    // Turned off, the trigger's process stops: no more runs.
    server.call(Method::POST, &format!("/api/v1/symphony/playbooks/{playbook}/deactivate"), None).await;
    eventually("the trigger to stop", async || {
        let (_, shown) = server.call(Method::GET, &format!("/api/v1/symphony/playbooks/{playbook}"), None).await;
        shown.get("trigger_status").is_none().then_some(())
    })
    .await;
    feed.entries.lock().unwrap().push(entry(4));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(finished_runs(&server, &playbook).await.len(), 2, "a stopped trigger starts nothing");

    // The server killed, its connector goes too: after a restart it would run twice.
    drop(server);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let polls = feed.authorizations.lock().unwrap().len();
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(feed.authorizations.lock().unwrap().len(), polls, "the connector outlived the server");
}
