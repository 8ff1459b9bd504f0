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

/// Reads the installed modules into `registry`.
pub fn load(registry: &Registry, dir: &Path) {
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
}

/// Reloads the installed modules whenever their install files change, until `shutdown`.
pub async fn watch(registry: Arc<Registry>, dir: PathBuf, shutdown: CancellationToken) {
    let mut seen = fingerprint(&dir);
    loop {
        tokio::select! {
            _ = tokio::time::sleep(LOOK_EVERY) => {}
            _ = shutdown.cancelled() => return,
        }
        let now = fingerprint(&dir);
        if now != seen {
            load(&registry, &dir);
            seen = now;
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
