//! A module's manifest files, generated from its code: what `riposte module generate` writes and
//! what a module's drift test compares with the committed files.

use std::path::Path;

use serde::Serialize;
use serde_json::Value;

use crate::{Module, SdkError};

/// The files generated for `module`, by file name: `manifest.json` (the `existing` one with its
/// `configuration` replaced, or a new one) and one file per action, trigger and connector.
pub fn manifest_files(module: &Module, existing: Option<Value>) -> Result<Vec<(String, Value)>, SdkError> {
    let manifest = module.manifest();
    let mut identity = match existing {
        Some(Value::Object(object)) => object,
        Some(_) => return Err(SdkError::Manifest("manifest.json: not a JSON object".into())),
        None => {
            let bare = riposte_model::ModuleManifest {
                actions: Vec::new(),
                triggers: Vec::new(),
                connectors: Vec::new(),
                ..manifest.clone()
            };
            object_of(&bare)?
        }
    };
    identity.insert("configuration".into(), manifest.configuration.clone());
    let mut files = vec![("manifest.json".to_string(), Value::Object(identity))];
    for action in &manifest.actions {
        files.push((file_name("action", &action.name), Value::Object(object_of(action)?)));
    }
    for trigger in &manifest.triggers {
        files.push((file_name("trigger", &trigger.name), Value::Object(object_of(trigger)?)));
    }
    for connector in &manifest.connectors {
        files.push((file_name("connector", &connector.name), Value::Object(object_of(connector)?)));
    }
    Ok(files)
}

/// Writes the generated files into `dir` and removes component files the code no longer
/// produces. Returns the names of the files written and removed.
pub fn write_manifests(module: &Module, dir: &Path) -> Result<(Vec<String>, Vec<String>), SdkError> {
    let files = manifest_files(module, read_json(&dir.join("manifest.json"))?)?;
    let mut written = Vec::new();
    for (name, value) in &files {
        let path = dir.join(name);
        std::fs::write(&path, pretty(value)).map_err(|source| io(&path, source))?;
        written.push(name.clone());
    }
    let stale = stale_files(dir, &files)?;
    for name in &stale {
        let path = dir.join(name);
        std::fs::remove_file(&path).map_err(|source| io(&path, source))?;
    }
    Ok((written, stale))
}

/// How the files in `dir` differ from what the code generates, one line per file; empty when
/// they agree.
pub fn manifest_drift(module: &Module, dir: &Path) -> Result<Vec<String>, SdkError> {
    let existing = read_json(&dir.join("manifest.json"))?;
    let files = manifest_files(module, existing)?;
    let mut problems = Vec::new();
    for (name, expected) in &files {
        match read_json(&dir.join(name))? {
            None => problems.push(format!("{name}: missing for a registered component; run `riposte module generate`")),
            Some(found) if &found != expected => {
                problems.push(format!("{name}: differs from the code; run `riposte module generate`"))
            }
            Some(_) => {}
        }
    }
    for name in stale_files(dir, &files)? {
        problems.push(format!("{name}: no registered component has this manifest"));
    }
    Ok(problems)
}

/// JSON as the manifests are written: two-space indentation, a final newline.
pub fn pretty(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(value).expect("JSON values serialise");
    text.push('\n');
    text
}

/// `action_request_url.json` for the action "Request URL", as Sekoia's generator names files.
fn file_name(kind: &str, name: &str) -> String {
    format!("{kind}_{}.json", name.to_lowercase().replace(' ', "_"))
}

fn object_of<T: Serialize>(value: &T) -> Result<serde_json::Map<String, Value>, SdkError> {
    match serde_json::to_value(value) {
        Ok(Value::Object(object)) => Ok(object),
        Ok(_) => Err(SdkError::Manifest("a manifest is not a JSON object".into())),
        Err(e) => Err(SdkError::Manifest(e.to_string())),
    }
}

fn read_json(path: &Path) -> Result<Option<Value>, SdkError> {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            serde_json::from_str(&text).map(Some).map_err(|e| SdkError::Manifest(format!("{}: {e}", path.display())))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(io(path, source)),
    }
}

/// Component files in `dir` that are not among `files`.
fn stale_files(dir: &Path, files: &[(String, Value)]) -> Result<Vec<String>, SdkError> {
    let entries = std::fs::read_dir(dir).map_err(|source| io(dir, source))?;
    let mut stale = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let component = ["action_", "trigger_", "connector_"].iter().any(|p| name.starts_with(p));
        if component && name.ends_with(".json") && !files.iter().any(|(f, _)| *f == name) {
            stale.push(name);
        }
    }
    stale.sort();
    Ok(stale)
}

fn io(path: &Path, source: std::io::Error) -> SdkError {
    SdkError::Io { path: path.display().to_string(), source }
}
