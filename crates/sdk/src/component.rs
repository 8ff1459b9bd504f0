//! What triggers and connectors share: their manifest identity and their running state.

use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use crate::{ActionError, LogLevel};

/// What a trigger's or connector's manifest says besides its schemas.
#[derive(Debug, Clone, Copy)]
pub struct ComponentInfo {
    pub name: &'static str,
    pub description: &'static str,
    /// The command that selects this component in the module's binary (`argv[1]`).
    pub docker_parameters: &'static str,
    /// A fixed UUID, to match an existing manifest; otherwise `uuid5(module_uuid, name)`.
    pub uuid: Option<&'static str>,
}

/// A running trigger or connector: its module configuration, and whether it should go on.
#[derive(Debug, Clone, Default)]
pub struct Component {
    configuration: Arc<Value>,
    stop: CancellationToken,
}

impl Component {
    pub fn new(configuration: Value, stop: CancellationToken) -> Self {
        Component { configuration: Arc::new(configuration), stop }
    }

    /// The module configuration ("connected account"), decoded into the module's type.
    pub fn configuration<T: DeserializeOwned>(&self) -> Result<T, ActionError> {
        serde_path_to_error::deserialize(self.configuration.as_ref())
            .map_err(|e| ActionError::fatal(format!("invalid module configuration at `{}`: {}", e.path(), e.inner())))
    }

    pub fn running(&self) -> bool {
        !self.stop.is_cancelled()
    }

    /// Asks the component to stop: `running()` turns false and `sleep` returns at once.
    pub fn stop(&self) {
        self.stop.cancel();
    }

    /// Resolves once the component is asked to stop.
    pub async fn stopped(&self) {
        self.stop.cancelled().await;
    }

    /// Waits `duration`, or less if asked to stop; says whether still running.
    pub async fn sleep(&self, duration: Duration) -> bool {
        tokio::select! {
            _ = tokio::time::sleep(duration) => {}
            _ = self.stop.cancelled() => {}
        }
        self.running()
    }
}

/// What the contexts of triggers and connectors share (they dereference to it): logs, the module
/// configuration, and whether to go on.
pub struct RunningContext {
    component: Component,
    log: Box<dyn Fn(LogLevel, String) + Send + Sync>,
}

impl RunningContext {
    pub(crate) fn new(component: Component, log: impl Fn(LogLevel, String) + Send + Sync + 'static) -> Self {
        RunningContext { component, log: Box::new(log) }
    }

    pub fn log(&self, level: LogLevel, message: impl Into<String>) {
        (self.log)(level, message.into());
    }

    pub fn debug(&self, message: impl Into<String>) {
        self.log(LogLevel::Debug, message);
    }

    pub fn info(&self, message: impl Into<String>) {
        self.log(LogLevel::Info, message);
    }

    pub fn warning(&self, message: impl Into<String>) {
        self.log(LogLevel::Warning, message);
    }

    pub fn error(&self, message: impl Into<String>) {
        self.log(LogLevel::Error, message);
    }

    /// The module configuration, decoded into the module's type.
    pub fn configuration<T: DeserializeOwned>(&self) -> Result<T, ActionError> {
        self.component.configuration()
    }

    pub fn running(&self) -> bool {
        self.component.running()
    }

    /// Waits `duration`, or less if asked to stop; says whether still running.
    pub async fn sleep(&self, duration: Duration) -> bool {
        self.component.sleep(duration).await
    }

    /// Resolves when the component is asked to stop: race a long request against it.
    pub async fn stopped(&self) {
        self.component.stopped().await
    }
}
