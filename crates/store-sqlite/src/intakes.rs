use async_trait::async_trait;
use riposte_store::{AssetRecord, IntakeEvent, IntakeRecord, IntakeStore, NewAsset, Page, Paged, Result, StoreError};
use rusqlite::{OptionalExtension, Row, params};

use crate::SqliteStore;
use crate::connection::{error, from_json, to_json, within_bytes};

const SELECT: &str = "SELECT uuid, name, intake_key, connector, created_at FROM intakes";

fn record(row: &Row) -> rusqlite::Result<IntakeRecord> {
    let connector: Option<String> = row.get(3)?;
    Ok(IntakeRecord {
        uuid: row.get(0)?,
        name: row.get(1)?,
        intake_key: row.get(2)?,
        connector: connector.as_deref().map(from_json).transpose()?,
        created_at: row.get(4)?,
    })
}

fn event(row: &Row) -> rusqlite::Result<IntakeEvent> {
    Ok(IntakeEvent { uuid: row.get(0)?, intake_uuid: row.get(1)?, message: row.get(2)?, received_at: row.get(3)? })
}

#[async_trait]
impl IntakeStore for SqliteStore {
    async fn insert_intake(&self, intake: &IntakeRecord) -> Result<()> {
        let connector = intake.connector.as_ref().map(to_json).transpose()?;
        let intake = intake.clone();
        self.writer
            .write(move |tx| {
                tx.execute(
                    "INSERT INTO intakes (uuid, name, intake_key, connector, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![intake.uuid, intake.name, intake.intake_key, connector, intake.created_at],
                )
                .map_err(error)?;
                Ok(())
            })
            .await
    }

    async fn get_intake(&self, uuid: &str) -> Result<Option<IntakeRecord>> {
        self.intake_where("uuid", uuid).await
    }

    async fn find_intake_by_key(&self, intake_key: &str) -> Result<Option<IntakeRecord>> {
        self.intake_where("intake_key", intake_key).await
    }

    async fn list_intakes(&self) -> Result<Vec<IntakeRecord>> {
        self.readers
            .read(move |db| {
                let mut statement =
                    db.prepare_cached(&format!("{SELECT} ORDER BY created_at, rowid")).map_err(error)?;
                statement.query_map([], record).map_err(error)?.collect::<rusqlite::Result<Vec<_>>>().map_err(error)
            })
            .await
    }

    async fn delete_intake(&self, uuid: &str) -> Result<()> {
        let uuid = uuid.to_string();
        self.writer
            .write(move |tx| {
                tx.execute("DELETE FROM intake_events WHERE intake_uuid = ?1", [&uuid]).map_err(error)?;
                tx.execute("DELETE FROM assets WHERE intake_uuid = ?1", [&uuid]).map_err(error)?;
                match tx.execute("DELETE FROM intakes WHERE uuid = ?1", [&uuid]).map_err(error)? {
                    0 => Err(StoreError::not_found("intake", &uuid)),
                    _ => Ok(()),
                }
            })
            .await
    }

    async fn insert_intake_events(&self, events: Vec<IntakeEvent>) -> Result<()> {
        self.writer
            .write(move |tx| {
                let mut insert = tx
                    .prepare_cached(
                        "INSERT INTO intake_events (uuid, intake_uuid, message, received_at) VALUES (?1, ?2, ?3, ?4)",
                    )
                    .map_err(error)?;
                for e in &events {
                    insert.execute(params![e.uuid, e.intake_uuid, e.message, e.received_at]).map_err(error)?;
                }
                Ok(())
            })
            .await
    }

    async fn list_intake_events(&self, intake_uuid: &str, page: Page) -> Result<Paged<IntakeEvent>> {
        let intake_uuid = intake_uuid.to_string();
        self.readers
            .read(move |db| {
                let total: i64 = db
                    .query_row("SELECT COUNT(*) FROM intake_events WHERE intake_uuid = ?1", [&intake_uuid], |r| {
                        r.get(0)
                    })
                    .map_err(error)?;
                let mut statement = db
                    .prepare_cached(
                        "SELECT uuid, intake_uuid, message, received_at FROM intake_events WHERE intake_uuid = ?1 \
                         ORDER BY received_at, rowid LIMIT ?2 OFFSET ?3",
                    )
                    .map_err(error)?;
                let rows = statement
                    .query_map(params![intake_uuid, page.limit as i64, page.offset as i64], |row| {
                        event(row).map(|e| {
                            let bytes = e.message.len();
                            (e, bytes)
                        })
                    })
                    .map_err(error)?;
                let items = within_bytes(rows, page.max_bytes).map_err(error)?;
                Ok(Paged { items, total: total as u64 })
            })
            .await
    }

    async fn upsert_assets(&self, intake_uuid: &str, assets: &[NewAsset], now: i64, max_assets: u64) -> Result<()> {
        self.write_assets(intake_uuid, assets, now, max_assets).await
    }

    async fn list_assets(&self, intake_uuid: &str, page: Page) -> Result<Paged<AssetRecord>> {
        self.read_assets(intake_uuid, page).await
    }
}

/// Rows of assets, encoded before they reach the writer thread.
struct AssetRow {
    key: String,
    class_uid: Option<i64>,
    asset: String,
}

impl SqliteStore {
    pub(crate) async fn write_assets(&self, intake_uuid: &str, assets: &[NewAsset], now: i64, max: u64) -> Result<()> {
        let rows = assets
            .iter()
            .map(|a| Ok(AssetRow { key: a.key.clone(), class_uid: a.class_uid, asset: to_json(&a.asset)? }))
            .collect::<Result<Vec<_>>>()?;
        let intake_uuid = intake_uuid.to_string();
        self.writer
            .write(move |tx| {
                let exists: bool = tx
                    .query_row("SELECT EXISTS (SELECT 1 FROM intakes WHERE uuid = ?1)", [&intake_uuid], |r| r.get(0))
                    .map_err(error)?;
                if !exists {
                    return Err(StoreError::not_found("intake", &intake_uuid));
                }
                let mut upsert = tx
                    .prepare_cached(
                        "INSERT INTO assets (intake_uuid, key, class_uid, asset, first_seen, last_seen) \
                         VALUES (?1, ?2, ?3, ?4, ?5, ?5) ON CONFLICT (intake_uuid, key) DO UPDATE SET \
                         class_uid = excluded.class_uid, asset = excluded.asset, last_seen = excluded.last_seen",
                    )
                    .map_err(error)?;
                for row in &rows {
                    upsert.execute(params![intake_uuid, row.key, row.class_uid, row.asset, now]).map_err(error)?;
                }
                let held: i64 = tx
                    .query_row("SELECT COUNT(*) FROM assets WHERE intake_uuid = ?1", [&intake_uuid], |r| r.get(0))
                    .map_err(error)?;
                // An error rolls the whole write back: none of these assets is kept.
                if held as u64 > max {
                    return Err(StoreError::Full(format!("intake {intake_uuid} keeps at most {max} assets")));
                }
                Ok(())
            })
            .await
    }

    pub(crate) async fn read_assets(&self, intake_uuid: &str, page: Page) -> Result<Paged<AssetRecord>> {
        let intake_uuid = intake_uuid.to_string();
        self.readers
            .read(move |db| {
                let total: i64 = db
                    .query_row("SELECT COUNT(*) FROM assets WHERE intake_uuid = ?1", [&intake_uuid], |r| r.get(0))
                    .map_err(error)?;
                let mut statement = db
                    .prepare_cached(
                        "SELECT intake_uuid, key, class_uid, asset, first_seen, last_seen FROM assets \
                         WHERE intake_uuid = ?1 ORDER BY key LIMIT ?2 OFFSET ?3",
                    )
                    .map_err(error)?;
                let rows = statement
                    .query_map(params![intake_uuid, page.limit as i64, page.offset as i64], |row| {
                        let text: String = row.get(3)?;
                        let record = AssetRecord {
                            intake_uuid: row.get(0)?,
                            key: row.get(1)?,
                            class_uid: row.get(2)?,
                            asset: from_json(&text)?,
                            first_seen: row.get(4)?,
                            last_seen: row.get(5)?,
                        };
                        Ok((record, text.len()))
                    })
                    .map_err(error)?;
                let items = within_bytes(rows, page.max_bytes).map_err(error)?;
                Ok(Paged { items, total: total as u64 })
            })
            .await
    }

    async fn intake_where(&self, column: &'static str, value: &str) -> Result<Option<IntakeRecord>> {
        let value = value.to_string();
        self.readers
            .read(move |db| {
                db.query_row(&format!("{SELECT} WHERE {column} = ?1"), [value], record).optional().map_err(error)
            })
            .await
    }
}
