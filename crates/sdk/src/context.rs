use chrono::{SecondsFormat, Utc};
use riposte_model::{LogEntry, LogLevel};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::ActionError;

/// What an action can see and say while it runs.
#[derive(Debug, Clone, Default)]
pub struct ActionContext {
    configuration: Value,
    idempotency_key: String,
    pub(crate) logs: Vec<LogEntry>,
    pub(crate) error: Option<String>,
    pub(crate) outputs: Vec<String>,
}

impl ActionContext {
    pub fn new(configuration: Value, idempotency_key: impl Into<String>) -> Self {
        ActionContext { configuration, idempotency_key: idempotency_key.into(), ..Default::default() }
    }

    /// The module configuration ("connected account"), decoded into the module's type.
    pub fn configuration<T: DeserializeOwned>(&self) -> Result<T, ActionError> {
        serde_path_to_error::deserialize(&self.configuration)
            .map_err(|e| ActionError::fatal(format!("invalid module configuration at `{}`: {}", e.path(), e.inner())))
    }

    pub fn raw_configuration(&self) -> &Value {
        &self.configuration
    }

    /// The same for every attempt of this node in this run: pass it to remote systems that can
    /// recognise a repeated request.
    pub fn idempotency_key(&self) -> &str {
        &self.idempotency_key
    }

    pub fn log(&mut self, level: LogLevel, message: impl Into<String>) {
        let date = Utc::now().to_rfc3339_opts(SecondsFormat::Micros, true);
        self.logs.push(LogEntry { date, level, message: message.into() });
    }

    pub fn debug(&mut self, message: impl Into<String>) {
        self.log(LogLevel::Debug, message);
    }

    pub fn info(&mut self, message: impl Into<String>) {
        self.log(LogLevel::Info, message);
    }

    pub fn warning(&mut self, message: impl Into<String>) {
        self.log(LogLevel::Warning, message);
    }

    /// Marks the action as failed, as Sekoia's `self.error(...)`: results returned anyway are
    /// still recorded.
    pub fn error(&mut self, message: impl Into<String>) {
        let message = message.into();
        self.log(LogLevel::Error, message.clone());
        self.error = Some(message);
    }

    /// Activates an output branch declared in the action's manifest (`set_output`).
    pub fn set_output(&mut self, branch: impl Into<String>) {
        let branch = branch.into();
        if !self.outputs.contains(&branch) {
            self.outputs.push(branch);
        }
    }
}
