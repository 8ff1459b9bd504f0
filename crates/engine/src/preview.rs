//! Template previews: a value rendered as a run would render it, against outputs given by the
//! caller (a past run's, a test run's), so that an editor shows what a field will hold and
//! which expression fails, with the runtime's own semantics.

use std::sync::Arc;

use riposte_template::{Mode, NodeOutputs, RenderContext, TemplateSet, to_value};
use serde_json::{Map, Value};

/// Renders `template` with `nodes` (node id -> output) and `store` as what earlier blocks gave.
/// `json` renders a string as text that must be JSON (an argument whose schema wants an object
/// or an array), as the engine does for such arguments. The error names the expression at fault.
pub fn preview(
    template: &Value,
    nodes: &Map<String, Value>,
    store: &Value,
    json: bool,
    now_ms: i64,
) -> Result<Value, String> {
    let mut templates = TemplateSet::default();
    let compiled =
        templates.compile(template, if json { Mode::Json } else { Mode::Value }).map_err(|e| e.to_string())?;
    let mut outputs = NodeOutputs::new();
    for (id, output) in nodes {
        outputs.insert_json(id, Arc::new(output.clone()));
    }
    let context = RenderContext { nodes: Arc::new(outputs), store: to_value(store), now_ms };
    let value = templates.render(&compiled, &context).map_err(|e| e.to_string())?;
    match (template, &value) {
        // A single expression that reads nothing gives null, silently in a run; as text, an
        // undefined value is an error that names the expression: the preview says so.
        (Value::String(text), Value::Null) => {
            let as_text = templates.compile_text(text).map_err(|e| e.to_string())?;
            match templates.render(&as_text, &context) {
                Err(e) => Err(format!("{e}; a run gives null here")),
                Ok(_) => Ok(value),
            }
        }
        _ => Ok(value),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn outputs() -> Map<String, Value> {
        json!({"0": {"alert_uuid": "a-1"}, "1": {"rule": {"name": "Phishing", "severity": 40}}})
            .as_object()
            .unwrap()
            .clone()
    }

    #[test]
    fn a_single_expression_keeps_its_type_and_text_renders_as_text() {
        let nodes = outputs();
        assert_eq!(preview(&json!("{{ node.1['rule']['severity'] }}"), &nodes, &json!({}), false, 0), Ok(json!(40)));
        assert_eq!(
            preview(&json!("{{ node.1.rule.name }} on {{ node.0.alert_uuid }}"), &nodes, &json!({}), false, 0),
            Ok(json!("Phishing on a-1"))
        );
        let body = json!("{\"rule\": \"{{ node.1.rule.name }}\", \"severity\": {{ node.1.rule.severity }}}");
        assert_eq!(preview(&body, &nodes, &json!({}), true, 0), Ok(json!({"rule": "Phishing", "severity": 40})));
    }

    #[test]
    fn a_misspelt_key_names_the_expression() {
        let error = preview(&json!("{{ node.1['rule']['nmae'] }}"), &outputs(), &json!({}), false, 0).unwrap_err();
        assert!(error.contains("`node.1['rule']['nmae']`") && error.ends_with("a run gives null here"), "{error}");
        let error = preview(&json!("id={{ node.1['rule']['nmae'] }}"), &outputs(), &json!({}), false, 0).unwrap_err();
        assert!(error.contains("`node.1['rule']['nmae']`"), "{error}");
        assert_eq!(
            preview(&json!("{{ node.1.nope | default(none) }}"), &outputs(), &json!({}), false, 0),
            Ok(Value::Null)
        );
        let error = preview(&json!("{{ node.1['rule'] "), &outputs(), &json!({}), false, 0).unwrap_err();
        assert!(error.contains("syntax error"), "{error}");
    }
}
