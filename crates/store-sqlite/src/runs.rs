use std::collections::HashMap;

use async_trait::async_trait;
use riposte_model::RunStatus;
use riposte_store::{
    JsonText, NewRun, Page, Paged, Result, RunCount, RunFilter, RunRecord, RunState, RunStore, StoreError,
    UnfinishedRun,
};
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};
use serde_json::Value;

use crate::SqliteStore;
use crate::connection::{error, from_json, to_json};

const SELECT: &str = "SELECT uuid, playbook_uuid, playbook_version, name, status, \
     (SELECT event FROM run_triggers WHERE run_id = runs.id), \
     COALESCE((SELECT nodes FROM run_accounts WHERE run_id = runs.id), '[]'), created_at, started_at, ended_at, error, events, \
     (SELECT node FROM run_triggers WHERE run_id = runs.id), alert FROM runs";
/// The same without the trigger event and the node account, which a list does not show.
const SUMMARY: &str = "SELECT uuid, playbook_uuid, playbook_version, name, status, 'null', '[]', created_at, \
     started_at, ended_at, error, events, NULL, alert FROM runs";
const FILTER: &str = "(?1 IS NULL OR playbook_uuid = ?1) AND (?2 IS NULL OR status = ?2) AND (?3 IS NULL OR created_at >= ?3) AND (?4 IS NULL OR created_at <= ?4) AND (?7 IS NULL OR name = ?7)";

/// A new run with its trigger event encoded, ready to insert: encoding happens before the
/// write reaches the single writer thread.
pub(crate) struct RunRow {
    run: NewRun,
    trigger_event: String,
}

pub(crate) fn run_rows(runs: &[NewRun]) -> Result<Vec<RunRow>> {
    runs.iter().map(|run| Ok(RunRow { trigger_event: to_json(&run.trigger_event)?, run: run.clone() })).collect()
}

/// Stores new runs inside a caller's transaction (an alert write, a trigger event).
pub(crate) fn insert_runs(tx: &Transaction, runs: &[RunRow]) -> Result<()> {
    let mut insert_run = tx
        .prepare_cached(
            "INSERT INTO runs (uuid, playbook_uuid, playbook_version, name, status, created_at, alert) \
             VALUES (?1, ?2, ?3, ?4, 'pending', ?5, ?6)",
        )
        .map_err(error)?;
    let mut insert_trigger =
        tx.prepare_cached("INSERT INTO run_triggers (run_id, event, node) VALUES (?1, ?2, ?3)").map_err(error)?;
    for RunRow { run, trigger_event } in runs {
        insert_run
            .execute(params![run.uuid, run.playbook_uuid, run.playbook_version, run.name, run.created_at, run.alert])
            .map_err(error)?;
        insert_trigger.execute(params![tx.last_insert_rowid(), trigger_event, run.trigger_node]).map_err(error)?;
    }
    Ok(())
}

type FilterParams = (Option<String>, Option<&'static str>, Option<i64>, Option<i64>, i64, i64, Option<String>);

/// The values of `FILTER`'s parameters; `?5` and `?6` are the page's limit and offset (bound to
/// nothing a count reads).
fn filter_params(filter: &RunFilter, page: Option<Page>) -> FilterParams {
    let (limit, offset) = page.map_or((0, 0), |p| (p.limit as i64, p.offset as i64));
    (
        filter.playbook_uuid.clone(),
        filter.status.map(RunStatus::as_str),
        filter.created_from,
        filter.created_to,
        limit,
        offset,
        filter.name.clone(),
    )
}

fn status(text: &str) -> rusqlite::Result<RunStatus> {
    from_json(&format!("\"{text}\""))
}

fn record(row: &Row) -> rusqlite::Result<RunRecord> {
    Ok(RunRecord {
        uuid: row.get(0)?,
        playbook_uuid: row.get(1)?,
        playbook_version: row.get(2)?,
        name: row.get(3)?,
        status: status(&row.get::<_, String>(4)?)?,
        trigger_event: from_json(&row.get::<_, String>(5)?)?,
        trigger_node: row.get(12)?,
        alert: row.get(13)?,
        nodes: from_json(&row.get::<_, String>(6)?)?,
        created_at: row.get(7)?,
        started_at: row.get(8)?,
        ended_at: row.get(9)?,
        error: row.get(10)?,
        journal_len: row.get(11)?,
    })
}

/// Why an append found no run to take it: there is none, or its journal is not where the
/// events begin.
fn append_refused(tx: &Transaction, uuid: &str, first_seq: i64) -> StoreError {
    let stored: rusqlite::Result<Option<i64>> = tx
        .prepare_cached("SELECT events FROM runs WHERE uuid = ?1")
        .and_then(|mut select| select.query_row([uuid], |r| r.get(0)).optional());
    match stored {
        Ok(Some(stored)) => {
            StoreError::Conflict(format!("run {uuid} has {stored} events; cannot append at {first_seq}"))
        }
        Ok(None) => StoreError::not_found("run", uuid.to_string()),
        Err(e) => error(e),
    }
}

fn get(db: &Connection, uuid: &str) -> Result<Option<RunRecord>> {
    db.prepare_cached(&format!("{SELECT} WHERE uuid = ?1"))
        .and_then(|mut select| select.query_row([uuid], record))
        .optional()
        .map_err(error)
}

#[async_trait]
impl RunStore for SqliteStore {
    async fn insert_runs(&self, runs: &[NewRun]) -> Result<()> {
        let runs = run_rows(runs)?;
        self.writer.write(move |tx| insert_runs(tx, &runs)).await
    }

    async fn get_run(&self, uuid: &str) -> Result<Option<RunRecord>> {
        let uuid = uuid.to_string();
        self.readers.read(move |db| get(db, &uuid)).await
    }

    async fn count_runs(&self, filter: &RunFilter) -> Result<Vec<RunCount>> {
        let filter = filter.clone();
        self.readers
            .read(move |db| {
                let mut statement = db
                    .prepare_cached(&format!(
                        "SELECT playbook_uuid, status, COUNT(*) FROM runs WHERE {FILTER} GROUP BY playbook_uuid, status"
                    ))
                    .map_err(error)?;
                statement
                    .query_map(filter_params(&filter, None), |row| {
                        Ok(RunCount {
                            playbook_uuid: row.get(0)?,
                            status: status(&row.get::<_, String>(1)?)?,
                            count: row.get::<_, i64>(2)?.max(0) as u64,
                        })
                    })
                    .map_err(error)?
                    .collect::<rusqlite::Result<Vec<_>>>()
                    .map_err(error)
            })
            .await
    }

    async fn list_runs(&self, filter: &RunFilter, page: Page) -> Result<Paged<RunRecord>> {
        let filter = filter.clone();
        self.readers
            .read(move |db| {
                let total: i64 = db
                    .query_row(
                        &format!("SELECT COUNT(*) FROM runs WHERE {FILTER}"),
                        filter_params(&filter, None),
                        |r| r.get(0),
                    )
                    .map_err(error)?;
                let mut statement = db
                    .prepare_cached(&format!(
                        "{SUMMARY} WHERE {FILTER} ORDER BY created_at DESC, id DESC LIMIT ?5 OFFSET ?6"
                    ))
                    .map_err(error)?;
                let items = statement
                    .query_map(filter_params(&filter, Some(page)), record)
                    .map_err(error)?
                    .collect::<rusqlite::Result<Vec<_>>>()
                    .map_err(error)?;
                Ok(Paged { items, total: total as u64 })
            })
            .await
    }

    async fn append_run_events(&self, uuid: &str, first_seq: i64, events: &[JsonText], state: &RunState) -> Result<()> {
        let uuid = uuid.to_string();
        let events = events.to_vec();
        let outputs =
            state.outputs.iter().map(|o| Ok((o.key.clone(), to_json(&o.value)?))).collect::<Result<Vec<_>>>()?;
        let nodes = state.nodes.clone();
        let (status, started_at, ended_at, why) = (state.status, state.started_at, state.ended_at, state.error.clone());
        self.writer
            .write(move |tx| {
                // The update is the compare-and-set: it only takes a run whose journal ends where
                // these events begin.
                let id: Option<i64> = tx
                    .prepare_cached(
                        "UPDATE runs SET status = ?2, started_at = ?3, ended_at = ?4, error = ?5, events = ?6 \
                         WHERE uuid = ?1 AND events = ?7 RETURNING id",
                    )
                    .and_then(|mut update| {
                        let next = first_seq + events.len() as i64;
                        update
                            .query_row(
                                params![uuid, status.as_str(), started_at, ended_at, why, next, first_seq],
                                |r| r.get(0),
                            )
                            .optional()
                    })
                    .map_err(error)?;
                let Some(id) = id else { return Err(append_refused(tx, &uuid, first_seq)) };
                let mut insert = tx
                    .prepare_cached("INSERT INTO run_journal (run_id, seq, event) VALUES (?1, ?2, ?3)")
                    .map_err(error)?;
                for (offset, event) in events.iter().enumerate() {
                    insert.execute(params![id, first_seq + offset as i64, event.get()]).map_err(error)?;
                }
                let mut keep = tx
                    .prepare_cached("INSERT OR REPLACE INTO run_outputs (run_uuid, key, value) VALUES (?1, ?2, ?3)")
                    .map_err(error)?;
                for (key, value) in &outputs {
                    keep.execute(params![uuid, key, value]).map_err(error)?;
                }
                if let Some(nodes) = &nodes {
                    tx.prepare_cached("INSERT OR REPLACE INTO run_accounts (run_id, nodes) VALUES (?1, ?2)")
                        .and_then(|mut account| account.execute(params![id, nodes.get()]))
                        .map_err(error)?;
                }
                Ok(())
            })
            .await
    }

    async fn run_events(&self, uuid: &str) -> Result<Vec<Value>> {
        let uuid = uuid.to_string();
        self.readers
            .read(move |db| {
                let mut statement = db
                    .prepare_cached(
                        "SELECT event FROM run_journal WHERE run_id = (SELECT id FROM runs WHERE uuid = ?1) ORDER BY seq",
                    )
                    .map_err(error)?;
                statement
                    .query_map([uuid], |row| from_json(&row.get::<_, String>(0)?))
                    .map_err(error)?
                    .collect::<rusqlite::Result<Vec<_>>>()
                    .map_err(error)
            })
            .await
    }

    async fn run_outputs(&self, uuid: &str, keys: &[String]) -> Result<HashMap<String, Value>> {
        let (uuid, keys) = (uuid.to_string(), keys.to_vec());
        self.readers
            .read(move |db| {
                let mut statement = db
                    .prepare_cached("SELECT value FROM run_outputs WHERE run_uuid = ?1 AND key = ?2")
                    .map_err(error)?;
                let mut found = HashMap::new();
                for key in keys {
                    let value: Option<String> =
                        statement.query_row(params![uuid, key], |r| r.get(0)).optional().map_err(error)?;
                    if let Some(text) = value {
                        found.insert(key, from_json(&text).map_err(error)?);
                    }
                }
                Ok(found)
            })
            .await
    }

    async fn unfinished_runs(&self, limit: usize) -> Result<Vec<UnfinishedRun>> {
        self.readers
            .read(move |db| {
                let mut statement = db
                    .prepare_cached(
                        "SELECT uuid, playbook_uuid, status, created_at FROM runs \
                         WHERE status IN ('pending', 'running') ORDER BY created_at, id LIMIT ?1",
                    )
                    .map_err(error)?;
                statement
                    .query_map([limit as i64], |row| {
                        Ok(UnfinishedRun {
                            uuid: row.get(0)?,
                            playbook_uuid: row.get(1)?,
                            status: status(&row.get::<_, String>(2)?)?,
                            created_at: row.get(3)?,
                        })
                    })
                    .map_err(error)?
                    .collect::<rusqlite::Result<Vec<_>>>()
                    .map_err(error)
            })
            .await
    }
}
