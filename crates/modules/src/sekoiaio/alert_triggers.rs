//! The alert triggers of the Sekoia.io module, fed by the platform's own alert changes: which
//! trigger reacts to which change, the rule filters, and the event a run starts with.

use riposte_model::{Alert, AlertComment};
use serde_json::{Value, json};

use super::{
    ALERT_COMMENT_CREATED_UUID, ALERT_CREATED_UUID, ALERT_STATUS_CHANGED_UUID, ALERT_UPDATED_UUID, AlertEvent,
};

/// What happened to an alert.
#[derive(Debug, Clone, Copy)]
pub enum AlertChange<'a> {
    Created,
    Updated { status_changed: bool },
    Commented(&'a AlertComment),
}

/// The run an alert trigger starts for this change: its name and its event. `None` when the
/// trigger does not react to the change or its rule filters leave the alert out.
pub fn alert_trigger_event(
    trigger_uuid: &str,
    configuration: &Value,
    alert: &Alert,
    change: AlertChange,
) -> Option<(String, Value)> {
    let reacts = match change {
        AlertChange::Created => same(trigger_uuid, ALERT_CREATED_UUID),
        AlertChange::Updated { status_changed } => {
            same(trigger_uuid, ALERT_UPDATED_UUID) || (status_changed && same(trigger_uuid, ALERT_STATUS_CHANGED_UUID))
        }
        AlertChange::Commented(_) => same(trigger_uuid, ALERT_COMMENT_CREATED_UUID),
    };
    if !reacts || !rule_filters_pass(configuration, alert) {
        return None;
    }
    let mut event = serde_json::to_value(alert_event(alert)).expect("alert events serialise");
    if let AlertChange::Commented(comment) = change {
        event["comment"] = json!({"uuid": comment.uuid, "content": comment.content, "author": comment.author, "date": comment.date.to_string()});
    }
    Some((format!("Sekoia.io Alert: {}", alert.short_id), event))
}

/// True for the UUIDs of the alert triggers.
pub fn is_alert_trigger(trigger_uuid: &str) -> bool {
    [ALERT_CREATED_UUID, ALERT_UPDATED_UUID, ALERT_STATUS_CHANGED_UUID, ALERT_COMMENT_CREATED_UUID]
        .iter()
        .any(|u| same(trigger_uuid, u))
}

fn same(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// `rule_filter` (a rule name or UUID) and `rule_names_filter` (rule names); absent or empty
/// filters let every alert through.
fn rule_filters_pass(configuration: &Value, alert: &Alert) -> bool {
    let single = configuration.get("rule_filter").and_then(Value::as_str).map(str::trim).filter(|f| !f.is_empty());
    if let Some(filter) = single
        && filter != alert.rule.name
        && !same(filter, &alert.rule.uuid)
    {
        return false;
    }
    match configuration.get("rule_names_filter").and_then(Value::as_array) {
        Some(names) if !names.is_empty() => names.iter().filter_map(Value::as_str).any(|n| n == alert.rule.name),
        _ => true,
    }
}

fn alert_event(alert: &Alert) -> AlertEvent {
    AlertEvent {
        file_path: None,
        event_type: "alert".into(),
        alert_uuid: alert.uuid.clone(),
        short_id: alert.short_id.clone(),
        status: json!({"name": alert.status.name, "uuid": alert.status.uuid}),
        created_at: alert.created_at,
        urgency: alert.urgency.current_value,
        entity: json!({"uuid": alert.entity.uuid, "name": alert.entity.name}),
        alert_type: json!({"category": alert.alert_type.category, "value": alert.alert_type.value}),
        rule: json!({"name": alert.rule.name, "uuid": alert.rule.uuid}),
        first_seen_at: alert.first_seen_at.clone(),
        last_seen_at: alert.last_seen_at.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use riposte_model::{AlertRule, AlertStatus, AlertType, AlertUrgency, NameUuid};

    fn alert() -> Alert {
        Alert {
            uuid: "a-1".into(),
            short_id: "ALx".into(),
            title: "t".into(),
            details: String::new(),
            rule: AlertRule {
                uuid: "r-1".into(),
                name: "Mimikatz".into(),
                description: String::new(),
                severity: 80,
                rule_type: None,
                pattern: None,
            },
            urgency: AlertUrgency::new(47, 80),
            status: AlertStatus::pending(),
            entity: NameUuid { uuid: "e".into(), name: "E".into() },
            alert_type: AlertType { category: "c".into(), value: "v".into() },
            source: String::new(),
            target: String::new(),
            community_uuid: String::new(),
            created_at: 1,
            updated_at: 1,
            first_seen_at: "f".into(),
            last_seen_at: "l".into(),
            event_uuids: vec![],
            similar: 0,
            is_incident: false,
            number_of_total_comments: 0,
            extra: Default::default(),
        }
    }

    #[test]
    fn each_trigger_reacts_to_its_changes() {
        let none = json!({});
        let fires = |trigger: &str, change| alert_trigger_event(trigger, &none, &alert(), change).is_some();
        assert!(fires(ALERT_CREATED_UUID, AlertChange::Created));
        assert!(!fires(ALERT_CREATED_UUID, AlertChange::Updated { status_changed: true }));
        assert!(fires(ALERT_UPDATED_UUID, AlertChange::Updated { status_changed: false }));
        assert!(fires(ALERT_STATUS_CHANGED_UUID, AlertChange::Updated { status_changed: true }));
        assert!(!fires(ALERT_STATUS_CHANGED_UUID, AlertChange::Updated { status_changed: false }));
        let comment = AlertComment {
            uuid: "c".into(),
            alert_uuid: "a-1".into(),
            content: "hi".into(),
            author: "ana".into(),
            date: 5,
        };
        let (name, event) =
            alert_trigger_event(ALERT_COMMENT_CREATED_UUID, &none, &alert(), AlertChange::Commented(&comment)).unwrap();
        assert_eq!(name, "Sekoia.io Alert: ALx");
        assert_eq!(event["comment"]["content"], "hi");
        assert_eq!(event["urgency"], 47);
        assert_eq!(event["rule"], json!({"name": "Mimikatz", "uuid": "r-1"}));
    }

    #[test]
    fn rule_filters_select_alerts() {
        let fires =
            |config: Value| alert_trigger_event(ALERT_CREATED_UUID, &config, &alert(), AlertChange::Created).is_some();
        assert!(fires(json!({"rule_filter": "Mimikatz"})));
        assert!(fires(json!({"rule_filter": "R-1"})));
        assert!(!fires(json!({"rule_filter": "Other"})));
        assert!(fires(json!({"rule_filter": ""})));
        assert!(fires(json!({"rule_names_filter": ["Other", "Mimikatz"]})));
        assert!(!fires(json!({"rule_names_filter": ["Other"]})));
    }
}
