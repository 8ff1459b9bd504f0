//! Property tests of the run state machine over random playbooks and random action outcomes.

#![allow(clippy::unwrap_used)] // a test fails by panicking

mod common;

use std::collections::HashMap;

use common::*;
use proptest::prelude::*;
use riposte_engine::{ActionOutcome, FailureKind};
use riposte_model::{NodeStatus, RunStatus};
use serde_json::{Value, json};

#[derive(Debug, Clone)]
enum Kind {
    Action,
    Any,
    All,
    Condition,
    Foreach,
}

#[derive(Debug, Clone)]
struct Shape {
    kinds: Vec<Kind>,
    /// For each node i >= 1, the earlier nodes that lead to it.
    parents: Vec<Vec<usize>>,
    outcomes: Vec<u8>,
}

fn shape() -> impl Strategy<Value = Shape> {
    (2usize..9).prop_flat_map(|n| {
        let kinds = prop::collection::vec(
            prop_oneof![4 => Just(Kind::Action), 1 => Just(Kind::Any), 1 => Just(Kind::All), 1 => Just(Kind::Condition), 1 => Just(Kind::Foreach)],
            n,
        );
        let parents = (1..n).map(|i| prop::collection::btree_set(0..i, 1..=i.min(3))).collect::<Vec<_>>();
        let outcomes = prop::collection::vec(0u8..6, 64);
        (kinds, parents, outcomes).prop_map(|(kinds, parents, outcomes)| Shape {
            kinds,
            parents: std::iter::once(Vec::new()).chain(parents.into_iter().map(|p| p.into_iter().collect())).collect(),
            outcomes,
        })
    })
}

/// Node 0 is the trigger; node i >= 1 has the given kind. Each foreach loops over one action
/// node of its own (`<i>b`), so that loops are exercised without breaking the DAG.
fn build(shape: &Shape) -> Value {
    let n = shape.kinds.len();
    let mut children: Vec<Vec<String>> = vec![Vec::new(); n];
    for (child, parents) in shape.parents.iter().enumerate() {
        for &p in parents {
            children[p].push(child.to_string());
        }
    }
    let mut nodes = serde_json::Map::new();
    nodes.insert("0".into(), trigger_node(&children[0].iter().map(String::as_str).collect::<Vec<_>>()));
    for (i, targets) in children.iter().enumerate().skip(1) {
        let next: Vec<&str> = targets.iter().map(String::as_str).collect();
        let node = match shape.kinds[i] {
            Kind::Action => {
                let mut node = echo_node(json!({"n": i}), &next);
                node["retry"] = json!({"max_attempts": 2, "initial_backoff_ms": 10});
                node["continue_on_error"] = json!(i % 5 == 0);
                node
            }
            Kind::Any => json!({"name": "Any", "type": "operator", "subtype": "any", "outputs": {"default": next}}),
            Kind::All => json!({"name": "All", "type": "operator", "subtype": "all", "outputs": {"default": next}}),
            Kind::Condition => json!({"name": "If", "type": "operator", "subtype": "condition",
                "cases": [{"name": "odd", "left": "{{ node.0.seed % 2 }}", "comparison": "==", "right": "{{ 1 }}"}],
                "outputs": {"odd": next, "else": if i % 2 == 0 { next.clone() } else { vec![] }}}),
            Kind::Foreach => {
                let body = format!("{i}b");
                let mut action = echo_node(json!({"n": format!("{{{{ node['{i}'].default.value }}}}")}), &[]);
                action["retry"] = json!({"max_attempts": 2, "initial_backoff_ms": 10});
                nodes.insert(body.clone(), action);
                json!({"name": "Each", "type": "operator", "subtype": "foreach", "items": "{{ [1, 2, 3] }}", "concurrency": 2,
                       "loop": [body], "outputs": {"default": next}})
            }
        };
        nodes.insert(i.to_string(), node);
    }
    Value::Object(nodes)
}

fn outcome(code: u8) -> ActionOutcome {
    match code {
        0 => err(FailureKind::Action, "refused"),
        1 => err(FailureKind::Transient, "reset"),
        _ => ok(json!({"ok": code})),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn runs_terminate_and_respect_their_invariants(shape in shape(), seed in 0u8..2) {
        let nodes = build(&shape);
        let plan = plan(nodes.clone());
        let mut calls = 0usize;
        let driver = run_answering(&plan, json!({"seed": seed}), |_| {
            calls += 1;
            assert!(calls < 500, "the run keeps asking for actions");
            outcome(shape.outcomes[calls % shape.outcomes.len()])
        });

        // Every run ends.
        prop_assert!(driver.run.status().is_final());
        prop_assert!(driver.run.instances().iter().all(|i| i.status.is_final()));

        // No instance runs twice without a retry: attempts go 1, 2, ... once each.
        let mut attempts: HashMap<usize, Vec<u32>> = HashMap::new();
        for call in &driver.calls {
            attempts.entry(call.instance).or_default().push(call.attempt);
        }
        for seen in attempts.values() {
            prop_assert_eq!(seen.clone(), (1..=seen.len() as u32).collect::<Vec<_>>());
            prop_assert!(seen.len() <= 2);
        }

        // A failed node never lets its successors run, and the run fails with it.
        let report = driver.run.report(&plan);
        // (An `any` join that had already started from another branch is not a successor of the
        // failure: only starts at or after the failure's time count.)
        let started: HashMap<(String, Vec<usize>), i64> = report.nodes.iter()
            .filter_map(|n| Some(((n.node_id.clone(), n.iteration.clone()), n.started_at_ms?)))
            .collect();
        let mut hard_failure = false;
        for node in report.nodes.iter().filter(|n| n.status == NodeStatus::Failed) {
            let continues = nodes[&node.node_id]["continue_on_error"] == json!(true);
            hard_failure |= !continues;
            if continues { continue; }
            for successor in nodes[&node.node_id]["outputs"].as_object().unwrap().values().flat_map(|v| v.as_array().unwrap()) {
                let key = (successor.as_str().unwrap().to_string(), node.iteration.clone());
                let failed_at = node.ended_at_ms.unwrap_or_default();
                prop_assert!(started.get(&key).is_none_or(|&at| at < failed_at), "{:?} ran after failed {}", key, node.node_id);
            }
        }
        prop_assert_eq!(driver.run.status() == RunStatus::Failed, hard_failure);
    }
}
