//! Checks of literal node arguments against the JSON Schema of the action or trigger manifest.

use serde_json::{Map, Value};

use crate::diagnostic::{Diagnostic, child_path, node_path};

/// Whether argument `key` must be an object or an array, so that a template string given for it
/// is JSON text to render and parse.
pub fn wants_json(schema: &Value, key: &str) -> bool {
    let Some(property) = schema.get("properties").and_then(|p| p.get(key)) else { return false };
    let types: Vec<&str> = match property.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    !types.is_empty() && !types.contains(&"string") && types.iter().any(|t| *t == "object" || *t == "array")
}

/// [`check_arguments`] for a trigger, which starts with the arguments it is given and nothing
/// renders later: a required argument left empty (`""`, `null`) is named once, as empty.
pub fn check_trigger_arguments(
    node: &str,
    arguments: &Map<String, Value>,
    schema: &Value,
    diags: &mut Vec<Diagnostic>,
) {
    let base = node_path(node, ".arguments");
    let mut empty = Vec::new();
    for required in schema.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str) {
        let is_empty = match arguments.get(required) {
            Some(Value::Null) => true,
            Some(Value::String(text)) => text.trim().is_empty(),
            _ => false,
        };
        if !is_empty {
            continue;
        }
        let description = schema.pointer(&format!("/properties/{}/description", escape_pointer(required)));
        empty.push(Diagnostic {
            node: Some(node.to_string()),
            path: child_path(&base, required),
            message: format!("required argument `{required}` is empty"),
            hint: Some(match description.and_then(Value::as_str) {
                Some(description) => format!("fill it in: {description}"),
                None => "fill it in before turning the playbook on".into(),
            }),
        });
    }
    let mut rest = Vec::new();
    check_arguments(node, arguments, schema, &mut rest);
    // An empty argument is named once: not also as a value of the wrong type.
    rest.retain(|d| {
        !empty.iter().any(|e| {
            d.path == e.path
                || d.path.starts_with(&format!("{}[", e.path))
                || d.path.starts_with(&format!("{}.", e.path))
        })
    });
    diags.extend(empty);
    diags.extend(rest);
}

fn escape_pointer(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// Reports missing required arguments, unknown arguments when the schema forbids them, and
/// literal values (no template inside) that break the schema of their property.
pub fn check_arguments(node: &str, arguments: &Map<String, Value>, schema: &Value, diags: &mut Vec<Diagnostic>) {
    let base = node_path(node, ".arguments");
    for required in schema.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str) {
        if !arguments.contains_key(required) {
            diags.push(
                Diagnostic::at_node(node, ".arguments", format!("missing required argument `{required}`"))
                    .hint(format!("add `{required}` to the node's arguments")),
            );
        }
    }
    let properties = schema.get("properties").and_then(Value::as_object);
    let closed = schema.get("additionalProperties") == Some(&Value::Bool(false));
    for (key, value) in arguments {
        let path = child_path(&base, key);
        match properties.and_then(|p| p.get(key)) {
            Some(property) if !contains_template(value) => check_literal(node, &path, value, property, schema, diags),
            Some(_) => {}
            None if closed => diags.push(Diagnostic {
                node: Some(node.to_string()),
                path,
                message: format!("unknown argument `{key}`"),
                hint: properties
                    .map(|p| format!("known arguments: {}", p.keys().cloned().collect::<Vec<_>>().join(", "))),
            }),
            None => {}
        }
    }
}

fn check_literal(node: &str, path: &str, value: &Value, property: &Value, root: &Value, diags: &mut Vec<Diagnostic>) {
    let mut schema = property.clone();
    // Keep the root's definitions reachable for `$ref`s inside the property.
    if let (Some(obj), Some(root)) = (schema.as_object_mut(), root.as_object()) {
        for key in ["definitions", "$defs"] {
            if let Some(defs) = root.get(key) {
                obj.entry(key).or_insert_with(|| defs.clone());
            }
        }
    }
    let validator = match jsonschema::validator_for(&schema) {
        Ok(v) => v,
        Err(e) => {
            diags.push(Diagnostic {
                node: Some(node.to_string()),
                path: path.to_string(),
                message: format!("the manifest's schema of this argument is invalid: {e}"),
                hint: None,
            });
            return;
        }
    };
    for error in validator.iter_errors(value) {
        let pointer = error.instance_path().to_string();
        diags.push(Diagnostic {
            node: Some(node.to_string()),
            path: format!("{path}{}", pointer_to_path(&pointer)),
            message: error.to_string(),
            hint: property.get("description").and_then(Value::as_str).map(|d| format!("expected: {d}")),
        });
    }
}

fn pointer_to_path(pointer: &str) -> String {
    pointer.split('/').filter(|s| !s.is_empty()).fold(String::new(), |acc, segment| {
        let segment = segment.replace("~1", "/").replace("~0", "~");
        if segment.parse::<usize>().is_ok() { format!("{acc}[{segment}]") } else { child_path(&acc, &segment) }
    })
}

/// True when any string inside `value` is a template.
pub fn contains_template(value: &Value) -> bool {
    match value {
        Value::String(s) => riposte_template::is_template(s),
        Value::Array(items) => items.iter().any(contains_template),
        Value::Object(map) => map.values().any(contains_template),
        _ => false,
    }
}

/// Calls `f(path, text)` for every string inside `value`.
pub fn for_each_string(value: &Value, path: &str, f: &mut dyn FnMut(&str, &str)) {
    match value {
        Value::String(s) => f(path, s),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                for_each_string(item, &format!("{path}[{i}]"), f);
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                for_each_string(item, &child_path(path, key), f);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_wanted_only_for_object_or_array_properties() {
        let schema = json!({"properties": {"json": {"type": "object"}, "params": {"type": ["object", "string"]}, "url": {"type": "string"}}});
        assert!(wants_json(&schema, "json"));
        assert!(!wants_json(&schema, "params"));
        assert!(!wants_json(&schema, "url"));
        assert!(!wants_json(&schema, "missing"));
    }

    #[test]
    fn pointers_become_json_paths() {
        assert_eq!(pointer_to_path("/a/0/b c"), ".a[0][\"b c\"]");
        assert_eq!(pointer_to_path(""), "");
    }
}
