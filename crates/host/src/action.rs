//! One action attempt as a process: inputs in its environment, its report through the callback
//! URLs, its exit awaited.

use std::process::Stdio;
use std::sync::Arc;

use riposte_model::{ActionManifest, ActionOutcome, Failure, FailureKind, LogEntry, schema_secrets};
use serde_json::Value;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::Command;

use crate::callbacks::{Callbacks, OpenCall};
use crate::{InstalledModule, logs};

/// Bytes of a process's stderr kept to explain a crash.
const STDERR_TAIL: usize = 4096;

/// Starts installed modules' components and answers their callbacks.
pub struct Host {
    callbacks: Arc<Callbacks>,
    /// Where components reach this server, e.g. `http://127.0.0.1:8080`.
    base_url: String,
}

/// One action attempt.
pub struct ActionRequest<'a> {
    pub module: &'a InstalledModule,
    pub action: &'a ActionManifest,
    pub arguments: Value,
    /// The module configuration, secrets included: they are handed over only on request
    /// (`need_secrets`), never in the process's environment.
    pub configuration: Value,
    /// Stays the same across a retried attempt; given to the module as `node_run_uuid`.
    pub idempotency_key: String,
}

impl Host {
    pub fn new(callbacks: Arc<Callbacks>, base_url: impl Into<String>) -> Self {
        Host { callbacks, base_url: base_url.into().trim_end_matches('/').to_string() }
    }

    pub fn callbacks(&self) -> &Arc<Callbacks> {
        &self.callbacks
    }

    /// The path under which a call's callback URLs live; the API serves it.
    pub fn callback_path(id: &str) -> String {
        format!("/api/v1/module-calls/{id}")
    }

    /// Runs the action to its end. Dropping the future (a timeout, a cancelled run) kills the
    /// process.
    pub async fn run_action(&self, request: ActionRequest<'_>) -> ActionOutcome {
        let call = self.callbacks.open_action(request.configuration.clone());
        let mut command = self.command(request.module, &request.action.docker_parameters, &call, request.configuration);
        command.env("ARGUMENTS", request.arguments.to_string()).env("NODE_RUN_UUID", &request.idempotency_key);
        let mut child = match command.spawn() {
            Ok(child) => child,
            Err(e) => {
                let program = request.module.program().display().to_string();
                return failure(FailureKind::Fatal, format!("cannot start {program}: {e}"));
            }
        };
        let stderr = child.stderr.take().map(|s| tokio::spawn(tail(s)));
        let status = child.wait().await;
        let stderr = match stderr {
            Some(task) => task.await.unwrap_or_default(),
            None => String::new(),
        };
        let report = call.report();
        match (report.finished, status) {
            (Some(finished), _) => outcome(&finished, &report.logs),
            (None, Ok(status)) => failure(
                FailureKind::Action,
                format!("the module exited ({status}) without reporting a result{}", stderr_note(&stderr)),
            ),
            (None, Err(e)) => failure(FailureKind::Action, format!("the module process was lost: {e}")),
        }
    }
}

impl Host {
    /// `<program> <docker_parameters>` with the inputs every component gets: the module
    /// configuration without its secrets, the call's token and URLs. Killed when dropped.
    pub(crate) fn command(
        &self,
        module: &InstalledModule,
        docker_parameters: &str,
        call: &OpenCall,
        configuration: Value,
    ) -> Command {
        let urls = format!("{}{}", self.base_url, Host::callback_path(&call.id));
        let public = without_secrets(configuration, &module.manifest.configuration);
        let mut command = Command::new(module.program());
        command
            .args(&module.launch.command[1..])
            .arg(docker_parameters)
            .current_dir(&module.dir)
            .envs(&module.launch.env)
            .env("MODULE_CONFIGURATION", public.to_string())
            .env("TOKEN", &call.token)
            .env("URL_CALLBACK", format!("{urls}/callback"))
            .env("URL_LOGS", format!("{urls}/logs"))
            .env("URL_SECRETS", format!("{urls}/secrets"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        command
    }

    /// Where components reach this server.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }
}

/// The configuration with the values of the fields its manifest marks secret replaced by a
/// placeholder: Sekoia's SDK wants every required field present before it asks for secrets.
fn without_secrets(mut configuration: Value, schema: &Value) -> Value {
    if let Some(object) = configuration.as_object_mut() {
        for name in schema_secrets(schema) {
            if let Some(value) = object.get_mut(&name) {
                *value = Value::String(SECRET_PLACEHOLDER.into());
            }
        }
    }
    configuration
}

/// What a secret field holds in a component's environment; the value comes over the protocol.
const SECRET_PLACEHOLDER: &str = "(secret: asked for over the protocol)";

/// What the final `PATCH` said, with the logs `POST`ed before it.
fn outcome(finished: &Value, posted: &[Value]) -> ActionOutcome {
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

/// The last [`STDERR_TAIL`] bytes a stream gives.
pub(crate) async fn tail(mut stream: impl AsyncRead + Unpin) -> String {
    let (mut kept, mut buffer) = (Vec::new(), [0u8; 4096]);
    while let Ok(n) = stream.read(&mut buffer).await {
        if n == 0 {
            break;
        }
        kept.extend_from_slice(&buffer[..n]);
        if kept.len() > STDERR_TAIL {
            kept.drain(..kept.len() - STDERR_TAIL);
        }
    }
    String::from_utf8_lossy(&kept).trim().to_string()
}

pub(crate) fn stderr_note(stderr: &str) -> String {
    if stderr.is_empty() { String::new() } else { format!("; its stderr ends with:\n{stderr}") }
}

fn failure(kind: FailureKind, message: String) -> ActionOutcome {
    ActionOutcome { error: Some(Failure { kind, message }), ..Default::default() }
}
