use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use riposte_model::{NodeStatus, RunStatus};
use riposte_store::{NewPlaybook, NewRun, Store};
use riposte_store_memory::MemoryStore;
use serde_json::json;
use tokio_util::sync::CancellationToken;

use crate::testing::*;
use crate::{Configurations, DurableRunner, Executor};

fn durable(store: Arc<dyn Store>, gate: Gate, count: Count) -> DurableRunner {
    let registry = registry(Default::default(), gate, count);
    DurableRunner::new(store, Executor::new(Arc::new(registry), Arc::new(Configurations::new())))
}

/// Stores `definition` as playbook `pb` and one pending run of it, `run-1`.
async fn store_run(store: &dyn Store, definition: serde_json::Value) -> String {
    store.create_playbook(&NewPlaybook { uuid: "pb".into(), name: "p".into(), definition, now: 0 }).await.unwrap();
    let run = NewRun {
        uuid: "run-1".into(),
        playbook_uuid: "pb".into(),
        playbook_version: 1,
        name: "test".into(),
        trigger_event: json!({}),
        trigger_node: None,
        alert: None,
        created_at: 0,
    };
    store.insert_runs(&[run]).await.unwrap();
    "run-1".into()
}

/// Trigger -> a1 (Count) -> b2 (Gate) -> b3 (Count).
fn count_gate_count(catalogue: &riposte_model::Catalogue) -> serde_json::Value {
    let next = |ids: &[&str]| json!({"outputs": {"default": ids}});
    playbook_json(json!({
        "a1": node(catalogue, "Count", next(&["b2"])),
        "b2": node(catalogue, "Gate", next(&["b3"])),
        "b3": node(catalogue, "Count", next(&[])),
    }))
}

#[tokio::test]
async fn a_run_cut_off_mid_action_resumes_without_repeating_finished_nodes() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let (gate, count) = (Gate::default(), Count::default());
    let first = durable(store.clone(), gate.clone(), count.clone());
    let uuid = store_run(store.as_ref(), count_gate_count(&first.executor_catalogue())).await;

    // Drive until the gate is entered, then drop everything, as a crash would.
    let driving = {
        let uuid = uuid.clone();
        tokio::spawn(async move { first.drive_run(&uuid, CancellationToken::new()).await })
    };
    tokio::time::timeout(Duration::from_secs(10), gate.first_call.notified()).await.expect("the gate is reached");
    driving.abort();
    let _ = driving.await;
    let midway = store.get_run(&uuid).await.unwrap().unwrap();
    assert_eq!(midway.status, RunStatus::Running);

    // A new runner on the same database finishes the run.
    let second = durable(store.clone(), gate.clone(), count.clone());
    let status = second.drive_run(&uuid, CancellationToken::new()).await.unwrap();
    assert_eq!(status, RunStatus::Succeeded);
    assert_eq!(count.0.load(Ordering::SeqCst), 2, "a1 ran once, b3 once: nothing finished ran again");
    let calls = gate.calls.lock().unwrap().clone();
    assert_eq!(
        calls,
        vec!["run-1:b2".to_string(), "run-1:b2".to_string()],
        "the interrupted call ran again with the same key"
    );

    let stored = store.get_run(&uuid).await.unwrap().unwrap();
    assert_eq!(stored.status, RunStatus::Succeeded);
    assert!(stored.nodes.iter().all(|n| n.status == NodeStatus::Succeeded), "{:#?}", stored.nodes);
    assert_eq!(stored.journal_len, store.run_events(&uuid).await.unwrap().len() as i64);
    assert_eq!(
        second.drive_run(&uuid, CancellationToken::new()).await.unwrap(),
        RunStatus::Succeeded,
        "a finished run stays finished"
    );
}

#[tokio::test]
async fn a_run_whose_playbook_no_longer_validates_fails_with_the_reason() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let uuid = store_run(store.as_ref(), json!({"name": "p", "nodes": {}})).await;
    let runner = durable(store.clone(), Gate::default(), Count::default());
    assert_eq!(runner.drive_run(&uuid, CancellationToken::new()).await.unwrap(), RunStatus::Failed);
    let stored = store.get_run(&uuid).await.unwrap().unwrap();
    assert!(stored.error.unwrap().contains("the playbook has no trigger"));
}

#[tokio::test]
async fn large_outputs_are_kept_apart_and_come_back_on_resume() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let gate = Gate::default();
    let first = durable(store.clone(), gate.clone(), Count::default()).with_max_inline_output(200);
    let catalogue = first.executor_catalogue();
    let next = |ids: &[&str]| json!({"outputs": {"default": ids}});
    let definition = playbook_json(json!({
        "a1": node(&catalogue, "Big", next(&["b2"])),
        "b2": node(&catalogue, "Gate", next(&["b3"])),
        "b3": node(&catalogue, "Sleep", json!({"arguments": {"ms": "{{ node.a1.text | length }}"}, "outputs": {"default": []}})),
    }));
    store_run(store.as_ref(), definition).await;

    let driving = tokio::spawn(async move { first.drive_run("run-1", CancellationToken::new()).await });
    tokio::time::timeout(Duration::from_secs(10), gate.first_call.notified()).await.unwrap();
    driving.abort();
    let _ = driving.await;

    assert!(
        store.run_events("run-1").await.unwrap().iter().all(|e| e.to_string().len() < 500),
        "the big output is not in the run's journal"
    );
    let second = durable(store.clone(), gate, Count::default()).with_max_inline_output(200);
    let midway = second.nodes(&store.get_run("run-1").await.unwrap().unwrap()).await.unwrap();
    let a1 = midway.iter().find(|n| n.node_id == "a1").unwrap();
    assert_eq!(a1.results.as_ref().unwrap()["text"].as_str().map(str::len), Some(1000), "the live account has it");

    assert_eq!(second.drive_run("run-1", CancellationToken::new()).await.unwrap(), RunStatus::Succeeded);
    let done = store.get_run("run-1").await.unwrap().unwrap();
    let b3 = done.nodes.iter().find(|n| n.node_id == "b3").unwrap();
    assert_eq!(b3.results, Some(json!({"slept": 1000})), "the resumed run read the output kept apart");
    let reference =
        riposte_store::OutputRef::of(done.nodes.iter().find(|n| n.node_id == "a1").unwrap().results.as_ref().unwrap());
    assert!(reference.is_some_and(|r| r.bytes > 1000), "nor is it in the run's row");
}
