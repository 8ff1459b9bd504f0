use riposte_model::FailureKind;
use thiserror::Error;

/// Why an action could not produce its results.
#[derive(Debug, Clone, Error, PartialEq)]
#[error("{message}")]
pub struct ActionError {
    pub kind: FailureKind,
    pub message: String,
}

impl ActionError {
    /// A failure a later attempt may not meet (network error, remote 5xx): retried by default.
    pub fn transient(message: impl Into<String>) -> Self {
        ActionError { kind: FailureKind::Transient, message: message.into() }
    }

    /// The action refuses its input or the remote side refused the request.
    pub fn action(message: impl Into<String>) -> Self {
        ActionError { kind: FailureKind::Action, message: message.into() }
    }

    /// Nothing a retry can fix: bad configuration, bad arguments.
    pub fn fatal(message: impl Into<String>) -> Self {
        ActionError { kind: FailureKind::Fatal, message: message.into() }
    }
}
