//! The host of installed modules: what it was set up with, and how it starts a module's
//! program with the inputs every component reads.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use riposte_model::schema_secrets;
use serde_json::Value;
use tokio::process::Command;

use crate::InstalledModule;
use crate::callbacks::{Callbacks, OpenCall};
use crate::process::set_apart;
use crate::warm::{DEFAULT_WARM_IDLE, DEFAULT_WARM_WORKERS, WarmPool};

/// How an installed module's actions run.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct WarmStatus {
    /// Warm workers waiting for an action.
    pub idle: usize,
    /// What they hold in memory, in bytes.
    pub memory_bytes: u64,
    /// Why its actions run as a process each, when they do: what its worker said.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cold: Option<String>,
}

/// Where a module's starter finds its data path (Sekoia's SDK has it fixed at `/symphony_data`).
pub const DATA_PATH_VARIABLE: &str = "RIPOSTE_DATA_PATH";

/// Starts installed modules' components and answers their callbacks.
pub struct Host {
    callbacks: Arc<Callbacks>,
    pub(crate) warm: WarmPool,
    /// How long an idle warm worker is kept.
    warm_idle: Duration,
    /// Where modules keep their files; none keeps none.
    data_root: Option<PathBuf>,
    /// How often triggers' and connectors' liveness servers are asked.
    probe_every: Duration,
    /// Where components reach this server, e.g. `http://127.0.0.1:8080`.
    base_url: String,
}

impl Host {
    pub fn new(callbacks: Arc<Callbacks>, base_url: impl Into<String>) -> Self {
        Host {
            callbacks,
            warm: WarmPool::new(DEFAULT_WARM_WORKERS),
            warm_idle: DEFAULT_WARM_IDLE,
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

    /// Stops warm workers idle for longer than `limit` (see [`Host::retire_idle_workers`]).
    pub fn with_warm_idle(mut self, limit: Duration) -> Self {
        self.warm_idle = limit;
        self
    }

    /// Stops the warm workers idle for too long; how many. Called every second by whoever keeps
    /// the modules' components running.
    pub fn retire_idle_workers(&self) -> usize {
        self.warm.retire_idle(self.warm_idle)
    }

    /// How `module`'s actions run: its idle warm workers and the memory they hold, or why it
    /// cannot be kept warm.
    pub fn warm_status(&self, module: &InstalledModule) -> WarmStatus {
        let (idle, memory_bytes) = self.warm.idle_memory(&module.dir);
        WarmStatus { idle, memory_bytes, cold: self.warm.cold_reason(module) }
    }

    /// Modules keep their files (Sekoia's data path) under `root`: a folder per run, one per
    /// trigger or connector.
    pub fn with_data_root(mut self, root: impl Into<PathBuf>) -> Self {
        self.data_root = Some(root.into());
        self
    }

    /// Asks triggers' and connectors' liveness servers this often whether they are alive.
    pub fn with_liveness_probe(mut self, every: Duration) -> Self {
        self.probe_every = every;
        self
    }

    pub(crate) fn probe_every(&self) -> Duration {
        self.probe_every
    }

    pub(crate) fn data_root(&self) -> Option<&Path> {
        self.data_root.as_deref()
    }

    pub fn callbacks(&self) -> &Arc<Callbacks> {
        &self.callbacks
    }

    /// The path under which a call's callback URLs live; the API serves it.
    pub fn callback_path(id: &str) -> String {
        format!("/api/v1/module-calls/{id}")
    }

    /// The inputs every component reads (Sekoia's names): the module configuration without
    /// its secrets, the call's token and URLs.
    pub(crate) fn inputs(
        &self,
        module: &InstalledModule,
        call: &OpenCall,
        configuration: Value,
    ) -> Vec<(String, String)> {
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
        // First: clearing the environment afterwards would clear what is set here too.
        set_apart(&mut command);
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
