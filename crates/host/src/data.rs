//! Where modules keep files (Sekoia's "data path"): one folder per run, shared by its actions
//! so that files pass from one node to the next (`*_path` arguments, `json_result`), and one per
//! trigger or connector. A trigger event's `directory` becomes the storage of the run it starts.

use std::path::{Component, Path, PathBuf};

use crate::Host;

impl Host {
    /// The data path of a run's actions, made if needed; none without a data root.
    pub(crate) fn run_data_path(&self, run_id: &str) -> Option<PathBuf> {
        let path = self.data_root()?.join("runs").join(safe_name(run_id));
        std::fs::create_dir_all(&path).ok()?;
        Some(path)
    }

    /// The data path of a trigger or connector, by its owner, made if needed.
    pub(crate) fn component_data_path(&self, owner: &str) -> Option<PathBuf> {
        let path = self.data_root()?.join("components").join(safe_name(owner));
        std::fs::create_dir_all(&path).ok()?;
        Some(path)
    }

    /// Removes the data paths of `owner` and of the owners named under it (`owner:...`, as a
    /// playbook's triggers after its first are), once their processes have stopped: a component
    /// later given the same owner (a playbook imported again with its UUID) starts with none of
    /// their files. Owners are named `kind:id[:...]` with ids that hold no `:` or `_`, so that
    /// no other owner's folder starts as theirs.
    pub fn remove_component_data(&self, owner: &str) -> std::io::Result<()> {
        let Some(root) = self.data_root() else { return Ok(()) };
        let entries = match std::fs::read_dir(root.join("components")) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            entries => entries?,
        };
        let name = safe_name(owner);
        let under = format!("{name}_");
        for entry in entries {
            let entry = entry?;
            let folder = entry.file_name();
            if folder.to_str().is_some_and(|folder| folder == name || folder.starts_with(&under)) {
                std::fs::remove_dir_all(entry.path())?;
            }
        }
        Ok(())
    }

    /// Copies `directory` of the owner's data path into the run's data path, as its root: a
    /// trigger may delete it once its event is taken.
    pub fn adopt_directory(&self, owner: &str, directory: &str, run_id: &str) -> Result<(), String> {
        let relative = Path::new(directory);
        if relative.is_absolute() || relative.components().any(|c| !matches!(c, Component::Normal(_))) {
            return Err(format!("$.directory: `{directory}` must be a folder inside the trigger's data path"));
        }
        let Some(root) = self.data_root() else { return Err("this server keeps no module data".into()) };
        // Read where it is, not made: the component may be gone with its folder.
        let from = root.join("components").join(safe_name(owner)).join(relative);
        if !from.is_dir() {
            return Err(format!("$.directory: `{directory}` is not a folder of the trigger's data path"));
        }
        let Some(to) = self.run_data_path(run_id) else { return Err("cannot make the run's storage".into()) };
        copy_tree(&from, &to).map_err(|e| format!("cannot copy `{directory}` into the run's storage: {e}"))
    }
}

fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

/// A file name from an id: letters, digits, `-` and `_` kept, anything else `_`.
fn safe_name(id: &str) -> String {
    id.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Callbacks;
    use std::sync::Arc;

    #[test]
    fn a_trigger_directory_becomes_the_root_of_the_run_storage() {
        let root = tempfile::tempdir().unwrap();
        let host = Host::new(Arc::new(Callbacks::default()), "http://127.0.0.1:1").with_data_root(root.path());
        let component = host.component_data_path("playbook:p-1").unwrap();
        std::fs::create_dir_all(component.join("batch/nested")).unwrap();
        std::fs::write(component.join("batch/test.txt"), "hello").unwrap();
        std::fs::write(component.join("batch/nested/more.txt"), "more").unwrap();
        host.adopt_directory("playbook:p-1", "batch", "run-1").unwrap();
        let run = host.run_data_path("run-1").unwrap();
        assert_eq!(std::fs::read_to_string(run.join("test.txt")).unwrap(), "hello");
        assert_eq!(std::fs::read_to_string(run.join("nested/more.txt")).unwrap(), "more");
        for escape in ["../other", "/etc", "batch/../../x"] {
            let error = host.adopt_directory("playbook:p-1", escape, "run-2").unwrap_err();
            assert!(error.starts_with("$.directory"), "{escape}: {error}");
        }
        assert!(host.adopt_directory("playbook:p-1", "missing", "run-2").is_err());
    }

    #[test]
    fn an_owner_s_data_goes_with_that_of_the_owners_under_it_and_no_other() {
        let root = tempfile::tempdir().unwrap();
        let host = Host::new(Arc::new(Callbacks::default()), "http://127.0.0.1:1").with_data_root(root.path());
        host.remove_component_data("playbook:p1").unwrap();
        let owners = ["playbook:p1", "playbook:p1:manual:2", "playbook:p11", "intake:p1"];
        for owner in owners {
            std::fs::write(host.component_data_path(owner).unwrap().join("state"), owner).unwrap();
        }
        host.remove_component_data("playbook:p1").unwrap();
        let left: Vec<bool> =
            owners.iter().map(|o| root.path().join("components").join(safe_name(o)).exists()).collect();
        assert_eq!(left, [false, false, true, true]);
        let error = host.adopt_directory("playbook:p1", "batch", "run-1").unwrap_err();
        assert!(error.contains("is not a folder"), "{error}");
        assert!(!root.path().join("components/playbook_p1").exists(), "a late event makes no folder again");
    }
}
