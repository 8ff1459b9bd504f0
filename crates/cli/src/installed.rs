//! Installed modules under `DATA_DIR/modules`: read at start, and again whenever a module is
//! installed, changed or removed while the server runs.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use riposte_host::{INSTALL_FILE, load_modules};
use riposte_worker::Registry;
use tokio_util::sync::CancellationToken;

/// How often the modules folder is looked at.
const LOOK_EVERY: Duration = Duration::from_secs(1);

pub fn modules_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("modules")
}

/// What the modules folder held when it was read, for [`watch`] to compare with.
pub struct Snapshot(Vec<(PathBuf, Option<SystemTime>)>);

/// Reads the installed modules into `registry`. The snapshot is taken before the folder is read,
/// so that a module installed while it is read is loaded again by [`watch`], not missed.
pub fn load(registry: &Registry, dir: &Path) -> Snapshot {
    let seen = Snapshot(fingerprint(dir));
    let (modules, problems) = load_modules(dir);
    for problem in problems {
        tracing::warn!(%problem, "installed module not loaded");
    }
    let names: Vec<String> = modules.iter().map(|m| format!("{} {}", m.manifest.slug, m.manifest.version)).collect();
    for problem in registry.set_installed(modules) {
        tracing::warn!(%problem, "installed module not loaded");
    }
    if !names.is_empty() {
        tracing::info!(modules = %names.join(", "), "installed modules loaded");
    }
    seen
}

/// Reloads the installed modules whenever their install files differ from `loaded`, until
/// `shutdown`.
pub async fn watch(registry: Arc<Registry>, dir: PathBuf, loaded: Snapshot, shutdown: CancellationToken) {
    let mut seen = loaded.0;
    loop {
        tokio::select! {
            _ = tokio::time::sleep(LOOK_EVERY) => {}
            _ = shutdown.cancelled() => return,
        }
        let now = fingerprint(&dir);
        if now != seen {
            seen = load(&registry, &dir).0;
        }
    }
}

/// The install file of each module folder and when it was last written: `module install`
/// writes that file last, so a module shows once it is complete.
fn fingerprint(dir: &Path) -> Vec<(PathBuf, Option<SystemTime>)> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut seen: Vec<(PathBuf, Option<SystemTime>)> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.path().join(INSTALL_FILE))
        .map(|file| {
            let written = std::fs::metadata(&file).and_then(|m| m.modified()).ok();
            (file, written)
        })
        .filter(|(_, written)| written.is_some())
        .collect();
    seen.sort();
    seen
}
