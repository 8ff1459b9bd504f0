use async_trait::async_trait;
use riposte_store::{NewPlaybook, Page, Paged, PlaybookHead, PlaybookRecord, PlaybookStore, Result, StoreError};
use serde_json::Value;

use crate::{MemoryStore, conflict, json_weight, page_of};

#[async_trait]
impl PlaybookStore for MemoryStore {
    async fn create_playbook(&self, playbook: &NewPlaybook) -> Result<PlaybookRecord> {
        let mut data = self.lock();
        if data.playbooks.contains_key(&playbook.uuid) {
            return Err(conflict(format!("playbook {}", playbook.uuid)));
        }
        let record = PlaybookRecord {
            uuid: playbook.uuid.clone(),
            name: playbook.name.clone(),
            active: false,
            version: 1,
            definition: playbook.definition.clone(),
            deactivation_reason: None,
            created_at: playbook.now,
            updated_at: playbook.now,
        };
        data.versions.insert((playbook.uuid.clone(), 1), playbook.definition.clone());
        data.playbooks.insert(playbook.uuid.clone(), record.clone());
        Ok(record)
    }

    async fn save_version(
        &self,
        uuid: &str,
        definition: &Value,
        name: &str,
        expected: Option<i64>,
    ) -> Result<PlaybookRecord> {
        let mut data = self.lock();
        let record = data.playbooks.get_mut(uuid).ok_or_else(|| StoreError::not_found("playbook", uuid))?;
        if let Some(conflict) = riposte_store::moved_since(record.version, expected) {
            return Err(conflict);
        }
        record.version += 1;
        record.name = name.to_string();
        record.definition = definition.clone();
        record.updated_at = now_ms();
        let record = record.clone();
        data.versions.insert((uuid.to_string(), record.version), definition.clone());
        Ok(record)
    }

    async fn get_playbook(&self, uuid: &str) -> Result<Option<PlaybookRecord>> {
        Ok(self.lock().playbooks.get(uuid).cloned())
    }

    async fn get_version(&self, uuid: &str, version: i64) -> Result<Option<Value>> {
        Ok(self.lock().versions.get(&(uuid.to_string(), version)).cloned())
    }

    async fn list_playbooks(&self, page: Page) -> Result<Paged<PlaybookRecord>> {
        let data = self.lock();
        let mut all: Vec<&PlaybookRecord> = data.playbooks.values().rev().collect();
        all.sort_by_key(|p| std::cmp::Reverse(p.created_at));
        Ok(Paged { total: all.len() as u64, items: page_of(all.into_iter(), page, json_weight) })
    }

    async fn active_playbooks(&self) -> Result<Vec<PlaybookRecord>> {
        let data = self.lock();
        let mut active: Vec<PlaybookRecord> = data.playbooks.values().filter(|p| p.active).cloned().collect();
        active.sort_by_key(|p| p.created_at);
        Ok(active)
    }

    async fn active_playbook_heads(&self) -> Result<Vec<PlaybookHead>> {
        let heads = self.active_playbooks().await?.into_iter();
        Ok(heads.map(|p| PlaybookHead { uuid: p.uuid, version: p.version, updated_at: p.updated_at }).collect())
    }

    async fn set_active(&self, uuid: &str, active: bool, reason: Option<&str>) -> Result<PlaybookRecord> {
        let mut data = self.lock();
        let record = data.playbooks.get_mut(uuid).ok_or_else(|| StoreError::not_found("playbook", uuid))?;
        record.active = active;
        record.deactivation_reason = reason.map(str::to_string);
        record.updated_at = now_ms();
        Ok(record.clone())
    }

    async fn delete_playbook(&self, uuid: &str) -> Result<()> {
        let mut data = self.lock();
        data.playbooks.shift_remove(uuid).ok_or_else(|| StoreError::not_found("playbook", uuid))?;
        data.versions.retain(|(playbook, _), _| playbook != uuid);
        Ok(())
    }
}

fn now_ms() -> i64 {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
}
