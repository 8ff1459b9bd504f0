//! Which runs a trigger event starts: the active playbooks whose trigger reacts to it.

use riposte_model::{Alert, NodeType, Playbook};
use riposte_modules::sekoiaio::{self, AlertChange};
use riposte_store::{NewRun, PlaybookRecord, PlaybookStore, Result};
use riposte_worker::now_ms;
use serde_json::Value;

/// A playbook's trigger node: which trigger, with what configuration.
pub struct TriggerOf {
    pub node_id: String,
    pub module_uuid: String,
    pub trigger_uuid: String,
    pub configuration: Value,
}

impl TriggerOf {
    pub fn is(&self, module_uuid: &str, trigger_uuid: &str) -> bool {
        self.module_uuid.eq_ignore_ascii_case(module_uuid) && self.trigger_uuid.eq_ignore_ascii_case(trigger_uuid)
    }
}

pub fn trigger_of(definition: &Value) -> Option<TriggerOf> {
    let playbook: Playbook = serde_json::from_value(definition.clone()).ok()?;
    let (id, node) = playbook.nodes.iter().find(|(_, n)| n.node_type == NodeType::Trigger)?;
    Some(TriggerOf {
        node_id: id.clone(),
        module_uuid: node.module_uuid.clone()?,
        trigger_uuid: node.trigger_uuid.clone()?,
        configuration: node.arguments.clone().map(Value::Object).unwrap_or_default(),
    })
}

pub fn new_run(playbook: &PlaybookRecord, uuid: String, name: String, event: Value) -> NewRun {
    NewRun {
        uuid,
        playbook_uuid: playbook.uuid.clone(),
        playbook_version: playbook.version,
        name,
        trigger_event: event,
        created_at: now_ms(),
    }
}

pub async fn runs_for_alert(store: &dyn PlaybookStore, alert: &Alert, change: AlertChange<'_>) -> Result<Vec<NewRun>> {
    let mut runs = Vec::new();
    for playbook in store.active_playbooks().await? {
        let Some(trigger) = trigger_of(&playbook.definition) else { continue };
        if !trigger.module_uuid.eq_ignore_ascii_case(sekoiaio::MODULE_UUID)
            || !sekoiaio::is_alert_trigger(&trigger.trigger_uuid)
        {
            continue;
        }
        if let Some((name, event)) =
            sekoiaio::alert_trigger_event(&trigger.trigger_uuid, &trigger.configuration, alert, change)
        {
            runs.push(new_run(&playbook, uuid::Uuid::new_v4().to_string(), name, event));
        }
    }
    Ok(runs)
}
