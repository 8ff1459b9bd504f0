//! The module SDK: actions, triggers and connectors are plain Rust types.
//!
//! A component declares its arguments, configuration, results and events as serde + schemars
//! types; their doc comments become the JSON Schema descriptions of the generated manifests, and
//! fields marked `#[schemars(extend("secret" = true))]` become the manifest's `secrets`. At run
//! time inputs are checked and decoded (errors name the field) and the component runs with a
//! context: module configuration, logs, `error` and `set_output` for actions, `send_event` for
//! triggers, `push_events_to_intakes` for connectors.
//!
//! A module is one binary: `Module::run` picks the component from the first argument and speaks
//! Sekoia's module protocol (see [`wire`]), so that the platform runs Rust and Python modules the
//! same way. Riposte's built-in modules use the same traits in-process.

mod abbreviate;
mod action;
mod component;
mod connector;
mod context;
mod error;
mod files;
mod module;
mod schema;
mod trigger;
pub mod wire;

pub use abbreviate::{CUT_MARK, abbreviate};
pub use action::{Action, ActionInfo, BoxFuture, DynAction};
pub use component::{Component, ComponentInfo, RunningContext};
pub use connector::{
    CHUNK_MAX_CHARS, CHUNK_MAX_EVENTS, Connector, ConnectorContext, DynConnector, EVENT_MAX_CHARS, IntakeHost,
    chunk_events,
};
pub use context::ActionContext;
pub use error::{ActionError, SdkError};
pub use files::{manifest_drift, manifest_files, pretty, write_manifests};
pub use module::{Command, Module, ModuleInfo};
pub use schema::{schema_of, schema_with_secrets};
pub use trigger::{DynTrigger, Trigger, TriggerContext, TriggerEvent, TriggerHost};

pub use riposte_model::{ActionOutcome, Failure, FailureKind, LogEntry, LogLevel};
pub use schemars::JsonSchema;
