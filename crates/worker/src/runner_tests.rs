use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use riposte_model::{NodeStatus, Playbook, RunStatus};
use riposte_sdk::{Action, ActionContext, ActionError, ActionInfo, Module, ModuleInfo};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::Barrier;
use tokio_util::sync::CancellationToken;

use super::*;

const MODULE: &str = "6f1c3a57-0000-4000-8000-000000000001";

#[derive(Deserialize, JsonSchema)]
struct Millis {
    #[serde(default)]
    ms: u64,
}

struct Sleep;
impl Action for Sleep {
    type Arguments = Millis;
    type Results = Value;
    const INFO: ActionInfo = info("Sleep");
    async fn run(&self, _: &mut ActionContext, args: Millis) -> Result<Value, ActionError> {
        tokio::time::sleep(Duration::from_millis(args.ms)).await;
        Ok(json!({"slept": args.ms}))
    }
}

struct Panic;
impl Action for Panic {
    type Arguments = Millis;
    type Results = Value;
    const INFO: ActionInfo = info("Panic");
    async fn run(&self, _: &mut ActionContext, _: Millis) -> Result<Value, ActionError> {
        panic!("broken module")
    }
}

/// Times out on its first attempt, succeeds on the next.
struct SlowFirst(Arc<AtomicU32>);
impl Action for SlowFirst {
    type Arguments = Millis;
    type Results = Value;
    const INFO: ActionInfo = info("SlowFirst");
    async fn run(&self, ctx: &mut ActionContext, _: Millis) -> Result<Value, ActionError> {
        if self.0.fetch_add(1, Ordering::SeqCst) == 0 {
            tokio::time::sleep(Duration::from_secs(3600)).await;
        }
        Ok(json!({"key": ctx.idempotency_key()}))
    }
}

/// Waits until both parallel branches are inside it: only concurrent execution gets through.
struct Meet(Arc<Barrier>);
impl Action for Meet {
    type Arguments = Millis;
    type Results = Value;
    const INFO: ActionInfo = info("Meet");
    async fn run(&self, _: &mut ActionContext, _: Millis) -> Result<Value, ActionError> {
        self.0.wait().await;
        Ok(json!({"met": true}))
    }
}

const fn info(name: &'static str) -> ActionInfo {
    ActionInfo { name, description: "", docker_parameters: name, uuid: None, secret_arguments: &[], outputs: &[] }
}

fn runner(attempts: Arc<AtomicU32>) -> (LocalRunner, riposte_model::Catalogue) {
    let module = Module::new(ModuleInfo {
        uuid: MODULE,
        name: "Test",
        slug: "test",
        version: "1.0.0",
        description: "",
        categories: &[],
    })
    .action(Sleep)
    .action(Panic)
    .action(SlowFirst(attempts))
    .action(Meet(Arc::new(Barrier::new(2))));
    let registry = Registry::new(vec![module]);
    let catalogue = registry.catalogue();
    (LocalRunner::new(Arc::new(registry), Arc::new(Configurations::new())), catalogue)
}

fn node(catalogue: &riposte_model::Catalogue, action: &str, extra: Value) -> Value {
    let uuid = &catalogue.module(MODULE).unwrap().actions.iter().find(|a| a.name == action).unwrap().uuid;
    let mut node = json!({"name": action, "type": "action", "module_uuid": MODULE, "action_uuid": uuid, "arguments": {}, "outputs": {}});
    node.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    node
}

fn build_plan(catalogue: &riposte_model::Catalogue, nodes: Value) -> Plan {
    let mut nodes = nodes;
    // The test module declares a manual trigger here, so that playbooks can start.
    let mut catalogue = catalogue.clone();
    let mut module = catalogue.module(MODULE).unwrap().clone();
    module.triggers.push(riposte_model::TriggerManifest {
        uuid: "6f1c3a57-0000-4000-8000-0000000000ff".into(),
        name: "Manual".into(),
        description: String::new(),
        docker_parameters: String::new(),
        arguments: json!({}),
        results: json!({}),
        extra: Default::default(),
    });
    catalogue.add(module);
    let first: Vec<String> = nodes.as_object().unwrap().keys().filter(|k| k.starts_with('a')).cloned().collect();
    nodes["t"] = json!({"name": "Manual", "type": "trigger", "module_uuid": MODULE, "trigger_uuid": "6f1c3a57-0000-4000-8000-0000000000ff", "outputs": {"default": first}});
    let playbook: Playbook = serde_json::from_value(json!({"name": "p", "nodes": nodes})).unwrap();
    Plan::build(&playbook, &catalogue).unwrap_or_else(|d| panic!("{d:#?}"))
}

fn status(run: &Run, plan: &Plan, node_id: &str) -> (NodeStatus, Option<String>, u32) {
    let report = run.report(plan);
    let node = report.nodes.iter().find(|n| n.node_id == node_id).unwrap();
    (node.status, node.error.clone(), node.attempts)
}

#[tokio::test]
async fn parallel_branches_execute_at_the_same_time() {
    let (runner, catalogue) = runner(Arc::default());
    let plan = build_plan(
        &catalogue,
        json!({"a1": node(&catalogue, "Meet", json!({"timeout": 30})), "a2": node(&catalogue, "Meet", json!({"timeout": 30}))}),
    );
    let run = runner.run(&plan, "r", json!({}), CancellationToken::new()).await;
    assert_eq!(run.status(), RunStatus::Succeeded, "{:#?}", run.report(&plan));
}

#[tokio::test]
async fn a_slow_action_times_out_and_is_retried() {
    let attempts = Arc::new(AtomicU32::new(0));
    let (runner, catalogue) = runner(attempts.clone());
    let retry = json!({"timeout": 0.05, "retry": {"max_attempts": 2, "initial_backoff_ms": 1}});
    let plan = build_plan(&catalogue, json!({"a1": node(&catalogue, "SlowFirst", retry)}));
    let run = runner.run(&plan, "run-9", json!({}), CancellationToken::new()).await;
    assert_eq!(run.status(), RunStatus::Succeeded);
    assert_eq!(status(&run, &plan, "a1").2, 2);
    assert_eq!(
        run.report(&plan).nodes.iter().find(|n| n.node_id == "a1").unwrap().results,
        Some(json!({"key": "run-9:a1"}))
    );

    let no_retry = json!({"timeout": 0.05, "retry": {"max_attempts": 1}, "arguments": {"ms": 10_000}});
    let plan = build_plan(&catalogue, json!({"a1": node(&catalogue, "Sleep", no_retry)}));
    let run = runner.run(&plan, "r", json!({}), CancellationToken::new()).await;
    assert_eq!(run.status(), RunStatus::Failed);
    assert_eq!(status(&run, &plan, "a1"), (NodeStatus::Failed, Some("timed out after 50ms".into()), 1));
}

#[tokio::test]
async fn a_panicking_action_fails_its_node() {
    let (runner, catalogue) = runner(Arc::default());
    let plan = build_plan(&catalogue, json!({"a1": node(&catalogue, "Panic", json!({}))}));
    let run = runner.run(&plan, "r", json!({}), CancellationToken::new()).await;
    assert_eq!(status(&run, &plan, "a1").1.as_deref(), Some("the action crashed: broken module"));
    assert_eq!(run.status(), RunStatus::Failed);
}

#[tokio::test]
async fn cancelling_stops_actions_in_flight() {
    let (runner, catalogue) = runner(Arc::default());
    let plan =
        build_plan(&catalogue, json!({"a1": node(&catalogue, "Sleep", json!({"arguments": {"ms": 3_600_000}}))}));
    let cancel = CancellationToken::new();
    let trigger = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(20)).await;
        trigger.cancel();
    });
    let run = runner.run(&plan, "r", json!({}), cancel).await;
    assert_eq!(run.status(), RunStatus::Cancelled);
    assert_eq!(status(&run, &plan, "a1").0, NodeStatus::Cancelled);
}

#[tokio::test]
async fn unknown_configurations_fail_the_node_clearly() {
    let (runner, catalogue) = runner(Arc::default());
    let plan = build_plan(
        &catalogue,
        json!({"a1": node(&catalogue, "Sleep", json!({"module_configuration_uuid": "c0ffee00-0000-4000-8000-000000000000"}))}),
    );
    let run = runner.run(&plan, "r", json!({}), CancellationToken::new()).await;
    assert_eq!(
        status(&run, &plan, "a1").1.as_deref(),
        Some("no module configuration c0ffee00-0000-4000-8000-000000000000")
    );
}
