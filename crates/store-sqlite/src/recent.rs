//! Alerts written lately, answered from memory.
//!
//! A playbook that an alert starts usually reads that alert back within milliseconds (Sekoia's
//! `Get Alert` right after `Alert Created`). Sound for the reason [`crate::cache`] is: this
//! process owns the database, and each alert write goes through it and updates this after its
//! commit, in commit order, on the writer thread.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use riposte_model::{Alert, json_len};

/// Alerts kept: at 5,000 alerts a second, the last 0.2 s of them (about 2 MB). A run starts
/// within milliseconds of its alert unless runs queue up; then Get Alert reads the database.
const CAPACITY: usize = 1024;
/// Bytes of alerts kept at most (as JSON), whatever their number: large alerts are few.
const CAPACITY_BYTES: usize = 8 * 1024 * 1024;
/// An alert larger than this is not kept: reading it back from the database costs little
/// next to what it holds.
const MAX_ALERT_BYTES: usize = 256 * 1024;

#[derive(Default)]
pub(crate) struct RecentAlerts {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// Each alert with its size as JSON.
    alerts: HashMap<String, (Alert, usize)>,
    /// The sum of the sizes.
    bytes: usize,
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
        state.alerts.get(uuid).map(|(alert, _)| alert.clone())
    }

    /// `alert` as just committed.
    pub(crate) fn remember(&self, alert: Alert) {
        let weight = json_len(&alert);
        let uuid = alert.uuid.clone();
        let mut state = self.lock();
        if weight > MAX_ALERT_BYTES {
            state.remove(&uuid);
            return;
        }
        state.short_ids.insert(alert.short_id.clone(), uuid.clone());
        state.bytes += weight;
        match state.alerts.insert(uuid.clone(), (alert, weight)) {
            Some((_, before)) => state.bytes -= before,
            None => state.order.push_back(uuid),
        }
        while state.order.len() > CAPACITY || state.bytes > CAPACITY_BYTES {
            let Some(oldest) = state.order.pop_front() else { break };
            state.remove(&oldest);
        }
        if state.order.capacity() > 2 * CAPACITY {
            state.order.shrink_to(CAPACITY);
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
        self.lock().remove(uuid);
    }
}

impl State {
    /// Takes the alert out of the maps (its UUID may stay in `order`, and is skipped there).
    fn remove(&mut self, uuid: &str) {
        if let Some((gone, weight)) = self.alerts.remove(uuid) {
            self.short_ids.remove(&gone.short_id);
            self.bytes -= weight;
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

    #[test]
    fn keeps_alerts_up_to_a_size() {
        let recent = RecentAlerts::default();
        let large = |n: usize| {
            let mut alert = alert(n);
            alert.title = "x".repeat(200 * 1024);
            alert
        };
        for n in 0..100 {
            recent.remember(large(n));
        }
        let state = recent.lock();
        assert!(
            state.bytes <= CAPACITY_BYTES && state.alerts.len() < 45,
            "{} alerts, {} bytes",
            state.alerts.len(),
            state.bytes
        );
        drop(state);
        assert!(recent.get("uuid-99").is_some() && recent.get("uuid-0").is_none());
        let mut huge = alert(100);
        huge.title = "x".repeat(MAX_ALERT_BYTES);
        recent.remember(huge);
        assert!(recent.get("uuid-100").is_none(), "too large to keep");
    }
}
