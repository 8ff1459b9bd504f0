//! Retention: finished runs, alerts and intake events are deleted once older than the time they
//! are kept, and the oldest go first while the database is larger than its cap. Deletions go in
//! small batches with pauses, so runs and requests go on meanwhile; the space is then given back.

use std::sync::Arc;
use std::time::Duration;

use riposte_store::{Pruned, Store};
use tokio_util::sync::CancellationToken;

/// How long data is kept and how large the database may grow.
#[derive(Debug, Clone, Copy)]
pub struct RetentionPolicy {
    /// Finished runs, alerts and intake events older than this are deleted; None keeps them.
    pub keep: Option<Duration>,
    /// Past this many bytes of data, the oldest go first; None sets no cap.
    pub max_bytes: Option<u64>,
    /// How often retention runs.
    pub interval: Duration,
}

impl Default for RetentionPolicy {
    fn default() -> Self {
        RetentionPolicy {
            keep: Some(Duration::from_secs(90 * 24 * 3600)),
            max_bytes: None,
            interval: Duration::from_secs(600),
        }
    }
}

/// Rows of each kind deleted per write.
const BATCH: usize = 500;
/// Pause between two batches, for other writes.
const PAUSE: Duration = Duration::from_millis(5);
/// How much older data goes at a time while the database is over its cap.
const CAP_STEP_MS: i64 = 3_600_000;

/// Applies `policy` every `policy.interval` (first a minute after start) until `shutdown`.
pub async fn run_retention(store: Arc<dyn Store>, policy: RetentionPolicy, shutdown: CancellationToken) {
    if policy.keep.is_none() && policy.max_bytes.is_none() {
        return;
    }
    let mut next = tokio::time::Instant::now() + policy.interval.min(Duration::from_secs(60));
    loop {
        tokio::select! {
            () = tokio::time::sleep_until(next) => {}
            () = shutdown.cancelled() => return,
        }
        next = tokio::time::Instant::now() + policy.interval;
        match apply(store.as_ref(), &policy, &shutdown).await {
            Ok((pruned, given)) if pruned.total() > 0 => tracing::info!(
                runs = pruned.runs,
                alerts = pruned.alerts,
                events = pruned.events,
                bytes_given_back = given,
                "retention deleted old data"
            ),
            Ok(_) => {}
            Err(err) => tracing::error!(%err, "retention failed; it runs again later"),
        }
    }
}

/// One pass: by age, then by size; then the space freed is given back.
pub async fn apply(
    store: &dyn Store,
    policy: &RetentionPolicy,
    shutdown: &CancellationToken,
) -> riposte_store::Result<(Pruned, u64)> {
    let now = riposte_worker::now_ms();
    let mut pruned = Pruned::default();
    if let Some(keep) = policy.keep {
        let keep_ms = i64::try_from(keep.as_millis()).unwrap_or(i64::MAX);
        add(&mut pruned, prune_before(store, now.saturating_sub(keep_ms), shutdown).await?);
    }
    if let Some(max_bytes) = policy.max_bytes {
        while store.storage().await?.used_bytes > max_bytes && !shutdown.is_cancelled() {
            let Some(oldest) = store.oldest_record_ms().await? else { break };
            let cutoff = oldest.saturating_add(CAP_STEP_MS).min(now);
            let step = prune_before(store, cutoff, shutdown).await?;
            add(&mut pruned, step);
            if step.total() == 0 && cutoff == now {
                tracing::warn!(max_bytes, "the database is over its cap with nothing old enough left to delete");
                break;
            }
        }
    }
    let given = if pruned.total() > 0 { store.reclaim_space().await? } else { 0 };
    Ok((pruned, given))
}

async fn prune_before(store: &dyn Store, cutoff: i64, shutdown: &CancellationToken) -> riposte_store::Result<Pruned> {
    let mut pruned = Pruned::default();
    while !shutdown.is_cancelled() {
        let step = store.prune(cutoff, BATCH).await?;
        add(&mut pruned, step);
        if step.total() == 0 {
            break;
        }
        tokio::time::sleep(PAUSE).await;
    }
    Ok(pruned)
}

fn add(total: &mut Pruned, step: Pruned) {
    total.runs += step.runs;
    total.alerts += step.alerts;
    total.events += step.events;
}
