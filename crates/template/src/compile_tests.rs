use std::sync::Arc;

use serde_json::json;

use super::*;
use crate::NodeOutputs;

fn context() -> RenderContext {
    let mut nodes = NodeOutputs::new();
    nodes.insert_json("0", Arc::new(json!({"alert_uuid": "a-1", "urgency": 47, "flags": [1, 2]})));
    nodes.insert_json(
        "1",
        Arc::new(json!({"rule": {"name": "Say \"hi\"", "severity": 80}, "short_id": "ALx", "created_at": 1567755120})),
    );
    nodes.insert_json("4", Arc::new(json!({"default": {"value": "x.example", "index": 2, "total": 3}})));
    RenderContext {
        nodes: Arc::new(nodes),
        store: crate::to_value(json!({"ips": ["1.2.3.4"]})),
        now_ms: 1_700_000_000_000,
    }
}

fn render(value: serde_json::Value) -> Result<serde_json::Value, TemplateError> {
    render_mode(value, Mode::Value)
}

fn render_mode(value: serde_json::Value, mode: Mode) -> Result<serde_json::Value, TemplateError> {
    let mut set = TemplateSet::default();
    let compiled = set.compile(&value, mode)?;
    set.render(&compiled, &context())
}

#[test]
fn every_node_syntax_reaches_the_output() {
    for text in ["{{ node.1['rule']['severity'] }}", "{{ node['1'].rule.severity }}", "{{ node[1]['rule'].severity }}"]
    {
        assert_eq!(render(json!(text)).unwrap(), json!(80), "{text}");
    }
}

#[test]
fn single_expressions_keep_their_native_type() {
    assert_eq!(render(json!("{{ node.0.urgency }}")).unwrap(), json!(47));
    assert_eq!(render(json!("{{ node.0.flags }}")).unwrap(), json!([1, 2]));
    assert_eq!(render(json!(" {{ node.1.rule }} ")).unwrap(), json!({"name": "Say \"hi\"", "severity": 80}));
    assert_eq!(render(json!("{{ node.0.urgency > 10 }}")).unwrap(), json!(true));
    assert_eq!(render(json!("{{- 80 -}}")).unwrap(), json!(80));
    assert_eq!(render(json!("{{ node.0.alert_uuid }}")).unwrap(), json!("a-1"));
}

#[test]
fn other_templates_render_to_strings_and_literals_pass_through() {
    assert_eq!(render(json!("urgency={{ node.0.urgency }}")).unwrap(), json!("urgency=47"));
    assert_eq!(render(json!("{{ node.0.urgency }}{{ node.0.urgency }}")).unwrap(), json!("4747"));
    assert_eq!(render(json!(false)).unwrap(), json!(false));
    assert_eq!(render(json!(12.5)).unwrap(), json!(12.5));
    assert_eq!(render(json!("80")).unwrap(), json!("80"));
}

#[test]
fn objects_render_leaf_by_leaf_so_quotes_never_break_json() {
    let value = json!({"rule_name": "{{ node.1['rule']['name'] }}", "n": ["{{ node.0.urgency }}", 3], "k": "v"});
    assert_eq!(render(value).unwrap(), json!({"rule_name": "Say \"hi\"", "n": [47, 3], "k": "v"}));
}

#[test]
fn json_mode_escapes_interpolations_and_parses() {
    let text = r#"{"alert_short_id":"{{ node.0['alert_uuid'] }}", "rule_name":"{{ node.1['rule']['name'] }}","rule_severity":"{{ node.1['rule']['severity'] }}","urgency": {{ node.0.urgency }}, "flags": {{ node.0.flags }}}"#;
    assert_eq!(
        render_mode(json!(text), Mode::Json).unwrap(),
        json!({"alert_short_id": "a-1", "rule_name": "Say \"hi\"", "rule_severity": "80", "urgency": 47, "flags": [1, 2]})
    );
}

#[test]
fn json_mode_reports_invalid_json_with_the_rendered_text() {
    let err = render_mode(json!("{\"a\": {{ node.0.alert_uuid }}}"), Mode::Json).unwrap_err();
    match err {
        TemplateError::InvalidJson { rendered, .. } => assert_eq!(rendered, "{\"a\": a-1}"),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn store_and_foreach_values_are_reachable() {
    assert_eq!(render(json!("{{ store.ips }}")).unwrap(), json!(["1.2.3.4"]));
    assert_eq!(
        render(json!("{{ node.4.default.value }}/{{ node.4.default.index }}/{{ node.4.default.total }}")).unwrap(),
        json!("x.example/2/3")
    );
}

#[test]
fn undefined_lookups_name_the_expression() {
    let err = render(json!("id={{ node.1['rule']['nmae'] }}")).unwrap_err().to_string();
    assert!(err.contains("`node.1['rule']['nmae']`"), "{err}");
    let err = render(json!("{{ node.9.x }}")).unwrap_err().to_string();
    assert!(err.contains("undefined value") && err.contains("node.9"), "{err}");
    // `is defined` and `default` still work on missing values.
    assert_eq!(render(json!("{{ node.9 is defined }}")).unwrap(), json!(false));
    assert_eq!(render(json!("{{ node.1.nope | default('n/a') }}")).unwrap(), json!("n/a"));
}

#[test]
fn syntax_errors_report_their_line() {
    let mut set = TemplateSet::default();
    let err = set.compile(&json!("line one\n{{ node.0. }}"), Mode::Value).unwrap_err();
    assert!(matches!(err, TemplateError::Syntax { line: 2, .. }), "{err:?}");
    let err = set.compile(&json!({"h": {"a b": ["ok", "{{ x"]}}), Mode::Value).unwrap_err();
    assert!(matches!(&err, TemplateError::Syntax { at, .. } if at == ".h[\"a b\"][1]"), "{err:?}");
}

#[test]
fn runaway_templates_stop() {
    let err =
        render(json!("{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}")).unwrap_err();
    assert!(matches!(err, TemplateError::Limit(_)), "{err:?}");
    let mut set = TemplateSet::new(Limits { fuel: 10_000_000, max_output_bytes: 1000, ..Limits::default() });
    let compiled = set.compile(&json!("{% for i in range(5000) %}xx{% endfor %}"), Mode::Value).unwrap();
    let err = set.render(&compiled, &context()).unwrap_err();
    assert!(err.to_string().contains("exceeded 1000 bytes"), "{err}");
}

#[test]
fn sekoia_time_filters() {
    assert_eq!(
        render(json!("{{ node.1.created_at | timestamp_to_iso8601 }}")).unwrap(),
        json!("2019-09-06T07:32:00+00:00")
    );
    assert_eq!(
        render(json!("{{ '1567755120.5' | timestamp_to_iso8601 }}")).unwrap(),
        json!("2019-09-06T07:32:00.500+00:00")
    );
    assert_eq!(
        render(json!("{{ 1567755120000 | timestamp_to_iso8601 }}")).unwrap(),
        json!("2019-09-06T07:32:00+00:00")
    );
    assert_eq!(render(json!("{{ '2019-09-06T07:32:00Z' | iso8601_to_timestamp }}")).unwrap(), json!(1567755120000i64));
    assert_eq!(
        render(json!("{{ '2019-09-06T09:32:00+02:00' | iso8601_to_timestamp }}")).unwrap(),
        json!(1567755120000i64)
    );
    assert_eq!(
        render(json!("{{ '2019-09-06 07:32:00.2505' | iso8601_to_timestamp }}")).unwrap(),
        json!(1567755120250.5)
    );
    // Sekoia's documented use: an hour before a date.
    assert_eq!(
        render(json!("{{ (('2019-09-06T07:32:00Z' | iso8601_to_timestamp) - 3600000) | timestamp_to_iso8601 }}"))
            .unwrap(),
        json!("2019-09-06T06:32:00+00:00")
    );
    assert_eq!(render(json!("{{ (-3600) | time_with_delta }}")).unwrap(), json!("2023-11-14T21:13:20+00:00"));
    let err = render(json!("{{ 'yesterday' | iso8601_to_timestamp }}")).unwrap_err().to_string();
    assert!(err.contains("cannot read `yesterday`"), "{err}");
}

#[test]
fn sekoia_data_filters() {
    assert_eq!(render(json!("{{ node.1 | jsonpath('$.rule.name') }}")).unwrap(), json!("Say \"hi\""));
    assert_eq!(render(json!("{{ node.0 | jsonpath('$.flags[*]', true) }}")).unwrap(), json!([1, 2]));
    assert_eq!(render(json!("{{ node.0 | jsonpath('$.nothing') }}")).unwrap(), json!(null));
    assert_eq!(render(json!("{{ 'Mimikatz run' | regex_match('mimi') }}")).unwrap(), json!(false));
    assert_eq!(render(json!("{{ 'Mimikatz run' | regex_match('mimi', true) }}")).unwrap(), json!(true));
    assert_eq!(render(json!("{{ 'Mimikatz run' | regex_match('mimi', ignore_case=true) }}")).unwrap(), json!(true));
    assert_eq!(render(json!("{% if 'abc' | regex_match('a.c') %}yes{% endif %}")).unwrap(), json!("yes"));
    assert_eq!(render(json!("{{ '{\"a\": [1]}' | fromjson }}")).unwrap(), json!({"a": [1]}));
    assert_eq!(render(json!("{{ node.0.flags | tojson }}")).unwrap(), json!("[1, 2]"));
    let err = render(json!("{{ node.0 | jsonpath('$[') }}")).unwrap_err().to_string();
    assert!(err.contains("invalid JSONPath"), "{err}");
}

#[test]
fn usual_jinja_filters_work() {
    assert_eq!(render(json!("{{ [1, none, 2, 2] | reject('none') | unique | list }}")).unwrap(), json!([1, 2]));
    assert_eq!(render(json!("{{ ['a', 'b'] | join(',') }}")).unwrap(), json!("a,b"));
    assert_eq!(render(json!("{{ '42' | int + 1 }}")).unwrap(), json!(43));
    assert_eq!(render(json!("{{ node.0.flags | length }}")).unwrap(), json!(2));
    assert_eq!(render(json!("{{ 'a-b' | replace('-', '_') }}")).unwrap(), json!("a_b"));
}

mod robustness {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Untrusted template text compiles or errors, and renders or errors: never a panic.
        #[test]
        fn any_template_text_is_handled(text in "(\\{\\{|\\}\\}|\\{%|%\\}|node|\\.|\\[|\\]|'|0|1|store|\\||for|in|if|end|range|x| ){0,40}") {
            let mut set = TemplateSet::default();
            for mode in [Mode::Value, Mode::Json] {
                if let Ok(compiled) = set.compile(&json!(text), mode) {
                    let _ = set.render(&compiled, &context());
                }
            }
        }
    }
}

#[test]
fn template_bombs_stop_before_building_their_values() {
    for bomb in [
        "{{ ('a'*10000)|replace('a','a'*10000)|replace('a','a'*10000) }}",
        "{{ 'a\nb'|indent(1000000000) }}",
        "{{ node.1|tojson(indent=100000000) }}",
        "{{ '%100000000s'|format('x') }}",
        "{{ (['a'*100000]*100)|join('-') }}",
        "{{ ('a'*3000000)|list|length }}",
        "{{ 'x'|center(100000000) }}",
    ] {
        let started = std::time::Instant::now();
        let err = render(json!(bomb)).unwrap_err();
        assert!(err.to_string().contains("template limit"), "{bomb}: {err}");
        assert!(started.elapsed() < std::time::Duration::from_secs(2), "{bomb} took {:?}", started.elapsed());
    }
}

#[test]
fn bounded_filters_keep_their_meaning() {
    for (template, expected) in [
        ("{{ 'a-b'|replace('-', '+') }}", json!("a+b")),
        ("{{ 'a\nb'|indent(2) }}", json!("a\n  b")),
        ("{{ 'a\nb'|indent(width=2, first=true) }}", json!("  a\n  b")),
        ("{{ node.0.flags|tojson }}", json!("[1, 2]")),
        ("{{ node.0.flags|tojson(indent=1) }}", json!("[\n 1,\n 2\n]")),
        ("{{ node.0.flags|join(',') }}", json!("1,2")),
        ("{{ '%s-%03d'|format('x', 7) }}", json!("x-007")),
        ("{{ 'ab'|list }}", json!(["a", "b"])),
        ("{{ 'x'|center(5) }}", json!("  x  ")),
        ("{{ node.0.flags|map('string')|list }}", json!(["1", "2"])),
    ] {
        assert_eq!(render(json!(template)).unwrap(), expected, "{template}");
    }
}

fn limit_reason(template: &str) -> String {
    match render(json!(template)) {
        Err(TemplateError::Limit(reason)) => reason,
        other => panic!("{template} was not stopped by a limit: {other:?}"),
    }
}

#[test]
fn strings_doubled_by_operators_stop_at_the_value_limit() {
    for op in ["~", "+"] {
        let template = format!(
            "{{% set ns = namespace(s='x') %}}{{% for i in range(40) %}}{{% set ns.s = ns.s {op} ns.s %}}{{% endfor %}}{{{{ ns.s|length }}}}"
        );
        let reason = limit_reason(&template);
        assert!(reason.contains(&format!("`{op}` would build a value of 8.0 MiB")), "{reason}");
    }
    assert!(limit_reason("{{ 'a' * 100000000 }}").contains("`*` would build a value of 95.4 MiB"));
    assert!(limit_reason("{{ ([0] * 100000000)|length }}").contains("`*` would build"));
    let lazy = "{% set ns = namespace(l=[0]) %}{% for i in range(40) %}{% set ns.l = ns.l + ns.l %}{% endfor %}{{ ns.l|length }}";
    assert!(limit_reason(lazy).contains("`+` would build"));
}

#[test]
fn what_a_render_holds_is_bounded() {
    // 40 strings of 3 MB, each within the value limit, kept in a list: 120 MB in all.
    let kept = "{% set ns = namespace(l=[]) %}{% for i in range(40) %}{% set ns.l = ns.l + [('a' * 3000000) ~ i] %}{% endfor %}{{ ns.l|length }}";
    let reason = limit_reason(kept);
    assert!(reason.contains("it would hold more than 64.0 MiB of memory"), "{reason}");
    // Literal text written into a `set` block by a loop: no operator at all.
    let captured = format!(
        "{{% set x %}}{{% for i in range(100000) %}}{}{{% endfor %}}{{% endset %}}{{{{ x|length }}}}",
        "y".repeat(1000)
    );
    let reason = limit_reason(&captured);
    assert!(reason.contains("a loop stopped: a text or list grew to"), "{reason}");
}

#[test]
fn a_large_output_within_the_value_limit_goes_on() {
    // 3.5 MB written by a loop: its buffer doubles past the value limit's size on the way, and
    // that is no reason to stop.
    let mut set = TemplateSet::default();
    let text = format!("{{% for i in range(3500) %}}{}{{% endfor %}}", "y".repeat(1000));
    let fine = set.compile(&serde_json::json!(text), Mode::Value).unwrap();
    let out = set.render(&fine, &context()).unwrap();
    assert_eq!(out.as_str().map(str::len), Some(3_500_000));
}

#[test]
fn what_a_render_builds_in_all_is_bounded() {
    let mut set = TemplateSet::new(Limits { max_built_bytes: 10_000_000, ..Limits::default() });
    let template = format!(
        "{{% set ns = namespace(s='') %}}{{% for i in range(2000) %}}{{% set ns.s = ns.s ~ '{}' %}}{{% endfor %}}{{{{ ns.s|length }}}}",
        "z".repeat(50)
    );
    let compiled = set.compile(&json!(template), Mode::Value).unwrap();
    let err = set.render(&compiled, &context()).unwrap_err();
    assert!(err.to_string().contains("built more than 9.5 MiB in all"), "{err}");
}

/// Renders `template` with plain minijinja, as it was before the memory checks.
fn unchecked(template: &str) -> String {
    let mut env = minijinja::Environment::new();
    env.add_template("t", template).unwrap();
    let ctx = minijinja::context! { x => 3, y => 4.5, s => "ab", l => vec![1, 2, 3], d => minijinja::context! { a => 1, b => 2 } };
    env.get_template("t").unwrap().render(ctx).unwrap()
}

#[test]
fn checked_operators_and_loops_keep_minijinja_semantics() {
    let templates = [
        "{{ s ~ 1 ~ none ~ l }}",
        "{{ s + 'c' }}|{{ x + y }}|{{ x + 1 }}|{{ (l + [4])|list }}|{{ l + l }}",
        "{{ s * 3 }}|{{ 3 * s }}|{{ x * y }}|{{ (l * 2)|list }}|{{ 2 * 3 }}",
        "{{ (s ~ s)|upper ~ (x + x) * 2 }}{{ [s ~ 'x', x * 2]|join(',') }}",
        "{% for i in l %}{{ loop.index }}/{{ loop.length }}{{ '!' if loop.last }}{% endfor %}",
        "{% for k in d %}{{ k }}{% endfor %}{% for k, v in d|items %}{{ k ~ v }}{% endfor %}",
        "{% for i in [] %}x{% else %}empty{% endfor %}{% for c in s %}{{ c }}{% endfor %}",
        "{% for i in l if i > 1 %}{{ i }}{% endfor %}{% for i in range(3) %}{{ loop.revindex }}{% endfor %}",
        "{% set ns = namespace(t='') %}{% for i in l %}{% set ns.t = ns.t ~ i %}{% endfor %}{{ ns.t }}",
        "{% macro m(a) %}[{{ a ~ a }}]{% endmacro %}{{ m(s) ~ m('z') }}",
    ];
    let mut set = TemplateSet::default();
    let mut nodes = NodeOutputs::new();
    nodes.insert_json("0", Arc::new(json!({})));
    let ctx = RenderContext { nodes: Arc::new(nodes), store: crate::to_value(json!({})), now_ms: 0 };
    for template in templates {
        let with_vars = format!(
            "{{% set x = 3 %}}{{% set y = 4.5 %}}{{% set s = 'ab' %}}{{% set l = [1, 2, 3] %}}{{% set d = {{'a': 1, 'b': 2}} %}}{template}"
        );
        let compiled = set.compile_text(&with_vars).unwrap();
        let checked = set.render(&compiled, &ctx).unwrap();
        assert_eq!(checked, json!(unchecked(template)), "{template}");
    }
}

#[test]
fn errors_quote_the_expression_as_written() {
    let err = render(json!("{{ 'a' ~ node.1.nope.deeper ~ 'b' }}")).unwrap_err();
    assert!(err.to_string().contains("in `'a' ~ node.1.nope.deeper ~ 'b'`"), "{err}");
    let err = TemplateSet::default().compile(&json!("{{ __riposte_left(1) }}"), Mode::Value).unwrap_err();
    assert!(err.to_string().contains("reserved"), "{err}");
}

fn expression() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    let leaf = prop::sample::select(vec!["x", "y", "s", "l", "'q'", "2", "none", "d", "(s|upper)", "[x]"])
        .prop_map(str::to_string);
    leaf.prop_recursive(4, 24, 2, |inner| {
        (inner.clone(), prop::sample::select(vec!["~", "+", "*", "-", " ~ ", " + ", "|string ~ "]), inner)
            .prop_flat_map(|(a, op, b)| {
                prop::sample::select(vec![
                    format!("{a}{op}{b}"),
                    format!("({a}{op}{b})"),
                    format!("({a}){op}({b})|length"),
                    format!("[{a}, {b}]{op}[{b}]"),
                ])
            })
    })
}

proptest::proptest! {
    #[test]
    fn any_expression_renders_as_minijinja_renders_it(expr in expression()) {
        let template = format!("{{{{ {expr} }}}}");
        let vars = "{% set x = 3 %}{% set y = 4.5 %}{% set s = 'ab' %}{% set l = [1, 2] %}{% set d = {'a': 1} %}";
        let mut env = minijinja::Environment::new();
        let unchecked = env
            .add_template_owned("t", format!("{vars}{template}"))
            .and_then(|()| env.get_template("t").and_then(|t| t.render(())));
        let mut set = TemplateSet::default();
        let mut nodes = NodeOutputs::new();
        nodes.insert_json("0", Arc::new(json!({})));
        let ctx = RenderContext { nodes: Arc::new(nodes), store: crate::to_value(json!({})), now_ms: 0 };
        let checked = set
            .compile_text(&format!("{vars}{template}"))
            .and_then(|compiled| set.render(&compiled, &ctx));
        match (unchecked, checked) {
            (Ok(a), Ok(b)) => proptest::prop_assert_eq!(json!(a), b),
            (Err(_), Err(_)) => {}
            (a, b) => proptest::prop_assert!(false, "{template}: minijinja {a:?}, checked {b:?}"),
        }
    }
}

#[test]
fn constant_operations_are_not_built_when_compiled() {
    // minijinja folds constant operations at compile time: 20 x 100 MB before any render.
    let template: String = (0..20).map(|i| format!("{{% set s{i} = 'x' * 100000000 %}}")).collect();
    let mut set = TemplateSet::default();
    let before = crate::budget::allocated();
    let compiled = set.compile(&json!(template), Mode::Value).unwrap();
    let held = crate::budget::allocated() - before;
    assert!(held < 10 * 1024 * 1024, "compiling holds {held} bytes");
    let err = set.render(&compiled, &context()).unwrap_err();
    assert!(err.to_string().contains("`*` would build a value of 95.4 MiB"), "{err}");
}
