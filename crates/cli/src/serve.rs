//! `riposte serve`: the API and the run service over the embedded database.

use std::process::ExitCode;
use std::time::Duration;

use crate::cli::ServeArgs;
use riposte_api::{BodyLimits, ConnectionLimits};
use riposte_services::RetentionPolicy;
use riposte_worker::RunLimits;

use crate::module::PythonOptions;
use crate::server::{Server, ServerOptions, wait_for_signal};

pub fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let runtime = crate::memory::runtime()?;
    runtime.block_on(async {
        let outbound = outbound(&args)?;
        let server = Server::start(ServerOptions {
            data_dir: args.data_dir.clone(),
            listen: args.listen,
            limits: RunLimits { max_runs: args.max_runs, max_runs_per_playbook: args.max_runs_per_playbook },
            shutdown_grace: Duration::from_secs(args.shutdown_grace),
            secret_key: args.secret_key.clone(),
            max_inline_output: args.max_inline_output,
            warm_workers: args.warm_workers,
            warm_idle: Duration::from_secs(args.warm_idle.max(1)),
            connections: ConnectionLimits {
                max_connections: args.max_connections,
                max_connections_per_address: args.max_connections_per_address,
                key_failures_per_address: args.key_failures_per_address,
                header_timeout: Duration::from_secs(args.header_timeout),
                ..ConnectionLimits::default()
            },
            retention: RetentionPolicy {
                keep: args.retention.0,
                max_bytes: (args.max_database_size > 0).then(|| args.max_database_size.saturating_mul(1024 * 1024)),
                interval: Duration::from_secs(args.retention_interval.max(1)),
            },
            bodies: BodyLimits {
                timeout: Duration::from_secs(args.body_timeout),
                memory: args.body_memory.saturating_mul(1024 * 1024),
            },
            module_python: PythonOptions { python: args.module_python.clone(), env: args.module_python_env.clone() },
            database_pages: Default::default(),
            outbound,
        })
        .await?;
        if server.new_admin_key {
            println!("admin API key (kept in {}): {}", args.data_dir.join("admin.key").display(), server.admin_key);
        }
        eprintln!("riposte is listening on {} (data in {})", server.url(), args.data_dir.display());
        wait_for_signal().await;
        eprintln!("shutting down");
        server.stop().await
    })?;
    Ok(ExitCode::SUCCESS)
}

/// The outbound policy the flags give: the cloud metadata services denied, and what they add.
fn outbound(args: &ServeArgs) -> anyhow::Result<riposte_modules::Destinations> {
    use riposte_modules::Destinations;
    let allow = Destinations::networks(&args.outbound_allow).map_err(|e| anyhow::anyhow!("--outbound-allow: {e}"))?;
    let added = Destinations::networks(&args.outbound_deny).map_err(|e| anyhow::anyhow!("--outbound-deny: {e}"))?;
    let mut deny = Destinations::default().deny;
    deny.extend(added);
    Ok(Destinations { allow, deny })
}
