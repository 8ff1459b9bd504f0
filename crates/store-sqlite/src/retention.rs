//! Retention on SQLite: deletions in small batches through the writer, so that other writes go
//! on between them; freed pages given back to the system by incremental vacuum (the database is
//! switched to `auto_vacuum = INCREMENTAL` when it is opened).

use async_trait::async_trait;
use riposte_store::{Pruned, Result, RetentionStore, Storage};
use rusqlite::{Connection, Transaction, params};

use crate::SqliteStore;
use crate::connection::error;

const FINISHED: &str = "status IN ('succeeded', 'failed', 'cancelled')";
/// Free pages given back per step: a step holds the writer for a few milliseconds.
const VACUUM_PAGES: i64 = 2048;

/// Switches a database that does not give space back to incremental vacuum: a one-time rewrite
/// of the file, done when it is opened.
pub(crate) fn enable_incremental_vacuum(connection: &Connection) -> Result<()> {
    let mode: i64 = connection.query_row("PRAGMA auto_vacuum", [], |r| r.get(0)).map_err(error)?;
    if mode != 2 {
        connection.execute_batch("PRAGMA auto_vacuum = INCREMENTAL; VACUUM;").map_err(error)?;
    }
    Ok(())
}

#[async_trait]
impl RetentionStore for SqliteStore {
    async fn prune(&self, before_ms: i64, batch: usize) -> Result<Pruned> {
        let batch = batch as i64;
        let (pruned, alerts) = self
            .writer
            .write(move |tx| {
                let runs = prune_runs(tx, before_ms, batch)?;
                let alerts = prune_alerts(tx, before_ms, batch)?;
                let events = prune_events(tx, before_ms, batch)?;
                Ok((Pruned { runs, alerts: alerts.len(), events }, alerts))
            })
            .await?;
        for uuid in alerts {
            self.recent_alerts.forget(&uuid);
        }
        Ok(pruned)
    }

    async fn oldest_record_ms(&self) -> Result<Option<i64>> {
        self.readers
            .read(|db| {
                let first = |sql: &str, args: &[&dyn rusqlite::ToSql]| -> Result<Option<i64>> {
                    db.prepare_cached(sql).and_then(|mut s| s.query_row(args, |r| r.get(0))).map_err(error)
                };
                let mut oldest = [
                    first(&format!("SELECT MIN(created_at) FROM runs WHERE {FINISHED}"), &[])?,
                    // Alerts are dated in seconds, as Sekoia dates them.
                    first("SELECT MIN(created_at) * 1000 FROM alerts", &[])?,
                ]
                .into_iter()
                .flatten()
                .min();
                let mut intakes = db.prepare_cached("SELECT uuid FROM intakes").map_err(error)?;
                let uuids: Vec<String> = intakes
                    .query_map([], |r| r.get(0))
                    .map_err(error)?
                    .collect::<rusqlite::Result<_>>()
                    .map_err(error)?;
                for uuid in uuids {
                    let received =
                        first("SELECT MIN(received_at) FROM intake_events WHERE intake_uuid = ?1", &[&uuid])?;
                    oldest = oldest.into_iter().chain(received).min();
                }
                Ok(oldest)
            })
            .await
    }

    async fn storage(&self) -> Result<Storage> {
        self.readers.read(storage).await
    }

    async fn reclaim_space(&self) -> Result<u64> {
        let mut given = 0;
        loop {
            let freed = self
                .writer
                .write(|tx| {
                    let before = pragma(tx, "freelist_count")?;
                    tx.execute_batch(&format!("PRAGMA incremental_vacuum({VACUUM_PAGES})")).map_err(error)?;
                    Ok((before - pragma(tx, "freelist_count")?) * pragma(tx, "page_size")?)
                })
                .await?;
            if freed <= 0 {
                break;
            }
            given += freed as u64;
        }
        // The file shrinks once the write-ahead log is copied back into it.
        self.readers.read(|db| db.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").map_err(error)).await?;
        Ok(given)
    }
}

fn pragma(db: &Connection, name: &str) -> Result<i64> {
    db.query_row(&format!("PRAGMA {name}"), [], |r| r.get(0)).map_err(error)
}

fn storage(db: &Connection) -> Result<Storage> {
    let (pages, free, size) = (pragma(db, "page_count")?, pragma(db, "freelist_count")?, pragma(db, "page_size")?);
    Ok(Storage { used_bytes: ((pages - free) * size) as u64, file_bytes: (pages * size) as u64 })
}

fn prune_runs(tx: &Transaction, before_ms: i64, batch: i64) -> Result<usize> {
    let mut select = tx
        .prepare_cached(&format!("SELECT id, uuid FROM runs WHERE {FINISHED} AND created_at < ?1 LIMIT ?2"))
        .map_err(error)?;
    let runs: Vec<(i64, String)> = select
        .query_map(params![before_ms, batch], |r| Ok((r.get(0)?, r.get(1)?)))
        .map_err(error)?
        .collect::<rusqlite::Result<_>>()
        .map_err(error)?;
    for (id, uuid) in &runs {
        for sql in [
            "DELETE FROM run_triggers WHERE run_id = ?1",
            "DELETE FROM run_journal WHERE run_id = ?1",
            "DELETE FROM run_accounts WHERE run_id = ?1",
            "DELETE FROM runs WHERE id = ?1",
        ] {
            tx.prepare_cached(sql).and_then(|mut s| s.execute([id])).map_err(error)?;
        }
        tx.prepare_cached("DELETE FROM run_outputs WHERE run_uuid = ?1")
            .and_then(|mut s| s.execute([uuid]))
            .map_err(error)?;
    }
    Ok(runs.len())
}

/// The UUIDs of the alerts deleted.
fn prune_alerts(tx: &Transaction, before_ms: i64, batch: i64) -> Result<Vec<String>> {
    // Alerts are dated in seconds, as Sekoia dates them.
    let mut select = tx.prepare_cached("SELECT uuid FROM alerts WHERE created_at < ?1 LIMIT ?2").map_err(error)?;
    let uuids: Vec<String> = select
        .query_map(params![before_ms.div_euclid(1000), batch], |r| r.get(0))
        .map_err(error)?
        .collect::<rusqlite::Result<_>>()
        .map_err(error)?;
    for uuid in &uuids {
        tx.prepare_cached("DELETE FROM alerts WHERE uuid = ?1").and_then(|mut s| s.execute([uuid])).map_err(error)?;
    }
    Ok(uuids)
}

fn prune_events(tx: &Transaction, before_ms: i64, batch: i64) -> Result<usize> {
    let mut intakes = tx.prepare_cached("SELECT uuid FROM intakes").map_err(error)?;
    let uuids: Vec<String> =
        intakes.query_map([], |r| r.get(0)).map_err(error)?.collect::<rusqlite::Result<_>>().map_err(error)?;
    let mut deleted = 0;
    for uuid in uuids {
        let left = batch - deleted as i64;
        if left <= 0 {
            break;
        }
        deleted += tx
            .prepare_cached(
                "DELETE FROM intake_events WHERE rowid IN (SELECT rowid FROM intake_events \
                 WHERE intake_uuid = ?1 AND received_at < ?2 LIMIT ?3)",
            )
            .and_then(|mut s| s.execute(params![uuid, before_ms, left]))
            .map_err(error)?;
    }
    Ok(deleted)
}
