//! A data directory given as a relative path, as the README's own example does
//! (`--data-dir riposte-data`): an installed Python module with its own environment
//! (`.venv/bin/python`, a path relative to the module's folder) starts all the same.

#![allow(clippy::unwrap_used)] // a test fails by panicking

mod common;

use std::path::Path;

use common::feed::start_feed;
use common::python::{Env, account, action, install_from, manual_run};
use common::{free_port, start_server_in};
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn installed_modules_run_with_a_relative_data_dir() {
    let root = tempfile::tempdir().unwrap();
    let data = Path::new("riposte-data");
    let server = start_server_in(root.path(), data, free_port(), &[]).await;
    let module = install_from(root.path(), &server, data, "examples/python-testhttp", "testhttp", Env::Own).await;
    assert!(root.path().join("riposte-data/modules/testhttp/.venv").is_dir(), "installed under the working directory");
    let (feed_url, _feed) = start_feed().await;
    let account = account(&server, &module, json!({"api_key": "tk-s3cret"})).await;
    let request =
        action(&module, &account, "Request", json!({"url": format!("{feed_url}/status"), "method": "get"}), json!({}));
    let run = manual_run(&server, json!({"1": request})).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    assert_eq!(run["nodes"]["1"]["results"]["text"], "all good", "{run}");
}
