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
/// Bytes of alerts kept at most, whatever their number: large alerts are few.
const CAPACITY_BYTES: usize = 8 * 1024 * 1024;
/// An alert larger than this is not kept: reading it back from the database costs little
/// next to what it holds.
const MAX_ALERT_BYTES: usize = 256 * 1024;

/// An alert as the JSON written to the database, shared with that write: what is kept weighs
/// what the bounds count, where a tree of values would weigh up to 36 times more (a list of
/// small numbers), and an alert is not copied to be kept.
pub(crate) type AlertJson = Arc<str>;

#[derive(Default)]
pub(crate) struct RecentAlerts {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// Each alert's JSON with its short id.
    alerts: HashMap<String, (AlertJson, String)>,
    /// The sum of the JSON's lengths.
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

    /// The JSON of the alert with this UUID or short id, if it was written lately.
    pub(crate) fn get(&self, id: &str) -> Option<AlertJson> {
        let state = self.lock();
        let uuid = state.short_ids.get(id).map(String::as_str).unwrap_or(id);
        state.alerts.get(uuid).map(|(json, _)| json.clone())
    }

    /// `alert`, whose JSON is `json`, as just committed.
    pub(crate) fn remember(&self, uuid: &str, short_id: &str, json: AlertJson) {
        let mut state = self.lock();
        if json.len() > MAX_ALERT_BYTES {
            state.remove(uuid);
            return;
        }
        state.short_ids.insert(short_id.to_string(), uuid.to_string());
        state.bytes += json.len();
        match state.alerts.insert(uuid.to_string(), (json, short_id.to_string())) {
            Some((before, _)) => state.bytes -= before.len(),
            None => state.order.push_back(uuid.to_string()),
        }
        while state.order.len() > CAPACITY || state.bytes > CAPACITY_BYTES {
            let Some(oldest) = state.order.pop_front() else { break };
            state.remove(&oldest);
        }
        if state.order.capacity() > 2 * CAPACITY {
            state.order.shrink_to(CAPACITY);
        }
    }

    /// Remembers `alert`, written as `json`, once its write has committed: for
    /// [`crate::writer::Writer::write_then`], as [`crate::cache::ReadCache::clearer`] is.
    pub(crate) fn rememberer(self: &Arc<Self>, alert: &Alert, json: &AlertJson) -> impl FnOnce(bool) + Send + 'static {
        let (recent, uuid, short_id, json) = (self.clone(), alert.uuid.clone(), alert.short_id.clone(), json.clone());
        move |committed| {
            if committed {
                recent.remember(&uuid, &short_id, json);
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
        if let Some((gone, short_id)) = self.alerts.remove(uuid) {
            self.short_ids.remove(&short_id);
            self.bytes -= gone.len();
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

    /// What the store does once `alert` is written.
    fn written(recent: &RecentAlerts, alert: Alert) {
        let json: AlertJson = serde_json::to_string(&alert).unwrap().into();
        recent.remember(&alert.uuid, &alert.short_id, json);
    }

    fn read(recent: &RecentAlerts, id: &str) -> Option<Alert> {
        recent.get(id).map(|json| serde_json::from_str(&json).unwrap())
    }

    #[test]
    fn answers_by_uuid_or_short_id_until_forgotten() {
        let recent = RecentAlerts::default();
        written(&recent, alert(1));
        assert_eq!(read(&recent, "uuid-1").map(|a| a.short_id), Some("AL1".into()));
        assert_eq!(read(&recent, "AL1").map(|a| a.uuid), Some("uuid-1".into()));
        let mut changed = alert(1);
        changed.title = "changed".into();
        written(&recent, changed);
        assert_eq!(read(&recent, "AL1").map(|a| a.title), Some("changed".into()));
        recent.forget("uuid-1");
        assert!(read(&recent, "uuid-1").is_none() && read(&recent, "AL1").is_none());
    }

    #[test]
    fn keeps_only_the_latest_alerts() {
        let recent = RecentAlerts::default();
        for n in 0..CAPACITY + 10 {
            written(&recent, alert(n));
        }
        assert!(read(&recent, "uuid-9").is_none() && read(&recent, "AL9").is_none(), "the oldest went");
        assert!(read(&recent, "uuid-10").is_some());
        assert!(read(&recent, &format!("AL{}", CAPACITY + 9)).is_some());
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
            written(&recent, large(n));
        }
        let state = recent.lock();
        assert!(
            state.bytes <= CAPACITY_BYTES && state.alerts.len() < 45,
            "{} alerts, {} bytes",
            state.alerts.len(),
            state.bytes
        );
        drop(state);
        assert!(read(&recent, "uuid-99").is_some() && read(&recent, "uuid-0").is_none());
        let mut huge = alert(100);
        huge.title = "x".repeat(MAX_ALERT_BYTES);
        written(&recent, huge);
        assert!(read(&recent, "uuid-100").is_none(), "too large to keep");
    }
}
