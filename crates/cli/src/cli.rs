use std::path::PathBuf;
use std::time::Duration;

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
    /// Run the server: the API, and the runs that alerts start, on an embedded database.
    Serve(ServeArgs),
    /// Start a server with the "push new alerts to an external tool" playbook and a local
    /// external tool, create a few alerts, and show what happened.
    Demo(DemoArgs),
    /// Measure the server end to end: alerts in, the seed playbook's requests out at a local
    /// external tool. Reports runs per second, alert-to-tool latency and peak memory.
    Bench(BenchArgs),
    /// Validate and run playbooks (Sekoia playbook JSON or YAML).
    #[command(subcommand)]
    Playbook(PlaybookCommand),
    /// Work on modules (Rust or Python, Sekoia's layout).
    #[command(subcommand)]
    Module(ModuleCommand),
}

#[derive(Debug, Subcommand)]
pub enum ModuleCommand {
    /// Run the checks of Sekoia's automation-library compliance tool on module folders: one
    /// `module:file:problem` line per problem, exit code 1 when there is one.
    Check(CheckArgs),
    /// Create a module crate in ./NAME: Cargo.toml, src/ with an example action, manifest.json,
    /// CHANGELOG.md, logo.svg and tests (one against a local HTTP server, one for manifest drift).
    New(NewModuleArgs),
    /// Write a Rust module's manifests (configuration, action_/trigger_/connector_*.json) from
    /// its code, by building and running it.
    Generate(GenerateArgs),
    /// Install a module into DATA_DIR/modules, where `riposte serve` finds it (also while it
    /// runs): a Rust module is built with cargo; a Python module gets a virtual environment with
    /// what its uv.lock, poetry.lock or pyproject.toml names.
    Install(InstallArgs),
    /// Measure what an installed module's action costs as a process (start, protocol round
    /// trip) next to the built-in in-process Request URL: both POST to the same local tool.
    /// The action takes `url` and `method` arguments, as the TestHTTP example's Request does.
    Bench(ModuleBenchArgs),
}

#[derive(Debug, Args)]
pub struct ModuleBenchArgs {
    /// The module's folder (built in release mode and installed in a temporary directory).
    pub path: PathBuf,
    /// The action, by name or docker_parameters; the module's first action when not given.
    #[arg(long)]
    pub action: Option<String>,
    /// The module configuration the action runs with, as JSON; `{tool_url}` in it is the URL
    /// of the local tool the actions may send to.
    #[arg(long, default_value = "{}")]
    pub configuration: String,
    /// The installed action's arguments, as JSON (`{tool_url}` as above); by default `url` (the
    /// local tool) and `method`, as the TestHTTP example's Request takes.
    #[arg(long)]
    pub arguments: Option<String>,
    /// The Python that makes a Python module's virtual environment.
    #[arg(long, default_value = "python3")]
    pub python: String,
    /// Use this Python environment for a Python module instead of making one (what the module
    /// needs is installed into it).
    #[arg(long)]
    pub python_env: Option<PathBuf>,
    /// Runs of each action, one after another.
    #[arg(long, default_value_t = 200)]
    pub runs: usize,
    /// Print the figures as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct NewModuleArgs {
    /// The module's name: letters, digits, `-` and `_`. Its slug is the name in lower case.
    pub name: String,
    /// Folder to create the module in (default: the current folder).
    #[arg(long = "in", value_name = "DIR")]
    pub parent: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// The module's folder.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct InstallArgs {
    /// The module's folder, or a git repository (a URL, `git@host:path`, or the path of a
    /// repository) that holds one module at its root or several in top-level folders.
    pub source: String,
    /// The repository's tag, branch or commit to install; its default branch when none.
    #[arg(long = "ref", value_name = "TAG|BRANCH|COMMIT")]
    pub reference: Option<String>,
    /// The module's folder in the repository; every module of the repository when none.
    #[arg(long)]
    pub subdir: Option<PathBuf>,
    /// The server's data directory.
    #[arg(long, env = "RIPOSTE_DATA_DIR")]
    pub data_dir: PathBuf,
    /// Build without optimisations: quicker to build, slower to run.
    #[arg(long)]
    pub debug: bool,
    /// The Python that makes a Python module's virtual environment.
    #[arg(long, default_value = "python3")]
    pub python: String,
    /// Use this Python environment for a Python module instead of making one (what the module
    /// needs is installed into it).
    #[arg(long)]
    pub python_env: Option<PathBuf>,
    /// The module has the UUID of a module built into Riposte (Sekoia.io's own HTTP or
    /// Sekoia.io modules, say): use it in place of the built-in one. Without this flag, such a
    /// module is not installed.
    #[arg(long)]
    pub replace_builtin: bool,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Module folders (each with its manifest.json); UUIDs and slugs must be unique across them.
    #[arg(required = true)]
    pub dirs: Vec<PathBuf>,
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
    /// A server's data directory: the modules installed there count too (built-in ones only
    /// without it).
    #[arg(long, env = "RIPOSTE_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Print the problems as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Playbook file: JSON or YAML, bare or as the API's `{"playbook": {...}}`.
    pub file: PathBuf,
    /// A server's data directory: the modules installed there can run too (built-in ones only
    /// without it). Their files go to a temporary folder, not to the server's.
    #[arg(long, env = "RIPOSTE_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// JSON file with the trigger's event: the output of the trigger node.
    #[arg(long)]
    pub event: PathBuf,
    /// The id of the trigger node the run starts from, when the playbook has several (the
    /// first one otherwise). The other triggers are skipped.
    #[arg(long, value_name = "NODE")]
    pub trigger: Option<String>,
    /// Module configuration, as MODULE=FILE: MODULE is a module slug or UUID (the default
    /// configuration of that module) or a module configuration UUID that nodes name in
    /// `module_configuration_uuid`; FILE is a JSON object. Repeatable.
    #[arg(long = "module-config", value_name = "MODULE=FILE")]
    pub module_configs: Vec<String>,
    /// Print the run as JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// TOML file with any of the options below (`listen = "0.0.0.0:8080"`, `max_runs = 512`,
    /// ...). Flags and `RIPOSTE_*` variables win over it; it wins over the defaults.
    #[arg(long, env = "RIPOSTE_CONFIG")]
    pub config: Option<PathBuf>,
    /// Where the database and keys live; created if missing.
    #[arg(long, env = "RIPOSTE_DATA_DIR", default_value = "riposte-data")]
    pub data_dir: PathBuf,
    /// Address to listen on.
    #[arg(long, env = "RIPOSTE_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// Most runs driven at once.
    #[arg(long, env = "RIPOSTE_MAX_RUNS", default_value_t = 256)]
    pub max_runs: usize,
    /// Most runs of one playbook driven at once; its other runs wait their turn.
    #[arg(long, env = "RIPOSTE_MAX_RUNS_PER_PLAYBOOK", default_value_t = 64)]
    pub max_runs_per_playbook: usize,
    /// Seconds that runs in progress get to finish at shutdown; the rest resume at the next start.
    #[arg(long, env = "RIPOSTE_SHUTDOWN_GRACE", default_value_t = 10)]
    pub shutdown_grace: u64,
    /// Node outputs larger than this many bytes (as JSON) are stored apart from the runs table
    /// and the run journals, and loaded when a run is read.
    #[arg(long, env = "RIPOSTE_MAX_INLINE_OUTPUT", default_value_t = riposte_worker::DEFAULT_MAX_INLINE_OUTPUT)]
    pub max_inline_output: usize,
    /// Warm workers kept per installed module that has them (Python modules): actions run on a
    /// loaded worker instead of a new process. 0 starts a process for every action.
    #[arg(long, env = "RIPOSTE_WARM_WORKERS", default_value_t = riposte_host::DEFAULT_WARM_WORKERS)]
    pub warm_workers: usize,
    /// Seconds a warm worker may stay idle before it is stopped.
    #[arg(long, env = "RIPOSTE_WARM_IDLE", default_value_t = riposte_host::DEFAULT_WARM_IDLE.as_secs())]
    pub warm_idle: u64,
    /// The Python interpreter that makes the environment of a Python module imported through
    /// the API (`POST /api/v1/modules/imports`).
    #[arg(long, env = "RIPOSTE_MODULE_PYTHON", default_value = "python3")]
    pub module_python: String,
    /// An environment for every Python module imported through the API, instead of one each:
    /// what each module needs is installed into it.
    #[arg(long, env = "RIPOSTE_MODULE_PYTHON_ENV")]
    pub module_python_env: Option<PathBuf>,
    /// Key that seals secret configuration fields at rest, as 64 hex characters. When not given,
    /// DIR/secret.key is used (made on first start, mode 0600): back it up with the database.
    #[arg(long, env = "RIPOSTE_SECRET_KEY", hide_env_values = true)]
    pub secret_key: Option<String>,
    /// Networks the built-in modules (Request URL, Get Alert) may connect to, and only those
    /// (addresses or CIDR networks, comma-separated). Any network when not given.
    #[arg(long, env = "RIPOSTE_OUTBOUND_ALLOW", value_delimiter = ',')]
    pub outbound_allow: Vec<String>,
    /// Networks the built-in modules may not connect to, beside the cloud metadata services
    /// (169.254.169.254, 169.254.170.2, fd00:ec2::254, 100.100.100.200), always denied.
    #[arg(long, env = "RIPOSTE_OUTBOUND_DENY", value_delimiter = ',')]
    pub outbound_deny: Vec<String>,
    /// Connections open at once; more wait until one closes.
    #[arg(long, env = "RIPOSTE_MAX_CONNECTIONS", default_value_t = 1024)]
    pub max_connections: usize,
    /// Connections open at once from one client address (an IPv6 client's /64); past it, a new
    /// one is answered 429 and closed. Half of `--max-connections` when not given, at most seven
    /// eighths. Behind a reverse proxy every client has the proxy's address.
    #[arg(long, env = "RIPOSTE_MAX_CONNECTIONS_PER_ADDRESS")]
    pub max_connections_per_address: Option<usize>,
    /// Unknown API keys (at login or as bearer keys) one client address may send at once, then
    /// in a minute; ten times as many from all addresses together. Past it, 429. 0 sets no limit.
    #[arg(long, env = "RIPOSTE_KEY_FAILURES_PER_ADDRESS", default_value_t = 10)]
    pub key_failures_per_address: u32,
    /// Seconds a client has to send a request's head; an idle keep-alive connection is closed
    /// after as long.
    #[arg(long, env = "RIPOSTE_HEADER_TIMEOUT", default_value_t = 10)]
    pub header_timeout: u64,
    /// Seconds a client has to send a whole request body.
    #[arg(long, env = "RIPOSTE_BODY_TIMEOUT", default_value_t = 30)]
    pub body_timeout: u64,
    /// MiB of request bodies held in memory at once, all requests together; past it, 503.
    #[arg(long, env = "RIPOSTE_BODY_MEMORY", default_value_t = 256)]
    pub body_memory: usize,
    /// How long finished runs, alerts and intake events are kept: `90d`, `12h`, `30m`, `45s`, or
    /// `forever`.
    #[arg(long, env = "RIPOSTE_RETENTION", default_value = "90d", value_parser = parse_retention)]
    pub retention: Retention,
    /// MiB of data past which the oldest finished runs, alerts and intake events are deleted
    /// first; 0 sets no cap.
    #[arg(long, env = "RIPOSTE_MAX_DATABASE_SIZE", default_value_t = 0)]
    pub max_database_size: u64,
    /// Seconds between two retention passes.
    #[arg(long, env = "RIPOSTE_RETENTION_INTERVAL", default_value_t = 600)]
    pub retention_interval: u64,
}

/// How long data is kept; None keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention(pub Option<Duration>);

/// `90d`, `12h`, `30m`, `45s`, or `forever`.
pub fn parse_retention(text: &str) -> Result<Retention, String> {
    if text == "forever" {
        return Ok(Retention(None));
    }
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let seconds = match unit {
        "d" => 86_400,
        "h" => 3_600,
        "m" => 60,
        "s" => 1,
        _ => return Err(format!("`{text}`: give a number with a unit (`90d`, `12h`, `30m`, `45s`) or `forever`")),
    };
    let number: u64 = number.parse().map_err(|_| format!("`{text}`: the number is missing or too large"))?;
    match number.checked_mul(seconds) {
        Some(0) => Err("a retention of 0 would delete everything: use `forever` to keep everything".into()),
        Some(total) => Ok(Retention(Some(Duration::from_secs(total)))),
        None => Err(format!("`{text}` is too long")),
    }
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Where the database and keys live; a temporary directory when not given.
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Address the server listens on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// How many sample alerts to create.
    #[arg(long, default_value_t = 3)]
    pub alerts: usize,
    /// Stop once the runs are shown instead of serving until Ctrl-C.
    #[arg(long)]
    pub exit: bool,
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Alerts to create.
    #[arg(long, default_value_t = 2000)]
    pub alerts: usize,
    /// Alerts per second; as fast as possible when not given.
    #[arg(long)]
    pub rate: Option<u32>,
    /// A soak: alerts at `--rate` for this many seconds (instead of `--alerts`), with latency and
    /// memory reported per window, the first against the last.
    #[arg(long, requires = "rate")]
    pub seconds: Option<u64>,
    /// Seconds per window of a soak.
    #[arg(long, default_value_t = 30)]
    pub window: u64,
    /// Alert creations in flight at once.
    #[arg(long, default_value_t = 64)]
    pub concurrency: usize,
    /// Where the database lives; a temporary directory when not given.
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Print the figures as JSON.
    #[arg(long)]
    pub json: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retention_reads_a_number_with_a_unit_or_forever() {
        assert_eq!(parse_retention("90d"), Ok(Retention(Some(Duration::from_secs(90 * 86_400)))));
        assert_eq!(parse_retention("45s"), Ok(Retention(Some(Duration::from_secs(45)))));
        assert_eq!(parse_retention("forever"), Ok(Retention(None)));
        for bad in ["", "90", "d", "0d", "12w", "99999999999999999999d"] {
            assert!(parse_retention(bad).is_err(), "{bad}");
        }
    }
}
