//! Warm workers: a module's program kept loaded between actions, for modules whose start is
//! slow (a Python module spends most of a second importing Sekoia's SDK). A worker runs one
//! action at a time; the report still comes through the call's callback URLs, as from a cold
//! process. A worker that is dropped while it runs an action is killed with it. A worker that
//! answers `cold` instead of `ready` says its module cannot be kept warm: its actions then run
//! as a process each.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

use crate::InstalledModule;
use crate::process::{keep_tail, set_apart, stderr_note};

/// Idle workers kept per module unless told otherwise; more are stopped when they finish.
pub const DEFAULT_WARM_WORKERS: usize = 4;
/// How long a worker may take to load the module.
const LOAD_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a worker stays idle before it is stopped, unless told otherwise.
pub const DEFAULT_WARM_IDLE: Duration = Duration::from_secs(600);

/// Idle workers, by module folder, with the install they belong to.
pub(crate) struct WarmPool {
    max_idle: usize,
    idle: Mutex<HashMap<PathBuf, Idle>>,
    /// Installs whose worker said it cannot keep warm (a module that does not load that way),
    /// with the end of what it wrote on stderr: why.
    cold: Mutex<HashMap<(PathBuf, Option<SystemTime>), String>>,
}

/// Why an action gets no warm worker.
pub(crate) enum Unwarmed {
    /// The module cannot run actions one after another; it runs a process per action. Why,
    /// when the worker said.
    Cold(String),
    /// The worker could not load, said why.
    Failed(String),
}

type Idle = (Option<SystemTime>, Vec<Worker>);

pub(crate) struct Worker {
    /// Since when the worker waits for an action, when it does.
    idle_since: Option<Instant>,
    child: Child,
    stdin: ChildStdin,
    stdout: Lines<BufReader<ChildStdout>>,
    stderr: Arc<Mutex<Vec<u8>>>,
    /// Reads stderr until the worker exits.
    stderr_reader: Option<tokio::task::JoinHandle<()>>,
}

impl WarmPool {
    pub(crate) fn new(max_idle: usize) -> Self {
        WarmPool { max_idle, idle: Mutex::default(), cold: Mutex::default() }
    }

    pub(crate) fn enabled(&self) -> bool {
        self.max_idle > 0
    }

    /// An idle worker of this install of the module, or a new one.
    pub(crate) async fn take(&self, module: &InstalledModule) -> Result<Worker, Unwarmed> {
        let install = (module.dir.clone(), module.installed_at);
        if self.cold.lock().expect("warm pool lock").contains_key(&install) {
            return Err(Unwarmed::Cold(String::new()));
        }
        let idle = {
            let mut idle = self.idle.lock().expect("warm pool lock");
            let entry = idle.entry(module.dir.clone()).or_insert_with(|| (module.installed_at, Vec::new()));
            if entry.0 != module.installed_at {
                // Reinstalled: the old workers run the old code.
                *entry = (module.installed_at, Vec::new());
            }
            // A worker may have ended while idle.
            std::iter::from_fn(|| entry.1.pop()).find_map(|mut worker| worker.is_alive().then_some(worker))
        };
        match idle {
            Some(worker) => Ok(worker),
            None => {
                let started = Worker::start(module).await;
                if let Err(Unwarmed::Cold(why)) = &started {
                    self.cold.lock().expect("warm pool lock").insert(install, why.clone());
                }
                started
            }
        }
    }

    pub(crate) fn give_back(&self, module: &InstalledModule, mut worker: Worker) {
        let mut idle = self.idle.lock().expect("warm pool lock");
        if let Some((installed_at, workers)) = idle.get_mut(&module.dir)
            && *installed_at == module.installed_at
            && workers.len() < self.max_idle
        {
            worker.idle_since = Some(Instant::now());
            workers.push(worker);
        }
    }

    /// Stops the workers idle for longer than `limit` (dropped, they are killed); how many.
    pub(crate) fn retire_idle(&self, limit: Duration) -> usize {
        let mut idle = self.idle.lock().expect("warm pool lock");
        let mut retired = 0;
        for (_, workers) in idle.values_mut() {
            let before = workers.len();
            workers.retain(|w| w.idle_since.is_none_or(|since| since.elapsed() <= limit));
            retired += before - workers.len();
        }
        retired
    }

    /// Why the install of `module` cannot be kept warm, when it cannot.
    pub(crate) fn cold_reason(&self, module: &InstalledModule) -> Option<String> {
        self.cold.lock().expect("warm pool lock").get(&(module.dir.clone(), module.installed_at)).cloned()
    }

    /// The idle workers of the module in `dir` and the memory they hold, in bytes.
    pub(crate) fn idle_memory(&self, dir: &Path) -> (usize, u64) {
        let idle = self.idle.lock().expect("warm pool lock");
        let Some((_, workers)) = idle.get(dir) else { return (0, 0) };
        (workers.len(), workers.iter().filter_map(Worker::resident_bytes).sum())
    }
}

impl Worker {
    async fn start(module: &InstalledModule) -> Result<Worker, Unwarmed> {
        let warm = module.launch.warm.as_ref().ok_or(Unwarmed::Cold(String::new()))?;
        let mut command = Command::new(module.resolve(&warm[0]));
        // First: clearing the environment afterwards would clear what is set here too.
        set_apart(&mut command);
        command
            .args(&warm[1..])
            .current_dir(&module.dir)
            .envs(&module.launch.env)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = command
            .spawn()
            .map_err(|e| Unwarmed::Failed(format!("cannot start the module's worker {}: {e}", warm[0])))?;
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let stderr_reader = child.stderr.take().map(|stream| tokio::spawn(keep_tail(stream, stderr.clone())));
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            return Err(Unwarmed::Failed("the module's worker has no pipes".into()));
        };
        let mut worker =
            Worker { idle_since: None, child, stdin, stdout: BufReader::new(stdout).lines(), stderr, stderr_reader };
        match tokio::time::timeout(LOAD_TIMEOUT, worker.stdout.next_line()).await {
            Ok(Ok(Some(line))) if line == "ready" => Ok(worker),
            Ok(Ok(Some(line))) if line == "cold" => Err(Unwarmed::Cold(worker.stderr_tail().await)),
            Ok(_) => Err(Unwarmed::Failed(format!("the module's worker did not load{}", worker.stderr_note().await))),
            Err(_) => Err(Unwarmed::Failed(format!("the module's worker did not load in {}s", LOAD_TIMEOUT.as_secs()))),
        }
    }

    /// What the worker's process holds in memory, where the system says (Linux).
    fn resident_bytes(&self) -> Option<u64> {
        let statm = std::fs::read_to_string(format!("/proc/{}/statm", self.child.id()?)).ok()?;
        let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
        Some(pages * 4096)
    }

    fn is_alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Runs one component to its end.
    pub(crate) async fn run(&mut self, command: &str, inputs: Value, data_path: Option<&Path>) -> Result<(), String> {
        let mut line = json!({"command": command, "inputs": inputs, "data_path": data_path}).to_string();
        line.push('\n');
        self.stdin.write_all(line.as_bytes()).await.map_err(|e| format!("the module's worker is gone: {e}"))?;
        self.stdin.flush().await.map_err(|e| format!("the module's worker is gone: {e}"))?;
        match self.stdout.next_line().await {
            Ok(Some(line)) if line == "done" => Ok(()),
            _ => Err(format!("the module's worker exited during the action{}", self.stderr_note().await)),
        }
    }

    /// The end of the stderr of a worker that exited, once read to its end, as a note.
    async fn stderr_note(&mut self) -> String {
        stderr_note(&self.stderr_tail().await)
    }

    /// The end of the stderr of a worker that exited, once read to its end.
    async fn stderr_tail(&mut self) -> String {
        if let Some(reader) = self.stderr_reader.take() {
            let _ = tokio::time::timeout(Duration::from_secs(1), reader).await;
        }
        let tail = self.stderr.lock().expect("stderr lock");
        String::from_utf8_lossy(&tail).trim().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A module whose warm worker is a shell loop: `ready`, then `done` for each request.
    fn shell_module(dir: &Path) -> InstalledModule {
        let manifest = r#"{"uuid": "m-1", "name": "Shell", "slug": "shell", "version": "0.1.0"}"#;
        std::fs::write(dir.join("manifest.json"), manifest).unwrap();
        std::fs::write(dir.join("riposte-module.json"), r#"{"command": ["sh"], "warm": ["sh", "warm.sh"]}"#).unwrap();
        std::fs::write(dir.join("warm.sh"), "echo ready\nwhile read line; do echo done; done\n").unwrap();
        crate::load_module(dir).unwrap()
    }

    #[tokio::test]
    async fn idle_workers_tell_their_memory_and_are_stopped_past_their_limit() {
        let dir = tempfile::tempdir().unwrap();
        let module = shell_module(dir.path());
        let pool = WarmPool::new(2);
        let Ok(mut worker) = pool.take(&module).await else { panic!("the shell worker did not load") };
        worker.run("anything", json!({}), None).await.unwrap();
        pool.give_back(&module, worker);
        let (idle, bytes) = pool.idle_memory(&module.dir);
        assert_eq!(idle, 1);
        assert!(bytes > 0, "the worker's memory is read from the system");
        assert_eq!(pool.retire_idle(Duration::from_secs(600)), 0, "not idle long enough yet");
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(pool.retire_idle(Duration::from_millis(10)), 1);
        assert_eq!(pool.idle_memory(&module.dir), (0, 0));
    }

    #[tokio::test]
    async fn a_module_that_cannot_stay_loaded_says_why() {
        let dir = tempfile::tempdir().unwrap();
        let module = shell_module(dir.path());
        std::fs::write(dir.path().join("warm.sh"), "echo 'cannot import the SDK' >&2\necho cold\n").unwrap();
        let pool = WarmPool::new(2);
        assert!(matches!(pool.take(&module).await, Err(Unwarmed::Cold(_))));
        assert_eq!(pool.cold_reason(&module).as_deref(), Some("cannot import the SDK"));
        assert!(matches!(pool.take(&module).await, Err(Unwarmed::Cold(_))), "not tried again");
    }
}
