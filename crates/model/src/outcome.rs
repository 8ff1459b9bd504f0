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
