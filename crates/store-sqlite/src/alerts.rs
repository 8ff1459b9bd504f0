use async_trait::async_trait;
use riposte_model::{Alert, AlertComment};
use riposte_store::{AlertFilter, AlertStore, NewRun, Page, Paged, Result, StoreError};
use rusqlite::{OptionalExtension, params};

use std::sync::Arc;

use crate::SqliteStore;
use crate::connection::{error, from_json, to_json, within_bytes};
use crate::recent::AlertJson;
use crate::runs::{insert_runs, run_rows};

const FILTER: &str = "(?1 IS NULL OR status_uuid = ?1) AND (?2 IS NULL OR rule_uuid = ?2) AND (?3 IS NULL OR rule_name = ?3) \
     AND (?4 IS NULL OR created_at >= ?4) AND (?5 IS NULL OR created_at <= ?5)";

/// The columns an alert is found by, taken from it without copying its body.
struct AlertRow {
    uuid: String,
    short_id: String,
    status_uuid: String,
    rule_uuid: String,
    rule_name: String,
    created_at: i64,
}

impl AlertRow {
    fn of(alert: &Alert) -> Self {
        AlertRow {
            uuid: alert.uuid.clone(),
            short_id: alert.short_id.clone(),
            status_uuid: alert.status.uuid.clone(),
            rule_uuid: alert.rule.uuid.clone(),
            rule_name: alert.rule.name.clone(),
            created_at: alert.created_at,
        }
    }
}

#[async_trait]
impl AlertStore for SqliteStore {
    async fn insert_alert(&self, alert: &Alert, runs: &[NewRun]) -> Result<()> {
        let (row, body, runs) = (AlertRow::of(alert), AlertJson::from(to_json(alert)?), run_rows(runs)?);
        let remember = self.recent_alerts.rememberer(alert, &body);
        self.writer
            .write_then(
                move |tx| {
                    tx.prepare_cached(
                        "INSERT INTO alerts (uuid, short_id, status_uuid, rule_uuid, rule_name, created_at, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    )
                    .and_then(|mut insert| {
                        insert.execute(params![row.uuid, row.short_id, row.status_uuid, row.rule_uuid, row.rule_name, row.created_at, &*body])
                    })
                    .map_err(error)?;
                    insert_runs(tx, &runs)
                },
                remember,
            )
            .await
    }

    async fn update_alert(&self, alert: &Alert, runs: &[NewRun]) -> Result<()> {
        let (row, body, runs) = (AlertRow::of(alert), AlertJson::from(to_json(alert)?), run_rows(runs)?);
        let remember = self.recent_alerts.rememberer(alert, &body);
        self.writer
            .write_then(
                move |tx| {
                    let changed = tx
                        .execute(
                            "UPDATE alerts SET status_uuid = ?2, rule_uuid = ?3, rule_name = ?4, body = ?5 WHERE uuid = ?1",
                            params![row.uuid, row.status_uuid, row.rule_uuid, row.rule_name, &*body],
                        )
                        .map_err(error)?;
                    if changed == 0 {
                        return Err(StoreError::not_found("alert", &row.uuid));
                    }
                    insert_runs(tx, &runs)
                },
                remember,
            )
            .await
    }

    async fn get_alert(&self, id: &str) -> Result<Option<Alert>> {
        let Some(json) = self.get_alert_json(id).await? else { return Ok(None) };
        from_json(&json).map(Some).map_err(error)
    }

    async fn get_alert_json(&self, id: &str) -> Result<Option<Arc<str>>> {
        if let Some(json) = self.recent_alerts.get(id) {
            return Ok(Some(json));
        }
        let id = id.to_string();
        self.readers
            .read(move |db| {
                db.prepare_cached("SELECT body FROM alerts WHERE uuid = ?1 OR short_id = ?1")
                    .and_then(|mut select| select.query_row([id], |row| Ok(Arc::from(row.get_ref(0)?.as_str()?))))
                    .optional()
                    .map_err(error)
            })
            .await
    }

    async fn list_alerts(&self, filter: &AlertFilter, page: Page) -> Result<Paged<Alert>> {
        let filter = filter.clone();
        self.readers
            .read(move |db| {
                let args = params![
                    filter.status_uuid,
                    filter.rule_uuid,
                    filter.rule_name,
                    filter.created_from,
                    filter.created_to
                ];
                let total: i64 = db
                    .query_row(&format!("SELECT COUNT(*) FROM alerts WHERE {FILTER}"), args, |r| r.get(0))
                    .map_err(error)?;
                let mut statement = db
                    .prepare_cached(&format!(
                        "SELECT body FROM alerts WHERE {FILTER} ORDER BY created_at DESC, rowid DESC LIMIT ?6 OFFSET ?7"
                    ))
                    .map_err(error)?;
                let rows = statement
                    .query_map(
                        params![
                            filter.status_uuid,
                            filter.rule_uuid,
                            filter.rule_name,
                            filter.created_from,
                            filter.created_to,
                            page.limit as i64,
                            page.offset as i64
                        ],
                        |row| {
                            let body = row.get_ref(0)?.as_str()?;
                            Ok((from_json::<Alert>(body)?, body.len()))
                        },
                    )
                    .map_err(error)?;
                let items = within_bytes(rows, page.max_bytes).map_err(error)?;
                Ok(Paged { items, total: total as u64 })
            })
            .await
    }

    async fn add_comment(&self, comment: &AlertComment, runs: &[NewRun]) -> Result<()> {
        let (comment, body, runs) = (comment.clone(), to_json(comment)?, run_rows(runs)?);
        let recent = self.recent_alerts.clone();
        self.writer
            .write(move |tx| {
                // The count of comments changes in the database only.
                recent.forget(&comment.alert_uuid);
                let changed = tx
                    .execute(
                        "UPDATE alerts SET body = json_set(body, '$.number_of_total_comments', \
                         coalesce(json_extract(body, '$.number_of_total_comments'), 0) + 1) WHERE uuid = ?1",
                        [&comment.alert_uuid],
                    )
                    .map_err(error)?;
                if changed == 0 {
                    return Err(StoreError::not_found("alert", &comment.alert_uuid));
                }
                tx.execute(
                    "INSERT INTO alert_comments (uuid, alert_uuid, body) VALUES (?1, ?2, ?3)",
                    params![comment.uuid, comment.alert_uuid, body],
                )
                .map_err(error)?;
                insert_runs(tx, &runs)
            })
            .await
    }

    async fn list_comments(&self, alert_uuid: &str) -> Result<Vec<AlertComment>> {
        let alert_uuid = alert_uuid.to_string();
        self.readers
            .read(move |db| {
                let mut statement = db
                    .prepare_cached("SELECT body FROM alert_comments WHERE alert_uuid = ?1 ORDER BY seq")
                    .map_err(error)?;
                statement
                    .query_map([alert_uuid], |row| from_json(&row.get::<_, String>(0)?))
                    .map_err(error)?
                    .collect::<rusqlite::Result<Vec<_>>>()
                    .map_err(error)
            })
            .await
    }
}
