//! Foreach: one iteration frame per item, at most `concurrency` at once, then the `default` branch.

use std::sync::Arc;

use riposte_model::NodeStatus;
use riposte_template::NodeOutputs;
use serde_json::{Value, json};

use super::{EdgeState, Frame, FrameId, InstanceId, Run};
use crate::plan::Plan;

/// Where a foreach instance is in its list.
#[derive(Debug, Clone)]
pub(super) struct Progress {
    items: Vec<Value>,
    next: usize,
    active: usize,
    concurrency: usize,
    failed: bool,
}

impl Run {
    pub(super) fn start_loop(&mut self, plan: &Plan, id: InstanceId, items: Vec<Value>, concurrency: usize) {
        self.start_running(id);
        self.instances[id].arguments = Some(json!({ "items": items }));
        self.instances[id].foreach = Some(Progress { items, next: 0, active: 0, concurrency, failed: false });
        self.next_iterations(plan, id);
    }

    /// Starts iterations up to the concurrency limit; ends the loop when all are done.
    fn next_iterations(&mut self, plan: &Plan, id: InstanceId) {
        loop {
            let progress = self.instances[id].foreach.as_mut().expect("a running foreach has progress");
            let more = progress.next < progress.items.len() && !progress.failed;
            if more && progress.active < progress.concurrency && !self.status.is_final() {
                let index = progress.next;
                progress.next += 1;
                progress.active += 1;
                self.start_iteration(plan, id, index);
            } else {
                if progress.active == 0 {
                    self.end_loop(plan, id);
                }
                return;
            }
        }
    }

    fn start_iteration(&mut self, plan: &Plan, id: InstanceId, index: usize) {
        let (node, parent) = (self.instances[id].node, self.instances[id].frame);
        let progress = self.instances[id].foreach.as_ref().expect("progress");
        let mut outputs = NodeOutputs::child_of(self.frames[parent].outputs.clone());
        let item =
            json!({ "default": { "value": progress.items[index], "index": index, "total": progress.items.len() } });
        outputs.insert_json(&plan.nodes[node].id, Arc::new(item));
        let frame: FrameId = self.frames.len();
        self.frames.push(Frame {
            parent: Some(parent),
            iteration: Some((id, index)),
            outputs: Arc::new(outputs),
            members: Vec::new(),
            remaining: plan.body_sizes[node],
            failed: false,
        });
        for &edge_id in &plan.graph.outgoing[node] {
            if plan.graph.edges[edge_id].is_loop {
                self.arrive(plan, frame, edge_id, EdgeState::Arrived);
            }
        }
    }

    /// Every node of an iteration is final. What it produced stays readable after the loop
    /// (the last iteration to finish wins), and the next item starts.
    pub(super) fn iteration_done(&mut self, plan: &Plan, frame: FrameId) {
        let (foreach, _) = self.frames[frame].iteration.expect("an iteration frame");
        let parent = self.frames[frame].parent.expect("an iteration has a parent");
        let produced: Vec<(String, Arc<Value>)> = self.frames[frame]
            .members
            .iter()
            .map(|&m| &self.instances[m])
            .filter_map(|i| Some((plan.nodes[i.node].id.clone(), i.results.clone()?)))
            .collect();
        let outputs = Arc::make_mut(&mut self.frames[parent].outputs);
        for (node_id, results) in produced {
            outputs.insert_json(&node_id, results);
        }
        let failed = self.frames[frame].failed;
        let progress = self.instances[foreach].foreach.as_mut().expect("progress");
        progress.active -= 1;
        progress.failed |= failed;
        self.next_iterations(plan, foreach);
    }

    fn end_loop(&mut self, plan: &Plan, id: InstanceId) {
        if self.instances[id].status != NodeStatus::Running {
            return;
        }
        let progress = self.instances[id].foreach.as_ref().expect("progress");
        let total = progress.items.len();
        if progress.failed {
            let done = progress.next;
            self.fail(plan, id, format!("an iteration failed; {done} of {total} items were started"), None);
        } else {
            self.succeed(plan, id, Some(json!({ "total": total })), Vec::new());
        }
    }
}
