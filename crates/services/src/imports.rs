//! Modules imported into a running server: from a git repository (or a folder on the server),
//! installed into its data directory, where it finds them within a second. Installing builds
//! environments and may take minutes, so an import is a job: started, then read until it ends.
//!
//! How a module is installed belongs to the program that runs the server (the command line
//! installs modules the same way); this crate asks it through [`ModuleInstaller`]. Jobs live in
//! memory: a restart forgets them, and a module whose install had not ended is not there.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use riposte_host::Source;
use serde::Serialize;

use crate::{Result, ServiceError, Services};

/// Imports remembered, the latest ones.
pub const KEPT_IMPORTS: usize = 100;
/// Longest an import may take (cloning, building, installing dependencies).
pub const IMPORT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30 * 60);

/// What to import.
#[derive(Debug, Clone, Serialize)]
pub struct ImportRequest {
    /// A git URL (`https://`, `ssh://`, `git@host:path`, `file://`), or a path on the server to a
    /// repository or a module folder.
    pub source: String,
    /// A tag, branch or commit of the repository.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// The folder of the repository to install from; every module of the repository otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subdir: Option<String>,
    /// Install a module that has a built-in module's UUID in place of the built-in one.
    pub replace_builtin: bool,
}

/// A module an import installed.
#[derive(Debug, Clone, Serialize)]
pub struct ImportedModule {
    pub uuid: String,
    pub slug: String,
    pub name: String,
    pub version: String,
    /// The repository, reference and commit it came from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
}

/// Installs modules into the server's data directory; blocking, it runs on a thread of its own.
pub trait ModuleInstaller: Send + Sync {
    /// The modules installed, or why nothing (or not all) was.
    fn install(&self, request: &ImportRequest) -> std::result::Result<Vec<ImportedModule>, String>;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportStatus {
    Running,
    Succeeded,
    Failed,
}

/// One import and how it went.
#[derive(Debug, Clone, Serialize)]
pub struct ImportJob {
    pub uuid: String,
    pub status: ImportStatus,
    pub request: ImportRequest,
    pub modules: Vec<ImportedModule>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Epoch milliseconds.
    pub started_at: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<i64>,
}

/// The installer, and the imports of this server's life, newest last.
#[derive(Default)]
pub(crate) struct Imports {
    installer: Option<Arc<dyn ModuleInstaller>>,
    jobs: Mutex<VecDeque<ImportJob>>,
}

impl Imports {
    pub(crate) fn new(installer: Option<Arc<dyn ModuleInstaller>>) -> Imports {
        Imports { installer, jobs: Mutex::default() }
    }

    fn jobs(&self) -> std::sync::MutexGuard<'_, VecDeque<ImportJob>> {
        self.jobs.lock().expect("imports lock")
    }

    /// Records a new running job, unless one runs: two installs at once would share a folder.
    fn begin(&self, request: ImportRequest) -> Result<ImportJob> {
        let mut jobs = self.jobs();
        if let Some(running) = jobs.iter().find(|j| j.status == ImportStatus::Running) {
            return Err(ServiceError::ImportRunning(running.uuid.clone()));
        }
        let job = ImportJob {
            uuid: uuid::Uuid::new_v4().to_string(),
            status: ImportStatus::Running,
            request,
            modules: Vec::new(),
            error: None,
            started_at: riposte_worker::now_ms(),
            ended_at: None,
        };
        if jobs.len() >= KEPT_IMPORTS {
            jobs.pop_front();
        }
        jobs.push_back(job.clone());
        Ok(job)
    }

    fn end(&self, uuid: &str, outcome: std::result::Result<Vec<ImportedModule>, String>) {
        let mut jobs = self.jobs();
        let Some(job) = jobs.iter_mut().find(|j| j.uuid == uuid) else { return };
        match outcome {
            Ok(modules) => (job.status, job.modules) = (ImportStatus::Succeeded, modules),
            Err(error) => (job.status, job.error) = (ImportStatus::Failed, Some(error)),
        }
        job.ended_at = Some(riposte_worker::now_ms());
    }
}

impl Services {
    /// Starts importing modules; the job says how it goes.
    pub fn import_modules(self: &Arc<Self>, request: ImportRequest) -> Result<ImportJob> {
        let installer = self.imports.installer.clone().ok_or(ServiceError::NoInstaller)?;
        // The job is shown to whoever reads imports: without the credentials a URL may carry.
        let shown = ImportRequest { source: riposte_host::without_credentials(&request.source), ..request.clone() };
        let job = self.imports.begin(shown)?;
        let (services, uuid) = (self.clone(), job.uuid.clone());
        tokio::spawn(async move {
            let install = tokio::task::spawn_blocking(move || installer.install(&request));
            // A thread cannot be stopped: an install past its time goes on, its outcome unheard.
            let outcome = match tokio::time::timeout(IMPORT_TIMEOUT, install).await {
                Ok(Ok(outcome)) => outcome,
                Ok(Err(e)) => Err(format!("the install stopped: {e}")),
                Err(_) => Err(format!("the import took longer than {} minutes", IMPORT_TIMEOUT.as_secs() / 60)),
            };
            match &outcome {
                Ok(modules) => tracing::info!(import = %uuid, modules = modules.len(), "modules imported"),
                Err(error) => tracing::warn!(import = %uuid, %error, "module import failed"),
            }
            services.imports.end(&uuid, outcome);
        });
        Ok(job)
    }

    /// An import of this server's life, by UUID.
    pub fn module_import(&self, uuid: &str) -> Option<ImportJob> {
        self.imports.jobs().iter().find(|j| j.uuid == uuid).cloned()
    }

    /// The imports of this server's life (the latest [`KEPT_IMPORTS`]), newest first.
    pub fn module_imports(&self) -> Vec<ImportJob> {
        self.imports.jobs().iter().rev().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> ImportRequest {
        ImportRequest { source: "/repo".into(), reference: None, subdir: None, replace_builtin: false }
    }

    #[test]
    fn one_import_runs_at_a_time_and_the_latest_are_kept() {
        let imports = Imports::new(None);
        let first = imports.begin(request()).unwrap();
        assert!(matches!(imports.begin(request()), Err(ServiceError::ImportRunning(uuid)) if uuid == first.uuid));
        imports.end(&first.uuid, Err("no manifest.json".into()));
        let failed = imports.jobs()[0].clone();
        assert_eq!((failed.status, failed.error.as_deref()), (ImportStatus::Failed, Some("no manifest.json")));
        for _ in 0..KEPT_IMPORTS {
            let job = imports.begin(request()).unwrap();
            imports.end(&job.uuid, Ok(Vec::new()));
        }
        assert_eq!(imports.jobs().len(), KEPT_IMPORTS);
        assert!(imports.jobs().iter().all(|j| j.uuid != first.uuid), "the oldest goes first");
    }
}
