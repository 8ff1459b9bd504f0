use async_trait::async_trait;
use riposte_store::{ApiKey, ApiKeyStore, Result, SessionRecord, StoreError};
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
                move |tx| {
                    tx.execute(
                        "DELETE FROM sessions WHERE key_hash IN (SELECT key_hash FROM api_keys WHERE uuid = ?1)",
                        [&uuid],
                    )
                    .map_err(error)?;
                    match tx.execute("DELETE FROM api_keys WHERE uuid = ?1", [&uuid]).map_err(error)? {
                        0 => Err(StoreError::not_found("API key", &uuid)),
                        _ => Ok(()),
                    }
                },
                self.api_keys.clearer(),
            )
            .await
    }

    async fn insert_session(&self, session: &SessionRecord, max_per_key: usize) -> Result<()> {
        let session = session.clone();
        self.writer
            .write(move |tx| {
                tx.execute("DELETE FROM sessions WHERE expires_at <= ?1", [session.created_at]).map_err(error)?;
                tx.execute(
                    "INSERT INTO sessions (token_hash, key_hash, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
                    params![session.token_hash, session.key_hash, session.created_at, session.expires_at],
                )
                .map_err(error)?;
                tx.execute(
                    "DELETE FROM sessions WHERE key_hash = ?1 AND token_hash NOT IN \
                     (SELECT token_hash FROM sessions WHERE key_hash = ?1 ORDER BY created_at DESC, rowid DESC LIMIT ?2)",
                    params![session.key_hash, max_per_key as i64],
                )
                .map_err(error)?;
                Ok(())
            })
            .await
    }

    async fn find_session(&self, token_hash: &str) -> Result<Option<SessionRecord>> {
        let token_hash = token_hash.to_string();
        self.readers
            .read(move |db| {
                db.query_row(
                    "SELECT token_hash, key_hash, created_at, expires_at FROM sessions WHERE token_hash = ?1",
                    [token_hash],
                    |row| {
                        Ok(SessionRecord {
                            token_hash: row.get(0)?,
                            key_hash: row.get(1)?,
                            created_at: row.get(2)?,
                            expires_at: row.get(3)?,
                        })
                    },
                )
                .optional()
                .map_err(error)
            })
            .await
    }

    async fn delete_session(&self, token_hash: &str) -> Result<()> {
        let token_hash = token_hash.to_string();
        self.writer
            .write(move |tx| {
                tx.execute("DELETE FROM sessions WHERE token_hash = ?1", [&token_hash]).map_err(error)?;
                Ok(())
            })
            .await
    }
}
