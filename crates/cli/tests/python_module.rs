//! The tutorial's TestHTTP module written in Python with Sekoia's SDK from PyPI
//! (`examples/python-testhttp`), installed unchanged into a running server, in an environment
//! made from its `uv.lock` (SDK 1.22.5): its action's results, logs and errors show on runs, its
//! trigger starts runs, its connector feeds an intake.

#![allow(clippy::unwrap_used)] // a test fails by panicking

mod common;

use common::feed::{connector_events, entry, finished_runs, start_feed};
use common::python::{Env, account, action, install, manual_run, playbook};
use common::{Server, eventually, free_port, start_server};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// One manual run of a playbook whose node 1 is the Request action; the run's account.
async fn request_run(server: &Server, module: &Value, account: &Value, url: String) -> Value {
    let request = action(module, account, "Request", json!({"url": url, "method": "get"}), json!({}));
    manual_run(server, json!({"1": request})).await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_python_sdk_module_runs_unchanged_through_the_server() {
    let data = tempfile::tempdir().unwrap();
    let server = start_server(data.path(), free_port()).await;
    let module = install(&server, data.path(), "examples/python-testhttp", "testhttp", Env::Own).await;
    let (feed_url, feed) = start_feed().await;
    let account = account(&server, &module, json!({"api_key": "tk-s3cret"})).await;

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
    let settings = json!({"url": format!("{feed_url}/posts"), "polling_interval": 0.02});
    let events = connector_events(&server, &module, &account, settings, 2).await;
    assert_eq!(events[0], json!({"id": 1, "title": "one", "source": "testhttp"}));
    assert!(
        feed.authorizations.lock().unwrap().iter().all(|a| a == "Bearer tk-s3cret"),
        "the secret reached the connector"
    );
}
