//! Modules from a git repository: cloned into a temporary folder at a tag, a branch or a
//! commit, then installed from there as from a folder. A repository holds one module (at its
//! root) or many (one a top-level folder, as Sekoia's automation-library does).

use std::path::{Component, Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};
use riposte_host::Source;

use crate::seed::DataDir;

/// A repository checked out in a temporary folder, removed when dropped.
pub struct Checkout {
    folder: DataDir,
    pub source: Source,
}

impl Checkout {
    pub fn root(&self) -> PathBuf {
        self.folder.path.join("repository")
    }
}

/// Whether `source` names a repository rather than a module folder: a URL, `git@host:path`, a
/// path ending in `.git`, a repository root with no module at its top, or any source given a
/// reference or a subfolder.
pub fn is_repository(source: &str, reference: Option<&str>, subdir: Option<&Path>) -> bool {
    let path = Path::new(source);
    reference.is_some()
        || subdir.is_some()
        || source.contains("://")
        || source.starts_with("git@")
        || source.ends_with(".git")
        || (path.join(".git").exists() && !path.join("manifest.json").is_file())
}

/// Clones `repository` and checks out `reference` (its default branch when none).
pub fn checkout(repository: &str, reference: Option<&str>) -> anyhow::Result<Checkout> {
    // Neither may pass for one of git's options.
    if repository.starts_with('-') {
        bail!("`{repository}` is not a repository");
    }
    if let Some(reference) = reference.filter(|r| r.starts_with('-') || r.is_empty()) {
        bail!("--ref `{reference}` is not a tag, branch or commit");
    }
    let folder = DataDir::new(None, "riposte-git")?;
    let root = folder.path.join("repository");
    git(None, &["clone", "--quiet", "--", repository, path_text(&root)?])
        .with_context(|| format!("cannot clone {repository}"))?;
    if let Some(reference) = reference {
        git(Some(&root), &["checkout", "--quiet", reference, "--"])
            .with_context(|| format!("{repository} has no tag, branch or commit `{reference}`"))?;
    }
    let commit = git(Some(&root), &["rev-parse", "HEAD"])?;
    let source = Source {
        repository: riposte_host::without_credentials(repository),
        reference: reference.map(str::to_string),
        commit,
        subdir: None,
    };
    Ok(Checkout { folder, source })
}

/// The module folders of a checked-out repository: `subdir`, the root when it is a module, or
/// every top-level folder that is one.
pub fn module_dirs(root: &Path, subdir: Option<&Path>) -> anyhow::Result<Vec<PathBuf>> {
    if let Some(subdir) = subdir {
        if subdir.components().any(|c| !matches!(c, Component::Normal(_))) {
            bail!("--subdir {}: a folder inside the repository, without `..`", subdir.display());
        }
        let dir = root.join(subdir);
        if !dir.join("manifest.json").is_file() {
            bail!("--subdir {}: no manifest.json there", subdir.display());
        }
        return Ok(vec![dir]);
    }
    if root.join("manifest.json").is_file() {
        return Ok(vec![root.to_path_buf()]);
    }
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root)?
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.join("manifest.json").is_file())
        .collect();
    dirs.sort();
    if dirs.is_empty() {
        bail!("the repository holds no module: no manifest.json at its root or in a top-level folder");
    }
    Ok(dirs)
}

fn path_text(path: &Path) -> anyhow::Result<&str> {
    path.to_str().context("the temporary folder's path is not UTF-8")
}

/// Runs git; its output, trimmed, or what it said on failure.
fn git(dir: Option<&Path>, args: &[&str]) -> anyhow::Result<String> {
    let mut command = Command::new("git");
    if let Some(dir) = dir {
        command.arg("-C").arg(dir);
    }
    // The `ext::` transport runs a command of the URL's choosing: never.
    command.args(["-c", "protocol.ext.allow=never"]);
    // A repository that asks for credentials fails instead of waiting for a terminal; so does an
    // ssh host that is unknown or does not answer, unless ssh is set up for git already.
    command.env("GIT_TERMINAL_PROMPT", "0");
    if std::env::var_os("GIT_SSH_COMMAND").is_none() && std::env::var_os("GIT_SSH").is_none() {
        command.env("GIT_SSH_COMMAND", "ssh -o BatchMode=yes -o ConnectTimeout=15");
    }
    let output = command.args(args).output().context("cannot run git")?;
    if !output.status.success() {
        bail!("git {}: {}", args[0], String::from_utf8_lossy(&output.stderr).trim());
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
}
