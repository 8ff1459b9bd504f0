//! Scheduled runs: each second, every active playbook with a cron trigger gets a run for the
//! latest time its expression gives, once. A run's UUID derives from the playbook and the
//! scheduled time, so a time is never run twice, across restarts too; after downtime, only the
//! latest missed time runs.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use riposte_modules::scheduler;
use tokio_util::sync::CancellationToken;

use crate::dispatch::new_run;
use crate::{Result, Services};

/// Scheduled times older than this are not caught up on.
const CATCH_UP: chrono::Duration = chrono::Duration::hours(24);

pub async fn run_schedule(services: Arc<Services>, shutdown: CancellationToken) {
    while !shutdown.is_cancelled() {
        if let Err(e) = tick(&services, Utc::now()).await {
            tracing::error!(error = %e, "scheduler");
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            _ = shutdown.cancelled() => {}
        }
    }
}

/// Starts the runs due at `now`; returns how many.
pub async fn tick(services: &Services, now: DateTime<Utc>) -> Result<usize> {
    let mut started = 0;
    // An installed scheduler module in place of the built-in one runs its own triggers.
    if services.registry.is_replaced(scheduler::MODULE_UUID) {
        return Ok(started);
    }
    for (playbook, trigger) in services.active_triggers().await? {
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
        if services.start_once(run).await? {
            started += 1;
        }
    }
    Ok(started)
}
