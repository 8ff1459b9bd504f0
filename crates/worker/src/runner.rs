use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures::FutureExt;
use riposte_engine::{ActionCall, Effect, Event, Plan, Run};
use riposte_model::{ActionOutcome, Failure, FailureKind};
use riposte_sdk::ActionContext;
use serde_json::Value;
use tokio::sync::mpsc;
use tokio::task::AbortHandle;
use tokio_util::sync::CancellationToken;

use crate::{Configurations, Registry};

/// Runs playbook runs in memory with in-process modules.
#[derive(Debug, Clone)]
pub struct LocalRunner {
    registry: Arc<Registry>,
    configurations: Arc<Configurations>,
}

impl LocalRunner {
    pub fn new(registry: Arc<Registry>, configurations: Arc<Configurations>) -> Self {
        LocalRunner { registry, configurations }
    }

    /// Runs `plan` for one trigger event until it ends or `cancel` fires.
    pub async fn run(&self, plan: &Plan, run_id: &str, event: Value, cancel: CancellationToken) -> Run {
        let (mut run, effects) = Run::start(plan, run_id, event, now_ms());
        let (events, mut inbox) = mpsc::unbounded_channel();
        let mut in_flight: HashMap<usize, AbortHandle> = HashMap::new();
        let mut finished = self.apply(effects, &events, &mut in_flight);
        let mut cancel_seen = false;
        while !finished {
            let event = tokio::select! {
                Some(event) = inbox.recv() => event,
                _ = cancel.cancelled(), if !cancel_seen => {
                    cancel_seen = true;
                    Event::Cancel
                }
            };
            if let Event::ActionFinished { instance, .. } = &event {
                in_flight.remove(instance);
            }
            let effects = run.handle(plan, event, now_ms());
            finished = self.apply(effects, &events, &mut in_flight);
        }
        run
    }

    /// Carries out effects; true once the run has finished.
    fn apply(
        &self,
        effects: Vec<Effect>,
        events: &mpsc::UnboundedSender<Event>,
        in_flight: &mut HashMap<usize, AbortHandle>,
    ) -> bool {
        let mut finished = false;
        for effect in effects {
            match effect {
                Effect::Execute(call) => {
                    let instance = call.instance;
                    let handle = tokio::spawn(self.clone().execute(call, events.clone()));
                    in_flight.insert(instance, handle.abort_handle());
                }
                Effect::Wake { instance, attempt, after_ms } => {
                    let events = events.clone();
                    tokio::spawn(async move {
                        tokio::time::sleep(Duration::from_millis(after_ms)).await;
                        let _ = events.send(Event::Wake { instance, attempt });
                    });
                }
                Effect::Abort { instance } => {
                    if let Some(handle) = in_flight.remove(&instance) {
                        handle.abort();
                    }
                }
                Effect::Finished { .. } => finished = true,
            }
        }
        finished
    }

    /// One attempt of one action, bounded by its timeout; a panic becomes a failure.
    async fn execute(self, call: ActionCall, events: mpsc::UnboundedSender<Event>) {
        let (instance, attempt) = (call.instance, call.attempt);
        let timeout = Duration::from_millis(call.timeout_ms);
        let outcome = match tokio::time::timeout(timeout, AssertUnwindSafe(self.call(call)).catch_unwind()).await {
            Ok(Ok(outcome)) => outcome,
            Ok(Err(panic)) => failure(FailureKind::Fatal, format!("the action crashed: {}", panic_message(&panic))),
            Err(_) => failure(FailureKind::Timeout, format!("timed out after {}", human_duration(timeout))),
        };
        let _ = events.send(Event::ActionFinished { instance, attempt, outcome });
    }

    async fn call(&self, call: ActionCall) -> ActionOutcome {
        let Some(action) = self.registry.action(&call.module_uuid, &call.action_uuid) else {
            return failure(
                FailureKind::Fatal,
                format!("no installed module provides action {} of module {}", call.action_uuid, call.module_uuid),
            );
        };
        let configuration =
            match self.configurations.resolve(&call.module_uuid, call.module_configuration_uuid.as_deref()) {
                Ok(configuration) => configuration,
                Err(message) => return failure(FailureKind::Fatal, message),
            };
        tracing::debug!(node = %call.node_id, attempt = call.attempt, "running action");
        action.call(ActionContext::new(configuration, call.idempotency_key), call.arguments).await
    }
}

fn failure(kind: FailureKind, message: String) -> ActionOutcome {
    ActionOutcome { error: Some(Failure { kind, message }), ..Default::default() }
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_default()
}

fn human_duration(duration: Duration) -> String {
    if duration.as_millis() % 1000 == 0 {
        format!("{}s", duration.as_secs())
    } else {
        format!("{}ms", duration.as_millis())
    }
}

pub(crate) fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or_default()
}

#[cfg(test)]
#[path = "runner_tests.rs"]
mod tests;
