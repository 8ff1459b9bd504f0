use riposte_store::StoreError;
use riposte_worker::WorkerError;

/// What a platform service refuses or fails at.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("playbook {0} is not active: the event starts no run")]
    NotActive(String),
    #[error("a connector sends its events to its intake (`POST {{intake_url}}/batch`), not to the callback")]
    ConnectorEvent,
    #[error("this server runs no installed modules")]
    NoModuleHost,
    /// A trigger event's `directory` that cannot become the run's storage.
    #[error("{0}")]
    Directory(String),
    #[error("secret key: {0}")]
    Key(String),
    /// Sealed secrets that do not open: another key, or altered data.
    #[error("{0}")]
    Sealed(String),
    #[error(transparent)]
    Worker(#[from] WorkerError),
    #[error("this server installs no modules")]
    NoInstaller,
    #[error("import {0} is running; one import runs at a time")]
    ImportRunning(String),
    #[error("{0} test runs are going on, the most at once; try again when one ends")]
    Busy(usize),
    #[error("{sent} assets in one push; at most {max} are taken at once")]
    TooManyAssets { sent: usize, max: usize },
}

pub type Result<T, E = ServiceError> = std::result::Result<T, E>;
