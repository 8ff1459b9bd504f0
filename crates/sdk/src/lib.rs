//! The module SDK: actions are plain Rust types.
//!
//! An action declares its arguments and results as serde + schemars types; their doc comments
//! become the JSON Schema descriptions of the generated manifest. At run time the arguments are
//! checked and decoded (errors name the field), the action runs with an [`ActionContext`]
//! (module configuration, logs, `error`, `set_output`), and the outcome is reported the way
//! Sekoia's SDK reports it: results and/or an error, logs, chosen output branches.
//!
//! Riposte's built-in modules are written with this crate, so there is one way to write a block.

mod action;
mod context;
mod error;
mod module;
mod schema;

pub use action::{Action, ActionInfo, DynAction};
pub use context::ActionContext;
pub use error::ActionError;
pub use module::{Module, ModuleInfo};
pub use schema::schema_of;

pub use riposte_model::{ActionOutcome, Failure, FailureKind, LogEntry, LogLevel};
pub use schemars::JsonSchema;
