use std::sync::Arc;

use riposte_services::Services;

use crate::body::Bodies;
use crate::keys::Keys;

/// What every handler can reach. Cloned for each request and each layer it passes, so it is one
/// shared pointer to [`Shared`].
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl From<Shared> for AppState {
    fn from(shared: Shared) -> Self {
        AppState(Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

pub struct Shared {
    /// What the handlers ask of the platform.
    pub services: Arc<Services>,
    pub keys: Arc<Keys>,
    pub metrics: Arc<Metrics>,
    /// The budget of request bodies being read.
    pub bodies: Bodies,
    /// The run streams open (server-sent events).
    pub run_streams: crate::run_events::RunStreams,
    /// Each key's share of test runs and run streams.
    pub shares: crate::slots::Shares,
    /// Unknown API keys per client address and overall: past their limits, 429.
    pub guesses: crate::guesses::Guesses,
}

/// The Prometheus registry `/metrics` shows, and the gauges read when it is scraped.
#[derive(Debug, Default)]
pub struct Metrics {
    pub registry: prometheus_client::registry::Registry,
    pub runs_pending: prometheus_client::metrics::gauge::Gauge,
}

impl Metrics {
    /// A registry holding `register`'s metrics and the API's own.
    pub fn new(register: impl FnOnce(&mut prometheus_client::registry::Registry)) -> Metrics {
        let mut metrics = Metrics::default();
        register(&mut metrics.registry);
        let pending = metrics.runs_pending.clone();
        metrics.registry.register("riposte_runs_pending", "Runs stored and waiting to be driven", pending);
        metrics
    }
}
