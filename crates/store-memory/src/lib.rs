//! Every store trait over plain maps under one lock: each call is one critical section, so
//! the writes that go together (an alert and its runs) are atomic by construction. Nothing
//! survives the process. It passes the same conformance suite as the SQLite backend, which
//! makes it the model of what a backend must do, and fast enough for tests that need a store
//! but not a file.

mod alerts;
mod intakes;
mod keys;
mod playbooks;
mod retention;
mod runs;

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use indexmap::IndexMap;
use riposte_model::{Alert, AlertComment};
use riposte_store::{
    ApiKey, IntakeEvent, IntakeRecord, ModuleConfiguration, Page, PlaybookRecord, RunRecord, StoreError,
};
use serde::Serialize;
use serde_json::Value;

/// A store in memory. Cheap to make: one per test.
#[derive(Default)]
pub struct MemoryStore {
    data: Mutex<Data>,
}

impl MemoryStore {
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    fn lock(&self) -> MutexGuard<'_, Data> {
        // A panic in another test's call leaves plain data behind, still consistent: each call
        // checks before it changes anything.
        self.data.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Everything stored, in the order it was inserted (the order lists fall back on).
#[derive(Default)]
struct Data {
    alerts: IndexMap<String, Alert>,
    /// Alert UUIDs by short id.
    short_ids: HashMap<String, String>,
    comments: HashMap<String, Vec<AlertComment>>,
    playbooks: IndexMap<String, PlaybookRecord>,
    versions: HashMap<(String, i64), Value>,
    runs: IndexMap<String, RunRecord>,
    journals: HashMap<String, Vec<Value>>,
    outputs: HashMap<(String, String), Value>,
    configurations: IndexMap<String, ModuleConfiguration>,
    api_keys: IndexMap<String, ApiKey>,
    /// By token hash, in the order they were opened.
    sessions: IndexMap<String, riposte_store::SessionRecord>,
    intakes: IndexMap<String, IntakeRecord>,
    events: HashMap<String, Vec<IntakeEvent>>,
    /// By intake, then by key: in key order, as a page lists them.
    assets: HashMap<String, std::collections::BTreeMap<String, riposte_store::AssetRecord>>,
}

/// What `item` weighs: its size as JSON.
fn json_weight(item: &impl Serialize) -> u64 {
    serde_json::to_vec(item).map(|bytes| bytes.len() as u64).unwrap_or(0)
}

/// The page of `items` `page` asks for: after `offset`, at most `limit` items, and no more
/// once they weigh `max_bytes` by `weigh` (one item at least).
fn page_of<'a, T: Clone + 'a>(items: impl Iterator<Item = &'a T>, page: Page, weigh: impl Fn(&T) -> u64) -> Vec<T> {
    let mut taken = Vec::new();
    let mut bytes = 0u64;
    for item in items.skip(usize::try_from(page.offset).unwrap_or(usize::MAX)) {
        if taken.len() as u64 >= page.limit {
            break;
        }
        bytes = bytes.saturating_add(weigh(item));
        if !taken.is_empty() && bytes > page.max_bytes {
            break;
        }
        taken.push(item.clone());
    }
    taken
}

fn conflict(what: impl std::fmt::Display) -> StoreError {
    StoreError::Conflict(format!("{what} exists already"))
}
