//! `riposte module check`: the checks of Sekoia's automation-library compliance tool, for Rust
//! and Python modules alike. Each problem is one line, `module:file:problem`.

mod changelog;
mod files;

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

const KINDS: [&str; 3] = ["action", "trigger", "connector"];

/// A component manifest as read from its file.
struct ComponentFile {
    kind: &'static str,
    file: String,
    uuid: Option<String>,
    docker_parameters: Option<String>,
}

/// What one module folder holds, for the checks across modules.
struct Checked {
    name: String,
    uuid: Option<String>,
    slug: Option<String>,
    components: Vec<ComponentFile>,
}

/// Checks every module folder; returns one `module:file:problem` line per problem.
pub fn check_modules(dirs: &[PathBuf]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut checked = Vec::new();
    for dir in dirs {
        let (module, found) = check_module(dir);
        problems.extend(found);
        checked.push(module);
    }
    problems.extend(across_modules(&checked));
    problems
}

fn check_module(dir: &Path) -> (Checked, Vec<String>) {
    let name = dir
        .canonicalize()
        .ok()
        .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| dir.display().to_string());
    let mut problems = Vec::new();
    let mut say = |file: &str, problem: String| problems.push(format!("{name}:{file}:{problem}"));
    match std::fs::read_to_string(dir.join("CHANGELOG.md")) {
        Ok(text) => changelog::check(&text).into_iter().for_each(|p| say("CHANGELOG.md", p)),
        Err(_) => say("CHANGELOG.md", "changelog is missing".into()),
    }
    let manifest = read_json(dir, "manifest.json", &mut say);
    if let Some(manifest) = &manifest {
        files::check_manifest(manifest).into_iter().for_each(|p| say("manifest.json", p));
    }
    if let Some(problem) = files::check_logo(dir) {
        say("logo", problem);
    }
    let components = components(dir, &mut say);
    for kind in KINDS {
        let mut seen = HashMap::new();
        for component in components.iter().filter(|c| c.kind == kind) {
            if let Some(docker) = &component.docker_parameters
                && let Some(first) = seen.insert(docker.clone(), component.file.clone())
            {
                say(&component.file, format!("docker_parameters `{docker}` is also used by {first}"));
            }
        }
    }
    if dir.join("pyproject.toml").is_file() {
        python_layout(dir, &components, &mut say);
    } else if dir.join("Cargo.toml").is_file() {
        rust_layout(dir, &mut say);
    }
    let field = |key: &str| manifest.as_ref().and_then(|m| m.get(key)).and_then(Value::as_str).map(str::to_string);
    (Checked { name: name.clone(), uuid: field("uuid"), slug: field("slug"), components }, problems)
}

fn read_json(dir: &Path, file: &str, say: &mut impl FnMut(&str, String)) -> Option<Value> {
    let text = match std::fs::read_to_string(dir.join(file)) {
        Ok(text) => text,
        Err(_) => {
            say(file, "is missing".into());
            return None;
        }
    };
    match serde_json::from_str::<Value>(&text) {
        Ok(value) => {
            if let Some(problem) = files::check_format(&text, &value) {
                say(file, problem);
            }
            Some(value)
        }
        Err(e) => {
            say(file, format!("is not valid JSON: {e}"));
            None
        }
    }
}

fn components(dir: &Path, say: &mut impl FnMut(&str, String)) -> Vec<ComponentFile> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| entries.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    names.sort();
    let mut found = Vec::new();
    for file in names.into_iter().filter(|n| n.ends_with(".json")) {
        let Some(kind) = KINDS.into_iter().find(|k| file.starts_with(&format!("{k}_"))) else { continue };
        let Some(manifest) = read_json(dir, &file, say) else { continue };
        files::check_component(kind, &manifest).into_iter().for_each(|p| say(&file, p));
        let text = |key: &str| manifest.get(key).and_then(Value::as_str).map(str::to_string);
        found.push(ComponentFile { kind, uuid: text("uuid"), docker_parameters: text("docker_parameters"), file });
    }
    found
}

static REGISTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"\bmodule\.register\(\s*[\w.]+\s*,\s*(?:name\s*=\s*)?["']([^"']+)["']"#).expect("regex")
});

/// A Python module: tests, locked dependencies, a Dockerfile, and `main.py` registering exactly
/// the components its manifests describe.
fn python_layout(dir: &Path, components: &[ComponentFile], say: &mut impl FnMut(&str, String)) {
    if !has_file(&dir.join("tests"), &|name| name.starts_with("test_") && name.ends_with(".py")) {
        say("tests", "no tests/test_*.py".into());
    }
    if !dir.join("poetry.lock").is_file() && !dir.join("uv.lock").is_file() {
        say("pyproject.toml", "dependencies are not locked (no poetry.lock or uv.lock)".into());
    }
    if !dir.join("Dockerfile").is_file() {
        say("Dockerfile", "is missing".into());
    }
    let Ok(main) = std::fs::read_to_string(dir.join("main.py")) else {
        say("main.py", "is missing".into());
        return;
    };
    let mut registered = BTreeSet::new();
    for capture in REGISTER.captures_iter(&main) {
        if !registered.insert(capture[1].to_string()) {
            say("main.py", format!("`{}` is registered twice", &capture[1]));
        }
    }
    let described: BTreeSet<String> = components.iter().filter_map(|c| c.docker_parameters.clone()).collect();
    for missing in described.difference(&registered) {
        say("main.py", format!("`{missing}` has a manifest but is not registered"));
    }
    for extra in registered.difference(&described) {
        say("main.py", format!("`{extra}` is registered but has no manifest"));
    }
}

/// A Rust module: a build file, an entrypoint and tests. Its entrypoint registers components in
/// code, so the module is built and run to compare the committed manifests with its code.
fn rust_layout(dir: &Path, say: &mut impl FnMut(&str, String)) {
    if !has_file(&dir.join("tests"), &|name| name.ends_with(".rs")) {
        say("tests", "no tests/*.rs".into());
    }
    if !dir.join("src/main.rs").is_file() {
        say("src/main.rs", "is missing".into());
        return;
    }
    code_drift(dir, say);
}

/// Runs the module's own comparison of its manifests with its code: drift, components without a
/// manifest, manifests without a component.
fn code_drift(dir: &Path, say: &mut impl FnMut(&str, String)) {
    let output = std::process::Command::new(crate::module::cargo())
        .args(["run", "--quiet", "--manifest-path"])
        .arg(dir.join("Cargo.toml"))
        .args(["--", riposte_sdk::wire::CHECK_MANIFESTS])
        .arg(dir)
        .output();
    let output = match output {
        Ok(output) => output,
        Err(e) => return say("Cargo.toml", format!("cannot run cargo to compare the manifests with the code: {e}")),
    };
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let reason = stderr
            .lines()
            .find(|l| l.starts_with("error"))
            .or_else(|| stderr.lines().rev().find(|l| !l.trim().is_empty()))
            .unwrap_or("no message");
        return say(
            "Cargo.toml",
            format!("cannot build and run the module to compare its manifests with its code: {reason}"),
        );
    }
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        match line.split_once(": ") {
            Some((file, problem)) => say(file, problem.to_string()),
            None => say("src/main.rs", line.to_string()),
        }
    }
}

fn has_file(dir: &Path, wanted: &dyn Fn(&str) -> bool) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else { return false };
    entries.flatten().any(|entry| {
        let path = entry.path();
        if path.is_dir() { has_file(&path, wanted) } else { wanted(&entry.file_name().to_string_lossy()) }
    })
}

/// UUIDs and slugs unique across modules, and trigger/connector twins that agree.
fn across_modules(modules: &[Checked]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut owners: HashMap<(String, String), String> = HashMap::new();
    let mut claim = |group: &str, value: &Option<String>, module: &str, file: &str| {
        let Some(value) = value else { return };
        let key = (group.to_string(), value.clone());
        match owners.get(&key) {
            Some(first) if first != &format!("{module}:{file}") => {
                problems.push(format!("{module}:{file}:{group} `{value}` is also used by {first}"))
            }
            Some(_) => {}
            None => {
                owners.insert(key, format!("{module}:{file}"));
            }
        }
    };
    for module in modules {
        claim("module uuid", &module.uuid, &module.name, "manifest.json");
        claim("slug", &module.slug, &module.name, "manifest.json");
        for component in &module.components {
            claim(&format!("{} uuid", component.kind), &component.uuid, &module.name, &component.file);
        }
    }
    for module in modules {
        for trigger in module.components.iter().filter(|c| c.kind == "trigger") {
            let twin_file = trigger.file.replacen("trigger_", "connector_", 1);
            let Some(twin) = module.components.iter().find(|c| c.file == twin_file) else { continue };
            if twin.uuid != trigger.uuid {
                problems.push(format!("{}:{twin_file}:uuid differs from its twin {}", module.name, trigger.file));
            }
            if twin.docker_parameters != trigger.docker_parameters {
                problems.push(format!(
                    "{}:{twin_file}:docker_parameters differs from its twin {}",
                    module.name, trigger.file
                ));
            }
        }
    }
    problems
}
