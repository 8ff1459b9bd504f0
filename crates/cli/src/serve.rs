//! `riposte serve`: the API and the run service over the embedded database.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use riposte_api::{AppState, auth};
use riposte_modules::HttpClients;
use riposte_store::Store;
use riposte_store_sqlite::SqliteStore;
use riposte_worker::{Configurations, DurableRunner, Executor, Registry, RunService};
use tokio_util::sync::CancellationToken;

use crate::cli::ServeArgs;

pub fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    std::fs::create_dir_all(&args.data_dir)
        .with_context(|| format!("cannot create the data directory {}", args.data_dir.display()))?;
    let admin_key = admin_key(&args.data_dir)?;
    let store: Arc<dyn Store> =
        Arc::new(SqliteStore::open(&args.data_dir.join("riposte.db")).context("cannot open the database")?);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(run_server(args, store, admin_key))?;
    Ok(ExitCode::SUCCESS)
}

async fn run_server(args: ServeArgs, store: Arc<dyn Store>, admin_key: String) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(&args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let address = listener.local_addr()?;
    // The built-in Sekoia.io module talks to this server with a key of its own.
    let internal_key = random_key();
    let mut keys = auth::Keys::default();
    keys.add(&admin_key, &auth::ALL_PERMISSIONS);
    keys.add(&internal_key, &[auth::SIC_READ_ALERTS, auth::SIC_WRITE_ALERTS]);

    let clients = HttpClients::new().context("cannot set up the HTTP client")?;
    let registry = Arc::new(Registry::new(riposte_modules::builtin_modules(&clients)));
    let catalogue = Arc::new(registry.catalogue());
    let mut configurations = Configurations::new();
    configurations.set_module_default(
        riposte_modules::sekoiaio::MODULE_UUID,
        serde_json::json!({"base_url": format!("http://{address}"), "api_key": internal_key}),
    );
    let runner = Arc::new(DurableRunner::new(store.clone(), Executor::new(registry, Arc::new(configurations))));
    let runs = RunService::new(runner, args.max_runs);
    let state = AppState { store, runs: runs.clone(), catalogue, keys: Arc::new(keys) };

    let shutdown = CancellationToken::new();
    let service = tokio::spawn(runs.serve(shutdown.clone(), Duration::from_secs(args.shutdown_grace)));
    eprintln!("riposte is listening on http://{address} (data in {})", args.data_dir.display());
    let stop = shutdown.clone();
    axum::serve(listener, riposte_api::router(state))
        .with_graceful_shutdown(async move {
            wait_for_signal().await;
            eprintln!("shutting down");
            stop.cancel();
        })
        .await?;
    shutdown.cancel();
    service.await?;
    Ok(())
}

async fn wait_for_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("SIGTERM handler");
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
}

/// The admin API key: read from `DIR/admin.key`, or made on first start, written there with
/// mode 0600 and printed once.
fn admin_key(data_dir: &Path) -> anyhow::Result<String> {
    let path = data_dir.join("admin.key");
    if path.exists() {
        let key = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
        return Ok(key.trim().to_string());
    }
    let key = random_key();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&path).with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(key.as_bytes())?;
    file.sync_all()?;
    println!("admin API key (kept in {}): {key}", path.display());
    Ok(key)
}

/// 244 random bits from the OS (two v4 UUIDs), as hex.
fn random_key() -> String {
    format!("rp_{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple())
}
