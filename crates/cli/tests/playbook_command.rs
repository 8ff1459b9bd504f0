//! `riposte playbook validate` and `playbook run` with `--data-dir`: the modules installed there
//! count, and an installed Python action runs, its secret asked for over the protocol as on a
//! server.

#![allow(clippy::unwrap_used)] // a test fails by panicking

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::python::sekoia_sdk_env;
use serde_json::json;

const MANUAL_TRIGGER: &str = "fc26eb9f-b272-4c15-b3bf-ace397c0dc57";
const SEKOIA_MODULE: &str = "92d8bb47-7c51-445d-81de-ae04edbb6f0a";

fn riposte(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_riposte")).current_dir(cwd).args(args).output().unwrap()
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

#[test]
fn the_playbook_commands_see_the_modules_installed_in_a_data_directory() {
    let root = tempfile::tempdir().unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/python-edges");
    let env = sekoia_sdk_env();
    let installed = riposte(
        root.path(),
        &["module", "install", fixture.to_str().unwrap(), "--data-dir", "data", "--python-env", env.to_str().unwrap()],
    );
    assert!(installed.status.success(), "{}", text(&installed));
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture.join("manifest.json")).unwrap()).unwrap();
    let playbook = json!({"name": "Edges", "nodes": {
        "0": {"name": "Manual", "type": "trigger", "module_uuid": SEKOIA_MODULE, "trigger_uuid": MANUAL_TRIGGER,
              "outputs": {"default": ["1"]}},
        "1": {"name": "Secret", "type": "action", "module_uuid": manifest["uuid"],
              "action_uuid": "1cf82c33-fa5a-5f48-a8df-b8c8176ceff5", "arguments": {"reversed": "terc3s-egde"},
              "outputs": {"default": []}}}});
    std::fs::write(root.path().join("playbook.json"), playbook.to_string()).unwrap();
    std::fs::write(root.path().join("event.json"), "{}").unwrap();
    std::fs::write(root.path().join("account.json"), json!({"api_key": "edge-s3cret"}).to_string()).unwrap();

    let builtin_only = riposte(root.path(), &["playbook", "validate", "playbook.json"]);
    assert!(!builtin_only.status.success(), "{}", text(&builtin_only));
    let with_installed = riposte(root.path(), &["playbook", "validate", "playbook.json", "--data-dir", "data"]);
    assert!(with_installed.status.success(), "{}", text(&with_installed));

    let run = riposte(
        root.path(),
        &[
            "playbook",
            "run",
            "playbook.json",
            "--event",
            "event.json",
            "--data-dir",
            "data",
            "--module-config",
            "edges=account.json",
            "--json",
        ],
    );
    assert!(run.status.success(), "{}", text(&run));
    let report: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    let node = report["nodes"].as_array().unwrap().iter().find(|n| n["node_id"] == "1").unwrap();
    assert_eq!(node["results"], json!({"length": 11, "matches": true}), "{report}");
    assert!(!text(&run).contains("edge-s3cret"), "the secret shows nowhere");
}
