use axum::http::StatusCode;
use reqwest::Method;
use serde_json::{Value, json};

/// A client of a server's API with one key.
#[derive(Clone)]
pub struct Api {
    /// `http://127.0.0.1:PORT`
    pub base: String,
    pub key: String,
    http: reqwest::Client,
}

impl Api {
    pub fn new(base: impl Into<String>, key: impl Into<String>) -> Api {
        Api { base: base.into(), key: key.into(), http: reqwest::Client::new() }
    }

    /// The same server with another key.
    pub fn with_key(&self, key: impl Into<String>) -> Api {
        Api { key: key.into(), ..self.clone() }
    }

    /// `method path` with `body` as JSON; the status and the answer, as JSON when it is, else as
    /// a string.
    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut request = self.http.request(method, format!("{}{path}", self.base)).bearer_auth(&self.key);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = StatusCode::from_u16(response.status().as_u16()).unwrap();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, Some(body)).await
    }

    /// Pushes `jsons` to the intake whose key is `key`, as Sekoia's SDK does; the status.
    pub async fn push_events(&self, key: &str, jsons: Vec<String>) -> u16 {
        let batch = json!({"intake_key": key, "jsons": jsons});
        let pushed = self.http.post(format!("{}/api/v1/intake-http/batch", self.base)).json(&batch).send().await;
        pushed.unwrap().status().as_u16()
    }

    /// Saves `playbook` and turns it on; its UUID.
    pub async fn activated(&self, playbook: Value) -> String {
        let (status, created) = self.post("/api/v1/symphony/playbooks", json!({"playbook": playbook})).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let uuid = created["uuid"].as_str().unwrap().to_string();
        let (status, body) =
            self.call(Method::POST, &format!("/api/v1/symphony/playbooks/{uuid}/activate"), None).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        uuid
    }

    /// The runs of `playbook` once there are `count` and all have ended, newest first.
    pub async fn finished_runs(&self, playbook: &str, count: usize) -> Vec<Value> {
        crate::eventually(&format!("{count} finished runs of {playbook}"), async || {
            let (_, runs) = self.get(&format!("/api/v1/symphony/runs?playbook_uuid={playbook}")).await;
            let items = runs["items"].as_array().cloned().unwrap_or_default();
            let ended = items.iter().all(|r| r["status"] != "pending" && r["status"] != "running");
            (items.len() >= count && ended).then_some(items)
        })
        .await
    }
}
