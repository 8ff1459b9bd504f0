//! How a finished node releases (or blocks) the nodes after it.

use riposte_model::NodeStatus;
use serde_json::Value;

use super::{EdgeState, FrameId, Instance, InstanceId, Run};
use crate::plan::{JoinMode, Plan};

impl Run {
    /// The instance of `node` in `frame`, created on first use.
    pub(super) fn instance(&mut self, plan: &Plan, frame: FrameId, node: usize) -> InstanceId {
        if let Some(&id) = self.by_node.get(&(frame, node)) {
            return id;
        }
        let id = self.instances.len();
        self.instances.push(Instance {
            node,
            frame,
            status: NodeStatus::Pending,
            incoming: vec![EdgeState::Pending; plan.graph.incoming[node].len()],
            attempts: 0,
            arguments: None,
            results: None,
            error: None,
            logs: Vec::new(),
            branches: Vec::new(),
            started_at_ms: None,
            ended_at_ms: None,
            queued: false,
            retry_pending: None,
            foreach: None,
        });
        self.by_node.insert((frame, node), id);
        self.frames[frame].members.push(id);
        id
    }

    /// The node succeeded with `results`; `branches` it chose (none means `default`).
    pub(super) fn succeed(&mut self, plan: &Plan, id: InstanceId, results: Option<Value>, branches: Vec<String>) {
        let branches = if branches.is_empty() { vec!["default".to_string()] } else { branches };
        self.record_output(plan, id, results);
        self.close(id, NodeStatus::Succeeded);
        self.instances[id].branches = branches.clone();
        self.release(
            plan,
            id,
            |branch| if branches.iter().any(|b| b == branch) { EdgeState::Arrived } else { EdgeState::Dead },
        );
    }

    /// The node failed. Unless it may continue on error, nothing after it runs and the run fails.
    pub(super) fn fail(&mut self, plan: &Plan, id: InstanceId, error: String, results: Option<Value>) {
        self.record_output(plan, id, results);
        self.instances[id].error = Some(error);
        self.close(id, NodeStatus::Failed);
        if plan.nodes[self.instances[id].node].continue_on_error {
            self.instances[id].branches = vec!["default".to_string()];
            self.release(plan, id, |branch| if branch == "default" { EdgeState::Arrived } else { EdgeState::Dead });
        } else {
            self.failed = true;
            self.frames[self.instances[id].frame].failed = true;
            self.release(plan, id, |_| EdgeState::Failed);
        }
    }

    /// The node will not run: its branches carry `cause` (dead, or failed upstream).
    pub(super) fn skip(&mut self, plan: &Plan, id: InstanceId, cause: EdgeState) {
        self.close(id, NodeStatus::Skipped);
        self.release(plan, id, |_| cause);
    }

    fn record_output(&mut self, plan: &Plan, id: InstanceId, results: Option<Value>) {
        let Some(results) = results else { return };
        let instance = &mut self.instances[id];
        let node_id = &plan.nodes[instance.node].id;
        let results = std::sync::Arc::new(results);
        std::sync::Arc::make_mut(&mut self.frames[instance.frame].outputs).insert_json(node_id, results.clone());
        instance.results = Some(results);
    }

    fn close(&mut self, id: InstanceId, status: NodeStatus) {
        let instance = &mut self.instances[id];
        if instance.status == NodeStatus::Running {
            self.running -= 1;
        }
        instance.status = status;
        if instance.started_at_ms.is_some() {
            instance.ended_at_ms = Some(self.now_ms);
        }
    }

    /// Resolves every outgoing branch of a final instance (loop edges excepted), then counts the
    /// instance as done in its loop iteration.
    fn release(&mut self, plan: &Plan, id: InstanceId, state_of: impl Fn(&str) -> EdgeState) {
        let (node, frame) = (self.instances[id].node, self.instances[id].frame);
        for &edge_id in &plan.graph.outgoing[node] {
            let edge = &plan.graph.edges[edge_id];
            if !edge.is_loop {
                self.arrive(plan, frame, edge_id, state_of(&edge.branch));
            }
        }
        self.body_node_done(plan, frame);
    }

    /// Branch `edge_id` reaches its target in `frame` in `state`.
    pub(super) fn arrive(&mut self, plan: &Plan, frame: FrameId, edge_id: usize, state: EdgeState) {
        let target = plan.graph.edges[edge_id].to;
        let id = self.instance(plan, frame, target);
        let position = plan.graph.incoming[target].iter().position(|&e| e == edge_id).expect("edge is incoming");
        let instance = &mut self.instances[id];
        if instance.status != NodeStatus::Pending || self.status.is_final() {
            return;
        }
        instance.incoming[position] = state;
        match readiness(&instance.incoming, plan.join_mode(target)) {
            Readiness::Wait => {}
            Readiness::Run => {
                if !instance.queued {
                    instance.queued = true;
                    self.ready.push_back(id);
                }
            }
            Readiness::Skip(cause) => self.skip(plan, id, cause),
        }
    }

    /// One more node of a loop iteration is final; the last one ends the iteration.
    fn body_node_done(&mut self, plan: &Plan, frame: FrameId) {
        if self.frames[frame].iteration.is_none() {
            return;
        }
        self.frames[frame].remaining -= 1;
        if self.frames[frame].remaining == 0 {
            self.iteration_done(plan, frame);
        }
    }
}

enum Readiness {
    Wait,
    Run,
    Skip(EdgeState),
}

fn readiness(incoming: &[EdgeState], mode: JoinMode) -> Readiness {
    let any = |s: EdgeState| incoming.contains(&s);
    if any(EdgeState::Failed) {
        return Readiness::Skip(EdgeState::Failed);
    }
    let settled = !any(EdgeState::Pending);
    match mode {
        JoinMode::Any if any(EdgeState::Arrived) => Readiness::Run,
        JoinMode::All if settled && any(EdgeState::Arrived) => Readiness::Run,
        _ if settled => Readiness::Skip(EdgeState::Dead),
        _ => Readiness::Wait,
    }
}
