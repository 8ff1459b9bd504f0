//! Engine overhead per node, without any I/O: `cargo bench -p riposte-engine`.
//!
//! Each action is answered at once, so the figures are the state machine's own cost: rendering
//! arguments, resolving branches, bookkeeping.

#![allow(clippy::unwrap_used)] // a test fails by panicking

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use riposte_engine::{ActionOutcome, Effect, Event, Plan, Run};
use riposte_model::{ActionManifest, Catalogue, ModuleManifest, Playbook, TriggerManifest};
use serde_json::{Value, json};

const MODULE: &str = "4d1f6c2e-0000-4000-8000-000000000001";
const ACTION: &str = "4d1f6c2e-0000-4000-8000-000000000002";
const TRIGGER: &str = "4d1f6c2e-0000-4000-8000-000000000003";

fn catalogue() -> Catalogue {
    let action = ActionManifest {
        uuid: ACTION.into(),
        name: "Echo".into(),
        description: String::new(),
        docker_parameters: "echo".into(),
        arguments: json!({"type": "object", "properties": {"body": {"type": "object"}}}),
        results: json!({}),
        outputs: None,
        slug: None,
        extra: Default::default(),
    };
    let trigger = TriggerManifest {
        uuid: TRIGGER.into(),
        name: "Event".into(),
        description: String::new(),
        docker_parameters: String::new(),
        arguments: json!({}),
        results: json!({}),
        extra: Default::default(),
    };
    Catalogue::new(vec![ModuleManifest {
        uuid: MODULE.into(),
        name: "Bench".into(),
        slug: "bench".into(),
        version: "1.0.0".into(),
        description: String::new(),
        configuration: json!({}),
        categories: vec![],
        actions: vec![action],
        triggers: vec![trigger],
        connectors: vec![],
        extra: Default::default(),
    }])
}

fn echo(id: usize, next: Vec<String>) -> Value {
    json!({"name": format!("Echo {id}"), "type": "action", "module_uuid": MODULE, "action_uuid": ACTION,
           "arguments": {"body": {"alert": "{{ node.0.alert_uuid }}", "step": id, "rule": "{{ node.0.rule.name }}"}},
           "outputs": {"default": next}})
}

/// Trigger -> n actions in a chain.
fn chain(n: usize) -> Plan {
    let mut nodes = serde_json::Map::new();
    nodes.insert("0".into(), json!({"name": "T", "type": "trigger", "module_uuid": MODULE, "trigger_uuid": TRIGGER, "outputs": {"default": ["1"]}}));
    for i in 1..=n {
        let next = if i < n { vec![(i + 1).to_string()] } else { vec![] };
        nodes.insert(i.to_string(), echo(i, next));
    }
    build(Value::Object(nodes))
}

/// Trigger -> foreach over `n` items -> one action per item.
fn foreach(n: usize) -> Plan {
    build(json!({
        "0": {"name": "T", "type": "trigger", "module_uuid": MODULE, "trigger_uuid": TRIGGER, "outputs": {"default": ["1"]}},
        "1": {"name": "Each", "type": "operator", "subtype": "foreach", "items": format!("{{{{ range({n}) | list }}}}"), "concurrency": 10, "loop": ["2"], "outputs": {"default": []}},
        "2": echo(2, vec![]),
    }))
}

fn build(nodes: Value) -> Plan {
    let playbook: Playbook = serde_json::from_value(json!({"name": "bench", "nodes": nodes})).unwrap();
    Plan::build(&playbook, &catalogue()).unwrap()
}

/// Runs to the end, answering every action at once.
fn complete(plan: &Plan) -> Run {
    let event = json!({"alert_uuid": "8b1d2d4e-2a1f-4c3b-9e5d-6f7a8b9c0d1e", "rule": {"name": "Mimikatz"}});
    let (mut run, mut effects) = Run::start(plan, "bench", event, 0);
    let mut now = 0;
    while let Some(effect) = effects.pop() {
        if let Effect::Execute(call) = effect {
            now += 1;
            let outcome = ActionOutcome { results: Some(json!({"ok": true})), ..Default::default() };
            effects.extend(run.handle(
                plan,
                Event::ActionFinished { instance: call.instance, attempt: call.attempt, outcome },
                now,
            ));
        }
    }
    run
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("engine");
    let plan = chain(100);
    group.throughput(Throughput::Elements(100));
    group.bench_function("chain of 100 actions (per run)", |b| b.iter(|| complete(black_box(&plan))));
    let plan = foreach(1000);
    group.throughput(Throughput::Elements(1000));
    group.bench_function("foreach over 1000 items (per run)", |b| b.iter(|| complete(black_box(&plan))));
    let plan = chain(2);
    group.throughput(Throughput::Elements(1));
    group.bench_function("seed-sized run: trigger + 2 actions", |b| b.iter(|| complete(black_box(&plan))));
    group.finish();
    c.bench_function("build plan of 100 actions (validate + compile)", |b| {
        let nodes = (1..=100).map(|i| (i.to_string(), echo(i, vec![]))).collect::<serde_json::Map<_, _>>();
        let mut nodes = nodes;
        nodes.insert("0".into(), json!({"name": "T", "type": "trigger", "module_uuid": MODULE, "trigger_uuid": TRIGGER, "outputs": {"default": (1..=100).map(|i| i.to_string()).collect::<Vec<_>>()}}));
        let playbook: Playbook = serde_json::from_value(json!({"name": "bench", "nodes": nodes})).unwrap();
        let catalogue = catalogue();
        b.iter(|| Plan::build(black_box(&playbook), &catalogue).unwrap())
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
