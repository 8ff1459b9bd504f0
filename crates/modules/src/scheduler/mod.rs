//! The platform's scheduler (Sekoia's built-in cron trigger, module `1ad1b7ce-...`): starts runs
//! at the times a cron expression gives, in UTC.

use chrono::{DateTime, SecondsFormat, Utc};
use croner::Cron;
use riposte_sdk::{JsonSchema, Module, ModuleInfo};
use serde::{Deserialize, Serialize};

pub const MODULE_UUID: &str = "1ad1b7ce-e335-4532-83ce-1d43c864720c";
pub const CRON_UUID: &str = "5039c9fe-b2d8-40b3-a11b-d2a810ddbf91";

/// Configuration of the cron trigger.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct CronConfiguration {
    /// When to start a run, as a cron expression in UTC: five fields (minute hour day month
    /// weekday), or six with seconds first; `@hourly`, `@daily`... work too
    pub cron: String,
}

/// The event a scheduled run starts with.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct CronEvent {
    /// The time the run was scheduled for (RFC 3339, UTC)
    pub scheduled_at: String,
    /// The cron expression
    pub cron: String,
}

pub fn module() -> Module {
    Module::new(ModuleInfo {
        uuid: MODULE_UUID,
        name: "Scheduler",
        slug: "scheduler",
        version: env!("CARGO_PKG_VERSION"),
        description: "Start playbooks at set times",
        categories: &["Generic"],
    })
    .platform_trigger::<CronConfiguration, CronEvent>(
        "Cron",
        "Start a run at the times a cron expression gives",
        "cron_trigger",
        Some(CRON_UUID),
    )
}

/// Reads a cron expression, with a message fit for a user when it is not one.
pub fn parse(expression: &str) -> Result<Cron, String> {
    let parser = croner::parser::CronParser::builder().seconds(croner::parser::Seconds::Optional).build();
    parser.parse(expression.trim()).map_err(|e| format!("invalid cron expression `{expression}`: {e}"))
}

/// The latest scheduled time at or before `now`, if the expression has one.
pub fn latest_occurrence(cron: &Cron, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    cron.find_previous_occurrence(&now, true).ok()
}

pub fn event(expression: &str, scheduled_at: DateTime<Utc>) -> CronEvent {
    CronEvent { scheduled_at: scheduled_at.to_rfc3339_opts(SecondsFormat::Secs, true), cron: expression.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn expressions_give_their_latest_time() {
        let now = Utc.with_ymd_and_hms(2026, 11, 22, 10, 7, 30).unwrap();
        let every_five = parse("*/5 * * * *").unwrap();
        assert_eq!(latest_occurrence(&every_five, now), Some(Utc.with_ymd_and_hms(2026, 11, 22, 10, 5, 0).unwrap()));
        let daily = parse("@daily").unwrap();
        assert_eq!(latest_occurrence(&daily, now), Some(Utc.with_ymd_and_hms(2026, 11, 22, 0, 0, 0).unwrap()));
        let seconds = parse("*/10 * * * * *").unwrap();
        assert_eq!(latest_occurrence(&seconds, now), Some(Utc.with_ymd_and_hms(2026, 11, 22, 10, 7, 30).unwrap()));
        assert!(parse("61 * * * *").unwrap_err().contains("invalid cron expression"));
        assert_eq!(event("@daily", now).scheduled_at, "2026-11-22T10:07:30Z");
    }
}
