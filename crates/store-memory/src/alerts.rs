use async_trait::async_trait;
use riposte_model::{Alert, AlertComment};
use riposte_store::{AlertFilter, AlertStore, NewRun, Page, Paged, Result, StoreError};

use crate::runs::insert_runs;
use crate::{Data, MemoryStore, conflict, json_weight, page_of};

#[async_trait]
impl AlertStore for MemoryStore {
    async fn insert_alert(&self, alert: &Alert, runs: &[NewRun]) -> Result<()> {
        let mut data = self.lock();
        if data.alerts.contains_key(&alert.uuid) || data.short_ids.contains_key(&alert.short_id) {
            return Err(conflict(format!("alert {}", alert.uuid)));
        }
        insert_runs(&mut data, runs)?;
        data.short_ids.insert(alert.short_id.clone(), alert.uuid.clone());
        data.alerts.insert(alert.uuid.clone(), alert.clone());
        Ok(())
    }

    async fn update_alert(&self, alert: &Alert, runs: &[NewRun]) -> Result<()> {
        let mut data = self.lock();
        if !data.alerts.contains_key(&alert.uuid) {
            return Err(StoreError::not_found("alert", &alert.uuid));
        }
        insert_runs(&mut data, runs)?;
        data.alerts.insert(alert.uuid.clone(), alert.clone());
        Ok(())
    }

    async fn get_alert(&self, id: &str) -> Result<Option<Alert>> {
        let data = self.lock();
        Ok(find(&data, id).cloned())
    }

    async fn list_alerts(&self, filter: &AlertFilter, page: Page) -> Result<Paged<Alert>> {
        let data = self.lock();
        let mut matching: Vec<&Alert> = data.alerts.values().filter(|a| matches(filter, a)).collect();
        // Newest first; of two alerts of the same second, the later inserted.
        matching.reverse();
        matching.sort_by_key(|a| std::cmp::Reverse(a.created_at));
        Ok(Paged { total: matching.len() as u64, items: page_of(matching.into_iter(), page, json_weight) })
    }

    async fn add_comment(&self, comment: &AlertComment, runs: &[NewRun]) -> Result<()> {
        let mut data = self.lock();
        if !data.alerts.contains_key(&comment.alert_uuid) {
            return Err(StoreError::not_found("alert", &comment.alert_uuid));
        }
        insert_runs(&mut data, runs)?;
        if let Some(alert) = data.alerts.get_mut(&comment.alert_uuid) {
            alert.number_of_total_comments += 1;
        }
        data.comments.entry(comment.alert_uuid.clone()).or_default().push(comment.clone());
        Ok(())
    }

    async fn list_comments(&self, alert_uuid: &str) -> Result<Vec<AlertComment>> {
        Ok(self.lock().comments.get(alert_uuid).cloned().unwrap_or_default())
    }
}

/// By UUID or short id.
fn find<'a>(data: &'a Data, id: &str) -> Option<&'a Alert> {
    data.alerts.get(id).or_else(|| data.alerts.get(data.short_ids.get(id)?))
}

fn matches(filter: &AlertFilter, alert: &Alert) -> bool {
    filter.status_uuid.as_ref().is_none_or(|s| *s == alert.status.uuid)
        && filter.rule_uuid.as_ref().is_none_or(|r| *r == alert.rule.uuid)
        && filter.rule_name.as_ref().is_none_or(|r| *r == alert.rule.name)
        && filter.created_from.is_none_or(|from| alert.created_at >= from)
        && filter.created_to.is_none_or(|to| alert.created_at <= to)
}
