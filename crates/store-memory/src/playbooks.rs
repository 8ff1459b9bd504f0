use async_trait::async_trait;
use riposte_store::{
    NewPlaybook, Page, Paged, PlaybookFilter, PlaybookHead, PlaybookOrder, PlaybookRecord, PlaybookStore, Result,
    RunRecord, StoreError,
};
use serde_json::Value;

use crate::{Data, MemoryStore, conflict, json_weight, page_of};

#[async_trait]
impl PlaybookStore for MemoryStore {
    async fn create_playbook(&self, playbook: &NewPlaybook) -> Result<PlaybookRecord> {
        let mut data = self.lock();
        let first = take_over(&mut data, &playbook.uuid)?;
        let record = PlaybookRecord {
            uuid: playbook.uuid.clone(),
            name: playbook.name.clone(),
            active: false,
            version: first,
            first_version: first,
            definition: playbook.definition.clone(),
            deactivation_reason: None,
            created_at: playbook.now,
            updated_at: playbook.now,
        };
        data.versions.insert((playbook.uuid.clone(), first), playbook.definition.clone());
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

    async fn list_playbooks(&self, filter: &PlaybookFilter, page: Page) -> Result<Paged<PlaybookRecord>> {
        let data = self.lock();
        // Made last first, as the order of last resort.
        let mut all: Vec<&PlaybookRecord> = data.playbooks.values().rev().filter(|p| filter.admits(p)).collect();
        match filter.order {
            PlaybookOrder::Newest => all.sort_by_key(|p| std::cmp::Reverse(p.created_at)),
            PlaybookOrder::Name => all.sort_by_key(|p| p.name.to_ascii_lowercase()),
            PlaybookOrder::Updated => all.sort_by_key(|p| std::cmp::Reverse(p.updated_at)),
        }
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
        Ok(())
    }
}

/// Makes `uuid` free for a new playbook and gives its first version number, as the trait says.
fn take_over(data: &mut Data, uuid: &str) -> Result<i64> {
    if data.playbooks.contains_key(uuid) {
        return Err(conflict(format!("playbook {uuid}")));
    }
    let of_it = |r: &&RunRecord| r.playbook_uuid == uuid;
    let unfinished = data.runs.values().filter(of_it).filter(|r| !r.status.is_final()).count();
    if unfinished > 0 {
        return Err(StoreError::Conflict(format!(
            "{unfinished} runs of the deleted playbook {uuid} are not finished: cancel them, or wait for them to end, \
             before a new playbook takes its UUID"
        )));
    }
    let runs: Vec<String> = data.runs.values().filter(of_it).map(|r| r.uuid.clone()).collect();
    for run in &runs {
        data.runs.shift_remove(run);
        data.journals.remove(run);
        data.outputs.retain(|(of, _), _| of != run);
    }
    let last = data.versions.keys().filter(|(of, _)| of == uuid).map(|(_, v)| *v).max().unwrap_or(0);
    data.versions.retain(|(of, _), _| of != uuid);
    Ok(last + 1)
}

fn now_ms() -> i64 {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
}
