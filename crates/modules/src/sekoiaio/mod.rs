//! The Sekoia.io module (uuid `92d8bb47-...`): alert triggers and alert actions against a
//! Sekoia-compatible API (a Sekoia.io tenant, or Riposte's own alert API).

mod alert_created;
mod alert_triggers;
mod get_alert;
#[cfg(test)]
mod tests;

pub use alert_created::{AlertCreatedConfiguration, AlertEvent, CommentEvent};
pub use alert_triggers::{AlertChange, alert_trigger_event, is_alert_trigger};
pub use get_alert::{GetAlert, GetAlertArguments};
use std::sync::Arc;

use riposte_sdk::{JsonSchema, Module, ModuleInfo};
use serde::Deserialize;

use crate::HttpClients;

pub const MODULE_UUID: &str = "92d8bb47-7c51-445d-81de-ae04edbb6f0a";
pub const GET_ALERT_UUID: &str = "8d189665-5401-4098-8d60-944de9a6199a";
pub const ALERT_CREATED_UUID: &str = "785583cf-4377-43ce-a5fb-f4572eb57456";
pub const ALERT_UPDATED_UUID: &str = "7e092f68-5e35-40ac-ac0a-46b7bdbbe3ff";
pub const ALERT_STATUS_CHANGED_UUID: &str = "26df593b-6513-45bb-83e5-7b09effa34dc";
pub const ALERT_COMMENT_CREATED_UUID: &str = "5bd0d367-3332-48ed-8fe9-d4eda0d7de4a";
/// Started by hand (or a webhook) with `{"alert_uuid": ...}`.
pub const MANUAL_TRIGGER_UUID: &str = "fc26eb9f-b272-4c15-b3bf-ace397c0dc57";

/// Where the Sekoia-compatible API is and how to authenticate to it. Without `base_url`, on a
/// Riposte server, the module reads the server's own alerts.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct SekoiaConfiguration {
    /// Base URL of the API, e.g. https://api.sekoia.io
    #[serde(default)]
    pub base_url: Option<String>,
    /// API key, sent as a Bearer token
    #[serde(default)]
    #[schemars(extend("secret" = true))]
    pub api_key: Option<String>,
}

/// The alerts of the platform the module runs in, read without a network round trip.
#[async_trait::async_trait]
pub trait LocalAlerts: Send + Sync {
    /// The alert with this UUID or short id, as the alert API shows it.
    async fn get_alert(&self, id: &str) -> Result<Option<serde_json::Map<String, serde_json::Value>>, String>;
}

/// A trigger without configuration.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct NoConfiguration {}

/// The event of the manual trigger.
#[derive(Debug, Clone, Deserialize, serde::Serialize, JsonSchema)]
pub struct ManualEvent {
    /// UUID of the alert the run is about
    pub alert_uuid: String,
}

/// The module; `local` reads the hosting server's alerts when a configuration has no `base_url`.
pub fn module(clients: &HttpClients, local: Option<Arc<dyn LocalAlerts>>) -> Module {
    Module::new(ModuleInfo {
        uuid: MODULE_UUID,
        name: "Sekoia.io",
        slug: "sekoia.io",
        version: env!("CARGO_PKG_VERSION"),
        description: "Alerts and cases of Sekoia.io and of Riposte",
        categories: &["Generic"],
    })
    .configuration::<SekoiaConfiguration>()
    .platform_trigger::<AlertCreatedConfiguration, AlertEvent>(
        "Alert Created",
        "A new Alert was created in the Operation Center",
        "alert_created_trigger",
        Some(ALERT_CREATED_UUID),
    )
    .platform_trigger::<AlertCreatedConfiguration, AlertEvent>(
        "Alert Updated",
        "An existing alert was updated",
        "alert_updated_trigger",
        Some(ALERT_UPDATED_UUID),
    )
    .platform_trigger::<AlertCreatedConfiguration, AlertEvent>(
        "Alert Status Changed",
        "The status of an existing alert was changed",
        "alert_status_changed_trigger",
        Some(ALERT_STATUS_CHANGED_UUID),
    )
    .platform_trigger::<NoConfiguration, ManualEvent>(
        "Manual Trigger",
        "Start a run by hand or from a webhook, about an alert",
        "alert_webhook_trigger",
        Some(MANUAL_TRIGGER_UUID),
    )
    .platform_trigger::<AlertCreatedConfiguration, CommentEvent>(
        "Alert Comment Created",
        "A comment was added to an existing Alert",
        "alert_comment_created_trigger",
        Some(ALERT_COMMENT_CREATED_UUID),
    )
    .action(GetAlert::new(clients.clone(), local))
}
