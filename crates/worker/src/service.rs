//! Picks up stored runs that are not finished and drives them, a bounded number at a time.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{Notify, Semaphore};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::DurableRunner;

/// How often stored runs are looked for when nobody says there are new ones.
const POLL_EVERY: Duration = Duration::from_secs(1);

pub struct RunService {
    runner: Arc<DurableRunner>,
    wake: Notify,
    /// Runs driven by this process, with the token that cancels each.
    active: Mutex<HashMap<String, CancellationToken>>,
    slots: Arc<Semaphore>,
}

impl RunService {
    pub fn new(runner: Arc<DurableRunner>, max_concurrent_runs: usize) -> Arc<Self> {
        Arc::new(RunService {
            runner,
            wake: Notify::new(),
            active: Mutex::default(),
            slots: Arc::new(Semaphore::new(max_concurrent_runs.max(1))),
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
                if active.contains_key(&run.uuid) {
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
                    return Ok(());
                }
            };
            let service = self.clone();
            tasks.spawn(async move {
                if let Err(e) = service.runner.drive_run(&run.uuid, token).await {
                    tracing::error!(run = %run.uuid, error = %e, "run stopped");
                }
                service.active.lock().expect("active runs lock").remove(&run.uuid);
                drop(permit);
            });
        }
        Ok(())
    }
}
