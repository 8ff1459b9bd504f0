//! Alerts as Sekoia's alert API shapes them (`/api/v1/sic/alerts`).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Sekoia's alert statuses, with their fixed UUIDs.
pub const ALERT_STATUSES: [(&str, &str, &str); 5] = [
    ("Pending", "2efc4930-1442-4abb-acf2-58ba219a4fd0", "The alert is waiting for action"),
    ("Acknowledged", "8f206505-af6d-433e-93f4-775d46dc7d0f", "The alert has been acknowledged"),
    ("Ongoing", "1f2f88d5-ff5b-48bf-bbbc-00c2fff82d9f", "The alert is being handled"),
    ("Rejected", "4f68da89-38e0-4703-a6ab-652f02bdf24e", "The alert is a false positive"),
    ("Closed", "1738b1c1-767d-489e-bada-19176621a007", "The alert has been handled"),
];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertStatus {
    pub uuid: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
}

impl AlertStatus {
    /// Finds a status by UUID or by name (any case; `Acknowledge` and `Reject` as in Sekoia's
    /// action names are accepted).
    pub fn find(key: &str) -> Option<AlertStatus> {
        let key = key.trim();
        let alias = match key.to_ascii_lowercase().as_str() {
            "acknowledge" => "acknowledged".to_string(),
            "reject" => "rejected".to_string(),
            "close" => "closed".to_string(),
            other => other.to_string(),
        };
        ALERT_STATUSES
            .iter()
            .find(|(name, uuid, _)| uuid.eq_ignore_ascii_case(key) || name.eq_ignore_ascii_case(&alias))
            .map(|(name, uuid, description)| AlertStatus {
                uuid: uuid.to_string(),
                name: name.to_string(),
                description: description.to_string(),
            })
    }

    pub fn pending() -> AlertStatus {
        AlertStatus::find("Pending").expect("Pending is a status")
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertRule {
    pub uuid: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// 0 to 100.
    #[serde(default)]
    pub severity: i64,
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub rule_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertUrgency {
    pub value: i64,
    pub current_value: i64,
    pub severity: i64,
    pub criticity: i64,
    pub display: String,
}

impl AlertUrgency {
    /// Sekoia's display names for urgency bands.
    pub fn new(value: i64, severity: i64) -> AlertUrgency {
        let value = value.clamp(0, 100);
        let display = match value {
            0..=19 => "Low",
            20..=39 => "Moderate",
            40..=59 => "Major",
            60..=79 => "High",
            _ => "Urgent",
        };
        AlertUrgency { value, current_value: value, severity, criticity: value, display: display.to_string() }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct NameUuid {
    pub uuid: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct AlertType {
    pub category: String,
    pub value: String,
}

/// An alert. Fields Riposte does not interpret are kept in `extra`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    pub uuid: String,
    pub short_id: String,
    pub title: String,
    #[serde(default)]
    pub details: String,
    pub rule: AlertRule,
    pub urgency: AlertUrgency,
    pub status: AlertStatus,
    pub entity: NameUuid,
    pub alert_type: AlertType,
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub target: String,
    #[serde(default)]
    pub community_uuid: String,
    /// Epoch seconds.
    pub created_at: i64,
    pub updated_at: i64,
    /// RFC 3339.
    pub first_seen_at: String,
    pub last_seen_at: String,
    #[serde(default)]
    pub event_uuids: Vec<String>,
    #[serde(default)]
    pub similar: i64,
    #[serde(default)]
    pub is_incident: bool,
    #[serde(default)]
    pub number_of_total_comments: i64,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A comment on an alert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertComment {
    pub uuid: String,
    pub alert_uuid: String,
    pub content: String,
    pub author: String,
    /// Epoch seconds.
    pub date: i64,
}

/// Alphabet of alert short ids: `AL` then 10 characters, as Sekoia's `ALWJ2jbDP5Xr`.
pub const SHORT_ID_ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_found_by_uuid_name_or_action_name() {
        assert_eq!(AlertStatus::find("closed").unwrap().uuid, "1738b1c1-767d-489e-bada-19176621a007");
        assert_eq!(AlertStatus::find("Reject").unwrap().name, "Rejected");
        assert_eq!(AlertStatus::find("8F206505-AF6D-433E-93F4-775D46DC7D0F").unwrap().name, "Acknowledged");
        assert!(AlertStatus::find("done").is_none());
    }

    #[test]
    fn urgency_bands() {
        assert_eq!(AlertUrgency::new(47, 50).display, "Major");
        assert_eq!(AlertUrgency::new(150, 50).value, 100);
    }
}
