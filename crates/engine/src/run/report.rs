//! A readable account of a run: per node instance, what it was given, what it produced.

use riposte_model::{LogEntry, NodeStatus, RunStatus};
use serde::Serialize;
use serde_json::Value;

use super::Run;
use crate::plan::Plan;

#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    pub id: String,
    pub playbook: String,
    pub status: RunStatus,
    pub started_at_ms: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ended_at_ms: Option<i64>,
    pub nodes: Vec<NodeReport>,
}

#[derive(Debug, Clone, Serialize)]
pub struct NodeReport {
    pub node_id: String,
    pub name: String,
    /// Indexes of the enclosing foreach iterations, outermost first; empty outside loops.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub iteration: Vec<usize>,
    pub status: NodeStatus,
    pub attempts: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arguments: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub results: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub logs: Vec<LogEntry>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub branches: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started_at_ms: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ended_at_ms: Option<i64>,
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

impl NodeReport {
    fn unreached(node_id: &str, name: &str, status: NodeStatus) -> Self {
        NodeReport {
            node_id: node_id.to_string(),
            name: name.to_string(),
            iteration: Vec::new(),
            status,
            attempts: 0,
            arguments: None,
            results: None,
            error: None,
            logs: Vec::new(),
            branches: Vec::new(),
            started_at_ms: None,
            ended_at_ms: None,
        }
    }
}
