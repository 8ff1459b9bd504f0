use async_trait::async_trait;
use riposte_store::{ApiKey, ApiKeyStore, Result, StoreError};
use rusqlite::{OptionalExtension, Row, params};

use crate::SqliteStore;
use crate::connection::{error, from_json, to_json};

const SELECT: &str = "SELECT uuid, name, key_hash, permissions, created_at FROM api_keys";

fn record(row: &Row) -> rusqlite::Result<ApiKey> {
    Ok(ApiKey {
        uuid: row.get(0)?,
        name: row.get(1)?,
        key_hash: row.get(2)?,
        permissions: from_json(&row.get::<_, String>(3)?)?,
        created_at: row.get(4)?,
    })
}

#[async_trait]
impl ApiKeyStore for SqliteStore {
    async fn insert_api_key(&self, key: &ApiKey) -> Result<()> {
        let (key, permissions) = (key.clone(), to_json(&key.permissions)?);
        self.writer
            .write_then(
                move |tx| {
                    tx.execute(
                    "INSERT INTO api_keys (uuid, name, key_hash, permissions, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![key.uuid, key.name, key.key_hash, permissions, key.created_at],
                )
                .map_err(error)?;
                    Ok(())
                },
                self.api_keys.clearer(),
            )
            .await
    }

    async fn find_api_key(&self, key_hash: &str) -> Result<Option<ApiKey>> {
        let generation = match self.api_keys.get(&key_hash.to_string()) {
            Ok(key) => return Ok(Some(key)),
            Err(generation) => generation,
        };
        let hash = key_hash.to_string();
        let found = self
            .readers
            .read(move |db| {
                db.query_row(&format!("{SELECT} WHERE key_hash = ?1"), [hash], record).optional().map_err(error)
            })
            .await?;
        // Unknown keys are not kept: anyone can send as many as they like.
        if let Some(key) = &found {
            self.api_keys.keep(key_hash.to_string(), generation, key.clone());
        }
        Ok(found)
    }

    async fn list_api_keys(&self) -> Result<Vec<ApiKey>> {
        self.readers
            .read(move |db| {
                let mut statement =
                    db.prepare_cached(&format!("{SELECT} ORDER BY created_at, rowid")).map_err(error)?;
                statement.query_map([], record).map_err(error)?.collect::<rusqlite::Result<Vec<_>>>().map_err(error)
            })
            .await
    }

    async fn delete_api_key(&self, uuid: &str) -> Result<()> {
        let uuid = uuid.to_string();
        self.writer
            .write_then(
                move |tx| match tx.execute("DELETE FROM api_keys WHERE uuid = ?1", [&uuid]).map_err(error)? {
                    0 => Err(StoreError::not_found("API key", &uuid)),
                    _ => Ok(()),
                },
                self.api_keys.clearer(),
            )
            .await
    }
}
