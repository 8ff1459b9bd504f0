use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock};

use riposte_host::{Host, InstalledModule};
use riposte_model::Catalogue;
use riposte_sdk::{DynAction, Module};

/// The modules playbooks can use, looked up by the UUIDs playbooks carry: those built into
/// Riposte, which run in-process, and those installed apart, which run as processes through a
/// [`Host`]. Installed modules can change while the server runs.
#[derive(Default)]
pub struct Registry {
    builtin: Vec<Module>,
    installed: RwLock<Installed>,
    host: Option<Arc<Host>>,
}

#[derive(Default)]
struct Installed {
    /// By lower-case UUID.
    modules: HashMap<String, Arc<InstalledModule>>,
    /// Built-in modules an installed one replaces, by lower-case UUID.
    replaced: HashSet<String>,
    catalogue: Arc<Catalogue>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let installed: Vec<String> = self.read().modules.values().map(|m| m.manifest.slug.clone()).collect();
        f.debug_struct("Registry").field("builtin", &self.builtin).field("installed", &installed).finish()
    }
}

impl Registry {
    pub fn new(builtin: Vec<Module>) -> Self {
        let catalogue = Arc::new(Catalogue::new(builtin.iter().map(Module::manifest).collect()));
        Registry { builtin, installed: RwLock::new(Installed { catalogue, ..Installed::default() }), host: None }
    }

    /// Installed modules run through `host`; without one, they are listed but cannot run.
    pub fn with_host(mut self, host: Arc<Host>) -> Self {
        self.host = Some(host);
        self
    }

    pub fn host(&self) -> Option<&Arc<Host>> {
        self.host.as_ref()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Installed> {
        self.installed.read().expect("installed modules lock")
    }

    /// Every module, built in and installed, as it is now.
    pub fn catalogue(&self) -> Arc<Catalogue> {
        self.read().catalogue.clone()
    }

    /// Replaces the installed modules with `modules`. A module with the UUID of a built-in one
    /// is used in its place when it was installed to replace it, else left out and said so in
    /// the returned problems.
    pub fn set_installed(&self, modules: Vec<InstalledModule>) -> Vec<String> {
        let mut problems = Vec::new();
        let (mut installed, mut replaced) = (HashMap::new(), HashSet::new());
        for module in modules {
            let uuid = module.manifest.uuid.to_ascii_lowercase();
            if self.is_builtin(&uuid) {
                if !module.launch.replaces_builtin {
                    problems.push(format!(
                        "{}: module {} has the UUID of a built-in module and is not used (install it with --replace-builtin to use it instead)",
                        module.dir.display(),
                        module.manifest.name
                    ));
                    continue;
                }
                replaced.insert(uuid.clone());
            }
            installed.insert(uuid, Arc::new(module));
        }
        let builtin = self.builtin.iter().filter(|m| !replaced.contains(&m.uuid().to_ascii_lowercase()));
        let mut catalogue = Catalogue::new(builtin.map(Module::manifest).collect());
        for module in installed.values() {
            catalogue.add(module.manifest.clone());
        }
        *self.installed.write().expect("installed modules lock") =
            Installed { modules: installed, replaced, catalogue: Arc::new(catalogue) };
        problems
    }

    pub fn is_builtin(&self, module_uuid: &str) -> bool {
        self.builtin.iter().any(|m| m.uuid().eq_ignore_ascii_case(module_uuid))
    }

    /// Whether an installed module runs in place of the built-in module of this UUID.
    pub fn is_replaced(&self, module_uuid: &str) -> bool {
        self.read().replaced.contains(&module_uuid.to_ascii_lowercase())
    }

    /// A built-in action, unless an installed module replaces its module.
    pub fn action(&self, module_uuid: &str, action_uuid: &str) -> Option<Arc<dyn DynAction>> {
        if self.is_replaced(module_uuid) {
            return None;
        }
        self.builtin.iter().find(|m| m.uuid().eq_ignore_ascii_case(module_uuid))?.find_action(action_uuid)
    }

    /// An installed module, as it is now.
    pub fn installed(&self, module_uuid: &str) -> Option<Arc<InstalledModule>> {
        self.read().modules.get(&module_uuid.to_ascii_lowercase()).cloned()
    }

    /// The installed module that provides an action.
    pub fn installed_action(&self, module_uuid: &str, action_uuid: &str) -> Option<Arc<InstalledModule>> {
        let module = self.read().modules.get(&module_uuid.to_ascii_lowercase())?.clone();
        module.action(action_uuid).is_some().then_some(module)
    }
}
