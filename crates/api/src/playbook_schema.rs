//! The OpenAPI schema of Sekoia's playbook JSON, as strict as the server reads it: what it
//! refuses to read, the schema refuses too. (What makes a playbook unable to run, such as an
//! edge to a missing node, is no reason to refuse it: it is saved and its problems are listed.)

use serde_json::{Value, json};
use utoipa::openapi::{RefOr, schema::Schema};

/// For `#[schema(schema_with = ...)]`.
pub(crate) fn playbook() -> RefOr<Schema> {
    serde_json::from_value(playbook_json()).expect("the playbook schema is valid OpenAPI")
}

/// Any value. (utoipa reads a schema without a type from `"type": null`, and writes it without.)
fn any() -> Value {
    json!({"type": null})
}

fn text_or_null() -> Value {
    json!({"type": ["string", "null"]})
}

fn playbook_json() -> Value {
    json!({
        "type": "object",
        "description": "A playbook in Sekoia's playbook JSON; unknown fields are kept",
        "required": ["name", "nodes"],
        "properties": {
            "name": {"type": "string"},
            "uuid": text_or_null(),
            "description": text_or_null(),
            "nodes": {"type": "object", "description": "Nodes by id", "additionalProperties": node_json()}
        }
    })
}

fn node_json() -> Value {
    json!({
        "type": "object",
        "required": ["name", "type"],
        "properties": {
            "name": {"type": "string"},
            "type": {"type": "string", "enum": ["trigger", "action", "operator"]},
            "subtype": text_or_null(),
            "module_uuid": text_or_null(),
            "action_uuid": text_or_null(),
            "trigger_uuid": text_or_null(),
            "module_configuration_uuid": text_or_null(),
            "trigger_configuration_uuid": text_or_null(),
            "arguments": {"type": ["object", "null"]},
            "outputs": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
            "cases": {"type": ["array", "null"], "items": case_json()},
            "items": {"type": null, "description": "Foreach: a template giving the list"},
            "loop": {"type": ["array", "null"], "items": {"type": "string"}},
            "modifications": {"type": ["array", "null"], "items": modification_json()},
            "retry": retry_json(),
            "timeout": {"type": ["number", "null"], "description": "Seconds, above 0 and at most a day"},
            "continue_on_error": {"type": "boolean"},
            "concurrency": {"type": ["integer", "null"], "minimum": 0, "maximum": u32::MAX, "description": "At least 1"},
            "max_items": {"type": ["integer", "null"], "minimum": 0, "maximum": u32::MAX,
                "description": format!("1 to {}", riposte_engine::MAX_FOREACH_ITEMS_CEILING)}
        }
    })
}

fn case_json() -> Value {
    json!({
        "type": "object",
        "required": ["name", "left", "comparison", "right"],
        "properties": {
            "name": {"type": "string"},
            "left": any(),
            "right": any(),
            "comparison": {"type": "string", "enum": ["==", "!=", "<", ">", "<=", ">=", "in", "not in", "range"]},
            "description": text_or_null(),
            "value_type": text_or_null()
        }
    })
}

fn modification_json() -> Value {
    json!({
        "type": "object",
        "required": ["key", "type"],
        "properties": {
            "key": {"type": "string"},
            "type": {"type": "string", "enum": ["set", "unset", "append", "remove"]},
            "value": any()
        }
    })
}

/// Bounds that a playbook can be saved without, but not turned on or run (they are among its
/// `problems`), are said in descriptions.
fn retry_json() -> Value {
    let delay = json!({"type": "integer", "minimum": 0, "maximum": u64::MAX,
        "description": format!("Milliseconds, at most {} (a day)", riposte_engine::MAX_DELAY_MS)});
    json!({
        "type": ["object", "null"],
        "description": "Riposte extension: how an action node is retried",
        "additionalProperties": false,
        "properties": {
            "max_attempts": {"type": "integer", "minimum": 0, "maximum": u32::MAX,
                "description": format!("1 (no retry) to {}", riposte_engine::MAX_ATTEMPTS)},
            "initial_backoff_ms": delay,
            "max_backoff_ms": delay,
            "multiplier": {"type": "number", "description": "1 to 100"},
            "jitter": {"type": "number", "description": "0 to 1"},
            "retry_on": {"type": "array", "items": {"type": "string", "enum": ["timeout", "transient", "action_error"]}}
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_part_reads_as_openapi() {
        for (name, part) in [
            ("any", any()),
            ("nullable", text_or_null()),
            ("case", case_json()),
            ("modification", modification_json()),
            ("retry", retry_json()),
            ("node", node_json()),
            ("playbook", playbook_json()),
        ] {
            let read: Result<RefOr<Schema>, _> = serde_json::from_value(part);
            assert!(read.is_ok(), "{name}: {:?}", read.err());
        }
    }
}
