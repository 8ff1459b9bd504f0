use std::fmt;

use serde::Serialize;

/// One problem found in a playbook, with where it is and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Id of the node at fault, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
    /// JSON path of the offending value, e.g. `$.nodes["3"].arguments.url`.
    pub path: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic { node: None, path: path.into(), message: message.into(), hint: None }
    }

    pub fn at_node(node: &str, suffix: &str, message: impl Into<String>) -> Self {
        Diagnostic { node: Some(node.to_string()), path: node_path(node, suffix), message: message.into(), hint: None }
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, " (hint: {hint})")?;
        }
        Ok(())
    }
}

/// `$.nodes["<id>"]` followed by `suffix` (which starts with `.` or `[` when not empty).
pub fn node_path(node: &str, suffix: &str) -> String {
    format!("$.nodes[{}]{suffix}", serde_json::Value::from(node))
}

/// The JSON path of a key below `base`.
pub fn child_path(base: &str, key: &str) -> String {
    format!("{base}{}", riposte_model::key_segment(key))
}
