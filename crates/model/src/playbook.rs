//! Sekoia's playbook JSON ("SPL"): nodes keyed by id strings, each with a type, arguments and
//! `outputs` mapping a branch name to the ids of the next nodes.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{ModelError, RetryPolicy};

/// A playbook as Sekoia exports it. Unknown fields are kept in `extra`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Playbook {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uuid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub nodes: IndexMap<String, Node>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NodeType {
    Trigger,
    Action,
    Operator,
}

/// One block of a playbook. Which fields matter depends on `type` (and `subtype` for operators).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Node {
    pub name: String,
    #[serde(rename = "type")]
    pub node_type: NodeType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subtype: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub module_uuid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_uuid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trigger_uuid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arguments: Option<Map<String, Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub module_configuration_uuid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trigger_configuration_uuid: Option<String>,
    /// Branch name -> ids of the nodes that follow when that branch is taken.
    #[serde(default)]
    pub outputs: IndexMap<String, Vec<String>>,
    /// Condition operator: the cases, checked in order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cases: Option<Vec<Case>>,
    /// Foreach operator: a template that gives the list to iterate over.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items: Option<Value>,
    /// Foreach operator: ids of the first nodes of the loop body, run once per item.
    #[serde(rename = "loop", default, skip_serializing_if = "Option::is_none")]
    pub loop_entries: Option<Vec<String>>,
    /// Store operator: changes to the run store.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modifications: Option<Vec<Modification>>,
    /// Riposte extension: retry policy of an action node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry: Option<RetryPolicy>,
    /// Riposte extension: timeout of one attempt of an action node, in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<f64>,
    /// Riposte extension: a failure of this node neither stops its successors nor fails the run.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub continue_on_error: bool,
    /// Riposte extension: how many foreach iterations run at once.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "crate::whole::optional_unsigned")]
    pub concurrency: Option<u32>,
    /// Riposte extension: most items a foreach takes (10,000 unless set, 100,000 at most).
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "crate::whole::optional_unsigned")]
    pub max_items: Option<u32>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Operator subtypes. Sekoia's exports use `condition`, `foreach` and `store`; the join operators
/// are accepted as `any` / `all` in any case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperatorKind {
    Condition,
    Foreach,
    Store,
    Any,
    All,
}

impl OperatorKind {
    pub const NAMES: &'static str = "condition, foreach, store, any, all";

    pub fn parse(subtype: &str) -> Option<OperatorKind> {
        match subtype.to_ascii_lowercase().as_str() {
            "condition" => Some(OperatorKind::Condition),
            "foreach" => Some(OperatorKind::Foreach),
            "store" => Some(OperatorKind::Store),
            "any" => Some(OperatorKind::Any),
            "all" => Some(OperatorKind::All),
            _ => None,
        }
    }
}

/// One case of a condition operator; its `name` is also its output branch.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Case {
    pub name: String,
    pub left: Value,
    pub comparison: Comparison,
    pub right: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `string` or `integer`: how both sides are coerced before comparing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_type: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Comparison {
    #[serde(rename = "==")]
    Eq,
    #[serde(rename = "!=")]
    Ne,
    #[serde(rename = "<")]
    Lt,
    #[serde(rename = ">")]
    Gt,
    #[serde(rename = "<=")]
    Le,
    #[serde(rename = ">=")]
    Ge,
    #[serde(rename = "in")]
    In,
    #[serde(rename = "not in")]
    NotIn,
    #[serde(rename = "range")]
    Range,
}

/// One change of a store operator.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Modification {
    pub key: String,
    #[serde(rename = "type")]
    pub kind: ModificationType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ModificationType {
    Set,
    Unset,
    Append,
    Remove,
}

impl Playbook {
    /// Reads a playbook from JSON. Errors name the JSON path of the offending value.
    pub fn from_json(text: &str) -> Result<Playbook, ModelError> {
        crate::parse_json(text.as_bytes())
    }

    /// Reads a playbook from YAML, with the same field names as the JSON form.
    pub fn from_yaml(text: &str) -> Result<Playbook, ModelError> {
        let de = serde_norway::Deserializer::from_str(text);
        serde_path_to_error::deserialize(de).map_err(ModelError::from_yaml)
    }

    /// Reads JSON when the text looks like JSON, YAML otherwise.
    pub fn parse(text: &str) -> Result<Playbook, ModelError> {
        if text.trim_start().starts_with('{') { Playbook::from_json(text) } else { Playbook::from_yaml(text) }
    }

    /// Accepts both a bare playbook and the API envelope `{"playbook": {...}}`.
    pub fn parse_document(text: &str) -> Result<Playbook, ModelError> {
        let value: Value = if text.trim_start().starts_with('{') {
            serde_json::from_str(text).map_err(|e| ModelError::Parse {
                path: "$".into(),
                message: format!("invalid JSON at line {} column {}: {e}", e.line(), e.column()),
                syntax: true,
            })?
        } else {
            serde_norway::from_str(text).map_err(|e| ModelError::Parse {
                path: "$".into(),
                message: e.to_string(),
                syntax: true,
            })?
        };
        match value.get("playbook") {
            Some(inner) if value.get("nodes").is_none() => {
                Playbook::from_json(&inner.to_string()).map_err(|ModelError::Parse { path, message, syntax }| {
                    ModelError::Parse { path: path.replacen('$', "$.playbook", 1), message, syntax }
                })
            }
            _ => Playbook::parse(text),
        }
    }

    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).expect("a playbook always serialises")
    }
}

impl Node {
    pub fn operator_kind(&self) -> Option<OperatorKind> {
        self.subtype.as_deref().and_then(OperatorKind::parse)
    }

    /// Ids of every node this one leads to, over all branches.
    pub fn successors(&self) -> impl Iterator<Item = &str> {
        self.outputs.values().flatten().map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: &str = r#"{
      "name": "Synchronize alerts", "uuid": "b3d5ad43-5b4b-4b6f-8a0e-1c2d3e4f5a6b", "workspace": "main",
      "nodes": {
        "0": {"name": "Alert Created", "type": "trigger", "module_uuid": "92d8bb47-7c51-445d-81de-ae04edbb6f0a",
              "trigger_uuid": "785583cf-4377-43ce-a5fb-f4572eb57456", "position": {"x": 1, "y": 2}, "outputs": {"default": ["1"]}},
        "1": {"name": "Get Alert", "type": "action", "module_uuid": "92d8bb47-7c51-445d-81de-ae04edbb6f0a",
              "action_uuid": "8d189665-5401-4098-8d60-944de9a6199a", "arguments": {"uuid": "{{ node.0['alert_uuid'] }}", "stix": false},
              "outputs": {"default": []}}
      }
    }"#;

    #[test]
    fn sekoia_playbook_round_trips_unknown_fields() {
        let playbook = Playbook::from_json(SEED).unwrap();
        assert_eq!(playbook.nodes.len(), 2);
        assert_eq!(playbook.nodes["0"].extra["position"], serde_json::json!({"x": 1, "y": 2}));
        assert_eq!(playbook.extra["workspace"], "main");
        let again = Playbook::from_json(&playbook.to_json_pretty()).unwrap();
        assert_eq!(again, playbook);
        let original: Value = serde_json::from_str(SEED).unwrap();
        assert_eq!(serde_json::to_value(&playbook).unwrap(), original);
    }

    #[test]
    fn yaml_and_envelope_forms_load() {
        let yaml = "name: p\nnodes:\n  '0': {name: t, type: trigger, outputs: {default: []}}\n";
        assert_eq!(Playbook::parse(yaml).unwrap().nodes["0"].node_type, NodeType::Trigger);
        let envelope = format!("{{\"playbook\": {SEED}}}");
        assert_eq!(Playbook::parse_document(&envelope).unwrap().nodes.len(), 2);
    }

    #[test]
    fn shape_errors_name_the_json_path() {
        let bad = r#"{"name": "p", "nodes": {"3": {"name": "x", "type": "actoin", "outputs": {}}}}"#;
        let err = Playbook::from_json(bad).unwrap_err().to_string();
        assert!(err.starts_with("$.nodes[\"3\"].type: unknown variant `actoin`"), "{err}");
        let bad = r#"{"name": "p", "nodes": {"3": {"name": "x", "type": "action", "outputs": {"default": "4"}}}}"#;
        let err = Playbook::from_json(bad).unwrap_err().to_string();
        assert!(err.starts_with("$.nodes[\"3\"].outputs.default:"), "{err}");
        let err = Playbook::parse_document("{\"playbook\": {\"nodes\": {}}}").unwrap_err().to_string();
        assert!(err.contains("missing field `name`"), "{err}");
        let err = Playbook::from_yaml("name: p\nnodes:\n  '0': {name: t, type: 5}\n").unwrap_err().to_string();
        assert!(err.contains("line 3"), "{err}");
    }
}

#[cfg(test)]
mod robustness {
    use super::Playbook;
    use proptest::prelude::*;

    proptest! {
        /// Untrusted documents get an error, never a panic.
        #[test]
        fn any_text_parses_or_errors(text in "(\\{|\\}|\\[|\\]|\"|:|,|nodes|name|type|trigger|outputs|[0-9a-z ]|\n){0,80}") {
            let _ = Playbook::parse_document(&text);
            let _ = Playbook::from_yaml(&text);
        }
    }
}
