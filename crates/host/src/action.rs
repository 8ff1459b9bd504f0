//! One action attempt as a process: inputs in its environment, its report through the callback
//! URLs, its exit awaited.

use riposte_model::{ActionManifest, ActionOutcome, Failure, FailureKind, LogEntry, LogLevel};
use serde_json::Value;

use crate::callbacks::OpenCall;
use crate::process::{stderr_note, tail};
use crate::warm::{Unwarmed, Worker};
use crate::{DATA_PATH_VARIABLE, Host, InstalledModule, logs};

/// One action attempt.
pub struct ActionRequest<'a> {
    /// The run: its actions share a data path, where files pass from one to the next.
    pub run_id: String,
    pub module: &'a InstalledModule,
    pub action: &'a ActionManifest,
    pub arguments: Value,
    /// The module configuration, secrets included: they are handed over only on request
    /// (`need_secrets`), never in the process's environment.
    pub configuration: Value,
    /// Stays the same across a retried attempt; given to the module as `node_run_uuid`.
    pub idempotency_key: String,
}

/// The command of a module's account validator, as Sekoia's SDK registers it.
pub const VALIDATE_ACCOUNT: &str = "validate_module_configuration";
/// How long an account validator may take.
const VALIDATION_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// What a module's account validator said of a configuration.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AccountCheck {
    pub success: bool,
    /// Why not, when the validator said.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Host {
    /// Runs `module`'s account validator on `configuration` (secrets included: the validator is
    /// answered with them), as a process of its own.
    pub async fn check_account(&self, module: &InstalledModule, configuration: Value) -> AccountCheck {
        let call = self.callbacks().open_validation(configuration.clone());
        let action = ActionManifest {
            uuid: String::new(),
            name: "Account validator".into(),
            description: String::new(),
            docker_parameters: VALIDATE_ACCOUNT.into(),
            arguments: Value::Object(Default::default()),
            results: Value::Object(Default::default()),
            outputs: None,
            slug: None,
            extra: Default::default(),
        };
        let request = ActionRequest {
            run_id: format!("validation-{}", call.id),
            module,
            action: &action,
            arguments: Value::Object(Default::default()),
            configuration,
            idempotency_key: call.id.clone(),
        };
        // Dropped at the deadline, the process is killed with it.
        let Ok((report, stderr)) = tokio::time::timeout(VALIDATION_TIMEOUT, self.run_process(request, &call)).await
        else {
            let error = format!("the account validator did not answer within {} s", VALIDATION_TIMEOUT.as_secs());
            return AccountCheck { success: false, error: Some(error) };
        };
        account_check(report.outcome, &stderr)
    }

    /// Runs the action to its end. Dropping the future (a timeout, a cancelled run) kills the
    /// process.
    pub async fn run_action(&self, request: ActionRequest<'_>) -> ActionReport {
        let call = self.callbacks().open_action(request.configuration.clone());
        if request.module.launch.warm.is_some() && self.warm.enabled() {
            match self.warm.take(request.module).await {
                Ok(worker) => return self.run_warm(worker, request, &call).await,
                // The module's SDK cannot run actions one after another: a process each.
                Err(Unwarmed::Cold(_)) => {}
                Err(Unwarmed::Failed(message)) => return failure(FailureKind::Action, message),
            }
        }
        self.run_cold(request, &call).await
    }

    async fn run_cold(&self, request: ActionRequest<'_>, call: &OpenCall) -> ActionReport {
        self.run_process(request, call).await.0
    }

    /// The attempt as a process of its own: its report, and the end of its stderr.
    async fn run_process(&self, request: ActionRequest<'_>, call: &OpenCall) -> (ActionReport, String) {
        let mut command = self.command(request.module, &request.action.docker_parameters, call, request.configuration);
        command.env("ARGUMENTS", request.arguments.to_string()).env("NODE_RUN_UUID", &request.idempotency_key);
        if let Some(path) = self.run_data_path(&request.run_id) {
            command.env(DATA_PATH_VARIABLE, path);
        }
        let mut child = match command.spawn() {
            Ok(child) => child,
            Err(e) => {
                let program = request.module.program().display().to_string();
                return (failure(FailureKind::Fatal, format!("cannot start {program}: {e}")), String::new());
            }
        };
        let stderr = child.stderr.take().map(|s| tokio::spawn(tail(s)));
        let status = child.wait().await;
        let stderr = match stderr {
            Some(task) => task.await.unwrap_or_default(),
            None => String::new(),
        };
        let report = call.report();
        let report = match (report.finished, status) {
            (Some(finished), _) => outcome(&finished, &report.logs),
            (None, Ok(status)) => failure(
                FailureKind::Action,
                format!("the module exited ({status}) without reporting a result{}", stderr_note(&stderr)),
            ),
            (None, Err(e)) => failure(FailureKind::Action, format!("the module process was lost: {e}")),
        };
        (report, stderr)
    }

    /// The action on a warm worker of its module.
    async fn run_warm(&self, mut worker: Worker, request: ActionRequest<'_>, call: &OpenCall) -> ActionReport {
        let mut inputs = self.inputs(request.module, call, request.configuration);
        inputs.push(("arguments".into(), request.arguments.to_string()));
        inputs.push(("node_run_uuid".into(), request.idempotency_key));
        let inputs: serde_json::Map<String, Value> = inputs.into_iter().map(|(k, v)| (k, Value::String(v))).collect();
        let data_path = self.run_data_path(&request.run_id);
        let ran = worker.run(&request.action.docker_parameters, Value::Object(inputs), data_path.as_deref()).await;
        let report = call.report();
        match (report.finished, ran) {
            (Some(finished), ran) => {
                if ran.is_ok() {
                    self.warm.give_back(request.module, worker);
                }
                outcome(&finished, &report.logs)
            }
            (None, Ok(())) => {
                self.warm.give_back(request.module, worker);
                failure(FailureKind::Action, "the module ended the action without reporting a result".into())
            }
            (None, Err(message)) => failure(FailureKind::Action, message),
        }
    }
}

/// What an action attempt reported.
#[derive(Debug, Default)]
pub struct ActionReport {
    pub outcome: ActionOutcome,
    /// New values of secret configuration fields (a rotated token), to keep.
    pub secrets: Option<serde_json::Map<String, Value>>,
}

/// What the final `PATCH` said, with the logs `POST`ed before it.
fn outcome(finished: &Value, posted: &[Value]) -> ActionReport {
    let secrets = finished.get("secrets").and_then(Value::as_object).cloned();
    ActionReport { outcome: outcome_of(finished, posted), secrets }
}

fn outcome_of(finished: &Value, posted: &[Value]) -> ActionOutcome {
    let mut logs: Vec<LogEntry> = posted.iter().map(logs::from_posted).collect();
    logs.extend(finished.get("logs").and_then(Value::as_str).map(logs::parse_lines).unwrap_or_default());
    let outputs = finished
        .get("outputs")
        .and_then(Value::as_object)
        .map(|o| o.iter().filter(|(_, on)| on.as_bool() == Some(true)).map(|(name, _)| name.clone()).collect())
        .unwrap_or_default();
    ActionOutcome {
        results: finished.get("results").filter(|r| !r.is_null()).cloned(),
        error: finished
            .get("error")
            .and_then(Value::as_str)
            .map(|message| Failure { kind: FailureKind::Action, message: message.to_string() }),
        outputs,
        logs,
    }
}

/// What a validator's outcome says: accepted, or refused with a reason: its error, else the
/// latest warning or error it sent as a log, else the last line it wrote to stderr (where Sekoia's
/// SDK logs what an account validator logs), else that it gave none (`validate()` may simply
/// return `False`).
fn account_check(outcome: ActionOutcome, stderr: &str) -> AccountCheck {
    let success = outcome.results.as_ref().and_then(|r| r.get("success")).and_then(Value::as_bool);
    let error = match (outcome.error, success) {
        (Some(error), _) => Some(error.message),
        (None, Some(true)) => None,
        (None, None) => Some("the account validator reported no result".to_string()),
        (None, Some(false)) => Some(
            outcome
                .logs
                .iter()
                .rev()
                .find(|log| log.level >= LogLevel::Warning && !log.message.trim().is_empty())
                .map(|log| log.message.clone())
                .or_else(|| last_stderr_line(stderr))
                .unwrap_or_else(|| "the account validator refused the configuration without giving a reason".into()),
        ),
    };
    AccountCheck { success: error.is_none(), error }
}

/// The last line of `stderr` that Python's logging wrote at warning level or above, else its last
/// line.
fn last_stderr_line(stderr: &str) -> Option<String> {
    let lines: Vec<&str> = stderr.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let logged = |l: &&&str| ["WARNING", "ERROR", "CRITICAL"].iter().any(|level| l.contains(level));
    lines.iter().rev().find(logged).or(lines.last()).map(|l| l.to_string())
}

fn failure(kind: FailureKind, message: String) -> ActionReport {
    ActionReport {
        outcome: ActionOutcome { error: Some(Failure { kind, message }), ..Default::default() },
        secrets: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn refused_with(logs: Vec<LogEntry>) -> ActionOutcome {
        ActionOutcome { results: Some(json!({"success": false})), logs, ..Default::default() }
    }

    fn log(level: LogLevel, message: &str) -> LogEntry {
        LogEntry { date: "2026-01-01T00:00:00Z".into(), level, message: message.into() }
    }

    #[test]
    fn a_refused_account_always_says_why() {
        let silent = account_check(refused_with(vec![]), "\n");
        assert!(!silent.success);
        assert_eq!(
            silent.error.as_deref(),
            Some("the account validator refused the configuration without giving a reason")
        );
        let logged = account_check(
            refused_with(vec![
                log(LogLevel::Error, "401 Unauthorized from https://tenant.okta.com"),
                log(LogLevel::Info, "done"),
            ]),
            "INFO:validator:starting",
        );
        assert_eq!(logged.error.as_deref(), Some("401 Unauthorized from https://tenant.okta.com"));
        let said = ActionOutcome {
            error: Some(Failure { kind: FailureKind::Action, message: "bad key".into() }),
            ..refused_with(vec![log(LogLevel::Error, "other")])
        };
        assert_eq!(account_check(said, "").error.as_deref(), Some("bad key"));
        let stderr = "INFO:validator:calling the API\nERROR:validator:the key is revoked\nINFO:urllib3:PATCH\n\n";
        let printed = account_check(refused_with(vec![log(LogLevel::Info, "hello")]), stderr);
        assert_eq!(printed.error.as_deref(), Some("ERROR:validator:the key is revoked"), "Python's logging");
        let ok = ActionOutcome { results: Some(json!({"success": true})), ..Default::default() };
        let accepted = account_check(ok, "ERROR:validator:noise");
        assert_eq!(accepted, AccountCheck { success: true, error: None });
        let nothing = account_check(ActionOutcome::default(), "");
        assert_eq!(nothing.error.as_deref(), Some("the account validator reported no result"));
    }
}
