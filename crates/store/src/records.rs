use riposte_model::{NodeReport, RunStatus};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A page request: `limit` items after skipping `offset`, and no more items once they hold
/// `max_bytes` (one item at least), so that a page of large items stays small.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub offset: u64,
    pub limit: u64,
    pub max_bytes: u64,
}

/// What a page holds at most, by default: 8 MiB.
pub const DEFAULT_PAGE_BYTES: u64 = 8 * 1024 * 1024;

impl Page {
    pub fn new(offset: u64, limit: u64) -> Self {
        Page { offset, limit, max_bytes: DEFAULT_PAGE_BYTES }
    }
}

impl Default for Page {
    fn default() -> Self {
        Page::new(0, 100)
    }
}

/// One page of items and how many there are in all.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub total: u64,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct AlertFilter {
    pub status_uuid: Option<String>,
    pub rule_uuid: Option<String>,
    pub rule_name: Option<String>,
    /// Epoch seconds, inclusive.
    pub created_from: Option<i64>,
    pub created_to: Option<i64>,
}

/// Which playbooks a list shows, and in which order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlaybookFilter {
    /// Playbooks whose name holds this, whatever the case of its ASCII letters.
    pub name: Option<String>,
    pub active: Option<bool>,
    pub order: PlaybookOrder,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum PlaybookOrder {
    /// The latest made first.
    #[default]
    Newest,
    /// By name, whatever the case of its ASCII letters.
    Name,
    /// The latest changed first (a new version, turned on or off).
    Updated,
}

impl PlaybookFilter {
    /// Whether `record` is one the list shows.
    pub fn admits(&self, record: &PlaybookRecord) -> bool {
        let named =
            self.name.as_ref().is_none_or(|part| record.name.to_ascii_lowercase().contains(&part.to_ascii_lowercase()));
        named && self.active.is_none_or(|active| record.active == active)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewPlaybook {
    pub uuid: String,
    pub name: String,
    pub definition: Value,
    /// Epoch milliseconds.
    pub now: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlaybookRecord {
    pub uuid: String,
    pub name: String,
    pub active: bool,
    /// The current version; every save adds one.
    pub version: i64,
    /// The playbook's first version: 1, or the number after the last version of a deleted
    /// playbook whose UUID it took (a number never names two definitions of one UUID).
    pub first_version: i64,
    pub definition: Value,
    /// Why the platform turned the playbook off, if it did.
    pub deactivation_reason: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Which version of a playbook is current, without its definition.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PlaybookHead {
    pub uuid: String,
    pub version: i64,
    /// Epoch milliseconds.
    pub updated_at: i64,
}

/// A run to create: the trigger's event starts it on a pinned playbook version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewRun {
    pub uuid: String,
    pub playbook_uuid: String,
    pub playbook_version: i64,
    /// What the run is about, e.g. "Sekoia.io Alert: ALxxxx".
    pub name: String,
    pub trigger_event: Value,
    /// The trigger node the run starts from; `None` is the playbook's first trigger.
    pub trigger_node: Option<String>,
    /// The short id of the alert the run is about, for the runs an alert starts.
    pub alert: Option<String>,
    /// Epoch milliseconds, as every run and node time.
    pub created_at: i64,
}

impl NewRun {
    /// The run as the store holds it once inserted: pending, with nothing journaled.
    pub fn into_record(self) -> RunRecord {
        RunRecord {
            uuid: self.uuid,
            playbook_uuid: self.playbook_uuid,
            playbook_version: self.playbook_version,
            name: self.name,
            status: RunStatus::Pending,
            trigger_event: self.trigger_event,
            trigger_node: self.trigger_node,
            alert: self.alert,
            nodes: Vec::new(),
            created_at: self.created_at,
            started_at: None,
            ended_at: None,
            error: None,
            journal_len: 0,
        }
    }
}

/// A JSON document encoded once, by whoever made it, and stored as it is.
pub type JsonText = Box<serde_json::value::RawValue>;

/// `value` encoded as a [`JsonText`].
pub fn json_text<T: Serialize + ?Sized>(value: &T) -> Result<JsonText, serde_json::Error> {
    serde_json::value::to_raw_value(value)
}

/// A run's status (and nodes, when they are written) after its latest events.
#[derive(Debug, Clone)]
pub struct RunState {
    pub status: RunStatus,
    /// The per-node account (a list of [`NodeReport`]), or `None` to leave the stored one as it
    /// is. Runners write it when a run ends: while a run goes on, its journal is the account
    /// (and is replayed to show it).
    pub nodes: Option<JsonText>,
    pub started_at: Option<i64>,
    pub ended_at: Option<i64>,
    /// Why the run could not run at all (its playbook version no longer validates, ...).
    pub error: Option<String>,
    /// Large outputs this write keeps apart from the run's row and journal, which refer to
    /// them by key (see [`OutputRef`]).
    pub outputs: Vec<StoredOutput>,
}

impl RunState {
    /// A run that ended at `at` before any of its nodes ran: cancelled before it started, or
    /// unable to run at all.
    pub fn ended_unstarted(status: RunStatus, at: i64, error: Option<String>) -> RunState {
        let no_nodes = serde_json::value::RawValue::from_string("[]".into()).expect("[] is JSON");
        RunState { status, nodes: Some(no_nodes), started_at: Some(at), ended_at: Some(at), error, outputs: Vec::new() }
    }
}

/// A large output kept apart, under a key unique within its run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredOutput {
    pub key: String,
    pub value: Value,
}

/// What stands in a run's nodes or journal for an output kept apart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutputRef {
    /// The key of the [`StoredOutput`].
    #[serde(rename = "$riposte_output")]
    pub key: String,
    /// Size of the output as JSON, in bytes.
    pub bytes: usize,
}

impl OutputRef {
    /// The reference `value` holds, if it is one.
    pub fn of(value: &Value) -> Option<OutputRef> {
        value.get("$riposte_output")?;
        serde_json::from_value(value.clone()).ok()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    pub uuid: String,
    pub playbook_uuid: String,
    pub playbook_version: i64,
    pub name: String,
    pub status: RunStatus,
    pub trigger_event: Value,
    /// The trigger node the run started from; `None` is the playbook's first trigger.
    pub trigger_node: Option<String>,
    /// The short id of the alert the run is about, for the runs an alert starts.
    pub alert: Option<String>,
    pub nodes: Vec<NodeReport>,
    pub created_at: i64,
    pub started_at: Option<i64>,
    pub ended_at: Option<i64>,
    pub error: Option<String>,
    /// How many events the run's journal holds: where the next append starts.
    pub journal_len: i64,
}

/// A run to be driven: which, of which playbook, since when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnfinishedRun {
    pub uuid: String,
    pub playbook_uuid: String,
    pub status: RunStatus,
    pub created_at: i64,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunFilter {
    pub playbook_uuid: Option<String>,
    pub status: Option<RunStatus>,
    /// Creation time bounds, epoch milliseconds, inclusive.
    pub created_from: Option<i64>,
    pub created_to: Option<i64>,
    /// The run's name exactly: what its trigger names it after (`Sekoia.io Alert: <short id>`
    /// for the runs an alert started).
    pub name: Option<String>,
}

/// How many runs of a playbook are in a status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunCount {
    pub playbook_uuid: String,
    pub status: RunStatus,
    pub count: u64,
}

/// A module configuration ("connected account"). `secrets` holds the secret fields sealed by
/// the caller: storage never sees them in clear.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModuleConfiguration {
    pub uuid: String,
    pub module_uuid: String,
    pub name: String,
    /// The fields that are not secret.
    pub value: Value,
    pub sealed_secrets: Vec<u8>,
    pub created_at: i64,
    pub updated_at: i64,
    /// What the module's account validator said of the value when it was made or last changed;
    /// none when the module has no validator.
    pub account_check: Option<AccountCheckRecord>,
}

/// What a module's account validator said of a configuration: accepted, or refused with its
/// reason (secrets taken out).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountCheckRecord {
    pub success: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Epoch milliseconds.
    pub checked_at: i64,
}

/// An API key: a name, the hash of its secret, and what it may do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiKey {
    pub uuid: String,
    pub name: String,
    pub key_hash: String,
    pub permissions: Vec<String>,
    /// Epoch milliseconds.
    pub created_at: i64,
}

/// A console session: an API key exchanged for a token kept in a cookie. Both are stored as
/// hashes; the session grants what its key grants, for as long as the key exists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionRecord {
    pub token_hash: String,
    pub key_hash: String,
    /// Epoch milliseconds.
    pub created_at: i64,
    pub expires_at: i64,
}

/// Where events arrive: senders present its key (Sekoia's intake key), and a connector may run
/// for it, collecting events from elsewhere.
#[derive(Debug, Clone, PartialEq)]
pub struct IntakeRecord {
    pub uuid: String,
    pub name: String,
    /// Given back to the intake's connector, so kept as is.
    pub intake_key: String,
    pub connector: Option<IntakeConnector>,
    /// Epoch milliseconds.
    pub created_at: i64,
}

/// The connector of an intake: which one, and how it is configured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntakeConnector {
    pub module_uuid: String,
    pub connector_uuid: String,
    /// The module configuration ("connected account") it runs with; the module's default when
    /// none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub module_configuration_uuid: Option<String>,
    /// The connector's settings; the platform adds `intake_key` and `intake_server`.
    pub configuration: Value,
}

/// One event as an intake accepted it: the text it was sent as (usually JSON).
#[derive(Debug, Clone, PartialEq)]
pub struct IntakeEvent {
    pub uuid: String,
    pub intake_uuid: String,
    pub message: String,
    /// Epoch milliseconds.
    pub received_at: i64,
}

/// An asset an asset connector sent: the latest state of one thing it inventories.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssetRecord {
    pub intake_uuid: String,
    /// What tells the asset apart within its intake: a second asset of the same key replaces it.
    pub key: String,
    /// The OCSF class of the asset (5001 a device, 5003 a user...), when it says.
    pub class_uid: Option<i64>,
    pub asset: Value,
    /// Epoch milliseconds: when it was first sent, and last.
    pub first_seen: i64,
    pub last_seen: i64,
}

/// An asset to keep: its key, class and content.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAsset {
    pub key: String,
    pub class_uid: Option<i64>,
    pub asset: Value,
}

/// What one [`crate::RetentionStore::prune`] deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pruned {
    pub runs: usize,
    pub alerts: usize,
    pub events: usize,
}

impl Pruned {
    pub fn total(&self) -> usize {
        self.runs + self.alerts + self.events
    }
}

/// Space a store takes: `used_bytes` by data, `file_bytes` in all (free space included).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Storage {
    pub used_bytes: u64,
    pub file_bytes: u64,
}
