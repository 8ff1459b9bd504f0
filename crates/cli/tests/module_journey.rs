//! An integrator's path, as a new user walks it, from an empty folder: `module new`, write,
//! `module generate`, the module's own tests, `module check`, `module install` into a running
//! server, and the action used in a playbook.

#![allow(clippy::unwrap_used)] // a test fails by panicking

mod common;

use std::path::Path;
use std::process::{Command, Output};

use axum::Router;
use axum::http::HeaderMap;
use axum::routing::get;
use common::{eventually, free_port, start_server};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const MANUAL_TRIGGER: &str = "fc26eb9f-b272-4c15-b3bf-ace397c0dc57";
const SEKOIA_MODULE: &str = "92d8bb47-7c51-445d-81de-ae04edbb6f0a";

/// One target folder for the modules' builds, kept between test runs.
fn module_target() -> std::path::PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("module-journey")
}

/// `riposte ARGS` in `dir`, whatever its outcome.
fn try_riposte(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_riposte"))
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", module_target())
        .output()
        .unwrap()
}

/// `riposte ARGS` in `dir`, which must succeed.
fn riposte(dir: &Path, args: &[&str]) -> Output {
    let output = try_riposte(dir, args);
    let say = |bytes: &[u8]| String::from_utf8_lossy(bytes).to_string();
    assert!(output.status.success(), "riposte {args:?}: {}\n{}", say(&output.stdout), say(&output.stderr));
    output
}

/// The service the module talks to: `/v1/status` answers JSON and notes the authorization.
async fn start_service() -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let noted = seen.clone();
    let app = Router::new().route(
        "/v1/status",
        get(move |headers: HeaderMap| async move {
            let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
            noted.lock().unwrap().push(auth);
            axum::Json(json!({"up": true, "version": "4.2"}))
        }),
    );
    let address = riposte_testkit::serve(app).await;
    (format!("http://{address}"), seen)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_module_goes_from_an_empty_folder_to_a_playbook_run() {
    let root = tempfile::tempdir().unwrap();
    riposte(root.path(), &["module", "new", "Weather"]);
    let module = root.path().join("Weather");

    // Write: the action gets a better description. The drift test sees it until generated.
    let lib = module.join("src/lib.rs");
    let code = std::fs::read_to_string(&lib).unwrap();
    std::fs::write(&lib, code.replace("Reads a JSON document from the service", "Reads the weather service's JSON"))
        .unwrap();
    riposte(&module, &["module", "generate"]);
    let action: Value =
        serde_json::from_str(&std::fs::read_to_string(module.join("action_fetch_json.json")).unwrap()).unwrap();
    assert_eq!(action["description"], "Reads the weather service's JSON");

    // The module's own tests (a local HTTP server, manifest drift) pass as scaffolded.
    let tests = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["test", "--quiet"])
        .current_dir(&module)
        .env("CARGO_TARGET_DIR", module_target())
        .output()
        .unwrap();
    assert!(tests.status.success(), "the scaffold's tests fail: {}", String::from_utf8_lossy(&tests.stderr));
    let check = riposte(root.path(), &["module", "check", "Weather"]);
    assert!(check.stdout.is_empty(), "module check: {}", String::from_utf8_lossy(&check.stdout));

    // The check builds the module: it sees code that drifted from the manifests, and a manifest
    // that no registered component has.
    let generated = std::fs::read_to_string(&lib).unwrap();
    std::fs::write(&lib, generated.replace("Reads the weather service's JSON", "Reads JSON")).unwrap();
    let ghost = json!({"uuid": "0b6f4bb5-2a31-4b1e-9c59-3d1e1f5a0c11", "name": "Ghost", "description": "d",
                       "docker_parameters": "ghost", "arguments": {}, "results": {}});
    std::fs::write(module.join("action_ghost.json"), serde_json::to_string_pretty(&ghost).unwrap() + "\n").unwrap();
    let check = try_riposte(root.path(), &["module", "check", "Weather"]);
    assert_eq!(check.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&check.stdout).lines().collect::<Vec<_>>(),
        [
            "Weather:action_fetch_json.json:differs from the code; run `riposte module generate`",
            "Weather:action_ghost.json:no registered component has this manifest",
        ]
    );
    std::fs::write(&lib, generated).unwrap();
    std::fs::remove_file(module.join("action_ghost.json")).unwrap();

    // Installed while the server runs: it shows within seconds.
    let data = root.path().join("data");
    std::fs::create_dir(&data).unwrap();
    let server = start_server(&data, free_port()).await;
    riposte(root.path(), &["module", "install", "Weather", "--data-dir", data.to_str().unwrap(), "--debug"]);
    let listed = eventually("the installed module in the list", async || {
        let (_, modules) = server.call(Method::GET, "/api/v1/modules", None).await;
        modules["items"].as_array()?.iter().find(|m| m["slug"] == "weather").cloned()
    })
    .await;
    assert_eq!(listed["builtin"], false);
    assert_eq!(listed["actions"][0]["docker_parameters"], "fetch_json");

    // A connected account, and a playbook that uses the action.
    let (service, seen) = start_service().await;
    let (status, account) = server
        .call(
            Method::POST,
            "/api/v1/symphony/module-configurations",
            Some(json!({"module_uuid": listed["uuid"], "name": "weather", "value": {"base_url": service, "api_key": "wx-s3cret-key"}})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{account}");
    let playbook = json!({
        "name": "Weather check",
        "nodes": {
            "0": {"name": "Manual Trigger", "type": "trigger", "module_uuid": SEKOIA_MODULE, "trigger_uuid": MANUAL_TRIGGER, "outputs": {"default": ["1"]}},
            "1": {"name": "Fetch JSON", "type": "action", "module_uuid": listed["uuid"], "action_uuid": listed["actions"][0]["uuid"],
                  "module_configuration_uuid": account["uuid"], "arguments": {"path": "{{ node.0.path }}"}, "outputs": {}}
        }
    });
    let (status, created) =
        server.call(Method::POST, "/api/v1/symphony/playbooks", Some(json!({"playbook": playbook}))).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let uuid = created["uuid"].as_str().unwrap();
    let (status, run) = server
        .call(
            Method::POST,
            &format!("/api/v1/symphony/playbooks/{uuid}/run"),
            Some(json!({"event": {"path": "/v1/status"}})),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{run}");
    let runs = server.finished_runs(uuid, 1).await;
    assert_eq!(runs[0]["status"], "succeeded", "{runs:?}");
    let (_, run) =
        server.call(Method::GET, &format!("/api/v1/symphony/runs/{}", runs[0]["uuid"].as_str().unwrap()), None).await;
    let node = &run["nodes"]["1"];
    assert_eq!(node["results"], json!({"status_code": 200, "body": {"up": true, "version": "4.2"}}), "{run}");
    assert!(node["logs"].to_string().contains("fetching"), "the action's logs reach the run: {node}");
    // The secret reached the module through the protocol, not its environment, and is not shown.
    assert_eq!(seen.lock().unwrap().as_slice(), ["Bearer wx-s3cret-key"]);
    assert!(!run.to_string().contains("wx-s3cret-key"), "{run}");
}
