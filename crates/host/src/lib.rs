//! Modules installed apart from Riposte, run as processes that speak Sekoia's module protocol.
//!
//! An installed module is a folder: Sekoia's manifests (`manifest.json`, `action_*.json`,
//! `trigger_*.json`, `connector_*.json`) and `riposte-module.json`, which says how to start the
//! module's program. A component runs as `<program> <docker_parameters>`, with its inputs in
//! environment variables and callback URLs pointing at this server, where [`Callbacks`] answers
//! them.

mod action;
mod callbacks;
mod data;
mod host;
mod installed;
mod logs;
mod process;
mod supervise;
mod warm;

pub use action::{AccountCheck, ActionReport, ActionRequest, VALIDATE_ACCOUNT};
pub use callbacks::{CallbackError, Callbacks, TriggerEvent};
pub use host::{DATA_PATH_VARIABLE, Host, WarmStatus};
pub use installed::{INSTALL_FILE, InstalledModule, Launch, Source, load_module, load_modules, without_credentials};
pub use supervise::{ComponentKind, ComponentState, ComponentStatus, LongRunning, Redact, Supervised};
pub use warm::{DEFAULT_WARM_IDLE, DEFAULT_WARM_WORKERS};

/// What goes wrong with an installed module.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    #[error("{path}: {message}")]
    Module { path: String, message: String },
    #[error("cannot start {program}: {source}")]
    Start { program: String, source: std::io::Error },
}
