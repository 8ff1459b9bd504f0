//! Triggers and connectors run over Sekoia's protocol: secrets fetched at start, events `POST`ed
//! to the callback URL, logs batched to the logs URL, batches to the intake, a clean stop.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use reqwest::Method;
use riposte_model::{LogEntry, LogLevel};
use serde_json::{Value, json};
use tokio::sync::Notify;

use super::action::merge;
use super::client::{Platform, Retry};
use super::inputs::Inputs;
use crate::action::BoxFuture;
use crate::component::Component;
use crate::{ActionError, IntakeHost, SdkError, TriggerEvent, TriggerHost};

/// Uncaught errors in a row after which a component logs `critical` and stops, as Sekoia's SDK.
pub const ERRORS_BEFORE_CRITICAL: u32 = 5;
/// Logs are sent when this many wait, or every [`LOG_FLUSH_EVERY`], or at once for errors.
const LOG_BATCH: usize = 50;
const LOG_FLUSH_EVERY: Duration = Duration::from_secs(5);
/// How long a batch is retried before the connector gives up on it.
const INTAKE_RETRY_FOR: Duration = Duration::from_secs(3600);

/// The platform, as a trigger or connector running in its own process sees it.
pub struct WireHost {
    platform: Platform,
    callback: String,
    logs_url: String,
    intake: Option<String>,
    logs: Mutex<Vec<LogEntry>>,
    urgent: Notify,
}

impl WireHost {
    pub fn new(inputs: &Inputs, platform: Platform, intake: Option<String>) -> Result<Self, SdkError> {
        let callback = inputs.required_text("url_callback")?;
        let logs_url = inputs.text("url_logs").unwrap_or_else(|| callback.replace("/callback", "/logs"));
        Ok(WireHost { platform, callback, logs_url, intake, logs: Mutex::default(), urgent: Notify::new() })
    }

    /// The secrets of the module (`value`) and of the component's own settings (`node_value`).
    pub async fn secrets(&self, inputs: &Inputs) -> Result<(Value, Value), SdkError> {
        let url = inputs.text("url_secrets").unwrap_or_else(|| self.callback.replace("/callback", "/secrets"));
        let answer = self.platform.call(Method::GET, &url, None).await?;
        Ok((
            answer.get("value").cloned().unwrap_or(Value::Null),
            answer.get("node_value").cloned().unwrap_or(Value::Null),
        ))
    }

    /// Sends the logs waiting, if any.
    /// Sends the logs waiting, with retries. The batch leaves the buffer once sent or given
    /// up on, so that a send interrupted by a stop leaves it for [`WireHost::flush_last_logs`].
    pub async fn flush_logs(&self) {
        self.send_waiting_logs(false).await
    }

    /// Sends the logs waiting with one attempt: at a stop, the platform may be gone, and the
    /// process must not outlive it retrying.
    pub async fn flush_last_logs(&self) {
        self.send_waiting_logs(true).await
    }

    async fn send_waiting_logs(&self, once: bool) {
        let batch = self.logs.lock().expect("log buffer lock").clone();
        if batch.is_empty() {
            return;
        }
        let body = json!({"logs": batch});
        let sent = if once {
            self.platform.call_once(Method::POST, &self.logs_url, Some(&body)).await
        } else {
            self.platform.call(Method::POST, &self.logs_url, Some(&body)).await
        };
        if let Err(e) = sent {
            eprintln!("cannot send logs: {e}");
        }
        self.logs.lock().expect("log buffer lock").drain(..batch.len());
    }

    /// Sends logs as they come, until `component` stops; a send in progress is given up at the
    /// stop.
    pub async fn send_logs_until_stopped(&self, component: &Component) {
        while component.running() {
            tokio::select! {
                _ = self.urgent.notified() => {}
                _ = tokio::time::sleep(LOG_FLUSH_EVERY) => {}
                _ = component.stopped() => {}
            }
            tokio::select! {
                _ = self.flush_logs() => {}
                _ = component.stopped() => {}
            }
        }
    }

    async fn post_batch(&self, intake_key: &str, events: Vec<String>) -> Result<Vec<String>, ActionError> {
        let base = self.intake.as_deref().ok_or_else(|| {
            ActionError::fatal("no intake: set `intake_server` in the connector configuration or give `intake_url`")
        })?;
        let url = format!("{}/batch", base.trim_end_matches('/'));
        let body = json!({"intake_key": intake_key, "jsons": events});
        let started = Instant::now();
        let mut wait = Duration::from_secs(1);
        loop {
            // Batches have their own retry rule (Sekoia's: up to an hour), so one attempt each.
            match self.platform.call_once(Method::POST, &url, Some(&body)).await {
                Ok(answer) => {
                    let ids = answer.get("event_ids").and_then(Value::as_array).cloned().unwrap_or_default();
                    return Ok(ids.into_iter().filter_map(|id| id.as_str().map(str::to_string)).collect());
                }
                // The intake refuses this batch (unknown key, bad body): it would refuse it again.
                Err(SdkError::Refused { message, .. }) => return Err(ActionError::action(message)),
                Err(e) if started.elapsed() > INTAKE_RETRY_FOR => {
                    return Err(ActionError::transient(format!(
                        "failed to forward {} events: {e}",
                        body["jsons"].as_array().map_or(0, Vec::len)
                    )));
                }
                Err(_) => {
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(Duration::from_secs(10));
                }
            }
        }
    }
}

impl TriggerHost for WireHost {
    fn send_event(&self, event: TriggerEvent) -> BoxFuture<'_, Result<(), ActionError>> {
        Box::pin(async move {
            let body = serde_json::to_value(&event).map_err(|e| ActionError::fatal(e.to_string()))?;
            match self.platform.call(Method::POST, &self.callback, Some(&body)).await {
                Ok(_) => Ok(()),
                Err(e @ SdkError::Refused { .. }) => Err(ActionError::action(e.to_string())),
                Err(e) => Err(ActionError::transient(e.to_string())),
            }
        })
    }

    fn log(&self, level: LogLevel, message: String) {
        let date = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        let mut logs = self.logs.lock().expect("log buffer lock");
        logs.push(LogEntry { date, level, message });
        if level >= LogLevel::Error || logs.len() >= LOG_BATCH {
            self.urgent.notify_one();
        }
    }
}

impl IntakeHost for WireHost {
    fn push_batch(&self, intake_key: &str, events: Vec<String>) -> BoxFuture<'_, Result<Vec<String>, ActionError>> {
        let intake_key = intake_key.to_string();
        Box::pin(async move { self.post_batch(&intake_key, events).await })
    }

    fn log(&self, level: LogLevel, message: String) {
        TriggerHost::log(self, level, message);
    }
}

/// Calls `run_once` again and again while the component runs, as Sekoia's SDK does; after
/// [`ERRORS_BEFORE_CRITICAL`] errors in a row it logs `critical` and gives up.
pub async fn keep_running<F>(
    component: &Component,
    pause: Retry,
    log: &(dyn Fn(LogLevel, String) + Sync),
    mut run_once: F,
) -> Result<(), String>
where
    F: FnMut() -> BoxFuture<'static, Result<(), ActionError>>,
{
    let mut errors = 0;
    while component.running() {
        match run_once().await {
            Ok(()) => errors = 0,
            Err(e) => {
                errors += 1;
                log(LogLevel::Error, e.message.clone());
                if errors >= ERRORS_BEFORE_CRITICAL {
                    let message = format!("{errors} successive uncaught errors; last: {}", e.message);
                    log(LogLevel::Critical, message.clone());
                    return Err(message);
                }
                // A pause before trying again, so that a failing component does not spin.
                component.sleep(pause.wait(errors)).await;
            }
        }
    }
    Ok(())
}

/// Merges the secrets fetched at start into the configurations they belong to.
pub fn with_secrets(configuration: &mut Value, settings: &mut Value, secrets: (Value, Value)) {
    if let Some(values) = secrets.0.as_object() {
        merge(configuration, values);
    }
    if let Some(values) = secrets.1.as_object() {
        merge(settings, values);
    }
}
