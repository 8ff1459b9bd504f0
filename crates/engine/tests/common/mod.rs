//! A small catalogue and a driver that answers actions from a closure, for engine tests.
#![allow(dead_code)]

use riposte_engine::{ActionCall, ActionOutcome, Effect, Event, Failure, FailureKind, Plan, Run};
use riposte_model::{ActionManifest, Catalogue, ModuleManifest, Playbook, TriggerManifest};
use serde_json::{Value, json};

pub const MODULE: &str = "00000000-0000-0000-0000-00000000000m";
pub const ECHO: &str = "00000000-0000-0000-0000-0000000000e0";
pub const SCAN: &str = "00000000-0000-0000-0000-0000000000e1";
pub const TRIGGER: &str = "00000000-0000-0000-0000-0000000000t0";
/// A trigger with required settings.
pub const FEED_TRIGGER: &str = "00000000-0000-0000-0000-0000000000t1";

/// Module `m`: `echo` returns its arguments; `scan` has branches `detected` / `not detected`
/// and a schema with a required `url`.
pub fn catalogue() -> Catalogue {
    let module = ModuleManifest {
        uuid: MODULE.into(),
        name: "Test module".into(),
        slug: "test".into(),
        version: "1.0.0".into(),
        description: String::new(),
        configuration: json!({}),
        categories: vec![],
        actions: vec![
            action(
                ECHO,
                "Echo",
                json!({"type": "object", "properties": {"body": {"type": "object"}, "n": {"type": "integer"}}}),
                None,
            ),
            action(
                SCAN,
                "Scan",
                json!({"type": "object", "properties": {"url": {"type": "string", "format": "uri", "description": "URL to scan"}, "depth": {"type": "integer", "minimum": 1}, "token": {"type": "string"}}, "required": ["url"], "additionalProperties": false, "secrets": ["token"]}),
                Some(json!({"detected": "", "not detected": ""})),
            ),
        ],
        triggers: vec![
            TriggerManifest {
                uuid: TRIGGER.into(),
                name: "Event".into(),
                description: String::new(),
                docker_parameters: "event".into(),
                arguments: json!({"type": "object", "properties": {}}),
                results: json!({}),
                extra: Default::default(),
            },
            TriggerManifest {
                uuid: FEED_TRIGGER.into(),
                name: "Feed".into(),
                description: String::new(),
                docker_parameters: "feed".into(),
                arguments: json!({"type": "object", "properties": {
                "feed": {"type": "string", "description": "Feed to watch"},
                "interval": {"type": "integer"},
                "tag": {"type": "string"}
            }, "required": ["feed", "interval"]}),
                results: json!({}),
                extra: Default::default(),
            },
        ],
        connectors: vec![],
        extra: Default::default(),
    };
    Catalogue::new(vec![module])
}

fn action(uuid: &str, name: &str, arguments: Value, outputs: Option<Value>) -> ActionManifest {
    ActionManifest {
        uuid: uuid.into(),
        name: name.into(),
        description: String::new(),
        docker_parameters: name.to_lowercase(),
        arguments,
        results: json!({}),
        outputs: outputs.map(|o| serde_json::from_value(o).unwrap()),
        slug: None,
        extra: Default::default(),
    }
}

pub fn trigger_node(next: &[&str]) -> Value {
    json!({"name": "Trigger", "type": "trigger", "module_uuid": MODULE, "trigger_uuid": TRIGGER, "outputs": {"default": next}})
}

pub fn echo_node(arguments: Value, next: &[&str]) -> Value {
    json!({"name": "Echo", "type": "action", "module_uuid": MODULE, "action_uuid": ECHO, "arguments": arguments, "outputs": {"default": next}})
}

pub fn playbook(nodes: Value) -> Playbook {
    serde_json::from_value(json!({"name": "test", "nodes": nodes})).expect("test playbook parses")
}

pub fn plan(nodes: Value) -> Plan {
    Plan::build(&playbook(nodes), &catalogue()).unwrap_or_else(|d| panic!("invalid test playbook: {d:#?}"))
}

pub fn ok(results: Value) -> ActionOutcome {
    ActionOutcome { results: Some(results), ..Default::default() }
}

pub fn err(kind: FailureKind, message: &str) -> ActionOutcome {
    ActionOutcome { error: Some(Failure::new(kind, message)), ..Default::default() }
}

/// Runs a plan to its end: actions are answered by `answer`, timers fire at once (their delays
/// are recorded), and the largest batch of concurrent executions is tracked.
pub struct Driver {
    pub run: Run,
    pub calls: Vec<ActionCall>,
    pub waits: Vec<u64>,
    pub max_in_flight: usize,
    pub now: i64,
}

pub fn run_answering(plan: &Plan, event: Value, answer: impl FnMut(&ActionCall) -> ActionOutcome) -> Driver {
    run_answering_from(plan, None, event, answer)
}

/// [`run_answering`] from the trigger node `trigger` (the first when `None`).
pub fn run_answering_from(
    plan: &Plan,
    trigger: Option<&str>,
    event: Value,
    mut answer: impl FnMut(&ActionCall) -> ActionOutcome,
) -> Driver {
    let trigger = plan.trigger_node(trigger).expect("the plan has this trigger");
    let (run, effects) = Run::start_from(plan, "run-1", trigger, event, 0);
    let mut driver = Driver { run, calls: Vec::new(), waits: Vec::new(), max_in_flight: 0, now: 0 };
    let mut pending: Vec<Effect> = effects;
    let mut in_flight: Vec<ActionCall> = Vec::new();
    loop {
        for effect in pending.drain(..) {
            match effect {
                Effect::Execute(call) => in_flight.push(call),
                Effect::Wake { instance, attempt, after_ms } => {
                    driver.waits.push(after_ms);
                    driver.now += after_ms as i64;
                    let more = driver.run.handle(plan, Event::Wake { instance, attempt }, driver.now);
                    in_flight.extend(more.into_iter().filter_map(|e| match e {
                        Effect::Execute(call) => Some(call),
                        _ => None,
                    }));
                }
                Effect::Abort { .. } | Effect::Finished { .. } => {}
            }
        }
        driver.max_in_flight = driver.max_in_flight.max(in_flight.len());
        if in_flight.is_empty() {
            return driver;
        }
        // Answer the oldest call first, as a worker would see them complete.
        let call = in_flight.remove(0);
        driver.now += 1;
        let outcome = answer(&call);
        driver.calls.push(call.clone());
        pending = driver.run.handle(
            plan,
            Event::ActionFinished { instance: call.instance, attempt: call.attempt, outcome },
            driver.now,
        );
    }
}

impl Driver {
    pub fn status_of(&self, plan: &Plan, node_id: &str) -> Vec<String> {
        let report = self.run.report(plan);
        report.nodes.iter().filter(|n| n.node_id == node_id).map(|n| n.status.to_string()).collect()
    }

    pub fn calls_to(&self, node_id: &str) -> Vec<&ActionCall> {
        self.calls.iter().filter(|c| c.node_id == node_id).collect()
    }
}
