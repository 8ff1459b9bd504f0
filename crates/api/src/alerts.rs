//! `/api/v1/sic/alerts`: create, read, list, update alerts and comment on them. Every change
//! starts the runs of the active playbooks whose alert trigger reacts to it, stored with the
//! change itself.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use riposte_model::{
    Alert, AlertComment, AlertRule, AlertStatus, AlertType, AlertUrgency, NameUuid, Permission, SHORT_ID_ALPHABET,
};
use riposte_store::{AlertFilter, Paged};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::json::Body;
use crate::state::AppState;
use crate::{page, query};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NewAlert {
    #[schema(pattern = r"\S")]
    pub title: String,
    #[serde(default)]
    pub details: String,
    pub rule: NewRule,
    /// 0 to 100; the rule's severity when absent.
    #[serde(default, deserialize_with = "whole_number")]
    #[schema(minimum = 0, maximum = 100)]
    pub urgency: Option<i64>,
    /// The entity the alert is about; its uuid is derived from its name when absent.
    #[serde(default)]
    pub entity: Option<NewEntity>,
    #[serde(default)]
    pub alert_type: Option<NewAlertType>,
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub target: String,
    /// RFC 3339; now when absent. (The pattern leaves out the 29th to the 31st, which the
    /// server takes when the month has them.)
    #[serde(default)]
    #[schema(format = DateTime, pattern = "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,9})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$")]
    pub first_seen_at: Option<String>,
    /// RFC 3339; now when absent.
    #[serde(default)]
    #[schema(format = DateTime, pattern = "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,9})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$")]
    pub last_seen_at: Option<String>,
    #[serde(default)]
    pub event_uuids: Vec<String>,
    /// Anything else is kept as sent.
    #[serde(flatten)]
    #[schema(ignore)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NewAlertType {
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub value: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NewEntity {
    #[serde(default)]
    pub uuid: Option<String>,
    #[serde(default)]
    pub name: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NewRule {
    #[schema(pattern = r"\S")]
    pub name: String,
    #[serde(default)]
    pub uuid: Option<String>,
    /// 0 to 100; 50 when absent.
    #[serde(default, deserialize_with = "whole_number")]
    #[schema(minimum = 0, maximum = 100)]
    pub severity: Option<i64>,
    #[serde(default)]
    pub description: String,
    #[serde(default, rename = "type")]
    pub rule_type: Option<String>,
    #[serde(default)]
    pub pattern: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AlertPatch {
    /// A status name (`Ongoing`, `Closed`, ...) or UUID.
    #[serde(default)]
    #[schema(
        pattern = "^([Pp]ending|[Aa]cknowledged?|[Oo]ngoing|[Rr]eject(ed)?|[Cc]losed?|2efc4930-1442-4abb-acf2-58ba219a4fd0|8f206505-af6d-433e-93f4-775d46dc7d0f|1f2f88d5-ff5b-48bf-bbbc-00c2fff82d9f|4f68da89-38e0-4703-a6ab-652f02bdf24e|1738b1c1-767d-489e-bada-19176621a007)$"
    )]
    pub status: Option<String>,
    #[serde(default)]
    #[schema(pattern = r"\S")]
    pub title: Option<String>,
    #[serde(default)]
    pub details: Option<String>,
    #[serde(default, deserialize_with = "whole_number")]
    #[schema(minimum = 0, maximum = 100)]
    pub urgency: Option<i64>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewComment {
    #[schema(pattern = r"\S")]
    pub content: String,
    /// Accepted as Sekoia's API accepts it, not used: a comment's author is the API key (its
    /// name) that posts it, or the key of the console's session.
    #[serde(default)]
    #[allow(dead_code)]
    pub author: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AlertQuery {
    /// A status name (any case) or UUID.
    #[serde(default)]
    #[param(
        pattern = "^([Pp]ending|[Aa]cknowledged?|[Oo]ngoing|[Rr]eject(ed)?|[Cc]losed?|2efc4930-1442-4abb-acf2-58ba219a4fd0|8f206505-af6d-433e-93f4-775d46dc7d0f|1f2f88d5-ff5b-48bf-bbbc-00c2fff82d9f|4f68da89-38e0-4703-a6ab-652f02bdf24e|1738b1c1-767d-489e-bada-19176621a007)$"
    )]
    pub status: Option<String>,
    #[serde(default)]
    pub rule_uuid: Option<String>,
    #[serde(default)]
    pub rule_name: Option<String>,
    #[serde(default)]
    pub created_from: Option<i64>,
    #[serde(default)]
    pub created_to: Option<i64>,
    #[serde(default)]
    #[param(maximum = 9223372036854775807_u64)]
    pub offset: Option<u64>,
    #[serde(default)]
    /// 1 to 1000; 100 when absent. A page also stops at 8 MiB.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u64>,
}

#[utoipa::path(operation_id = "create_alert", post, path = "/api/v1/sic/alerts", tag = "alerts", request_body = NewAlert, responses((status = 201, description = "The alert, with its uuid and short_id; the runs it starts are stored with it", body = Object), crate::error::Refused))]
pub async fn create(
    State(state): State<AppState>,
    Body(input): Body<NewAlert>,
) -> ApiResult<(StatusCode, Json<Alert>)> {
    let alert = new_alert(input)?;
    state.services.create_alert(&alert).await?;
    Ok((StatusCode::CREATED, Json(alert)))
}

#[utoipa::path(operation_id = "get_alert", get, path = "/api/v1/sic/alerts/{id}", tag = "alerts", params(("id" = String, Path, description = "UUID or short id")), responses((status = 200, body = Object), crate::error::Refused))]
pub async fn get(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<Alert>> {
    state.services.store.get_alert(&id).await?.map(Json).ok_or_else(|| ApiError::not_found("alert", &id))
}

#[utoipa::path(operation_id = "list_alerts", get, path = "/api/v1/sic/alerts", tag = "alerts", params(AlertQuery), responses((status = 200, description = "`{\"items\": [...], \"total\": N}`, newest first", body = Object), crate::error::Refused))]
pub async fn list(
    State(state): State<AppState>,
    params: Result<Query<AlertQuery>, QueryRejection>,
) -> ApiResult<Json<Paged<Alert>>> {
    let Query(params) = query(params)?;
    let status_uuid = params.status.as_deref().map(status).transpose()?.map(|s| s.uuid);
    let filter = AlertFilter {
        status_uuid,
        rule_uuid: params.rule_uuid,
        rule_name: params.rule_name,
        created_from: params.created_from,
        created_to: params.created_to,
    };
    Ok(Json(state.services.store.list_alerts(&filter, page(params.offset, params.limit)?).await?))
}

#[utoipa::path(operation_id = "update_alert", patch, path = "/api/v1/sic/alerts/{id}", tag = "alerts", params(("id" = String, Path, description = "UUID or short id")), request_body = AlertPatch, responses((status = 200, description = "The alert as it now is, to a key that may read alerts", body = Object), (status = 204, description = "Changed, to a key that may not read alerts: a write reveals nothing it may not read"), crate::error::Refused))]
pub async fn update(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    Body(patch): Body<AlertPatch>,
) -> ApiResult<Response> {
    let mut alert = state.services.store.get_alert(&id).await?.ok_or_else(|| ApiError::not_found("alert", &id))?;
    let before = alert.clone();
    let mut status_changed = false;
    if let Some(key) = &patch.status {
        let new = status(key)?;
        status_changed = new.uuid != alert.status.uuid;
        alert.status = new;
    }
    if let Some(title) = patch.title {
        alert.title = non_empty("$.title", title)?;
    }
    if let Some(details) = patch.details {
        alert.details = details;
    }
    if let Some(urgency) = patch.urgency {
        alert.urgency = AlertUrgency::new(percent("$.urgency", urgency)?, alert.rule.severity);
    }
    // A patch that changes nothing writes nothing and starts no `Alert Updated` run.
    if alert != before {
        alert.updated_at = now_seconds();
        state.services.update_alert(&alert, status_changed).await?;
    }
    if !caller.holds(Permission::ReadAlerts) {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    Ok(Json(alert).into_response())
}

#[utoipa::path(post, path = "/api/v1/sic/alerts/{id}/comments", tag = "alerts", params(("id" = String, Path, description = "UUID or short id")), request_body = NewComment, responses((status = 201, body = Object), crate::error::Refused))]
pub async fn comment(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Extension(caller): Extension<Caller>,
    Body(input): Body<NewComment>,
) -> ApiResult<(StatusCode, Json<AlertComment>)> {
    let mut alert = state.services.store.get_alert(&id).await?.ok_or_else(|| ApiError::not_found("alert", &id))?;
    let comment = AlertComment {
        uuid: riposte_services::new_record_uuid(),
        alert_uuid: alert.uuid.clone(),
        content: non_empty("$.content", input.content)?,
        author: caller.name.to_string(),
        date: now_seconds(),
    };
    alert.number_of_total_comments += 1;
    state.services.comment_alert(&alert, &comment).await?;
    Ok((StatusCode::CREATED, Json(comment)))
}

#[utoipa::path(get, path = "/api/v1/sic/alerts/{id}/comments", tag = "alerts", params(("id" = String, Path, description = "UUID or short id")), responses((status = 200, body = Object), crate::error::Refused))]
pub async fn comments(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<Paged<AlertComment>>> {
    let alert = state.services.store.get_alert(&id).await?.ok_or_else(|| ApiError::not_found("alert", &id))?;
    let items = state.services.store.list_comments(&alert.uuid).await?;
    Ok(Json(Paged { total: items.len() as u64, items }))
}

fn new_alert(input: NewAlert) -> ApiResult<Alert> {
    let severity = percent("$.rule.severity", input.rule.severity.unwrap_or(50))?;
    let urgency = percent("$.urgency", input.urgency.unwrap_or(severity))?;
    let now = now_seconds();
    let now_iso = iso(now);
    for (path, value) in [("$.first_seen_at", &input.first_seen_at), ("$.last_seen_at", &input.last_seen_at)] {
        if let Some(text) = value
            && chrono::DateTime::parse_from_rfc3339(text).is_err()
        {
            return Err(ApiError::at(
                StatusCode::UNPROCESSABLE_ENTITY,
                path,
                format!("`{text}` is not an RFC 3339 date"),
            ));
        }
    }
    Ok(Alert {
        uuid: riposte_services::new_record_uuid(),
        short_id: short_id(),
        title: non_empty("$.title", input.title)?,
        details: input.details,
        rule: AlertRule {
            uuid: input.rule.uuid.unwrap_or_else(|| {
                uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, input.rule.name.as_bytes()).to_string()
            }),
            name: non_empty("$.rule.name", input.rule.name)?,
            description: input.rule.description,
            severity,
            rule_type: input.rule.rule_type,
            pattern: input.rule.pattern,
        },
        urgency: AlertUrgency::new(urgency, severity),
        status: AlertStatus::pending(),
        entity: input.entity.map(entity).unwrap_or_default(),
        alert_type: input.alert_type.map(|t| AlertType { category: t.category, value: t.value }).unwrap_or_default(),
        source: input.source,
        target: input.target,
        community_uuid: String::new(),
        created_at: now,
        updated_at: now,
        first_seen_at: input.first_seen_at.unwrap_or_else(|| now_iso.clone()),
        last_seen_at: input.last_seen_at.unwrap_or(now_iso),
        event_uuids: input.event_uuids,
        similar: 0,
        is_incident: false,
        number_of_total_comments: 0,
        extra: input.extra,
    })
}

/// An entity given by name alone gets a UUID derived from its name, as a rule does.
fn entity(input: NewEntity) -> NameUuid {
    let uuid = input.uuid.unwrap_or_else(|| {
        uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, format!("entity:{}", input.name).as_bytes()).to_string()
    });
    NameUuid { uuid, name: input.name }
}

/// An integer, also when written as a number with a zero fraction (`80.0`), which JSON Schema
/// counts as an integer.
fn whole_number<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    let Some(number) = Option::<serde_json::Number>::deserialize(deserializer)? else { return Ok(None) };
    if let Some(n) = number.as_i64() {
        return Ok(Some(n));
    }
    match number.as_f64() {
        Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(Some(f as i64)),
        _ => Err(serde::de::Error::custom(format!("expected a whole number, got {number}"))),
    }
}

fn status(key: &str) -> ApiResult<AlertStatus> {
    AlertStatus::find(key).ok_or_else(|| {
        let names: Vec<&str> = riposte_model::ALERT_STATUSES.iter().map(|(name, _, _)| *name).collect();
        ApiError::at(
            StatusCode::UNPROCESSABLE_ENTITY,
            "$.status",
            format!("unknown status `{key}`; use one of {}", names.join(", ")),
        )
    })
}

fn non_empty(path: &str, text: String) -> ApiResult<String> {
    if text.trim().is_empty() {
        return Err(ApiError::at(StatusCode::UNPROCESSABLE_ENTITY, path, "must not be empty"));
    }
    Ok(text)
}

fn percent(path: &str, value: i64) -> ApiResult<i64> {
    if !(0..=100).contains(&value) {
        return Err(ApiError::at(
            StatusCode::UNPROCESSABLE_ENTITY,
            path,
            format!("must be between 0 and 100, got {value}"),
        ));
    }
    Ok(value)
}

/// `AL` and ten characters of Sekoia's alphabet, as Sekoia's short ids: three for the time and
/// seven random ones. The time part counts 64-second steps and comes round every 137 days, so
/// that a new alert lands among the latest ones of its index (ids in time order rewrite one page
/// of the index, random ones a page per alert); the random part, 57^7 (2^40.8) per step, is what
/// makes an id unguessable: a key that may write alerts but not read them cannot find them by
/// trying ids.
fn short_id() -> String {
    const TIME_DIGITS: usize = 3;
    const RANDOM_DIGITS: usize = 7;
    let base = SHORT_ID_ALPHABET.len() as u128;
    let steps = (riposte_worker::now_ms().max(0) / 64_000) as u128 % base.pow(TIME_DIGITS as u32);
    let random = uuid::Uuid::new_v4().as_u128() % base.pow(RANDOM_DIGITS as u32);
    let mut digits = [0u8; TIME_DIGITS + RANDOM_DIGITS];
    let (time, rest) = digits.split_at_mut(TIME_DIGITS);
    for (place, mut n) in [(time, steps), (rest, random)] {
        for digit in place.iter_mut().rev() {
            *digit = SHORT_ID_ALPHABET[(n % base) as usize];
            n /= base;
        }
    }
    format!("AL{}", String::from_utf8_lossy(&digits))
}

fn now_seconds() -> i64 {
    riposte_worker::now_ms() / 1000
}

fn iso(seconds: i64) -> String {
    chrono::DateTime::from_timestamp(seconds, 0).unwrap_or_default().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_ids_look_like_sekoia_ones_and_cannot_be_guessed() {
        assert_eq!(iso(1_767_225_600), "2026-01-01T00:00:00Z");
        let ids: Vec<String> = (0..1000).map(|_| short_id()).collect();
        for id in &ids {
            assert_eq!(id.len(), 12, "{id}");
            assert!(id.starts_with("AL"), "{id}");
            assert!(id[2..].bytes().all(|b| SHORT_ID_ALPHABET.contains(&b)), "{id}");
        }
        // Made within the same few seconds, they share their time part and differ in the rest.
        let times: std::collections::HashSet<&str> = ids.iter().map(|id| &id[2..5]).collect();
        assert!(times.len() <= 2, "{times:?}");
        let unique: std::collections::HashSet<&String> = ids.iter().collect();
        assert_eq!(unique.len(), ids.len());
        // Consecutive ids are not neighbours: the random part spreads over its whole range.
        let spread = ids.iter().filter(|id| id.as_bytes()[5] >= SHORT_ID_ALPHABET[28]).count();
        assert!((300..700).contains(&spread), "{spread} of 1000 in the upper half");
    }
}
