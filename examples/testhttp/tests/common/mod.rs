//! What the tests share: a local server standing in for the remote side, a host that keeps what
//! components send it, and components started the way a host starts them.

// Each test file uses part of this module.
#![allow(dead_code)]

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{AppendHeaders, IntoResponse};
use axum::routing::{any, get};
use axum::{Json, Router};
use riposte_sdk::{ActionError, BoxFuture, Command, Component, IntakeHost, LogLevel, TriggerEvent, TriggerHost};
use serde_json::{Value, json};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// The remote side: `/items` answers the list of items (a 503 while failing), `/echo` answers
/// what it was sent, `/missing` a 404.
#[derive(Clone)]
pub struct Remote {
    pub base: String,
    state: Arc<RemoteState>,
}

#[derive(Default)]
struct RemoteState {
    items: Mutex<Vec<Value>>,
    failing: AtomicBool,
    /// The `Authorization` header of each request to `/items`, in order.
    authorizations: Mutex<Vec<Option<String>>>,
}

impl Remote {
    pub async fn start(initial: Vec<Value>) -> Remote {
        let state = Arc::new(RemoteState { items: Mutex::new(initial), ..Default::default() });
        let app = Router::new()
            .route("/items", get(list_items))
            .route("/echo", any(echo))
            .route("/missing", any(|| async { (StatusCode::NOT_FOUND, "nothing here") }))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Remote { base, state }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn add(&self, item: Value) {
        self.state.items.lock().unwrap().push(item);
    }

    pub fn set_failing(&self, failing: bool) {
        self.state.failing.store(failing, Ordering::SeqCst);
    }

    /// How many times `/items` was asked.
    pub fn polls(&self) -> usize {
        self.state.authorizations.lock().unwrap().len()
    }

    pub fn authorizations(&self) -> Vec<Option<String>> {
        self.state.authorizations.lock().unwrap().clone()
    }
}

async fn list_items(State(state): State<Arc<RemoteState>>, headers: HeaderMap) -> impl IntoResponse {
    let authorization = headers.get("authorization").and_then(|v| v.to_str().ok()).map(str::to_string);
    state.authorizations.lock().unwrap().push(authorization);
    if state.failing.load(Ordering::SeqCst) {
        return (StatusCode::SERVICE_UNAVAILABLE, Json(json!({"message": "down for maintenance"})));
    }
    (StatusCode::OK, Json(Value::Array(state.items.lock().unwrap().clone())))
}

/// The method in `x-method`, the `x-greeting` header as the body, and `x-tag` twice.
async fn echo(method: Method, headers: HeaderMap) -> impl IntoResponse {
    let greeting = headers.get("x-greeting").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    let answer = [("x-method", method.to_string()), ("x-tag", "a".into()), ("x-tag", "b".into())];
    (AppendHeaders(answer), greeting)
}

/// The platform side, in-process: keeps the events, batches and logs it is given. While
/// `out_of_reach` is set, deliveries fail the way they do when the platform cannot be reached.
#[derive(Default)]
pub struct Host {
    pub events: Mutex<Vec<TriggerEvent>>,
    /// Each batch with its intake key.
    pub batches: Mutex<Vec<(String, Vec<String>)>>,
    pub logs: Mutex<Vec<(LogLevel, String)>>,
    pub out_of_reach: AtomicBool,
}

impl Host {
    pub fn events(&self) -> Vec<TriggerEvent> {
        self.events.lock().unwrap().clone()
    }

    pub fn batches(&self) -> Vec<(String, Vec<String>)> {
        self.batches.lock().unwrap().clone()
    }

    /// The messages logged at `level`.
    pub fn logged(&self, level: LogLevel) -> Vec<String> {
        self.logs.lock().unwrap().iter().filter(|(l, _)| *l == level).map(|(_, m)| m.clone()).collect()
    }

    fn deliver(&self) -> Result<(), ActionError> {
        if self.out_of_reach.load(Ordering::SeqCst) {
            return Err(ActionError::transient("the platform is out of reach"));
        }
        Ok(())
    }
}

impl TriggerHost for Host {
    fn send_event(&self, event: TriggerEvent) -> BoxFuture<'_, Result<(), ActionError>> {
        let delivered = self.deliver().map(|()| self.events.lock().unwrap().push(event));
        Box::pin(async move { delivered })
    }

    fn log(&self, level: LogLevel, message: String) {
        self.logs.lock().unwrap().push((level, message));
    }
}

impl IntakeHost for Host {
    fn push_batch(&self, intake_key: &str, events: Vec<String>) -> BoxFuture<'_, Result<Vec<String>, ActionError>> {
        let ids = (0..events.len()).map(|i| format!("event-{i}")).collect();
        let delivered = self.deliver().map(|()| {
            self.batches.lock().unwrap().push((intake_key.to_string(), events));
            ids
        });
        Box::pin(async move { delivered })
    }

    fn log(&self, level: LogLevel, message: String) {
        TriggerHost::log(self, level, message);
    }
}

/// A trigger or connector running in a task, as a host runs it.
pub struct Running {
    stop: CancellationToken,
    task: JoinHandle<Result<(), ActionError>>,
}

impl Running {
    /// Asks the component to stop and waits for it, well under any polling interval the tests
    /// use, so that a component that does not stop when asked fails the test.
    pub async fn stop(self) -> Result<(), ActionError> {
        self.stop.cancel();
        tokio::time::timeout(Duration::from_secs(5), self.task).await.expect("the component stops when asked").unwrap()
    }

    /// Waits for the component to end by itself (a configuration it refuses).
    pub async fn ended(self) -> Result<(), ActionError> {
        tokio::time::timeout(Duration::from_secs(5), self.task).await.expect("the component ends").unwrap()
    }
}

/// Starts the module's component registered as `command`, with the module configuration
/// `account` and the component's own `settings`.
pub fn start(command: &str, host: &Arc<Host>, account: Value, settings: Value) -> Running {
    let stop = CancellationToken::new();
    let component = Component::new(account, stop.clone());
    let task = match testhttp::module().find_command(command) {
        Some(Command::Trigger(trigger)) => {
            let host: Arc<dyn TriggerHost> = host.clone();
            tokio::spawn(async move { trigger.run_once(component, host, settings).await })
        }
        Some(Command::Connector(connector)) => {
            let host: Arc<dyn IntakeHost> = host.clone();
            tokio::spawn(async move { connector.run_once(component, host, settings).await })
        }
        _ => panic!("`{command}` is not a trigger or connector of the module"),
    };
    Running { stop, task }
}

/// Waits until `done` holds, failing the test after a deadline rather than sleeping a fixed
/// time.
pub async fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
