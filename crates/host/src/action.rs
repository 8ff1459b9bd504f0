//! One action attempt as a process: inputs in its environment, its report through the callback
//! URLs, its exit awaited.

use std::process::Stdio;
use std::sync::Arc;

use riposte_model::{ActionManifest, ActionOutcome, Failure, FailureKind, LogEntry, schema_secrets};
use serde_json::Value;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::Command;

use crate::callbacks::{Callbacks, OpenCall};
use crate::warm::{DEFAULT_WARM_WORKERS, Unwarmed, WarmPool, Worker};
use crate::{InstalledModule, logs};

/// Where a module's starter finds its data path (Sekoia's SDK has it fixed at `/symphony_data`).
pub const DATA_PATH_VARIABLE: &str = "RIPOSTE_DATA_PATH";

/// Bytes of a process's stderr kept to explain a crash.
const STDERR_TAIL: usize = 4096;

/// Starts installed modules' components and answers their callbacks.
pub struct Host {
    callbacks: Arc<Callbacks>,
    warm: WarmPool,
    /// Where modules keep their files; none keeps none.
    data_root: Option<std::path::PathBuf>,
    /// How often triggers' and connectors' liveness servers are asked.
    probe_every: std::time::Duration,
    /// Where components reach this server, e.g. `http://127.0.0.1:8080`.
    base_url: String,
}

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

impl Host {
    pub fn new(callbacks: Arc<Callbacks>, base_url: impl Into<String>) -> Self {
        Host {
            callbacks,
            warm: WarmPool::new(DEFAULT_WARM_WORKERS),
            data_root: None,
            probe_every: crate::supervise::PROBE_EVERY,
            base_url: base_url.into().trim_end_matches('/').to_string(),
        }
    }

    /// Keeps up to `count` idle warm workers per module; 0 starts a process for every action.
    pub fn with_warm_workers(mut self, count: usize) -> Self {
        self.warm = WarmPool::new(count);
        self
    }

    /// Modules keep their files (Sekoia's data path) under `root`: a folder per run, one per
    /// trigger or connector.
    pub fn with_data_root(mut self, root: impl Into<std::path::PathBuf>) -> Self {
        self.data_root = Some(root.into());
        self
    }

    /// Asks triggers' and connectors' liveness servers this often whether they are alive.
    pub fn with_liveness_probe(mut self, every: std::time::Duration) -> Self {
        self.probe_every = every;
        self
    }

    pub(crate) fn probe_every(&self) -> std::time::Duration {
        self.probe_every
    }

    pub(crate) fn data_root(&self) -> Option<&std::path::Path> {
        self.data_root.as_deref()
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
    pub async fn run_action(&self, request: ActionRequest<'_>) -> ActionReport {
        let call = self.callbacks.open_action(request.configuration.clone());
        if request.module.launch.warm.is_some() && self.warm.enabled() {
            match self.warm.take(request.module).await {
                Ok(worker) => return self.run_warm(worker, request, &call).await,
                // The module's SDK cannot run actions one after another: a process each.
                Err(Unwarmed::Cold) => {}
                Err(Unwarmed::Failed(message)) => return failure(FailureKind::Action, message),
            }
        }
        self.run_cold(request, &call).await
    }

    async fn run_cold(&self, request: ActionRequest<'_>, call: &OpenCall) -> ActionReport {
        let mut command = self.command(request.module, &request.action.docker_parameters, call, request.configuration);
        command.env("ARGUMENTS", request.arguments.to_string()).env("NODE_RUN_UUID", &request.idempotency_key);
        if let Some(path) = self.run_data_path(&request.run_id) {
            command.env(DATA_PATH_VARIABLE, path);
        }
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

    /// The inputs every component reads (Sekoia's names): the module configuration without
    /// its secrets, the call's token and URLs.
    fn inputs(&self, module: &InstalledModule, call: &OpenCall, configuration: Value) -> Vec<(String, String)> {
        let urls = format!("{}{}", self.base_url, Host::callback_path(&call.id));
        let public = without_secrets(configuration, &module.manifest.configuration);
        vec![
            ("module_configuration".into(), public.to_string()),
            ("token".into(), call.token.clone()),
            ("url_callback".into(), format!("{urls}/callback")),
            ("url_logs".into(), format!("{urls}/logs")),
            ("url_secrets".into(), format!("{urls}/secrets")),
        ]
    }

    /// `<program> <docker_parameters>` with the inputs every component gets: the module
    /// configuration without its secrets, the call's token and URLs. Killed when dropped.
    pub(crate) fn command(
        &self,
        module: &InstalledModule,
        docker_parameters: &str,
        call: &OpenCall,
        configuration: Value,
    ) -> Command {
        let mut command = Command::new(module.program());
        command
            .args(&module.launch.command[1..])
            .arg(docker_parameters)
            .current_dir(&module.dir)
            .envs(&module.launch.env)
            .envs(self.inputs(module, call, configuration).into_iter().map(|(k, v)| (k.to_ascii_uppercase(), v)))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        die_with_server(&mut command);
        command
    }

    /// Where components reach this server.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }
}

/// Asks the kernel to end the module's process when this server's process ends, however it
/// ends: a component left running after a crash would run twice once the server is back.
pub(crate) fn die_with_server(command: &mut Command) {
    #[cfg(target_os = "linux")]
    // SAFETY: between fork and exec, only `prctl`, which is async-signal-safe, is called.
    unsafe {
        command.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) == -1 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    #[cfg(not(target_os = "linux"))]
    let _ = command;
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

/// The last [`STDERR_TAIL`] bytes a stream gives.
pub(crate) async fn tail(stream: impl AsyncRead + Unpin) -> String {
    let kept = Arc::new(std::sync::Mutex::new(Vec::new()));
    keep_tail(stream, kept.clone()).await;
    let kept = kept.lock().expect("stderr lock");
    String::from_utf8_lossy(&kept).trim().to_string()
}

/// Keeps the last [`STDERR_TAIL`] bytes of a stream in `kept` as they come, until it ends.
pub(crate) async fn keep_tail(mut stream: impl AsyncRead + Unpin, kept: Arc<std::sync::Mutex<Vec<u8>>>) {
    let mut buffer = [0u8; 4096];
    while let Ok(n) = stream.read(&mut buffer).await {
        if n == 0 {
            break;
        }
        let mut kept = kept.lock().expect("stderr lock");
        kept.extend_from_slice(&buffer[..n]);
        if kept.len() > STDERR_TAIL {
            let excess = kept.len() - STDERR_TAIL;
            kept.drain(..excess);
        }
    }
}

pub(crate) fn stderr_note(stderr: &str) -> String {
    if stderr.is_empty() { String::new() } else { format!("; its stderr ends with:\n{stderr}") }
}

fn failure(kind: FailureKind, message: String) -> ActionReport {
    ActionReport {
        outcome: ActionOutcome { error: Some(Failure { kind, message }), ..Default::default() },
        secrets: None,
    }
}
