//! The server's own alerts for the built-in Sekoia.io module, read from the store directly.

use std::sync::Arc;

use async_trait::async_trait;
use riposte_modules::sekoiaio::LocalAlerts;
use riposte_store::Store;
use serde_json::{Map, Value};

pub struct StoreAlerts(pub Arc<dyn Store>);

#[async_trait]
impl LocalAlerts for StoreAlerts {
    async fn get_alert(&self, id: &str) -> Result<Option<Map<String, Value>>, String> {
        let Some(alert) = self.0.get_alert(id).await.map_err(|e| e.to_string())? else { return Ok(None) };
        match serde_json::to_value(alert).map_err(|e| e.to_string())? {
            Value::Object(map) => Ok(Some(map)),
            _ => Err("an alert is a JSON object".into()),
        }
    }
}
