//! Python modules in tests: Sekoia's SDK from PyPI in an environment made once, modules
//! installed into a server's data directory, playbooks around their actions.

use std::path::{Path, PathBuf};
use std::process::Command;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::Server;
use super::eventually;
use super::feed::finished_runs;

pub const MANUAL_TRIGGER: &str = "fc26eb9f-b272-4c15-b3bf-ace397c0dc57";
pub const SEKOIA_MODULE: &str = "92d8bb47-7c51-445d-81de-ae04edbb6f0a";

/// A Python environment with sekoia-automation-sdk, made once (`.ci/run` makes it first).
pub fn sekoia_sdk_env() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let env = Path::new(env!("CARGO_TARGET_TMPDIR")).join("sekoia-sdk-env");
    let status = Command::new(root.join("scripts/sekoia-sdk-env.sh")).arg(&env).status().unwrap();
    assert!(status.success(), "cannot make the Python environment with Sekoia's SDK");
    env
}

/// Where a Python module's dependencies go in a test.
pub enum Env {
    /// The shared environment with the newest SDK ([`sekoia_sdk_env`]).
    Shared,
    /// The module's own, made by `module install` from its lock file.
    Own,
}

/// Installs the Python module in `module` (relative to the repository) into `data`, and waits
/// for the server to list it.
pub async fn install(server: &Server, data: &Path, module: &str, slug: &str, env: Env) -> Value {
    install_from(Path::new("."), server, data, module, slug, env).await
}

/// The same, with `module install` started in `cwd` (where a relative `data` is).
pub async fn install_from(cwd: &Path, server: &Server, data: &Path, module: &str, slug: &str, env: Env) -> Value {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(module);
    let mut command = Command::new(env!("CARGO_BIN_EXE_riposte"));
    command.current_dir(cwd).args(["module", "install"]).arg(&source).args(["--data-dir", data.to_str().unwrap()]);
    if let Env::Shared = env {
        command.arg("--python-env").arg(sekoia_sdk_env());
    }
    let output = command.output().unwrap();
    assert!(output.status.success(), "module install: {}", String::from_utf8_lossy(&output.stderr));
    eventually("the module in the catalogue", async || {
        let (_, modules) = server.call(Method::GET, "/api/v1/modules", None).await;
        modules["items"].as_array()?.iter().find(|m| m["slug"] == slug).cloned()
    })
    .await
}

pub async fn playbook(server: &Server, nodes: Value) -> String {
    let body = json!({"playbook": {"name": "Python", "nodes": nodes}});
    let (status, created) = server.call(Method::POST, "/api/v1/symphony/playbooks", Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    created["uuid"].as_str().unwrap().to_string()
}

/// Runs a playbook of a manual trigger (node 0) and `nodes` once; the run's account.
pub async fn manual_run(server: &Server, mut nodes: Value) -> Value {
    nodes["0"] = json!({"name": "Manual Trigger", "type": "trigger", "module_uuid": SEKOIA_MODULE,
                        "trigger_uuid": MANUAL_TRIGGER, "outputs": {"default": ["1"]}});
    let uuid = playbook(server, nodes).await;
    let (status, run) =
        server.call(Method::POST, &format!("/api/v1/symphony/playbooks/{uuid}/run"), Some(json!({"event": {}}))).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{run}");
    let run = eventually("the run", async || finished_runs(server, &uuid).await.pop()).await;
    server.call(Method::GET, &format!("/api/v1/symphony/runs/{}", run["uuid"].as_str().unwrap()), None).await.1
}

/// An action node of `module`, by docker_parameters.
pub fn action(module: &Value, account: &Value, docker_parameters: &str, arguments: Value, outputs: Value) -> Value {
    let action = module["actions"].as_array().unwrap().iter().find(|a| a["docker_parameters"] == docker_parameters);
    json!({"name": docker_parameters, "type": "action", "module_uuid": module["uuid"],
           "action_uuid": action.unwrap()["uuid"], "module_configuration_uuid": account["uuid"],
           "arguments": arguments, "outputs": outputs})
}

/// A module configuration of `module` with `value`.
pub async fn account(server: &Server, module: &Value, value: Value) -> Value {
    let body = json!({"module_uuid": module["uuid"], "name": "account", "value": value});
    let (status, account) = server.call(Method::POST, "/api/v1/symphony/module-configurations", Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{account}");
    account
}

/// Whether a warm worker of the module installed in `module_dir` is running: a process of
/// `riposte_warm.py` working in that folder.
pub fn warm_worker_running(module_dir: &Path) -> bool {
    let module_dir = module_dir.canonicalize().unwrap();
    let Ok(processes) = std::fs::read_dir("/proc") else { return false };
    processes.flatten().any(|process| {
        let cmdline = std::fs::read(process.path().join("cmdline")).unwrap_or_default();
        let cwd = std::fs::read_link(process.path().join("cwd")).ok();
        String::from_utf8_lossy(&cmdline).contains("riposte_warm.py") && cwd.as_deref() == Some(module_dir.as_path())
    })
}
