//! The platform's side of the module protocol for calls in progress: each call has its own id
//! (in its URLs) and bearer token, and is answered only while it runs.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use riposte_model::LogEntry;
use serde_json::{Value, json};
use tokio::sync::mpsc;

/// Why a module's callback is refused. Sekoia's SDK gives up at once on any 4xx.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CallbackError {
    #[error("no call {0} is in progress")]
    UnknownCall(String),
    #[error("the bearer token does not match this call")]
    BadToken,
    #[error("this call has already reported its result")]
    AlreadyFinished,
    #[error("{0}")]
    BadBody(String),
}

/// Calls in progress, by id.
#[derive(Default)]
pub struct Callbacks {
    calls: Mutex<HashMap<String, Call>>,
}

struct Call {
    token: String,
    /// The module configuration with its secrets, given to a component that asks for them.
    configuration: Value,
    role: Role,
}

enum Role {
    /// An action attempt: what it reports is kept until the attempt ends.
    Action {
        /// The final `PATCH`.
        finished: Option<Value>,
        /// Entries `POST`ed to the logs URL.
        logs: Vec<Value>,
        /// An account validator: its `running` is answered with the configuration, secrets
        /// included, as Sekoia's SDK expects whether or not it asks.
        validation: bool,
    },
    /// A trigger or connector: its events belong to `owner`, its logs go out as they come.
    LongRunning { owner: String, logs: mpsc::UnboundedSender<LogEntry> },
}

/// An event a trigger sent (`POST …/callback`): it starts a run.
#[derive(Debug, Clone, PartialEq)]
pub struct TriggerEvent {
    /// The run's name.
    pub name: String,
    pub event: Value,
    /// The same across the SDK's retries of one event: runs are deduplicated on it.
    pub request_id: Option<String>,
    /// A folder of the module's data path to become the run's storage.
    pub directory: Option<String>,
}

/// What a finished call reported.
#[derive(Debug, Default)]
pub(crate) struct Report {
    pub finished: Option<Value>,
    pub logs: Vec<Value>,
}

/// A call's place in [`Callbacks`]; the call is forgotten when this is dropped.
pub(crate) struct OpenCall {
    callbacks: Arc<Callbacks>,
    pub id: String,
    pub token: String,
}

impl Drop for OpenCall {
    fn drop(&mut self) {
        self.callbacks.lock().remove(&self.id);
    }
}

impl OpenCall {
    /// What the call reported so far; it stays open until dropped.
    pub(crate) fn report(&self) -> Report {
        match self.callbacks.lock().get_mut(&self.id).map(|call| &mut call.role) {
            Some(Role::Action { finished, logs, .. }) => {
                Report { finished: finished.take(), logs: std::mem::take(logs) }
            }
            _ => Report::default(),
        }
    }
}

impl Callbacks {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Call>> {
        self.calls.lock().expect("callbacks lock")
    }

    pub(crate) fn open_action(self: &Arc<Self>, configuration: Value) -> OpenCall {
        self.open(configuration, Role::Action { finished: None, logs: Vec::new(), validation: false })
    }

    /// A call of a module's account validator on `configuration`.
    pub(crate) fn open_validation(self: &Arc<Self>, configuration: Value) -> OpenCall {
        self.open(configuration, Role::Action { finished: None, logs: Vec::new(), validation: true })
    }

    pub(crate) fn open_long_running(
        self: &Arc<Self>,
        configuration: Value,
        owner: String,
        logs: mpsc::UnboundedSender<LogEntry>,
    ) -> OpenCall {
        self.open(configuration, Role::LongRunning { owner, logs })
    }

    fn open(self: &Arc<Self>, configuration: Value, role: Role) -> OpenCall {
        let id = uuid::Uuid::new_v4().to_string();
        let token = format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple());
        self.lock().insert(id.clone(), Call { token: token.clone(), configuration, role });
        OpenCall { callbacks: self.clone(), id, token }
    }

    /// `PATCH …/callback` of an action: `running` (answered with the configuration's secrets
    /// when `need_secrets`) or `finished` (results, error, logs, outputs).
    pub fn action_callback(&self, id: &str, token: &str, body: Value) -> Result<Value, CallbackError> {
        let mut calls = self.lock();
        let call = authorised(&mut calls, id, token)?;
        let Role::Action { finished, validation, .. } = &mut call.role else {
            return Err(CallbackError::BadBody("a trigger or connector sends events with `POST`, not `PATCH`".into()));
        };
        let wants_secrets = *validation || body.get("need_secrets").and_then(Value::as_bool) == Some(true);
        match body.get("status").and_then(Value::as_str) {
            Some("running") if wants_secrets => Ok(json!({"module_configuration": {"value": call.configuration}})),
            Some("running") => Ok(json!({})),
            Some("finished") if finished.is_some() => Err(CallbackError::AlreadyFinished),
            Some("finished") => {
                check_finished(&body)?;
                *finished = Some(body);
                Ok(json!({}))
            }
            _ => Err(CallbackError::BadBody("$.status: expected \"running\" or \"finished\"".into())),
        }
    }

    /// `POST …/logs`: `{"logs": [{"date", "level", "message"}]}`.
    pub fn logs(&self, id: &str, token: &str, body: Value) -> Result<(), CallbackError> {
        let Some(entries) = body.get("logs").and_then(Value::as_array) else {
            return Err(CallbackError::BadBody("$.logs: expected an array of log entries".into()));
        };
        if let Some(index) = entries.iter().position(|e| !e.get("message").is_some_and(Value::is_string)) {
            return Err(CallbackError::BadBody(format!("$.logs[{index}].message: expected a string")));
        }
        let mut calls = self.lock();
        match &mut authorised(&mut calls, id, token)?.role {
            Role::Action { logs, .. } => logs.extend(entries.iter().cloned()),
            Role::LongRunning { logs, .. } => {
                // The receiver is gone only while the component is being stopped.
                entries.iter().for_each(|entry| drop(logs.send(crate::logs::from_posted(entry))));
            }
        }
        Ok(())
    }

    /// `POST …/callback` of a trigger: `{"name", "event", "request_id", "directory"}`. Answers
    /// whom the event belongs to (the owner the component was started for) and the event.
    pub fn trigger_event(&self, id: &str, token: &str, body: Value) -> Result<(String, TriggerEvent), CallbackError> {
        let owner = {
            let mut calls = self.lock();
            match &authorised(&mut calls, id, token)?.role {
                Role::LongRunning { owner, .. } => owner.clone(),
                Role::Action { .. } => {
                    return Err(CallbackError::BadBody("an action reports with `PATCH`, not `POST`".into()));
                }
            }
        };
        Ok((owner, trigger_event(body)?))
    }

    /// `GET …/secrets`: `{"value": {...}, "node_value": {...}}`.
    pub fn secrets(&self, id: &str, token: &str) -> Result<Value, CallbackError> {
        let mut calls = self.lock();
        let call = authorised(&mut calls, id, token)?;
        Ok(json!({"value": call.configuration, "node_value": {}}))
    }
}

impl Callbacks {
    /// Whether `token` is that of call `id`, which is in progress: checked before a request's
    /// body is read.
    pub fn authorise(&self, id: &str, token: &str) -> Result<(), CallbackError> {
        authorised(&mut self.lock(), id, token).map(|_| ())
    }
}

fn authorised<'a>(calls: &'a mut HashMap<String, Call>, id: &str, token: &str) -> Result<&'a mut Call, CallbackError> {
    let call = calls.get_mut(id).ok_or_else(|| CallbackError::UnknownCall(id.to_string()))?;
    if !riposte_model::same_secret(&call.token, token) {
        return Err(CallbackError::BadToken);
    }
    Ok(call)
}

fn trigger_event(body: Value) -> Result<TriggerEvent, CallbackError> {
    let text = |key: &str| -> Result<Option<String>, CallbackError> {
        match body.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) => Ok(Some(text.clone())),
            Some(_) => Err(CallbackError::BadBody(format!("$.{key}: expected a string"))),
        }
    };
    let event = match body.get("event") {
        Some(event @ Value::Object(_)) => event.clone(),
        _ => return Err(CallbackError::BadBody("$.event: expected an object".into())),
    };
    Ok(TriggerEvent {
        name: text("name")?.unwrap_or_else(|| "Trigger event".to_string()),
        event,
        request_id: text("request_id")?,
        directory: text("directory")?,
    })
}

fn check_finished(body: &Value) -> Result<(), CallbackError> {
    let bad = |path: &str, expected: &str| Err(CallbackError::BadBody(format!("$.{path}: expected {expected}")));
    if body.get("error").is_some_and(|e| !e.is_string() && !e.is_null()) {
        return bad("error", "a string");
    }
    if body.get("logs").is_some_and(|l| !l.is_string() && !l.is_null()) {
        return bad("logs", "a string of log lines");
    }
    if body.get("secrets").is_some_and(|o| !o.is_object() && !o.is_null()) {
        return bad("secrets", "an object of secret fields to their new values");
    }
    if body.get("outputs").is_some_and(|o| !o.is_object() && !o.is_null()) {
        return bad("outputs", "an object of branch names to booleans");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_answers_its_own_token_only_and_finishes_once() {
        let callbacks = Arc::new(Callbacks::default());
        let call = callbacks.open_action(json!({"api_key": "s3cret"}));
        let (id, token) = (call.id.clone(), call.token.clone());
        assert_eq!(callbacks.action_callback(&id, "wrong", json!({"status": "running"})), Err(CallbackError::BadToken));
        let answer = callbacks.action_callback(&id, &token, json!({"status": "running", "need_secrets": true}));
        assert_eq!(answer.unwrap()["module_configuration"]["value"]["api_key"], "s3cret");
        assert_eq!(callbacks.action_callback(&id, &token, json!({"status": "running"})), Ok(json!({})));
        let bad = callbacks.action_callback(&id, &token, json!({"status": "finished", "error": 3}));
        assert_eq!(bad, Err(CallbackError::BadBody("$.error: expected a string".into())));
        let done = json!({"status": "finished", "results": {"n": 1}});
        callbacks.action_callback(&id, &token, done.clone()).unwrap();
        assert_eq!(callbacks.action_callback(&id, &token, done.clone()), Err(CallbackError::AlreadyFinished));
        callbacks.logs(&id, &token, json!({"logs": [{"date": "d", "level": "info", "message": "m"}]})).unwrap();
        let report = call.report();
        assert_eq!((report.finished, report.logs.len()), (Some(done), 1));
        drop(call);
        assert!(matches!(callbacks.secrets(&id, &token), Err(CallbackError::UnknownCall(_))), "forgotten once over");
    }
}

#[cfg(test)]
mod long_running_tests {
    use super::*;
    use riposte_model::LogLevel;

    #[test]
    fn a_trigger_posts_events_for_its_owner_and_its_logs_flow_out() {
        let callbacks = Arc::new(Callbacks::default());
        let (logs, mut posted) = mpsc::unbounded_channel();
        let call = callbacks.open_long_running(json!({}), "playbook-1".into(), logs);
        let (id, token) = (call.id.clone(), call.token.clone());
        let body = json!({"name": "2 new entries", "event": {"entries": [1, 2]}, "request_id": "r-1"});
        let (owner, event) = callbacks.trigger_event(&id, &token, body).unwrap();
        assert_eq!(
            (owner.as_str(), event.name.as_str(), event.request_id.as_deref()),
            ("playbook-1", "2 new entries", Some("r-1"))
        );
        assert_eq!(event.event, json!({"entries": [1, 2]}));
        let refused = callbacks.trigger_event(&id, &token, json!({"name": "x", "event": [1]}));
        assert_eq!(refused, Err(CallbackError::BadBody("$.event: expected an object".into())));
        assert!(matches!(
            callbacks.action_callback(&id, &token, json!({"status": "running"})),
            Err(CallbackError::BadBody(_))
        ));
        callbacks.logs(&id, &token, json!({"logs": [{"date": "d", "level": "critical", "message": "down"}]})).unwrap();
        let entry = posted.try_recv().unwrap();
        assert_eq!((entry.level, entry.message.as_str()), (LogLevel::Critical, "down"));
    }
}
