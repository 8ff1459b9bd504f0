//! Scheduled runs: each second, every cron trigger of an active playbook gets a run for the
//! latest time its expression gives, once. A run's UUID derives from the playbook, the trigger and the
//! scheduled time, so a time is never run twice, across restarts too; after downtime, only the
//! latest missed time runs.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use riposte_modules::scheduler;
use riposte_store::{NewRun, PlaybookHead};
use tokio_util::sync::CancellationToken;

use crate::dispatch::{TriggerOf, new_run};
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
    for (playbook, triggers) in services.active_triggers().await? {
        for trigger in triggers.iter().filter(|t| t.is(scheduler::MODULE_UUID, scheduler::CRON_UUID)) {
            if let Some(run) = due_run(&playbook, trigger, now)
                && services.start_once(run).await?
            {
                started += 1;
            }
        }
    }
    Ok(started)
}

/// The run of the latest time `trigger` gives at `now`, unless it is too old.
fn due_run(playbook: &PlaybookHead, trigger: &TriggerOf, now: DateTime<Utc>) -> Option<NewRun> {
    let expression = trigger.configuration.get("cron").and_then(|c| c.as_str())?;
    let cron = scheduler::parse(expression).ok()?;
    let due = scheduler::latest_occurrence(&cron, now)?;
    // A playbook turned on (or changed) after the time does not run for it.
    if due.timestamp_millis() < playbook.updated_at || now - due > CATCH_UP {
        return None;
    }
    let key = match trigger.named_node() {
        None => format!("{}:{}", playbook.uuid, due.timestamp_millis()),
        Some(node) => format!("{}:{node}:{}", playbook.uuid, due.timestamp_millis()),
    };
    let uuid = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, key.as_bytes()).to_string();
    let event = serde_json::to_value(scheduler::event(expression, due)).expect("events serialise");
    let name = format!("Scheduled run: {}", event["scheduled_at"].as_str().unwrap_or_default());
    Some(new_run(&playbook.uuid, playbook.version, uuid, name, Some(trigger.node_id.clone()), event))
}
