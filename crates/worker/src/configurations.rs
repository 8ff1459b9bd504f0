use std::collections::HashMap;

use serde_json::Value;

/// Module configurations ("connected accounts"): named by UUID, plus one default per module for
/// nodes that name none.
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

    /// The configuration a node uses: the one it names, else its module's default, else `{}`.
    pub fn resolve(&self, module_uuid: &str, configuration_uuid: Option<&str>) -> Result<Value, String> {
        match configuration_uuid {
            Some(uuid) => self
                .by_uuid
                .get(&uuid.to_ascii_lowercase())
                .cloned()
                .ok_or_else(|| format!("no module configuration {uuid}")),
            None => Ok(self
                .module_defaults
                .get(&module_uuid.to_ascii_lowercase())
                .cloned()
                .unwrap_or(Value::Object(Default::default()))),
        }
    }
}
