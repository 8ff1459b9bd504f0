//! The platform's services, below HTTP: what starts runs (alert changes, schedules, trigger
//! events, manual and repeated runs), the installed triggers and connectors kept in step with
//! what is on, module configurations with their sealed secrets, the server's own alerts for the
//! built-in Sekoia.io module, the assets asset connectors send, modules imported while the server
//! runs, and retention.
//!
//! Every new run goes the same way: stored (with the change that starts it, in one write), then
//! handed to the [`RunService`]. A caller never does one without the other.

mod assets;
mod components;
mod configurations;
mod dispatch;
mod error;
mod imports;
mod local_alerts;
mod retention;
mod schedule;
mod sealer;
mod starts;
mod test_runs;
mod trigger_events;

use std::sync::Arc;

use riposte_host::{ComponentStatus, Host};
use riposte_store::Store;
use riposte_worker::{ConfigurationSource, Registry, RunService};

pub use assets::{MAX_ASSETS_PER_INTAKE, MAX_ASSETS_PER_PUSH, asset_key};
pub use components::{INTAKE_PATH, Owner, run_components};
pub use configurations::{Split, StoredConfigurations, redirected_fields};
pub use dispatch::{TriggerOf, new_run, triggers_of};
pub use error::{Result, ServiceError};
pub use imports::{
    IMPORT_TIMEOUT, ImportJob, ImportRequest, ImportStatus, ImportedModule, KEPT_IMPORTS, ModuleInstaller,
};
pub use local_alerts::StoreAlerts;
pub use retention::{RetentionPolicy, run_retention};
pub use schedule::run_schedule;
pub use sealer::Sealer;
pub use test_runs::{MAX_TEST_RUNS, TEST_RUN_TIMEOUT};

/// The services of one server, sharing its store, run service and modules.
pub struct Services {
    pub store: Arc<dyn Store>,
    pub runs: Arc<RunService>,
    /// The modules, built in and installed.
    pub registry: Arc<Registry>,
    pub sealer: Sealer,
    /// Module configurations with their secrets, for actions and for the components started.
    pub configurations: Arc<dyn ConfigurationSource>,
    triggers: dispatch::TriggerCache,
    components: components::Components,
    imports: imports::Imports,
    test_runs: test_runs::TestRuns,
}

impl Services {
    pub fn new(
        store: Arc<dyn Store>,
        runs: Arc<RunService>,
        registry: Arc<Registry>,
        sealer: Sealer,
        configurations: Arc<dyn ConfigurationSource>,
    ) -> Services {
        Services {
            store,
            runs,
            registry,
            sealer,
            configurations,
            triggers: dispatch::TriggerCache::default(),
            components: components::Components::default(),
            imports: imports::Imports::default(),
            test_runs: test_runs::TestRuns::default(),
        }
    }

    /// The same, importing modules with `installer` (`POST /api/v1/modules/imports`).
    pub fn with_installer(mut self, installer: Arc<dyn ModuleInstaller>) -> Services {
        self.imports = imports::Imports::new(Some(installer));
        self
    }

    /// How the trigger or connector of `owner` is doing, when an installed module runs one.
    pub fn component_status(&self, owner: &Owner) -> Option<ComponentStatus> {
        self.components.status(owner)
    }

    /// The host of installed modules, when this server runs them.
    pub fn host(&self) -> Result<&Arc<Host>> {
        self.registry.host().ok_or(ServiceError::NoModuleHost)
    }
}

/// A new UUID for a record the platform creates often (alerts, comments, runs). Version 7 leads
/// with the time, so new rows land at the end of their indexes rather than anywhere in them.
pub fn new_record_uuid() -> String {
    uuid::Uuid::now_v7().to_string()
}
