use std::sync::Arc;
use std::sync::atomic::AtomicU32;
use std::time::Duration;

use riposte_model::{NodeStatus, RunStatus};
use serde_json::json;
use tokio_util::sync::CancellationToken;

use crate::testing::*;

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
