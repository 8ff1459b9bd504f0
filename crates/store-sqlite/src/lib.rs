//! Embedded storage on SQLite.
//!
//! One database file in WAL mode. Every write goes to a single writer thread that commits what
//! it has gathered in one transaction (group commit: one fsync for many writes); should one write
//! fail, the batch runs again with each write in a savepoint, so that the failure undoes only
//! its own write. Reads run on a small pool of
//! read connections, which WAL lets proceed while the writer writes. The process that opens the
//! database owns it (a lock file keeps others out), which lets the answers to the hottest reads
//! (active playbooks, API keys) stay in memory until a write changes them, and the alerts written
//! lately be read back without the database.

mod alerts;
mod api_keys;
mod cache;
mod configurations;
mod connection;
mod intakes;
mod lock;
mod playbooks;
mod recent;
mod retention;
mod runs;
mod writer;

use std::path::Path;

use std::sync::Arc;

use riposte_store::{ApiKey, PlaybookHead, Result, StoreError};

use crate::cache::ReadCache;
use crate::connection::{Readers, open_connection};
use crate::lock::{DatabaseLock, lock};
use crate::recent::RecentAlerts;
pub use crate::writer::PageLimit;
use crate::writer::Writer;

/// A Riposte store in one SQLite file.
#[derive(Clone)]
pub struct SqliteStore {
    writer: Writer,
    readers: Readers,
    active_heads: Arc<ReadCache<(), Vec<PlaybookHead>>>,
    api_keys: Arc<ReadCache<String, ApiKey>>,
    recent_alerts: Arc<RecentAlerts>,
    _lock: Arc<DatabaseLock>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore").finish_non_exhaustive()
    }
}

const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/0001_init.sql"),
    include_str!("../migrations/0002_api_keys.sql"),
    include_str!("../migrations/0003_run_outputs.sql"),
    include_str!("../migrations/0004_intakes.sql"),
    include_str!("../migrations/0005_run_keys.sql"),
    include_str!("../migrations/0006_run_trigger_node.sql"),
    include_str!("../migrations/0007_assets.sql"),
    include_str!("../migrations/0008_sessions.sql"),
    include_str!("../migrations/0009_account_checks.sql"),
    include_str!("../migrations/0010_run_alert.sql"),
];

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date. Fails
    /// while another store, in this process or another, has it open.
    pub fn open(path: &Path) -> Result<SqliteStore> {
        SqliteStore::open_with_limit(path, PageLimit::default())
    }

    /// [`SqliteStore::open`], the database growing to at most `pages` pages.
    pub fn open_with_limit(path: &Path, pages: PageLimit) -> Result<SqliteStore> {
        let lock = lock(path)?;
        owner_only(path)?;
        let mut connection = open_connection(path)?;
        retention::enable_incremental_vacuum(&connection)?;
        migrate(&mut connection)?;
        Ok(SqliteStore {
            writer: Writer::start(connection, pages),
            readers: Readers::new(path.to_path_buf()),
            active_heads: Arc::new(ReadCache::new()),
            api_keys: Arc::new(ReadCache::new()),
            recent_alerts: Arc::default(),
            _lock: Arc::new(lock),
        })
    }
}

/// Makes the database readable by its owner alone (SQLite gives its `-wal` and `-shm` files the
/// same mode): it holds alerts, runs and sealed secrets.
fn owner_only(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        let cannot = |e: std::io::Error| StoreError::caused(format!("cannot set up {}", path.display()), e);
        std::fs::OpenOptions::new().create(true).append(true).mode(0o600).open(path).map_err(cannot)?;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(cannot)?;
    }
    Ok(())
}

/// Applies the migrations not applied yet; `user_version` counts the applied ones.
fn migrate(connection: &mut rusqlite::Connection) -> Result<()> {
    let applied: i64 = connection.query_row("PRAGMA user_version", [], |row| row.get(0)).map_err(connection::error)?;
    let applied = applied as usize;
    if applied > MIGRATIONS.len() {
        return Err(StoreError::backend(format!(
            "the database was written by a newer Riposte (schema {applied}, this one knows {})",
            MIGRATIONS.len()
        )));
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(applied) {
        let tx = connection.transaction().map_err(connection::error)?;
        tx.execute_batch(sql).map_err(connection::error)?;
        tx.pragma_update(None, "user_version", (index + 1) as i64).map_err(connection::error)?;
        tx.commit().map_err(connection::error)?;
    }
    Ok(())
}
