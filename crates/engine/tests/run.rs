#![allow(clippy::unwrap_used)] // a test fails by panicking

mod common;

use common::*;
use riposte_engine::{Effect, Event, FailureKind, Run};
use riposte_model::RunStatus;
use serde_json::json;

fn echo_answer(call: &riposte_engine::ActionCall) -> riposte_engine::ActionOutcome {
    ok(call.arguments.clone())
}

#[test]
fn a_chain_renders_each_node_from_earlier_outputs() {
    let plan = plan(json!({
        "0": trigger_node(&["1"]),
        "1": echo_node(json!({"n": "{{ node.0.count }}"}), &["2"]),
        "2": echo_node(json!({"body": {"total": "{{ node.1.n + 1 }}", "label": "run {{ node['0'].name }}"}}), &[]),
    }));
    let driver = run_answering(&plan, json!({"count": 41, "name": "x"}), echo_answer);
    assert_eq!(driver.run.status(), RunStatus::Succeeded);
    assert_eq!(driver.calls_to("2")[0].arguments, json!({"body": {"total": 42, "label": "run x"}}));
    assert_eq!(driver.status_of(&plan, "2"), vec!["succeeded"]);
}

#[test]
fn a_run_starts_from_one_of_several_triggers_and_skips_the_others() {
    let plan = plan(json!({
        "0": trigger_node(&["1", "3"]),
        "5": trigger_node(&["1"]),
        "1": echo_node(json!({"from_manual": "{{ node.5.who }}", "alert_seen": "{{ node.0 is defined }}"}), &["2"]),
        "2": echo_node(json!({"n": 2}), &[]),
        "3": echo_node(json!({"only_after_the_alert": true}), &[]),
    }));
    let driver = run_answering_from(&plan, Some("5"), json!({"who": "analyst"}), echo_answer);
    assert_eq!(driver.run.status(), RunStatus::Succeeded);
    assert_eq!(driver.calls_to("1")[0].arguments, json!({"from_manual": "analyst", "alert_seen": false}));
    assert_eq!(driver.calls_to("2").len(), 1, "the join does not wait for the trigger that did not fire");
    assert_eq!(driver.status_of(&plan, "0"), vec!["skipped"]);
    assert_eq!(driver.status_of(&plan, "3"), vec!["skipped"], "what only the other trigger leads to is skipped");

    let from_first = run_answering(&plan, json!({"rule": "r"}), echo_answer);
    assert_eq!(from_first.status_of(&plan, "5"), vec!["skipped"]);
    assert_eq!(from_first.calls_to("3").len(), 1);
}

#[test]
fn a_restarted_run_starts_again_from_the_trigger_it_started_from() {
    let plan = plan(json!({
        "0": trigger_node(&["1"]),
        "5": trigger_node(&["1"]),
        "1": echo_node(json!({"who": "{{ node.5.who }}"}), &[]),
    }));
    let mut failing = true;
    let mut driver = run_answering_from(&plan, Some("5"), json!({"who": "analyst"}), |_| {
        if std::mem::take(&mut failing) { err(FailureKind::Action, "down") } else { ok(json!({})) }
    });
    assert_eq!(driver.run.status(), RunStatus::Failed);
    let effects = driver.run.handle(&plan, Event::RestartFailed, 10);
    let again = effects.iter().find_map(|e| match e {
        Effect::Execute(call) => Some(call.clone()),
        _ => None,
    });
    assert_eq!(again.expect("node 1 runs again").arguments, json!({"who": "analyst"}));
}

#[test]
fn parallel_branches_run_concurrently_and_join_waits_for_all() {
    let plan = plan(json!({
        "0": trigger_node(&["1", "2"]),
        "1": echo_node(json!({"n": 1}), &["3"]),
        "2": echo_node(json!({"n": 2}), &["3"]),
        "3": echo_node(json!({"body": {"a": "{{ node.1.n }}", "b": "{{ node.2.n }}"}}), &[]),
    }));
    let driver = run_answering(&plan, json!({}), echo_answer);
    assert_eq!(driver.max_in_flight, 2, "both branches are in flight together");
    assert_eq!(driver.calls_to("3").len(), 1);
    assert_eq!(driver.calls_to("3")[0].arguments, json!({"body": {"a": 1, "b": 2}}));
}

#[test]
fn any_join_goes_on_after_the_first_branch_and_runs_once() {
    let plan = plan(json!({
        "0": trigger_node(&["1", "2"]),
        "1": echo_node(json!({"n": 1}), &["4"]),
        "2": echo_node(json!({"n": 2}), &["4"]),
        "4": {"name": "Any", "type": "operator", "subtype": "any", "outputs": {"default": ["5"]}},
        "5": echo_node(json!({"n": 5}), &[]),
    }));
    let driver = run_answering(&plan, json!({}), echo_answer);
    let order: Vec<&str> = driver.calls.iter().map(|c| c.node_id.as_str()).collect();
    assert_eq!(order, vec!["1", "2", "5"]);
    // Node 5 was started as soon as node 1 finished, before node 2's answer.
    let (run, effects) = Run::start(&plan, "r", json!({}), 0);
    let first = match &effects[0] {
        Effect::Execute(c) => c.clone(),
        other => panic!("{other:?}"),
    };
    let mut run = run;
    let next =
        run.handle(&plan, Event::ActionFinished { instance: first.instance, attempt: 1, outcome: ok(json!({})) }, 1);
    assert!(matches!(&next[0], Effect::Execute(c) if c.node_id == "5"), "{next:?}");
    assert_eq!(driver.status_of(&plan, "4"), vec!["succeeded"]);
}

#[test]
fn all_join_operator_waits_for_every_branch_that_can_arrive() {
    let plan = plan(json!({
        "0": trigger_node(&["1", "2"]),
        "1": echo_node(json!({"n": 1}), &["4"]),
        "2": {"name": "If", "type": "operator", "subtype": "condition",
              "cases": [{"name": "never", "left": "{{ 1 }}", "comparison": "==", "right": "{{ 2 }}"}],
              "outputs": {"never": ["3"], "else": []}},
        "3": echo_node(json!({"n": 3}), &["4"]),
        "4": {"name": "All", "type": "operator", "subtype": "all", "outputs": {"default": ["5"]}},
        "5": echo_node(json!({"n": 5}), &[]),
    }));
    let driver = run_answering(&plan, json!({}), echo_answer);
    assert_eq!(driver.status_of(&plan, "3"), vec!["skipped"]);
    assert_eq!(driver.calls_to("5").len(), 1, "a branch that cannot arrive does not block the join");
    assert_eq!(driver.run.status(), RunStatus::Succeeded);
}

#[test]
fn condition_takes_the_first_matching_case_or_else() {
    let nodes = |urgency: i64| {
        json!({
            "0": trigger_node(&["1"]),
            "1": {"name": "Cond", "type": "operator", "subtype": "condition", "cases": [
                {"name": "critical", "left": "{{ node.0.urgency }}", "comparison": "range", "right": "[{{ 80 }}, {{ 100 }}]"},
                {"name": "high", "left": "{{ node.0.urgency }}", "comparison": ">=", "right": "{{ 50 }}"},
                {"name": "also high", "left": "{{ node.0.urgency }}", "comparison": ">=", "right": "50", "value_type": "integer"}
            ], "outputs": {"critical": ["2"], "high": ["3"], "also high": ["4"], "else": ["5"]}},
            "2": echo_node(json!({"n": 2}), &[]),
            "3": echo_node(json!({"n": 3}), &[]),
            "4": echo_node(json!({"n": 4}), &[]),
            "5": echo_node(json!({"n": 5}), &[]),
            "_": urgency
        })
    };
    for (urgency, expected) in [(90, "2"), (60, "3"), (10, "5")] {
        let mut n = nodes(urgency);
        n.as_object_mut().unwrap().remove("_");
        let plan = plan(n);
        let driver = run_answering(&plan, json!({"urgency": urgency}), echo_answer);
        let ran: Vec<&str> = driver.calls.iter().map(|c| c.node_id.as_str()).collect();
        assert_eq!(ran, vec![expected], "urgency {urgency}");
        assert_eq!(driver.run.status(), RunStatus::Succeeded);
    }
}

#[test]
fn action_outputs_choose_the_branch() {
    let plan = plan(json!({
        "0": trigger_node(&["1"]),
        "1": {"name": "Scan", "type": "action", "module_uuid": MODULE, "action_uuid": SCAN, "arguments": {"url": "https://x.example", "token": "{{ node.0.token }}"},
              "outputs": {"detected": ["2"], "not detected": ["3"]}},
        "2": echo_node(json!({"n": 2}), &[]),
        "3": echo_node(json!({"n": 3}), &[]),
    }));
    let driver = run_answering(&plan, json!({"token": "s3cret"}), |call| {
        if call.node_id == "1" {
            riposte_engine::ActionOutcome {
                results: Some(json!({})),
                outputs: vec!["not detected".into()],
                ..Default::default()
            }
        } else {
            ok(json!({}))
        }
    });
    assert_eq!(driver.calls_to("3").len(), 1);
    assert!(driver.calls_to("2").is_empty());
    assert_eq!(driver.calls_to("1")[0].arguments["token"], "s3cret", "the action gets the secret");
    let report = driver.run.report(&plan);
    assert_eq!(
        report.nodes[1].arguments.as_ref().unwrap()["token"],
        riposte_engine::REDACTED,
        "secret arguments never show"
    );
    assert_eq!(driver.status_of(&plan, "2"), vec!["skipped"]);
}

#[test]
fn foreach_runs_the_body_per_item_within_the_concurrency_limit_then_default() {
    let plan = plan(json!({
        "0": trigger_node(&["1"]),
        "1": {"name": "Each", "type": "operator", "subtype": "foreach", "items": "{{ node.0.hosts }}", "concurrency": 2,
              "loop": ["2"], "outputs": {"default": ["4"]}},
        "2": echo_node(json!({"body": {"host": "{{ node.1.default.value }}", "i": "{{ node.1.default.index }}", "of": "{{ node.1.default.total }}"}}), &["3"]),
        "3": {"name": "Keep", "type": "operator", "subtype": "store", "modifications": [{"key": "seen", "type": "append", "value": "{{ node.2.body.host }}"}], "outputs": {"default": []}},
        "4": echo_node(json!({"body": {"seen": "{{ store.seen }}", "total": "{{ node.1.total }}"}}), &[]),
    }));
    let driver = run_answering(&plan, json!({"hosts": ["a", "b", "c"]}), echo_answer);
    assert_eq!(driver.run.status(), RunStatus::Succeeded);
    let bodies: Vec<_> = driver.calls_to("2").iter().map(|c| c.arguments["body"].clone()).collect();
    assert_eq!(
        bodies,
        vec![
            json!({"host": "a", "i": 0, "of": 3}),
            json!({"host": "b", "i": 1, "of": 3}),
            json!({"host": "c", "i": 2, "of": 3})
        ]
    );
    assert_eq!(driver.max_in_flight, 2);
    assert_eq!(driver.calls_to("4")[0].arguments["body"], json!({"seen": ["a", "b", "c"], "total": 3}));
    assert_eq!(driver.calls_to("2")[1].idempotency_key, "run-1:2[1]");
    let report = driver.run.report(&plan);
    let iterations: Vec<_> = report.nodes.iter().filter(|n| n.node_id == "2").map(|n| n.iteration.clone()).collect();
    assert_eq!(iterations, vec![vec![0], vec![1], vec![2]]);
}

#[test]
fn foreach_over_nothing_goes_straight_to_default_and_nested_loops_work() {
    let plan = plan(json!({
        "0": trigger_node(&["1"]),
        "1": {"name": "Outer", "type": "operator", "subtype": "foreach", "items": "{{ node.0.groups }}", "loop": ["2"], "outputs": {"default": ["9"]}},
        "2": {"name": "Inner", "type": "operator", "subtype": "foreach", "items": "{{ node.1.default.value }}", "loop": ["3"], "outputs": {"default": []}},
        "3": echo_node(json!({"body": {"v": "{{ node.2.default.value }}", "outer": "{{ node.1.default.index }}"}}), &[]),
        "9": echo_node(json!({"n": 9}), &[]),
    }));
    let driver = run_answering(&plan, json!({"groups": [[1, 2], [], [3]]}), echo_answer);
    assert_eq!(driver.run.status(), RunStatus::Succeeded);
    let bodies: Vec<_> = driver.calls_to("3").iter().map(|c| c.arguments["body"].clone()).collect();
    assert_eq!(bodies, vec![json!({"v": 1, "outer": 0}), json!({"v": 2, "outer": 0}), json!({"v": 3, "outer": 2})]);
    assert_eq!(driver.calls_to("9").len(), 1);
    let empty = run_answering(&plan, json!({"groups": []}), echo_answer);
    assert_eq!(empty.calls.iter().map(|c| c.node_id.as_str()).collect::<Vec<_>>(), vec!["9"]);
}

#[test]
fn store_sets_unsets_appends_and_removes() {
    let plan = plan(json!({
        "0": trigger_node(&["1"]),
        "1": {"name": "Store", "type": "operator", "subtype": "store", "modifications": [
            {"key": "a", "type": "set", "value": "{{ node.0.x }}"},
            {"key": "tags", "type": "set", "value": "['x', 'y']"},
            {"key": "list", "type": "append", "value": 1},
            {"key": "list", "type": "append", "value": 2},
            {"key": "list", "type": "remove", "value": 1},
            {"key": "gone", "type": "set", "value": true},
            {"key": "gone", "type": "unset"}
        ], "outputs": {"default": ["2"]}},
        "2": echo_node(json!({"body": "{{ store }}"}), &[]),
    }));
    let driver = run_answering(&plan, json!({"x": {"deep": [1]}}), echo_answer);
    assert_eq!(
        driver.calls_to("2")[0].arguments["body"],
        json!({"a": {"deep": [1]}, "tags": "['x', 'y']", "list": [2]})
    );
}

#[test]
fn a_failed_action_stops_its_successors_and_fails_the_run_while_other_branches_finish() {
    let plan = plan(json!({
        "0": trigger_node(&["1", "3"]),
        "1": echo_node(json!({"n": 1}), &["2"]),
        "2": echo_node(json!({"n": 2}), &[]),
        "3": echo_node(json!({"n": 3}), &[]),
    }));
    let driver = run_answering(&plan, json!({}), |call| {
        if call.node_id == "1" { err(FailureKind::Action, "boom") } else { ok(json!({})) }
    });
    assert_eq!(driver.run.status(), RunStatus::Failed);
    assert_eq!(driver.status_of(&plan, "1"), vec!["failed"]);
    assert_eq!(driver.status_of(&plan, "2"), vec!["skipped"]);
    assert_eq!(driver.status_of(&plan, "3"), vec!["succeeded"]);
    assert_eq!(driver.run.report(&plan).nodes[1].error.as_deref(), Some("boom"));
}

#[test]
fn continue_on_error_lets_successors_run_and_the_run_succeed() {
    let mut nodes = json!({
        "0": trigger_node(&["1"]),
        "1": echo_node(json!({"n": 1}), &["2"]),
        "2": echo_node(json!({"body": {"prev": "{{ node.1.partial }}"}}), &[]),
    });
    nodes["1"]["continue_on_error"] = json!(true);
    let plan = plan(nodes);
    let driver = run_answering(&plan, json!({}), |call| {
        if call.node_id == "1" {
            riposte_engine::ActionOutcome {
                results: Some(json!({"partial": 7})),
                ..err(FailureKind::Action, "HTTP Request failed")
            }
        } else {
            ok(call.arguments.clone())
        }
    });
    assert_eq!(driver.run.status(), RunStatus::Succeeded);
    assert_eq!(driver.status_of(&plan, "1"), vec!["failed"]);
    assert_eq!(driver.calls_to("2")[0].arguments["body"], json!({"prev": 7}));
}

#[test]
fn transient_failures_are_retried_with_exponential_backoff() {
    let mut nodes = json!({"0": trigger_node(&["1"]), "1": echo_node(json!({"n": 1}), &[])});
    nodes["1"]["retry"] = json!({"max_attempts": 4, "initial_backoff_ms": 100, "multiplier": 3.0, "jitter": 0.0});
    let plan = plan(nodes);
    let mut failures = 0;
    let driver = run_answering(&plan, json!({}), |_| {
        failures += 1;
        if failures < 4 { err(FailureKind::Transient, "connection reset") } else { ok(json!({"done": true})) }
    });
    assert_eq!(driver.run.status(), RunStatus::Succeeded);
    assert_eq!(driver.waits, vec![100, 300, 900]);
    let attempts: Vec<u32> = driver.calls.iter().map(|c| c.attempt).collect();
    assert_eq!(attempts, vec![1, 2, 3, 4]);
    let keys: std::collections::HashSet<_> = driver.calls.iter().map(|c| c.idempotency_key.clone()).collect();
    assert_eq!(keys.len(), 1, "every attempt carries the same idempotency key");
    assert_eq!(driver.run.report(&plan).nodes[1].attempts, 4);
}

#[test]
fn retries_stop_at_max_attempts_and_skip_errors_not_listed() {
    let plan = plan(json!({"0": trigger_node(&["1"]), "1": echo_node(json!({"n": 1}), &[])}));
    let driver = run_answering(&plan, json!({}), |_| err(FailureKind::Timeout, "timed out after 300s"));
    assert_eq!(driver.calls.len(), 3, "default policy: 3 attempts");
    assert_eq!(driver.run.status(), RunStatus::Failed);
    assert_eq!(driver.waits.len(), 2);
    assert!(driver.waits[0] <= 1000 && driver.waits[0] >= 500, "jittered first delay {:?}", driver.waits);
    let driver = run_answering(&plan, json!({}), |_| err(FailureKind::Action, "bad input"));
    assert_eq!(driver.calls.len(), 1, "an action's own error is not retried by default");
    let driver = run_answering(&plan, json!({}), |_| err(FailureKind::Fatal, "unknown module"));
    assert_eq!(driver.calls.len(), 1);
}

#[test]
fn cancellation_aborts_running_actions_and_ignores_late_answers() {
    let plan = plan(json!({
        "0": trigger_node(&["1", "2"]),
        "1": echo_node(json!({"n": 1}), &["3"]),
        "2": echo_node(json!({"n": 2}), &[]),
        "3": echo_node(json!({"n": 3}), &[]),
    }));
    let (mut run, effects) = Run::start(&plan, "r", json!({}), 0);
    assert_eq!(effects.len(), 2);
    let effects = run.handle(&plan, Event::Cancel, 5);
    let aborted = effects.iter().filter(|e| matches!(e, Effect::Abort { .. })).count();
    assert_eq!(aborted, 2);
    assert!(effects.contains(&Effect::Finished { status: RunStatus::Cancelled }));
    let late = run.handle(&plan, Event::ActionFinished { instance: 1, attempt: 1, outcome: ok(json!({})) }, 6);
    assert!(late.is_empty());
    assert_eq!(run.status(), RunStatus::Cancelled);
    let report = run.report(&plan);
    assert!(report.nodes[1..].iter().all(|n| n.status == riposte_model::NodeStatus::Cancelled), "{report:#?}");
}

#[test]
fn stale_answers_and_template_errors() {
    let plan =
        plan(json!({"0": trigger_node(&["1"]), "1": echo_node(json!({"n": "{{ node.0.missing.deeper }}"}), &[])}));
    let driver = run_answering(&plan, json!({}), echo_answer);
    assert_eq!(driver.run.status(), RunStatus::Failed);
    let error = driver.run.report(&plan).nodes[1].error.clone().unwrap();
    assert!(error.contains("cannot render the arguments") && error.contains("node.0.missing.deeper"), "{error}");

    let simple = common::plan(json!({"0": trigger_node(&["1"]), "1": echo_node(json!({"n": 1}), &[])}));
    let (mut run, _) = Run::start(&simple, "r", json!({}), 0);
    let stale = run.handle(&simple, Event::ActionFinished { instance: 1, attempt: 7, outcome: ok(json!({})) }, 1);
    assert!(stale.is_empty());
    assert_eq!(run.status(), RunStatus::Running);
}

#[test]
fn a_failing_iteration_fails_the_foreach() {
    let plan = plan(json!({
        "0": trigger_node(&["1"]),
        "1": {"name": "Each", "type": "operator", "subtype": "foreach", "items": "{{ [1, 2, 3, 4] }}", "concurrency": 1, "loop": ["2"], "outputs": {"default": ["3"]}},
        "2": echo_node(json!({"n": "{{ node.1.default.value }}"}), &[]),
        "3": echo_node(json!({"n": 0}), &[]),
    }));
    let driver = run_answering(&plan, json!({}), |call| {
        if call.arguments["n"] == json!(2) { err(FailureKind::Action, "no") } else { ok(json!({})) }
    });
    assert_eq!(driver.run.status(), RunStatus::Failed);
    assert_eq!(driver.calls_to("2").len(), 2, "no new iteration starts after a failure");
    assert_eq!(driver.status_of(&plan, "1"), vec!["failed"]);
    assert_eq!(driver.status_of(&plan, "3"), vec!["skipped"]);
}

#[test]
fn a_run_replays_from_its_events_and_resumes_what_was_in_flight() {
    let mut nodes = json!({
        "0": trigger_node(&["1", "2"]),
        "1": echo_node(json!({"n": 1}), &["3"]),
        "2": echo_node(json!({"n": 2}), &[]),
        "3": echo_node(json!({"n": "{{ node.1.n }}"}), &[]),
    });
    nodes["2"]["retry"] = json!({"max_attempts": 2, "initial_backoff_ms": 5000});
    let plan = plan(nodes);
    let (mut live, effects) = Run::start(&plan, "r", json!({}), 0);
    let calls: Vec<_> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::Execute(c) => Some(c.clone()),
            _ => None,
        })
        .collect();
    let log = vec![
        (1, Event::ActionFinished { instance: calls[0].instance, attempt: 1, outcome: ok(json!({"n": 1})) }),
        (
            2,
            Event::ActionFinished {
                instance: calls[1].instance,
                attempt: 1,
                outcome: err(FailureKind::Transient, "reset"),
            },
        ),
    ];
    for (at, event) in &log {
        live.handle(&plan, event.clone(), *at);
    }
    // The log survives a serialisation round trip and rebuilds the same run.
    let stored: Vec<(i64, Event)> = serde_json::from_str(&serde_json::to_string(&log).unwrap()).unwrap();
    let (mut replayed, _) = Run::start(&plan, "r", json!({}), 0);
    for (at, event) in stored {
        replayed.handle(&plan, event, at);
    }
    assert_eq!(
        serde_json::to_value(replayed.report(&plan)).unwrap(),
        serde_json::to_value(live.report(&plan)).unwrap()
    );
    // Node 3 was called and node 2 waits for its retry: both resume.
    let resumed = replayed.resume(&plan);
    assert_eq!(resumed.len(), 2, "{resumed:?}");
    assert!(resumed.iter().any(
        |e| matches!(e, Effect::Execute(c) if c.node_id == "3" && c.attempt == 1 && c.arguments == json!({"n": 1}))
    ));
    assert!(resumed.iter().any(|e| matches!(e, Effect::Wake { attempt: 2, after_ms: 0, .. })));
}

#[test]
fn restarting_a_failed_run_reruns_only_what_did_not_succeed() {
    let plan = plan(json!({
        "0": trigger_node(&["1"]),
        "1": echo_node(json!({"n": 1}), &["2"]),
        "2": echo_node(json!({"n": "{{ node.1.got }}"}), &["3"]),
        "3": echo_node(json!({"n": "{{ node.2.got + 1 }}"}), &[]),
    }));
    let mut fail_node_2 = true;
    let mut driver = run_answering(&plan, json!({}), |call| match call.node_id.as_str() {
        "1" => ok(json!({"got": 10})),
        "2" if fail_node_2 => {
            fail_node_2 = false;
            err(FailureKind::Action, "refused")
        }
        _ => ok(json!({"got": call.arguments["n"]})),
    });
    assert_eq!(driver.run.status(), RunStatus::Failed);
    assert!(driver.run.handle(&plan, Event::Cancel, 50).is_empty(), "a finished run ignores other events");

    let effects = driver.run.handle(&plan, Event::RestartFailed, 100);
    assert_eq!(driver.run.status(), RunStatus::Running);
    let calls: Vec<_> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::Execute(c) => Some(c.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(calls.len(), 1);
    assert_eq!(
        (calls[0].node_id.as_str(), &calls[0].arguments),
        ("2", &json!({"n": 10})),
        "node 1's results are reused"
    );
    let next = driver.run.handle(
        &plan,
        Event::ActionFinished { instance: calls[0].instance, attempt: 1, outcome: ok(json!({"got": 10})) },
        101,
    );
    let call = next
        .iter()
        .find_map(|e| match e {
            Effect::Execute(c) => Some(c.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!((call.node_id.as_str(), &call.arguments), ("3", &json!({"n": 11})));
    driver.run.handle(
        &plan,
        Event::ActionFinished { instance: call.instance, attempt: 1, outcome: ok(json!({})) },
        102,
    );
    assert_eq!(driver.run.status(), RunStatus::Succeeded);
    let report = driver.run.report(&plan);
    assert_eq!(report.started_at_ms, 0, "the run keeps its start");
    assert!(report.nodes.iter().all(|n| n.status == riposte_model::NodeStatus::Succeeded));
}

#[test]
fn a_foreach_over_too_many_items_fails_and_says_the_limit() {
    let plan = plan(json!({
        "0": trigger_node(&["1"]),
        "1": {"name": "Each", "type": "operator", "subtype": "foreach", "items": "{{ node.0.ids }}", "loop": ["2"], "outputs": {"default": []}},
        "2": echo_node(json!({"n": "{{ node.1.default.value }}"}), &[]),
    }));
    let driver = run_answering(&plan, json!({"ids": vec![0; 200_000]}), echo_answer);
    assert_eq!(driver.run.status(), RunStatus::Failed);
    assert!(driver.calls.is_empty());
    let report = driver.run.report(&plan);
    let error = report.nodes.iter().find(|n| n.node_id == "1").unwrap().error.clone().unwrap();
    assert!(error.contains("at most 10000 items") && error.contains("200000"), "{error}");
    assert!(error.contains("raise the node's `max_items` (up to 100000)"), "{error}");

    let plan = common::plan(json!({
        "0": trigger_node(&["1"]),
        "1": {"name": "Each", "type": "operator", "subtype": "foreach", "items": "{{ node.0.ids }}", "max_items": 20000,
              "concurrency": 1000, "loop": ["2"], "outputs": {"default": []}},
        "2": echo_node(json!({"n": "{{ node.1.default.value }}"}), &[]),
    }));
    let driver = run_answering(&plan, json!({"ids": vec![0; 20_000]}), echo_answer);
    assert_eq!((driver.run.status(), driver.calls.len()), (RunStatus::Succeeded, 20_000), "a node may raise its limit");
}

#[test]
fn a_run_in_progress_tells_pending_blocks_from_skipped_ones() {
    let plan = plan(json!({
        "0": trigger_node(&["1"]),
        "1": {"name": "Cond", "type": "operator", "subtype": "condition", "cases": [
            {"name": "high", "left": "{{ node.0.urgency }}", "comparison": ">=", "right": "{{ 50 }}"}
        ], "outputs": {"high": ["2"], "else": ["4"]}},
        "2": echo_node(json!({"n": 2}), &["3"]),
        "3": echo_node(json!({"n": 3}), &[]),
        "4": echo_node(json!({"n": 4}), &["5"]),
        "5": echo_node(json!({"n": 5}), &[]),
    }));
    let status = |run: &Run, id: &str| {
        let report = run.report(&plan);
        report.nodes.iter().find(|n| n.node_id == id).map(|n| n.status).unwrap()
    };
    use riposte_model::NodeStatus::*;
    let called = |effects: &[Effect]| match effects {
        [Effect::Execute(call)] => call.instance,
        other => panic!("one action expected: {other:?}"),
    };
    let (mut run, effects) = Run::start(&plan, "r", json!({"urgency": 90}), 0);
    assert_eq!(status(&run, "2"), Running);
    assert_eq!(status(&run, "3"), Pending, "not reached yet: it may still run");
    assert_eq!(status(&run, "4"), Skipped, "the branch not taken is known");
    assert_eq!(status(&run, "5"), Skipped, "and what only it leads to");
    let effects =
        run.handle(&plan, Event::ActionFinished { instance: called(&effects), attempt: 1, outcome: ok(json!({})) }, 1);
    assert_eq!(status(&run, "3"), Running);
    run.handle(&plan, Event::ActionFinished { instance: called(&effects), attempt: 1, outcome: ok(json!({})) }, 2);
    assert_eq!(run.status(), RunStatus::Succeeded);
    assert_eq!((status(&run, "3"), status(&run, "5")), (Succeeded, Skipped));
}
