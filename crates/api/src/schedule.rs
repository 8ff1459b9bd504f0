//! Scheduled runs: each second, every active playbook with a cron trigger gets a run for the
//! latest time its expression gives, once. A run's UUID derives from the playbook and the
//! scheduled time, so a time is never run twice, across restarts too; after downtime, only the
//! latest missed time runs.

use std::time::Duration;

use chrono::{DateTime, Utc};
use riposte_modules::scheduler;
use riposte_store::StoreError;
use tokio_util::sync::CancellationToken;

use crate::dispatch::{active_triggers, new_run};
use crate::state::AppState;

/// Scheduled times older than this are not caught up on.
const CATCH_UP: chrono::Duration = chrono::Duration::hours(24);

pub async fn run_schedule(state: AppState, shutdown: CancellationToken) {
    while !shutdown.is_cancelled() {
        if let Err(e) = tick(&state, Utc::now()).await {
            tracing::error!(error = %e, "scheduler");
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            _ = shutdown.cancelled() => {}
        }
    }
}

/// Starts the runs due at `now`; returns how many.
pub async fn tick(state: &AppState, now: DateTime<Utc>) -> Result<usize, StoreError> {
    let mut started = Vec::new();
    for (playbook, trigger) in active_triggers(state.store.as_ref(), &state.triggers).await? {
        if !trigger.is(scheduler::MODULE_UUID, scheduler::CRON_UUID) {
            continue;
        }
        let Some(expression) = trigger.configuration.get("cron").and_then(|c| c.as_str()) else { continue };
        let Ok(cron) = scheduler::parse(expression) else { continue };
        let Some(due) = scheduler::latest_occurrence(&cron, now) else { continue };
        // A playbook turned on (or changed) after the time does not run for it.
        if due.timestamp_millis() < playbook.updated_at || now - due > CATCH_UP {
            continue;
        }
        let key = format!("{}:{}", playbook.uuid, due.timestamp_millis());
        let uuid = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, key.as_bytes()).to_string();
        let event = serde_json::to_value(scheduler::event(expression, due)).expect("events serialise");
        let run = new_run(
            &playbook.uuid,
            playbook.version,
            uuid,
            format!("Scheduled run: {}", event["scheduled_at"].as_str().unwrap_or_default()),
            event,
        );
        match state.store.insert_runs(std::slice::from_ref(&run)).await {
            Ok(()) => started.push(run),
            Err(StoreError::Conflict(_)) => {}
            Err(e) => return Err(e),
        }
    }
    let count = started.len();
    state.runs.submit(started);
    Ok(count)
}
