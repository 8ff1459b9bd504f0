//! Installed modules: a folder of Sekoia manifests and how to start the module's program.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use riposte_model::{ActionManifest, ConnectorManifest, ModuleManifest, TriggerManifest};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::HostError;

/// The file, in an installed module's folder, that says how to start it.
pub const INSTALL_FILE: &str = "riposte-module.json";

/// How to start an installed module's program.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Launch {
    /// The program and its first arguments; the component's `docker_parameters` follows them.
    /// A program path with a `/` in it is relative to the module's folder.
    pub command: Vec<String>,
    /// Environment variables set for every component.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub env: BTreeMap<String, String>,
    /// A program that keeps the module loaded and runs its actions one after another, for
    /// modules slow to start: it prints `ready` once loaded (or `cold` when the module cannot be
    /// kept warm), then reads one JSON request per line (`{"command", "inputs", "data_path"}`)
    /// and prints `done` after each.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warm: Option<Vec<String>>,
    /// The module has a built-in module's UUID and was installed to be used in its place
    /// (`module install --replace-builtin`); without this, such a module is not used.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub replaces_builtin: bool,
    /// The module registers an account validator (`validate_module_configuration`): module
    /// configurations are checked with it when made or changed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub account_validator: bool,
    /// The git repository the module was installed from, when it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
}

/// `url` without the user and password it may carry (`https://user:token@host/repo`), so that
/// where a module came from can be kept and shown without its credentials.
pub fn without_credentials(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_string() };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}://{}", &rest[at + 1..]),
        None => url.to_string(),
    }
}

/// Where an installed module came from: a repository, at a commit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    pub repository: String,
    /// The tag, branch or commit asked for; the default branch when none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// The commit checked out.
    pub commit: String,
    /// The module's folder in the repository, when not its root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subdir: Option<String>,
}

#[derive(Debug, Clone)]
pub struct InstalledModule {
    pub dir: PathBuf,
    /// The module's manifest, with its actions, triggers and connectors.
    pub manifest: ModuleManifest,
    pub launch: Launch,
    /// When this install was written: warm workers of an older install are not reused.
    pub installed_at: Option<std::time::SystemTime>,
}

impl Launch {
    /// Refuses a launch file that loads but could not start anything.
    fn check(&self) -> Result<(), String> {
        let program_of = |field: &str, command: &[String]| match command.first() {
            None => Err(format!("$.{field}: empty; it needs at least the program")),
            Some(program) if program.trim().is_empty() => Err(format!("$.{field}[0]: the program has no name")),
            Some(_) => Ok(()),
        };
        program_of("command", &self.command)?;
        match &self.warm {
            Some(warm) => program_of("warm", warm),
            None => Ok(()),
        }
    }
}

impl InstalledModule {
    /// The program to start, as a path the operating system can find.
    pub fn program(&self) -> PathBuf {
        self.resolve(&self.launch.command[0])
    }

    /// A program named in the install file, as a path the operating system can find.
    pub fn resolve(&self, program: &str) -> PathBuf {
        if program.contains('/') { self.dir.join(program) } else { PathBuf::from(program) }
    }

    pub fn action(&self, uuid: &str) -> Option<&ActionManifest> {
        self.manifest.actions.iter().find(|a| a.uuid.eq_ignore_ascii_case(uuid))
    }

    pub fn trigger(&self, uuid: &str) -> Option<&TriggerManifest> {
        self.manifest.triggers.iter().find(|t| t.uuid.eq_ignore_ascii_case(uuid))
    }

    pub fn connector(&self, uuid: &str) -> Option<&ConnectorManifest> {
        self.manifest.connectors.iter().find(|c| c.uuid.eq_ignore_ascii_case(uuid))
    }
}

/// Reads the installed module in `dir`. Its folder is kept as an absolute path: its program
/// starts in that folder, so a path relative to where Riposte started would point elsewhere.
pub fn load_module(dir: &Path) -> Result<InstalledModule, HostError> {
    let dir = &dir.canonicalize().map_err(|e| problem(dir, &e.to_string()))?;
    let launch: Launch = read_json(&dir.join(INSTALL_FILE))?;
    launch.check().map_err(|message| problem(&dir.join(INSTALL_FILE), &message))?;
    let mut manifest: ModuleManifest = read_json(&dir.join("manifest.json"))?;
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| problem(dir, &e.to_string()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    for path in files {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if name.starts_with("action_") {
            manifest.actions.push(read_json::<ActionManifest>(&path)?);
        } else if name.starts_with("trigger_") {
            manifest.triggers.push(read_json::<TriggerManifest>(&path)?);
        } else if name.starts_with("connector_") {
            manifest.connectors.push(read_json::<ConnectorManifest>(&path)?);
        }
    }
    let installed_at = std::fs::metadata(dir.join(INSTALL_FILE)).and_then(|m| m.modified()).ok();
    Ok(InstalledModule { dir: dir.to_path_buf(), manifest, launch, installed_at })
}

/// Every installed module under `modules_dir` (one folder each), and the problems of the folders
/// that could not be read. A missing `modules_dir` holds no modules.
pub fn load_modules(modules_dir: &Path) -> (Vec<InstalledModule>, Vec<HostError>) {
    let Ok(entries) = std::fs::read_dir(modules_dir) else { return (Vec::new(), Vec::new()) };
    // Hidden folders are modules being installed or replaced.
    let mut dirs: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| !p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.')))
        .filter(|p| p.join(INSTALL_FILE).is_file())
        .collect();
    dirs.sort();
    let (mut modules, mut problems) = (Vec::new(), Vec::new());
    for dir in dirs {
        match load_module(&dir) {
            Ok(module) => modules.push(module),
            Err(e) => problems.push(e),
        }
    }
    (modules, problems)
}

fn read_json<T: DeserializeOwned>(path: &Path) -> Result<T, HostError> {
    let text = std::fs::read_to_string(path).map_err(|e| problem(path, &e.to_string()))?;
    serde_json::from_str(&text).map_err(|e| problem(path, &e.to_string()))
}

fn problem(path: &Path, message: &str) -> HostError {
    HostError::Module { path: path.display().to_string(), message: message.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repository_is_kept_without_its_credentials() {
        assert_eq!(
            without_credentials("https://ann:t0ken@git.example/org/repo.git"),
            "https://git.example/org/repo.git"
        );
        assert_eq!(without_credentials("https://git.example/org/repo@v1"), "https://git.example/org/repo@v1");
        assert_eq!(without_credentials("git@github.com:org/repo"), "git@github.com:org/repo");
        assert_eq!(without_credentials("/srv/repo"), "/srv/repo");
    }

    fn write(dir: &Path, name: &str, text: &str) {
        std::fs::write(dir.join(name), text).unwrap();
    }

    #[test]
    fn a_module_folder_gives_its_manifest_components_and_program() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), INSTALL_FILE, r#"{"command": ["bin/echo"]}"#);
        write(dir.path(), "manifest.json", r#"{"uuid": "m-1", "name": "Echo", "slug": "echo", "version": "0.1.0"}"#);
        write(
            dir.path(),
            "action_say.json",
            r#"{"uuid": "a-1", "name": "Say", "docker_parameters": "say", "arguments": {"type": "object"}}"#,
        );
        let module = load_module(dir.path()).unwrap();
        assert_eq!(module.manifest.actions.len(), 1);
        assert_eq!(module.action("A-1").unwrap().docker_parameters, "say");
        assert_eq!(module.program(), dir.path().canonicalize().unwrap().join("bin/echo"));
    }

    #[test]
    fn a_broken_manifest_names_its_file_and_place() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("broken");
        std::fs::create_dir(&dir).unwrap();
        write(&dir, INSTALL_FILE, r#"{"command": ["python3", "main.py"]}"#);
        write(&dir, "manifest.json", r#"{"uuid": "m-1", "name": "Echo"}"#);
        let error = load_module(&dir).unwrap_err().to_string();
        assert!(error.contains("manifest.json") && error.contains("missing field `slug`"), "{error}");

        let (modules, problems) = load_modules(root.path());
        assert!(modules.is_empty());
        assert_eq!(problems.len(), 1);
        assert!(load_modules(&root.path().join("none")).0.is_empty(), "no modules folder, no modules");
    }

    #[test]
    fn a_launch_file_that_could_start_nothing_is_refused_at_load() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "manifest.json", r#"{"uuid": "m-1", "name": "Echo", "slug": "echo", "version": "0.1.0"}"#);
        for (launch, expected) in [
            (r#"{"command": []}"#, "$.command: empty"),
            (r#"{"command": [" "]}"#, "$.command[0]: the program has no name"),
            (r#"{"command": ["python3"], "warm": []}"#, "$.warm: empty"),
            (r#"{"command": ["python3"], "warm": [""]}"#, "$.warm[0]: the program has no name"),
        ] {
            write(dir.path(), INSTALL_FILE, launch);
            let error = load_module(dir.path()).unwrap_err().to_string();
            assert!(error.contains(INSTALL_FILE) && error.contains(expected), "{launch}: {error}");
        }
        write(dir.path(), INSTALL_FILE, r#"{"command": ["python3", "main.py"], "warm": ["python3", "-m", "warm"]}"#);
        assert!(load_module(dir.path()).is_ok());
    }
}
