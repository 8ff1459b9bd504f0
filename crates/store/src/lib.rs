//! Storage behind traits, one per aggregate, so that code asks only for what it touches and a
//! backend (SQLite today, Postgres next) is one crate that passes [`conformance`].
//!
//! Writes that must not be separated are one call: an alert and the runs it starts are stored
//! together, so an accepted alert never loses its runs.

#[cfg(feature = "conformance")]
pub mod conformance;
mod error;
mod records;

use async_trait::async_trait;
use riposte_model::{Alert, AlertComment};
use serde_json::Value;

pub use error::{StoreError, moved_since};
pub use records::*;

pub type Result<T> = std::result::Result<T, StoreError>;

#[async_trait]
pub trait AlertStore: Send + Sync {
    /// Stores a new alert and the runs it starts, atomically.
    async fn insert_alert(&self, alert: &Alert, runs: &[NewRun]) -> Result<()>;
    /// Replaces an alert (same uuid) and stores the runs the change starts, atomically.
    async fn update_alert(&self, alert: &Alert, runs: &[NewRun]) -> Result<()>;
    /// By UUID or short id.
    async fn get_alert(&self, id: &str) -> Result<Option<Alert>>;
    /// By UUID or short id, as the JSON the alert API answers: for a reader that wants JSON
    /// values, so that a large alert is not held as a tree twice over while it is read.
    async fn get_alert_json(&self, id: &str) -> Result<Option<std::sync::Arc<str>>> {
        let Some(alert) = self.get_alert(id).await? else { return Ok(None) };
        let json =
            serde_json::to_string(&alert).map_err(|e| StoreError::caused("cannot encode an alert as JSON", e))?;
        Ok(Some(json.into()))
    }
    async fn list_alerts(&self, filter: &AlertFilter, page: Page) -> Result<Paged<Alert>>;
    /// Stores a comment, bumps the alert's comment count, and stores the runs it starts.
    async fn add_comment(&self, comment: &AlertComment, runs: &[NewRun]) -> Result<()>;
    async fn list_comments(&self, alert_uuid: &str) -> Result<Vec<AlertComment>>;
}

#[async_trait]
pub trait PlaybookStore: Send + Sync {
    /// Creates a playbook with its first version. `Conflict` while a playbook has its UUID, or
    /// while runs of a deleted playbook with that UUID are unfinished. Otherwise what a deleted
    /// playbook with that UUID left (its versions and runs) goes, and the new playbook's versions
    /// are numbered on from the deleted one's last, so that a version number never names two
    /// definitions: runs and caches keyed by (UUID, version) stay right.
    async fn create_playbook(&self, playbook: &NewPlaybook) -> Result<PlaybookRecord>;
    /// Saves a new immutable version; the playbook now points at it. With `expected`, only if
    /// the playbook is still at that version (`Conflict` otherwise): an edit made from an older
    /// version does not overwrite one saved meanwhile.
    async fn save_version(
        &self,
        uuid: &str,
        definition: &Value,
        name: &str,
        expected: Option<i64>,
    ) -> Result<PlaybookRecord>;
    async fn get_playbook(&self, uuid: &str) -> Result<Option<PlaybookRecord>>;
    async fn get_version(&self, uuid: &str, version: i64) -> Result<Option<Value>>;
    /// The playbooks `filter` admits, in its order.
    async fn list_playbooks(&self, filter: &PlaybookFilter, page: Page) -> Result<Paged<PlaybookRecord>>;
    /// Playbooks that start runs, with their current definition.
    async fn active_playbooks(&self) -> Result<Vec<PlaybookRecord>>;
    /// Playbooks that start runs, without their definitions: cheap enough for every event.
    async fn active_playbook_heads(&self) -> Result<Vec<PlaybookHead>>;
    /// Turns a playbook on or off; `reason` says why it went off when the platform did it.
    async fn set_active(&self, uuid: &str, active: bool, reason: Option<&str>) -> Result<PlaybookRecord>;
    /// Deletes a playbook. Its versions stay, for the runs pinned to them, until a new playbook
    /// takes its UUID.
    async fn delete_playbook(&self, uuid: &str) -> Result<()>;
}

#[async_trait]
pub trait RunStore: Send + Sync {
    async fn insert_runs(&self, runs: &[NewRun]) -> Result<()>;
    async fn get_run(&self, uuid: &str) -> Result<Option<RunRecord>>;
    /// Run summaries, newest first: without their trigger event and node account.
    async fn list_runs(&self, filter: &RunFilter, page: Page) -> Result<Paged<RunRecord>>;
    /// How many runs match `filter`, by playbook and status (only the pairs that have some).
    async fn count_runs(&self, filter: &RunFilter) -> Result<Vec<RunCount>>;
    /// Appends events to a run's log, starting at `first_seq`, with the run's status and nodes
    /// after them, atomically. Fails with a conflict when `first_seq` is not the next number.
    async fn append_run_events(&self, uuid: &str, first_seq: i64, events: &[JsonText], state: &RunState) -> Result<()>;
    /// The run's events in order: replaying them rebuilds the run.
    async fn run_events(&self, uuid: &str) -> Result<Vec<Value>>;
    /// Outputs of a run kept apart, by key; unknown keys are left out.
    async fn run_outputs(&self, uuid: &str, keys: &[String]) -> Result<std::collections::HashMap<String, Value>>;
    /// Runs not finished yet (pending or running), oldest first: just what it takes to claim them.
    async fn unfinished_runs(&self, limit: usize) -> Result<Vec<UnfinishedRun>>;
}

#[async_trait]
pub trait ConfigurationStore: Send + Sync {
    async fn insert_configuration(&self, configuration: &ModuleConfiguration) -> Result<()>;
    async fn update_configuration(&self, configuration: &ModuleConfiguration) -> Result<()>;
    async fn get_configuration(&self, uuid: &str) -> Result<Option<ModuleConfiguration>>;
    async fn list_configurations(&self, module_uuid: Option<&str>) -> Result<Vec<ModuleConfiguration>>;
    async fn delete_configuration(&self, uuid: &str) -> Result<()>;
}

/// API keys and the console sessions opened with them.
#[async_trait]
pub trait ApiKeyStore: Send + Sync {
    async fn insert_api_key(&self, key: &ApiKey) -> Result<()>;
    async fn find_api_key(&self, key_hash: &str) -> Result<Option<ApiKey>>;
    async fn list_api_keys(&self) -> Result<Vec<ApiKey>>;
    /// Deletes the key and every session opened with it.
    async fn delete_api_key(&self, uuid: &str) -> Result<()>;
    /// Keeps a new session. Sessions that expired by `session.created_at` go, and so do the
    /// oldest of its key's beyond `max_per_key`.
    async fn insert_session(&self, session: &SessionRecord, max_per_key: usize) -> Result<()>;
    /// The session of this token hash, expired or not.
    async fn find_session(&self, token_hash: &str) -> Result<Option<SessionRecord>>;
    /// Ends a session; nothing happens when there is none.
    async fn delete_session(&self, token_hash: &str) -> Result<()>;
}

/// Intakes and the events they accept. An event is stored before its sender hears it was
/// accepted.
#[async_trait]
pub trait IntakeStore: Send + Sync {
    /// `Conflict` when the UUID or the key is taken.
    async fn insert_intake(&self, intake: &IntakeRecord) -> Result<()>;
    async fn get_intake(&self, uuid: &str) -> Result<Option<IntakeRecord>>;
    async fn find_intake_by_key(&self, intake_key: &str) -> Result<Option<IntakeRecord>>;
    async fn list_intakes(&self) -> Result<Vec<IntakeRecord>>;
    /// Deletes the intake, its events and its assets.
    async fn delete_intake(&self, uuid: &str) -> Result<()>;
    /// All or none. Taken by value: a batch is kept once, not copied again on its way to disk.
    async fn insert_intake_events(&self, events: Vec<IntakeEvent>) -> Result<()>;
    /// Oldest first.
    async fn list_intake_events(&self, intake_uuid: &str, page: Page) -> Result<Paged<IntakeEvent>>;
    /// Keeps `assets` of the intake's asset connector, each replacing the one of its key, all or
    /// none: `Full` when the intake would hold more than `max_assets`, `NotFound` without the
    /// intake.
    async fn upsert_assets(&self, intake_uuid: &str, assets: &[NewAsset], now: i64, max_assets: u64) -> Result<()>;
    /// By key.
    async fn list_assets(&self, intake_uuid: &str, page: Page) -> Result<Paged<AssetRecord>>;
}

/// Retention: what grows with use (finished runs, alerts, intake events) goes once old enough,
/// a little at a time so that other writes go on between.
#[async_trait]
pub trait RetentionStore: Send + Sync {
    /// Deletes at most `batch` finished runs (with their journals and outputs), `batch` alerts
    /// (with their comments) and `batch` intake events created before `before_ms`.
    async fn prune(&self, before_ms: i64, batch: usize) -> Result<Pruned>;
    /// When the oldest run, alert or intake event was created, if there is any.
    async fn oldest_record_ms(&self) -> Result<Option<i64>>;
    /// How much space the data takes, and the storage as a whole.
    async fn storage(&self) -> Result<Storage>;
    /// Gives space freed by deletions back to the system, a little at a time; the bytes given.
    async fn reclaim_space(&self) -> Result<u64>;
}

/// Everything a backend provides.
pub trait Store:
    AlertStore + PlaybookStore + RunStore + ConfigurationStore + ApiKeyStore + IntakeStore + RetentionStore
{
}

impl<T> Store for T where
    T: AlertStore + PlaybookStore + RunStore + ConfigurationStore + ApiKeyStore + IntakeStore + RetentionStore
{
}
