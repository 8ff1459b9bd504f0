#![allow(clippy::unwrap_used)] // a test fails by panicking

mod common;

use common::*;
use riposte_engine::{Diagnostic, validate};
use serde_json::{Value, json};

fn problems(nodes: Value) -> Vec<Diagnostic> {
    validate(&playbook(nodes), &catalogue())
}

fn has(diags: &[Diagnostic], path: &str, needle: &str) -> bool {
    diags.iter().any(|d| d.path == path && d.message.contains(needle))
}

fn assert_has(diags: &[Diagnostic], path: &str, needle: &str) {
    assert!(has(diags, path, needle), "no diagnostic at {path} containing {needle:?} in:\n{diags:#?}");
}

#[test]
fn a_valid_playbook_has_no_problem() {
    let diags = problems(json!({"0": trigger_node(&["1"]), "1": echo_node(json!({"n": 3}), &[])}));
    assert!(diags.is_empty(), "{diags:#?}");
}

#[test]
fn a_playbook_has_at_least_one_trigger_that_nothing_leads_to() {
    assert_has(&problems(json!({"1": echo_node(json!({}), &[])})), "$.nodes", "no trigger");
    let diags = problems(json!({"0": trigger_node(&["1"]), "5": trigger_node(&["1"]), "1": echo_node(json!({}), &[])}));
    assert!(diags.is_empty(), "several triggers may start the same playbook: {diags:#?}");
    let diags = problems(json!({"0": trigger_node(&["1"]), "1": echo_node(json!({}), &["0"])}));
    assert!(diags.iter().any(|d| d.message.contains("cannot be the target")), "{diags:#?}");
}

#[test]
fn a_trigger_argument_left_empty_is_named_once_as_empty() {
    let feed = |arguments: Value| {
        json!({"name": "Feed", "type": "trigger", "module_uuid": MODULE, "trigger_uuid": FEED_TRIGGER,
               "arguments": arguments, "outputs": {"default": ["1"]}})
    };
    let diags = problems(json!({
        "0": feed(json!({"feed": " ", "interval": null, "tag": ""})),
        "1": echo_node(json!({}), &[]),
    }));
    let found: Vec<(&str, &str)> = diags.iter().map(|d| (d.path.as_str(), d.message.as_str())).collect();
    assert_eq!(
        found,
        vec![
            ("$.nodes[\"0\"].arguments.feed", "required argument `feed` is empty"),
            ("$.nodes[\"0\"].arguments.interval", "required argument `interval` is empty"),
        ],
        "an optional argument may stay empty"
    );
    assert_eq!(diags[0].hint.as_deref(), Some("fill it in: Feed to watch"));
    let missing = problems(json!({"0": feed(json!({"feed": "alerts"})), "1": echo_node(json!({}), &[])}));
    assert_has(&missing, "$.nodes[\"0\"].arguments", "missing required argument `interval`");
    let filled = problems(json!({"0": feed(json!({"feed": "alerts", "interval": 5})), "1": echo_node(json!({}), &[])}));
    assert!(filled.is_empty(), "{filled:#?}");
}

#[test]
fn edges_to_missing_nodes_are_reported_with_their_position() {
    let diags = problems(json!({"0": trigger_node(&["1", "7"]), "1": echo_node(json!({}), &[])}));
    assert_has(&diags, "$.nodes[\"0\"].outputs.default[1]", "node `7`, which does not exist");
}

#[test]
fn cycles_outside_a_foreach_are_rejected() {
    let diags = problems(json!({
        "0": trigger_node(&["1"]), "1": echo_node(json!({}), &["2"]), "2": echo_node(json!({}), &["1"])
    }));
    let cycle = diags.iter().find(|d| d.message.contains("loops")).expect("a cycle diagnostic");
    assert!(cycle.message.contains("1 -> 2 -> 1") || cycle.message.contains("2 -> 1 -> 2"), "{cycle:?}");
    assert!(cycle.hint.as_deref().unwrap_or_default().contains("foreach"));
}

#[test]
fn unknown_modules_and_actions_are_named() {
    let mut unknown_module = echo_node(json!({}), &[]);
    unknown_module["module_uuid"] = json!("11111111-1111-1111-1111-111111111111");
    let mut unknown_action = echo_node(json!({}), &[]);
    unknown_action["action_uuid"] = json!("22222222-2222-2222-2222-222222222222");
    let diags = problems(json!({"0": trigger_node(&["1", "2"]), "1": unknown_module, "2": unknown_action}));
    assert_has(&diags, "$.nodes[\"1\"].module_uuid", "unknown module 11111111");
    assert_has(&diags, "$.nodes[\"2\"].action_uuid", "has no action 22222222");
    let hint = diags.iter().find(|d| d.path.ends_with(".action_uuid")).unwrap().hint.clone().unwrap();
    assert!(hint.contains("Echo") && hint.contains("Scan"), "{hint}");
}

#[test]
fn literal_arguments_are_checked_against_the_action_schema() {
    let scan = |arguments: Value| json!({"name": "Scan", "type": "action", "module_uuid": MODULE, "action_uuid": SCAN, "arguments": arguments, "outputs": {}});
    let diags = problems(json!({
        "0": trigger_node(&["1", "2", "3", "4"]),
        "1": scan(json!({"url": 42})),
        "2": scan(json!({"depth": 0, "url": "https://x.example"})),
        "3": scan(json!({"url": "https://x.example", "colour": "red"})),
        "4": scan(json!({"url": "{{ node.0.url }}", "depth": "{{ node.0.depth }}"})),
    }));
    assert_has(&diags, "$.nodes[\"1\"].arguments.url", "is not of type \"string\"");
    assert_has(&diags, "$.nodes[\"2\"].arguments.depth", "minimum");
    assert_has(&diags, "$.nodes[\"3\"].arguments.colour", "unknown argument `colour`");
    assert!(
        !diags.iter().any(|d| d.node.as_deref() == Some("4")),
        "templates are checked when they render: {diags:#?}"
    );
    let diags = problems(json!({"0": trigger_node(&["1"]), "1": scan(json!({}))}));
    assert_has(&diags, "$.nodes[\"1\"].arguments", "missing required argument `url`");
}

#[test]
fn template_syntax_errors_point_at_the_string() {
    let diags = problems(
        json!({"0": trigger_node(&["1"]), "1": echo_node(json!({"body": {"a": ["ok", "{{ node.0.x "]}}), &[])}),
    );
    assert_has(&diags, "$.nodes[\"1\"].arguments.body.a[1]", "template syntax error at line 1");
}

#[test]
fn templates_may_only_read_nodes_that_ran_before() {
    let diags = problems(json!({
        "0": trigger_node(&["1", "2"]),
        "1": echo_node(json!({"n": "{{ node.2.n }}"}), &["3"]),
        "2": echo_node(json!({"n": "{{ node['3'].n }}"}), &[]),
        "3": echo_node(json!({"n": "{{ node.1.n + node.0.x + node[9] }}"}), &[]),
    }));
    assert_has(&diags, "$.nodes[\"1\"].arguments.n", "node `2` cannot have run before node `1`");
    assert_has(&diags, "$.nodes[\"2\"].arguments.n", "node `3` cannot have run before node `2`");
    assert!(!has(&diags, "$.nodes[\"3\"].arguments.n", "node `1`"), "{diags:#?}");
    assert!(!has(&diags, "$.nodes[\"3\"].arguments.n", "node `9`"), "a missing node is no problem: {diags:#?}");
}

#[test]
fn a_read_of_a_node_the_playbook_lacks_is_a_warning_that_names_it() {
    // Sekoia saves and runs templates that read a node deleted since.
    let checked = riposte_engine::check(
        &playbook(json!({
            "0": trigger_node(&["1"]),
            "1": echo_node(json!({"n": "{{ node.7 | default(0) }}", "body": {"x": "{{ node['8'] }}"}}), &[]),
        })),
        &catalogue(),
    );
    assert!(checked.problems.is_empty(), "{:#?}", checked.problems);
    assert_has(&checked.warnings, "$.nodes[\"1\"].arguments.n", "there is no node `7`");
    assert_has(&checked.warnings, "$.nodes[\"1\"].arguments.body.x", "there is no node `8`");
    assert_eq!(checked.warnings.len(), 2, "{:#?}", checked.warnings);
}

#[test]
fn loop_bodies_are_closed_and_readable_after_the_loop() {
    let diags = problems(json!({
        "0": trigger_node(&["1"]),
        "1": {"name": "Each", "type": "operator", "subtype": "foreach", "items": "{{ node.0.items }}", "loop": ["2"], "outputs": {"default": ["3"]}},
        "2": echo_node(json!({"n": "{{ node.1.default.value }}"}), &[]),
        "3": echo_node(json!({"n": "{{ node.2.n }}"}), &[]),
    }));
    assert!(diags.is_empty(), "{diags:#?}");
    let diags = problems(json!({
        "0": trigger_node(&["1", "4"]),
        "1": {"name": "Each", "type": "operator", "subtype": "foreach", "items": "{{ node.0.items }}", "loop": ["2"], "outputs": {"default": []}},
        "2": echo_node(json!({}), &["3"]),
        "3": echo_node(json!({}), &[]),
        "4": echo_node(json!({}), &["3"]),
    }));
    assert_has(&diags, "$.nodes[\"4\"].outputs", "into the loop body of foreach `1`");
}

#[test]
fn operator_shapes_are_checked() {
    let diags = problems(json!({
        "0": trigger_node(&["1", "2", "3", "4"]),
        "1": {"name": "X", "type": "operator", "subtype": "switch", "outputs": {}},
        "2": {"name": "C", "type": "operator", "subtype": "condition", "cases": [{"name": "a", "left": 1, "comparison": "==", "right": 1}], "outputs": {"b": []}},
        "3": {"name": "F", "type": "operator", "subtype": "foreach", "outputs": {}},
        "4": {"name": "S", "type": "operator", "subtype": "store", "modifications": [{"key": "k", "type": "append"}], "outputs": {}},
    }));
    assert_has(&diags, "$.nodes[\"1\"].subtype", "unknown operator subtype `switch`");
    assert_has(&diags, "$.nodes[\"2\"].outputs.b", "no branch `b`");
    assert_has(&diags, "$.nodes[\"3\"].loop", "needs a loop body");
    assert_has(&diags, "$.nodes[\"3\"].items", "needs `items`");
    assert_has(&diags, "$.nodes[\"4\"].modifications[0].value", "needs a value");
}

#[test]
fn every_problem_is_reported_at_once_with_a_hint() {
    let diags = problems(json!({
        "0": trigger_node(&["1", "8"]),
        "1": echo_node(json!({"n": "{{ node.5 }}", "body": "{% if %}"}), &["1"]),
    }));
    assert!(diags.len() >= 3, "{diags:#?}");
    assert!(diags.iter().all(|d| d.hint.is_some()), "{diags:#?}");
    assert!(diags.iter().all(|d| d.to_string().starts_with("$.nodes")), "{diags:#?}");
}

#[test]
fn retry_policies_and_timeouts_are_bounded() {
    let mut node = echo_node(json!({}), &[]);
    node["retry"] = json!({"max_attempts": 1000, "initial_backoff_ms": u64::MAX, "multiplier": 1e9, "jitter": 2});
    node["timeout"] = json!(1e12);
    let diags = problems(json!({"0": trigger_node(&["1"]), "1": node}));
    assert_has(&diags, "$.nodes[\"1\"].retry.max_attempts", "between 1 (no retry) and 100");
    assert_has(&diags, "$.nodes[\"1\"].retry.initial_backoff_ms", "at most 86400000");
    assert_has(&diags, "$.nodes[\"1\"].retry.multiplier", "between 1 and 100");
    assert_has(&diags, "$.nodes[\"1\"].retry.jitter", "between 0 and 1");
    assert_has(&diags, "$.nodes[\"1\"].timeout", "at most 86400");
}

#[test]
fn a_block_no_trigger_reaches_is_a_warning_at_that_block() {
    let checked = riposte_engine::check(
        &playbook(json!({
            "0": trigger_node(&["1"]),
            "1": echo_node(json!({"n": 1}), &[]),
            "2": echo_node(json!({"n": 2}), &["3"]),
            "3": echo_node(json!({"n": 3}), &[]),
        })),
        &catalogue(),
    );
    assert!(checked.problems.is_empty(), "a half-built playbook saves: {:#?}", checked.problems);
    assert_has(&checked.warnings, "$.nodes[\"2\"]", "no block leads to this one: it never runs");
    assert_has(&checked.warnings, "$.nodes[\"3\"]", "no path from a trigger leads to this block");
    assert_eq!(checked.warnings.len(), 2, "{:#?}", checked.warnings);
    assert_eq!(checked.warnings[0].node.as_deref(), Some("2"), "the block to jump to");
}
