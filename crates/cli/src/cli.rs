use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Riposte: security automation with Sekoia.io-compatible playbooks and modules.
#[derive(Debug, Parser)]
#[command(name = "riposte", version, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate and run playbooks (Sekoia playbook JSON or YAML).
    #[command(subcommand)]
    Playbook(PlaybookCommand),
}

#[derive(Debug, Subcommand)]
pub enum PlaybookCommand {
    /// Check a playbook against the installed modules and report every problem.
    /// Exits with 1 when there is a problem.
    Validate(ValidateArgs),
    /// Run a playbook once, in this process, on a trigger event, and print what each node did.
    /// Exits with 1 when the run does not succeed.
    Run(RunArgs),
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Playbook file: JSON or YAML, bare or as the API's `{"playbook": {...}}`.
    pub file: PathBuf,
    /// Print the problems as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Playbook file: JSON or YAML, bare or as the API's `{"playbook": {...}}`.
    pub file: PathBuf,
    /// JSON file with the trigger's event: the output of the trigger node.
    #[arg(long)]
    pub event: PathBuf,
    /// Module configuration, as MODULE=FILE: MODULE is a module slug or UUID (the default
    /// configuration of that module) or a module configuration UUID that nodes name in
    /// `module_configuration_uuid`; FILE is a JSON object. Repeatable.
    #[arg(long = "module-config", value_name = "MODULE=FILE")]
    pub module_configs: Vec<String>,
    /// Print the run as JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}
