//! How an action attempt ended: the vocabulary shared by modules, the engine and workers.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{LogEntry, RetryOn};

/// How an action attempt ended, as Sekoia's SDK reports it: results and/or an error, logs, and
/// the output branches the action chose.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ActionOutcome {
    pub results: Option<Value>,
    pub error: Option<Failure>,
    /// Branches the action activated (`set_output`); none means `default`.
    pub outputs: Vec<String>,
    pub logs: Vec<LogEntry>,
}

impl ActionOutcome {
    /// The same, each list of the results holding no more room than its items. A list read from
    /// a tool's answer grows by doubling while it is read, and a run holds its results until it
    /// ends: a list of small numbers would keep up to twice the memory it needs.
    pub fn fitted(mut self) -> Self {
        if let Some(results) = self.results.as_mut() {
            fit(results);
        }
        self
    }
}

fn fit(value: &mut Value) {
    match value {
        Value::Array(items) => {
            items.shrink_to_fit();
            items.iter_mut().for_each(fit);
        }
        Value::Object(map) => map.values_mut().for_each(fit),
        _ => {}
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Failure {
    pub kind: FailureKind,
    pub message: String,
}

/// Why an attempt failed, which decides whether it is retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    Timeout,
    /// Network failure or remote 5xx: worth retrying.
    Transient,
    /// The action reported an error.
    Action,
    /// Nothing a retry can fix (unknown module, bad configuration, bad arguments).
    Fatal,
}

impl FailureKind {
    /// The retry policy entry that covers this failure; `None` when no retry can help.
    pub fn retry_class(self) -> Option<RetryOn> {
        match self {
            FailureKind::Timeout => Some(RetryOn::Timeout),
            FailureKind::Transient => Some(RetryOn::Transient),
            FailureKind::Action => Some(RetryOn::ActionError),
            FailureKind::Fatal => None,
        }
    }
}

impl Failure {
    pub fn new(kind: FailureKind, message: impl Into<String>) -> Self {
        Failure { kind, message: message.into() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fitted_results_hold_no_spare_room() {
        let read: Value = serde_json::from_str(&format!("{{\"a\": [[{}]]}}", vec!["1"; 1000].join(","))).unwrap();
        let outcome = ActionOutcome { results: Some(read.clone()), ..Default::default() }.fitted();
        let inner = &outcome.results.as_ref().unwrap()["a"][0];
        assert_eq!(inner.as_array().unwrap().capacity(), 1000);
        assert_eq!(outcome.results, Some(read), "the same values");
    }
}
