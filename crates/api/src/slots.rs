//! Each key's share of what the server runs a few of at once (test runs, run streams): one key
//! taking them all would shut every other user out.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::http::StatusCode;

use crate::error::ApiError;

/// Test runs one key may have going at once, of `riposte_services::MAX_TEST_RUNS` in all.
pub const TEST_RUNS_PER_KEY: usize = 2;
/// Run streams one key may have open at once, of `run_events::MAX_RUN_STREAMS` in all.
pub const RUN_STREAMS_PER_KEY: usize = 16;

/// The shares of the limited resources, by key.
#[derive(Debug)]
pub struct Shares {
    pub test_runs: KeySlots,
    pub run_streams: KeySlots,
}

impl Default for Shares {
    fn default() -> Self {
        Shares {
            test_runs: KeySlots::new("test runs", TEST_RUNS_PER_KEY),
            run_streams: KeySlots::new("run streams", RUN_STREAMS_PER_KEY),
        }
    }
}

/// How many of one resource each key holds; a key holds at most `per_key`.
#[derive(Debug, Clone)]
pub struct KeySlots {
    what: &'static str,
    per_key: usize,
    held: Arc<Mutex<HashMap<Arc<str>, usize>>>,
}

/// One slot, given back when dropped.
#[derive(Debug)]
pub struct KeySlot {
    slots: KeySlots,
    key: Arc<str>,
}

impl KeySlots {
    pub fn new(what: &'static str, per_key: usize) -> Self {
        KeySlots { what, per_key, held: Arc::default() }
    }

    /// A slot for `key`, or 429 when it holds its share already.
    pub fn take(&self, key: &Arc<str>) -> Result<KeySlot, ApiError> {
        let mut held = self.held.lock().expect("key slots lock");
        let count = held.entry(key.clone()).or_default();
        if *count >= self.per_key {
            return Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                format!("this key has {} {} going, the most one key may have at once", self.per_key, self.what),
            ));
        }
        *count += 1;
        Ok(KeySlot { slots: self.clone(), key: key.clone() })
    }
}

impl Drop for KeySlot {
    fn drop(&mut self) {
        let mut held = self.slots.held.lock().expect("key slots lock");
        if let Some(count) = held.get_mut(&self.key) {
            *count -= 1;
            if *count == 0 {
                held.remove(&self.key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_holds_its_share_and_gives_it_back() {
        let slots = KeySlots::new("test runs", 2);
        let (one, other): (Arc<str>, Arc<str>) = ("one".into(), "other".into());
        let first = slots.take(&one).unwrap();
        let _second = slots.take(&one).unwrap();
        assert_eq!(slots.take(&one).unwrap_err().status, StatusCode::TOO_MANY_REQUESTS);
        let _theirs = slots.take(&other).unwrap();
        drop(first);
        let _again = slots.take(&one).unwrap();
        drop(_again);
        drop(_second);
        assert!(!slots.held.lock().unwrap().contains_key(&one), "memory comes back");
    }
}
