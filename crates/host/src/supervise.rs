//! Triggers and connectors: long-running processes, restarted with backoff when they exit,
//! stopped with SIGTERM, and marked crashed (not restarted) when they log `critical`, as
//! Sekoia's platform treats them.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use riposte_model::{LogEntry, LogLevel};
use serde::Serialize;
use serde_json::Value;
use tokio::process::Child;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::process::{stderr_note, tail};
use crate::{Host, InstalledModule};

/// How long a stopped component has to exit after SIGTERM before it is killed.
const STOP_GRACE: Duration = Duration::from_secs(10);
/// Logs kept per component, newest last.
const KEPT_LOGS: usize = 200;
/// A component that ran this long before exiting is restarted at once, as if new.
const STEADY: Duration = Duration::from_secs(60);
const FIRST_BACKOFF: Duration = Duration::from_secs(1);
const MAX_BACKOFF: Duration = Duration::from_secs(60);
/// How often a component's liveness server is asked, unless told otherwise.
pub const PROBE_EVERY: Duration = Duration::from_secs(30);

/// Which kind of long-running component, and so which inputs it reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComponentKind {
    Trigger,
    Connector,
}

/// Takes secrets out of what a component says (its log lines, why it stopped) before it is kept
/// or shown.
pub trait Redact: Send + Sync {
    fn redact(&self, text: &mut String);
}

/// A trigger or connector to keep running.
pub struct LongRunning {
    pub module: Arc<InstalledModule>,
    pub kind: ComponentKind,
    pub docker_parameters: String,
    /// `trigger_configuration` or `connector_configuration`.
    pub settings: Value,
    /// The module configuration, secrets included: handed over only through the secrets URL.
    pub configuration: Value,
    /// Whom its events belong to, told back by [`crate::Callbacks::trigger_event`].
    pub owner: String,
    /// Where a connector sends its batches (`intake_url`).
    pub intake_url: Option<String>,
    /// A connector's `connector_configuration_uuid`: the intake it works for.
    pub configuration_uuid: Option<String>,
    /// What its logs and errors are scrubbed with: the secrets of its configuration and of its
    /// settings, a connector's intake key among them.
    pub redact: Option<Arc<dyn Redact>>,
}

impl LongRunning {
    fn redacted(&self, mut text: String) -> String {
        if let Some(redact) = &self.redact {
            redact.redact(&mut text);
        }
        text
    }
}

/// Where a supervised component is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ComponentState {
    Running,
    /// It exited and starts again after a backoff.
    Restarting,
    /// It logged `critical`: it stays stopped until it is started anew.
    Crashed,
    Stopped,
}

/// What the platform shows of a supervised component.
#[derive(Debug, Clone, Serialize)]
pub struct ComponentStatus {
    pub state: ComponentState,
    /// How many times it was started again.
    pub restarts: u32,
    /// Why it last stopped running, when it did.
    pub error: Option<String>,
    /// Its latest logs, oldest first.
    pub logs: Vec<LogEntry>,
}

/// A component kept running until [`Supervised::stop`].
pub struct Supervised {
    stop: CancellationToken,
    status: Arc<Mutex<Status>>,
    task: JoinHandle<()>,
}

struct Status {
    state: ComponentState,
    restarts: u32,
    error: Option<String>,
    logs: VecDeque<LogEntry>,
}

impl Supervised {
    pub fn status(&self) -> ComponentStatus {
        let status = self.status.lock().expect("status lock");
        ComponentStatus {
            state: status.state,
            restarts: status.restarts,
            error: status.error.clone(),
            logs: status.logs.iter().cloned().collect(),
        }
    }

    /// Sends SIGTERM, and kills the process if it has not exited after a grace period.
    pub async fn stop(self) {
        self.stop.cancel();
        let _ = self.task.await;
    }
}

impl Host {
    /// Starts `component` and keeps it running until stopped.
    pub fn supervise(self: &Arc<Self>, component: LongRunning) -> Supervised {
        let stop = CancellationToken::new();
        let status = Arc::new(Mutex::new(Status {
            state: ComponentState::Running,
            restarts: 0,
            error: None,
            logs: VecDeque::new(),
        }));
        let task = tokio::spawn(self.clone().keep_running(component, status.clone(), stop.clone()));
        Supervised { stop, status, task }
    }

    async fn keep_running(
        self: Arc<Self>,
        component: LongRunning,
        status: Arc<Mutex<Status>>,
        stop: CancellationToken,
    ) {
        let (logs, mut received) = mpsc::unbounded_channel();
        let mut backoff = FIRST_BACKOFF;
        loop {
            let started = Instant::now();
            let ended = self.run_once(&component, &logs, &mut received, &status, &stop).await.redacted(&component);
            let state = match ended {
                Ended::Stopped => ComponentState::Stopped,
                Ended::Crashed(_) => ComponentState::Crashed,
                Ended::Exited(_) => ComponentState::Restarting,
            };
            set(&status, state, ended.reason());
            match ended {
                Ended::Stopped => return,
                Ended::Crashed(message) => {
                    tracing::warn!(component = %component.docker_parameters, owner = %component.owner, "crashed: {message}");
                    stop.cancelled().await;
                    // Stopped now; the critical log stays the reason shown.
                    set(&status, ComponentState::Stopped, None);
                    return;
                }
                Ended::Exited(message) => {
                    tracing::warn!(component = %component.docker_parameters, owner = %component.owner, "{message}");
                }
            }
            if started.elapsed() >= STEADY {
                backoff = FIRST_BACKOFF;
            }
            tokio::select! {
                _ = tokio::time::sleep(backoff) => {}
                _ = stop.cancelled() => {
                    set(&status, ComponentState::Stopped, None);
                    return;
                }
            }
            backoff = (backoff * 2).min(MAX_BACKOFF);
            let mut status = status.lock().expect("status lock");
            status.restarts += 1;
            status.state = ComponentState::Running;
        }
    }

    /// One process, from start to exit.
    async fn run_once(
        &self,
        component: &LongRunning,
        logs: &mpsc::UnboundedSender<LogEntry>,
        received: &mut mpsc::UnboundedReceiver<LogEntry>,
        status: &Mutex<Status>,
        stop: &CancellationToken,
    ) -> Ended {
        let call =
            self.callbacks().open_long_running(component.configuration.clone(), component.owner.clone(), logs.clone());
        let mut command =
            self.command(&component.module, &component.docker_parameters, &call, component.configuration.clone());
        let settings = component.settings.to_string();
        match component.kind {
            ComponentKind::Trigger => command.env("TRIGGER_CONFIGURATION", settings),
            ComponentKind::Connector => command.env("CONNECTOR_CONFIGURATION", settings),
        };
        if let Some(path) = self.component_data_path(&component.owner) {
            command.env(crate::DATA_PATH_VARIABLE, path);
        }
        if let Some(intake_url) = &component.intake_url {
            command.env("INTAKE_URL", intake_url);
        }
        if let Some(uuid) = &component.configuration_uuid {
            command.env("CONNECTOR_CONFIGURATION_UUID", uuid);
        }
        // Sekoia's SDK serves liveness on 8000 and metrics on 8020 unless told otherwise: two
        // components on one machine would fight over them.
        let liveness_port = free_port();
        for (name, port) in [("LIVENESS_PORT", liveness_port), ("METRICS_PORT", free_port())] {
            if let Some(port) = port {
                command.env(name, port.to_string());
            }
        }
        let every = self.probe_every();
        let mut probe = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        let mut child = match command.spawn() {
            Ok(child) => child,
            Err(e) => return Ended::Exited(format!("cannot start {}: {e}", component.module.program().display())),
        };
        let stderr = child.stderr.take().map(|s| tokio::spawn(tail(s)));
        let ended = loop {
            tokio::select! {
                exit = child.wait() => {
                    let stderr = match stderr {
                        Some(task) => task.await.unwrap_or_default(),
                        None => String::new(),
                    };
                    let exit = exit.map(|s| s.to_string()).unwrap_or_else(|e| e.to_string());
                    break Ended::Exited(format!("the process exited ({exit}){}", stderr_note(&stderr)));
                }
                _ = stop.cancelled() => break Ended::Stopped,
                _ = probe.tick(), if liveness_port.is_some() => {
                    if let Some(port) = liveness_port && says_not_alive(port).await {
                        break Ended::Exited("it says it is not alive (`GET /health` answered 500)".into());
                    }
                }
                Some(entry) = received.recv() => {
                    let entry = redacted_log(component, entry);
                    let critical = (entry.level == LogLevel::Critical).then(|| entry.message.clone());
                    keep_log(status, entry);
                    if let Some(message) = critical {
                        break Ended::Crashed(message);
                    }
                }
            }
        };
        if !matches!(ended, Ended::Exited(_)) {
            terminate(&mut child).await;
        }
        // Logs sent just before the end are still shown.
        while let Ok(entry) = received.try_recv() {
            keep_log(status, redacted_log(component, entry));
        }
        ended
    }
}

enum Ended {
    Stopped,
    Crashed(String),
    Exited(String),
}

impl Ended {
    fn redacted(self, component: &LongRunning) -> Ended {
        match self {
            Ended::Stopped => Ended::Stopped,
            Ended::Crashed(message) => Ended::Crashed(component.redacted(message)),
            Ended::Exited(message) => Ended::Exited(component.redacted(message)),
        }
    }

    fn reason(&self) -> Option<String> {
        match self {
            Ended::Stopped => None,
            Ended::Crashed(message) => Some(format!("the component logged a critical error: {message}")),
            Ended::Exited(message) => Some(message.clone()),
        }
    }
}

fn set(status: &Mutex<Status>, state: ComponentState, error: Option<String>) {
    let mut status = status.lock().expect("status lock");
    status.state = state;
    if error.is_some() {
        status.error = error;
    }
}

fn redacted_log(component: &LongRunning, entry: LogEntry) -> LogEntry {
    LogEntry { date: component.redacted(entry.date), level: entry.level, message: component.redacted(entry.message) }
}

fn keep_log(status: &Mutex<Status>, entry: LogEntry) {
    let mut status = status.lock().expect("status lock");
    if status.logs.len() == KEPT_LOGS {
        status.logs.pop_front();
    }
    status.logs.push_back(entry);
}

/// Asks a component's liveness server (Sekoia's SDK serves one) whether it is alive. Only an
/// answer of 500 counts: a component without such a server is not probed into restarts.
async fn says_not_alive(port: u16) -> bool {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let ask = async {
        let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.ok()?;
        stream.write_all(b"GET /health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").await.ok()?;
        let mut head = [0u8; 12];
        stream.read_exact(&mut head).await.ok()?;
        Some(head.ends_with(b" 500"))
    };
    matches!(tokio::time::timeout(Duration::from_secs(5), ask).await, Ok(Some(true)))
}

/// A port nobody listens on now, for a component's own servers.
fn free_port() -> Option<u16> {
    std::net::TcpListener::bind(("127.0.0.1", 0)).and_then(|l| l.local_addr()).map(|a| a.port()).ok()
}

/// SIGTERM, then SIGKILL if the process outlives the grace period.
async fn terminate(child: &mut Child) {
    if let Some(pid) = child.id().and_then(|pid| i32::try_from(pid).ok()) {
        // SAFETY: `kill` only sends a signal; the pid is our own child, not yet reaped.
        #[allow(unsafe_code)]
        unsafe {
            libc::kill(pid, libc::SIGTERM)
        };
        if tokio::time::timeout(STOP_GRACE, child.wait()).await.is_ok() {
            return;
        }
    }
    let _ = child.kill().await;
}
