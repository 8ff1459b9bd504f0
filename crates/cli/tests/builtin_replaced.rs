//! A module with a built-in module's UUID (automation-library's own HTTP module, say): `module
//! install` refuses it unless told to replace the built-in one, and then it runs in its place.

#![allow(clippy::unwrap_used)] // a test fails by panicking

mod common;

use std::path::Path;
use std::process::Command;

use common::python::{account, action, manual_run, sekoia_sdk_env};
use common::{free_port, start_server};
use reqwest::Method;
use serde_json::{Value, json};

const HTTP_MODULE: &str = "5894985f-91eb-46db-9306-cc5ac6463d3d";

/// The edges fixture, copied, under the HTTP module's UUID.
fn module_with_builtin_uuid(root: &Path) -> std::path::PathBuf {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/python-edges");
    let copy = root.join("http-lookalike");
    std::fs::create_dir_all(&copy).unwrap();
    for entry in std::fs::read_dir(&fixture).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, copy.join(path.file_name().unwrap())).unwrap();
    }
    let mut manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(copy.join("manifest.json")).unwrap()).unwrap();
    manifest["uuid"] = json!(HTTP_MODULE);
    std::fs::write(copy.join("manifest.json"), serde_json::to_string_pretty(&manifest).unwrap()).unwrap();
    copy
}

#[tokio::test(flavor = "multi_thread")]
async fn a_module_with_a_builtin_uuid_is_installed_only_to_replace_it() {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    let server = start_server(&data, free_port()).await;
    let module = module_with_builtin_uuid(root.path());
    let install_with = |flags: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_riposte"))
            .args(["module", "install"])
            .arg(&module)
            .arg("--data-dir")
            .arg(&data)
            .arg("--python-env")
            .arg(sekoia_sdk_env())
            .args(flags)
            .output()
            .unwrap()
    };

    let refused = install_with(&[]);
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success(), "installed without being asked to replace the built-in");
    assert!(said.contains("UUID of the built-in module") && said.contains("--replace-builtin"), "{said}");
    assert!(!data.join("modules/edges").exists(), "a refused install leaves nothing");

    let replaced = install_with(&["--replace-builtin"]);
    assert!(replaced.status.success(), "{}", String::from_utf8_lossy(&replaced.stderr));
    let listed = common::eventually("the installed module in place of the built-in one", async || {
        let (_, modules) = server.call(Method::GET, "/api/v1/modules", None).await;
        modules["items"].as_array()?.iter().find(|m| m["uuid"] == HTTP_MODULE && m["name"] == "Edges").cloned()
    })
    .await;
    assert_eq!(listed["builtin"], false);
    let (_, modules) = server.call(Method::GET, "/api/v1/modules", None).await;
    let http: Vec<&Value> = modules["items"].as_array().unwrap().iter().filter(|m| m["uuid"] == HTTP_MODULE).collect();
    assert_eq!(http.len(), 1, "one module under the UUID: the installed one");

    let account = account(&server, &listed, json!({"api_key": "edge-s3cret"})).await;
    let secret = action(&listed, &account, "secret", json!({"reversed": "terc3s-egde"}), json!({}));
    let run = manual_run(&server, json!({"1": secret})).await;
    assert_eq!(run["nodes"]["1"]["results"], json!({"length": 11, "matches": true}), "{run}");
}
