//! The configuration file of `riposte serve`: it fills in what neither a flag nor a `RIPOSTE_*`
//! variable set.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::ArgMatches;
use clap::parser::ValueSource;
use serde::Deserialize;

use crate::cli::ServeArgs;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ServeFile {
    data_dir: Option<PathBuf>,
    listen: Option<String>,
    max_runs: Option<usize>,
    max_runs_per_playbook: Option<usize>,
    shutdown_grace: Option<u64>,
    secret_key: Option<String>,
    max_inline_output: Option<usize>,
    warm_workers: Option<usize>,
    warm_idle: Option<u64>,
    module_python: Option<String>,
    module_python_env: Option<PathBuf>,
    outbound_allow: Option<Vec<String>>,
    outbound_deny: Option<Vec<String>>,
    max_connections: Option<usize>,
    max_connections_per_address: Option<usize>,
    key_failures_per_address: Option<u32>,
    header_timeout: Option<u64>,
    body_timeout: Option<u64>,
    body_memory: Option<usize>,
    retention: Option<String>,
    max_database_size: Option<u64>,
    retention_interval: Option<u64>,
}

/// Applies `args.config`, if any, under the flags and variables `matches` saw.
pub fn apply_file(args: &mut ServeArgs, matches: &ArgMatches) -> anyhow::Result<()> {
    let Some(path) = &args.config else { return Ok(()) };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the configuration file {}", path.display()))?;
    let file: ServeFile = match toml::from_str(&text) {
        Ok(file) => file,
        Err(e) => bail!("{}: {e}", path.display()),
    };
    let unset = |id: &str| matches!(matches.value_source(id), None | Some(ValueSource::DefaultValue));
    if let Some(v) = file.data_dir.filter(|_| unset("data_dir")) {
        args.data_dir = v;
    }
    if let Some(v) = file.listen.filter(|_| unset("listen")) {
        args.listen = v;
    }
    if let Some(v) = file.max_runs.filter(|_| unset("max_runs")) {
        args.max_runs = v;
    }
    if let Some(v) = file.max_runs_per_playbook.filter(|_| unset("max_runs_per_playbook")) {
        args.max_runs_per_playbook = v;
    }
    if let Some(v) = file.shutdown_grace.filter(|_| unset("shutdown_grace")) {
        args.shutdown_grace = v;
    }
    if let Some(v) = file.secret_key.filter(|_| unset("secret_key")) {
        args.secret_key = Some(v);
    }
    if let Some(v) = file.max_inline_output.filter(|_| unset("max_inline_output")) {
        args.max_inline_output = v;
    }
    if let Some(v) = file.warm_workers.filter(|_| unset("warm_workers")) {
        args.warm_workers = v;
    }
    if let Some(v) = file.warm_idle.filter(|_| unset("warm_idle")) {
        args.warm_idle = v;
    }
    if let Some(v) = file.module_python.filter(|_| unset("module_python")) {
        args.module_python = v;
    }
    if let Some(v) = file.module_python_env.filter(|_| unset("module_python_env")) {
        args.module_python_env = Some(v);
    }
    if let Some(v) = file.outbound_allow.filter(|_| unset("outbound_allow")) {
        args.outbound_allow = v;
    }
    if let Some(v) = file.outbound_deny.filter(|_| unset("outbound_deny")) {
        args.outbound_deny = v;
    }
    if let Some(v) = file.max_connections.filter(|_| unset("max_connections")) {
        args.max_connections = v;
    }
    if let Some(v) = file.max_connections_per_address.filter(|_| unset("max_connections_per_address")) {
        args.max_connections_per_address = Some(v);
    }
    if let Some(v) = file.key_failures_per_address.filter(|_| unset("key_failures_per_address")) {
        args.key_failures_per_address = v;
    }
    if let Some(v) = file.header_timeout.filter(|_| unset("header_timeout")) {
        args.header_timeout = v;
    }
    if let Some(v) = file.body_timeout.filter(|_| unset("body_timeout")) {
        args.body_timeout = v;
    }
    if let Some(v) = file.body_memory.filter(|_| unset("body_memory")) {
        args.body_memory = v;
    }
    if let Some(v) = file.retention.filter(|_| unset("retention")) {
        args.retention =
            crate::cli::parse_retention(&v).map_err(|e| anyhow::anyhow!("{}: retention: {e}", path.display()))?;
    }
    if let Some(v) = file.max_database_size.filter(|_| unset("max_database_size")) {
        args.max_database_size = v;
    }
    if let Some(v) = file.retention_interval.filter(|_| unset("retention_interval")) {
        args.retention_interval = v;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, FromArgMatches};

    use super::*;
    use crate::cli::{Cli, Command};

    fn serve_args(file: &str, flags: &[&str]) -> anyhow::Result<ServeArgs> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("riposte.toml");
        std::fs::write(&path, file).unwrap();
        let mut argv = vec!["riposte", "serve", "--config", path.to_str().unwrap()];
        argv.extend_from_slice(flags);
        let matches = Cli::command().try_get_matches_from(argv)?;
        let Command::Serve(mut args) = Cli::from_arg_matches(&matches)?.command else { unreachable!() };
        apply_file(&mut args, matches.subcommand_matches("serve").unwrap())?;
        Ok(args)
    }

    #[test]
    fn the_file_fills_defaults_and_flags_win() {
        let args = serve_args("listen = \"127.0.0.1:9999\"\nmax_runs = 7\n", &["--max-runs", "3"]).unwrap();
        assert_eq!(args.listen, "127.0.0.1:9999");
        assert_eq!(args.max_runs, 3);
        assert_eq!(args.shutdown_grace, 10);
    }

    #[test]
    fn the_file_sets_connections_per_address() {
        let args = serve_args("max_connections_per_address = 900\nkey_failures_per_address = 0\n", &[]).unwrap();
        assert_eq!((args.max_connections_per_address, args.key_failures_per_address), (Some(900), 0));
        assert_eq!(serve_args("", &[]).unwrap().max_connections_per_address, None);
    }

    #[test]
    fn bad_files_say_where() {
        let err = serve_args("listen = 5\n", &[]).unwrap_err().to_string();
        assert!(err.contains("line 1"), "{err}");
        let err = serve_args("colour = \"red\"\n", &[]).unwrap_err().to_string();
        assert!(err.contains("unknown field `colour`"), "{err}");
    }
}
