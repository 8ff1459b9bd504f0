use riposte_engine::{Plan, Run};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use crate::Executor;
use crate::drive::{NoJournal, drive, now_ms};
use crate::renders::rendering;

/// Runs playbook runs in memory, start to end, with in-process modules.
#[derive(Debug, Clone)]
pub struct LocalRunner {
    executor: Executor,
}

impl LocalRunner {
    pub fn new(executor: Executor) -> Self {
        LocalRunner { executor }
    }

    /// Runs `plan` from its first trigger for one trigger event until it ends or `cancel` fires.
    pub async fn run(&self, plan: &Plan, run_id: &str, event: Value, cancel: CancellationToken) -> Run {
        let first = plan.trigger_node(None).expect("a plan has a trigger");
        self.run_from(plan, run_id, first, event, cancel).await
    }

    /// [`LocalRunner::run`] from the trigger node `trigger` (an index of [`Plan::triggers`]).
    pub async fn run_from(
        &self,
        plan: &Plan,
        run_id: &str,
        trigger: usize,
        event: Value,
        cancel: CancellationToken,
    ) -> Run {
        let (run, effects) = rendering(plan, || Run::start_from(plan, run_id, trigger, event, now_ms())).await;
        drive(plan, run, effects, &self.executor, &mut NoJournal, cancel)
            .await
            .expect("an in-memory journal never fails")
    }
}

#[cfg(test)]
#[path = "runner_tests.rs"]
mod tests;
