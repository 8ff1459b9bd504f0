//! Test module and playbook helpers shared by the worker's tests.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use riposte_engine::{Plan, Run};
use riposte_model::{NodeStatus, Playbook};
use riposte_sdk::{Action, ActionContext, ActionError, ActionInfo, Module, ModuleInfo};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Mutex;

use tokio::sync::{Barrier, Notify};

use crate::{Configurations, Executor, LocalRunner, Registry};

pub const MODULE: &str = "6f1c3a57-0000-4000-8000-000000000001";

#[derive(Deserialize, JsonSchema)]
pub struct Millis {
    #[serde(default)]
    ms: u64,
}

pub struct Sleep;
impl Action for Sleep {
    type Arguments = Millis;
    type Results = Value;
    const INFO: ActionInfo = info("Sleep");
    async fn run(&self, _: &mut ActionContext, args: Millis) -> Result<Value, ActionError> {
        tokio::time::sleep(Duration::from_millis(args.ms)).await;
        Ok(json!({"slept": args.ms}))
    }
}

pub struct Panic;
impl Action for Panic {
    type Arguments = Millis;
    type Results = Value;
    const INFO: ActionInfo = info("Panic");
    async fn run(&self, _: &mut ActionContext, _: Millis) -> Result<Value, ActionError> {
        panic!("broken module")
    }
}

/// Times out on its first attempt, succeeds on the next.
pub struct SlowFirst(pub Arc<AtomicU32>);
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
pub struct Meet(pub Arc<Barrier>);
impl Action for Meet {
    type Arguments = Millis;
    type Results = Value;
    const INFO: ActionInfo = info("Meet");
    async fn run(&self, _: &mut ActionContext, _: Millis) -> Result<Value, ActionError> {
        self.0.wait().await;
        Ok(json!({"met": true}))
    }
}

pub const fn info(name: &'static str) -> ActionInfo {
    ActionInfo { name, description: "", docker_parameters: name, uuid: None, secret_arguments: &[], outputs: &[] }
}

/// Records the idempotency key of every call; the first call never answers and says it was
/// made, like an action cut off by a crash.
#[derive(Clone, Default)]
pub struct Gate {
    pub calls: Arc<Mutex<Vec<String>>>,
    pub first_call: Arc<Notify>,
}

impl Action for Gate {
    type Arguments = Millis;
    type Results = Value;
    const INFO: ActionInfo = info("Gate");
    async fn run(&self, ctx: &mut ActionContext, _: Millis) -> Result<Value, ActionError> {
        let first = {
            let mut calls = self.calls.lock().unwrap();
            calls.push(ctx.idempotency_key().to_string());
            calls.len() == 1
        };
        if first {
            self.first_call.notify_one();
            std::future::pending::<()>().await;
        }
        Ok(json!({"passed": true}))
    }
}

/// Counts its calls.
#[derive(Clone, Default)]
pub struct Count(pub Arc<AtomicU32>);

impl Action for Count {
    type Arguments = Millis;
    type Results = Value;
    const INFO: ActionInfo = info("Count");
    async fn run(&self, _: &mut ActionContext, _: Millis) -> Result<Value, ActionError> {
        Ok(json!({"count": self.0.fetch_add(1, Ordering::SeqCst) + 1}))
    }
}

/// Returns a kilobyte of text.
pub struct Big;

impl Action for Big {
    type Arguments = Millis;
    type Results = Value;
    const INFO: ActionInfo = info("Big");
    async fn run(&self, _: &mut ActionContext, _: Millis) -> Result<Value, ActionError> {
        Ok(json!({"text": "x".repeat(1000)}))
    }
}

pub const TRIGGER: &str = "6f1c3a57-0000-4000-8000-0000000000ff";

pub fn registry(attempts: Arc<AtomicU32>, gate: Gate, count: Count) -> Registry {
    let info =
        ModuleInfo { uuid: MODULE, name: "Test", slug: "test", version: "1.0.0", description: "", categories: &[] };
    let module = Module::new(info)
        .platform_trigger::<Millis, Value>("Manual", "", "manual", Some(TRIGGER))
        .action(Sleep)
        .action(Panic)
        .action(SlowFirst(attempts))
        .action(Meet(Arc::new(Barrier::new(2))))
        .action(gate)
        .action(count)
        .action(Big);
    Registry::new(vec![module])
}

pub fn runner(attempts: Arc<AtomicU32>) -> (LocalRunner, riposte_model::Catalogue) {
    let registry = registry(attempts, Gate::default(), Count::default());
    let catalogue = registry.catalogue();
    (LocalRunner::new(Executor::new(Arc::new(registry), Arc::new(Configurations::new()))), catalogue.as_ref().clone())
}

pub fn node(catalogue: &riposte_model::Catalogue, action: &str, extra: Value) -> Value {
    let uuid = &catalogue.module(MODULE).unwrap().actions.iter().find(|a| a.name == action).unwrap().uuid;
    let mut node = json!({"name": action, "type": "action", "module_uuid": MODULE, "action_uuid": uuid, "arguments": {}, "outputs": {}});
    node.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    node
}

/// A playbook whose trigger `t` leads to every node whose id starts with `a`.
pub fn playbook_json(nodes: Value) -> Value {
    let mut nodes = nodes;
    let first: Vec<String> = nodes.as_object().unwrap().keys().filter(|k| k.starts_with('a')).cloned().collect();
    nodes["t"] = json!({"name": "Manual", "type": "trigger", "module_uuid": MODULE, "trigger_uuid": TRIGGER, "outputs": {"default": first}});
    json!({"name": "p", "nodes": nodes})
}

pub fn build_plan(catalogue: &riposte_model::Catalogue, nodes: Value) -> Plan {
    let playbook: Playbook = serde_json::from_value(playbook_json(nodes)).unwrap();
    Plan::build(&playbook, catalogue).unwrap_or_else(|d| panic!("{d:#?}"))
}

pub fn status(run: &Run, plan: &Plan, node_id: &str) -> (NodeStatus, Option<String>, u32) {
    let report = run.report(plan);
    let node = report.nodes.iter().find(|n| n.node_id == node_id).unwrap();
    (node.status, node.error.clone(), node.attempts)
}
