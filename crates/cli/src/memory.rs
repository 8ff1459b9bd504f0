//! Giving memory back to the system after a spike.
//!
//! mimalloc returns freed pages to the system a second after they were freed, but only when the
//! allocator is next called: a server that goes quiet after a spike would keep its peak resident.
//! A thread asks it to catch up every second.

use std::sync::Once;
use std::time::Duration;

const PERIOD: Duration = Duration::from_secs(1);

/// Starts the thread, once per process.
pub fn give_back_freed_memory() {
    static STARTED: Once = Once::new();
    STARTED.call_once(|| {
        let spawned = std::thread::Builder::new().name("riposte-memory".into()).spawn(|| {
            loop {
                std::thread::sleep(PERIOD);
                // SAFETY: mi_collect only walks mimalloc's own structures; `false` asks for what is
                // cheap (expired purges), not a full collection.
                unsafe { libmimalloc_sys::mi_collect(false) };
            }
        });
        if let Err(err) = spawned {
            tracing::warn!(%err, "cannot start the thread that gives freed memory back");
        }
    });
}
