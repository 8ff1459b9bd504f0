//! A validated, compiled playbook: what the run state machine executes.

use riposte_model::{Catalogue, Comparison, ModificationType, Playbook, RetryPolicy};
use riposte_template::{Compiled, TemplateSet};

use crate::build::Builder;
use crate::diagnostic::Diagnostic;
use crate::graph::Graph;

/// Default timeout of one action attempt.
pub const DEFAULT_TIMEOUT_MS: u64 = 300_000;
/// Default number of foreach iterations running at once.
/// Most items one foreach iterates over unless its node says otherwise (`max_items`): each is a
/// frame of the run, shown in its view.
pub const MAX_FOREACH_ITEMS: usize = 10_000;
/// The most a foreach node may raise that to.
pub const MAX_FOREACH_ITEMS_CEILING: usize = 100_000;
/// Longest timeout or retry delay: a day. A node waiting longer holds its run's slot for nothing.
pub const MAX_DELAY_MS: u64 = 24 * 60 * 60 * 1000;
/// Most attempts of one action.
pub const MAX_ATTEMPTS: u32 = 100;
pub const DEFAULT_FOREACH_CONCURRENCY: usize = 10;

/// A playbook version ready to run: graph, compiled templates and per-node steps.
/// Built once per playbook version and shared by all its runs.
#[derive(Debug)]
pub struct Plan {
    pub name: String,
    pub graph: Graph,
    pub nodes: Vec<PlanNode>,
    /// The trigger nodes, in the playbook's order: any of them starts a run.
    pub triggers: Vec<usize>,
    pub templates: TemplateSet,
    /// For each foreach, how many nodes its loop body holds directly (not in nested loops).
    pub body_sizes: Vec<usize>,
}

#[derive(Debug)]
pub struct PlanNode {
    pub id: String,
    pub name: String,
    pub step: Step,
    pub continue_on_error: bool,
}

#[derive(Debug)]
pub enum Step {
    Trigger,
    Action(ActionStep),
    Condition(Vec<CaseStep>),
    Foreach { items: Compiled, concurrency: usize, max_items: usize },
    Store(Vec<StoreStep>),
    Join(JoinMode),
}

/// How a node with several incoming branches waits for them. Plain nodes behave as `All`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinMode {
    /// Wait until every incoming branch that can still arrive has arrived.
    All,
    /// Go on as soon as one incoming branch arrives.
    Any,
}

#[derive(Debug)]
pub struct ActionStep {
    pub module_uuid: String,
    pub action_uuid: String,
    pub module_configuration_uuid: Option<String>,
    pub arguments: Compiled,
    /// Arguments the manifest marks secret: passed to the action, never shown in reports.
    pub secret_arguments: Vec<String>,
    pub retry: RetryPolicy,
    pub timeout_ms: u64,
}

#[derive(Debug)]
pub struct CaseStep {
    pub name: String,
    pub left: Compiled,
    pub comparison: Comparison,
    pub right: Compiled,
    pub value_type: Option<ValueType>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueType {
    String,
    Integer,
}

#[derive(Debug)]
pub struct StoreStep {
    pub key: String,
    pub kind: ModificationType,
    pub value: Option<Compiled>,
}

impl Plan {
    /// Validates `playbook` against `catalogue` and compiles it. Every problem is reported at once.
    pub fn build(playbook: &Playbook, catalogue: &Catalogue) -> Result<Plan, Vec<Diagnostic>> {
        Builder::new(playbook, catalogue).build().0
    }

    /// The trigger node a run starts from: the one of id `node`, or the first when `None`.
    pub fn trigger_node(&self, node: Option<&str>) -> Option<usize> {
        match node {
            None => self.triggers.first().copied(),
            Some(id) => self.triggers.iter().copied().find(|&t| self.nodes[t].id == id),
        }
    }

    pub fn join_mode(&self, node: usize) -> JoinMode {
        match self.nodes[node].step {
            Step::Join(mode) => mode,
            _ => JoinMode::All,
        }
    }
}

/// Validates a playbook: the list of every problem, empty when it can run.
pub fn validate(playbook: &Playbook, catalogue: &Catalogue) -> Vec<Diagnostic> {
    check(playbook, catalogue).problems
}

/// What validation finds: problems stop a playbook from running, warnings do not.
#[derive(Debug, Default)]
pub struct Checked {
    pub problems: Vec<Diagnostic>,
    pub warnings: Vec<Diagnostic>,
}

/// Validates a playbook: its problems and its warnings.
pub fn check(playbook: &Playbook, catalogue: &Catalogue) -> Checked {
    let (plan, warnings) = Builder::new(playbook, catalogue).build();
    Checked { problems: plan.err().unwrap_or_default(), warnings }
}
