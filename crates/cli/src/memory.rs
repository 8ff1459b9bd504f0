//! Giving memory back to the system after a spike.
//!
//! mimalloc returns freed pages to the system a second after they were freed, but only when the
//! allocator is next called, and the pages a thread freed go back to the shared arena only when
//! that thread next collects: a server that goes quiet after a spike kept its peak resident. So
//! each runtime thread collects when it goes idle (at most once a second), and one more thread
//! asks for the expired purges every second.

use std::cell::Cell;
use std::sync::Once;
use std::time::{Duration, Instant};

const PERIOD: Duration = Duration::from_secs(1);

/// A multi-thread runtime whose threads collect their freed memory when they go idle.
pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    give_back_freed_memory();
    tokio::runtime::Builder::new_multi_thread().enable_all().on_thread_park(collect_if_due).build()
}

/// Collects this thread's freed pages, unless it did less than [`PERIOD`] ago.
fn collect_if_due() {
    thread_local! {
        static LAST: Cell<Option<Instant>> = const { Cell::new(None) };
    }
    LAST.with(|last| {
        let now = Instant::now();
        if last.get().is_none_or(|at| now.duration_since(at) >= PERIOD) {
            last.set(Some(now));
            collect();
        }
    });
}

fn collect() {
    // SAFETY: mi_collect only walks mimalloc's own structures for the calling thread (and the
    // shared arenas); `false` asks for what is cheap, not a full collection.
    #[allow(unsafe_code)]
    unsafe {
        libmimalloc_sys::mi_collect(false)
    };
}

/// Starts the thread that asks for expired purges, once per process.
pub fn give_back_freed_memory() {
    static STARTED: Once = Once::new();
    STARTED.call_once(|| {
        let spawned = std::thread::Builder::new().name("riposte-memory".into()).spawn(|| {
            loop {
                // A thread of its own, not the runtime's.
                #[allow(clippy::disallowed_methods)]
                std::thread::sleep(PERIOD);
                collect();
            }
        });
        if let Err(err) = spawned {
            tracing::warn!(%err, "cannot start the thread that gives freed memory back");
        }
    });
}
