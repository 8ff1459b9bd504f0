//! Connectors: long-running components that collect events and push them into intakes.

use std::future::Future;
use std::sync::Arc;

use riposte_model::{ConnectorManifest, LogLevel};
use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::action::{BoxFuture, component_uuid, decode};
use crate::component::{Component, ComponentInfo, RunningContext};
use crate::{ActionError, schema_with_secrets};

/// Events longer than this (in characters) are dropped, as Sekoia's SDK does.
pub const EVENT_MAX_CHARS: usize = 250_000;
/// Most characters of events sent in one batch (0.9 × 10 MiB, as Sekoia's SDK).
pub const CHUNK_MAX_CHARS: usize = 9_437_184;
/// Most events sent in one batch: what Riposte's intake takes (Sekoia's SDK counts only
/// characters, and sends more only when its events average under 94 characters).
pub const CHUNK_MAX_EVENTS: usize = 100_000;

/// Where a connector's batches and logs go: the platform in-process, or over Sekoia's protocol.
pub trait IntakeHost: Send + Sync {
    /// Pushes one batch of events (each a JSON text) into the intake with this key; returns
    /// the events' ids, in order.
    fn push_batch(&self, intake_key: &str, events: Vec<String>) -> BoxFuture<'_, Result<Vec<String>, ActionError>>;
    fn log(&self, level: LogLevel, message: String);
}

/// A connector: runs until asked to stop, pushing what it collects into an intake.
pub trait Connector: Send + Sync + 'static {
    /// The connector's configuration; the manifest adds `intake_key` and `intake_server`.
    type Configuration: DeserializeOwned + JsonSchema + Send;

    const INFO: ComponentInfo;

    /// Runs until `ctx.running()` turns false; returning `Ok` while still running means "call
    /// me again".
    fn run(
        &self,
        ctx: &mut ConnectorContext,
        configuration: Self::Configuration,
    ) -> impl Future<Output = Result<(), ActionError>> + Send;
}

/// What a connector can do while it runs.
pub struct ConnectorContext {
    running: RunningContext,
    host: Arc<dyn IntakeHost>,
    intake_key: String,
}

impl ConnectorContext {
    pub fn new(component: Component, host: Arc<dyn IntakeHost>, intake_key: impl Into<String>) -> Self {
        let logger = host.clone();
        let running = RunningContext::new(component, move |level, message| logger.log(level, message));
        ConnectorContext { running, host, intake_key: intake_key.into() }
    }

    /// Pushes events (each a JSON text, or any text) into the connector's intake, in batches
    /// under [`CHUNK_MAX_CHARS`] and [`CHUNK_MAX_EVENTS`]; events over [`EVENT_MAX_CHARS`] are dropped and logged.
    /// Returns the ids of the events pushed.
    pub async fn push_events_to_intakes(&self, events: Vec<String>) -> Result<Vec<String>, ActionError> {
        let (chunks, dropped) = chunk_events(events);
        if dropped > 0 {
            self.log(LogLevel::Info, format!("{dropped} too long events were discarded (length > 250kb)"));
        }
        let mut ids = Vec::new();
        for chunk in chunks {
            ids.extend(self.host.push_batch(&self.intake_key, chunk).await?);
        }
        Ok(ids)
    }

    /// Serialises each event as JSON and pushes them.
    pub async fn push_json_events<E: Serialize>(&self, events: &[E]) -> Result<Vec<String>, ActionError> {
        let texts = events
            .iter()
            .map(|e| {
                serde_json::to_string(e).map_err(|e| ActionError::fatal(format!("an event does not serialise: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        self.push_events_to_intakes(texts).await
    }
}

impl std::ops::Deref for ConnectorContext {
    type Target = RunningContext;

    fn deref(&self) -> &RunningContext {
        &self.running
    }
}

/// Splits events into batches under [`CHUNK_MAX_CHARS`] and [`CHUNK_MAX_EVENTS`], leaving out those over
/// [`EVENT_MAX_CHARS`]; returns the batches and how many events were left out.
pub fn chunk_events(events: Vec<String>) -> (Vec<Vec<String>>, usize) {
    let mut chunks: Vec<Vec<String>> = Vec::new();
    let (mut size, mut dropped) = (0, 0);
    for event in events {
        let length = event.chars().count();
        if length > EVENT_MAX_CHARS {
            dropped += 1;
            continue;
        }
        match chunks.last_mut() {
            Some(chunk) if size + length <= CHUNK_MAX_CHARS && chunk.len() < CHUNK_MAX_EVENTS => {
                chunk.push(event);
                size += length;
            }
            _ => {
                chunks.push(vec![event]);
                size = length;
            }
        }
    }
    (chunks, dropped)
}

/// A connector behind a pointer, with JSON configuration: what hosts start.
pub trait DynConnector: Send + Sync {
    fn info(&self) -> &ComponentInfo;
    fn manifest(&self, module_uuid: &str) -> ConnectorManifest;
    fn run_once<'a>(
        &'a self,
        component: Component,
        host: Arc<dyn IntakeHost>,
        configuration: Value,
    ) -> BoxFuture<'a, Result<(), ActionError>>;
}

impl<C: Connector> DynConnector for C {
    fn info(&self) -> &ComponentInfo {
        &C::INFO
    }

    fn manifest(&self, module_uuid: &str) -> ConnectorManifest {
        let info = &C::INFO;
        ConnectorManifest {
            uuid: info.uuid.map(str::to_string).unwrap_or_else(|| component_uuid(module_uuid, info.name)),
            name: info.name.to_string(),
            description: info.description.to_string(),
            docker_parameters: info.docker_parameters.to_string(),
            arguments: with_intake_fields(schema_with_secrets::<C::Configuration>()),
            extra: Default::default(),
        }
    }

    fn run_once<'a>(
        &'a self,
        component: Component,
        host: Arc<dyn IntakeHost>,
        configuration: Value,
    ) -> BoxFuture<'a, Result<(), ActionError>> {
        Box::pin(async move {
            let intake_key = configuration
                .get("intake_key")
                .and_then(Value::as_str)
                .ok_or_else(|| ActionError::fatal("the connector configuration has no `intake_key`"))?
                .to_string();
            let configuration = decode::<C::Configuration>(configuration, "connector setting")?;
            let mut ctx = ConnectorContext::new(component, host, intake_key);
            self.run(&mut ctx, configuration).await
        })
    }
}

/// Adds what every connector is configured with, as Sekoia's `DefaultConnectorConfiguration`.
fn with_intake_fields(mut schema: Value) -> Value {
    let Some(object) = schema.as_object_mut() else { return schema };
    let properties = object.entry("properties").or_insert_with(|| json!({}));
    if let Some(properties) = properties.as_object_mut() {
        properties.insert("intake_server".into(), json!({"title": "Intake Server", "type": "string"}));
        properties.insert("intake_key".into(), json!({"title": "Intake Key", "type": "string"}));
    }
    let required = object.entry("required").or_insert_with(|| json!([]));
    if let Some(required) = required.as_array_mut()
        && !required.iter().any(|r| r == "intake_key")
    {
        required.push(json!("intake_key"));
    }
    schema
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_chunked_under_the_limit_and_oversized_ones_dropped() {
        let big = "x".repeat(EVENT_MAX_CHARS + 1);
        let mut events = vec![big, "{}".to_string()];
        events.extend(std::iter::repeat_n("y".repeat(200_000), 50));
        let (chunks, dropped) = chunk_events(events);
        assert_eq!(dropped, 1);
        assert_eq!(chunks.iter().map(Vec::len).collect::<Vec<_>>(), vec![48, 3], "47 big ones and `{{}}` fit in 9 MiB");
        assert!(chunks.iter().all(|c| c.iter().map(|e| e.chars().count()).sum::<usize>() <= CHUNK_MAX_CHARS));
    }

    #[test]
    fn a_chunk_holds_at_most_the_events_an_intake_takes() {
        let (chunks, dropped) = chunk_events(vec!["e".to_string(); 2 * CHUNK_MAX_EVENTS + 1]);
        assert_eq!(dropped, 0);
        assert_eq!(chunks.iter().map(Vec::len).collect::<Vec<_>>(), vec![CHUNK_MAX_EVENTS, CHUNK_MAX_EVENTS, 1]);
    }

    #[test]
    fn sizes_are_counted_in_characters() {
        let accented = "é".repeat(EVENT_MAX_CHARS);
        let (chunks, dropped) = chunk_events(vec![accented]);
        assert_eq!((chunks.len(), dropped), (1, 0), "250,000 characters is within the limit, whatever its bytes");
    }
}
