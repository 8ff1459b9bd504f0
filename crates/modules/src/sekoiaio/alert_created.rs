use riposte_sdk::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Configuration of the alert triggers.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct AlertCreatedConfiguration {
    /// Create a run only for alerts matching a rule name or UUID
    #[serde(default)]
    pub rule_filter: Option<String>,
    /// Create a run only for alerts matching one of these rule names
    #[serde(default)]
    pub rule_names_filter: Option<Vec<String>>,
}

/// The event an alert trigger emits: the trigger node's output in a run.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct AlertEvent {
    /// File path to the alert on disk.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_path: Option<String>,
    /// Kind of the notification, e.g. `alert`
    pub event_type: String,
    /// Unique identifier of the Alert (UUID string).
    pub alert_uuid: String,
    /// Unique short identifier of the Alert.
    pub short_id: String,
    /// Status of the Alert (name and UUID).
    pub status: Value,
    /// Creation date of the Alert (epoch seconds).
    pub created_at: i64,
    /// Current urgency of the Alert.
    pub urgency: i64,
    /// The entity involved with this Alert (UUID and name).
    pub entity: Value,
    /// Category of the Alert
    pub alert_type: Value,
    /// The rule that raised the Alert (name and UUID)
    pub rule: Value,
    /// First time the Alert was seen
    pub first_seen_at: String,
    /// Last time the Alert was seen
    pub last_seen_at: String,
}

/// The event of `Alert Comment Created`: the alert's event and the comment.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct CommentEvent {
    #[serde(flatten)]
    pub alert: AlertEvent,
    /// The comment (uuid, content, author, date)
    pub comment: Value,
}
