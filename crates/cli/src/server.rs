//! The server as one value: start it on a data directory and an address, stop it.

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use riposte_api::{AppState, Bodies, BodyLimits, ConnectionLimits, Metrics, Shared, keys};
use riposte_host::{Callbacks, Host};
use riposte_model::Permissions;
use riposte_modules::HttpClients;
use riposte_services::{RetentionPolicy, Sealer, Services, StoreAlerts, StoredConfigurations};
use riposte_store::Store;
use riposte_store_sqlite::{PageLimit, SqliteStore};
use riposte_worker::{
    ConfigurationSource, Configurations, DurableRunner, Executor, Registry, RunLimits, RunService, WorkerMetrics,
};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::installed;
use crate::module::{PythonOptions, ServerInstaller};

pub struct ServerOptions {
    pub data_dir: PathBuf,
    pub listen: String,
    pub limits: RunLimits,
    pub shutdown_grace: Duration,
    /// Key sealing secret configuration fields (64 hex characters); `DIR/secret.key` otherwise.
    pub secret_key: Option<String>,
    /// Node outputs larger than this (bytes of JSON) are stored apart.
    pub max_inline_output: usize,
    /// Warm workers kept per installed module that has them.
    pub warm_workers: usize,
    /// How long a warm worker may stay idle.
    pub warm_idle: Duration,
    pub connections: ConnectionLimits,
    pub bodies: BodyLimits,
    pub retention: RetentionPolicy,
    /// How modules imported through the API get their Python environment.
    pub module_python: PythonOptions,
    /// Where the built-in modules may connect.
    pub outbound: riposte_modules::Destinations,
    /// The most pages the database may grow to (none by default): what tests fill it with.
    pub database_pages: PageLimit,
}

impl ServerOptions {
    /// A server on `data_dir` listening on `listen`, with `riposte serve`'s defaults.
    pub fn new(data_dir: impl Into<PathBuf>, listen: impl Into<String>) -> ServerOptions {
        ServerOptions {
            data_dir: data_dir.into(),
            listen: listen.into(),
            limits: RunLimits { max_runs: 256, max_runs_per_playbook: 64 },
            shutdown_grace: Duration::from_secs(10),
            secret_key: None,
            max_inline_output: riposte_worker::DEFAULT_MAX_INLINE_OUTPUT,
            warm_workers: riposte_host::DEFAULT_WARM_WORKERS,
            warm_idle: riposte_host::DEFAULT_WARM_IDLE,
            connections: ConnectionLimits::default(),
            bodies: BodyLimits::default(),
            retention: RetentionPolicy::default(),
            module_python: PythonOptions { python: "python3".into(), env: None },
            database_pages: PageLimit::default(),
            outbound: riposte_modules::Destinations::default(),
        }
    }
}

/// A running server.
pub struct Server {
    pub address: SocketAddr,
    pub admin_key: String,
    /// True when this start created the admin key.
    pub new_admin_key: bool,
    shutdown: CancellationToken,
    http: JoinHandle<std::io::Result<()>>,
    runs: JoinHandle<()>,
    /// Installed triggers and connectors; stopping waits for their processes to exit.
    components: JoinHandle<()>,
}

impl Server {
    pub async fn start(options: ServerOptions) -> anyhow::Result<Server> {
        crate::memory::give_back_freed_memory();
        let dir = &options.data_dir;
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create the data directory {}", dir.display()))?;
        // Module processes start in their own folders: every path handed to them is absolute.
        let dir = &dir.canonicalize().with_context(|| format!("cannot resolve {}", dir.display()))?;
        let (admin_key, new_admin_key) = admin_key(dir)?;
        let store: Arc<dyn Store> = Arc::new(
            SqliteStore::open_with_limit(&dir.join("riposte.db"), options.database_pages.clone())
                .context("cannot open the database")?,
        );
        let listener = tokio::net::TcpListener::bind(&options.listen)
            .await
            .with_context(|| format!("cannot listen on {}", options.listen))?;
        let address = listener.local_addr()?;

        let mut keys = keys::Keys::default();
        keys.add(&admin_key, Permissions::ALL);

        // The built-in Sekoia.io module's default configuration (no base_url) reads this server's
        // alerts directly.
        let clients =
            HttpClients::with_destinations(options.outbound.clone()).context("cannot set up the HTTP client")?;
        let local_alerts = Arc::new(StoreAlerts(store.clone()));
        let host = Arc::new(
            Host::new(Arc::new(Callbacks::default()), callback_base(address))
                .with_warm_workers(options.warm_workers)
                .with_warm_idle(options.warm_idle)
                .with_data_root(dir.join("module-data")),
        );
        let registry =
            Arc::new(Registry::new(riposte_modules::builtin_modules(&clients, Some(local_alerts))).with_host(host));
        let modules_dir = installed::modules_dir(dir);
        let loaded = installed::load(&registry, &modules_dir);
        let configurations = Configurations::new();
        let sealer = match &options.secret_key {
            Some(hex) => Sealer::from_hex(hex),
            None => Sealer::from_key_file(&dir.join("secret.key")),
        }?;
        let source = StoredConfigurations { store: store.clone(), sealer: sealer.clone(), defaults: configurations };
        let worker_metrics = WorkerMetrics::default();
        let metrics = Arc::new(Metrics::new(|registry| worker_metrics.register(registry)));
        let configurations: Arc<dyn ConfigurationSource> = Arc::new(source);
        let executor = Executor::new(registry.clone(), configurations.clone()).with_metrics(worker_metrics);
        let runner =
            Arc::new(DurableRunner::new(store.clone(), executor).with_max_inline_output(options.max_inline_output));
        let run_service = RunService::new(runner, options.limits);
        let installer = ServerInstaller { data_dir: dir.to_path_buf(), python: options.module_python };
        let services = Services::new(store, run_service.clone(), registry.clone(), sealer, configurations)
            .with_installer(Arc::new(installer));
        let services = Arc::new(services);

        let shutdown = CancellationToken::new();
        let runs = tokio::spawn(run_service.serve(shutdown.clone(), options.shutdown_grace));
        tokio::spawn(riposte_services::run_schedule(services.clone(), shutdown.clone()));
        tokio::spawn(riposte_services::run_retention(services.store.clone(), options.retention, shutdown.clone()));
        tokio::spawn(installed::watch(registry, modules_dir, loaded, shutdown.clone()));
        let components = tokio::spawn(riposte_services::run_components(services.clone(), shutdown.clone()));
        let state = AppState::from(Shared {
            services,
            keys: Arc::new(keys),
            metrics,
            bodies: Bodies::new(options.bodies),
            run_streams: Default::default(),
            shares: Default::default(),
            guesses: riposte_api::Guesses::new(options.connections.key_failures_per_address),
        });
        let http = tokio::spawn(riposte_api::serve(
            listener,
            riposte_api::router(state),
            options.connections,
            shutdown.clone(),
        ));
        Ok(Server { address, admin_key, new_admin_key, shutdown, http, runs, components })
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Stops taking requests, gives runs in progress their grace period, and returns.
    pub async fn stop(self) -> anyhow::Result<()> {
        self.shutdown.cancel();
        self.http.await??;
        self.runs.await?;
        self.components.await?;
        Ok(())
    }
}

/// Where module processes, which run on this machine, reach this server.
fn callback_base(address: SocketAddr) -> String {
    let ip = if address.ip().is_unspecified() { std::net::Ipv4Addr::LOCALHOST.into() } else { address.ip() };
    format!("http://{}", SocketAddr::new(ip, address.port()))
}

/// The admin API key: read from `DIR/admin.key`, or made on first start and written there with
/// mode 0600. The flag says whether it is new.
fn admin_key(data_dir: &Path) -> anyhow::Result<(String, bool)> {
    let path = data_dir.join("admin.key");
    if path.exists() {
        let key = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
        return Ok((key.trim().to_string(), false));
    }
    let key = keys::new_key();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&path).with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(key.as_bytes())?;
    file.sync_all()?;
    Ok((key, true))
}

pub async fn wait_for_signal() {
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
