use std::collections::HashMap;

use async_trait::async_trait;
use serde_json::Value;

/// Where the configuration ("connected account") of an action call comes from.
#[async_trait]
pub trait ConfigurationSource: Send + Sync {
    /// The configuration a node uses: the one it names, else its module's default.
    async fn resolve(&self, module_uuid: &str, configuration_uuid: Option<&str>) -> Result<Value, String>;
}

/// Module configurations held in memory: named by UUID, plus one default per module for nodes
/// that name none.
#[derive(Debug, Clone, Default)]
pub struct Configurations {
    by_uuid: HashMap<String, Value>,
    module_defaults: HashMap<String, Value>,
}

impl Configurations {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn insert(&mut self, configuration_uuid: &str, value: Value) {
        self.by_uuid.insert(configuration_uuid.to_ascii_lowercase(), value);
    }

    pub fn set_module_default(&mut self, module_uuid: &str, value: Value) {
        self.module_defaults.insert(module_uuid.to_ascii_lowercase(), value);
    }

    pub fn module_default(&self, module_uuid: &str) -> Option<&Value> {
        self.module_defaults.get(&module_uuid.to_ascii_lowercase())
    }
}

#[async_trait]
impl ConfigurationSource for Configurations {
    async fn resolve(&self, module_uuid: &str, configuration_uuid: Option<&str>) -> Result<Value, String> {
        match configuration_uuid {
            Some(uuid) => self
                .by_uuid
                .get(&uuid.to_ascii_lowercase())
                .cloned()
                .ok_or_else(|| format!("no module configuration {uuid}")),
            None => Ok(self.module_default(module_uuid).cloned().unwrap_or(Value::Object(Default::default()))),
        }
    }
}
