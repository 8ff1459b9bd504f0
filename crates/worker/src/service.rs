//! Picks up stored runs that are not finished and drives them, a bounded number at a time.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use riposte_model::RunStatus;
use riposte_store::{Page, RunFilter};
use tokio::sync::{Notify, Semaphore};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::DurableRunner;

/// How often stored runs are looked for when nobody says there are new ones.
const POLL_EVERY: Duration = Duration::from_secs(1);

/// Failed runs in a row after which a playbook is turned off, as on Sekoia.io.
pub const FAILURES_BEFORE_DEACTIVATION: u64 = 5;

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
    /// Runs driven by this process, with the token that cancels each.
    active: Mutex<HashMap<String, CancellationToken>>,
    /// Runs driven per playbook.
    per_playbook: Mutex<HashMap<String, usize>>,
    limits: RunLimits,
    slots: Arc<Semaphore>,
}

impl RunService {
    pub fn new(runner: Arc<DurableRunner>, limits: RunLimits) -> Arc<Self> {
        Arc::new(RunService {
            runner,
            wake: Notify::new(),
            active: Mutex::default(),
            per_playbook: Mutex::default(),
            slots: Arc::new(Semaphore::new(limits.max_runs.max(1))),
            limits,
        })
    }

    pub fn runner(&self) -> &Arc<DurableRunner> {
        &self.runner
    }

    /// New runs were stored: look for them now rather than at the next poll.
    pub fn notify(&self) {
        self.wake.notify_one();
    }

    /// Cancels a run driven here. Returns false when this process is not driving it.
    pub fn cancel(&self, uuid: &str) -> bool {
        match self.active.lock().expect("active runs lock").get(uuid) {
            Some(token) => {
                token.cancel();
                true
            }
            None => false,
        }
    }

    /// Drives stored runs until `shutdown`. Runs still going then get `grace` to finish; the
    /// rest stop where they are and resume from their journal at the next start.
    pub async fn serve(self: Arc<Self>, shutdown: CancellationToken, grace: Duration) {
        let mut tasks = JoinSet::new();
        while !shutdown.is_cancelled() {
            if let Err(e) = self.claim_new_runs(&mut tasks, &shutdown).await {
                tracing::error!(error = %e, "cannot read unfinished runs");
            }
            while tasks.try_join_next().is_some() {}
            tokio::select! {
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(POLL_EVERY) => {}
                _ = shutdown.cancelled() => {}
            }
        }
        if tokio::time::timeout(grace, async { while tasks.join_next().await.is_some() {} }).await.is_err() {
            tracing::info!(runs = tasks.len(), "stopping runs still going; they resume at the next start");
            tasks.shutdown().await;
        }
    }

    async fn claim_new_runs(
        self: &Arc<Self>,
        tasks: &mut JoinSet<()>,
        shutdown: &CancellationToken,
    ) -> Result<(), String> {
        let runs = self.runner.store().unfinished_runs(256).await.map_err(|e| e.to_string())?;
        for run in runs {
            let token = {
                let mut active = self.active.lock().expect("active runs lock");
                if active.contains_key(&run.uuid) || !self.take_playbook_slot(&run.playbook_uuid) {
                    continue;
                }
                let token = CancellationToken::new();
                active.insert(run.uuid.clone(), token.clone());
                token
            };
            let permit = tokio::select! {
                permit = self.slots.clone().acquire_owned() => permit.expect("the semaphore is never closed"),
                _ = shutdown.cancelled() => {
                    self.active.lock().expect("active runs lock").remove(&run.uuid);
                    self.release_playbook_slot(&run.playbook_uuid);
                    return Ok(());
                }
            };
            let service = self.clone();
            tasks.spawn(async move {
                let metrics = service.runner.metrics().clone();
                metrics.runs_started.inc();
                metrics.runs_active.inc();
                let result = service.runner.drive_run(&run.uuid, token).await;
                metrics.runs_active.dec();
                if let Ok(status) = &result {
                    metrics
                        .runs_finished
                        .get_or_create(&crate::metrics::StatusLabel { status: status.to_string() })
                        .inc();
                }
                match result {
                    Ok(RunStatus::Failed) => service.deactivate_after_failures(&run.playbook_uuid).await,
                    Ok(_) => {}
                    Err(e) => tracing::error!(run = %run.uuid, error = %e, "run stopped"),
                }
                service.active.lock().expect("active runs lock").remove(&run.uuid);
                service.release_playbook_slot(&run.playbook_uuid);
                drop(permit);
                service.wake.notify_one();
            });
        }
        Ok(())
    }

    fn take_playbook_slot(&self, playbook: &str) -> bool {
        let mut counts = self.per_playbook.lock().expect("per-playbook lock");
        let count = counts.entry(playbook.to_string()).or_default();
        if *count >= self.limits.max_runs_per_playbook.max(1) {
            return false;
        }
        *count += 1;
        true
    }

    fn release_playbook_slot(&self, playbook: &str) {
        let mut counts = self.per_playbook.lock().expect("per-playbook lock");
        if let Some(count) = counts.get_mut(playbook) {
            *count = count.saturating_sub(1);
        }
    }

    /// Turns a playbook off when its latest runs all failed, and says why.
    async fn deactivate_after_failures(&self, playbook: &str) {
        let store = self.runner.store();
        let filter = RunFilter { playbook_uuid: Some(playbook.to_string()), ..Default::default() };
        let Ok(latest) = store.list_runs(&filter, Page { offset: 0, limit: FAILURES_BEFORE_DEACTIVATION }).await else {
            return;
        };
        let all_failed = latest.items.len() as u64 == FAILURES_BEFORE_DEACTIVATION
            && latest.items.iter().all(|r| r.status == RunStatus::Failed);
        if !all_failed {
            return;
        }
        let last_error =
            latest.items[0].nodes.iter().rev().find_map(|n| n.error.clone()).or_else(|| latest.items[0].error.clone());
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
