//! Drives unfinished runs, a bounded number at a time: those handed over as they are stored,
//! and those found in the store (after a restart, a rerun, or when too many were waiting).

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use riposte_model::RunStatus;
use riposte_store::{NewRun, Page, RunFilter, RunRecord};
use tokio::sync::{Notify, Semaphore};
use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::DurableRunner;

/// How often stored runs are looked for when nobody says there are new ones.
const POLL_EVERY: Duration = Duration::from_secs(1);

/// Failed runs in a row after which a playbook is turned off, as on Sekoia.io.
pub const FAILURES_BEFORE_DEACTIVATION: u64 = 5;

/// Runs handed over in memory and waiting for a slot, at most; beyond, they wait in the store.
pub const MAX_HANDED_OVER: usize = 4096;

/// Limits on how much runs a service drives.
#[derive(Debug, Clone, Copy)]
pub struct RunLimits {
    /// Runs driven at once, in all.
    pub max_runs: usize,
    /// Runs of one playbook driven at once; the others wait their turn.
    pub max_runs_per_playbook: usize,
}

pub struct RunService {
    runner: Arc<DurableRunner>,
    wake: Notify,
    /// Stored runs may be waiting that were not handed over: look in the store at the next wake.
    rescan: AtomicBool,
    claims: Mutex<Claims>,
    limits: RunLimits,
    slots: Arc<Semaphore>,
}

/// Which runs this process drives or is about to.
#[derive(Default)]
struct Claims {
    /// Runs driven here, with the token that cancels each.
    active: HashMap<String, CancellationToken>,
    /// Runs driven per playbook.
    per_playbook: HashMap<String, usize>,
    /// Runs just stored and handed over in memory, so that they start without being read back.
    fresh: VecDeque<RunRecord>,
    fresh_uuids: HashSet<String>,
}

/// Where the record of a claimed run comes from.
enum Source {
    Memory(Box<RunRecord>),
    Store(String),
}

impl RunService {
    pub fn new(runner: Arc<DurableRunner>, limits: RunLimits) -> Arc<Self> {
        Arc::new(RunService {
            runner,
            wake: Notify::new(),
            rescan: AtomicBool::new(true),
            claims: Mutex::default(),
            slots: Arc::new(Semaphore::new(limits.max_runs.max(1))),
            limits,
        })
    }

    pub fn runner(&self) -> &Arc<DurableRunner> {
        &self.runner
    }

    /// Runs were stored or made unfinished again: look for them in the store now rather than at
    /// the next poll.
    pub fn notify(&self) {
        self.rescan.store(true, Ordering::Release);
        self.wake.notify_one();
    }

    /// Runs were just stored: drive them from these records. Past [`MAX_HANDED_OVER`] waiting,
    /// the rest are read from the store instead.
    pub fn submit(&self, runs: Vec<NewRun>) {
        let mut claims = self.lock();
        for run in runs {
            if claims.fresh.len() >= MAX_HANDED_OVER {
                self.rescan.store(true, Ordering::Release);
                break;
            }
            claims.fresh_uuids.insert(run.uuid.clone());
            claims.fresh.push_back(run.into_record());
        }
        drop(claims);
        self.wake.notify_one();
    }

    /// Cancels a run driven here. Returns false when this process is not driving it.
    pub fn cancel(&self, uuid: &str) -> bool {
        match self.lock().active.get(uuid) {
            Some(token) => {
                token.cancel();
                true
            }
            None => false,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Claims> {
        self.claims.lock().expect("run claims lock")
    }

    /// Drives runs until `shutdown`. Runs still going then get `grace` to finish; the rest stop
    /// where they are and resume from their journal at the next start.
    pub async fn serve(self: Arc<Self>, shutdown: CancellationToken, grace: Duration) {
        let mut tasks = JoinSet::new();
        let mut next_scan = Instant::now();
        while !shutdown.is_cancelled() {
            if self.rescan.swap(false, Ordering::AcqRel) || Instant::now() >= next_scan {
                next_scan = Instant::now() + POLL_EVERY;
                if let Err(e) = self.start_stored_runs(&mut tasks, &shutdown).await {
                    tracing::error!(error = %e, "cannot read unfinished runs");
                }
            }
            self.start_handed_over_runs(&mut tasks, &shutdown).await;
            while tasks.try_join_next().is_some() {}
            tokio::select! {
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep_until(next_scan) => {}
                _ = shutdown.cancelled() => {}
            }
        }
        if tokio::time::timeout(grace, async { while tasks.join_next().await.is_some() {} }).await.is_err() {
            tracing::info!(runs = tasks.len(), "stopping runs still going; they resume at the next start");
            tasks.shutdown().await;
        }
    }

    async fn start_stored_runs(
        self: &Arc<Self>,
        tasks: &mut JoinSet<()>,
        shutdown: &CancellationToken,
    ) -> crate::Result<()> {
        let runs = self.runner.store().unfinished_runs(256).await?;
        for run in runs {
            let token = {
                let mut claims = self.lock();
                // A run handed over in memory starts from there.
                if claims.fresh_uuids.contains(&run.uuid) {
                    continue;
                }
                self.claim(&mut claims, &run.uuid, &run.playbook_uuid)
            };
            let Some(token) = token else { continue };
            if !self.start(tasks, shutdown, run.playbook_uuid, Source::Store(run.uuid), token).await {
                return Ok(());
            }
        }
        Ok(())
    }

    async fn start_handed_over_runs(self: &Arc<Self>, tasks: &mut JoinSet<()>, shutdown: &CancellationToken) {
        loop {
            let (record, token) = {
                let mut claims = self.lock();
                let Some(record) = claims.fresh.pop_front() else { return };
                claims.fresh_uuids.remove(&record.uuid);
                let token = self.claim(&mut claims, &record.uuid, &record.playbook_uuid);
                (record, token)
            };
            let Some(token) = token else { continue };
            if !self.start(tasks, shutdown, record.playbook_uuid.clone(), Source::Memory(Box::new(record)), token).await
            {
                return;
            }
        }
    }

    /// Marks a run as driven here, unless it already is or its playbook has no free slot (then
    /// it stays in the store for a later look).
    fn claim(&self, claims: &mut Claims, uuid: &str, playbook: &str) -> Option<CancellationToken> {
        if claims.active.contains_key(uuid) {
            return None;
        }
        let count = claims.per_playbook.entry(playbook.to_string()).or_default();
        if *count >= self.limits.max_runs_per_playbook.max(1) {
            self.rescan.store(true, Ordering::Release);
            return None;
        }
        *count += 1;
        let token = CancellationToken::new();
        claims.active.insert(uuid.to_string(), token.clone());
        Some(token)
    }

    fn release(&self, uuid: &str, playbook: &str) {
        let mut claims = self.lock();
        claims.active.remove(uuid);
        if let Some(count) = claims.per_playbook.get_mut(playbook) {
            *count = count.saturating_sub(1);
        }
    }

    /// Drives a claimed run once a slot is free. False when shutdown came first.
    async fn start(
        self: &Arc<Self>,
        tasks: &mut JoinSet<()>,
        shutdown: &CancellationToken,
        playbook: String,
        source: Source,
        token: CancellationToken,
    ) -> bool {
        let uuid = match &source {
            Source::Memory(record) => record.uuid.clone(),
            Source::Store(uuid) => uuid.clone(),
        };
        let permit = tokio::select! {
            permit = self.slots.clone().acquire_owned() => permit.expect("the semaphore is never closed"),
            _ = shutdown.cancelled() => {
                self.release(&uuid, &playbook);
                return false;
            }
        };
        let service = self.clone();
        // Everything the run does, its actions included, is logged under its id.
        let span = tracing::info_span!("run", run = %uuid, playbook = %playbook);
        tasks.spawn(tracing::Instrument::instrument(
            async move {
                let metrics = service.runner.metrics().clone();
                metrics.runs_started.inc();
                metrics.runs_active.inc();
                let result = match source {
                    Source::Memory(record) => service.runner.drive_record(*record, token).await,
                    Source::Store(uuid) => service.runner.drive_run(&uuid, token).await,
                };
                metrics.runs_active.dec();
                if let Ok(status) = &result {
                    metrics
                        .runs_finished
                        .get_or_create(&crate::metrics::StatusLabel { status: status.to_string() })
                        .inc();
                }
                match result {
                    Ok(RunStatus::Failed) => service.deactivate_after_failures(&playbook).await,
                    Ok(_) => {}
                    Err(e) => tracing::error!(error = &e as &dyn std::error::Error, "run stopped"),
                }
                service.release(&uuid, &playbook);
                drop(permit);
                service.wake.notify_one();
            },
            span,
        ));
        true
    }

    /// Turns a playbook off when its latest runs all failed, and says why.
    async fn deactivate_after_failures(&self, playbook: &str) {
        let store = self.runner.store();
        let filter = RunFilter { playbook_uuid: Some(playbook.to_string()), ..Default::default() };
        let Ok(latest) = store.list_runs(&filter, Page::new(0, FAILURES_BEFORE_DEACTIVATION)).await else {
            return;
        };
        let all_failed = latest.items.len() as u64 == FAILURES_BEFORE_DEACTIVATION
            && latest.items.iter().all(|r| r.status == RunStatus::Failed);
        if !all_failed {
            return;
        }
        // A list holds summaries: the latest run's node account says what failed.
        let latest_run = store.get_run(&latest.items[0].uuid).await.ok().flatten();
        let last_error = latest_run
            .and_then(|run| run.nodes.iter().rev().find_map(|n| n.error.clone()))
            .or_else(|| latest.items[0].error.clone());
        let reason = format!(
            "deactivated after {FAILURES_BEFORE_DEACTIVATION} failed runs in a row; last error: {}",
            last_error.unwrap_or_else(|| "unknown".into())
        );
        match store.get_playbook(playbook).await {
            Ok(Some(record)) if record.active => {
                tracing::warn!(playbook, %reason, "deactivating playbook");
                if let Err(e) = store.set_active(playbook, false, Some(&reason)).await {
                    tracing::error!(playbook, error = %e, "cannot deactivate playbook");
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
#[path = "service_tests.rs"]
mod tests;
