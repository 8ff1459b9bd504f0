//! What a Python module needs installed, as pip requirements: the versions its lock file pins
//! (`uv.lock`, `poetry.lock`), else the dependencies its `pyproject.toml` declares. Each comes
//! from where the file says, or the install is refused with the reason: a package a lock file
//! takes from git, a folder, a URL or a private index is never looked up on PyPI by its name,
//! where a same-named public package would be installed in its place. The hashes a lock file
//! gives for a package's files go to pip with it, so that a file altered since it was locked is
//! refused.

use std::collections::{BTreeMap, VecDeque};
use std::ffi::OsString;
use std::path::{Component, Path};

use anyhow::{Context, anyhow, bail};
use reqwest::Url;
use toml::{Table, Value};

use super::files::{inside, no_link_out, read_inside};

/// The requirements, by where pip takes them from, and whether they pin every package (so pip
/// needs not resolve).
#[derive(Debug, Default, PartialEq)]
pub struct Requirements {
    /// From pip's index (PyPI, unless pip is set up otherwise), or references to where a
    /// package's files are (`name @ url`).
    pub lines: Vec<String>,
    /// Packages from another index, by its URL: pip takes them from that index alone.
    pub indexes: BTreeMap<String, Vec<String>>,
    pub pinned: bool,
    /// The hashes (`sha256:...`) the lock file gives for a requirement's files, by its line.
    pub hashes: BTreeMap<String, Vec<String>>,
}

impl Requirements {
    fn add(&mut self, (index, line): (Option<String>, String), hashes: Vec<String>) {
        if !hashes.is_empty() {
            self.hashes.insert(line.clone(), hashes);
        }
        match index {
            Some(index) => self.indexes.entry(index).or_default().push(line),
            None => self.lines.push(line),
        }
    }

    /// The runs of `pip install` that install them: pip's index first, then each other index;
    /// for each, the requirements with hashes apart from those without, since pip checks the
    /// hashes of every requirement of a run or of none.
    pub fn installs(&self) -> Vec<PipInstall> {
        let groups = std::iter::once((None, &self.lines)).chain(self.indexes.iter().map(|(i, l)| (Some(i), l)));
        let mut installs = Vec::new();
        for (index, lines) in groups {
            let (hashed, plain): (Vec<&String>, Vec<&String>) =
                lines.iter().partition(|line| self.hashes.contains_key(*line));
            let hashed: Vec<String> = hashed.into_iter().map(|line| hashed_line(line, &self.hashes[line])).collect();
            let plain: Vec<String> = plain.into_iter().cloned().collect();
            for (hashed, requirements) in [(true, hashed), (false, plain)] {
                if !requirements.is_empty() {
                    let index = index.cloned();
                    installs.push(PipInstall { index, hashed, no_deps: self.pinned, requirements });
                }
            }
        }
        installs
    }
}

/// One run of `pip install`.
#[derive(Debug, PartialEq)]
pub struct PipInstall {
    /// The index its packages come from, alone; pip's own when `None`.
    pub index: Option<String>,
    /// Whether `requirements` carry their hashes: they are then the lines of a requirements file
    /// (pip reads `--hash` nowhere else), and pip refuses a file whose hash is not one of them.
    pub hashed: bool,
    /// The lock file pins every package: nothing to resolve.
    pub no_deps: bool,
    pub requirements: Vec<String>,
}

impl PipInstall {
    /// What a requirements file holds, when the requirements carry their hashes.
    pub fn file(&self) -> Option<String> {
        self.hashed.then(|| self.requirements.iter().map(|line| format!("{line}\n")).collect())
    }

    /// pip's arguments, from `install` on; `file` is where [`PipInstall::file`] was written,
    /// for requirements with hashes.
    pub fn arguments(&self, file: Option<&Path>) -> Vec<OsString> {
        let mut arguments: Vec<OsString> =
            ["install", "--quiet", "--disable-pip-version-check", "--no-input"].map(OsString::from).into();
        if self.no_deps {
            arguments.push("--no-deps".into());
        }
        if let Some(index) = &self.index {
            arguments.extend(["--index-url".into(), index.into()]);
        }
        match file {
            Some(file) => arguments.extend(["--require-hashes".into(), "--requirement".into(), file.into()]),
            None => {
                // Each requirement was checked: none is one of pip's options.
                arguments.push("--".into());
                arguments.extend(self.requirements.iter().map(OsString::from));
            }
        }
        arguments
    }
}

fn hashed_line(line: &str, hashes: &[String]) -> String {
    let mut line = line.to_string();
    for hash in hashes {
        line.push_str(" --hash=");
        line.push_str(hash);
    }
    line
}

/// Where a module's files are, and what the paths they name may reach.
pub struct Place<'a> {
    /// The module folder, canonical.
    pub module: &'a Path,
    /// The module folder, or the repository the module is installed from (a lock file may name
    /// a folder beside the module, as `../AWS`), canonical.
    pub root: &'a Path,
}

impl Place<'_> {
    fn named(&self) -> &'static str {
        if self.root == self.module { "the module folder" } else { "the module's repository" }
    }
}

/// Where a package comes from.
enum From {
    /// An index: pip's own, or the one named.
    Index(Option<String>),
    /// Files at a URL (`git+https://...@commit`, `file:///...`, `https://...`).
    Direct(String),
}

pub fn requirements(place: &Place) -> anyhow::Result<Requirements> {
    if let Some(lock) = read_toml(place, "uv.lock")? {
        return from_uv_lock(&lock, place);
    }
    if let Some(lock) = read_toml(place, "poetry.lock")? {
        return from_poetry_lock(&lock, place);
    }
    if let Some(project) = read_toml(place, "pyproject.toml")? {
        return declared(&project, place);
    }
    bail!(
        "{} has no pyproject.toml, poetry.lock or uv.lock: nothing says what the module needs",
        place.module.display()
    )
}

/// The module's file `name`, read without following a link out of its folder. A syntax error
/// says where, not the line (it would show what a file holds).
fn read_toml(place: &Place, name: &str) -> anyhow::Result<Option<Table>> {
    let Some(text) = read_inside(&place.module.join(name), place.module)? else { return Ok(None) };
    let table = text.parse::<Table>().map_err(|e| {
        let at = e.span().map(|span| {
            let before = text.get(..span.start).unwrap_or(&text);
            let line = before.matches('\n').count() + 1;
            format!(" (line {line}, column {})", before.chars().rev().take_while(|c| *c != '\n').count() + 1)
        });
        anyhow!("{name} is not valid TOML{}", at.unwrap_or_default())
    })?;
    Ok(Some(table))
}

fn text<'a>(table: &'a Table, key: &str) -> Option<&'a str> {
    table.get(key).and_then(Value::as_str)
}

/// uv.lock: the packages the project itself (its source is `.`) needs, without its dev groups,
/// each pinned, from where the lock file says, and with the marker of the dependency that
/// brings it.
fn from_uv_lock(lock: &Table, place: &Place) -> anyhow::Result<Requirements> {
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
    let mut needed = Requirements { pinned: true, ..Requirements::default() };
    for (name, marker) in wanted.into_iter().filter(|(name, _)| *name != root_name) {
        let Some(package) = by_name.get(&name) else { continue };
        let what = || format!("uv.lock: {}", shown_name(&name));
        let Some(from) = uv_source(package, place).with_context(what)? else { continue };
        // A repository or a folder is built, not downloaded: there is no file to check.
        let source = package.get("source").and_then(Value::as_table);
        let checked = source.is_none_or(|s| ["registry", "url", "path"].iter().any(|key| s.contains_key(*key)));
        let hashes = if checked { uv_hashes(package).with_context(what)? } else { Vec::new() };
        let version = text(package, "version");
        needed.add(pinned(&name, version, from, marker.as_deref(), !hashes.is_empty()).with_context(what)?, hashes);
    }
    Ok(needed)
}

/// The hashes uv.lock gives for a package's files (`sdist`, `wheels`).
fn uv_hashes(package: &Table) -> anyhow::Result<Vec<String>> {
    let wheels = package.get("wheels").and_then(Value::as_array).into_iter().flatten();
    let files = package.get("sdist").into_iter().chain(wheels);
    files.filter_map(|file| file.get("hash")).map(checked_hash).collect()
}

/// Where uv.lock takes a package from; `None` for a project that is not installed (`virtual`).
fn uv_source(package: &Table, place: &Place) -> anyhow::Result<Option<From>> {
    let Some(source) = package.get("source").and_then(Value::as_table) else { return Ok(Some(From::Index(None))) };
    if let Some(registry) = text(source, "registry") {
        let pypi = registry.trim_end_matches('/') == "https://pypi.org/simple";
        return Ok(Some(From::Index(if pypi { None } else { Some(index_url(registry)?) })));
    }
    if let Some(git) = text(source, "git") {
        // `https://host/repo?rev=main&subdirectory=pkg#<commit>`
        let (address, commit) = git.split_once('#').context("comes from git without the commit it was locked to")?;
        let url = Url::parse(address.strip_prefix("git+").unwrap_or(address)).ok();
        let subdirectory =
            url.as_ref().and_then(|u| u.query_pairs().find(|(k, _)| k == "subdirectory").map(|(_, v)| v.to_string()));
        let address = address.split_once('?').map_or(address, |(before, _)| before);
        return Ok(Some(From::Direct(git_at(address, commit, subdirectory.as_deref())?)));
    }
    if let Some(url) = text(source, "url") {
        return Ok(Some(From::Direct(web_url(url)?)));
    }
    if let Some(path) = ["path", "directory", "editable"].iter().find_map(|key| text(source, key)) {
        return Ok(Some(From::Direct(local(path, place)?)));
    }
    if text(source, "virtual").is_some() {
        return Ok(None);
    }
    bail!("comes from a kind of source Riposte does not install")
}

fn dependencies_of(package: &Table) -> impl Iterator<Item = (String, Option<String>)> + '_ {
    package.get("dependencies").and_then(Value::as_array).into_iter().flatten().filter_map(|d| {
        let d = d.as_table()?;
        Some((normalise(text(d, "name")?), text(d, "marker").map(str::to_string)))
    })
}

/// poetry.lock: every package of the main group (all, in lock files without groups), pinned,
/// from where the lock file says (its `[package.source]`), with its markers.
fn from_poetry_lock(lock: &Table, place: &Place) -> anyhow::Result<Requirements> {
    let packages = lock.get("package").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_table);
    let main = packages.filter(|p| match (p.get("groups").and_then(Value::as_array), text(p, "category")) {
        (Some(groups), _) => groups.iter().any(|g| g.as_str() == Some("main")),
        (None, Some(category)) => category == "main",
        (None, None) => true,
    });
    let mut needed = Requirements { pinned: true, ..Requirements::default() };
    for (n, package) in main.enumerate() {
        let name = text(package, "name")
            .filter(|name| is_name(name))
            .map(normalise)
            .with_context(|| format!("poetry.lock: package {} has no valid name", n + 1))?;
        let what = || format!("poetry.lock: {name}");
        let source = package.get("source").and_then(Value::as_table);
        let from = match source {
            Some(source) => poetry_source(source, place).with_context(what)?,
            None => From::Index(None),
        };
        // A repository or a folder is built, not downloaded: there is no file to check.
        let checked = source.is_none_or(|s| !matches!(text(s, "type"), Some("git" | "directory")));
        let hashes = if checked { poetry_hashes(lock, package, &name).with_context(what)? } else { Vec::new() };
        let (version, markers) = (text(package, "version"), text(package, "markers"));
        needed.add(pinned(&name, version, from, markers, !hashes.is_empty()).with_context(what)?, hashes);
    }
    Ok(needed)
}

/// The hashes poetry.lock gives for a package's files: its `files`, or, in the lock files of
/// Poetry before 1.3 (`lock-version` 1.x), its entry of `[metadata.files]`.
fn poetry_hashes(lock: &Table, package: &Table, name: &str) -> anyhow::Result<Vec<String>> {
    let files = match package.get("files").and_then(Value::as_array) {
        Some(files) if !files.is_empty() => Some(files),
        _ => lock
            .get("metadata")
            .and_then(|metadata| metadata.get("files"))
            .and_then(Value::as_table)
            .and_then(|files| files.iter().find(|(key, _)| normalise(key) == name))
            .and_then(|(_, files)| files.as_array()),
    };
    files.into_iter().flatten().filter_map(|file| file.get("hash")).map(checked_hash).collect()
}

/// A file's hash as pip checks it: `sha256:`, `sha384:` or `sha512:` and its hex digits.
fn checked_hash(hash: &Value) -> anyhow::Result<String> {
    let (algorithm, digits) = hash.as_str().and_then(|hash| hash.split_once(':')).unwrap_or_default();
    let length = match algorithm {
        "sha256" => 64,
        "sha384" => 96,
        "sha512" => 128,
        _ => 0,
    };
    if length == 0 || digits.len() != length || !digits.chars().all(|c| c.is_ascii_hexdigit()) {
        bail!("a file's hash is not sha256, sha384 or sha512 in hex digits");
    }
    Ok(format!("{algorithm}:{}", digits.to_ascii_lowercase()))
}

/// Where a poetry.lock `[package.source]` takes a package from.
fn poetry_source(source: &Table, place: &Place) -> anyhow::Result<From> {
    let url = || text(source, "url").context("its source has no url");
    match text(source, "type").unwrap_or_default() {
        "git" => {
            let commit = text(source, "resolved_reference")
                .context("comes from git without the commit it was resolved to (`resolved_reference`)")?;
            Ok(From::Direct(git_at(url()?, commit, text(source, "subdirectory"))?))
        }
        "directory" | "file" => Ok(From::Direct(local(url()?, place)?)),
        "url" => Ok(From::Direct(web_url(url()?)?)),
        "legacy" => Ok(From::Index(Some(index_url(url()?)?))),
        _ => bail!("comes from a kind of source Riposte does not install (only git, directory, file, url and legacy)"),
    }
}

/// A package pinned: its version from its index, or the files it comes from. A requirement
/// `hashed` goes to pip in a requirements file, where it must stay one requirement.
fn pinned(
    name: &str,
    version: Option<&str>,
    from: From,
    marker: Option<&str>,
    hashed: bool,
) -> anyhow::Result<(Option<String>, String)> {
    if !is_name(name) {
        bail!("not a package's name");
    }
    let (index, requirement) = match from {
        From::Direct(url) => (None, format!("{name} @ {url}")),
        From::Index(index) => {
            let version = version.filter(|v| is_version(v)).context("has no valid version")?;
            (index, format!("{name}=={version}"))
        }
    };
    let line = with_marker(requirement, marker);
    if hashed && !fits_a_requirements_file(&line) {
        bail!("its markers or URL cannot be written in a requirements file, where its hashes go to pip");
    }
    Ok((index, line))
}

/// Whether pip reads `line`, in a requirements file, as the one requirement it is: with no
/// comment, option, environment variable, continuation or other line in it.
fn fits_a_requirements_file(line: &str) -> bool {
    !(line.contains(char::is_control)
        || line.contains(" #")
        || line.contains(" -")
        || line.contains("${")
        || line.contains('\\'))
}

/// `git+<url>@<commit>`, for a repository at an `https://`, `ssh://`, `git://` or
/// `user@host:path` address, pinned to a full commit.
fn git_at(address: &str, commit: &str, subdirectory: Option<&str>) -> anyhow::Result<String> {
    let hex = commit.chars().all(|c| c.is_ascii_hexdigit());
    if !hex || !(commit.len() == 40 || commit.len() == 64) {
        bail!("comes from git without a full commit to install");
    }
    Ok(format!("{}@{commit}{}", git_repository(address)?, subdirectory_part(subdirectory)?))
}

/// A git repository's address as pip takes it (`git+https://...`), when it is on another host:
/// a repository on this machine (`file://`, a path) is not one a module may name.
fn git_repository(address: &str) -> anyhow::Result<String> {
    let address = address.strip_prefix("git+").unwrap_or(address);
    // `git@github.com:org/repo.git`, as ssh says it.
    if address.contains(char::is_whitespace) {
        bail!("comes from a git repository that is not at an https://, ssh:// or git:// address");
    }
    let host_chars = |host: &str| {
        let (user, name) = host.split_once('@').unwrap_or(("git", host));
        [user, name].iter().all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || ".-_".contains(c)))
    };
    let scp = match address.split_once(':') {
        Some((host, path)) if !address.contains("://") && host_chars(host) && !path.starts_with(':') => {
            Some(format!("ssh://{host}/{}", path.trim_start_matches('/')))
        }
        _ => None,
    };
    let mut url = Url::parse(scp.as_deref().unwrap_or(address))
        .ok()
        .filter(|url| matches!(url.scheme(), "https" | "http" | "ssh" | "git"))
        .filter(|url| url.host_str().is_some_and(|host| !host.is_empty()))
        .context("comes from a git repository that is not at an https://, ssh:// or git:// address")?;
    url.set_query(None);
    url.set_fragment(None);
    Ok(format!("git+{url}"))
}

fn subdirectory_part(subdirectory: Option<&str>) -> anyhow::Result<String> {
    let Some(subdirectory) = subdirectory.filter(|s| !s.is_empty()) else { return Ok(String::new()) };
    let plain = Path::new(subdirectory).components().all(|c| matches!(c, Component::Normal(_)))
        && !subdirectory.contains(|c: char| c.is_whitespace() || matches!(c, '#' | '&' | '@'));
    if !plain {
        bail!("names a subdirectory that is not a plain folder of its repository");
    }
    Ok(format!("#subdirectory={subdirectory}"))
}

/// Files at an `https://` (or `http://`) URL.
fn web_url(url: &str) -> anyhow::Result<String> {
    Url::parse(url)
        .ok()
        .filter(|url| matches!(url.scheme(), "https" | "http"))
        .map(String::from)
        .context("comes from a URL that is not https:// or http://")
}

/// A private index's URL: pip takes the package from it alone.
fn index_url(url: &str) -> anyhow::Result<String> {
    Url::parse(url)
        .ok()
        .filter(|url| matches!(url.scheme(), "https" | "http"))
        .map(|_| url.to_string())
        .context("comes from an index that is not at an https:// or http:// address")
}

/// A file or folder the module names (relative to its folder, or absolute, or a `file:` URL),
/// as a `file:` URL, when it is inside the module folder (or the repository it is installed
/// from) and what pip would build from it links nowhere else.
fn local(path: &str, place: &Place) -> anyhow::Result<String> {
    let given = match path.strip_prefix("file:") {
        Some(_) => Url::parse(path).ok().and_then(|url| url.to_file_path().ok()),
        None => Some(Path::new(path).to_path_buf()),
    };
    let full = given.map(|given| place.module.join(given)).context("comes from a `file:` URL that is not a path")?;
    let outside = || {
        let hint = if place.root == place.module {
            " (a module installed from its repository, with --subdir, may name one beside it)"
        } else {
            ""
        };
        format!("comes from {path}, outside {}: only files and folders inside it are installed{hint}", place.named())
    };
    // Outside as written, whether it is there or not: the answer says nothing of the server's
    // other files.
    let mut written = std::path::PathBuf::new();
    for component in full.components() {
        match component {
            Component::ParentDir => drop(written.pop()),
            Component::CurDir => {}
            other => written.push(other),
        }
    }
    if !written.starts_with(place.root) {
        bail!(outside());
    }
    if std::fs::symlink_metadata(&full).is_err() {
        bail!("comes from {path}, which is not there");
    }
    let real = inside(&full, place.root).with_context(outside)?;
    if real.is_dir() {
        no_link_out(&real, place.root)?;
    } else if !real.is_file() {
        bail!("comes from {path}, which is neither a file nor a folder");
    }
    Url::from_file_path(&real).map(String::from).map_err(|()| anyhow!("comes from {path}, which has no file URL"))
}

/// pyproject.toml without a lock: `[project].dependencies`, else `[tool.poetry.dependencies]`.
fn declared(project: &Table, place: &Place) -> anyhow::Result<Requirements> {
    let mut needed = Requirements::default();
    if let Some(list) = project.get("project").and_then(|p| p.get("dependencies")).and_then(Value::as_array) {
        for (n, line) in list.iter().enumerate() {
            let what = || format!("pyproject.toml: [project].dependencies[{n}]");
            let line = line.as_str().with_context(|| format!("{}: not a string", what()))?;
            needed.lines.push(requirement_line(line, place).with_context(what)?);
        }
        return Ok(needed);
    }
    let poetry = project.get("tool").and_then(|t| t.get("poetry"));
    let Some(dependencies) = poetry.and_then(|p| p.get("dependencies")).and_then(Value::as_table) else {
        return Ok(needed);
    };
    // `[[tool.poetry.source]]`: the indexes a dependency may name.
    let sources: BTreeMap<String, &str> = poetry
        .and_then(|p| p.get("source"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|s| Some((text(s.as_table()?, "name")?.to_ascii_lowercase(), text(s.as_table()?, "url")?)))
        .collect();
    for (name, spec) in dependencies.iter().filter(|(name, _)| name.as_str() != "python") {
        let requirement = poetry_requirement(name, spec, &sources, place)
            .with_context(|| format!("pyproject.toml: [tool.poetry.dependencies].{}", shown_name(name)))?;
        needed.add(requirement, Vec::new());
    }
    Ok(needed)
}

/// A line of `[project].dependencies`, once checked: a package (with extras, versions and
/// markers), or a reference to where its files are that Riposte installs from. What pip would
/// read as one of its own options (`-r FILE`, `-c`, `-e`, `--index-url`...) is refused, saying
/// the option and not what follows it (a file's content would show in pip's error).
fn requirement_line(line: &str, place: &Place) -> anyhow::Result<String> {
    let line = line.trim();
    if line.starts_with('-') {
        let option = match line.strip_prefix("--") {
            Some(rest) => {
                &line[..2 + rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '-')).unwrap_or(rest.len())]
            }
            None => line.char_indices().nth(2).map_or(line, |(end, _)| &line[..end]),
        };
        bail!(
            "`{option}` is one of pip's options, not a requirement: options (-r, -c, -e, --index-url...) are refused"
        );
    }
    let end = line.find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))).unwrap_or(line.len());
    let (name, rest) = line.split_at(end);
    let follows = rest.chars().next().is_none_or(|c| c.is_whitespace() || "[(<>=!~;@".contains(c));
    if !is_name(name) || !follows || is_archive(name) {
        bail!("not a requirement: it does not start with a package's name");
    }
    let rest = rest.trim_start();
    let rest = match rest.strip_prefix('[') {
        Some(extras) => {
            extras.split_once(']').map(|(_, after)| after.trim_start()).context("its extras are not closed")?
        }
        None => rest,
    };
    if !rest.chars().next().is_none_or(|c| "(<>=!~;@".contains(c)) {
        bail!("not a requirement: its name is followed by neither versions, markers nor `@`");
    }
    if let Some(reference) = rest.strip_prefix('@') {
        let url = reference.split_whitespace().next().context("names no URL after `@`")?;
        direct_reference(url, place)?;
    }
    Ok(line.to_string())
}

/// Checks a `name @ url` reference: a git repository elsewhere, files at an `https://` URL, or
/// a `file:` inside the module folder.
fn direct_reference(url: &str, place: &Place) -> anyhow::Result<()> {
    if let Some(repository) = url.strip_prefix("git+") {
        // `git+https://host/repo@ref#subdirectory=...`: the address up to the reference.
        let address = repository.split_once('#').map_or(repository, |(before, _)| before);
        let after_scheme = address.find("://").map_or(0, |i| i + 3);
        let address = match address[after_scheme..].rfind('@') {
            Some(at) if address[after_scheme..][..at].contains('/') => &address[..after_scheme + at],
            _ => address,
        };
        return git_repository(address).map(drop);
    }
    if url.starts_with("file:") {
        return local(url, place).map(drop);
    }
    web_url(url).map(drop)
}

/// One `[tool.poetry.dependencies]` entry as a pip requirement, with the index it comes from
/// when it names one of `[[tool.poetry.source]]`.
fn poetry_requirement(
    name: &str,
    spec: &Value,
    sources: &BTreeMap<String, &str>,
    place: &Place,
) -> anyhow::Result<(Option<String>, String)> {
    if !is_name(name) {
        bail!("not a package's name");
    }
    let (version, extras, marker) = match spec {
        Value::String(version) => (version.as_str(), Vec::new(), None),
        Value::Table(table) => {
            let extras = table.get("extras").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str);
            (text(table, "version").unwrap_or("*"), extras.collect(), text(table, "markers"))
        }
        _ => bail!("expected a version or a table"),
    };
    if extras.iter().any(|extra| !is_name(extra)) {
        bail!("an extra is not a name");
    }
    let extras = if extras.is_empty() { String::new() } else { format!("[{}]", extras.join(",")) };
    let table = spec.as_table();
    let field = |key: &str| table.and_then(|t| text(t, key));
    let direct = if let Some(address) = field("git") {
        let reference = field("rev").or_else(|| field("tag")).or_else(|| field("branch"));
        if reference.is_some_and(|r| r.starts_with('-') || r.contains(|c: char| c.is_whitespace() || "#@".contains(c)))
        {
            bail!("names a git reference that is not a tag, branch or commit");
        }
        let at = reference.map(|r| format!("@{r}")).unwrap_or_default();
        Some(format!("{}{at}{}", git_repository(address)?, subdirectory_part(field("subdirectory"))?))
    } else if let Some(path) = field("path") {
        Some(local(path, place)?)
    } else if let Some(url) = field("url") {
        Some(web_url(url)?)
    } else {
        None
    };
    if let Some(url) = direct {
        return Ok((None, with_marker(format!("{name}{extras} @ {url}"), marker)));
    }
    let requirement = format!("{name}{extras}{}", poetry_constraint(version).with_context(|| format!("{version:?}"))?);
    let index = match field("source").map(str::to_ascii_lowercase) {
        None => None,
        Some(source) if source == "pypi" => None,
        Some(source) => {
            let url = sources.get(&source).context("names a source that [[tool.poetry.source]] does not have")?;
            Some(index_url(url)?)
        }
    };
    Ok((index, with_marker(requirement, marker)))
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

/// A package's name as PEP 508 has it: letters, digits, `.`, `_` and `-`, starting and ending
/// with a letter or a digit.
fn is_name(name: &str) -> bool {
    let edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    edge(name.chars().next())
        && edge(name.chars().last())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

/// A name pip would take for an archive on disk rather than a package.
fn is_archive(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    [".whl", ".zip", ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tar.xz", ".txz"].iter().any(|e| name.ends_with(e))
}

/// A version as a pin takes it (PEP 440's characters).
fn is_version(version: &str) -> bool {
    version.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && version.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '+' | '!' | '_' | '-'))
}

/// A name from a file, shown only when it is one (anything else could be what a file holds).
fn shown_name(name: &str) -> &str {
    if is_name(name) { name } else { "a package" }
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

    /// A module folder, alone (`root` is the folder itself) or in a repository.
    struct Module {
        _dir: tempfile::TempDir,
        repository: std::path::PathBuf,
        module: std::path::PathBuf,
    }

    impl Module {
        fn new() -> Module {
            let dir = tempfile::tempdir().unwrap();
            let repository = dir.path().canonicalize().unwrap();
            let module = repository.join("Module");
            std::fs::create_dir(&module).unwrap();
            Module { _dir: dir, repository, module }
        }

        fn alone(&self) -> Place<'_> {
            Place { module: &self.module, root: &self.module }
        }

        fn in_repository(&self) -> Place<'_> {
            Place { module: &self.module, root: &self.repository }
        }
    }

    fn poetry(lock: &str, place: &Place) -> anyhow::Result<Requirements> {
        from_poetry_lock(&lock.parse().unwrap(), place)
    }

    fn error(result: anyhow::Result<Requirements>) -> String {
        format!("{:#}", result.unwrap_err())
    }

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
        let module = Module::new();
        assert_eq!(
            declared(&poetry, &module.alone()).unwrap().lines,
            ["requests[socks]>=2.31,<3.0", "sekoia-automation-sdk>=1.13,<2.0"]
        );
        let pep621: Table = "[project]\ndependencies = [\"sekoia-automation-sdk>=1.27\"]".parse().unwrap();
        assert_eq!(declared(&pep621, &module.alone()).unwrap().lines, ["sekoia-automation-sdk>=1.27"]);
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
            from_uv_lock(&lock, &Module::new().alone()).unwrap().lines,
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
            from_poetry_lock(&lock, &Module::new().alone()).unwrap().lines,
            ["sekoia-automation-sdk==1.27.0", "pywin32==308 ; sys_platform == \"win32\""]
        );
    }

    const COMMIT: &str = "cd6dc359fd10db88a72334f70523f1433299d817";

    #[test]
    fn a_git_package_of_a_poetry_lock_installs_from_its_repository_at_the_resolved_commit() {
        let module = Module::new();
        // Zscaler's, as automation-library locks it.
        let lock = format!(
            r#"
            [[package]]
            name = "zscaler-api-talkers"
            version = "6.1.0"
            optional = false
            files = []
            develop = false

            [package.source]
            type = "git"
            url = "https://github.com/sergitopereira/zscaler_api_talkers.git"
            reference = "main"
            resolved_reference = "{COMMIT}"

            [[package]]
            name = "requests"
            version = "2.32.3"
        "#
        );
        let needed = poetry(&lock, &module.alone()).unwrap();
        assert_eq!(
            needed.lines,
            [
                format!("zscaler-api-talkers @ git+https://github.com/sergitopereira/zscaler_api_talkers.git@{COMMIT}"),
                "requests==2.32.3".to_string()
            ],
            "never `zscaler-api-talkers==6.1.0` from PyPI"
        );
        assert!(needed.indexes.is_empty() && needed.pinned);

        let ssh = lock.replace("https://github.com/", "git@github.com:");
        assert!(
            poetry(&ssh, &module.alone()).unwrap().lines[0]
                .starts_with("zscaler-api-talkers @ git+ssh://git@github.com/sergitopereira/")
        );
        let unresolved = lock.replace(&format!("resolved_reference = \"{COMMIT}\""), "");
        assert!(
            error(poetry(&unresolved, &module.alone()))
                .contains("zscaler-api-talkers: comes from git without the commit")
        );
        let branch = lock.replace(&format!("resolved_reference = \"{COMMIT}\""), "resolved_reference = \"main\"");
        assert!(error(poetry(&branch, &module.alone())).contains("without a full commit"));
        for local in ["file:///srv/repo.git", "/srv/repo.git", "ext::sh -c id"] {
            let local = lock.replace("https://github.com/sergitopereira/zscaler_api_talkers.git", local);
            assert!(
                error(poetry(&local, &module.alone())).contains("not at an https://, ssh:// or git:// address"),
                "{local}"
            );
        }
    }

    #[test]
    fn a_package_of_a_private_index_comes_from_that_index_alone() {
        let module = Module::new();
        let lock = r#"
            [[package]]
            name = "aws-automation"
            version = "1.0.0"

            [package.source]
            type = "legacy"
            url = "https://pypi.example.com/simple"
            reference = "private"

            [[package]]
            name = "boto3"
            version = "1.39.9"
        "#;
        let needed = poetry(lock, &module.alone()).unwrap();
        assert_eq!(needed.lines, ["boto3==1.39.9"], "aws-automation is not looked up on PyPI");
        assert_eq!(
            needed.indexes,
            BTreeMap::from([(
                "https://pypi.example.com/simple".to_string(),
                vec!["aws-automation==1.0.0".to_string()]
            )])
        );
        let no_url = lock.replace("url = \"https://pypi.example.com/simple\"", "");
        assert!(error(poetry(&no_url, &module.alone())).contains("aws-automation: its source has no url"));
        let on_disk = lock.replace("https://pypi.example.com/simple", "file:///srv/simple");
        assert!(error(poetry(&on_disk, &module.alone())).contains("aws-automation: comes from an index that is not"));
        let unknown = lock.replace("legacy", "hg");
        assert!(error(poetry(&unknown, &module.alone())).contains("a kind of source Riposte does not install"));
        let direct = lock.replace("type = \"legacy\"", "type = \"url\"").replace("/simple", "/aws.whl");
        assert_eq!(
            poetry(&direct, &module.alone()).unwrap().lines[0],
            "aws-automation @ https://pypi.example.com/aws.whl"
        );
    }

    #[test]
    fn a_path_a_lock_names_stays_inside_the_module_folder_or_its_repository() {
        let module = Module::new();
        let aws = module.repository.join("AWS");
        std::fs::create_dir(&aws).unwrap();
        std::fs::write(aws.join("pyproject.toml"), "[project]\nname = \"aws-automation\"").unwrap();
        std::fs::write(module.module.join("sdk.tar.gz"), "archive").unwrap();
        // CrowdStrike's and SentinelOne's, as automation-library locks them.
        let lock = r#"
            [[package]]
            name = "aws-automation"
            version = "1.0.0"
            develop = true

            [package.source]
            type = "directory"
            url = "../AWS"

            [[package]]
            name = "sentinel-mgmt-sdk"
            version = "2.0.0"

            [package.source]
            type = "file"
            url = "sdk.tar.gz"
        "#;
        let alone = error(poetry(lock, &module.alone()));
        assert!(alone.contains("aws-automation: comes from ../AWS, outside the module folder"), "{alone}");
        let needed = poetry(lock, &module.in_repository()).unwrap();
        assert_eq!(
            needed.lines,
            [
                format!("aws-automation @ file://{}", aws.display()),
                format!("sentinel-mgmt-sdk @ file://{}", module.module.join("sdk.tar.gz").display())
            ]
        );
        let above = lock.replace("../AWS", "../../");
        assert!(error(poetry(&above, &module.in_repository())).contains("outside the module's repository"));
        let missing = lock.replace("../AWS", "../Nothing");
        assert!(error(poetry(&missing, &module.in_repository())).contains("comes from ../Nothing, which is not there"));
        std::fs::create_dir(module.repository.join(".git")).unwrap();
        let git = lock.replace("../AWS", "../.git");
        assert!(error(poetry(&git, &module.in_repository())).contains("outside the module's repository"));

        // What pip would build from the folder links nowhere else.
        std::os::unix::fs::symlink("/etc", aws.join("etc")).unwrap();
        let linked = error(poetry(lock, &module.in_repository()));
        assert!(linked.contains("AWS/etc is a link out of the module folder"), "{linked}");
        std::fs::remove_file(aws.join("etc")).unwrap();
        std::os::unix::fs::symlink("/etc/hostname", module.module.join("hostname.tar.gz")).unwrap();
        let file = lock.replace("sdk.tar.gz", "hostname.tar.gz");
        assert!(
            error(poetry(&file, &module.in_repository()))
                .contains("sentinel-mgmt-sdk: comes from hostname.tar.gz, outside")
        );
    }

    #[test]
    fn a_uv_lock_installs_each_package_from_its_source() {
        let module = Module::new();
        let lock = format!(
            r#"
            [[package]]
            name = "module"
            version = "0.1.0"
            source = {{ virtual = "." }}
            dependencies = [{{ name = "talkers" }}, {{ name = "private" }}, {{ name = "requests" }}]

            [[package]]
            name = "talkers"
            version = "6.1.0"
            source = {{ git = "https://github.com/o/talkers.git?rev=main&subdirectory=sdk#{COMMIT}" }}

            [[package]]
            name = "private"
            version = "1.0.0"
            source = {{ registry = "https://pypi.example.com/simple" }}

            [[package]]
            name = "requests"
            version = "2.32.3"
            source = {{ registry = "https://pypi.org/simple" }}
        "#
        );
        let needed = from_uv_lock(&lock.parse().unwrap(), &module.alone()).unwrap();
        assert_eq!(
            needed.lines,
            [
                "requests==2.32.3".to_string(),
                format!("talkers @ git+https://github.com/o/talkers.git@{COMMIT}#subdirectory=sdk")
            ]
        );
        assert_eq!(needed.indexes["https://pypi.example.com/simple"], ["private==1.0.0"]);
        let outside = lock.replace("registry = \"https://pypi.example.com/simple\"", "directory = \"../Other\"");
        std::fs::create_dir(module.repository.join("Other")).unwrap();
        let refused = format!("{:#}", from_uv_lock(&outside.parse().unwrap(), &module.alone()).unwrap_err());
        assert!(refused.contains("uv.lock: private: comes from ../Other, outside the module folder"), "{refused}");
    }

    #[test]
    fn declared_dependencies_that_are_pip_options_are_refused_without_what_follows() {
        let module = Module::new();
        let line = |line: &str| requirement_line(line, &module.alone()).map_err(|e| format!("{e:#}"));
        for (option, said) in [
            ("-r/var/lib/riposte/secret.key", "`-r`"),
            ("-r /var/lib/riposte/secret.key", "`-r`"),
            ("--requirement=/var/lib/riposte/secret.key", "`--requirement`"),
            ("-c/var/lib/riposte/secret.key", "`-c`"),
            ("-e /var/lib/riposte", "`-e`"),
            ("--index-url https://evil.example/simple", "`--index-url`"),
            ("--extra-index-url=https://evil.example/simple", "`--extra-index-url`"),
        ] {
            let refused = line(option).unwrap_err();
            assert!(refused.contains(said) && refused.contains("options"), "{option}: {refused}");
            assert!(!refused.contains("riposte") && !refused.contains("evil"), "{option}: {refused}");
        }
        for not_one in ["/var/lib/riposte/secret.key", "./secret.key", "https://evil.example/x.whl", "x.whl", "a b"] {
            assert!(line(not_one).unwrap_err().contains("not a requirement"), "{not_one}");
        }
        assert!(line("x @ file:///var/lib/riposte/secret.key").unwrap_err().contains("outside the module folder"));
        assert!(line("x @ git+file:///srv/repo").unwrap_err().contains("not at an https://"));
        for good in [
            "requests[socks]>=2.31,<3 ; python_version >= '3.10'",
            "requests (>=2.31)",
            "talkers @ git+https://github.com/o/talkers.git@v1#subdirectory=sdk",
            "talkers @ git+ssh://git@github.com/o/talkers.git",
            "sdk @ https://files.example/sdk-1.0.tar.gz ; sys_platform == 'linux'",
        ] {
            assert_eq!(line(good).unwrap(), good);
        }
        let project: Table =
            "[project]\ndependencies = [\"requests\", \"-r/var/lib/riposte/secret.key\"]".parse().unwrap();
        let refused = format!("{:#}", declared(&project, &module.alone()).unwrap_err());
        assert!(refused.starts_with("pyproject.toml: [project].dependencies[1]: `-r`"), "{refused}");
    }

    #[test]
    fn poetry_dependencies_without_a_lock_come_from_where_they_say() {
        let module = Module::new();
        std::fs::create_dir(module.repository.join("AWS")).unwrap();
        let project: Table = r#"
            [tool.poetry.dependencies]
            aws-automation = { path = "../AWS", develop = true }
            talkers = { git = "https://github.com/o/talkers.git", rev = "v1" }
            private = { version = "^1.0", source = "internal" }

            [[tool.poetry.source]]
            name = "internal"
            url = "https://pypi.example.com/simple"
            priority = "explicit"
        "#
        .parse()
        .unwrap();
        let needed = declared(&project, &module.in_repository()).unwrap();
        assert_eq!(
            needed.lines,
            [
                format!("aws-automation @ file://{}", module.repository.join("AWS").display()),
                "talkers @ git+https://github.com/o/talkers.git@v1".to_string()
            ]
        );
        assert_eq!(needed.indexes["https://pypi.example.com/simple"], ["private>=1.0,<2.0"]);
        assert!(!needed.pinned);
        let refused = format!("{:#}", declared(&project, &module.alone()).unwrap_err());
        assert!(
            refused.contains("[tool.poetry.dependencies].aws-automation: comes from ../AWS, outside the module folder")
        );
    }

    #[test]
    fn a_file_that_is_not_toml_or_links_out_is_refused_without_its_content() {
        let module = Module::new();
        std::fs::write(module.module.join("pyproject.toml"), "[project]\nsealing-key-0123456789abcdef\n").unwrap();
        let refused = format!("{:#}", requirements(&module.alone()).err().unwrap());
        assert_eq!(refused, "pyproject.toml is not valid TOML (line 2, column 29)");
        std::fs::remove_file(module.module.join("pyproject.toml")).unwrap();
        std::fs::write(module.repository.join("secret.key"), "[key]\nvalue = \"sealing-key\"").unwrap();
        std::os::unix::fs::symlink("../secret.key", module.module.join("pyproject.toml")).unwrap();
        let refused = format!("{:#}", requirements(&module.alone()).err().unwrap());
        assert!(refused.contains("pyproject.toml is a link out of the module folder"), "{refused}");
        assert!(!refused.contains("sealing"), "{refused}");
    }

    const SHA_WHEEL: &str = "sha256:c728b120ebc00eb84e01882a6f5e7927a53960aa990ce7dd2b10f39005a67f80";
    const SHA_SDIST: &str = "sha256:d4540617648cb5f895730f1ad8c82a65f2dad0166f57b75f3ca54759c4d67a85";

    #[test]
    fn the_hashes_of_a_poetry_lock_go_to_pip_in_a_requirements_file_apart_from_what_has_none() {
        let module = Module::new();
        let lock = format!(
            r#"
            [[package]]
            name = "arrow"
            version = "1.3.0"
            groups = ["main"]
            markers = "python_version >= \"3.8\""
            files = [
                {{file = "arrow-1.3.0-py3-none-any.whl", hash = "{SHA_WHEEL}"}},
                {{file = "arrow-1.3.0.tar.gz", hash = "{SHA_SDIST}"}},
            ]

            [[package]]
            name = "zscaler-api-talkers"
            version = "6.1.0"
            files = []

            [package.source]
            type = "git"
            url = "https://github.com/sergitopereira/zscaler_api_talkers.git"
            resolved_reference = "{COMMIT}"

            [[package]]
            name = "aws-automation"
            version = "1.0.0"
            files = [{{file = "aws_automation-1.0.0.tar.gz", hash = "{SHA_SDIST}"}}]

            [package.source]
            type = "legacy"
            url = "https://pypi.example.com/simple"
        "#
        );
        let needed = poetry(&lock, &module.alone()).unwrap();
        let arrow = "arrow==1.3.0 ; python_version >= \"3.8\"";
        let talkers =
            format!("zscaler-api-talkers @ git+https://github.com/sergitopereira/zscaler_api_talkers.git@{COMMIT}");
        let installs = needed.installs();
        assert_eq!(
            installs,
            [
                PipInstall {
                    index: None,
                    hashed: true,
                    no_deps: true,
                    requirements: vec![format!("{arrow} --hash={SHA_WHEEL} --hash={SHA_SDIST}")]
                },
                PipInstall { index: None, hashed: false, no_deps: true, requirements: vec![talkers.clone()] },
                PipInstall {
                    index: Some("https://pypi.example.com/simple".into()),
                    hashed: true,
                    no_deps: true,
                    requirements: vec![format!("aws-automation==1.0.0 --hash={SHA_SDIST}")]
                },
            ],
            "a repository has no hash: it goes to pip in a run of its own"
        );
        assert_eq!(installs[0].file().unwrap(), format!("{arrow} --hash={SHA_WHEEL} --hash={SHA_SDIST}\n"));
        assert_eq!(installs[1].file(), None);
        let file = Path::new("/tmp/requirements.txt");
        let arguments = |install: &PipInstall, file| {
            install.arguments(file).iter().map(|a| a.to_string_lossy().into_owned()).collect::<Vec<_>>().join(" ")
        };
        let options = "install --quiet --disable-pip-version-check --no-input --no-deps";
        assert_eq!(
            arguments(&installs[0], Some(file)),
            format!("{options} --require-hashes --requirement {}", file.display())
        );
        assert_eq!(arguments(&installs[1], None), format!("{options} -- {talkers}"));
        assert_eq!(
            arguments(&installs[2], Some(file)),
            format!(
                "{options} --index-url https://pypi.example.com/simple --require-hashes --requirement /tmp/requirements.txt"
            )
        );

        // Without a lock, nothing is hashed and pip resolves.
        let project: Table = "[project]\ndependencies = [\"requests>=2\"]".parse().unwrap();
        let declared = declared(&project, &module.alone()).unwrap().installs();
        assert_eq!(
            declared,
            [PipInstall { index: None, hashed: false, no_deps: false, requirements: vec!["requests>=2".into()] }]
        );
        assert_eq!(
            arguments(&declared[0], None),
            "install --quiet --disable-pip-version-check --no-input -- requests>=2"
        );
    }

    #[test]
    fn a_poetry_lock_before_poetry_1_3_gives_its_hashes_in_metadata_files() {
        let lock = format!(
            r#"
            [[package]]
            name = "Sekoia_Automation_SDK"
            version = "1.3.0"
            category = "main"

            [[package]]
            name = "requests"
            version = "2.31.0"
            category = "main"

            [metadata]
            lock-version = "1.1"

            [metadata.files]
            sekoia-automation-sdk = [
                {{file = "sekoia_automation_sdk-1.3.0.tar.gz", hash = "{SHA_SDIST}"}},
            ]
            requests = []
        "#
        );
        let needed = poetry(&lock, &Module::new().alone()).unwrap();
        assert_eq!(
            needed.hashes,
            BTreeMap::from([("sekoia-automation-sdk==1.3.0".to_string(), vec![SHA_SDIST.to_string()])])
        );
        assert_eq!(needed.installs().iter().map(|i| i.hashed).collect::<Vec<_>>(), [true, false]);
    }

    #[test]
    fn a_hash_pip_cannot_check_or_a_hashed_line_a_requirements_file_would_read_otherwise_is_refused() {
        let module = Module::new();
        let lock = |hash: &str, markers: &str| {
            format!(
                r#"
                [[package]]
                name = "arrow"
                version = "1.3.0"
                markers = '{markers}'
                files = [{{file = "arrow-1.3.0.tar.gz", hash = "{hash}"}}]
                "#
            )
        };
        let upper = SHA_SDIST.to_ascii_uppercase().replace("SHA256", "sha256");
        assert_eq!(poetry(&lock(&upper, ""), &module.alone()).unwrap().hashes["arrow==1.3.0"], [SHA_SDIST]);
        for bad in ["md5:0123456789abcdef0123456789abcdef", "sha256:abc", &SHA_SDIST.replace('c', "g"), "sha256"] {
            let refused = error(poetry(&lock(bad, ""), &module.alone()));
            assert_eq!(
                refused, "poetry.lock: arrow: a file's hash is not sha256, sha384 or sha512 in hex digits",
                "{bad}"
            );
        }
        for markers in [
            "python_version >= \"3\" --index-url https://evil.example/simple",
            "python_version >= \"3\" -r /var/lib/riposte/secret.key",
            "python_version >= \"3\" # the hashes are a comment",
            "python_version >= \"${RIPOSTE_SECRET_KEY}\"",
            "python_version >= \"3\" \\",
        ] {
            let refused = error(poetry(&lock(SHA_SDIST, markers), &module.alone()));
            assert!(
                refused.contains("arrow: its markers or URL cannot be written in a requirements file"),
                "{markers}: {refused}"
            );
            assert!(!refused.contains("evil") && !refused.contains("riposte"), "{refused}");
        }
    }

    #[test]
    fn the_hashes_of_a_uv_lock_go_with_its_registry_and_url_packages() {
        let lock = format!(
            r#"
            [[package]]
            name = "module"
            version = "0.1.0"
            source = {{ virtual = "." }}
            dependencies = [{{ name = "arrow" }}, {{ name = "sdk" }}, {{ name = "talkers" }}]

            [[package]]
            name = "arrow"
            version = "1.3.0"
            source = {{ registry = "https://pypi.org/simple" }}
            sdist = {{ url = "https://files.example/arrow-1.3.0.tar.gz", hash = "{SHA_SDIST}", size = 1 }}
            wheels = [{{ url = "https://files.example/arrow-1.3.0-py3-none-any.whl", hash = "{SHA_WHEEL}", size = 1 }}]

            [[package]]
            name = "sdk"
            version = "1.0.0"
            source = {{ url = "https://files.example/sdk-1.0.0.tar.gz" }}
            sdist = {{ hash = "{SHA_SDIST}" }}

            [[package]]
            name = "talkers"
            version = "6.1.0"
            source = {{ git = "https://github.com/o/talkers.git?rev=main#{COMMIT}" }}
        "#
        );
        let needed = from_uv_lock(&lock.parse().unwrap(), &Module::new().alone()).unwrap();
        let installs = needed.installs();
        assert_eq!(
            installs[0].requirements,
            [
                format!("arrow==1.3.0 --hash={SHA_SDIST} --hash={SHA_WHEEL}"),
                format!("sdk @ https://files.example/sdk-1.0.0.tar.gz --hash={SHA_SDIST}")
            ]
        );
        assert_eq!(installs[1].requirements, [format!("talkers @ git+https://github.com/o/talkers.git@{COMMIT}")]);
        assert_eq!(installs.len(), 2);
    }

    /// Sekoia's own lock files, as automation-library has them: every package has its hashes.
    #[test]
    fn every_package_of_sekoia_s_lock_files_is_checked_against_its_hashes() {
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/sekoia-modules");
        for name in ["Mattermost", "Utils", "Okta"] {
            let module = Module::new();
            std::fs::copy(fixtures.join(name).join("poetry.lock"), module.module.join("poetry.lock")).unwrap();
            let needed = requirements(&module.alone()).unwrap();
            assert!(needed.lines.iter().any(|line| line.starts_with("sekoia-automation-sdk==")), "{name}");
            let installs = needed.installs();
            assert_eq!(installs.len(), 1, "{name}: one run, every requirement with its hashes: {installs:?}");
            assert!(installs[0].hashed && installs[0].requirements.len() == needed.lines.len(), "{name}");
            assert!(installs[0].requirements.iter().all(|line| line.contains(" --hash=sha256:")), "{name}");
        }
    }
}
