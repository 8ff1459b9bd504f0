use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use futures::FutureExt;
use riposte_engine::{ActionCall, Event};
use riposte_host::{ActionRequest, InstalledModule};
use riposte_model::{ActionOutcome, Failure, FailureKind};
use riposte_sdk::{ActionContext, DynAction};
use serde_json::Value;

use crate::metrics::OutcomeLabel;
use crate::scrub::Scrubber;
use crate::{ConfigurationSource, Registry, WorkerMetrics};

/// Runs action attempts with in-process modules.
#[derive(Clone)]
pub struct Executor {
    registry: Arc<Registry>,
    configurations: Arc<dyn ConfigurationSource>,
    metrics: WorkerMetrics,
    /// Node id -> the results its action gives without being called (a test run's mocked or
    /// pinned blocks).
    mocks: Arc<HashMap<String, Value>>,
}

impl std::fmt::Debug for Executor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Executor").field("registry", &self.registry).finish_non_exhaustive()
    }
}

impl Executor {
    pub fn new(registry: Arc<Registry>, configurations: Arc<dyn ConfigurationSource>) -> Self {
        Executor { registry, configurations, metrics: WorkerMetrics::default(), mocks: Arc::default() }
    }

    /// This executor, with the actions of the nodes in `mocks` answering the results given
    /// instead of being called.
    pub fn with_mocks(mut self, mocks: HashMap<String, Value>) -> Self {
        self.mocks = Arc::new(mocks);
        self
    }

    /// Counts into `metrics` (shared with whoever registered them).
    pub fn with_metrics(mut self, metrics: WorkerMetrics) -> Self {
        self.metrics = metrics;
        self
    }

    pub fn metrics(&self) -> &WorkerMetrics {
        &self.metrics
    }

    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// One attempt, bounded by its timeout; a panic becomes a failure. Answers
    /// [`Event::ActionFinished`].
    pub(crate) async fn execute(self, run_id: Arc<str>, call: ActionCall) -> Event {
        let (instance, attempt) = (call.instance, call.attempt);
        let timeout = Duration::from_millis(call.timeout_ms);
        let started = std::time::Instant::now();
        let outcome =
            match tokio::time::timeout(timeout, AssertUnwindSafe(self.call(&run_id, call)).catch_unwind()).await {
                Ok(Ok(outcome)) => outcome,
                Ok(Err(panic)) => failure(FailureKind::Fatal, format!("the action crashed: {}", panic_message(&panic))),
                Err(_) => failure(FailureKind::Timeout, format!("timed out after {}", human_duration(timeout))),
            };
        let label = if outcome.error.is_some() { "failed" } else { "succeeded" };
        self.metrics
            .action_seconds
            .get_or_create(&OutcomeLabel { outcome: label.into() })
            .observe(started.elapsed().as_secs_f64());
        Event::ActionFinished { instance, attempt, outcome }
    }

    async fn call(&self, run_id: &str, call: ActionCall) -> ActionOutcome {
        if let Some(results) = self.mocks.get(&call.node_id) {
            return mocked(results.clone());
        }
        let Some(provider) = self.provider(&call.module_uuid, &call.action_uuid) else {
            return failure(
                FailureKind::Fatal,
                format!("no installed module provides action {} of module {}", call.action_uuid, call.module_uuid),
            );
        };
        let configuration =
            match self.configurations.resolve(&call.module_uuid, call.module_configuration_uuid.as_deref()).await {
                Ok(configuration) => configuration,
                Err(error) => return failure(FailureKind::Fatal, error.to_string()),
            };
        tracing::debug!(node = %call.node_id, attempt = call.attempt, "running action");
        let mut secrets = configuration.secrets;
        let outcome = match provider {
            Provider::Builtin(action) => {
                action.call(ActionContext::new(configuration.value, call.idempotency_key), call.arguments).await
            }
            Provider::Installed(module) => {
                let (outcome, new_secrets) = self.call_installed(&module, run_id, call, configuration.value).await;
                secrets.extend(new_secrets);
                outcome
            }
        };
        scrub(outcome, &secrets).fitted()
    }

    fn provider(&self, module_uuid: &str, action_uuid: &str) -> Option<Provider> {
        match self.registry.action(module_uuid, action_uuid) {
            Some(action) => Some(Provider::Builtin(action)),
            None => self.registry.installed_action(module_uuid, action_uuid).map(Provider::Installed),
        }
    }

    /// An action of an installed module, as a process.
    async fn call_installed(
        &self,
        module: &InstalledModule,
        run_id: &str,
        call: ActionCall,
        configuration: Value,
    ) -> (ActionOutcome, Vec<Value>) {
        let (Some(host), Some(action)) = (self.registry.host(), module.action(&call.action_uuid)) else {
            let message = format!("module {} is installed but cannot run here", module.manifest.name);
            return (failure(FailureKind::Fatal, message), Vec::new());
        };
        let configuration_uuid = call.module_configuration_uuid.clone();
        let request = ActionRequest {
            run_id: run_id.to_string(),
            module,
            action,
            arguments: call.arguments,
            configuration,
            idempotency_key: call.idempotency_key,
        };
        let report = host.run_action(request).await;
        let mut outcome = report.outcome;
        let kept = match report.secrets {
            Some(secrets) => self.keep_secrets(module, configuration_uuid.as_deref(), secrets, &mut outcome).await,
            None => Vec::new(),
        };
        (outcome, kept)
    }

    /// Stores the new values of the module's secret fields an action gave back; returns them, to
    /// be scrubbed from what the action reported. Why they could not be kept is logged on the node.
    async fn keep_secrets(
        &self,
        module: &InstalledModule,
        configuration_uuid: Option<&str>,
        mut secrets: serde_json::Map<String, Value>,
        outcome: &mut ActionOutcome,
    ) -> Vec<Value> {
        let names = riposte_model::schema_secrets(&module.manifest.configuration);
        secrets.retain(|name, _| names.contains(name));
        let values: Vec<Value> = secrets.values().cloned().collect();
        if secrets.is_empty() {
            return values;
        }
        let kept = match configuration_uuid {
            Some(uuid) => self.configurations.store_secrets(uuid, secrets).await.map_err(|e| e.to_string()),
            None => Err("the node uses its module's default configuration, which keeps no new secrets".to_string()),
        };
        if let Err(reason) = kept {
            let message = format!("the action gave back new secret values that are not kept: {reason}");
            outcome.logs.push(riposte_model::LogEntry {
                date: String::new(),
                level: riposte_model::LogLevel::Warning,
                message,
            });
        }
        values
    }
}

/// Where an action's code is.
enum Provider {
    Builtin(Arc<dyn DynAction>),
    Installed(Arc<InstalledModule>),
}

/// The outcome with every secret value of the configuration taken out, wherever the action put
/// it (results, branch names, logs, error) and however it was encoded.
fn scrub(outcome: ActionOutcome, secrets: &[Value]) -> ActionOutcome {
    match Scrubber::shared(secrets) {
        Some(scrubber) => scrubber.outcome(outcome),
        None => outcome,
    }
}

fn mocked(results: Value) -> ActionOutcome {
    ActionOutcome { results: Some(results), ..Default::default() }
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
    if duration.as_millis().is_multiple_of(1000) {
        format!("{}s", duration.as_secs())
    } else {
        format!("{}ms", duration.as_millis())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use riposte_model::{LogEntry, LogLevel};
    use serde_json::json;

    #[test]
    fn secrets_are_scrubbed_from_everything_an_action_reports() {
        let outcome = ActionOutcome {
            results: Some(json!({"echo": ["Bearer k3y-s3cret"], "n": 1})),
            error: Some(Failure { kind: FailureKind::Action, message: "bad key k3y-s3cret".into() }),
            outputs: vec![],
            logs: vec![LogEntry { date: String::new(), level: LogLevel::Info, message: "using k3y-s3cret".into() }],
        };
        let clean = scrub(outcome, &[json!("k3y-s3cret"), json!("ab")]);
        assert_eq!(clean.results, Some(json!({"echo": ["Bearer ***"], "n": 1})));
        assert_eq!(clean.error.unwrap().message, "bad key ***");
        assert_eq!(clean.logs[0].message, "using ***");
    }

    #[test]
    fn branch_names_and_secrets_of_any_type_are_scrubbed_too() {
        let outcome = ActionOutcome {
            results: Some(json!({"pin": "pin 73105829", "account": "svc-admin:Hunter2-pass"})),
            error: None,
            outputs: vec!["token-k3y-s3cret".into(), "found".into()],
            logs: vec![LogEntry {
                date: String::new(),
                level: LogLevel::Info,
                message: r#"configuration {"user":"svc-admin","password":"Hunter2-pass"}"#.into(),
            }],
        };
        let secrets = [json!("k3y-s3cret"), json!(73105829), json!({"user": "svc-admin", "password": "Hunter2-pass"})];
        let clean = scrub(outcome, &secrets);
        assert_eq!(clean.outputs, ["token-***", "found"], "a branch name a module sets is scrubbed");
        assert_eq!(clean.results, Some(json!({"pin": "pin ***", "account": "***:***"})));
        assert_eq!(clean.logs[0].message, "configuration ***");
    }
}
