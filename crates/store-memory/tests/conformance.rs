//! The memory store passes the conformance suite every backend passes.

fn fresh() -> ((), riposte_store_memory::MemoryStore) {
    ((), riposte_store_memory::MemoryStore::new())
}

mod conformance {
    riposte_store::conformance_tests!(super::fresh);
}
