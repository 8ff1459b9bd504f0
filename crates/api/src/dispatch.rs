//! Which runs an alert change starts: every active playbook whose trigger is an alert trigger
//! that reacts to it.

use riposte_model::{Alert, Playbook};
use riposte_modules::sekoiaio::{self, AlertChange};
use riposte_store::{NewRun, PlaybookStore, Result};
use riposte_worker::now_ms;
use serde_json::Value;

pub async fn runs_for_alert(store: &dyn PlaybookStore, alert: &Alert, change: AlertChange<'_>) -> Result<Vec<NewRun>> {
    let mut runs = Vec::new();
    for playbook in store.active_playbooks().await? {
        let Ok(definition) = serde_json::from_value::<Playbook>(playbook.definition.clone()) else { continue };
        let Some(trigger) = definition.nodes.values().find(|n| n.node_type == riposte_model::NodeType::Trigger) else {
            continue;
        };
        let (Some(module), Some(trigger_uuid)) = (&trigger.module_uuid, &trigger.trigger_uuid) else { continue };
        if !module.eq_ignore_ascii_case(sekoiaio::MODULE_UUID) || !sekoiaio::is_alert_trigger(trigger_uuid) {
            continue;
        }
        let configuration = trigger.arguments.clone().map(Value::Object).unwrap_or_default();
        if let Some((name, event)) = sekoiaio::alert_trigger_event(trigger_uuid, &configuration, alert, change) {
            runs.push(NewRun {
                uuid: uuid::Uuid::new_v4().to_string(),
                playbook_uuid: playbook.uuid.clone(),
                playbook_version: playbook.version,
                name,
                trigger_event: event,
                created_at: now_ms(),
            });
        }
    }
    Ok(runs)
}
