//! A readable account of a run: per node instance, what it was given, what it produced.

use riposte_model::{NodeReport, NodeStatus, RunReport, RunStatus};

use super::Run;
use crate::plan::Plan;

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
                    arguments: instance.arguments.clone(),
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
