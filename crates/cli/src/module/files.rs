//! A module's files, read and copied without following a link out of its folder: a `logo.svg`
//! that links to a key elsewhere on the server must not be installed, served or read as the
//! module's own file. Errors name the file in the module, never what it holds.

use std::path::{Component, Path, PathBuf};

use anyhow::{Context, bail};

/// What a module's copy leaves out: environments, caches, version control, data.
pub(super) fn left_out(name: &str) -> bool {
    name.starts_with('.') || ["__pycache__", "node_modules", "data"].contains(&name)
}

/// `path` resolved through its links, when it stays inside `within` (a canonical folder) and
/// passes through nothing a copy leaves out (`.git` and the like); `None` otherwise, or when it
/// leads nowhere.
pub(super) fn inside(path: &Path, within: &Path) -> Option<PathBuf> {
    let real = path.canonicalize().ok()?;
    let relative = real.strip_prefix(within).ok()?;
    let clean = relative.components().all(|c| matches!(c, Component::Normal(n) if !left_out(&n.to_string_lossy())));
    clean.then_some(real)
}

/// `path` shown as the module's author sees it: relative to `within` when it is under it.
pub(super) fn shown(path: &Path, within: &Path) -> String {
    path.strip_prefix(within).unwrap_or(path).display().to_string()
}

/// The text of the file `path` inside `within`; `None` when there is no such file.
pub(super) fn read_inside(path: &Path, within: &Path) -> anyhow::Result<Option<String>> {
    if std::fs::symlink_metadata(path).is_err() {
        return Ok(None);
    }
    let real = inside(path, within).with_context(|| out_of(path, within))?;
    std::fs::read_to_string(&real).map(Some).with_context(|| format!("cannot read {}", shown(path, within)))
}

fn out_of(path: &Path, within: &Path) -> String {
    format!(
        "{} is a link out of the module folder (or to nothing): a module is installed without such links",
        shown(path, within)
    )
}

/// Copies the module folder `source` (canonical) into `target`, without what [`left_out`]
/// names. A link inside the module is copied as what it leads to (a file's content, a folder as
/// a link to the same place in the copy); a link out of it refuses the install.
pub(super) fn copy_tree(source: &Path, target: &Path) -> anyhow::Result<()> {
    copy_folder(source, target, source)
}

fn copy_folder(folder: &Path, target: &Path, root: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(target).with_context(|| format!("cannot create {}", target.display()))?;
    let entries = std::fs::read_dir(folder).with_context(|| format!("cannot read {}", shown(folder, root)))?;
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().to_string();
        if left_out(&name) {
            continue;
        }
        let (from, to) = (entry.path(), target.join(&name));
        let kind = entry.file_type()?;
        if kind.is_symlink() {
            copy_link(&from, &to, root)?;
        } else if kind.is_dir() {
            copy_folder(&from, &to, root)?;
        } else {
            copy_file(&from, &to, root)?;
        }
    }
    Ok(())
}

/// Copies the file `from` of the module folder `root` (canonical) to `to`: a regular file, or a
/// link to one inside the folder.
pub(super) fn copy_file(from: &Path, to: &Path, root: &Path) -> anyhow::Result<()> {
    let real = inside(from, root).with_context(|| out_of(from, root))?;
    if !real.metadata().is_ok_and(|m| m.is_file()) {
        bail!("{} is neither a file, a folder nor a link to one", shown(from, root));
    }
    std::fs::copy(&real, to).with_context(|| format!("cannot copy {}", shown(from, root)))?;
    Ok(())
}

fn copy_link(from: &Path, to: &Path, root: &Path) -> anyhow::Result<()> {
    let real = inside(from, root).with_context(|| out_of(from, root))?;
    if !real.is_dir() {
        return copy_file(from, to, root);
    }
    // The folder it leads to is copied on its own: the copy links to it where it is copied.
    let parent = from.parent().unwrap_or(root);
    std::os::unix::fs::symlink(relative(&real, parent), to)
        .with_context(|| format!("cannot copy the link {}", shown(from, root)))
}

/// The relative path from the folder `base` to `target`, both absolute and without links.
fn relative(target: &Path, base: &Path) -> PathBuf {
    let (target, base): (Vec<_>, Vec<_>) = (target.components().collect(), base.components().collect());
    let common = target.iter().zip(&base).take_while(|(a, b)| a == b).count();
    let mut path: PathBuf = base[common..].iter().map(|_| Component::ParentDir).collect();
    path.extend(&target[common..]);
    if path.as_os_str().is_empty() { PathBuf::from(".") } else { path }
}

/// Refuses a folder that holds a link out of `root` (canonical) anywhere inside it: what pip
/// builds from a folder a lock file names must come from that folder.
pub(super) fn no_link_out(folder: &Path, root: &Path) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(folder).with_context(|| format!("cannot read {}", shown(folder, root)))? {
        let entry = entry?;
        let (path, kind) = (entry.path(), entry.file_type()?);
        if kind.is_symlink() {
            if inside(&path, root).is_none() {
                bail!(
                    "{} is a link out of the module folder (or to nothing): a module is installed without such links",
                    shown(&path, root)
                );
            }
        } else if kind.is_dir() {
            no_link_out(&path, root)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_out_of_the_module_folder_is_neither_copied_nor_read() {
        let root = tempfile::tempdir().unwrap();
        let root = root.path().canonicalize().unwrap();
        std::fs::write(root.join("secret.key"), "the sealing key").unwrap();
        let module = root.join("module");
        std::fs::create_dir_all(module.join("pkg/sub")).unwrap();
        std::fs::write(module.join("main.py"), "print()").unwrap();
        std::fs::write(module.join("pkg/sub/code.py"), "x = 1").unwrap();
        std::os::unix::fs::symlink("main.py", module.join("start.py")).unwrap();
        std::os::unix::fs::symlink("pkg/sub", module.join("sub")).unwrap();
        std::fs::create_dir(module.join(".git")).unwrap();
        std::fs::write(module.join(".git/config"), "url = https://token@host/repo").unwrap();
        std::os::unix::fs::symlink(".git/config", module.join("config.txt")).unwrap();

        let copy = root.join("copy");
        let error = format!("{:#}", copy_tree(&module, &copy).unwrap_err());
        assert!(error.contains("config.txt is a link out of the module folder"), "{error}");
        assert!(!error.contains("token"), "{error}");
        std::fs::remove_file(module.join("config.txt")).unwrap();

        std::os::unix::fs::symlink("../secret.key", module.join("logo.svg")).unwrap();
        let _ = std::fs::remove_dir_all(&copy);
        let error = format!("{:#}", copy_tree(&module, &copy).unwrap_err());
        assert!(error.contains("logo.svg is a link out of the module folder"), "{error}");
        assert!(!error.contains("sealing"), "{error}");
        assert!(!copy.join("logo.svg").exists(), "the key is not copied");
        let read = format!("{:#}", read_inside(&module.join("logo.svg"), &module).unwrap_err());
        assert!(read.contains("link out of the module folder") && !read.contains("sealing"), "{read}");
        assert!(no_link_out(&module, &module).is_err());

        std::fs::remove_file(module.join("logo.svg")).unwrap();
        let _ = std::fs::remove_dir_all(&copy);
        copy_tree(&module, &copy).unwrap();
        assert_eq!(std::fs::read_to_string(copy.join("start.py")).unwrap(), "print()", "a link inside is copied");
        assert_eq!(std::fs::read_link(copy.join("sub")).unwrap(), Path::new("pkg/sub"));
        assert_eq!(std::fs::read_to_string(copy.join("sub/code.py")).unwrap(), "x = 1");
        assert!(!copy.join(".git").exists());
        assert_eq!(read_inside(&module.join("none.toml"), &module).unwrap(), None);
        no_link_out(&module, &module).unwrap();
    }

    #[test]
    fn relative_paths_climb_to_the_common_folder() {
        assert_eq!(relative(Path::new("/m/a/b"), Path::new("/m/c")), Path::new("../a/b"));
        assert_eq!(relative(Path::new("/m/a"), Path::new("/m")), Path::new("a"));
        assert_eq!(relative(Path::new("/m"), Path::new("/m/x/y")), Path::new("../.."));
    }
}
