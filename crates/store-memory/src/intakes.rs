use async_trait::async_trait;
use riposte_store::{IntakeEvent, IntakeRecord, IntakeStore, Page, Paged, Result, StoreError};

use crate::{MemoryStore, conflict, page_of};

#[async_trait]
impl IntakeStore for MemoryStore {
    async fn insert_intake(&self, intake: &IntakeRecord) -> Result<()> {
        let mut data = self.lock();
        let taken = data.intakes.values().any(|i| i.intake_key == intake.intake_key);
        if data.intakes.contains_key(&intake.uuid) || taken {
            return Err(conflict(format!("intake {} or its key", intake.uuid)));
        }
        data.intakes.insert(intake.uuid.clone(), intake.clone());
        Ok(())
    }

    async fn get_intake(&self, uuid: &str) -> Result<Option<IntakeRecord>> {
        Ok(self.lock().intakes.get(uuid).cloned())
    }

    async fn find_intake_by_key(&self, intake_key: &str) -> Result<Option<IntakeRecord>> {
        Ok(self.lock().intakes.values().find(|i| i.intake_key == intake_key).cloned())
    }

    async fn list_intakes(&self) -> Result<Vec<IntakeRecord>> {
        Ok(self.lock().intakes.values().cloned().collect())
    }

    async fn delete_intake(&self, uuid: &str) -> Result<()> {
        let mut data = self.lock();
        data.intakes.shift_remove(uuid).ok_or_else(|| StoreError::not_found("intake", uuid))?;
        data.events.remove(uuid);
        Ok(())
    }

    async fn insert_intake_events(&self, events: &[IntakeEvent]) -> Result<()> {
        let mut data = self.lock();
        if let Some(orphan) = events.iter().find(|e| !data.intakes.contains_key(&e.intake_uuid)) {
            return Err(StoreError::not_found("intake", &orphan.intake_uuid));
        }
        for event in events {
            data.events.entry(event.intake_uuid.clone()).or_default().push(event.clone());
        }
        Ok(())
    }

    async fn list_intake_events(&self, intake_uuid: &str, page: Page) -> Result<Paged<IntakeEvent>> {
        let data = self.lock();
        let mut events: Vec<&IntakeEvent> =
            data.events.get(intake_uuid).map(|e| e.iter().collect()).unwrap_or_default();
        events.sort_by_key(|e| e.received_at);
        Ok(Paged { total: events.len() as u64, items: page_of(events.into_iter(), page, |e| e.message.len() as u64) })
    }
}
