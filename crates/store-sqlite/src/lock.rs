//! One process per database: a second `riposte serve` on the same data directory would drive
//! the same runs twice and make in-memory caches stale, so it is refused at open.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::Path;

use riposte_store::{Result, StoreError};

/// Held for as long as the store is open; the operating system releases it when the process
/// ends, however it ends.
#[derive(Debug)]
pub(crate) struct DatabaseLock {
    _file: File,
}

pub(crate) fn lock(database: &Path) -> Result<DatabaseLock> {
    let path = database.with_extension("lock");
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| StoreError::caused(format!("cannot open {}", path.display()), e))?;
    match file.try_lock() {
        Ok(()) => Ok(DatabaseLock { _file: file }),
        Err(TryLockError::WouldBlock) => Err(StoreError::backend(format!(
            "{} is in use by another Riposte process (it holds {})",
            database.display(),
            path.display()
        ))),
        Err(TryLockError::Error(e)) => Err(StoreError::caused(format!("cannot lock {}", path.display()), e)),
    }
}
