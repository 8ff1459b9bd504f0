//! Installing a Python module written with Sekoia's SDK, unchanged: its files, a virtual
//! environment with what it needs, and a small starter that runs its `main.py` with the data
//! path and inputs the host gives.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, bail};
use riposte_host::{INSTALL_FILE, Launch};

use super::files::copy_tree;
use super::python_deps::{PipInstall, Place, Requirements, requirements};

/// The starter the host runs instead of `main.py`; `main.py` runs as `__main__` under it.
pub const STARTER: &str = "riposte_start.py";

const STARTER_CODE: &str = r#""""Starts a component of this module for Riposte.

The module runs unchanged, its `main.py` as `__main__`, once `riposte_setup` has pointed the SDK
at what Riposte gives.
"""
import os
import runpy
import sys
import threading
import time

import riposte_setup

here = os.path.dirname(os.path.abspath(__file__))
riposte_setup.prepare_sdk(here)


def exit_when_orphaned(parent=os.getppid()):
    # Riposte asks for SIGTERM when it ends; a component still busy 10 s later (retrying sends
    # to a platform that is gone) must not run on beside the next Riposte.
    while os.getppid() == parent:
        time.sleep(1)
    time.sleep(10)
    os._exit(1)


threading.Thread(target=exit_when_orphaned, daemon=True).start()
sys.argv = [os.path.join(here, "main.py"), *sys.argv[1:]]
runpy.run_path(sys.argv[0], run_name="__main__")
"#;

/// What both starters do before the module runs, on any SDK release.
const SETUP: &str = "riposte_setup.py";

const SETUP_CODE: &str = r#""""Points Sekoia's SDK at what Riposte gives, on any of its releases.

The SDK reads its inputs from /symphony files first, then from environment variables: Riposte
gives environment variables, so /symphony is pointed away from any folder of that name on this
machine. The SDK's data path is the one Riposte gives.
"""
import os

from sekoia_automation import constants


def prepare_sdk(here):
    """Sets the SDK's data path and where it looks for input files; returns the data path."""
    data_path = os.environ.get("RIPOSTE_DATA_PATH") or os.path.join(here, "data")
    os.makedirs(data_path, exist_ok=True)
    constants.DATA_STORAGE = data_path
    no_files = os.path.join(here, ".no-symphony-files")
    try:
        # SDK 1.21 and later read their inputs through a configuration class.
        from sekoia_automation.configuration import filesystem

        filesystem.FileSystemConfiguration.VOLUME_PATH = no_files
    except ImportError:
        # Earlier ones, from one module-level path.
        from sekoia_automation import config

        config.VOLUME_PATH = no_files
    return data_path
"#;

/// The warm worker the host keeps for actions; see `riposte_host::Launch::warm`.
pub const WARM_STARTER: &str = "riposte_warm.py";

const WARM_STARTER_CODE: &str = r#""""Keeps this module loaded for Riposte and runs its actions one after another.

The module runs unchanged, on any release of Sekoia's SDK: for each action, the command and the
inputs go where the SDK reads them when it starts as a process of its own (the first argument
and environment variables), and main.py runs again in this process, whose imports stay loaded.
Riposte writes one JSON request per line on stdin ({"command", "inputs", "data_path"}) and
reads "done" on stdout after each; this prints "ready" once the module and the SDK are loaded,
or "cold" when the module cannot run this way (its actions then get a process each).
"""
import json
import os
import sys
import traceback

here = os.path.dirname(os.path.abspath(__file__))
main = os.path.join(here, "main.py")
protocol = sys.stdout
# What the module prints must not mix with the protocol.
sys.stdout = sys.stderr


def say(word):
    protocol.write(word + "\n")
    protocol.flush()


try:
    from sekoia_automation import constants, storage
    from sekoia_automation.exceptions import CommandNotFoundError
except ImportError:
    traceback.print_exc()
    say("cold")
    sys.exit(0)

import riposte_setup  # noqa: E402

# Inputs come from the environment, not from a Fission request.
os.environ.pop("SYMPHONY_RUNTIME", None)
default_data_path = riposte_setup.prepare_sdk(here)
with open(main) as f:
    code = compile(f.read(), main, "exec")
given = set()


def prepare(command, inputs, data_path):
    """Puts one action's command and inputs where the SDK reads them, and nothing of the last."""
    for name in given:
        os.environ.pop(name, None)
    given.clear()
    for name, value in inputs.items():
        os.environ[name.upper()] = value
        given.add(name.upper())
    # Each run has its own data path; the SDK keeps the first it was given unless told.
    constants.DATA_STORAGE = data_path or default_data_path
    storage.get_data_path.cache_clear()
    sys.argv = [main, command]


def run_main():
    exec(code, {"__name__": "__main__", "__file__": main})


def warm_up():
    """Loads the module's imports and the SDK's: the module, asked for a command it does not
    have, says it is not found once loaded."""
    prepare("riposte-warm-up", {}, None)
    try:
        run_main()
    except CommandNotFoundError:
        return True
    except BaseException:
        traceback.print_exc()
    return False


if not warm_up():
    say("cold")
    sys.exit(0)
say("ready")
for line in sys.stdin:
    request = json.loads(line)
    prepare(request["command"], request["inputs"], request.get("data_path"))
    try:
        run_main()
    except SystemExit:
        pass
    except BaseException:
        traceback.print_exc()
    say("done")
"#;

/// Where a Python module's dependencies go.
pub struct PythonOptions {
    /// The interpreter that makes the module's virtual environment.
    pub python: String,
    /// An environment to use instead of making one; what the module needs is installed into it.
    pub env: Option<PathBuf>,
}

pub fn is_python_module(dir: &Path) -> bool {
    dir.join("main.py").is_file()
}

/// Copies the module (`source`, canonical) into `staging`, sets up its environment and writes
/// how to start it. `root` is what the paths its lock file names may reach: the module folder,
/// or the repository it is installed from.
pub fn stage(source: &Path, staging: &Path, options: &PythonOptions, root: &Path) -> anyhow::Result<()> {
    copy_tree(source, staging)?;
    let needed = requirements(&Place { module: source, root })?;
    let python = match &options.env {
        Some(env) => existing_env(env)?,
        None => {
            make_env(&options.python, &staging.join(".venv"))?;
            PathBuf::from(".venv/bin/python")
        }
    };
    let absolute = if python.is_absolute() { python.clone() } else { staging.join(&python) };
    pip_install(&absolute, &needed)?;
    check_sdk(&absolute)?;
    std::fs::write(staging.join(SETUP), SETUP_CODE)?;
    std::fs::write(staging.join(STARTER), STARTER_CODE)?;
    std::fs::write(staging.join(WARM_STARTER), WARM_STARTER_CODE)?;
    // Compiled once here rather than at every start of a component.
    // The environment's own packages were compiled when installed (and hold templates that are
    // not Python).
    let _ = Command::new(&absolute)
        .args(["-m", "compileall", "-q", "-x", r"[/\\]\.venv[/\\]", "."])
        .current_dir(staging)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    let python = python.display().to_string();
    let launch = Launch {
        command: vec![python.clone(), STARTER.to_string()],
        env: [("PYTHONUNBUFFERED".to_string(), "1".to_string())].into(),
        warm: Some(vec![python, WARM_STARTER.to_string()]),
        replaces_builtin: false,
        account_validator: registers_account_validator(&staging.join("main.py")),
        source: None,
    };
    std::fs::write(staging.join(INSTALL_FILE), riposte_sdk::pretty(&serde_json::to_value(&launch)?))?;
    Ok(())
}

fn existing_env(env: &Path) -> anyhow::Result<PathBuf> {
    let python = env.join("bin/python");
    if !python.exists() {
        bail!("{} is not a Python environment: it has no bin/python", env.display());
    }
    Ok(std::path::absolute(&python)?)
}

fn make_env(python: &str, venv: &Path) -> anyhow::Result<()> {
    let status = Command::new(python).args(["-m", "venv"]).arg(venv).status();
    match status {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            bail!("a Python module needs Python 3: `{python}` was not found (name one with --python)")
        }
        Err(e) => Err(e).with_context(|| format!("cannot run {python}")),
        Ok(status) if !status.success() => {
            bail!("`{python} -m venv` failed ({status}); on Debian, install the python3-venv package")
        }
        Ok(_) => Ok(()),
    }
}

/// Installs what the module needs: from pip's index and the references to where packages are,
/// then each private index's packages from that index alone.
fn pip_install(python: &Path, needed: &Requirements) -> anyhow::Result<()> {
    for install in needed.installs() {
        pip(python, &install)?;
    }
    Ok(())
}

fn pip(python: &Path, install: &PipInstall) -> anyhow::Result<()> {
    let file = install.file().map(|lines| requirements_file(&lines)).transpose()?;
    let output = Command::new(python)
        .args(["-m", "pip"])
        .args(install.arguments(file.as_ref().map(|file| file.path())))
        .stdout(Stdio::null())
        .output()
        .context("cannot run pip")?;
    let index = install.index.as_deref();
    if !output.status.success() {
        let mut stderr = String::from_utf8_lossy(&output.stderr).to_string();
        if let Some(index) = index {
            stderr = stderr.replace(index, &riposte_host::without_credentials(index));
        }
        // pip's errors, with the lines indented under them (which package, which hash).
        let mut under_error = false;
        let reason = stderr
            .lines()
            .filter(|line| {
                under_error = line.starts_with("ERROR") || (under_error && line.starts_with(' '));
                under_error
            })
            .collect::<Vec<_>>()
            .join("\n");
        let from = index.map(|i| format!(" from {}", riposte_host::without_credentials(i))).unwrap_or_default();
        bail!(
            "the module's dependencies do not install{from}:\n{}",
            if reason.is_empty() { stderr.trim() } else { &reason }
        );
    }
    Ok(())
}

/// A requirements file holding `lines`, removed when dropped.
fn requirements_file(lines: &str) -> anyhow::Result<tempfile::NamedTempFile> {
    let mut file = tempfile::Builder::new().prefix("riposte-requirements-").suffix(".txt").tempfile()?;
    file.write_all(lines.as_bytes())?;
    file.flush()?;
    Ok(file)
}

/// Whether `main.py` registers an account validator (`module.register_account_validator(...)`).
fn registers_account_validator(main: &Path) -> bool {
    std::fs::read_to_string(main).is_ok_and(|code| code.contains(".register_account_validator("))
}

fn check_sdk(python: &Path) -> anyhow::Result<()> {
    let output = Command::new(python)
        .args(["-c", "import sekoia_automation"])
        .output()
        .context("cannot run the environment's Python")?;
    if !output.status.success() {
        bail!("the module's environment has no sekoia-automation-sdk: add it to the module's dependencies");
    }
    Ok(())
}
