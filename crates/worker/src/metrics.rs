//! What the worker counts, for Prometheus.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StatusLabel {
    pub status: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabel {
    pub outcome: String,
}

/// Counters and timings of runs and action attempts. Clones share the same values.
#[derive(Debug, Clone)]
pub struct WorkerMetrics {
    pub runs_started: Counter,
    pub runs_finished: Family<StatusLabel, Counter>,
    pub runs_active: Gauge,
    pub action_seconds: Family<OutcomeLabel, Histogram>,
}

impl Default for WorkerMetrics {
    fn default() -> Self {
        WorkerMetrics {
            runs_started: Counter::default(),
            runs_finished: Family::default(),
            runs_active: Gauge::default(),
            action_seconds: Family::new_with_constructor(|| Histogram::new(exponential_buckets(0.001, 2.5, 14))),
        }
    }
}

impl WorkerMetrics {
    pub fn register(&self, registry: &mut Registry) {
        registry.register("riposte_runs_started", "Runs the worker started driving", self.runs_started.clone());
        registry.register("riposte_runs_finished", "Runs that ended, by status", self.runs_finished.clone());
        registry.register("riposte_runs_active", "Runs being driven now", self.runs_active.clone());
        registry.register(
            "riposte_action_duration_seconds",
            "Duration of action attempts, by outcome (succeeded, failed)",
            self.action_seconds.clone(),
        );
    }
}
