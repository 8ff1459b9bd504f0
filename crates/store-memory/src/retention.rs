use async_trait::async_trait;
use riposte_store::{Pruned, Result, RetentionStore, Storage};

use crate::runs::finished;
use crate::{Data, MemoryStore, json_weight};

#[async_trait]
impl RetentionStore for MemoryStore {
    async fn prune(&self, before_ms: i64, batch: usize) -> Result<Pruned> {
        let mut data = self.lock();
        Ok(Pruned {
            runs: prune_runs(&mut data, before_ms, batch),
            alerts: prune_alerts(&mut data, before_ms, batch),
            events: prune_events(&mut data, before_ms, batch),
        })
    }

    async fn oldest_record_ms(&self) -> Result<Option<i64>> {
        let data = self.lock();
        let runs = data.runs.values().filter(|r| finished(r.status)).map(|r| r.created_at);
        // Alerts are dated in seconds, as Sekoia dates them.
        let alerts = data.alerts.values().map(|a| a.created_at.saturating_mul(1000));
        let events = data.events.values().flatten().map(|e| e.received_at);
        Ok(runs.chain(alerts).chain(events).min())
    }

    async fn storage(&self) -> Result<Storage> {
        let data = self.lock();
        let used = data.alerts.values().map(json_weight).sum::<u64>()
            + data.runs.values().map(json_weight).sum::<u64>()
            + data.journals.values().flatten().map(json_weight).sum::<u64>()
            + data.outputs.values().map(json_weight).sum::<u64>()
            + data.events.values().flatten().map(|e| e.message.len() as u64).sum::<u64>();
        Ok(Storage { used_bytes: used, file_bytes: used })
    }

    /// Memory goes back as soon as a record goes: nothing is left to give.
    async fn reclaim_space(&self) -> Result<u64> {
        Ok(0)
    }
}

fn prune_runs(data: &mut Data, before_ms: i64, batch: usize) -> usize {
    let old: Vec<String> = data
        .runs
        .values()
        .filter(|r| finished(r.status) && r.created_at < before_ms)
        .take(batch)
        .map(|r| r.uuid.clone())
        .collect();
    for uuid in &old {
        data.runs.shift_remove(uuid);
        data.journals.remove(uuid);
        data.outputs.retain(|(run, _), _| run != uuid);
    }
    old.len()
}

fn prune_alerts(data: &mut Data, before_ms: i64, batch: usize) -> usize {
    let cutoff = before_ms.div_euclid(1000);
    let old: Vec<String> =
        data.alerts.values().filter(|a| a.created_at < cutoff).take(batch).map(|a| a.uuid.clone()).collect();
    for uuid in &old {
        if let Some(alert) = data.alerts.shift_remove(uuid) {
            data.short_ids.remove(&alert.short_id);
        }
        data.comments.remove(uuid);
    }
    old.len()
}

fn prune_events(data: &mut Data, before_ms: i64, batch: usize) -> usize {
    let mut deleted = 0;
    for events in data.events.values_mut() {
        let mut left = batch - deleted;
        events.retain(|e| {
            let delete = left > 0 && e.received_at < before_ms;
            left -= usize::from(delete);
            !delete
        });
        deleted = batch - left;
        if deleted == batch {
            break;
        }
    }
    deleted
}
