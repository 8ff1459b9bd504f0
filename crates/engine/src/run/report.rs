//! A readable account of a run: per node instance, what it was given, what it produced.

use riposte_model::{NodeReport, NodeStatus, RunReport, RunStatus};

use serde_json::Value;

use super::Run;
use crate::plan::{Plan, Step};

/// What reports show instead of a secret.
pub const REDACTED: &str = "***";

/// Arguments with the values of secret arguments replaced.
fn redacted(arguments: &Value, step: &Step) -> Value {
    let mut arguments = arguments.clone();
    if let (Step::Action(action), Some(object)) = (step, arguments.as_object_mut()) {
        for name in &action.secret_arguments {
            if let Some(value) = object.get_mut(name)
                && !value.is_null()
            {
                *value = Value::String(REDACTED.into());
            }
        }
    }
    arguments
}

impl Run {
    /// Every node of the playbook in playbook order, each instance of it in creation order;
    /// a node the run never reached is reported once as skipped.
    pub fn report(&self, plan: &Plan) -> RunReport {
        let mut nodes = Vec::new();
        for (index, node) in plan.nodes.iter().enumerate() {
            let instances: Vec<_> = self.instances.iter().filter(|i| i.node == index).collect();
            if instances.is_empty() {
                let status =
                    if self.status == RunStatus::Cancelled { NodeStatus::Cancelled } else { NodeStatus::Skipped };
                nodes.push(NodeReport::unreached(&node.id, &node.name, status));
            }
            for instance in instances {
                nodes.push(NodeReport {
                    node_id: node.id.clone(),
                    name: node.name.clone(),
                    iteration: self.iteration_path(instance.frame),
                    status: instance.status,
                    attempts: instance.attempts,
                    arguments: instance.arguments.as_ref().map(|a| redacted(a, &node.step)),
                    results: instance.results.clone(),
                    error: instance.error.clone(),
                    logs: instance.logs.clone(),
                    branches: instance.branches.clone(),
                    started_at_ms: instance.started_at_ms,
                    ended_at_ms: instance.ended_at_ms,
                });
            }
        }
        RunReport {
            id: self.id.clone(),
            playbook: plan.name.clone(),
            status: self.status,
            started_at_ms: self.started_at_ms,
            ended_at_ms: self.ended_at_ms,
            nodes,
        }
    }
}
