//! What `riposte demo` and `riposte bench` both set up: a server on its own data directory, the
//! seed playbook ("Synchronize Alerts with an external tool") pointed at a local external tool,
//! and a client of the server's API.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use axum::Router;
use axum::routing::post;
use reqwest::Method;
use riposte_worker::RunLimits;
use serde_json::{Value, json};

use crate::server::{Server, ServerOptions};

const SEED_PLAYBOOK: &str = include_str!("../../../examples/sync-alerts/playbook.json");

/// A data directory of its own: the one given, or a temporary one removed on drop.
pub struct DataDir {
    pub path: PathBuf,
    temporary: bool,
}

impl DataDir {
    pub fn new(given: Option<&Path>, prefix: &str) -> anyhow::Result<DataDir> {
        if let Some(path) = given {
            return Ok(DataDir { path: path.to_path_buf(), temporary: false });
        }
        let path = std::env::temp_dir().join(format!("{prefix}-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&path)?;
        Ok(DataDir { path, temporary: true })
    }
}

impl Drop for DataDir {
    fn drop(&mut self) {
        if self.temporary {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

/// Starts a server for a demo or a benchmark: default options but the run limit.
pub async fn start_server(data_dir: &Path, listen: &str, max_runs: usize) -> anyhow::Result<Server> {
    start_server_with_warm(data_dir, listen, max_runs, riposte_host::DEFAULT_WARM_WORKERS).await
}

/// The same, with this many warm workers per module.
pub async fn start_server_with_warm(
    data_dir: &Path,
    listen: &str,
    max_runs: usize,
    warm_workers: usize,
) -> anyhow::Result<Server> {
    Server::start(ServerOptions {
        warm_workers,
        limits: RunLimits { max_runs, max_runs_per_playbook: max_runs },
        shutdown_grace: Duration::from_secs(5),
        ..ServerOptions::new(data_dir, listen)
    })
    .await
}

/// A client of the server's API with the admin key.
pub struct Api {
    pub base: String,
    pub key: String,
    pub client: reqwest::Client,
}

impl Api {
    pub fn new(server: &Server, client: reqwest::Client) -> Api {
        Api { base: server.url(), key: server.admin_key.clone(), client }
    }

    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> anyhow::Result<Value> {
        let mut request = self.client.request(method.clone(), format!("{}{path}", self.base)).bearer_auth(&self.key);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.with_context(|| format!("{method} {path}"))?;
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            bail!("{method} {path} answered {status}: {body}");
        }
        Ok(body)
    }

    /// Imports the seed playbook pointed at `tool_url` (a new version when it exists from an
    /// earlier run on the same data directory), turns it on, and returns its UUID.
    pub async fn install_seed_playbook(&self, tool_url: &str) -> anyhow::Result<String> {
        let mut playbook: Value = serde_json::from_str(SEED_PLAYBOOK).context("the bundled playbook")?;
        playbook["nodes"]["2"]["arguments"]["url"] = json!(tool_url);
        let uuid = playbook["uuid"].as_str().unwrap_or_default().to_string();
        let path = format!("/api/v1/symphony/playbooks/{uuid}");
        if self.call(Method::GET, &path, None).await.is_ok() {
            self.call(Method::PUT, &path, Some(json!({"playbook": playbook}))).await?;
        } else {
            self.call(Method::POST, "/api/v1/symphony/playbooks", Some(json!({"playbook": playbook}))).await?;
        }
        self.call(Method::POST, &format!("{path}/activate"), None).await?;
        Ok(uuid)
    }
}

/// The "external tool": counts the requests that arrive and notes what they say.
pub struct ExternalTool {
    pub url: String,
    received: Arc<Mutex<Vec<String>>>,
    count: Arc<AtomicUsize>,
}

/// What the tool does with each request's body.
#[derive(Clone)]
pub enum Note {
    /// Keeps the whole body.
    Body,
    /// Hands the `alert_short_id` it names, and when it arrived, to a function: a long benchmark
    /// keeps nothing per request.
    Arrival(OnArrival),
}

/// Told the alert a request names and when it arrived.
pub type OnArrival = Arc<dyn Fn(&str, Instant) + Send + Sync>;

impl ExternalTool {
    pub async fn start(note: Note) -> anyhow::Result<ExternalTool> {
        let received: Arc<Mutex<Vec<String>>> = Arc::default();
        let count: Arc<AtomicUsize> = Arc::default();
        let (sink, counter) = (received.clone(), count.clone());
        let app = Router::new().route(
            "/sink",
            post(move |body: String| async move {
                let at = Instant::now();
                match &note {
                    Note::Body => sink.lock().expect("tool lock").push(body),
                    Note::Arrival(arrived) => {
                        #[derive(serde::Deserialize)]
                        struct Named {
                            alert_short_id: String,
                        }
                        if let Ok(named) = serde_json::from_str::<Named>(&body) {
                            arrived(&named.alert_short_id, at);
                        }
                    }
                }
                counter.fetch_add(1, Ordering::Relaxed);
                axum::Json(json!({"received": true}))
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        tokio::spawn(async move { axum::serve(listener, app).await });
        Ok(ExternalTool { url: format!("http://{address}/sink"), received, count })
    }

    pub fn count(&self) -> usize {
        self.count.load(Ordering::Relaxed)
    }

    pub fn bodies(&self) -> Vec<String> {
        self.received.lock().expect("tool lock").clone()
    }
}
