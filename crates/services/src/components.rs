//! Installed modules' triggers and connectors, kept in step with what is on: each trigger node
//! of an active playbook that an installed module provides has its trigger process, each intake with
//! a connector has its connector process. Every second the wanted set is compared with the
//! running one; a component whose playbook version, settings, configuration or module changed is
//! started anew.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use riposte_host::{ComponentKind, ComponentStatus, Host, InstalledModule, LongRunning, Redact, Supervised};
use riposte_model::{ConnectorManifest, schema_secrets};
use riposte_store::{IntakeRecord, NewPlaybook, PlaybookRecord, StoreError};
use riposte_worker::{Resolved, Scrubber};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use crate::Services;
use crate::dispatch::TriggerOf;

/// The path, under the server's URL, of the Sekoia-compatible HTTP intake.
pub const INTAKE_PATH: &str = "/api/v1/intake-http";

/// Whom a component works for; its events are told apart by it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Owner {
    /// A trigger node of a playbook: `node` is `None` for the playbook's first trigger, which
    /// keeps the name a playbook's only trigger always had (its data path, its events' keys).
    Playbook {
        uuid: String,
        node: Option<String>,
    },
    Intake(String),
}

impl Owner {
    /// The owner of a playbook's trigger node.
    pub fn trigger(playbook_uuid: &str, trigger: &TriggerOf) -> Owner {
        Owner::Playbook { uuid: playbook_uuid.to_string(), node: trigger.named_node() }
    }

    pub fn key(&self) -> String {
        match self {
            Owner::Playbook { uuid, node: None } => format!("playbook:{uuid}"),
            Owner::Playbook { uuid, node: Some(node) } => format!("playbook:{uuid}:{node}"),
            Owner::Intake(uuid) => format!("intake:{uuid}"),
        }
    }

    pub fn parse(key: &str) -> Option<Owner> {
        match key.split_once(':')? {
            ("playbook", rest) => Some(match rest.split_once(':') {
                Some((uuid, node)) => Owner::Playbook { uuid: uuid.to_string(), node: Some(node.to_string()) },
                None => Owner::Playbook { uuid: rest.to_string(), node: None },
            }),
            ("intake", uuid) => Some(Owner::Intake(uuid.to_string())),
            _ => None,
        }
    }
}

/// The components running, by owner.
#[derive(Default)]
pub(crate) struct Components {
    running: Mutex<HashMap<Owner, Running>>,
    /// Held by each pass of [`run_components`] and by each deletion, so that a pass that read
    /// the store before a deletion does not start again what the deletion stops, and a
    /// component's folder is removed only once its process has ended.
    changing: tokio::sync::Mutex<()>,
}

struct Running {
    /// A digest of everything the component was started with.
    fingerprint: u64,
    supervised: Supervised,
}

/// A component to run, and the digest of what it runs with.
struct Wanted {
    fingerprint: u64,
    component: LongRunning,
}

impl Components {
    /// How the component of `owner` is doing, when it has one.
    pub fn status(&self, owner: &Owner) -> Option<ComponentStatus> {
        self.lock().get(owner).map(|running| running.supervised.status())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Owner, Running>> {
        self.running.lock().expect("components lock")
    }

    /// Takes out what runs and is not wanted, or not as it runs: the caller stops it.
    fn take_outdated(&self, wanted: &HashMap<Owner, Wanted>) -> Vec<Supervised> {
        let mut running = self.lock();
        let outdated: Vec<Owner> = running
            .iter()
            .filter(|(owner, r)| wanted.get(*owner).is_none_or(|w| w.fingerprint != r.fingerprint))
            .map(|(owner, _)| owner.clone())
            .collect();
        outdated.iter().filter_map(|owner| running.remove(owner)).map(|r| r.supervised).collect()
    }

    /// Starts what is wanted and not running.
    fn start_missing(&self, host: &Arc<Host>, wanted: HashMap<Owner, Wanted>) {
        let mut running = self.lock();
        for (owner, want) in wanted {
            if let std::collections::hash_map::Entry::Vacant(slot) = running.entry(owner) {
                tracing::info!(owner = %slot.key().key(), component = %want.component.docker_parameters, "starting");
                let supervised = host.supervise(want.component);
                slot.insert(Running { fingerprint: want.fingerprint, supervised });
            }
        }
    }

    fn take_all(&self) -> Vec<Supervised> {
        self.lock().drain().map(|(_, r)| r.supervised).collect()
    }

    /// Takes out the components of `record` (a playbook's triggers, an intake's connector).
    fn take_of(&self, record: &Owner) -> Vec<Supervised> {
        let mut running = self.lock();
        let owners: Vec<Owner> = running.keys().filter(|owner| owner.record() == *record).cloned().collect();
        owners.iter().filter_map(|owner| running.remove(owner)).map(|r| r.supervised).collect()
    }
}

impl Owner {
    /// What the component works for, without which of its nodes: the playbook's first trigger
    /// for any of its triggers, the intake for its connector.
    fn record(&self) -> Owner {
        match self {
            Owner::Playbook { uuid, .. } => Owner::Playbook { uuid: uuid.clone(), node: None },
            Owner::Intake(uuid) => Owner::Intake(uuid.clone()),
        }
    }
}

impl Services {
    /// Makes a playbook. What a deleted playbook of the same UUID left in its triggers' data
    /// folders (the server stopped before removing it, or was of a release that kept it) goes
    /// before the new one's triggers start.
    pub async fn create_playbook(&self, new: &NewPlaybook) -> crate::Result<PlaybookRecord> {
        let _changing = self.components.changing.lock().await;
        let record = self.store.create_playbook(new).await?;
        self.forget_components(&Owner::Playbook { uuid: record.uuid.clone(), node: None }).await;
        Ok(record)
    }

    /// Deletes a playbook; its triggers stop, and their data folders go: a playbook made again
    /// with its UUID (a Community template's is fixed) starts with none of their files.
    pub async fn delete_playbook(&self, uuid: &str) -> crate::Result<()> {
        let _changing = self.components.changing.lock().await;
        self.store.delete_playbook(uuid).await?;
        self.forget_components(&Owner::Playbook { uuid: uuid.to_string(), node: None }).await;
        Ok(())
    }

    /// Deletes an intake; its connector stops, and its data folder goes.
    pub async fn delete_intake(&self, uuid: &str) -> crate::Result<()> {
        let _changing = self.components.changing.lock().await;
        self.store.delete_intake(uuid).await?;
        self.forget_components(&Owner::Intake(uuid.to_string())).await;
        Ok(())
    }

    /// Stops the components of `record`, then removes their data folders. The record is gone
    /// from the store already: a folder left is said, not a failure of its deletion.
    async fn forget_components(&self, record: &Owner) {
        futures::future::join_all(self.components.take_of(record).into_iter().map(Supervised::stop)).await;
        if let Some(host) = self.registry.host()
            && let Err(e) = host.remove_component_data(&record.key())
        {
            tracing::warn!(owner = %record.key(), error = %e, "cannot remove the data folder of a component");
        }
    }
}

/// Keeps components in step until `shutdown`, then stops them all.
pub async fn run_components(services: Arc<Services>, shutdown: CancellationToken) {
    let Some(host) = services.registry.host().cloned() else { return };
    let running = &services.components;
    while !shutdown.is_cancelled() {
        let retired = host.retire_idle_workers();
        if retired > 0 {
            tracing::info!(retired, "stopped warm workers idle for too long");
        }
        let changing = running.changing.lock().await;
        match wanted(&services, &host).await {
            Ok(wanted) => {
                // An old process ends before its replacement starts: two would send each event twice.
                let outdated = running.take_outdated(&wanted);
                futures::future::join_all(outdated.into_iter().map(Supervised::stop)).await;
                running.start_missing(&host, wanted);
            }
            Err(e) => tracing::error!(error = %e, "cannot read what triggers and connectors should run"),
        }
        drop(changing);
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            _ = shutdown.cancelled() => {}
        }
    }
    futures::future::join_all(running.take_all().into_iter().map(Supervised::stop)).await;
}

async fn wanted(services: &Services, host: &Host) -> Result<HashMap<Owner, Wanted>, StoreError> {
    let mut wanted = HashMap::new();
    for (playbook, triggers) in services.active_triggers().await? {
        for trigger in triggers.iter() {
            let Some(module) = services.registry.installed(&trigger.module_uuid) else { continue };
            let owner = Owner::trigger(&playbook.uuid, trigger);
            if let Some(want) = trigger_component(services, module, trigger, &owner, playbook.version).await {
                wanted.insert(owner, want);
            }
        }
    }
    for intake in services.store.list_intakes().await? {
        let Some(connector) = &intake.connector else { continue };
        let Some(module) = services.registry.installed(&connector.module_uuid) else { continue };
        if let Some(want) = connector_component(services, host, module, &intake).await {
            wanted.insert(Owner::Intake(intake.uuid.clone()), want);
        }
    }
    Ok(wanted)
}

async fn trigger_component(
    services: &Services,
    module: Arc<InstalledModule>,
    trigger: &TriggerOf,
    owner: &Owner,
    version: i64,
) -> Option<Wanted> {
    let manifest = module.trigger(&trigger.trigger_uuid)?;
    let docker_parameters = manifest.docker_parameters.clone();
    let resolved = configuration(services, &module, trigger.module_configuration_uuid.as_deref(), owner).await?;
    let redact = redaction(resolved.secrets, &trigger.configuration, &manifest.arguments);
    let configuration = resolved.value;
    let fingerprint = digest(&(version, &trigger.configuration, &configuration), &module);
    let component = LongRunning {
        module,
        kind: ComponentKind::Trigger,
        docker_parameters,
        settings: trigger.configuration.clone(),
        configuration,
        owner: owner.key(),
        intake_url: None,
        configuration_uuid: None,
        redact,
    };
    Some(Wanted { fingerprint, component })
}

async fn connector_component(
    services: &Services,
    host: &Host,
    module: Arc<InstalledModule>,
    intake: &IntakeRecord,
) -> Option<Wanted> {
    let connector = intake.connector.as_ref()?;
    let manifest = module.connector(&connector.connector_uuid)?;
    let owner = Owner::Intake(intake.uuid.clone());
    let resolved = configuration(services, &module, connector.module_configuration_uuid.as_deref(), &owner).await?;
    let inputs = connector_inputs(manifest, intake, &connector.configuration, host.base_url(), resolved.secrets);
    let docker_parameters = manifest.docker_parameters.clone();
    let configuration = resolved.value;
    let fingerprint = digest(&(&inputs.settings, &configuration), &module);
    let component = LongRunning {
        module,
        kind: ComponentKind::Connector,
        docker_parameters,
        settings: inputs.settings,
        configuration,
        owner: owner.key(),
        intake_url: Some(inputs.intake_url),
        configuration_uuid: Some(intake.uuid.clone()),
        redact: inputs.redact,
    };
    Some(Wanted { fingerprint, component })
}

/// What a connector is started with besides its module configuration.
struct ConnectorInputs {
    settings: Value,
    intake_url: String,
    redact: Option<Arc<dyn Redact>>,
}

/// The connector's settings, `configured` with what the platform fills in, and what scrubs its
/// logs: the intake's key is among the secrets, since whoever reads the intake's status must not
/// learn the key that writes to it.
fn connector_inputs(
    manifest: &ConnectorManifest,
    intake: &IntakeRecord,
    configured: &Value,
    base_url: &str,
    mut secrets: Vec<Value>,
) -> ConnectorInputs {
    // An asset connector sends to Sekoia's asset connector API at this server, with the
    // intake's key; any other connector sends events to the intake.
    let [key_setting, server_setting] = manifest.platform_settings();
    let intake_url = format!("{base_url}{INTAKE_PATH}");
    let server = if manifest.is_asset_connector() { base_url.to_string() } else { intake_url.clone() };
    let mut settings = configured.clone();
    if let Some(object) = settings.as_object_mut() {
        object.insert(key_setting.into(), intake.intake_key.clone().into());
        object.insert(server_setting.into(), server.into());
    }
    secrets.push(intake.intake_key.clone().into());
    let redact = redaction(secrets, &settings, &manifest.arguments);
    ConnectorInputs { settings, intake_url, redact }
}

/// The module configuration a component runs with, secrets included (one of another module is
/// refused).
async fn configuration(
    services: &Services,
    module: &InstalledModule,
    configuration_uuid: Option<&str>,
    owner: &Owner,
) -> Option<Resolved> {
    match services.configurations.resolve(&module.manifest.uuid, configuration_uuid).await {
        Ok(resolved) => Some(resolved),
        Err(message) => {
            tracing::warn!(owner = %owner.key(), "not started: {message}");
            None
        }
    }
}

/// What takes a component's secrets out of its logs and errors: `secrets`, and the values of
/// the settings that its manifest's `arguments` mark secret, as an action's arguments are.
fn redaction(mut secrets: Vec<Value>, settings: &Value, arguments: &Value) -> Option<Arc<dyn Redact>> {
    if let Some(settings) = settings.as_object() {
        secrets.extend(schema_secrets(arguments).iter().filter_map(|name| settings.get(name)).cloned());
    }
    Scrubber::shared(&secrets).map(|scrubber| scrubber as Arc<dyn Redact>)
}

/// A digest of what a component is started with. The module counts by identity: a reinstall
/// loads it anew, and its component restarts on the new program.
fn digest(inputs: &impl serde::Serialize, module: &Arc<InstalledModule>) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    serde_json::to_string(inputs).unwrap_or_default().hash(&mut hasher);
    Arc::as_ptr(module).hash(&mut hasher);
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use riposte_store::IntakeConnector;

    use super::*;

    #[test]
    fn an_owner_reads_back_from_its_key_and_a_first_trigger_keeps_the_playbook_name() {
        let first = Owner::Playbook { uuid: "p-1".into(), node: None };
        let second = Owner::Playbook { uuid: "p-1".into(), node: Some("manual:2".into()) };
        let intake = Owner::Intake("i-1".into());
        assert_eq!(first.key(), "playbook:p-1", "the data path of a playbook's only trigger stays where it was");
        for owner in [first, second, intake] {
            assert_eq!(Owner::parse(&owner.key()), Some(owner));
        }
        assert_eq!(Owner::parse("queue:x"), None);
    }

    fn scrubbed(redact: &Option<Arc<dyn Redact>>, line: &str) -> String {
        let mut line = line.to_string();
        redact.as_ref().expect("something to scrub").redact(&mut line);
        line
    }

    #[test]
    fn a_connector_s_logs_show_neither_its_intake_key_nor_its_secrets() {
        let manifest: ConnectorManifest = serde_json::from_value(serde_json::json!({
            "uuid": "c-1", "name": "Feed", "docker_parameters": "feed",
            "arguments": {"type": "object", "properties": {"token": {"type": "string"}}, "secrets": ["token"]},
        }))
        .unwrap();
        let configured = serde_json::json!({"url": "https://feed.example", "token": "t0ken-of-the-feed"});
        let connector = IntakeConnector {
            module_uuid: "m-1".into(),
            connector_uuid: "c-1".into(),
            module_configuration_uuid: None,
            configuration: configured.clone(),
        };
        let intake = IntakeRecord {
            uuid: "i-1".into(),
            name: "feed".into(),
            intake_key: "1nt4ke-key-value".into(),
            connector: Some(connector.clone()),
            created_at: 0,
        };
        let account = vec![Value::from("acc0unt-secret")];
        let inputs = connector_inputs(&manifest, &intake, &configured, "http://127.0.0.1:8080", account);
        assert_eq!(inputs.settings["intake_key"], "1nt4ke-key-value", "the connector is given its intake's key");
        let line = scrubbed(
            &inputs.redact,
            "pushing to 1nt4ke-key-value with t0ken-of-the-feed as acc0unt-secret from https://feed.example",
        );
        assert_eq!(line, "pushing to *** with *** as *** from https://feed.example");
    }

    #[test]
    fn a_trigger_s_logs_show_none_of_its_secret_settings() {
        let arguments = serde_json::json!({"type": "object", "secrets": ["password"]});
        let settings = serde_json::json!({"user": "alice-the-user", "password": "p4ssw0rd-value"});
        let redact = redaction(Vec::new(), &settings, &arguments);
        assert_eq!(scrubbed(&redact, "login alice-the-user:p4ssw0rd-value"), "login alice-the-user:***");
        let plain = serde_json::json!({"type": "object"});
        assert!(redaction(Vec::new(), &settings, &plain).is_none(), "settings are not secret unless marked");
    }
}
