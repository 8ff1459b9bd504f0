//! Template rendering cost: `cargo bench -p riposte-template`.

#![allow(clippy::unwrap_used)] // a test fails by panicking

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use riposte_template::{Mode, NodeOutputs, RenderContext, TemplateSet};
use serde_json::json;

fn context() -> RenderContext {
    let mut nodes = NodeOutputs::new();
    nodes.insert_json(
        "0",
        Arc::new(
            json!({"alert_uuid": "8b1d2d4e-2a1f-4c3b-9e5d-6f7a8b9c0d1e", "short_id": "ALWJ2jbDP5Xr", "urgency": 47}),
        ),
    );
    nodes.insert_json("1", Arc::new(json!({"rule": {"name": "Mimikatz \"sekurlsa\" usage", "severity": 85}, "title": "Credential dumping", "events": (0..50).collect::<Vec<_>>()})));
    RenderContext { nodes: Arc::new(nodes), store: riposte_template::to_value(json!({})), now_ms: 0 }
}

fn bench(c: &mut Criterion) {
    let ctx = context();
    let mut set = TemplateSet::default();
    let seed_body = set
        .compile(
            &json!("{\"alert_short_id\":\"{{ node.0['alert_uuid'] }}\", \"rule_name\":\"{{ node.1['rule']['name'] }}\",\"rule_severity\":\"{{ node.1['rule']['severity'] }}\",\"description\":\"This is a description\"}"),
            Mode::Json,
        )
        .unwrap();
    let native = set.compile(&json!("{{ node.0['alert_uuid'] }}"), Mode::Value).unwrap();
    let object = set
        .compile(&json!({"uuid": "{{ node.0.alert_uuid }}", "stix": false, "label": "Alert {{ node.0.short_id }} ({{ node.1.rule.name }})"}), Mode::Value)
        .unwrap();
    let filters = set.compile(&json!("{{ node.1.events | select('odd') | list | length }}"), Mode::Value).unwrap();

    c.bench_function("render seed JSON body (3 interpolations, parse)", |b| {
        b.iter(|| set.render(black_box(&seed_body), &ctx).unwrap())
    });
    c.bench_function("render single native expression", |b| b.iter(|| set.render(black_box(&native), &ctx).unwrap()));
    c.bench_function("render object argument (2 templates, 1 literal)", |b| {
        b.iter(|| set.render(black_box(&object), &ctx).unwrap())
    });
    c.bench_function("render filter pipeline over 50 items", |b| {
        b.iter(|| set.render(black_box(&filters), &ctx).unwrap())
    });
    c.bench_function("compile seed JSON body", |b| {
        b.iter(|| {
            let mut set = TemplateSet::default();
            set.compile(
                black_box(&json!("{\"a\":\"{{ node.0['alert_uuid'] }}\", \"b\":\"{{ node.1['rule']['name'] }}\"}")),
                Mode::Json,
            )
            .unwrap()
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
