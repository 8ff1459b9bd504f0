//! `riposte module install PATH --data-dir DIR`: builds a Rust module and puts it, with its
//! manifests, in `DIR/modules/<slug>`, where the server finds it (at start, or within a second
//! while it runs).

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

use anyhow::{Context, bail};
use riposte_host::{INSTALL_FILE, InstalledModule, Launch, Source, load_module};
use riposte_services::{ImportRequest, ImportedModule, ModuleInstaller};
use serde_json::Value;

use super::files::{copy_file, read_inside};
use super::generate::{cargo, rust_module};
use super::git;
use super::python::{self, PythonOptions};
use crate::cli::InstallArgs;
use crate::installed::modules_dir;

pub fn install(args: InstallArgs) -> anyhow::Result<ExitCode> {
    let python = PythonOptions { python: args.python, env: args.python_env };
    let options = Options { debug: args.debug, python: &python, replace_builtin: args.replace_builtin };
    let (reference, subdir) = (args.reference.as_deref(), args.subdir.as_deref());
    for module in install_source(&args.source, reference, subdir, &args.data_dir, &options)? {
        say_installed(&module);
    }
    Ok(ExitCode::SUCCESS)
}

/// Installs the module folder `source`, or the modules of the git repository `source` (at
/// `reference`, under `subdir`), into `data_dir`'s modules.
fn install_source(
    source: &str,
    reference: Option<&str>,
    subdir: Option<&Path>,
    data_dir: &Path,
    options: &Options,
) -> anyhow::Result<Vec<InstalledModule>> {
    if !git::is_repository(source, reference, subdir) {
        return Ok(vec![install_module(Path::new(source), data_dir, options, None)?]);
    }
    let checkout = git::checkout(source, reference)?;
    let root = checkout.root().canonicalize().context("the repository's checkout is gone")?;
    let mut installed = Vec::new();
    for dir in git::module_dirs(&root, subdir)? {
        let inside = dir.strip_prefix(&root).ok().filter(|p| !p.as_os_str().is_empty());
        let shown = inside.unwrap_or(Path::new(".")).display();
        // A folder that links out of the repository is not the repository's module.
        if !dir.canonicalize().is_ok_and(|real| real.starts_with(&root)) {
            bail!("{shown} in {source} is a link out of the repository: a module is installed without such links");
        }
        let source_of = Source { subdir: inside.map(|p| p.display().to_string()), ..checkout.source.clone() };
        let origin = Origin { source: source_of, root: &root };
        let module =
            install_module(&dir, data_dir, options, Some(&origin)).with_context(|| format!("{shown} in {source}"))?;
        installed.push(module);
    }
    Ok(installed)
}

/// Installs modules for a running server (`POST /api/v1/modules/imports`) as `module install`
/// does, into the server's data directory, where it finds them.
pub struct ServerInstaller {
    pub data_dir: PathBuf,
    pub python: PythonOptions,
}

impl ModuleInstaller for ServerInstaller {
    fn install(&self, request: &ImportRequest) -> Result<Vec<ImportedModule>, String> {
        let options = Options { debug: false, python: &self.python, replace_builtin: request.replace_builtin };
        let (reference, subdir) = (request.reference.as_deref(), request.subdir.as_deref().map(Path::new));
        let shown = riposte_host::without_credentials(&request.source);
        let modules = install_source(&request.source, reference, subdir, &self.data_dir, &options)
            .map_err(|e| format!("{e:#}").replace(&request.source, &shown))?;
        Ok(modules.iter().map(imported).collect())
    }
}

fn imported(module: &InstalledModule) -> ImportedModule {
    let manifest = &module.manifest;
    ImportedModule {
        uuid: manifest.uuid.clone(),
        slug: manifest.slug.clone(),
        name: manifest.name.clone(),
        version: manifest.version.clone(),
        source: module.launch.source.clone(),
    }
}

fn say_installed(module: &InstalledModule) {
    let manifest = &module.manifest;
    let from = match &module.launch.source {
        Some(source) => format!(" from {} at {}", source.repository, &source.commit[..source.commit.len().min(12)]),
        None => String::new(),
    };
    println!(
        "installed {} {}{from} into {} ({} actions, {} triggers, {} connectors)",
        manifest.name,
        manifest.version,
        module.dir.display(),
        manifest.actions.len(),
        manifest.triggers.len(),
        manifest.connectors.len()
    );
}

/// Where a module installed from a repository comes from.
pub(super) struct Origin<'a> {
    /// What the install file records.
    pub source: Source,
    /// The repository's checkout, canonical: the paths the module's lock file names may reach
    /// into it (`../AWS`).
    pub root: &'a Path,
}

/// How modules are installed.
pub(super) struct Options<'a> {
    pub debug: bool,
    pub python: &'a PythonOptions,
    pub replace_builtin: bool,
}

/// Builds a Rust module, or sets up a Python module's environment, and installs it into
/// `data_dir`'s modules.
pub(super) fn install_module(
    path: &Path,
    data_dir: &Path,
    options: &Options,
    origin: Option<&Origin>,
) -> anyhow::Result<InstalledModule> {
    let Options { debug, python, replace_builtin } = *options;
    let source = path.canonicalize().with_context(|| format!("no module folder {}", path.display()))?;
    let rust = source.join("Cargo.toml").is_file();
    if !rust && !python::is_python_module(&source) {
        bail!("{} is neither a Rust module (Cargo.toml) nor a Python one (main.py)", source.display());
    }
    let modules = modules_dir(data_dir);
    std::fs::create_dir_all(&modules).with_context(|| format!("cannot create {}", modules.display()))?;
    let slug = slug_of(&source)?;
    let staging = modules.join(format!(".{slug}.installing"));
    let _ = std::fs::remove_dir_all(&staging);
    let staged = if rust {
        rust_module(&source).and_then(|()| build(&source, debug)).and_then(|program| stage(&source, &program, &staging))
    } else {
        python::stage(&source, &staging, python, origin.map_or(source.as_path(), |o| o.root))
    }
    .and_then(|()| load_module(&staging).map_err(|e| anyhow::anyhow!("the module does not load: {e}")))
    .and_then(|module| {
        let replaces_builtin = builtin_choice(&module, replace_builtin)?;
        complete_launch(&module, &staging, replaces_builtin, origin.map(|o| &o.source))
    });
    if let Err(e) = staged {
        // A failed install leaves nothing behind; the installed version, if any, stays.
        let _ = std::fs::remove_dir_all(&staging);
        return Err(e);
    }
    let target = modules.join(&slug);
    swap_in(&staging, &target)?;
    load_module(&target).map_err(|e| anyhow::anyhow!("the module does not load: {e}"))
}

/// Adds to the staged install file what only the install knows: that the module replaces a
/// built-in one, and where it came from.
fn complete_launch(
    module: &InstalledModule,
    staging: &Path,
    replaces_builtin: bool,
    origin: Option<&Source>,
) -> anyhow::Result<()> {
    if !replaces_builtin && origin.is_none() {
        return Ok(());
    }
    let launch = Launch { replaces_builtin, source: origin.cloned(), ..module.launch.clone() };
    std::fs::write(staging.join(INSTALL_FILE), riposte_sdk::pretty(&serde_json::to_value(&launch)?))?;
    Ok(())
}

/// A module with a built-in module's UUID is installed only to replace it, when asked to; true
/// when it replaces one.
fn builtin_choice(module: &InstalledModule, replace_builtin: bool) -> anyhow::Result<bool> {
    let clients = riposte_modules::HttpClients::new().context("cannot set up the HTTP client")?;
    let builtin = riposte_modules::builtin_modules(&clients, None);
    let Some(same) = builtin.iter().find(|b| b.uuid().eq_ignore_ascii_case(&module.manifest.uuid)) else {
        return Ok(false);
    };
    if !replace_builtin {
        bail!(
            "module {} has the UUID of the built-in module {} ({}): install it with --replace-builtin to use it in \
             place of the built-in one; nothing was installed",
            module.manifest.name,
            same.manifest().name,
            module.manifest.uuid
        );
    }
    eprintln!("module {} replaces the built-in module {}", module.manifest.name, same.manifest().name);
    Ok(true)
}

/// Builds the module and returns its executable.
fn build(source: &Path, debug: bool) -> anyhow::Result<PathBuf> {
    let mut command = Command::new(cargo());
    command
        .args(["build", "--message-format=json-render-diagnostics", "--manifest-path"])
        .arg(source.join("Cargo.toml"));
    if !debug {
        command.arg("--release");
    }
    let output = command.stderr(Stdio::inherit()).output().context("cannot run cargo")?;
    if !output.status.success() {
        bail!("cargo could not build {} ({})", source.display(), output.status);
    }
    let executables: Vec<PathBuf> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|message| message["reason"] == "compiler-artifact")
        .filter_map(|message| message["executable"].as_str().map(PathBuf::from))
        .collect();
    match executables.as_slice() {
        [one] => Ok(one.clone()),
        [] => bail!("{} builds no executable: a module needs src/main.rs", source.display()),
        more => bail!("{} builds {} executables; a module is one", source.display(), more.len()),
    }
}

fn slug_of(source: &Path) -> anyhow::Result<String> {
    let path = source.join("manifest.json");
    let text = read_inside(&path, source)?.with_context(|| format!("cannot read {}", path.display()))?;
    let manifest: Value = serde_json::from_str(&text).with_context(|| format!("{}", path.display()))?;
    match manifest["slug"].as_str() {
        Some(slug) if is_slug(slug) => Ok(slug.to_string()),
        _ => bail!(
            "{}: `slug` must be letters, digits, `-`, `_` and `.`, without `..` and not starting with `.`",
            path.display()
        ),
    }
}

/// Sekoia's slugs: letters, digits, `-`, `_` and `.` (`sekoia.io`, `ipinfo.io`,
/// `bitdefender_gravityzone`). A slug names the module's folder: never `..`, never `/`, and never
/// a leading `.` (a hidden folder, as an install in progress is).
fn is_slug(slug: &str) -> bool {
    !slug.is_empty()
        && !slug.starts_with('.')
        && !slug.contains("..")
        && slug.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// The manifests, logo and changelog, the program in `bin/`, and the install file last.
fn stage(source: &Path, program: &Path, staging: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(staging.join("bin"))?;
    for entry in std::fs::read_dir(source)? {
        let path = entry?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
        let component =
            ["action_", "trigger_", "connector_"].iter().any(|p| name.starts_with(p)) && name.ends_with(".json");
        if component || ["manifest.json", "CHANGELOG.md", "logo.svg", "logo.png"].contains(&name.as_str()) {
            copy_file(&path, &staging.join(&name), source)?;
        }
    }
    let name = program.file_name().context("the executable has no name")?.to_string_lossy().to_string();
    std::fs::copy(program, staging.join("bin").join(&name)).context("cannot copy the executable")?;
    let launch = Launch {
        command: vec![format!("bin/{name}")],
        env: Default::default(),
        warm: None,
        replaces_builtin: false,
        account_validator: false,
        source: None,
    };
    std::fs::write(staging.join(INSTALL_FILE), riposte_sdk::pretty(&serde_json::to_value(&launch)?))?;
    Ok(())
}

/// Replaces `target` by `staging` in two renames, so that the server never reads half a module.
fn swap_in(staging: &Path, target: &Path) -> anyhow::Result<()> {
    let old = target.with_file_name(format!(".{}.old", target.file_name().unwrap_or_default().to_string_lossy()));
    let _ = std::fs::remove_dir_all(&old);
    if target.exists() {
        std::fs::rename(target, &old).with_context(|| format!("cannot move {} aside", target.display()))?;
    }
    std::fs::rename(staging, target).with_context(|| format!("cannot put the module in {}", target.display()))?;
    let _ = std::fs::remove_dir_all(&old);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slug_in(manifest: serde_json::Value) -> anyhow::Result<String> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("manifest.json"), manifest.to_string()).unwrap();
        slug_of(dir.path())
    }

    #[test]
    fn sekoia_slugs_with_dots_and_underscores_install_and_paths_out_of_the_folder_do_not() {
        for slug in ["sekoia.io", "ipinfo.io", "bitdefender_gravityzone", "paloalto_cortex_xdr", "okta", "my-tool-2"] {
            assert_eq!(slug_in(serde_json::json!({"slug": slug})).unwrap(), slug);
        }
        for slug in ["", ".", "..", ".hidden", "a..b", "../x", "a/b", "/abs", "a\\b", "two words", "é"] {
            let error = slug_in(serde_json::json!({"slug": slug})).unwrap_err().to_string();
            assert!(error.contains("`slug` must be"), "{slug}: {error}");
        }
        assert!(slug_in(serde_json::json!({"name": "no slug"})).is_err());
    }
}
