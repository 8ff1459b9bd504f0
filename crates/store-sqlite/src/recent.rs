//! Alerts written lately, answered from memory.
//!
//! A playbook that an alert starts usually reads that alert back within milliseconds (Sekoia's
//! `Get Alert` right after `Alert Created`). Sound for the reason [`crate::cache`] is: this
//! process owns the database, and each alert write goes through it and updates this after its
//! commit, in commit order, on the writer thread.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use riposte_model::Alert;

/// Alerts kept: at 5,000 alerts a second, the last 0.2 s of them (about 2 MB). A run starts
/// within milliseconds of its alert unless runs queue up; then Get Alert reads the database.
const CAPACITY: usize = 1024;

#[derive(Default)]
pub(crate) struct RecentAlerts {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    alerts: HashMap<String, Alert>,
    /// Short id to UUID.
    short_ids: HashMap<String, String>,
    /// UUIDs, oldest first: the first to go when full.
    order: VecDeque<String>,
}

impl RecentAlerts {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().expect("recent alerts lock")
    }

    /// The alert with this UUID or short id, if it was written lately.
    pub(crate) fn get(&self, id: &str) -> Option<Alert> {
        let state = self.lock();
        let uuid = state.short_ids.get(id).map(String::as_str).unwrap_or(id);
        state.alerts.get(uuid).cloned()
    }

    /// `alert` as just committed.
    pub(crate) fn remember(&self, alert: Alert) {
        let uuid = alert.uuid.clone();
        let mut state = self.lock();
        state.short_ids.insert(alert.short_id.clone(), uuid.clone());
        if state.alerts.insert(uuid.clone(), alert).is_none() {
            state.order.push_back(uuid);
        }
        while state.order.len() > CAPACITY {
            let Some(oldest) = state.order.pop_front() else { break };
            if let Some(gone) = state.alerts.remove(&oldest) {
                state.short_ids.remove(&gone.short_id);
            }
        }
    }

    /// Remembers `alert` once its write has committed: for
    /// [`crate::writer::Writer::write_then`], as [`crate::cache::ReadCache::clearer`] is.
    pub(crate) fn rememberer(self: &Arc<Self>, alert: &Alert) -> impl FnOnce(bool) + Send + 'static {
        let (recent, alert) = (self.clone(), alert.clone());
        move |committed| {
            if committed {
                recent.remember(alert);
            }
        }
    }

    /// The alert is about to change in a way only the database knows.
    pub(crate) fn forget(&self, uuid: &str) {
        let mut state = self.lock();
        if let Some(gone) = state.alerts.remove(uuid) {
            state.short_ids.remove(&gone.short_id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert(n: usize) -> Alert {
        let mut alert = riposte_store::conformance::sample_alert(n as u32, "rule");
        alert.uuid = format!("uuid-{n}");
        alert.short_id = format!("AL{n}");
        alert
    }

    #[test]
    fn answers_by_uuid_or_short_id_until_forgotten() {
        let recent = RecentAlerts::default();
        recent.remember(alert(1));
        assert_eq!(recent.get("uuid-1").map(|a| a.short_id), Some("AL1".into()));
        assert_eq!(recent.get("AL1").map(|a| a.uuid), Some("uuid-1".into()));
        let mut changed = alert(1);
        changed.title = "changed".into();
        recent.remember(changed);
        assert_eq!(recent.get("AL1").map(|a| a.title), Some("changed".into()));
        recent.forget("uuid-1");
        assert!(recent.get("uuid-1").is_none() && recent.get("AL1").is_none());
    }

    #[test]
    fn keeps_only_the_latest_alerts() {
        let recent = RecentAlerts::default();
        for n in 0..CAPACITY + 10 {
            recent.remember(alert(n));
        }
        assert!(recent.get("uuid-9").is_none() && recent.get("AL9").is_none(), "the oldest went");
        assert!(recent.get("uuid-10").is_some());
        assert!(recent.get(&format!("AL{}", CAPACITY + 9)).is_some());
        let state = recent.lock();
        assert_eq!((state.alerts.len(), state.short_ids.len(), state.order.len()), (CAPACITY, CAPACITY, CAPACITY));
    }
}
