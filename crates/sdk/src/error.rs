use riposte_model::FailureKind;
use thiserror::Error;

/// Why an action, trigger or connector could not do its work.
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

/// What goes wrong around components: their manifests and the protocol that runs them.
#[derive(Debug, Error)]
pub enum SdkError {
    #[error("{0}")]
    Manifest(String),
    /// An input the platform should have given (`arguments`, `token`, `url_callback`, ...).
    #[error("missing configuration `{0}`: give it as the file /symphony/{0} or the environment variable {upper}", upper = .0.to_uppercase())]
    MissingInput(String),
    #[error("configuration `{name}` is not valid JSON: {message}")]
    BadInput { name: String, message: String },
    #[error("no action, trigger or connector answers the command `{0}`")]
    UnknownCommand(String),
    /// The platform did not answer a call.
    #[error("{0}")]
    Platform(String),
    /// The platform refused a call (a 4xx, never retried).
    #[error("{message}")]
    Refused { status: u16, message: String },
    #[error("{path}: {source}")]
    Io { path: String, source: std::io::Error },
}
