//! Module manifests in Sekoia's format: `manifest.json`, `action_*.json`, `trigger_*.json`,
//! `connector_*.json`. Argument and result schemas are JSON Schema draft-07 documents kept as JSON.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// `manifest.json` of a module, with the components it ships.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ModuleManifest {
    pub uuid: String,
    pub name: String,
    pub slug: String,
    pub version: String,
    #[serde(default)]
    pub description: String,
    /// JSON Schema of the module configuration ("connected account"), with the `secrets` extension.
    #[serde(default = "empty_object_schema")]
    pub configuration: Value,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<String>,
    /// Components are not part of Sekoia's `manifest.json`; they live in their own files and are
    /// gathered here when the module is loaded.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<ActionManifest>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub triggers: Vec<TriggerManifest>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub connectors: Vec<ConnectorManifest>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `action_*.json`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ActionManifest {
    pub uuid: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub docker_parameters: String,
    pub arguments: Value,
    #[serde(default = "empty_object_schema")]
    pub results: Value,
    /// Named output branches the action may choose with `set_output`, with their descriptions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outputs: Option<IndexMap<String, Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slug: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `trigger_*.json`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TriggerManifest {
    pub uuid: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub docker_parameters: String,
    #[serde(default = "empty_object_schema")]
    pub arguments: Value,
    #[serde(default = "empty_object_schema")]
    pub results: Value,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `connector_*.json`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ConnectorManifest {
    pub uuid: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub docker_parameters: String,
    #[serde(default = "empty_object_schema")]
    pub arguments: Value,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ConnectorManifest {
    /// An asset connector (`"type": "asset"`) sends assets to Sekoia's asset connector API
    /// rather than events to an intake.
    pub fn is_asset_connector(&self) -> bool {
        self.extra.get("type").and_then(Value::as_str) == Some("asset")
    }

    /// The settings the platform fills in for this connector, never the user.
    pub fn platform_settings(&self) -> [&'static str; 2] {
        if self.is_asset_connector() { ["sekoia_api_key", "sekoia_base_url"] } else { ["intake_key", "intake_server"] }
    }
}

/// The `secrets` extension of a manifest schema: the names of its secret properties.
pub fn schema_secrets(schema: &Value) -> Vec<String> {
    schema
        .get("secrets")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect()
}

fn empty_object_schema() -> Value {
    serde_json::json!({"type": "object", "properties": {}})
}

/// The modules a playbook can use, looked up by the UUIDs playbooks carry.
#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    modules: Vec<ModuleManifest>,
}

impl Catalogue {
    pub fn new(modules: Vec<ModuleManifest>) -> Self {
        Catalogue { modules }
    }

    pub fn add(&mut self, module: ModuleManifest) {
        self.modules.retain(|m| !same_uuid(&m.uuid, &module.uuid));
        self.modules.push(module);
    }

    pub fn modules(&self) -> &[ModuleManifest] {
        &self.modules
    }

    pub fn module(&self, uuid: &str) -> Option<&ModuleManifest> {
        self.modules.iter().find(|m| same_uuid(&m.uuid, uuid))
    }

    /// Finds a module by UUID or by slug, as users name modules on the command line.
    pub fn module_by_name(&self, name: &str) -> Option<&ModuleManifest> {
        self.module(name).or_else(|| self.modules.iter().find(|m| m.slug.eq_ignore_ascii_case(name)))
    }

    pub fn action(&self, module_uuid: &str, action_uuid: &str) -> Option<&ActionManifest> {
        self.module(module_uuid)?.actions.iter().find(|a| same_uuid(&a.uuid, action_uuid))
    }

    pub fn trigger(&self, module_uuid: &str, trigger_uuid: &str) -> Option<&TriggerManifest> {
        self.module(module_uuid)?.triggers.iter().find(|t| same_uuid(&t.uuid, trigger_uuid))
    }
}

/// UUIDs arrive in both cases from hand-written playbooks.
fn same_uuid(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}
