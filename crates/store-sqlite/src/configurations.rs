use async_trait::async_trait;
use riposte_store::{ConfigurationStore, ModuleConfiguration, Result, StoreError};
use rusqlite::{OptionalExtension, Row, params};

use crate::SqliteStore;
use crate::connection::{error, from_json, to_json};

const SELECT: &str = "SELECT uuid, module_uuid, name, value, sealed_secrets, created_at, updated_at, account_check \
     FROM module_configurations";

fn record(row: &Row) -> rusqlite::Result<ModuleConfiguration> {
    Ok(ModuleConfiguration {
        uuid: row.get(0)?,
        module_uuid: row.get(1)?,
        name: row.get(2)?,
        value: from_json(&row.get::<_, String>(3)?)?,
        sealed_secrets: row.get(4)?,
        created_at: row.get(5)?,
        updated_at: row.get(6)?,
        account_check: row.get::<_, Option<String>>(7)?.map(|text| from_json(&text)).transpose()?,
    })
}

#[async_trait]
impl ConfigurationStore for SqliteStore {
    async fn insert_configuration(&self, configuration: &ModuleConfiguration) -> Result<()> {
        let (c, value) = (configuration.clone(), to_json(&configuration.value)?);
        let check = configuration.account_check.as_ref().map(to_json).transpose()?;
        self.writer
            .write(move |tx| {
                tx.execute(
                    "INSERT INTO module_configurations (uuid, module_uuid, name, value, sealed_secrets, created_at, updated_at, \
                     account_check) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                    params![c.uuid, c.module_uuid, c.name, value, c.sealed_secrets, c.created_at, c.updated_at, check],
                )
                .map_err(error)?;
                Ok(())
            })
            .await
    }

    async fn update_configuration(&self, configuration: &ModuleConfiguration) -> Result<()> {
        let (c, value) = (configuration.clone(), to_json(&configuration.value)?);
        let check = configuration.account_check.as_ref().map(to_json).transpose()?;
        self.writer
            .write(move |tx| {
                let changed = tx
                    .execute(
                        "UPDATE module_configurations SET name = ?2, value = ?3, sealed_secrets = ?4, updated_at = ?5, \
                         account_check = ?6 WHERE uuid = ?1",
                        params![c.uuid, c.name, value, c.sealed_secrets, c.updated_at, check],
                    )
                    .map_err(error)?;
                if changed == 0 { Err(StoreError::not_found("module configuration", &c.uuid)) } else { Ok(()) }
            })
            .await
    }

    async fn get_configuration(&self, uuid: &str) -> Result<Option<ModuleConfiguration>> {
        let uuid = uuid.to_string();
        self.readers
            .read(move |db| {
                db.query_row(&format!("{SELECT} WHERE uuid = ?1"), [uuid], record).optional().map_err(error)
            })
            .await
    }

    async fn list_configurations(&self, module_uuid: Option<&str>) -> Result<Vec<ModuleConfiguration>> {
        let module_uuid = module_uuid.map(str::to_string);
        self.readers
            .read(move |db| {
                let mut statement = db
                    .prepare_cached(&format!(
                        "{SELECT} WHERE ?1 IS NULL OR module_uuid = ?1 ORDER BY created_at, rowid"
                    ))
                    .map_err(error)?;
                statement
                    .query_map([module_uuid], record)
                    .map_err(error)?
                    .collect::<rusqlite::Result<Vec<_>>>()
                    .map_err(error)
            })
            .await
    }

    async fn delete_configuration(&self, uuid: &str) -> Result<()> {
        let uuid = uuid.to_string();
        self.writer
            .write(move |tx| {
                match tx.execute("DELETE FROM module_configurations WHERE uuid = ?1", [&uuid]).map_err(error)? {
                    0 => Err(StoreError::not_found("module configuration", &uuid)),
                    _ => Ok(()),
                }
            })
            .await
    }
}
