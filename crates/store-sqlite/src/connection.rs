use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use riposte_store::{Result, StoreError};
use rusqlite::{Connection, ErrorCode, OpenFlags};
use serde::Serialize;
use serde::de::DeserializeOwned;

pub(crate) fn open_connection(path: &Path) -> Result<Connection> {
    let connection = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(error)?;
    // FULL: a commit is on disk when it returns, so an accepted alert survives a power cut too.
    // A 16 MB WAL between checkpoints (SQLite's default is 4 MB): pages that runs rewrite again
    // and again are copied back to the database once instead of several times.
    // Temporary storage in memory: each write runs in a savepoint, whose undo copies of the
    // pages it changes otherwise go through a temporary file, a system call per page.
    connection
        .execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; \
             PRAGMA wal_autocheckpoint = 4000; PRAGMA temp_store = MEMORY;",
        )
        .map_err(error)?;
    Ok(connection)
}

/// Most read connections open at once. Each keeps a page cache that fills as it reads, so an
/// unbounded pool grew with the peaks of concurrent reads; more readers than cores gain nothing.
const MAX_READERS: usize = 8;

/// Read connections, opened on demand and reused; at most [`MAX_READERS`], and reads wait
/// their turn beyond.
#[derive(Clone)]
pub(crate) struct Readers {
    path: PathBuf,
    idle: Arc<Mutex<Vec<Connection>>>,
    turns: Arc<tokio::sync::Semaphore>,
}

impl Readers {
    pub(crate) fn new(path: PathBuf) -> Self {
        Readers { path, idle: Arc::default(), turns: Arc::new(tokio::sync::Semaphore::new(MAX_READERS)) }
    }

    /// Runs `f` on a read connection, off the async threads.
    pub(crate) async fn read<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T> + Send + 'static,
    {
        let readers = self.clone();
        let turn =
            self.turns.clone().acquire_owned().await.map_err(|_| StoreError::backend("the readers are closed"))?;
        tokio::task::spawn_blocking(move || {
            let _turn = turn;
            let connection = match readers.idle.lock().expect("reader pool lock").pop() {
                Some(connection) => connection,
                None => open_connection(&readers.path)?,
            };
            let result = f(&connection);
            readers.idle.lock().expect("reader pool lock").push(connection);
            result
        })
        .await
        .map_err(|e| StoreError::caused("a read failed", e))?
    }
}

pub(crate) fn error(err: rusqlite::Error) -> StoreError {
    match err.sqlite_error_code() {
        Some(ErrorCode::ConstraintViolation) => StoreError::Conflict(err.to_string()),
        Some(ErrorCode::DiskFull) => StoreError::Full(err.to_string()),
        _ => StoreError::caused("SQLite failed", err),
    }
}

pub(crate) fn to_json<T: Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| StoreError::caused("cannot encode a value as JSON", e))
}

pub(crate) fn from_json<T: DeserializeOwned>(text: &str) -> rusqlite::Result<T> {
    serde_json::from_str(text)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e)))
}

/// The items of `rows` until they weigh `max_bytes` (one item at least); each row comes with
/// what it weighs. Rows are read one by one, so a page of large items never sits whole in memory
/// past its bound.
pub(crate) fn within_bytes<T>(
    rows: impl Iterator<Item = rusqlite::Result<(T, usize)>>,
    max_bytes: u64,
) -> rusqlite::Result<Vec<T>> {
    let mut items = Vec::new();
    let mut weight = 0u64;
    for row in rows {
        let (item, bytes) = row?;
        weight = weight.saturating_add(bytes as u64);
        if !items.is_empty() && weight > max_bytes {
            break;
        }
        items.push(item);
    }
    Ok(items)
}
