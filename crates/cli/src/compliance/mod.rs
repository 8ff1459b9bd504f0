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

/// What a check found in one file of a module: a problem, or a remark on style (JSON layout)
/// that Sekoia's compliance tool does not make, which does not fail the check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub module: String,
    pub file: String,
    pub message: String,
    pub warning: bool,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let prefix = if self.warning { "warning: " } else { "" };
        write!(f, "{prefix}{}:{}:{}", self.module, self.file, self.message)
    }
}

/// The findings of one module as its checks make them.
struct Report {
    module: String,
    findings: Vec<Finding>,
}

impl Report {
    fn error(&mut self, file: &str, message: String) {
        self.note(file, message, false);
    }

    fn warning(&mut self, file: &str, message: String) {
        self.note(file, message, true);
    }

    fn note(&mut self, file: &str, message: String, warning: bool) {
        self.findings.push(Finding { module: self.module.clone(), file: file.to_string(), message, warning });
    }
}

/// Checks every module folder: what each has, and what they share. Findings in a file that the
/// `.complianceignore` beside the module folders lists (as `<module folder>/<file>`, one a line,
/// as in Sekoia's automation-library) are left out.
pub fn check_modules(dirs: &[PathBuf]) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut checked = Vec::new();
    let mut ignored = BTreeSet::new();
    for dir in dirs {
        let (module, found) = check_module(dir);
        ignored.extend(ignore_list(dir));
        findings.extend(found);
        checked.push(module);
    }
    findings.extend(across_modules(&checked));
    findings.retain(|f| !ignored.contains(&format!("{}/{}", f.module, f.file)));
    findings
}

/// The paths the `.complianceignore` of `module_dir`'s parent folder lists.
fn ignore_list(module_dir: &Path) -> Vec<String> {
    let parent = module_dir.canonicalize().ok().and_then(|d| d.parent().map(Path::to_path_buf));
    let Some(text) = parent.and_then(|p| std::fs::read_to_string(p.join(".complianceignore")).ok()) else {
        return Vec::new();
    };
    text.lines().filter(|l| !l.is_empty() && !l.starts_with('#')).map(str::to_string).collect()
}

fn check_module(dir: &Path) -> (Checked, Vec<Finding>) {
    let name = dir
        .canonicalize()
        .ok()
        .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| dir.display().to_string());
    let mut report = Report { module: name.clone(), findings: Vec::new() };
    let report = &mut report;
    match std::fs::read_to_string(dir.join("CHANGELOG.md")) {
        Ok(text) => changelog::check(&text).into_iter().for_each(|p| report.error("CHANGELOG.md", p)),
        Err(_) => report.error("CHANGELOG.md", "changelog is missing".into()),
    }
    let manifest = read_json(dir, "manifest.json", report);
    if let Some(manifest) = &manifest {
        files::check_manifest(manifest).into_iter().for_each(|p| report.error("manifest.json", p));
    }
    if let Some(problem) = files::check_logo(dir) {
        report.error("logo", problem);
    }
    let components = components(dir, report);
    for kind in KINDS {
        let mut seen = HashMap::new();
        for component in components.iter().filter(|c| c.kind == kind) {
            if let Some(docker) = &component.docker_parameters
                && let Some(first) = seen.insert(docker.clone(), component.file.clone())
            {
                report.error(&component.file, format!("docker_parameters `{docker}` is also used by {first}"));
            }
        }
    }
    if dir.join("pyproject.toml").is_file() {
        python_layout(dir, &components, report);
    } else if dir.join("Cargo.toml").is_file() {
        rust_layout(dir, report);
    }
    let field = |key: &str| manifest.as_ref().and_then(|m| m.get(key)).and_then(Value::as_str).map(str::to_string);
    let findings = std::mem::take(&mut report.findings);
    (Checked { name: name.clone(), uuid: field("uuid"), slug: field("slug"), components }, findings)
}

fn read_json(dir: &Path, file: &str, report: &mut Report) -> Option<Value> {
    let text = match std::fs::read_to_string(dir.join(file)) {
        Ok(text) => text,
        Err(_) => {
            report.error(file, "is missing".into());
            return None;
        }
    };
    match serde_json::from_str::<Value>(&text) {
        Ok(value) => {
            if let Some(remark) = files::check_format(&text, &value) {
                report.warning(file, remark);
            }
            Some(value)
        }
        Err(e) => {
            report.error(file, format!("is not valid JSON: {e}"));
            None
        }
    }
}

fn components(dir: &Path, report: &mut Report) -> Vec<ComponentFile> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| entries.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    names.sort();
    let mut found = Vec::new();
    for file in names.into_iter().filter(|n| n.ends_with(".json")) {
        let Some(kind) = KINDS.into_iter().find(|k| file.starts_with(&format!("{k}_"))) else { continue };
        let Some(manifest) = read_json(dir, &file, report) else { continue };
        files::check_component(kind, &manifest).into_iter().for_each(|p| report.error(&file, p));
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
fn python_layout(dir: &Path, components: &[ComponentFile], report: &mut Report) {
    if !has_file(&dir.join("tests"), &|name| name.starts_with("test_") && name.ends_with(".py")) {
        report.error("tests", "no tests/test_*.py".into());
    }
    if !dir.join("poetry.lock").is_file() && !dir.join("uv.lock").is_file() {
        report.error("pyproject.toml", "dependencies are not locked (no poetry.lock or uv.lock)".into());
    }
    if !dir.join("Dockerfile").is_file() {
        report.error("Dockerfile", "is missing".into());
    }
    let Ok(main) = std::fs::read_to_string(dir.join("main.py")) else {
        report.error("main.py", "is missing".into());
        return;
    };
    let mut registered = BTreeSet::new();
    for capture in REGISTER.captures_iter(&main) {
        if !registered.insert(capture[1].to_string()) {
            report.error("main.py", format!("`{}` is registered twice", &capture[1]));
        }
    }
    let described: BTreeSet<String> = components.iter().filter_map(|c| c.docker_parameters.clone()).collect();
    for missing in described.difference(&registered) {
        report.error("main.py", format!("`{missing}` has a manifest but is not registered"));
    }
    for extra in registered.difference(&described) {
        report.error("main.py", format!("`{extra}` is registered but has no manifest"));
    }
}

/// A Rust module: a build file, an entrypoint and tests. Its entrypoint registers components in
/// code, so the module is built and run to compare the committed manifests with its code.
fn rust_layout(dir: &Path, report: &mut Report) {
    if !has_file(&dir.join("tests"), &|name| name.ends_with(".rs")) {
        report.error("tests", "no tests/*.rs".into());
    }
    if !dir.join("src/main.rs").is_file() {
        report.error("src/main.rs", "is missing".into());
        return;
    }
    code_drift(dir, report);
}

/// Runs the module's own comparison of its manifests with its code: drift, components without a
/// manifest, manifests without a component.
fn code_drift(dir: &Path, report: &mut Report) {
    let output = std::process::Command::new(crate::module::cargo())
        .args(["run", "--quiet", "--manifest-path"])
        .arg(dir.join("Cargo.toml"))
        .args(["--", riposte_sdk::wire::CHECK_MANIFESTS])
        .arg(dir)
        .output();
    let output = match output {
        Ok(output) => output,
        Err(e) => {
            return report.error("Cargo.toml", format!("cannot run cargo to compare the manifests with the code: {e}"));
        }
    };
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let reason = stderr
            .lines()
            .find(|l| l.starts_with("error"))
            .or_else(|| stderr.lines().rev().find(|l| !l.trim().is_empty()))
            .unwrap_or("no message");
        return report.error(
            "Cargo.toml",
            format!("cannot build and run the module to compare its manifests with its code: {reason}"),
        );
    }
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        match line.split_once(": ") {
            Some((file, problem)) => report.error(file, problem.to_string()),
            None => report.error("src/main.rs", line.to_string()),
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
fn across_modules(modules: &[Checked]) -> Vec<Finding> {
    let mut problems = Vec::new();
    let finding = |module: &str, file: &str, message: String| Finding {
        module: module.to_string(),
        file: file.to_string(),
        message,
        warning: false,
    };
    let mut owners: HashMap<(String, String), String> = HashMap::new();
    let mut claim = |group: &str, value: &Option<String>, module: &str, file: &str| {
        let Some(value) = value else { return };
        let key = (group.to_string(), value.clone());
        match owners.get(&key) {
            Some(first) if first != &format!("{module}:{file}") => {
                problems.push(finding(module, file, format!("{group} `{value}` is also used by {first}")))
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
                problems.push(finding(
                    &module.name,
                    &twin_file,
                    format!("uuid differs from its twin {}", trigger.file),
                ));
            }
            if twin.docker_parameters != trigger.docker_parameters {
                let message = format!("docker_parameters differs from its twin {}", trigger.file);
                problems.push(finding(&module.name, &twin_file, message));
            }
        }
    }
    problems
}
