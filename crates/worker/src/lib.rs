//! Drives runs: carries out the effects of the engine's state machine.
//!
//! [`drive`] is the loop: action attempts run concurrently as futures of the run's own task
//! under their timeout, retry timers sleep, cancellation aborts what is in flight, and each event
//! goes to a [`Journal`] before its effects start. [`LocalRunner`] drives runs that live in memory (the CLI);
//! [`DurableRunner`] drives runs kept in a store, journaling every event, and picks up where a
//! crash left them.

mod configurations;
mod drive;
mod durable;
mod error;
mod executor;
mod metrics;
mod registry;
mod renders;
mod runner;
mod scrub;
mod service;
#[cfg(test)]
mod testing;

pub use configurations::{ConfigurationSource, Configurations, Resolved};
pub use drive::{Journal, NoJournal, drive, now_ms};
pub use durable::{DEFAULT_MAX_INLINE_OUTPUT, DurableRunner};
pub use error::{Result, WorkerError};
pub use executor::Executor;
pub use metrics::WorkerMetrics;
pub use registry::Registry;
pub use renders::{LONG_RENDERS_AT_ONCE, long_render};
pub use runner::LocalRunner;
pub use scrub::Scrubber;
pub use service::{FAILURES_BEFORE_DEACTIVATION, RunLimits, RunService};
