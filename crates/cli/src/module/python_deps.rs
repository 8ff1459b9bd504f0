//! What a Python module needs installed, as pip requirements: the versions its lock file pins
//! (`uv.lock`, `poetry.lock`), else the dependencies its `pyproject.toml` declares.

use std::collections::{BTreeMap, VecDeque};
use std::path::Path;

use anyhow::{Context, bail};
use toml::{Table, Value};

/// The requirements, and whether they pin every package (so pip needs not resolve).
pub struct Requirements {
    pub lines: Vec<String>,
    pub pinned: bool,
}

pub fn requirements(dir: &Path) -> anyhow::Result<Requirements> {
    if let Some(lock) = read_toml(&dir.join("uv.lock"))? {
        return Ok(Requirements { lines: from_uv_lock(&lock)?, pinned: true });
    }
    if let Some(lock) = read_toml(&dir.join("poetry.lock"))? {
        return Ok(Requirements { lines: from_poetry_lock(&lock), pinned: true });
    }
    if let Some(project) = read_toml(&dir.join("pyproject.toml"))? {
        return Ok(Requirements { lines: declared(&project)?, pinned: false });
    }
    bail!("{} has no pyproject.toml, poetry.lock or uv.lock: nothing says what the module needs", dir.display())
}

fn read_toml(path: &Path) -> anyhow::Result<Option<Table>> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text.parse::<Table>().with_context(|| format!("{} is not valid TOML", path.display()))?)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

fn text<'a>(table: &'a Table, key: &str) -> Option<&'a str> {
    table.get(key).and_then(Value::as_str)
}

/// uv.lock: the packages the project itself (its source is `.`) needs, without its dev groups,
/// each pinned and with the marker of the dependency that brings it.
fn from_uv_lock(lock: &Table) -> anyhow::Result<Vec<String>> {
    let packages: Vec<&Table> =
        lock.get("package").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_table).collect();
    let is_root = |p: &&&Table| {
        p.get("source")
            .and_then(Value::as_table)
            .is_some_and(|s| s.get("virtual").or_else(|| s.get("editable")).and_then(Value::as_str) == Some("."))
    };
    let root = packages.iter().find(is_root).context("uv.lock: no package has the project's own source `.`")?;
    let by_name: BTreeMap<String, &Table> =
        packages.iter().filter_map(|p| Some((normalise(text(p, "name")?), *p))).collect();
    let mut wanted: BTreeMap<String, Option<String>> = BTreeMap::new();
    let mut queue: VecDeque<(String, Option<String>)> = dependencies_of(root).collect();
    while let Some((name, marker)) = queue.pop_front() {
        match wanted.get(&name) {
            // Reached without a marker: needed everywhere, whatever other paths say.
            Some(None) => continue,
            Some(Some(_)) if marker.is_some() => continue,
            _ => {}
        }
        wanted.insert(name.clone(), marker);
        if let Some(package) = by_name.get(&name) {
            queue.extend(dependencies_of(package));
        }
    }
    let root_name = text(root, "name").map(normalise).unwrap_or_default();
    Ok(wanted
        .into_iter()
        .filter(|(name, _)| *name != root_name)
        .filter_map(|(name, marker)| {
            let version = text(by_name.get(&name)?, "version")?;
            Some(with_marker(format!("{name}=={version}"), marker.as_deref()))
        })
        .collect())
}

fn dependencies_of(package: &Table) -> impl Iterator<Item = (String, Option<String>)> + '_ {
    package.get("dependencies").and_then(Value::as_array).into_iter().flatten().filter_map(|d| {
        let d = d.as_table()?;
        Some((normalise(text(d, "name")?), text(d, "marker").map(str::to_string)))
    })
}

/// poetry.lock: every package of the main group (all, in lock files without groups), pinned,
/// with its markers.
fn from_poetry_lock(lock: &Table) -> Vec<String> {
    let packages = lock.get("package").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_table);
    packages
        .filter(|p| match (p.get("groups").and_then(Value::as_array), text(p, "category")) {
            (Some(groups), _) => groups.iter().any(|g| g.as_str() == Some("main")),
            (None, Some(category)) => category == "main",
            (None, None) => true,
        })
        .filter_map(|p| {
            let pin = format!("{}=={}", normalise(text(p, "name")?), text(p, "version")?);
            Some(with_marker(pin, text(p, "markers")))
        })
        .collect()
}

/// pyproject.toml without a lock: `[project].dependencies`, else `[tool.poetry.dependencies]`.
fn declared(project: &Table) -> anyhow::Result<Vec<String>> {
    if let Some(list) = project.get("project").and_then(|p| p.get("dependencies")).and_then(Value::as_array) {
        return Ok(list.iter().filter_map(Value::as_str).map(str::to_string).collect());
    }
    let poetry = project.get("tool").and_then(|t| t.get("poetry")).and_then(|p| p.get("dependencies"));
    let Some(poetry) = poetry.and_then(Value::as_table) else { return Ok(Vec::new()) };
    poetry
        .iter()
        .filter(|(name, _)| name.as_str() != "python")
        .map(|(name, spec)| poetry_requirement(name, spec))
        .collect()
}

/// One `[tool.poetry.dependencies]` entry as a pip requirement.
fn poetry_requirement(name: &str, spec: &Value) -> anyhow::Result<String> {
    let (version, extras, marker) = match spec {
        Value::String(version) => (version.as_str(), Vec::new(), None),
        Value::Table(table) => {
            let extras = table.get("extras").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str);
            (text(table, "version").unwrap_or("*"), extras.collect(), text(table, "markers"))
        }
        _ => bail!("pyproject.toml: [tool.poetry.dependencies].{name}: expected a version or a table"),
    };
    let extras = if extras.is_empty() { String::new() } else { format!("[{}]", extras.join(",")) };
    let requirement =
        format!("{name}{extras}{}", poetry_constraint(version).with_context(|| format!("{name} = {version:?}"))?);
    Ok(with_marker(requirement, marker))
}

/// Poetry's version constraints (`^1.2`, `~1.2.3`, `*`, `1.2.3`, `>=1,<2`) in pip's terms.
fn poetry_constraint(constraint: &str) -> anyhow::Result<String> {
    let constraint = constraint.trim();
    if constraint.is_empty() || constraint == "*" {
        return Ok(String::new());
    }
    let parts: Vec<String> =
        constraint.split(',').map(|part| single_constraint(part.trim())).collect::<anyhow::Result<_>>()?;
    Ok(parts.join(","))
}

fn single_constraint(part: &str) -> anyhow::Result<String> {
    if let Some(version) = part.strip_prefix('^') {
        let numbers = numbers(version)?;
        // The first non-zero number may not change; `^0.0.3` allows only 0.0.3.
        let keep = numbers.iter().position(|n| *n != 0).unwrap_or(numbers.len() - 1);
        return Ok(format!(">={version},<{}", bump(&numbers, keep)));
    }
    if let Some(version) = part.strip_prefix('~').filter(|v| !v.starts_with('=')) {
        let numbers = numbers(version)?;
        let keep = if numbers.len() == 1 { 0 } else { 1 };
        return Ok(format!(">={version},<{}", bump(&numbers, keep)));
    }
    if part.starts_with(|c: char| c.is_ascii_digit()) {
        return Ok(format!("=={part}"));
    }
    Ok(part.to_string())
}

fn numbers(version: &str) -> anyhow::Result<Vec<u64>> {
    version
        .split('.')
        .map(|n| n.parse::<u64>().with_context(|| format!("`{version}` is not a version of numbers")))
        .collect()
}

/// The version after `numbers` when the number at `index` goes up by one and those after it
/// go to zero.
fn bump(numbers: &[u64], index: usize) -> String {
    let mut next: Vec<u64> = numbers[..=index].to_vec();
    next[index] += 1;
    next.extend(std::iter::repeat_n(0, numbers.len().saturating_sub(index + 1)));
    next.iter().map(u64::to_string).collect::<Vec<_>>().join(".")
}

/// Python package names compare lower-case with `-` for `_` and `.` (PEP 503).
fn normalise(name: &str) -> String {
    name.to_ascii_lowercase().replace(['_', '.'], "-")
}

fn with_marker(requirement: String, marker: Option<&str>) -> String {
    match marker {
        Some(marker) if !marker.trim().is_empty() => format!("{requirement} ; {marker}"),
        _ => requirement,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poetry_constraints_become_pip_ranges() {
        assert_eq!(poetry_constraint("^1.2.3").unwrap(), ">=1.2.3,<2.0.0");
        assert_eq!(poetry_constraint("^0.2.3").unwrap(), ">=0.2.3,<0.3.0");
        assert_eq!(poetry_constraint("^0.0.3").unwrap(), ">=0.0.3,<0.0.4");
        assert_eq!(poetry_constraint("~1.2.3").unwrap(), ">=1.2.3,<1.3.0");
        assert_eq!(poetry_constraint("~1").unwrap(), ">=1,<2");
        assert_eq!(poetry_constraint("2.31.0").unwrap(), "==2.31.0");
        assert_eq!(poetry_constraint(">=1.0, <2").unwrap(), ">=1.0,<2");
        assert_eq!(poetry_constraint("*").unwrap(), "");
        assert!(poetry_constraint("^one").is_err());
    }

    #[test]
    fn a_pyproject_without_lock_gives_its_declared_dependencies() {
        let poetry: Table = r#"
            [tool.poetry.dependencies]
            python = ">=3.10,<3.12"
            sekoia-automation-sdk = "^1.13"
            requests = { version = "^2.31", extras = ["socks"] }
        "#
        .parse()
        .unwrap();
        assert_eq!(declared(&poetry).unwrap(), ["requests[socks]>=2.31,<3.0", "sekoia-automation-sdk>=1.13,<2.0"]);
        let pep621: Table = "[project]\ndependencies = [\"sekoia-automation-sdk>=1.27\"]".parse().unwrap();
        assert_eq!(declared(&pep621).unwrap(), ["sekoia-automation-sdk>=1.27"]);
    }

    #[test]
    fn a_uv_lock_pins_what_the_project_needs_and_not_its_dev_tools() {
        let lock: Table = r#"
            [[package]]
            name = "testhttp"
            version = "0.1.0"
            source = { virtual = "." }
            dependencies = [{ name = "requests" }, { name = "colorama", marker = "sys_platform == 'win32'" }]
            [package.dev-dependencies]
            dev = [{ name = "pytest" }]

            [[package]]
            name = "requests"
            version = "2.32.3"
            dependencies = [{ name = "urllib3" }]

            [[package]]
            name = "urllib3"
            version = "2.2.3"

            [[package]]
            name = "colorama"
            version = "0.4.6"

            [[package]]
            name = "pytest"
            version = "8.3.3"
        "#
        .parse()
        .unwrap();
        assert_eq!(
            from_uv_lock(&lock).unwrap(),
            ["colorama==0.4.6 ; sys_platform == 'win32'", "requests==2.32.3", "urllib3==2.2.3"]
        );
    }

    #[test]
    fn a_poetry_lock_pins_its_main_group() {
        let lock: Table = r#"
            [[package]]
            name = "Sekoia_Automation_SDK"
            version = "1.27.0"
            groups = ["main"]

            [[package]]
            name = "pytest"
            version = "8.3.3"
            groups = ["dev"]

            [[package]]
            name = "pywin32"
            version = "308"
            groups = ["main"]
            markers = "sys_platform == \"win32\""
        "#
        .parse()
        .unwrap();
        assert_eq!(
            from_poetry_lock(&lock),
            ["sekoia-automation-sdk==1.27.0", "pywin32==308 ; sys_platform == \"win32\""]
        );
    }
}
