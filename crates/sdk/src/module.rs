use std::sync::Arc;

use riposte_model::{ConnectorManifest, ModuleManifest, TriggerManifest};
use schemars::JsonSchema;
use serde_json::{Map, Value, json};

use crate::action::component_uuid;
use crate::{
    Action, Connector, DynAction, DynConnector, DynTrigger, SdkError, Trigger, schema_of, schema_with_secrets,
};

/// What `manifest.json` says about a module, for modules built into a binary.
#[derive(Debug, Clone, Copy)]
pub struct ModuleInfo {
    pub uuid: &'static str,
    pub name: &'static str,
    pub slug: &'static str,
    pub version: &'static str,
    pub description: &'static str,
    pub categories: &'static [&'static str],
}

/// A trigger of the module: one the module runs, or one the platform itself fires (alert
/// events, schedules, webhooks), which has a manifest and no code here.
#[derive(Clone)]
enum TriggerEntry {
    Runs(Arc<dyn DynTrigger>),
    Platform(Box<TriggerManifest>),
}

/// A module: its identity, its configuration schema and its components.
#[derive(Clone)]
pub struct Module {
    /// `manifest.json` without components.
    identity: ModuleManifest,
    /// Each action with its UUID, computed once.
    actions: Vec<(String, Arc<dyn DynAction>)>,
    triggers: Vec<TriggerEntry>,
    connectors: Vec<Arc<dyn DynConnector>>,
}

impl std::fmt::Debug for Module {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Module")
            .field("name", &self.identity.name)
            .field("actions", &self.actions.len())
            .field("triggers", &self.triggers.len())
            .field("connectors", &self.connectors.len())
            .finish()
    }
}

/// A component found by the command that selects it (its `docker_parameters`).
pub enum Command {
    Action(Arc<dyn DynAction>),
    Trigger(Arc<dyn DynTrigger>),
    Connector(Arc<dyn DynConnector>),
}

impl Module {
    pub fn new(info: ModuleInfo) -> Self {
        Module::with_identity(ModuleManifest {
            uuid: info.uuid.to_string(),
            name: info.name.to_string(),
            slug: info.slug.to_string(),
            version: info.version.to_string(),
            description: info.description.to_string(),
            configuration: json!({"type": "object", "properties": {}}),
            categories: info.categories.iter().map(|c| c.to_string()).collect(),
            actions: Vec::new(),
            triggers: Vec::new(),
            connectors: Vec::new(),
            extra: Map::new(),
        })
    }

    /// A module whose identity (uuid, name, slug, version, ...) is its `manifest.json`, usually
    /// `include_str!("../manifest.json")`: the file stays the one place it is written.
    pub fn from_manifest(text: &str) -> Result<Self, SdkError> {
        let identity: ModuleManifest =
            serde_json::from_str(text).map_err(|e| SdkError::Manifest(format!("manifest.json: {e}")))?;
        Ok(Module::with_identity(identity))
    }

    fn with_identity(identity: ModuleManifest) -> Self {
        Module { identity, actions: Vec::new(), triggers: Vec::new(), connectors: Vec::new() }
    }

    /// The module configuration's type; its fields marked `#[schemars(extend("secret" = true))]`
    /// are secrets (write-only, sealed at rest, fetched by the component at start).
    pub fn configuration<C: JsonSchema>(mut self) -> Self {
        self.identity.configuration = schema_with_secrets::<C>();
        self
    }

    pub fn action<A: Action>(mut self, action: A) -> Self {
        let uuid =
            A::INFO.uuid.map(str::to_string).unwrap_or_else(|| component_uuid(&self.identity.uuid, A::INFO.name));
        self.actions.push((uuid, Arc::new(action)));
        self
    }

    pub fn trigger<T: Trigger>(mut self, trigger: T) -> Self {
        self.triggers.push(TriggerEntry::Runs(Arc::new(trigger)));
        self
    }

    pub fn connector<C: Connector>(mut self, connector: C) -> Self {
        self.connectors.push(Arc::new(connector));
        self
    }

    /// Declares a trigger the platform fires itself (no code in the module): its
    /// configuration and the event it emits.
    pub fn platform_trigger<Config: JsonSchema, Event: JsonSchema>(
        mut self,
        name: &str,
        description: &str,
        docker_parameters: &str,
        uuid: Option<&str>,
    ) -> Self {
        self.triggers.push(TriggerEntry::Platform(Box::new(TriggerManifest {
            uuid: uuid.map(str::to_string).unwrap_or_else(|| component_uuid(&self.identity.uuid, name)),
            name: name.to_string(),
            description: description.to_string(),
            docker_parameters: docker_parameters.to_string(),
            arguments: schema_of::<Config>(),
            results: schema_of::<Event>(),
            extra: Default::default(),
        })));
        self
    }

    pub fn uuid(&self) -> &str {
        &self.identity.uuid
    }

    pub fn name(&self) -> &str {
        &self.identity.name
    }

    pub fn slug(&self) -> &str {
        &self.identity.slug
    }

    pub fn version(&self) -> &str {
        &self.identity.version
    }

    /// Whether the module configuration has secret fields.
    pub fn has_secrets(&self) -> bool {
        self.identity.configuration.get("secrets").and_then(Value::as_array).is_some_and(|s| !s.is_empty())
    }

    /// The action with this UUID (as playbooks name it).
    pub fn find_action(&self, action_uuid: &str) -> Option<Arc<dyn DynAction>> {
        self.actions.iter().find(|(uuid, _)| uuid.eq_ignore_ascii_case(action_uuid)).map(|(_, a)| a.clone())
    }

    /// The component a command (`argv[1]`, a manifest's `docker_parameters`) selects.
    pub fn find_command(&self, command: &str) -> Option<Command> {
        if let Some((_, action)) = self.actions.iter().find(|(_, a)| a.info().docker_parameters == command) {
            return Some(Command::Action(action.clone()));
        }
        let trigger = self.triggers.iter().find_map(|t| match t {
            TriggerEntry::Runs(trigger) if trigger.info().docker_parameters == command => Some(trigger.clone()),
            _ => None,
        });
        if let Some(trigger) = trigger {
            return Some(Command::Trigger(trigger));
        }
        self.connectors.iter().find(|c| c.info().docker_parameters == command).map(|c| Command::Connector(c.clone()))
    }

    /// Every command the module answers, as its entrypoint registers them.
    pub fn commands(&self) -> Vec<String> {
        let actions = self.actions.iter().map(|(_, a)| a.info().docker_parameters);
        let triggers = self.triggers.iter().filter_map(|t| match t {
            TriggerEntry::Runs(trigger) => Some(trigger.info().docker_parameters),
            TriggerEntry::Platform(_) => None,
        });
        let connectors = self.connectors.iter().map(|c| c.info().docker_parameters);
        actions.chain(triggers).chain(connectors).map(str::to_string).collect()
    }

    /// The module's manifest with every component, as the catalogue lists it.
    pub fn manifest(&self) -> ModuleManifest {
        let uuid = &self.identity.uuid;
        ModuleManifest {
            actions: self.actions.iter().map(|(_, a)| a.manifest(uuid)).collect(),
            triggers: self
                .triggers
                .iter()
                .map(|t| match t {
                    TriggerEntry::Runs(trigger) => trigger.manifest(uuid),
                    TriggerEntry::Platform(manifest) => manifest.as_ref().clone(),
                })
                .collect(),
            connectors: self.connectors.iter().map(|c| c.manifest(uuid)).collect::<Vec<ConnectorManifest>>(),
            ..self.identity.clone()
        }
    }
}
