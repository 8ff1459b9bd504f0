//! The run state machine: `(run, event) -> (run', effects)`, no I/O.

mod compare;
mod foreach;
mod propagate;
mod report;

pub use report::REDACTED;
pub use riposte_model::{NodeReport, RunReport};
mod steps;

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use riposte_model::{ActionOutcome, LogEntry, NodeStatus, RunStatus};
use riposte_template::{NodeOutputs, RenderContext};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::plan::Plan;

/// Index of a node instance within a run. A node outside loops has one instance; a node in a
/// loop body has one per iteration.
pub type InstanceId = usize;
type FrameId = usize;

/// What the driver must do after an event.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Start one attempt of an action.
    Execute(ActionCall),
    /// Deliver [`Event::Wake`] for this instance and attempt after a delay (retry backoff).
    Wake { instance: InstanceId, attempt: u32, after_ms: u64 },
    /// Stop an action attempt in flight; its result, if any, will be ignored.
    Abort { instance: InstanceId },
    /// The run is over.
    Finished { status: RunStatus },
}

/// One attempt of an action, with everything needed to carry it out.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionCall {
    pub instance: InstanceId,
    pub attempt: u32,
    pub node_id: String,
    pub module_uuid: String,
    pub action_uuid: String,
    pub module_configuration_uuid: Option<String>,
    pub arguments: Value,
    pub timeout_ms: u64,
    /// The same for every attempt of this node instance, so that a remote system can recognise a
    /// repeated call.
    pub idempotency_key: String,
}

/// What happens to a run from outside. Events are what a run's log keeps: replaying them into
/// [`Run::start`]'s result rebuilds the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    ActionFinished {
        instance: InstanceId,
        attempt: u32,
        outcome: ActionOutcome,
    },
    Wake {
        instance: InstanceId,
        attempt: u32,
    },
    Cancel,
    /// Runs a failed or cancelled run again from its start, keeping what its succeeded actions
    /// produced: only failed, skipped and never-reached nodes run again.
    RestartFailed,
}

/// A scope of node outputs: the run itself, or one iteration of a foreach.
#[derive(Debug, Clone)]
struct Frame {
    parent: Option<FrameId>,
    /// The foreach instance this iteration belongs to, and the item's index.
    iteration: Option<(InstanceId, usize)>,
    outputs: Arc<NodeOutputs>,
    /// Instances created in this frame.
    members: Vec<InstanceId>,
    /// Nodes of the body not yet in a final state.
    remaining: usize,
    failed: bool,
}

/// Where an incoming branch of an instance stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EdgeState {
    Pending,
    Arrived,
    /// The branch was not taken: it will never arrive.
    Dead,
    /// The node upstream failed: nothing downstream runs.
    Failed,
}

/// One execution of one node.
#[derive(Debug, Clone)]
pub struct Instance {
    pub node: usize,
    frame: FrameId,
    pub status: NodeStatus,
    incoming: Vec<EdgeState>,
    pub attempts: u32,
    pub arguments: Option<Value>,
    /// Shared with the templates that read it.
    pub results: Option<Arc<Value>>,
    pub error: Option<String>,
    pub logs: Vec<LogEntry>,
    pub branches: Vec<String>,
    pub started_at_ms: Option<i64>,
    pub ended_at_ms: Option<i64>,
    /// In the ready queue already.
    queued: bool,
    /// A failed attempt waits for its retry timer: the attempt to start when it fires.
    retry_pending: Option<u32>,
    foreach: Option<foreach::Progress>,
}

/// The state of one playbook run.
#[derive(Debug, Clone)]
pub struct Run {
    id: String,
    /// The trigger node the run started from.
    trigger: usize,
    status: RunStatus,
    frames: Vec<Frame>,
    instances: Vec<Instance>,
    by_node: HashMap<(FrameId, usize), InstanceId>,
    store: Map<String, Value>,
    store_value: riposte_template::Value,
    ready: VecDeque<InstanceId>,
    /// Instances in the `running` state (actions in flight, loops with iterations left).
    running: usize,
    effects: Vec<Effect>,
    failed: bool,
    now_ms: i64,
    started_at_ms: i64,
    ended_at_ms: Option<i64>,
    /// Outcomes of actions that succeeded before a restart, by instance path: they are reused
    /// instead of being called again.
    memo: HashMap<String, ActionOutcome>,
}

impl Run {
    /// Starts a run of `plan` from its first trigger, with the trigger's event as the trigger
    /// node's output.
    pub fn start(plan: &Plan, run_id: &str, trigger_output: Value, now_ms: i64) -> (Run, Vec<Effect>) {
        let first = plan.trigger_node(None).expect("a plan has a trigger");
        Run::start_from(plan, run_id, first, trigger_output, now_ms)
    }

    /// Starts a run of `plan` from its trigger node `trigger` (an index of
    /// [`Plan::triggers`]). The playbook's other triggers are skipped: what only they lead to
    /// is skipped too, and a join waits for none of them.
    pub fn start_from(
        plan: &Plan,
        run_id: &str,
        trigger: usize,
        trigger_output: Value,
        now_ms: i64,
    ) -> (Run, Vec<Effect>) {
        Run::start_with(plan, run_id, trigger, trigger_output, now_ms, HashMap::new())
    }

    fn start_with(
        plan: &Plan,
        run_id: &str,
        trigger: usize,
        trigger_output: Value,
        now_ms: i64,
        memo: HashMap<String, ActionOutcome>,
    ) -> (Run, Vec<Effect>) {
        let mut run = Run {
            id: run_id.to_string(),
            trigger,
            status: RunStatus::Running,
            frames: vec![Frame {
                parent: None,
                iteration: None,
                outputs: Arc::default(),
                members: Vec::new(),
                remaining: 0,
                failed: false,
            }],
            instances: Vec::new(),
            by_node: HashMap::new(),
            store: Map::new(),
            store_value: riposte_template::to_value(Map::new()),
            ready: VecDeque::new(),
            running: 0,
            effects: Vec::new(),
            failed: false,
            now_ms,
            started_at_ms: now_ms,
            ended_at_ms: None,
            memo,
        };
        // The fired trigger is the run's first instance: a restart reads its event there.
        let fired = run.instance(plan, 0, trigger);
        run.instances[fired].started_at_ms = Some(now_ms);
        run.succeed(plan, fired, Some(trigger_output), Vec::new());
        for &other in plan.triggers.iter().filter(|&&t| t != trigger) {
            let idle = run.instance(plan, 0, other);
            run.skip(plan, idle, EdgeState::Dead);
        }
        run.settle(plan);
        let effects = std::mem::take(&mut run.effects);
        (run, effects)
    }

    /// Applies one event at time `now_ms` and returns the effects to carry out.
    pub fn handle(&mut self, plan: &Plan, event: Event, now_ms: i64) -> Vec<Effect> {
        self.now_ms = now_ms;
        if event == Event::RestartFailed {
            if matches!(self.status, RunStatus::Failed | RunStatus::Cancelled) {
                let (restarted, effects) = self.restarted(plan, now_ms);
                *self = restarted;
                return effects;
            }
            return Vec::new();
        }
        if !self.status.is_final() {
            match event {
                Event::ActionFinished { instance, attempt, outcome } => {
                    self.action_finished(plan, instance, attempt, outcome)
                }
                Event::Wake { instance, attempt } => self.wake(plan, instance, attempt),
                Event::Cancel => self.cancel(),
                Event::RestartFailed => unreachable!("handled above"),
            }
            self.settle(plan);
        }
        std::mem::take(&mut self.effects)
    }

    /// The same run started again, its succeeded actions' outcomes kept for reuse.
    fn restarted(&self, plan: &Plan, now_ms: i64) -> (Run, Vec<Effect>) {
        let mut memo = HashMap::new();
        for (id, instance) in self.instances.iter().enumerate() {
            let is_action = matches!(plan.nodes[instance.node].step, crate::plan::Step::Action(_));
            if is_action && instance.status == NodeStatus::Succeeded {
                let outputs = if instance.branches == ["default"] { Vec::new() } else { instance.branches.clone() };
                let outcome = ActionOutcome {
                    results: instance.results.as_deref().cloned(),
                    error: None,
                    outputs,
                    logs: instance.logs.clone(),
                };
                memo.insert(self.instance_path(plan, id), outcome);
            }
        }
        let trigger_output = self.instances.first().and_then(|t| t.results.as_deref().cloned()).unwrap_or(Value::Null);
        let (mut run, effects) = Run::start_with(plan, &self.id, self.trigger, trigger_output, now_ms, memo);
        run.started_at_ms = self.started_at_ms;
        (run, effects)
    }

    /// What was in flight when this run was last driven, to carry on after a restart: every
    /// action attempt without an answer runs again (same attempt, same idempotency key), and
    /// every pending retry fires at once.
    pub fn resume(&self, plan: &Plan) -> Vec<Effect> {
        if self.status.is_final() {
            return Vec::new();
        }
        let mut effects = Vec::new();
        for (id, instance) in self.instances.iter().enumerate() {
            if instance.status != NodeStatus::Running
                || !matches!(plan.nodes[instance.node].step, crate::plan::Step::Action(_))
            {
                continue;
            }
            match instance.retry_pending {
                Some(attempt) => effects.push(Effect::Wake { instance: id, attempt, after_ms: 0 }),
                None => effects.push(Effect::Execute(self.action_call(plan, id))),
            }
        }
        effects
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn status(&self) -> RunStatus {
        self.status
    }

    pub fn started_at_ms(&self) -> i64 {
        self.started_at_ms
    }

    pub fn ended_at_ms(&self) -> Option<i64> {
        self.ended_at_ms
    }

    pub fn instances(&self) -> &[Instance] {
        &self.instances
    }

    pub fn store(&self) -> &Map<String, Value> {
        &self.store
    }

    /// Runs every ready node that needs no I/O, then ends the run when nothing is left to do.
    fn settle(&mut self, plan: &Plan) {
        while let Some(instance) = self.ready.pop_front() {
            self.instances[instance].queued = false;
            if self.instances[instance].status == NodeStatus::Pending && self.status == RunStatus::Running {
                self.execute(plan, instance);
            }
        }
        if self.status == RunStatus::Running && self.running == 0 {
            self.finish(if self.failed { RunStatus::Failed } else { RunStatus::Succeeded });
        }
    }

    fn finish(&mut self, status: RunStatus) {
        for instance in self.instances.iter_mut().filter(|i| !i.status.is_final()) {
            instance.status = if status == RunStatus::Cancelled { NodeStatus::Cancelled } else { NodeStatus::Skipped };
        }
        self.status = status;
        self.running = 0;
        self.ended_at_ms = Some(self.now_ms);
        self.effects.push(Effect::Finished { status });
    }

    fn cancel(&mut self) {
        for (id, instance) in self.instances.iter_mut().enumerate() {
            if instance.status == NodeStatus::Running {
                self.effects.push(Effect::Abort { instance: id });
                instance.ended_at_ms = Some(self.now_ms);
            }
        }
        self.ready.clear();
        self.finish(RunStatus::Cancelled);
    }

    fn action_finished(&mut self, plan: &Plan, id: InstanceId, attempt: u32, outcome: ActionOutcome) {
        let Some(instance) = self.instances.get_mut(id) else { return };
        if instance.status != NodeStatus::Running || instance.attempts != attempt {
            return; // a late answer to an attempt already given up on
        }
        instance.logs.extend(outcome.logs);
        let Some(failure) = outcome.error else {
            self.succeed(plan, id, outcome.results, outcome.outputs);
            return;
        };
        let crate::plan::Step::Action(step) = &plan.nodes[instance.node].step else { return };
        let retry = failure.kind.retry_class().is_some_and(|class| step.retry.retries(class, attempt));
        if retry {
            let after_ms = step.retry.backoff_ms(attempt + 1, unit_random(&self.id, id, attempt));
            instance.error = Some(failure.message);
            instance.retry_pending = Some(attempt + 1);
            self.effects.push(Effect::Wake { instance: id, attempt: attempt + 1, after_ms });
        } else {
            self.fail(plan, id, failure.message, outcome.results);
        }
    }

    fn wake(&mut self, plan: &Plan, id: InstanceId, attempt: u32) {
        let Some(instance) = self.instances.get(id) else { return };
        if instance.status == NodeStatus::Running && instance.retry_pending == Some(attempt) {
            self.instances[id].retry_pending = None;
            self.call_action(plan, id);
        }
    }

    /// Marks an instance as running (an action in flight, a loop with iterations to go).
    fn start_running(&mut self, id: InstanceId) {
        self.instances[id].status = NodeStatus::Running;
        self.running += 1;
    }

    /// The context templates of this instance render in.
    fn render_context(&self, instance: InstanceId) -> RenderContext {
        RenderContext {
            nodes: self.frames[self.instances[instance].frame].outputs.clone(),
            store: self.store_value.clone(),
            now_ms: self.now_ms,
        }
    }
}

/// A number in [0, 1) that depends only on its inputs, so that retry jitter replays identically.
fn unit_random(run_id: &str, instance: InstanceId, attempt: u32) -> f64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in run_id.bytes().chain(instance.to_le_bytes()).chain(attempt.to_le_bytes()) {
        hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
    }
    // splitmix64 finaliser spreads FNV's low-entropy high bits.
    hash ^= hash >> 30;
    hash = hash.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    hash ^= hash >> 27;
    (hash >> 11) as f64 / (1u64 << 53) as f64
}
