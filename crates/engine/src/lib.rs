//! Playbook validation and the run state machine.
//!
//! [`Plan::build`] validates a playbook against the catalogue of installed modules and compiles
//! it. [`Run`] executes a plan as a deterministic state machine: each [`Event`] (the trigger
//! fired, an action finished, a retry timer elapsed, cancellation) updates the run and returns
//! the [`Effect`]s to carry out (start an action, set a timer, abort an action). The engine does
//! no I/O: the worker that drives it does, which makes every behaviour unit-testable and a run
//! replayable from its events.

mod build;
mod diagnostic;
mod graph;
mod plan;
mod preview;
mod run;
mod schema;

pub use diagnostic::{Diagnostic, node_path as diagnostic_path};
pub use graph::Graph;
pub use plan::{
    ActionStep, Checked, DEFAULT_FOREACH_CONCURRENCY, DEFAULT_TIMEOUT_MS, JoinMode, MAX_ATTEMPTS, MAX_DELAY_MS,
    MAX_FOREACH_ITEMS, MAX_FOREACH_ITEMS_CEILING, Plan, PlanNode, Step, check, validate,
};
pub use preview::preview;
pub use riposte_model::{ActionOutcome, Failure, FailureKind};
/// The allocator a program installs for renders to know the memory they hold.
pub use riposte_template::CountingAllocator;
pub use run::*;
