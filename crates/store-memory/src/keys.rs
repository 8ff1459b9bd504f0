//! Module configurations and API keys: records kept whole, found by UUID (keys by hash too).

use async_trait::async_trait;
use riposte_store::{ApiKey, ApiKeyStore, ConfigurationStore, ModuleConfiguration, Result, SessionRecord, StoreError};

use crate::{MemoryStore, conflict};

#[async_trait]
impl ConfigurationStore for MemoryStore {
    async fn insert_configuration(&self, configuration: &ModuleConfiguration) -> Result<()> {
        let mut data = self.lock();
        if data.configurations.contains_key(&configuration.uuid) {
            return Err(conflict(format!("module configuration {}", configuration.uuid)));
        }
        data.configurations.insert(configuration.uuid.clone(), configuration.clone());
        Ok(())
    }

    async fn update_configuration(&self, configuration: &ModuleConfiguration) -> Result<()> {
        let mut data = self.lock();
        let stored = data
            .configurations
            .get_mut(&configuration.uuid)
            .ok_or_else(|| StoreError::not_found("module configuration", &configuration.uuid))?;
        *stored = configuration.clone();
        Ok(())
    }

    async fn get_configuration(&self, uuid: &str) -> Result<Option<ModuleConfiguration>> {
        Ok(self.lock().configurations.get(uuid).cloned())
    }

    async fn list_configurations(&self, module_uuid: Option<&str>) -> Result<Vec<ModuleConfiguration>> {
        let data = self.lock();
        let of_module = |c: &&ModuleConfiguration| module_uuid.is_none_or(|m| c.module_uuid == m);
        Ok(data.configurations.values().filter(of_module).cloned().collect())
    }

    async fn delete_configuration(&self, uuid: &str) -> Result<()> {
        let removed = self.lock().configurations.shift_remove(uuid);
        removed.map(drop).ok_or_else(|| StoreError::not_found("module configuration", uuid))
    }
}

#[async_trait]
impl ApiKeyStore for MemoryStore {
    async fn insert_api_key(&self, key: &ApiKey) -> Result<()> {
        let mut data = self.lock();
        if data.api_keys.contains_key(&key.uuid) || data.api_keys.values().any(|k| k.key_hash == key.key_hash) {
            return Err(conflict(format!("API key {}", key.uuid)));
        }
        data.api_keys.insert(key.uuid.clone(), key.clone());
        Ok(())
    }

    async fn find_api_key(&self, key_hash: &str) -> Result<Option<ApiKey>> {
        Ok(self.lock().api_keys.values().find(|k| k.key_hash == key_hash).cloned())
    }

    async fn list_api_keys(&self) -> Result<Vec<ApiKey>> {
        Ok(self.lock().api_keys.values().cloned().collect())
    }

    async fn delete_api_key(&self, uuid: &str) -> Result<()> {
        let mut data = self.lock();
        let removed = data.api_keys.shift_remove(uuid).ok_or_else(|| StoreError::not_found("API key", uuid))?;
        data.sessions.retain(|_, s| s.key_hash != removed.key_hash);
        Ok(())
    }

    async fn insert_session(&self, session: &SessionRecord, max_per_key: usize) -> Result<()> {
        let mut data = self.lock();
        data.sessions.retain(|_, s| s.expires_at > session.created_at);
        data.sessions.insert(session.token_hash.clone(), session.clone());
        let mut of_key: Vec<(i64, usize, String)> = data
            .sessions
            .values()
            .enumerate()
            .filter(|(_, s)| s.key_hash == session.key_hash)
            .map(|(order, s)| (s.created_at, order, s.token_hash.clone()))
            .collect();
        of_key.sort();
        let excess = of_key.len().saturating_sub(max_per_key);
        for (_, _, token_hash) in of_key.into_iter().take(excess) {
            data.sessions.shift_remove(&token_hash);
        }
        Ok(())
    }

    async fn find_session(&self, token_hash: &str) -> Result<Option<SessionRecord>> {
        Ok(self.lock().sessions.get(token_hash).cloned())
    }

    async fn delete_session(&self, token_hash: &str) -> Result<()> {
        self.lock().sessions.shift_remove(token_hash);
        Ok(())
    }
}
