use std::collections::HashMap;

use async_trait::async_trait;
use serde_json::{Map, Value};

use crate::{Result, WorkerError};

/// A configuration ready for an action, and the secret values in it (of any JSON type), which
/// must never show in what the action reports.
#[derive(Debug, Clone, Default)]
pub struct Resolved {
    pub value: Value,
    pub secrets: Vec<Value>,
}

/// Where the configuration ("connected account") of an action call comes from.
#[async_trait]
pub trait ConfigurationSource: Send + Sync {
    /// The configuration a node uses: the one it names, else its module's default.
    async fn resolve(&self, module_uuid: &str, configuration_uuid: Option<&str>) -> Result<Resolved>;

    /// Keeps new values of secret fields an action gives back (a rotated token), sealed as the
    /// others are.
    async fn store_secrets(&self, configuration_uuid: &str, _secrets: Map<String, Value>) -> Result<()> {
        Err(WorkerError::SecretsNotKept(configuration_uuid.to_string()))
    }
}

/// Module configurations held in memory: named by UUID, plus one default per module for nodes
/// that name none.
#[derive(Debug, Clone, Default)]
pub struct Configurations {
    by_uuid: HashMap<String, Value>,
    module_defaults: HashMap<String, Resolved>,
}

impl Configurations {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn insert(&mut self, configuration_uuid: &str, value: Value) {
        self.by_uuid.insert(configuration_uuid.to_ascii_lowercase(), value);
    }

    /// The configuration of a module's nodes that name none; `secret_fields` name its secrets.
    pub fn set_module_default(&mut self, module_uuid: &str, value: Value, secret_fields: &[String]) {
        let secrets = secret_fields.iter().filter_map(|f| value.get(f).filter(|v| !v.is_null()).cloned()).collect();
        self.module_defaults.insert(module_uuid.to_ascii_lowercase(), Resolved { value, secrets });
    }

    pub fn module_default(&self, module_uuid: &str) -> Option<&Resolved> {
        self.module_defaults.get(&module_uuid.to_ascii_lowercase())
    }
}

#[async_trait]
impl ConfigurationSource for Configurations {
    async fn resolve(&self, module_uuid: &str, configuration_uuid: Option<&str>) -> Result<Resolved> {
        match configuration_uuid {
            Some(uuid) => self
                .by_uuid
                .get(&uuid.to_ascii_lowercase())
                .map(|value| Resolved { value: value.clone(), secrets: Vec::new() })
                .ok_or_else(|| WorkerError::NoConfiguration(uuid.to_string())),
            None => Ok(self
                .module_default(module_uuid)
                .cloned()
                .unwrap_or_else(|| Resolved { value: Value::Object(Default::default()), secrets: Vec::new() })),
        }
    }
}
