//! Answers to hot reads, kept in memory until the tables they come from are written.
//!
//! Sound because one process owns the database file (see [`crate::lock`]): every write that
//! could change an answer goes through this store and clears the cache.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

pub(crate) struct ReadCache<K, V> {
    state: Mutex<State<K, V>>,
}

struct State<K, V> {
    /// Bumped by every write: an answer read before a write is not kept after it.
    generation: u64,
    entries: HashMap<K, V>,
}

impl<K: Eq + Hash, V: Clone> ReadCache<K, V> {
    pub(crate) fn new() -> Self {
        ReadCache { state: Mutex::new(State { generation: 0, entries: HashMap::new() }) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State<K, V>> {
        self.state.lock().expect("read cache lock")
    }

    /// The kept answer for `key`, or the generation to hand to [`ReadCache::keep`] after
    /// reading it from the database.
    pub(crate) fn get(&self, key: &K) -> Result<V, u64> {
        let state = self.lock();
        state.entries.get(key).cloned().ok_or(state.generation)
    }

    /// Keeps an answer read at `generation`, unless a write came since.
    pub(crate) fn keep(&self, key: K, generation: u64, value: V) {
        let mut state = self.lock();
        if state.generation == generation {
            state.entries.insert(key, value);
        }
    }

    /// A write may have changed any answer.
    pub(crate) fn clear(&self) {
        let mut state = self.lock();
        state.generation += 1;
        state.entries.clear();
    }
}

impl<K: Eq + Hash + Send + 'static, V: Clone + Send + 'static> ReadCache<K, V> {
    /// Clears the cache when called: for [`crate::writer::Writer::write_then`], so that the
    /// cache is cleared after the write has committed, not before.
    pub(crate) fn clearer(self: &Arc<Self>) -> impl FnOnce(bool) + Send + 'static {
        let cache = self.clone();
        move |_| cache.clear()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_read_before_a_write_is_not_kept() {
        let cache = ReadCache::<&str, i32>::new();
        let generation = cache.get(&"k").unwrap_err();
        cache.clear();
        cache.keep("k", generation, 1);
        assert!(cache.get(&"k").is_err(), "stale answer kept");
        let generation = cache.get(&"k").unwrap_err();
        cache.keep("k", generation, 2);
        assert_eq!(cache.get(&"k"), Ok(2));
        cache.clear();
        assert!(cache.get(&"k").is_err());
    }
}
