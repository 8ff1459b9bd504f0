//! Installing a Python module written with Sekoia's SDK, unchanged: its files, a virtual
//! environment with what it needs, and a small starter that runs its `main.py` with the data
//! path and inputs the host gives.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, bail};
use riposte_host::{INSTALL_FILE, Launch};

use super::python_deps::requirements;

/// The starter the host runs instead of `main.py`; `main.py` runs as `__main__` under it.
pub const STARTER: &str = "riposte_start.py";

const STARTER_CODE: &str = r#""""Starts a component of this module for Riposte.

The module runs unchanged. Sekoia's SDK reads its inputs from /symphony files first, then from
environment variables: Riposte gives environment variables, so /symphony is pointed away from
any folder of that name on this machine. The SDK's data path is the one Riposte gives.
"""
import os
import runpy
import sys
import threading
import time

from sekoia_automation import constants

here = os.path.dirname(os.path.abspath(__file__))
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

/// The warm worker the host keeps for actions; see `riposte_host::Launch::warm`.
pub const WARM_STARTER: &str = "riposte_warm.py";

const WARM_STARTER_CODE: &str = r#""""Keeps this module loaded for Riposte and runs its actions one after another.

The module runs unchanged, under the Fission runtime mode of Sekoia's SDK: each action's command
and inputs come with a request, as a Fission function receives them. Riposte writes one JSON
request per line on stdin ({"command", "inputs"}) and reads "done" on stdout after each; this
prints "ready" once the module and the SDK are loaded.
"""
import json
import os
import sys
import traceback

here = os.path.dirname(os.path.abspath(__file__))
state = os.path.join(here, ".riposte-fission-state.json")
with open(state, "w") as f:
    json.dump({"filepath": here}, f)
os.environ["SYMPHONY_RUNTIME"] = "fission"
os.environ["FISSION_STATE_FILE_PATH"] = state

try:
    # SDKs before the Fission runtime mode read each input once, from files or the environment.
    from flask import Flask
    from sekoia_automation.configuration import fission  # noqa: F401
except ImportError:
    print("cold", flush=True)
    sys.exit(0)
from sekoia_automation import constants, storage
from sekoia_automation.exceptions import CommandNotFoundError

data_path = os.environ.get("RIPOSTE_DATA_PATH") or os.path.join(here, "data")
os.makedirs(data_path, exist_ok=True)
constants.DATA_STORAGE = data_path
main = os.path.join(here, "main.py")
with open(main) as f:
    code = compile(f.read(), main, "exec")
app = Flask("riposte-warm")
protocol = sys.stdout
# What the module prints must not mix with the protocol.
sys.stdout = sys.stderr


def run(command, inputs):
    with app.test_request_context(headers={"command": command}, json=inputs):
        try:
            exec(code, {"__name__": "__main__", "__file__": main})
        except SystemExit:
            pass
        except Exception:
            traceback.print_exc()


def warm_up():
    """Loads the module's imports and the SDK's; says whether the SDK takes a command and its
    inputs from a request (it then looks up an unknown command and says it is not found)."""
    with app.test_request_context(headers={"command": "riposte-warm-up"}, json={}):
        try:
            exec(code, {"__name__": "__main__", "__file__": main})
        except CommandNotFoundError:
            return True
        except BaseException:
            traceback.print_exc()
    return False


if not warm_up():
    protocol.write("cold\n")
    protocol.flush()
    sys.exit(0)
protocol.write("ready\n")
protocol.flush()
for line in sys.stdin:
    request = json.loads(line)
    # Each run has its own data path; the SDK keeps the first it was given unless told.
    constants.DATA_STORAGE = request.get("data_path") or data_path
    storage.get_data_path.cache_clear()
    run(request["command"], request["inputs"])
    protocol.write("done\n")
    protocol.flush()
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

/// Copies the module into `staging`, sets up its environment and writes how to start it.
pub fn stage(source: &Path, staging: &Path, options: &PythonOptions) -> anyhow::Result<()> {
    copy_tree(source, staging)?;
    let needed = requirements(source)?;
    let python = match &options.env {
        Some(env) => existing_env(env)?,
        None => {
            make_env(&options.python, &staging.join(".venv"))?;
            PathBuf::from(".venv/bin/python")
        }
    };
    let absolute = if python.is_absolute() { python.clone() } else { staging.join(&python) };
    pip_install(&absolute, &needed.lines, needed.pinned)?;
    check_sdk(&absolute)?;
    std::fs::write(staging.join(STARTER), STARTER_CODE)?;
    std::fs::write(staging.join(WARM_STARTER), WARM_STARTER_CODE)?;
    // Compiled once here rather than at every start of a component.
    let _ = Command::new(&absolute).args(["-m", "compileall", "-q", "."]).current_dir(staging).status();
    let python = python.display().to_string();
    let launch = Launch {
        command: vec![python.clone(), STARTER.to_string()],
        env: [("PYTHONUNBUFFERED".to_string(), "1".to_string())].into(),
        warm: Some(vec![python, WARM_STARTER.to_string()]),
        replaces_builtin: false,
    };
    std::fs::write(staging.join(INSTALL_FILE), riposte_sdk::pretty(&serde_json::to_value(&launch)?))?;
    Ok(())
}

/// The module's files, without environments, caches and version control.
fn copy_tree(source: &Path, target: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(target).with_context(|| format!("cannot create {}", target.display()))?;
    for entry in std::fs::read_dir(source).with_context(|| format!("cannot read {}", source.display()))? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().to_string();
        if name.starts_with('.') || ["__pycache__", "node_modules", "data"].contains(&name.as_str()) {
            continue;
        }
        let (from, to) = (entry.path(), target.join(&name));
        if entry.file_type()?.is_dir() {
            copy_tree(&from, &to)?;
        } else {
            std::fs::copy(&from, &to).with_context(|| format!("cannot copy {}", from.display()))?;
        }
    }
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

fn pip_install(python: &Path, requirements: &[String], pinned: bool) -> anyhow::Result<()> {
    if requirements.is_empty() {
        return Ok(());
    }
    let mut command = Command::new(python);
    command.args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-input"]);
    if pinned {
        // The lock file already holds every package: nothing to resolve.
        command.arg("--no-deps");
    }
    let output = command.args(requirements).stdout(Stdio::null()).output().context("cannot run pip")?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let reason = stderr.lines().filter(|l| l.starts_with("ERROR")).collect::<Vec<_>>().join("\n");
        bail!("the module's dependencies do not install:\n{}", if reason.is_empty() { stderr.trim() } else { &reason });
    }
    Ok(())
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
