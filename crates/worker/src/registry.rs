use std::sync::Arc;

use riposte_model::Catalogue;
use riposte_sdk::{DynAction, Module};

/// The modules that run in-process, looked up by the UUIDs playbooks carry.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    modules: Vec<Module>,
}

impl Registry {
    pub fn new(modules: Vec<Module>) -> Self {
        Registry { modules }
    }

    pub fn catalogue(&self) -> Catalogue {
        Catalogue::new(self.modules.iter().map(Module::manifest).collect())
    }

    pub fn action(&self, module_uuid: &str, action_uuid: &str) -> Option<Arc<dyn DynAction>> {
        self.modules.iter().find(|m| m.uuid().eq_ignore_ascii_case(module_uuid))?.find_action(action_uuid)
    }
}
