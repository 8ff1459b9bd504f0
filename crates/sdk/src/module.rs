use std::sync::Arc;

use riposte_model::{ModuleManifest, TriggerManifest};
use schemars::JsonSchema;
use serde_json::Value;

use crate::action::component_uuid;
use crate::{Action, DynAction, schema_of};

/// What `manifest.json` says about a module.
#[derive(Debug, Clone, Copy)]
pub struct ModuleInfo {
    pub uuid: &'static str,
    pub name: &'static str,
    pub slug: &'static str,
    pub version: &'static str,
    pub description: &'static str,
    pub categories: &'static [&'static str],
}

/// A module: its identity, its configuration schema and its components.
#[derive(Clone)]
pub struct Module {
    info: ModuleInfo,
    configuration: Value,
    /// Each action with its UUID, computed once.
    actions: Vec<(String, Arc<dyn DynAction>)>,
    triggers: Vec<TriggerManifest>,
}

impl std::fmt::Debug for Module {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Module").field("name", &self.info.name).field("actions", &self.actions.len()).finish()
    }
}

impl Module {
    pub fn new(info: ModuleInfo) -> Self {
        Module {
            info,
            configuration: serde_json::json!({"type": "object", "properties": {}}),
            actions: Vec::new(),
            triggers: Vec::new(),
        }
    }

    /// The module configuration's type; fields listed in `secrets` are write-only secrets.
    pub fn configuration<C: JsonSchema>(mut self, secrets: &[&str]) -> Self {
        self.configuration = schema_of::<C>();
        if !secrets.is_empty()
            && let Some(object) = self.configuration.as_object_mut()
        {
            object.insert("secrets".into(), serde_json::json!(secrets));
        }
        self
    }

    pub fn action<A: Action>(mut self, action: A) -> Self {
        let uuid = A::INFO.uuid.map(str::to_string).unwrap_or_else(|| component_uuid(self.info.uuid, A::INFO.name));
        self.actions.push((uuid, Arc::new(action)));
        self
    }

    /// Declares a trigger: its configuration and the event it emits.
    pub fn trigger<Config: JsonSchema, Event: JsonSchema>(
        mut self,
        name: &str,
        description: &str,
        docker_parameters: &str,
        uuid: Option<&str>,
    ) -> Self {
        self.triggers.push(TriggerManifest {
            uuid: uuid.map(str::to_string).unwrap_or_else(|| component_uuid(self.info.uuid, name)),
            name: name.to_string(),
            description: description.to_string(),
            docker_parameters: docker_parameters.to_string(),
            arguments: schema_of::<Config>(),
            results: schema_of::<Event>(),
            extra: Default::default(),
        });
        self
    }

    pub fn info(&self) -> &ModuleInfo {
        &self.info
    }

    /// The action with this UUID (as playbooks name it).
    pub fn find_action(&self, action_uuid: &str) -> Option<Arc<dyn DynAction>> {
        self.actions.iter().find(|(uuid, _)| uuid.eq_ignore_ascii_case(action_uuid)).map(|(_, a)| a.clone())
    }

    /// The module's manifest with every component, as the catalogue lists it.
    pub fn manifest(&self) -> ModuleManifest {
        ModuleManifest {
            uuid: self.info.uuid.to_string(),
            name: self.info.name.to_string(),
            slug: self.info.slug.to_string(),
            version: self.info.version.to_string(),
            description: self.info.description.to_string(),
            configuration: self.configuration.clone(),
            categories: self.info.categories.iter().map(|c| c.to_string()).collect(),
            actions: self.actions.iter().map(|(_, a)| a.manifest(self.info.uuid)).collect(),
            triggers: self.triggers.clone(),
            connectors: Vec::new(),
            extra: Default::default(),
        }
    }
}
