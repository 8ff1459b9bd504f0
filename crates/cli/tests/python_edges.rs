//! The edges of the module protocol with Sekoia's SDK, through the server
//! (`tests/fixtures/python-edges`): secrets asked for, delivered and written back, a branch chosen with
//! `set_output`, a `*_path` file argument, an action that hangs or crashes, a trigger event whose
//! directory becomes the run's storage, a trigger that logs `critical`.

#![allow(clippy::unwrap_used)] // a test fails by panicking

mod common;

use common::feed::finished_runs;
use common::python::{Env, account, action, install, manual_run, playbook};
use common::{eventually, free_port, start_server};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// A trigger node of `module`, by docker_parameters.
fn trigger(module: &Value, account: &Value, docker_parameters: &str, outputs: Value) -> Value {
    let trigger = module["triggers"].as_array().unwrap().iter().find(|t| t["docker_parameters"] == docker_parameters);
    json!({"name": docker_parameters, "type": "trigger", "module_uuid": module["uuid"],
           "trigger_uuid": trigger.unwrap()["uuid"], "module_configuration_uuid": account["uuid"],
           "arguments": {}, "outputs": outputs})
}

#[tokio::test(flavor = "multi_thread")]
async fn the_protocol_edges_of_a_python_module() {
    let data = tempfile::tempdir().unwrap();
    let server = start_server(data.path(), free_port()).await;
    let module = install(&server, data.path(), "crates/cli/tests/fixtures/python-edges", "edges", Env::Shared).await;
    let account = account(&server, &module, json!({"api_key": "edge-s3cret"})).await;
    let node = |name: &str, arguments, outputs| action(&module, &account, name, arguments, outputs);

    // The module's account validator checks each configuration made or changed, with its secret;
    // what it said is kept with the configuration, with its reason when it refuses.
    let said = |view: &Value| (view["account_check"]["success"].clone(), view["account_check"]["error"].clone());
    assert_eq!(said(&account), (json!(true), Value::Null), "{account}");
    assert!(account["account_check"]["checked_at"].is_i64(), "{account}");
    let (status, refused) = server
        .call(
            Method::POST,
            "/api/v1/symphony/module-configurations",
            Some(json!({"module_uuid": module["uuid"], "name": "bad", "value": {"api_key": "wrong"}})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "a configuration the validator refuses is kept, and says so");
    assert_eq!(said(&refused), (json!(false), json!("not an edge key: ***")), "{refused}");
    let (status, quiet) = server
        .call(
            Method::POST,
            "/api/v1/symphony/module-configurations",
            Some(json!({"module_uuid": module["uuid"], "name": "quiet", "value": {"api_key": "quiet-k3y"}})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{quiet}");
    let reason = quiet["account_check"]["error"].as_str().unwrap_or_default().to_string();
    assert!(reason.contains("is revoked") && !reason.contains("k3y"), "the reason it logged, scrubbed: {quiet}");
    for (made, check) in [(&refused, said(&refused)), (&quiet, said(&quiet))] {
        let path = format!("/api/v1/symphony/module-configurations/{}", made["uuid"].as_str().unwrap());
        let (_, shown) = server.call(Method::GET, &path, None).await;
        assert_eq!(said(&shown), check, "kept with the configuration: {shown}");
    }
    let listed = format!("/api/v1/symphony/module-configurations?module_uuid={}", module["uuid"].as_str().unwrap());
    let (_, listed) = server.call(Method::GET, &listed, None).await;
    let refusals = listed["items"].as_array().unwrap().iter().filter(|c| c["account_check"]["success"] == false);
    assert_eq!(refusals.count(), 2, "{listed}");

    // The secret is asked for (`need_secrets`) and delivered; it never shows on the run.
    let run = manual_run(&server, json!({"1": node("secret", json!({"reversed": "terc3s-egde"}), json!({}))})).await;
    assert_eq!(run["nodes"]["1"]["results"], json!({"length": 11, "matches": true}), "{run}");
    assert!(!run.to_string().contains("edge-s3cret"), "{run}");

    // A new secret value an action gives back (a rotated key) is kept, sealed, and used next.
    let run = manual_run(&server, json!({"1": node("rotate", json!({}), json!({}))})).await;
    assert_eq!(run["nodes"]["1"]["status"], "succeeded", "{run}");
    let run = manual_run(&server, json!({"1": node("secret", json!({"reversed": "2-terc3s-egde"}), json!({}))})).await;
    assert_eq!(run["nodes"]["1"]["results"], json!({"length": 13, "matches": true}), "{run}");
    let (_, shown) = server
        .call(
            Method::GET,
            &format!("/api/v1/symphony/module-configurations/{}", account["uuid"].as_str().unwrap()),
            None,
        )
        .await;
    assert!(!shown.to_string().contains("s3cret"), "secrets stay write-only: {shown}");

    // `set_output` picks the branch that runs.
    let nodes = json!({
        "1": node("branch", json!({"branch": "yes"}), json!({"yes": ["2"], "no": ["3"]})),
        "2": node("count_items", json!({"items": [1]}), json!({})),
        "3": node("count_items", json!({"items": [1, 2]}), json!({})),
    });
    let run = manual_run(&server, nodes).await;
    let status = |id: &str| run["nodes"][id]["status"].as_str().unwrap().to_string();
    assert_eq!(
        (status("1"), status("2"), status("3")),
        ("succeeded".into(), "succeeded".into(), "skipped".into()),
        "{run}"
    );

    // A result kept as a file of the data path, read by the next action from `items_path`.
    let nodes = json!({
        "1": node("write_items", json!({"items": [1, 2, 3]}), json!({"default": ["2"]})),
        "2": node("count_items", json!({"items_path": "{{ node.1.items_path }}"}), json!({})),
    });
    let run = manual_run(&server, nodes).await;
    assert!(run["nodes"]["1"]["results"]["items_path"].as_str().is_some_and(|p| p.ends_with(".json")), "{run}");
    assert_eq!(run["nodes"]["2"]["results"], json!({"count": 3}), "{run}");

    // A hanging action times out; a crashing one fails with the end of its stderr; the module
    // still runs actions after both.
    let mut hang = node("hang", json!({}), json!({}));
    hang["timeout"] = json!(2);
    let run = manual_run(&server, json!({"1": hang})).await;
    assert_eq!(run["nodes"]["1"]["status"], "failed", "{run}");
    assert!(run["nodes"]["1"]["error"].as_str().unwrap().contains("timed out after 2s"), "{run}");
    let run = manual_run(&server, json!({"1": node("crash", json!({}), json!({}))})).await;
    let error = run["nodes"]["1"]["error"].as_str().unwrap().to_string();
    assert!(error.contains("boom: the disk is on fire"), "{error}");
    let run = manual_run(&server, json!({"1": node("branch", json!({"branch": "no"}), json!({}))})).await;
    assert_eq!(run["nodes"]["1"]["results"]["chose"], "no", "{run}");

    // A trigger's event with a directory: the directory becomes the run's storage.
    let nodes = json!({
        "0": trigger(&module, &account, "with_file", json!({"default": ["1"]})),
        "1": node("count_items", json!({"items_path": "{{ node.0.items_path }}"}), json!({})),
    });
    let uuid = playbook(&server, nodes).await;
    let (status, _) = server.call(Method::POST, &format!("/api/v1/symphony/playbooks/{uuid}/activate"), None).await;
    assert_eq!(status, StatusCode::OK);
    let run = eventually("the run with a file", async || finished_runs(&server, &uuid).await.pop()).await;
    let (_, run) =
        server.call(Method::GET, &format!("/api/v1/symphony/runs/{}", run["uuid"].as_str().unwrap()), None).await;
    assert_eq!(run["nodes"]["1"]["results"], json!({"count": 4}), "{run}");

    // A trigger that logs `critical` is crashed, and its playbook says so.
    let nodes = json!({"0": trigger(&module, &account, "critical", json!({}))});

    let uuid = playbook(&server, nodes).await;
    let (status, _) = server.call(Method::POST, &format!("/api/v1/symphony/playbooks/{uuid}/activate"), None).await;
    assert_eq!(status, StatusCode::OK);
    let shown = eventually("the trigger to crash", async || {
        let (_, shown) = server.call(Method::GET, &format!("/api/v1/symphony/playbooks/{uuid}"), None).await;
        (shown["trigger_status"]["state"] == "crashed").then_some(shown)
    })
    .await;
    let trigger = &shown["trigger_status"];
    assert!(trigger["error"].as_str().unwrap().contains("the API key is refused"), "{trigger}");
    assert_eq!(trigger["logs"].as_array().unwrap().last().unwrap()["level"], "critical", "{trigger}");

    // Without warm workers, an action is a process of its own, with the same protocol.
    drop(server);
    let server = common::start_server_with(data.path(), free_port(), &["--warm-workers", "0"]).await;
    let run = manual_run(&server, json!({"1": node("branch", json!({"branch": "cold"}), json!({}))})).await;
    assert_eq!(run["nodes"]["1"]["results"]["chose"], "cold", "{run}");
}

#[test]
fn installing_a_python_module_without_python_says_so() {
    let data = tempfile::tempdir().unwrap();
    let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/python-edges");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_riposte"))
        .args(["module", "install"])
        .arg(&source)
        .args(["--data-dir", data.path().to_str().unwrap(), "--python", "no-such-python3"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("a Python module needs Python 3: `no-such-python3` was not found"), "{stderr}");
    let left: Vec<_> = std::fs::read_dir(data.path().join("modules")).unwrap().collect();
    assert!(left.is_empty(), "nothing half-installed: {left:?}");
}
