//! Runs that would take the server's memory or a slot forever: template bombs, a foreach over a
//! million items, a retry that waits for ever. Each ends in a clear failure (or is refused) and
//! the server's memory stays bounded.

#![allow(clippy::unwrap_used)] // a test fails by panicking

mod common;

use common::{Server, free_port, playbooks, start_server};
use reqwest::Method;
use serde_json::{Value, json};

/// A manual playbook whose node 2 (Request URL) is given `node`'s fields (its arguments added
/// to the seed's).
fn playbook_with(node: Value) -> Value {
    let mut playbook = playbooks::seed("http://127.0.0.1:9/sink");
    playbook["uuid"] = Value::Null;
    playbook["nodes"]["0"]["trigger_uuid"] = json!("fc26eb9f-b272-4c15-b3bf-ace397c0dc57");
    playbook["nodes"]["0"]["outputs"] = json!({"default": ["2"]});
    playbook["nodes"].as_object_mut().unwrap().remove("1");
    playbook["nodes"]["2"]["arguments"]["json"] = json!({"n": 1});
    let target = playbook["nodes"]["2"].as_object_mut().unwrap();
    for (key, value) in node.as_object().unwrap() {
        match (target.get_mut(key), value) {
            (Some(Value::Object(fields)), Value::Object(more)) => fields.extend(more.clone()),
            _ => {
                target.insert(key.clone(), value.clone());
            }
        }
    }
    playbook
}

async fn run_once(server: &Server, playbook: Value, event: Value) -> (u16, Value) {
    let (status, made) =
        server.call(Method::POST, "/api/v1/symphony/playbooks", Some(json!({"playbook": playbook}))).await;
    assert_eq!(status, 201, "{made}");
    let path = format!("/api/v1/symphony/playbooks/{}/run", made["uuid"].as_str().unwrap());
    let (status, run) = server.call(Method::POST, &path, Some(json!({"event": event}))).await;
    if status != 202 {
        return (status.as_u16(), run);
    }
    let runs = server.finished_runs(made["uuid"].as_str().unwrap(), 1).await;
    let (_, view) =
        server.call(Method::GET, &format!("/api/v1/symphony/runs/{}", runs[0]["uuid"].as_str().unwrap()), None).await;
    (202, view)
}

#[tokio::test]
async fn template_bombs_and_huge_loops_fail_clearly_within_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(dir.path(), free_port()).await;
    let mut peak = server.rss_mib();
    for bomb in [
        "{{ ('a'*10000)|replace('a','a'*10000)|replace('a','a'*10000) }}",
        "{{ 'a'|indent(1000000000) }}",
        "{{ node.0|tojson(indent=100000000) }}",
    ] {
        let (_, view) = run_once(&server, playbook_with(json!({"arguments": {"url": bomb}})), json!({})).await;
        assert_eq!(view["status"], "failed", "{bomb}: {view}");
        let error = view["nodes"]["2"]["error"].as_str().unwrap_or_default();
        assert!(error.contains("template limit of 4194304 bytes"), "{bomb}: {error}");
        peak = peak.max(server.rss_mib());
    }

    let foreach = json!({"name": "Each", "type": "operator", "subtype": "foreach", "items": "{{ node.0.ids + node.0.ids }}",
        "loop": ["2"], "outputs": {"default": []}});
    let mut playbook = playbook_with(json!({"arguments": {"url": "http://127.0.0.1:9/{{ node.1.default.value }}"}}));
    playbook["nodes"]["1"] = foreach;
    playbook["nodes"]["0"]["outputs"] = json!({"default": ["1"]});
    // Items over the template limit together (twice 500 of 5 kB), then more items than a foreach
    // takes (twice 20,000).
    let (large, many) = (vec![json!("x".repeat(5000)); 500], vec![json!(0); 20_000]);
    for (items, limit) in [(large, "exceeded 4194304 bytes"), (many, "at most 10000 items")] {
        let count = items.len();
        let (_, view) = run_once(&server, playbook.clone(), json!({"ids": items})).await;
        assert_eq!(view["status"], "failed", "{view}");
        let error = view["nodes"]["1"]["error"].as_str().unwrap_or_default();
        assert!(error.contains(limit), "{count} items: {error}");
        peak = peak.max(server.rss_mib());
    }
    assert!(peak < 300, "the server took {peak} MiB");
}

#[tokio::test]
async fn a_retry_that_would_wait_for_ever_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(dir.path(), free_port()).await;
    let retry = json!({"retry": {"max_attempts": 3, "initial_backoff_ms": u64::MAX, "max_backoff_ms": u64::MAX}});
    let (status, refused) = run_once(&server, playbook_with(retry), json!({})).await;
    assert_eq!(status, 422, "{refused}");
    let paths: Vec<&str> = refused["errors"].as_array().unwrap().iter().filter_map(|e| e["path"].as_str()).collect();
    assert!(paths.contains(&"$.nodes[\"2\"].retry.initial_backoff_ms"), "{refused}");
}

#[tokio::test]
async fn a_large_output_is_a_link_in_the_run_view_and_is_fetched_whole() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(dir.path(), free_port()).await;
    let (sink_url, _sink) = common::Sink::start().await;
    let playbook = server.activated(playbooks::seed(&sink_url)).await;
    let details = "d".repeat(1_500_000);
    let alert = json!({"title": "t", "details": details, "rule": {"name": "r"}});
    let (status, _) = server.call(Method::POST, "/api/v1/sic/alerts", Some(alert)).await;
    assert_eq!(status, 201);
    let runs = server.finished_runs(&playbook, 1).await;
    let run_uuid = runs[0]["uuid"].as_str().unwrap();
    let (_, view) = server.call(Method::GET, &format!("/api/v1/symphony/runs/{run_uuid}"), None).await;
    let link = &view["nodes"]["1"]["results"];
    assert!(link["bytes"].as_u64().unwrap() > 1_500_000, "{link}");
    let href = link["href"].as_str().unwrap();
    assert!(view.to_string().len() < 100_000, "the view holds the link, not the output");
    let (status, output) = server.call(Method::GET, href, None).await;
    assert_eq!((status.as_u16(), output["details"].as_str().map(str::len)), (200, Some(1_500_000)));
    let (status, node) = server.call(Method::GET, &format!("/api/v1/symphony/runs/{run_uuid}/nodes/1"), None).await;
    assert_eq!((status.as_u16(), node["results"]["details"].as_str().map(str::len)), (200, Some(1_500_000)));
    let (status, _) = server.call(Method::GET, &format!("/api/v1/symphony/runs/{run_uuid}/nodes/9"), None).await;
    assert_eq!(status.as_u16(), 404);
}

/// The server's peak resident memory so far, in MiB.
fn peak_mib(server: &Server) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{}/status", server.child.id())).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse::<u64>().unwrap() / 1024
}

/// 24 alerts of 80,000 small numbers each (2 bytes a number as JSON, 72 as JSON values), each
/// read back by the README's playbook, all at once. The alerts kept in memory weigh their JSON,
/// and a run holds its alert's values once (no copy for the action's results, none for the
/// templates): the peak grows by about 110 bytes a number, where it grew by 200, and what the
/// runs held comes back once they end.
#[tokio::test]
async fn large_alerts_read_back_by_their_runs_cost_a_bounded_multiple_and_come_back() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(dir.path(), free_port()).await;
    let mut playbook = playbooks::seed("http://127.0.0.1:9/sink");
    playbook["uuid"] = Value::Null;
    let uuid = server.activated(playbook).await;
    let numbers: Vec<u32> = (0..80_000).map(|i| i % 10).collect();
    let alert = json!({"title": "numbers", "rule": {"name": "r"}, "numbers": numbers});
    let before = server.rss_mib();
    for _ in 0..24 {
        let (status, body) = server.call(Method::POST, "/api/v1/sic/alerts", Some(alert.clone())).await;
        assert_eq!(status, 201, "{body}");
    }
    server.finished_runs(&uuid, 24).await;
    let peak = peak_mib(&server);
    let per_number = ((peak - before) << 20) / (24 * 80_000);
    eprintln!("RSS before {before} MiB, peak {peak} MiB: {per_number} bytes a number");
    assert!(per_number < 150, "the peak grew by {per_number} bytes a number");
    common::until("memory held by the runs given back", || server.rss_mib() < before + 40).await;
}

/// Sixteen runs at once of a playbook whose template legitimately holds about 52 MiB for a
/// while (within the render budget of 64 MiB): only a few such renders run at once in the whole
/// server, so together they hold a few budgets, not sixteen.
#[tokio::test]
async fn runs_whose_templates_hold_memory_render_a_few_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(dir.path(), free_port()).await;
    let url = "{% set ns = namespace(l=[]) %}{% for i in range(18) %}{% set ns.l = ns.l + [('a' * 3000000) ~ i] %}\
               {% endfor %}{% for i in range(60000) %}{% endfor %}http://127.0.0.1:9/{{ ns.l|length }}";
    let playbook = playbook_with(json!({"arguments": {"url": url}}));
    let (status, made) =
        server.call(Method::POST, "/api/v1/symphony/playbooks", Some(json!({"playbook": playbook}))).await;
    assert_eq!(status, 201, "{made}");
    let uuid = made["uuid"].as_str().unwrap();
    let before = server.rss_mib();
    for _ in 0..16 {
        let path = format!("/api/v1/symphony/playbooks/{uuid}/run");
        let (status, run) = server.call(Method::POST, &path, Some(json!({"event": {}}))).await;
        assert_eq!(status, 202, "{run}");
    }
    let runs = server.finished_runs(uuid, 16).await;
    let (_, view) =
        server.call(Method::GET, &format!("/api/v1/symphony/runs/{}", runs[0]["uuid"].as_str().unwrap()), None).await;
    assert_eq!(view["nodes"]["2"]["arguments"]["url"], "http://127.0.0.1:9/18", "the template rendered: {view}");
    let grew = peak_mib(&server) - before;
    eprintln!("16 runs holding 52 MiB each in a render: the peak grew by {grew} MiB");
    assert!(grew < 4 * 64 + 100, "the peak grew by {grew} MiB");
}
