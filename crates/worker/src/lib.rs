//! Drives runs: executes the engine's effects with in-process modules.
//!
//! [`LocalRunner`] runs one playbook run in memory, start to end: actions run concurrently as
//! tokio tasks under their timeout, retry timers sleep, cancellation aborts what is in flight.

mod configurations;
mod registry;
mod runner;

pub use configurations::Configurations;
pub use registry::Registry;
pub use runner::LocalRunner;
