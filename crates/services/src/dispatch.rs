//! Which runs a trigger event starts: the active playbooks whose trigger reacts to it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use riposte_model::{Alert, NodeType, Playbook};
use riposte_modules::sekoiaio::{self, AlertChange};
use riposte_store::{NewRun, PlaybookHead, PlaybookStore, Result};
use riposte_worker::now_ms;
use serde_json::Value;

use crate::Services;

/// A playbook's trigger node: which trigger, with what configuration.
pub struct TriggerOf {
    pub node_id: String,
    /// Where it stands among the playbook's triggers: 0 for the first.
    pub position: usize,
    pub module_uuid: String,
    pub trigger_uuid: String,
    pub configuration: Value,
    /// The module configuration ("connected account") an installed trigger runs with.
    pub module_configuration_uuid: Option<String>,
}

impl TriggerOf {
    /// The node's id, except for the playbook's first trigger, which is named by its playbook
    /// alone: keys made before playbooks had several triggers stay the same.
    pub fn named_node(&self) -> Option<String> {
        (self.position > 0).then(|| self.node_id.clone())
    }

    pub fn is(&self, module_uuid: &str, trigger_uuid: &str) -> bool {
        self.module_uuid.eq_ignore_ascii_case(module_uuid) && self.trigger_uuid.eq_ignore_ascii_case(trigger_uuid)
    }
}

/// The trigger nodes of a playbook definition, in its order; a node that does not name its
/// module and trigger is left out (validation names it).
pub fn triggers_of(definition: &Value) -> Vec<TriggerOf> {
    let Ok(playbook) = serde_json::from_value::<Playbook>(definition.clone()) else { return Vec::new() };
    let nodes = playbook.nodes.iter().filter(|(_, n)| n.node_type == NodeType::Trigger);
    nodes
        .enumerate()
        .filter_map(|(position, (id, node))| {
            Some(TriggerOf {
                node_id: id.clone(),
                position,
                module_uuid: node.module_uuid.clone()?,
                trigger_uuid: node.trigger_uuid.clone()?,
                configuration: node.arguments.clone().map(Value::Object).unwrap_or_default(),
                module_configuration_uuid: node.module_configuration_uuid.clone(),
            })
        })
        .collect()
}

/// A run of a playbook version from its trigger node `trigger_node`, created now.
pub fn new_run(
    playbook_uuid: &str,
    version: i64,
    uuid: String,
    name: String,
    trigger_node: Option<String>,
    event: Value,
) -> NewRun {
    NewRun {
        uuid,
        playbook_uuid: playbook_uuid.to_string(),
        playbook_version: version,
        name,
        trigger_event: event,
        trigger_node,
        alert: None,
        created_at: now_ms(),
    }
}

/// A playbook version: its UUID and version number.
type VersionKey = (String, i64);

/// Triggers of playbook versions, read once: a version never changes.
#[derive(Default)]
pub(crate) struct TriggerCache(Mutex<HashMap<VersionKey, Arc<[TriggerOf]>>>);

impl Services {
    /// Every trigger node of the active playbooks, with its playbook.
    pub(crate) async fn active_triggers(&self) -> Result<Vec<(PlaybookHead, Arc<[TriggerOf]>)>> {
        active_triggers(self.store.as_ref(), &self.triggers).await
    }
}

/// The active playbooks, with their triggers, without reading definitions on every event.
async fn active_triggers(
    store: &dyn PlaybookStore,
    cache: &TriggerCache,
) -> Result<Vec<(PlaybookHead, Arc<[TriggerOf]>)>> {
    let heads = store.active_playbook_heads().await?;
    let mut active = Vec::with_capacity(heads.len());
    for head in heads {
        let key = (head.uuid.clone(), head.version);
        let cached = cache.0.lock().expect("trigger cache lock").get(&key).cloned();
        let triggers = match cached {
            Some(triggers) => triggers,
            None => {
                let definition = store.get_version(&head.uuid, head.version).await?;
                let triggers: Arc<[TriggerOf]> = definition.as_ref().map(triggers_of).unwrap_or_default().into();
                cache.0.lock().expect("trigger cache lock").insert(key, triggers.clone());
                triggers
            }
        };
        if !triggers.is_empty() {
            active.push((head, triggers));
        }
    }
    Ok(active)
}

/// The runs `change` of `alert` starts.
pub(crate) async fn runs_for_alert(services: &Services, alert: &Alert, change: AlertChange<'_>) -> Result<Vec<NewRun>> {
    let mut runs = Vec::new();
    // An installed Sekoia.io module in place of the built-in one runs its own triggers.
    if services.registry.is_replaced(sekoiaio::MODULE_UUID) {
        return Ok(runs);
    }
    for (playbook, triggers) in services.active_triggers().await? {
        for trigger in triggers.iter() {
            if !trigger.module_uuid.eq_ignore_ascii_case(sekoiaio::MODULE_UUID)
                || !sekoiaio::is_alert_trigger(&trigger.trigger_uuid)
            {
                continue;
            }
            if let Some((name, event)) =
                sekoiaio::alert_trigger_event(&trigger.trigger_uuid, &trigger.configuration, alert, change)
            {
                let node = Some(trigger.node_id.clone());
                let mut run = new_run(&playbook.uuid, playbook.version, crate::new_record_uuid(), name, node, event);
                run.alert = Some(alert.short_id.clone());
                runs.push(run);
            }
        }
    }
    Ok(runs)
}
