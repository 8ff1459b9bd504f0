use async_trait::async_trait;
use riposte_store::{
    NewPlaybook, Page, Paged, PlaybookFilter, PlaybookHead, PlaybookOrder, PlaybookRecord, PlaybookStore, Result,
    StoreError,
};
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde_json::Value;

use crate::SqliteStore;
use crate::connection::{error, from_json, to_json, within_bytes};

const SELECT: &str = "SELECT p.uuid, p.name, p.active, p.version, v.definition, p.deactivation_reason, p.created_at, p.updated_at, \
     (SELECT MIN(f.version) FROM playbook_versions f WHERE f.playbook_uuid = p.uuid) \
     FROM playbooks p JOIN playbook_versions v ON v.playbook_uuid = p.uuid AND v.version = p.version";

const NOW_MS: &str = "CAST(unixepoch('subsec') * 1000 AS INTEGER)";

fn record(row: &Row) -> rusqlite::Result<PlaybookRecord> {
    Ok(PlaybookRecord {
        uuid: row.get(0)?,
        name: row.get(1)?,
        active: row.get(2)?,
        version: row.get(3)?,
        definition: from_json(&row.get::<_, String>(4)?)?,
        deactivation_reason: row.get(5)?,
        created_at: row.get(6)?,
        updated_at: row.get(7)?,
        first_version: row.get(8)?,
    })
}

fn get(db: &Connection, uuid: &str) -> Result<Option<PlaybookRecord>> {
    db.query_row(&format!("{SELECT} WHERE p.uuid = ?1"), [uuid], record).optional().map_err(error)
}

fn existing(db: &Connection, uuid: &str) -> Result<PlaybookRecord> {
    get(db, uuid)?.ok_or_else(|| StoreError::not_found("playbook", uuid))
}

#[async_trait]
impl PlaybookStore for SqliteStore {
    async fn create_playbook(&self, playbook: &NewPlaybook) -> Result<PlaybookRecord> {
        let (playbook, definition) = (playbook.clone(), to_json(&playbook.definition)?);
        self.writer
            .write_then(
                move |tx| {
                    let first = take_over(tx, &playbook.uuid)?;
                    tx.execute(
                        "INSERT INTO playbooks (uuid, name, version, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)",
                        params![playbook.uuid, playbook.name, first, playbook.now],
                    )
                    .map_err(error)?;
                    tx.execute(
                        "INSERT INTO playbook_versions (playbook_uuid, version, definition) VALUES (?1, ?2, ?3)",
                        params![playbook.uuid, first, definition],
                    )
                    .map_err(error)?;
                    existing(tx, &playbook.uuid)
                },
                self.active_heads.clearer(),
            )
            .await
    }

    async fn save_version(
        &self,
        uuid: &str,
        definition: &Value,
        name: &str,
        expected: Option<i64>,
    ) -> Result<PlaybookRecord> {
        let (uuid, definition, name) = (uuid.to_string(), to_json(definition)?, name.to_string());
        self.writer
            .write_then(
                move |tx| {
                    let current = existing(tx, &uuid)?.version;
                    if let Some(conflict) = riposte_store::moved_since(current, expected) {
                        return Err(conflict);
                    }
                    let next = current + 1;
                    tx.execute(
                        "INSERT INTO playbook_versions (playbook_uuid, version, definition) VALUES (?1, ?2, ?3)",
                        params![uuid, next, definition],
                    )
                    .map_err(error)?;
                    tx.execute(
                        &format!("UPDATE playbooks SET version = ?2, name = ?3, updated_at = {NOW_MS} WHERE uuid = ?1"),
                        params![uuid, next, name],
                    )
                    .map_err(error)?;
                    existing(tx, &uuid)
                },
                self.active_heads.clearer(),
            )
            .await
    }

    async fn get_playbook(&self, uuid: &str) -> Result<Option<PlaybookRecord>> {
        let uuid = uuid.to_string();
        self.readers.read(move |db| get(db, &uuid)).await
    }

    async fn get_version(&self, uuid: &str, version: i64) -> Result<Option<Value>> {
        let uuid = uuid.to_string();
        self.readers
            .read(move |db| {
                db.query_row(
                    "SELECT definition FROM playbook_versions WHERE playbook_uuid = ?1 AND version = ?2",
                    params![uuid, version],
                    |row| from_json(&row.get::<_, String>(0)?),
                )
                .optional()
                .map_err(error)
            })
            .await
    }

    async fn list_playbooks(&self, filter: &PlaybookFilter, page: Page) -> Result<Paged<PlaybookRecord>> {
        let name = filter.name.as_ref().map(|part| format!("%{}%", escape_like(part)));
        let active = filter.active;
        let order = match filter.order {
            PlaybookOrder::Newest => "p.created_at DESC, p.rowid DESC",
            PlaybookOrder::Name => "p.name COLLATE NOCASE, p.rowid DESC",
            PlaybookOrder::Updated => "p.updated_at DESC, p.rowid DESC",
        };
        self.readers
            .read(move |db| {
                // LIKE ignores the case of ASCII letters, as the filter says.
                const WHERE: &str = "(?1 IS NULL OR p.name LIKE ?1 ESCAPE '\\') AND (?2 IS NULL OR p.active = ?2)";
                let total: i64 = db
                    .query_row(&format!("SELECT COUNT(*) FROM playbooks p WHERE {WHERE}"), params![name, active], |r| {
                        r.get(0)
                    })
                    .map_err(error)?;
                let mut statement = db
                    .prepare_cached(&format!("{SELECT} WHERE {WHERE} ORDER BY {order} LIMIT ?3 OFFSET ?4"))
                    .map_err(error)?;
                let rows = statement
                    .query_map(params![name, active, page.limit as i64, page.offset as i64], |row| {
                        let bytes = row.get_ref(4)?.as_bytes().map_or(0, <[u8]>::len);
                        Ok((record(row)?, bytes))
                    })
                    .map_err(error)?;
                let items = within_bytes(rows, page.max_bytes).map_err(error)?;
                Ok(Paged { items, total: total as u64 })
            })
            .await
    }

    async fn active_playbooks(&self) -> Result<Vec<PlaybookRecord>> {
        self.readers
            .read(move |db| {
                let mut statement =
                    db.prepare_cached(&format!("{SELECT} WHERE p.active = 1 ORDER BY p.created_at")).map_err(error)?;
                statement.query_map([], record).map_err(error)?.collect::<rusqlite::Result<Vec<_>>>().map_err(error)
            })
            .await
    }

    async fn active_playbook_heads(&self) -> Result<Vec<PlaybookHead>> {
        let generation = match self.active_heads.get(&()) {
            Ok(heads) => return Ok(heads),
            Err(generation) => generation,
        };
        let heads = self.read_active_heads().await?;
        self.active_heads.keep((), generation, heads.clone());
        Ok(heads)
    }

    async fn set_active(&self, uuid: &str, active: bool, reason: Option<&str>) -> Result<PlaybookRecord> {
        let (uuid, reason) = (uuid.to_string(), reason.map(str::to_string));
        self.writer
            .write_then(move |tx| {
                let changed = tx
                    .execute(
                        &format!("UPDATE playbooks SET active = ?2, deactivation_reason = ?3, updated_at = {NOW_MS} WHERE uuid = ?1"),
                        params![uuid, active, reason],
                    )
                    .map_err(error)?;
                if changed == 0 {
                    return Err(StoreError::not_found("playbook", &uuid));
                }
                existing(tx, &uuid)
            }, self.active_heads.clearer())
            .await
    }

    async fn delete_playbook(&self, uuid: &str) -> Result<()> {
        let uuid = uuid.to_string();
        self.writer
            .write_then(
                move |tx| match tx.execute("DELETE FROM playbooks WHERE uuid = ?1", [&uuid]).map_err(error)? {
                    0 => Err(StoreError::not_found("playbook", &uuid)),
                    _ => Ok(()),
                },
                self.active_heads.clearer(),
            )
            .await
    }
}

/// Makes `uuid` free for a new playbook and gives its first version number: refused while a
/// playbook has it, or while runs of a deleted one with it are unfinished; what a deleted one
/// left (its versions, its runs and what they wrote) goes, and numbering goes on after its last
/// version.
fn take_over(tx: &Connection, uuid: &str) -> Result<i64> {
    let count = |sql: &str| -> Result<i64> { tx.query_row(sql, [uuid], |r| r.get(0)).map_err(error) };
    if count("SELECT COUNT(*) FROM playbooks WHERE uuid = ?1")? > 0 {
        return Err(StoreError::Conflict(format!("playbook {uuid} exists already")));
    }
    let unfinished = count("SELECT COUNT(*) FROM runs WHERE playbook_uuid = ?1 AND status IN ('pending', 'running')")?;
    if unfinished > 0 {
        return Err(StoreError::Conflict(format!(
            "{unfinished} runs of the deleted playbook {uuid} are not finished: cancel them, or wait for them to end, \
             before a new playbook takes its UUID"
        )));
    }
    let last = count("SELECT COALESCE(MAX(version), 0) FROM playbook_versions WHERE playbook_uuid = ?1")?;
    for sql in [
        "DELETE FROM run_triggers WHERE run_id IN (SELECT id FROM runs WHERE playbook_uuid = ?1)",
        "DELETE FROM run_journal WHERE run_id IN (SELECT id FROM runs WHERE playbook_uuid = ?1)",
        "DELETE FROM run_accounts WHERE run_id IN (SELECT id FROM runs WHERE playbook_uuid = ?1)",
        "DELETE FROM run_outputs WHERE run_uuid IN (SELECT uuid FROM runs WHERE playbook_uuid = ?1)",
        "DELETE FROM runs WHERE playbook_uuid = ?1",
        "DELETE FROM playbook_versions WHERE playbook_uuid = ?1",
    ] {
        tx.execute(sql, [uuid]).map_err(error)?;
    }
    Ok(last + 1)
}

impl SqliteStore {
    async fn read_active_heads(&self) -> Result<Vec<PlaybookHead>> {
        self.readers
            .read(move |db| {
                let mut statement = db
                    .prepare_cached(
                        "SELECT uuid, version, updated_at FROM playbooks WHERE active = 1 ORDER BY created_at",
                    )
                    .map_err(error)?;
                statement
                    .query_map([], |row| {
                        Ok(PlaybookHead { uuid: row.get(0)?, version: row.get(1)?, updated_at: row.get(2)? })
                    })
                    .map_err(error)?
                    .collect::<rusqlite::Result<Vec<_>>>()
                    .map_err(error)
            })
            .await
    }
}

/// `text` matched literally by LIKE ... ESCAPE '\': its `%` and `_` are not wildcards.
fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}
