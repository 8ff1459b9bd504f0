//! An action run over Sekoia's protocol: `PATCH running` (fetching secrets), run, `PATCH
//! finished` with results, error, logs and outputs.

use reqwest::Method;
use riposte_model::{ActionOutcome, LogEntry};
use serde_json::{Map, Value, json};

use super::client::Platform;
use super::inputs::Inputs;
use crate::{ActionContext, DynAction, Module, SdkError};

pub async fn run_action(
    module: &Module,
    action: &dyn DynAction,
    inputs: &Inputs,
    platform: &Platform,
) -> Result<ActionOutcome, SdkError> {
    let callback = inputs.required_text("url_callback")?;
    let arguments = inputs.required_json("arguments")?;
    let mut configuration = inputs.json("module_configuration")?.unwrap_or_else(|| json!({}));
    let mut running = json!({"status": "running"});
    if module.has_secrets() {
        running["need_secrets"] = json!(true);
    }
    let answer = platform.call(Method::PATCH, &callback, Some(&running)).await?;
    if let Some(secrets) = answer.pointer("/module_configuration/value").and_then(Value::as_object) {
        merge(&mut configuration, secrets);
    }
    let key = inputs.text("node_run_uuid").unwrap_or_default();
    let outcome = action.call(ActionContext::new(configuration, key), arguments).await;
    match platform.call(Method::PATCH, &callback, Some(&finished(&outcome))).await {
        // The platform already has this node's outcome: nothing more to say.
        Err(SdkError::Refused { status: 409, .. }) => Ok(outcome),
        Err(e) => Err(e),
        Ok(_) => Ok(outcome),
    }
}

/// The final `PATCH`, keys present only when set, as Sekoia's SDK sends it.
fn finished(outcome: &ActionOutcome) -> Value {
    let mut body = Map::new();
    body.insert("status".into(), json!("finished"));
    if let Some(results) = &outcome.results {
        body.insert("results".into(), results.clone());
    }
    if let Some(error) = &outcome.error {
        body.insert("error".into(), json!(error.message));
    }
    if !outcome.logs.is_empty() {
        body.insert("logs".into(), json!(log_lines(&outcome.logs)));
    }
    if !outcome.outputs.is_empty() {
        let outputs: Map<String, Value> = outcome.outputs.iter().map(|o| (o.clone(), json!(true))).collect();
        body.insert("outputs".into(), Value::Object(outputs));
    }
    Value::Object(body)
}

/// Logs as Sekoia's SDK sends them: one `<date>: <level>: <message>` line each.
pub(crate) fn log_lines(logs: &[LogEntry]) -> String {
    logs.iter().map(|l| format!("{}: {}: {}\n", l.date, l.level.as_str(), l.message)).collect()
}

pub(crate) fn merge(configuration: &mut Value, secrets: &Map<String, Value>) {
    if !configuration.is_object() {
        *configuration = json!({});
    }
    if let Some(object) = configuration.as_object_mut() {
        for (key, value) in secrets {
            object.insert(key.clone(), value.clone());
        }
    }
}
