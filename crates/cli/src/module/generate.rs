//! `riposte module generate [DIR]`: the module's manifests, written by its own code.

use std::path::Path;
use std::process::{Command, ExitCode};

use anyhow::{Context, bail};

use crate::cli::GenerateArgs;

pub fn generate(args: GenerateArgs) -> anyhow::Result<ExitCode> {
    let dir = args.dir.canonicalize().with_context(|| format!("no module folder {}", args.dir.display()))?;
    rust_module(&dir)?;
    let status = Command::new(cargo())
        .args(["run", "--quiet", "--manifest-path"])
        .arg(dir.join("Cargo.toml"))
        .args(["--", riposte_sdk::wire::GENERATE_MANIFESTS])
        .arg(&dir)
        .status()
        .context("cannot run cargo")?;
    if !status.success() {
        bail!("the module did not write its manifests ({status})");
    }
    Ok(ExitCode::SUCCESS)
}

/// Refuses a folder that is not a Rust module, saying why.
pub(super) fn rust_module(dir: &Path) -> anyhow::Result<()> {
    if !dir.join("Cargo.toml").is_file() {
        bail!("{} has no Cargo.toml: only Rust modules are built by Riposte so far", dir.display());
    }
    if !dir.join("manifest.json").is_file() {
        bail!("{} has no manifest.json: create a module with `riposte module new NAME`", dir.display());
    }
    Ok(())
}

/// The cargo that runs this command's tests or was named by `CARGO`, else the one on `PATH`.
pub(crate) fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}
