//! Triggers: long-running components that start playbook runs by sending events.

use std::future::Future;
use std::marker::PhantomData;
use std::sync::Arc;

use riposte_model::{LogLevel, TriggerManifest};
use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::action::{BoxFuture, component_uuid, decode};
use crate::component::{Component, ComponentInfo, RunningContext};
use crate::{ActionError, schema_of, schema_with_secrets};

/// One event a trigger sends: each starts a run of every playbook the trigger begins.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TriggerEvent {
    /// The run's name, e.g. "Sekoia.io Alert: ALxxxx".
    pub name: String,
    pub event: Value,
    /// The same for every retry of this event: the platform starts one run per request id.
    pub request_id: String,
    /// A folder of the data path that becomes the run's own storage.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub directory: Option<String>,
}

/// Where a trigger's events and logs go: the platform in-process, or over Sekoia's protocol.
pub trait TriggerHost: Send + Sync {
    fn send_event(&self, event: TriggerEvent) -> BoxFuture<'_, Result<(), ActionError>>;
    fn log(&self, level: LogLevel, message: String);
}

/// A trigger: runs until asked to stop, sending events that start playbook runs.
pub trait Trigger: Send + Sync + 'static {
    /// The trigger node's configuration in a playbook (the manifest's `arguments`).
    type Configuration: DeserializeOwned + JsonSchema + Send;
    /// The events it sends (the manifest's `results`).
    type Event: Serialize + JsonSchema + Send;

    const INFO: ComponentInfo;

    /// Runs until `ctx.running()` turns false (loop on it, and wait with `ctx.sleep`). Returning
    /// `Ok` while still running means "call me again", as in Sekoia's SDK.
    fn run(
        &self,
        ctx: &mut TriggerContext<Self::Event>,
        configuration: Self::Configuration,
    ) -> impl Future<Output = Result<(), ActionError>> + Send;
}

/// What a trigger can do while it runs.
pub struct TriggerContext<E> {
    running: RunningContext,
    host: Arc<dyn TriggerHost>,
    event: PhantomData<fn(E)>,
}

impl<E: Serialize> TriggerContext<E> {
    pub fn new(component: Component, host: Arc<dyn TriggerHost>) -> Self {
        let logger = host.clone();
        let running = RunningContext::new(component, move |level, message| logger.log(level, message));
        TriggerContext { running, host, event: PhantomData }
    }

    /// Sends an event: every active playbook this trigger begins gets a run named `name`.
    pub async fn send_event(&self, name: impl Into<String>, event: E) -> Result<(), ActionError> {
        self.send_event_with_directory(name, event, None).await
    }

    /// Sends an event whose run gets `directory` (relative to the data path) as its storage.
    pub async fn send_event_with_directory(
        &self,
        name: impl Into<String>,
        event: E,
        directory: Option<String>,
    ) -> Result<(), ActionError> {
        let event = serde_json::to_value(event)
            .map_err(|e| ActionError::fatal(format!("the event does not serialise: {e}")))?;
        let request_id = uuid::Uuid::new_v4().to_string();
        self.host.send_event(TriggerEvent { name: name.into(), event, request_id, directory }).await
    }
}

impl<E> std::ops::Deref for TriggerContext<E> {
    type Target = RunningContext;

    fn deref(&self) -> &RunningContext {
        &self.running
    }
}

/// A trigger behind a pointer, with JSON configuration: what hosts start.
pub trait DynTrigger: Send + Sync {
    fn info(&self) -> &ComponentInfo;
    fn manifest(&self, module_uuid: &str) -> TriggerManifest;
    /// Runs the trigger once (hosts call it again while it should keep running).
    fn run_once<'a>(
        &'a self,
        component: Component,
        host: Arc<dyn TriggerHost>,
        configuration: Value,
    ) -> BoxFuture<'a, Result<(), ActionError>>;
}

impl<T: Trigger> DynTrigger for T {
    fn info(&self) -> &ComponentInfo {
        &T::INFO
    }

    fn manifest(&self, module_uuid: &str) -> TriggerManifest {
        let info = &T::INFO;
        TriggerManifest {
            uuid: info.uuid.map(str::to_string).unwrap_or_else(|| component_uuid(module_uuid, info.name)),
            name: info.name.to_string(),
            description: info.description.to_string(),
            docker_parameters: info.docker_parameters.to_string(),
            arguments: schema_with_secrets::<T::Configuration>(),
            results: schema_of::<T::Event>(),
            extra: Default::default(),
        }
    }

    fn run_once<'a>(
        &'a self,
        component: Component,
        host: Arc<dyn TriggerHost>,
        configuration: Value,
    ) -> BoxFuture<'a, Result<(), ActionError>> {
        Box::pin(async move {
            let configuration = decode::<T::Configuration>(configuration, "trigger setting")?;
            let mut ctx = TriggerContext::new(component, host);
            self.run(&mut ctx, configuration).await
        })
    }
}
