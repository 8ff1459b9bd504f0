//! Riposte's data model. Plain types with serde, no I/O.
//!
//! The playbook and manifest types follow Sekoia.io's JSON formats so that playbooks exported from
//! Sekoia and manifests of Sekoia modules load unchanged; fields Riposte does not know are kept
//! verbatim so that a load/save round trip loses nothing.

mod alert;
mod error;
mod json_len;
mod manifest;
mod outcome;
mod permission;
mod playbook;
mod policy;
mod run;
mod secret;
pub mod whole;

pub use alert::{
    ALERT_STATUSES, Alert, AlertComment, AlertRule, AlertStatus, AlertType, AlertUrgency, NameUuid, SHORT_ID_ALPHABET,
};
pub use error::{ModelError, key_segment, parse_json};
pub use json_len::json_len;
pub use manifest::{ActionManifest, Catalogue, ConnectorManifest, ModuleManifest, TriggerManifest, schema_secrets};
pub use outcome::{ActionOutcome, Failure, FailureKind};
pub use permission::{Permission, Permissions, UnknownPermission};
pub use playbook::{Case, Comparison, Modification, ModificationType, Node, NodeType, OperatorKind, Playbook};
pub use policy::{RetryOn, RetryPolicy};
pub use run::{LogEntry, LogLevel, NodeReport, NodeStatus, RunReport, RunStatus};
pub use secret::same_secret;
