//! The platform's side of the module protocol for calls in progress: each call has its own id
//! (in its URLs) and bearer token, and is answered only while it runs.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

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
    /// The final `PATCH` of an action.
    finished: Option<Value>,
    /// Entries `POST`ed to the logs URL.
    logs: Vec<Value>,
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
        match self.callbacks.lock().get_mut(&self.id) {
            Some(call) => Report { finished: call.finished.take(), logs: std::mem::take(&mut call.logs) },
            None => Report::default(),
        }
    }
}

impl Callbacks {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Call>> {
        self.calls.lock().expect("callbacks lock")
    }

    pub(crate) fn open(self: &Arc<Self>, configuration: Value) -> OpenCall {
        let id = uuid::Uuid::new_v4().to_string();
        let token = format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple());
        let call = Call { token: token.clone(), configuration, finished: None, logs: Vec::new() };
        self.lock().insert(id.clone(), call);
        OpenCall { callbacks: self.clone(), id, token }
    }

    /// `PATCH …/callback` of an action: `running` (answered with the configuration's secrets
    /// when `need_secrets`) or `finished` (results, error, logs, outputs).
    pub fn action_callback(&self, id: &str, token: &str, body: Value) -> Result<Value, CallbackError> {
        let mut calls = self.lock();
        let call = authorised(&mut calls, id, token)?;
        match body.get("status").and_then(Value::as_str) {
            Some("running") if body.get("need_secrets").and_then(Value::as_bool) == Some(true) => {
                Ok(json!({"module_configuration": {"value": call.configuration}}))
            }
            Some("running") => Ok(json!({})),
            Some("finished") if call.finished.is_some() => Err(CallbackError::AlreadyFinished),
            Some("finished") => {
                check_finished(&body)?;
                call.finished = Some(body);
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
        authorised(&mut calls, id, token)?.logs.extend(entries.iter().cloned());
        Ok(())
    }

    /// `GET …/secrets`: `{"value": {...}, "node_value": {...}}`.
    pub fn secrets(&self, id: &str, token: &str) -> Result<Value, CallbackError> {
        let mut calls = self.lock();
        let call = authorised(&mut calls, id, token)?;
        Ok(json!({"value": call.configuration, "node_value": {}}))
    }
}

fn authorised<'a>(calls: &'a mut HashMap<String, Call>, id: &str, token: &str) -> Result<&'a mut Call, CallbackError> {
    let call = calls.get_mut(id).ok_or_else(|| CallbackError::UnknownCall(id.to_string()))?;
    if !same_secret(call.token.as_bytes(), token.as_bytes()) {
        return Err(CallbackError::BadToken);
    }
    Ok(call)
}

/// Compares in time that does not depend on where the first difference is.
fn same_secret(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |diff, (x, y)| diff | (x ^ y)) == 0
}

fn check_finished(body: &Value) -> Result<(), CallbackError> {
    let bad = |path: &str, expected: &str| Err(CallbackError::BadBody(format!("$.{path}: expected {expected}")));
    if body.get("error").is_some_and(|e| !e.is_string() && !e.is_null()) {
        return bad("error", "a string");
    }
    if body.get("logs").is_some_and(|l| !l.is_string() && !l.is_null()) {
        return bad("logs", "a string of log lines");
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
        let call = callbacks.open(json!({"api_key": "s3cret"}));
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
