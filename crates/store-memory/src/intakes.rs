use async_trait::async_trait;
use riposte_store::{AssetRecord, IntakeEvent, IntakeRecord, IntakeStore, NewAsset, Page, Paged, Result, StoreError};

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
        data.assets.remove(uuid);
        Ok(())
    }

    async fn insert_intake_events(&self, events: Vec<IntakeEvent>) -> Result<()> {
        let mut data = self.lock();
        if let Some(orphan) = events.iter().find(|e| !data.intakes.contains_key(&e.intake_uuid)) {
            return Err(StoreError::not_found("intake", &orphan.intake_uuid));
        }
        for event in events {
            data.events.entry(event.intake_uuid.clone()).or_default().push(event);
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

    async fn upsert_assets(&self, intake_uuid: &str, assets: &[NewAsset], now: i64, max_assets: u64) -> Result<()> {
        let mut data = self.lock();
        if !data.intakes.contains_key(intake_uuid) {
            return Err(StoreError::not_found("intake", intake_uuid));
        }
        let mut kept = data.assets.get(intake_uuid).cloned().unwrap_or_default();
        for new in assets {
            let first_seen = kept.get(&new.key).map_or(now, |old| old.first_seen);
            let record = AssetRecord {
                intake_uuid: intake_uuid.to_string(),
                key: new.key.clone(),
                class_uid: new.class_uid,
                asset: new.asset.clone(),
                first_seen,
                last_seen: now,
            };
            kept.insert(new.key.clone(), record);
        }
        if kept.len() as u64 > max_assets {
            return Err(StoreError::Full(format!("intake {intake_uuid} keeps at most {max_assets} assets")));
        }
        data.assets.insert(intake_uuid.to_string(), kept);
        Ok(())
    }

    async fn list_assets(&self, intake_uuid: &str, page: Page) -> Result<Paged<AssetRecord>> {
        let data = self.lock();
        let assets: Vec<&AssetRecord> = data.assets.get(intake_uuid).map(|a| a.values().collect()).unwrap_or_default();
        let total = assets.len() as u64;
        Ok(Paged { total, items: page_of(assets.into_iter(), page, |a| a.asset.to_string().len() as u64) })
    }
}
