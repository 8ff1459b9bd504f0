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
        // Read from its JSON into the values the action answers, in one step: a large alert is
        // never held twice as a tree.
        let Some(json) = self.0.get_alert_json(id).await.map_err(|e| e.to_string())? else { return Ok(None) };
        serde_json::from_str(&json).map(Some).map_err(|e| format!("an alert is a JSON object: {e}"))
    }
}
