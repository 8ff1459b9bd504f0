//! Modules written with the SDK speak Sekoia's module protocol: each component runs against a
//! platform started here, which records what it receives.

#![allow(clippy::unwrap_used)] // a test fails by panicking

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::routing::any;
use axum::{Json, Router};
use riposte_sdk::wire::{Inputs, Retry, run_command};
use riposte_sdk::{
    Action, ActionContext, ActionError, ActionInfo, ComponentInfo, Connector, ConnectorContext, JsonSchema, Module,
    ModuleInfo, Trigger, TriggerContext,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

const FAST: Retry = Retry { attempts: 3, base: Duration::from_millis(1), max_wait: Duration::from_millis(5) };

#[derive(Deserialize, JsonSchema)]
struct Account {
    #[schemars(extend("secret" = true))]
    api_key: String,
}

#[derive(Deserialize, JsonSchema)]
struct Lookup {
    name: String,
}

#[derive(Serialize, JsonSchema)]
struct Found {
    key_length: usize,
    name: String,
}

struct LookupAction;

impl Action for LookupAction {
    type Arguments = Lookup;
    type Results = Found;
    const INFO: ActionInfo = ActionInfo {
        name: "Lookup",
        description: "Looks a name up",
        docker_parameters: "lookup",
        uuid: None,
        secret_arguments: &[],
        outputs: &[("unknown", "nothing found")],
    };

    async fn run(&self, ctx: &mut ActionContext, args: Lookup) -> Result<Found, ActionError> {
        let account: Account = ctx.configuration()?;
        ctx.info(format!("looking up {}", args.name));
        if args.name == "nobody" {
            ctx.set_output("unknown");
            ctx.error("no such name");
        }
        Ok(Found { key_length: account.api_key.len(), name: args.name })
    }
}

#[derive(Deserialize, JsonSchema)]
struct Every {
    prefix: String,
    #[serde(default)]
    fail: bool,
}

#[derive(Serialize, JsonSchema)]
struct Tick {
    n: u32,
}

struct Ticker;

impl Trigger for Ticker {
    type Configuration = Every;
    type Event = Tick;
    const INFO: ComponentInfo =
        ComponentInfo { name: "Ticker", description: "Ticks", docker_parameters: "ticker", uuid: None };

    async fn run(&self, ctx: &mut TriggerContext<Tick>, settings: Every) -> Result<(), ActionError> {
        if settings.fail {
            return Err(ActionError::transient("the source is down"));
        }
        ctx.info("ticking");
        let mut n = 0;
        while ctx.running() {
            n += 1;
            ctx.send_event(format!("{} {n}", settings.prefix), Tick { n }).await?;
            ctx.sleep(Duration::from_millis(20)).await;
        }
        Ok(())
    }
}

#[derive(Deserialize, JsonSchema)]
struct Feed {
    count: usize,
}

struct Collector;

impl Connector for Collector {
    type Configuration = Feed;
    const INFO: ComponentInfo =
        ComponentInfo { name: "Collector", description: "Collects", docker_parameters: "collector", uuid: None };

    async fn run(&self, ctx: &mut ConnectorContext, feed: Feed) -> Result<(), ActionError> {
        let events: Vec<Value> = (0..feed.count).map(|i| json!({"i": i})).collect();
        let ids = ctx.push_json_events(&events).await?;
        ctx.info(format!("{} events collected", ids.len()));
        ctx.sleep(Duration::from_secs(3600)).await;
        Ok(())
    }
}

fn module() -> Module {
    Module::new(ModuleInfo {
        uuid: "0b5b1c2e-4d0a-4a55-9f3f-2c1e7c6f0a11",
        name: "Test",
        slug: "test",
        version: "0.1.0",
        description: "",
        categories: &["Generic"],
    })
    .configuration::<Account>()
    .action(LookupAction)
    .trigger(Ticker)
    .connector(Collector)
}

/// One call the platform received: method, path, body, `Authorization` header.
type Call = (String, String, Value, String);

/// What the platform received.
#[derive(Clone, Default)]
struct Received(Arc<Mutex<Vec<Call>>>);

impl Received {
    fn calls(&self) -> Vec<(String, String, Value)> {
        self.0.lock().unwrap().iter().map(|(m, p, b, _)| (m.clone(), p.clone(), b.clone())).collect()
    }
    fn bodies(&self, method: &str, path: &str) -> Vec<Value> {
        self.calls().into_iter().filter(|(m, p, _)| m == method && p == path).map(|(_, _, b)| b).collect()
    }
}

async fn platform(
    State(received): State<Received>,
    method: Method,
    Path(path): Path<String>,
    headers: HeaderMap,
    body: String,
) -> (StatusCode, Json<Value>) {
    let token = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    let body: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    received.0.lock().unwrap().push((method.to_string(), format!("/{path}"), body.clone(), token));
    match (method.as_str(), path.as_str()) {
        ("PATCH", "callback") if body["need_secrets"] == true => {
            (StatusCode::OK, Json(json!({"module_configuration": {"value": {"api_key": "s3cret"}}})))
        }
        ("GET", "secrets") => (StatusCode::OK, Json(json!({"value": {"api_key": "s3cret"}, "node_value": {}}))),
        ("POST", "intake/batch") => {
            if body["intake_key"] != "key-1" {
                return (StatusCode::NOT_FOUND, Json(json!({"message": "unknown intake"})));
            }
            let n = body["jsons"].as_array().map_or(0, Vec::len);
            (StatusCode::OK, Json(json!({"event_ids": (0..n).map(|i| format!("e{i}")).collect::<Vec<_>>()})))
        }
        _ => (StatusCode::OK, Json(json!({}))),
    }
}

async fn start_platform() -> (String, Received) {
    let received = Received::default();
    let app = Router::new().route("/{*path}", any(platform)).with_state(received.clone());
    let base = format!("http://{}", riposte_testkit::serve(app).await);
    (base, received)
}

fn inputs(base: &str, extra: &[(&str, Value)]) -> Inputs {
    let mut values: HashMap<String, String> = HashMap::from([
        ("token".into(), "node-token".into()),
        ("url_callback".into(), format!("{base}/callback")),
        ("module_configuration".into(), "{}".into()),
    ]);
    for (name, value) in extra {
        values.insert(name.to_string(), value.to_string());
    }
    Inputs::Given(values)
}

#[tokio::test]
async fn an_action_reports_running_then_its_results_logs_error_and_branch() {
    let (base, received) = start_platform().await;
    let given = inputs(&base, &[("arguments", json!({"name": "nobody"}))]);
    run_command(&module(), "lookup", &given, FAST, CancellationToken::new()).await.unwrap();

    let patches = received.bodies("PATCH", "/callback");
    assert_eq!(patches[0], json!({"status": "running", "need_secrets": true}));
    let done = &patches[1];
    assert_eq!(done["status"], "finished");
    assert_eq!(done["results"], json!({"key_length": 6, "name": "nobody"}), "the secret reached the action");
    assert_eq!(done["error"], "no such name");
    assert_eq!(done["outputs"], json!({"unknown": true}));
    let logs = done["logs"].as_str().unwrap();
    assert!(logs.contains(": info: looking up nobody\n") && logs.contains(": error: no such name\n"), "{logs}");
    assert!(received.0.lock().unwrap().iter().all(|(.., token)| token == "Bearer node-token"));
}

#[tokio::test]
async fn bad_arguments_fail_the_node_and_name_the_field() {
    let (base, received) = start_platform().await;
    let given = inputs(&base, &[("arguments", json!({"name": 7}))]);
    run_command(&module(), "lookup", &given, FAST, CancellationToken::new()).await.unwrap();
    let done = received.bodies("PATCH", "/callback").pop().unwrap();
    assert!(done["error"].as_str().unwrap().starts_with("invalid argument `name`"), "{done}");
    assert!(done.get("results").is_none());
}

#[tokio::test]
async fn a_trigger_sends_events_and_logs_until_stopped() {
    let (base, received) = start_platform().await;
    let given = inputs(&base, &[("trigger_configuration", json!({"prefix": "tick"}))]);
    let stop = CancellationToken::new();
    let running = tokio::spawn({
        let stop = stop.clone();
        async move { run_command(&module(), "ticker", &given, FAST, stop).await }
    });
    while received.bodies("POST", "/callback").len() < 3 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    stop.cancel();
    tokio::time::timeout(Duration::from_secs(5), running).await.expect("the trigger stops").unwrap().unwrap();

    assert_eq!(received.calls()[0].0, "GET", "secrets are fetched first");
    let events = received.bodies("POST", "/callback");
    assert_eq!(events[0]["name"], "tick 1");
    assert_eq!(events[0]["event"], json!({"n": 1}));
    assert!(events[0]["request_id"].as_str().is_some_and(|id| id.len() == 36));
    assert_ne!(events[0]["request_id"], events[1]["request_id"]);
    let logs = received.bodies("POST", "/logs");
    assert!(logs.iter().any(|b| b["logs"][0]["message"] == "ticking" && b["logs"][0]["level"] == "info"), "{logs:?}");
}

#[tokio::test]
async fn a_trigger_that_keeps_failing_logs_critical_and_stops() {
    let (base, received) = start_platform().await;
    let given = inputs(&base, &[("trigger_configuration", json!({"prefix": "x", "fail": true}))]);
    let error = run_command(&module(), "ticker", &given, FAST, CancellationToken::new()).await.unwrap_err();
    assert!(error.to_string().contains("5 successive uncaught errors"), "{error}");
    let logs: Vec<Value> = received
        .bodies("POST", "/logs")
        .iter()
        .flat_map(|b| b["logs"].as_array().cloned().unwrap_or_default())
        .collect();
    assert!(logs.iter().any(|l| l["level"] == "critical"), "{logs:?}");
    assert_eq!(logs.iter().filter(|l| l["level"] == "error").count(), 5);
}

#[tokio::test]
async fn a_connector_pushes_batches_to_the_intake() {
    let (base, received) = start_platform().await;
    let settings = json!({"intake_key": "key-1", "intake_server": format!("{base}/intake"), "count": 3});
    let given = inputs(&base, &[("connector_configuration", settings)]);
    let stop = CancellationToken::new();
    let running = tokio::spawn({
        let stop = stop.clone();
        async move { run_command(&module(), "collector", &given, FAST, stop).await }
    });
    while received.bodies("POST", "/intake/batch").is_empty() {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    stop.cancel();
    tokio::time::timeout(Duration::from_secs(5), running).await.unwrap().unwrap().unwrap();
    let batch = &received.bodies("POST", "/intake/batch")[0];
    assert_eq!(batch["jsons"], json!([r#"{"i":0}"#, r#"{"i":1}"#, r#"{"i":2}"#]), "events travel as JSON texts");
    let logs = received.bodies("POST", "/logs");
    assert!(logs.iter().any(|b| b["logs"][0]["message"] == "3 events collected"), "{logs:?}");
}

#[tokio::test]
async fn an_unknown_command_is_refused_by_name() {
    let error = run_command(&module(), "nope", &inputs("http://127.0.0.1:9", &[]), FAST, CancellationToken::new())
        .await
        .unwrap_err();
    assert_eq!(error.to_string(), "no action, trigger or connector answers the command `nope`");
}

#[test]
fn manifests_come_from_the_code_and_drift_is_found() {
    let dir = tempfile::tempdir().unwrap();
    let (written, _) = riposte_sdk::write_manifests(&module(), dir.path()).unwrap();
    assert_eq!(
        written,
        ["manifest.json", "action_lookup.json", "trigger_ticker.json", "connector_collector.json"].map(String::from)
    );
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["configuration"]["secrets"], json!(["api_key"]));
    let connector: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("connector_collector.json")).unwrap()).unwrap();
    assert_eq!(connector["arguments"]["required"], json!(["count", "intake_key"]));
    assert!(riposte_sdk::manifest_drift(&module(), dir.path()).unwrap().is_empty());

    std::fs::write(dir.path().join("action_lookup.json"), "{}").unwrap();
    std::fs::write(dir.path().join("action_gone.json"), "{}").unwrap();
    std::fs::remove_file(dir.path().join("trigger_ticker.json")).unwrap();
    let drift = riposte_sdk::manifest_drift(&module(), dir.path()).unwrap();
    assert_eq!(
        drift,
        vec![
            "action_lookup.json: differs from the code; run `riposte module generate`",
            "trigger_ticker.json: missing for a registered component; run `riposte module generate`",
            "action_gone.json: no registered component has this manifest",
        ]
    );
}
