use riposte_model::RunStatus;
use riposte_store::StoreError;

/// What goes wrong while driving, rebuilding or restarting a run, or resolving what an action
/// runs with.
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("run {0} not found")]
    RunNotFound(String),
    #[error("only failed or cancelled runs can rerun their failed nodes; this one is {0}")]
    NotFailed(RunStatus),
    #[error("playbook {playbook} has no version {version}")]
    MissingVersion { playbook: String, version: i64 },
    #[error("the stored version {version} of playbook {playbook} is unreadable: {source}")]
    UnreadablePlaybook { playbook: String, version: i64, source: serde_json::Error },
    /// A stored version no longer compiles (a module it uses was uninstalled or changed).
    #[error("the playbook no longer validates: {}", .0.join("; "))]
    InvalidPlaybook(Vec<String>),
    #[error("run {run} starts from trigger node `{node}`, which its playbook version does not have")]
    UnknownTrigger { run: String, node: String },
    #[error("the journal of run {run} is unreadable at event {event}: {source}")]
    CorruptJournal { run: String, event: usize, source: serde_json::Error },
    #[error("run {run} lost its output {key}")]
    LostOutput { run: String, key: String },
    #[error("cannot encode the journal of run {run}: {source}")]
    Encode { run: String, source: serde_json::Error },
    /// The state machine waits for nothing yet has not finished: a fault of the engine.
    #[error("run {0} has nothing in flight and has not finished")]
    Stalled(String),
    #[error("no module configuration {0}")]
    NoConfiguration(String),
    /// A configuration that exists but cannot be used: its secrets do not open, say.
    #[error("module configuration {uuid}: {reason}")]
    UnusableConfiguration { uuid: String, reason: String },
    #[error("module configuration {0} cannot take new secret values here")]
    SecretsNotKept(String),
}

pub type Result<T, E = WorkerError> = std::result::Result<T, E>;
