//! `/api/v1/intakes`: where events arrive, each intake with its key and, optionally, a connector
//! of an installed module that collects events for it. `/api/v1/intake-http`: Sekoia's public
//! HTTP intake, where senders (connectors among them) push events with the intake key.

use std::borrow::Cow;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use riposte_host::ComponentStatus;
use riposte_services::Owner;
use riposte_store::{IntakeConnector, IntakeEvent, IntakeRecord, Paged};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Value, json};

use crate::configurations::check_schema;
use crate::error::{ApiError, ApiResult};
use crate::intake_key::{KeyQuery, Keyed, Pushed};
use crate::json::Body;
use crate::state::AppState;

/// Longest event an intake takes, in characters, as Sekoia's SDK counts them.
pub const MAX_EVENT_CHARS: usize = 250_000;
/// Largest intake request: Sekoia's SDK sends chunks of up to 9 MiB of events.
pub const MAX_INTAKE_BODY_BYTES: usize = 12 * 1024 * 1024;
/// Most events in one batch: what each event costs besides its text (its id, its row) stays
/// within a few tens of MB, and a 9 MiB chunk of Sekoia's SDK holds fewer unless its events
/// average under 94 bytes.
pub const MAX_BATCH_EVENTS: usize = 100_000;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewIntake {
    #[schema(pattern = r"\S")]
    pub name: String,
    /// A connector of an installed module to run for this intake.
    pub connector: Option<ConnectorInput>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConnectorInput {
    pub module_uuid: String,
    pub connector_uuid: String,
    /// The module configuration it runs with; the module's default when absent.
    pub module_configuration_uuid: Option<String>,
    /// The connector's settings, checked against its manifest; `intake_key` and
    /// `intake_server` are filled in by the platform (for an asset connector, `sekoia_api_key`
    /// and `sekoia_base_url`: it sends its assets to this server with the intake's key).
    #[serde(default)]
    #[schema(value_type = Object)]
    pub configuration: serde_json::Map<String, Value>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct IntakeView {
    pub uuid: String,
    pub name: String,
    /// What senders present, in the body (`intake_key`) or the `X-SEKOIAIO-INTAKE-KEY` header.
    pub intake_key: String,
    #[schema(value_type = Option<Object>)]
    pub connector: Option<IntakeConnector>,
    /// How its connector's process is doing: `running`, `restarting`, `crashed` or `stopped`,
    /// with its latest logs.
    #[schema(value_type = Option<Object>)]
    pub connector_status: Option<ComponentStatus>,
    pub created_at: i64,
}

fn view(state: &AppState, intake: IntakeRecord) -> IntakeView {
    let connector_status = state.services.component_status(&Owner::Intake(intake.uuid.clone()));
    IntakeView {
        uuid: intake.uuid,
        name: intake.name,
        intake_key: intake.intake_key,
        connector: intake.connector,
        connector_status,
        created_at: intake.created_at,
    }
}

#[utoipa::path(operation_id = "create_intake", post, path = "/api/v1/intakes", tag = "intakes", request_body = NewIntake, responses((status = 201, body = IntakeView), (status = "4XX", description = "Bad input, missing permission", body = crate::error::ErrorEnvelope)))]
pub async fn create(
    State(state): State<AppState>,
    Body(input): Body<NewIntake>,
) -> ApiResult<(StatusCode, Json<IntakeView>)> {
    if input.name.trim().is_empty() {
        return Err(ApiError::at(StatusCode::UNPROCESSABLE_ENTITY, "$.name", "must not be empty"));
    }
    let intake_key = uuid::Uuid::new_v4().to_string();
    let connector = input.connector.map(|c| connector(&state, c, &intake_key)).transpose()?;
    if let Some(uuid) = connector.as_ref().and_then(|c| c.module_configuration_uuid.as_deref()) {
        let module = connector.as_ref().map(|c| c.module_uuid.as_str());
        let path = "$.connector.module_configuration_uuid".to_string();
        crate::configurations::require_own(&state, uuid, module, path).await?;
    }
    let intake = IntakeRecord {
        uuid: uuid::Uuid::new_v4().to_string(),
        name: input.name,
        intake_key,
        connector,
        created_at: riposte_worker::now_ms(),
    };
    state.services.store.insert_intake(&intake).await?;
    Ok((StatusCode::CREATED, Json(view(&state, intake))))
}

/// Checks the connector exists and its settings fit its manifest.
fn connector(state: &AppState, input: ConnectorInput, intake_key: &str) -> ApiResult<IntakeConnector> {
    let catalogue = state.services.registry.catalogue();
    let module = catalogue.module(&input.module_uuid).ok_or_else(|| {
        ApiError::at(StatusCode::UNPROCESSABLE_ENTITY, "$.connector.module_uuid", "no installed module has this UUID")
    })?;
    let manifest =
        module.connectors.iter().find(|c| c.uuid.eq_ignore_ascii_case(&input.connector_uuid)).ok_or_else(|| {
            ApiError::at(
                StatusCode::UNPROCESSABLE_ENTITY,
                "$.connector.connector_uuid",
                format!("module {} has no connector with this UUID", module.name),
            )
        })?;
    let mut settings = input.configuration;
    let platform_settings = manifest.platform_settings();
    for filled in platform_settings {
        if settings.contains_key(filled) {
            return Err(ApiError::at(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("$.connector.configuration.{filled}"),
                "set by the platform: leave it out",
            ));
        }
    }
    let mut checked = settings.clone();
    let [key_setting, server_setting] = platform_settings;
    checked.insert(key_setting.into(), intake_key.into());
    checked.insert(server_setting.into(), "http://127.0.0.1".into());
    check_schema(&manifest.arguments, &Value::Object(checked), "$.connector.configuration")?;
    settings.retain(|_, v| !v.is_null());
    Ok(IntakeConnector {
        module_uuid: module.uuid.clone(),
        connector_uuid: manifest.uuid.clone(),
        module_configuration_uuid: input.module_configuration_uuid,
        configuration: Value::Object(settings),
    })
}

#[utoipa::path(operation_id = "list_intakes", get, path = "/api/v1/intakes", tag = "intakes", responses((status = 200, body = Object), (status = "4XX", description = "Missing permission", body = crate::error::ErrorEnvelope)))]
pub async fn list(State(state): State<AppState>) -> ApiResult<Json<Paged<IntakeView>>> {
    let items: Vec<IntakeView> =
        state.services.store.list_intakes().await?.into_iter().map(|intake| view(&state, intake)).collect();
    Ok(Json(Paged { total: items.len() as u64, items }))
}

#[utoipa::path(operation_id = "get_intake", get, path = "/api/v1/intakes/{uuid}", tag = "intakes", params(("uuid" = String, Path)), responses((status = 200, body = IntakeView), (status = "4XX", description = "Missing permission, unknown intake", body = crate::error::ErrorEnvelope)))]
pub async fn get(State(state): State<AppState>, Path(uuid): Path<String>) -> ApiResult<Json<IntakeView>> {
    let intake = state.services.store.get_intake(&uuid).await?.ok_or_else(|| ApiError::not_found("intake", &uuid))?;
    Ok(Json(view(&state, intake)))
}

#[utoipa::path(operation_id = "delete_intake", delete, path = "/api/v1/intakes/{uuid}", tag = "intakes", params(("uuid" = String, Path)), responses((status = 204), (status = "4XX", description = "Missing permission, unknown intake", body = crate::error::ErrorEnvelope)))]
pub async fn delete(State(state): State<AppState>, Path(uuid): Path<String>) -> ApiResult<StatusCode> {
    state.services.delete_intake(&uuid).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    #[param(maximum = 9223372036854775807_u64)]
    pub offset: Option<u64>,
    /// 1 to 1000; 100 when absent. A page also stops at 8 MiB.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u64>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EventView {
    pub uuid: String,
    /// The event as it was sent.
    pub message: String,
    pub received_at: i64,
}

#[utoipa::path(get, path = "/api/v1/intakes/{uuid}/events", tag = "intakes", params(("uuid" = String, Path), EventsQuery), responses((status = 200, body = Object), (status = "4XX", description = "Missing permission, unknown intake", body = crate::error::ErrorEnvelope)))]
pub async fn events(
    State(state): State<AppState>,
    Path(uuid): Path<String>,
    params: Result<Query<EventsQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<Paged<EventView>>> {
    let Query(params) = crate::query(params)?;
    state.services.store.get_intake(&uuid).await?.ok_or_else(|| ApiError::not_found("intake", &uuid))?;
    let page = state.services.store.list_intake_events(&uuid, crate::page(params.offset, params.limit)?).await?;
    let items = page
        .items
        .into_iter()
        .map(|e| EventView { uuid: e.uuid, message: e.message, received_at: e.received_at })
        .collect();
    Ok(Json(Paged { items, total: page.total }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct Batch<'a> {
    /// Or the `X-SEKOIAIO-INTAKE-KEY` header. In a body over 64 KiB, it must come first.
    pub intake_key: Option<String>,
    /// Each event as a string, usually JSON; at most 100,000 events.
    #[schema(value_type = Vec<String>, max_items = 100000)]
    #[serde(borrow)]
    pub jsons: Events<'a>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct Single<'a> {
    /// Or the `X-SEKOIAIO-INTAKE-KEY` header. In a body over 64 KiB, it must come first.
    pub intake_key: Option<String>,
    /// The event as a string, usually JSON.
    #[schema(value_type = String)]
    #[serde(borrow)]
    pub json: &'a RawValue,
}

impl Keyed for Batch<'_> {
    fn intake_key(&self) -> Option<&str> {
        self.intake_key.as_deref()
    }
}

impl Keyed for Single<'_> {
    fn intake_key(&self) -> Option<&str> {
        self.intake_key.as_deref()
    }
}

/// The events of a batch, each the JSON text it came as, borrowed from the body: an event costs
/// its bytes, not a tree of values. Past [`MAX_BATCH_EVENTS`] they are counted, not kept.
#[derive(Debug, Default)]
pub struct Events<'a> {
    kept: Vec<&'a RawValue>,
    count: usize,
}

impl<'de: 'a, 'a> Deserialize<'de> for Events<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct List<'a>(std::marker::PhantomData<&'a ()>);

        impl<'de: 'a, 'a> serde::de::Visitor<'de> for List<'a> {
            type Value = Events<'a>;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a list of events")
            }

            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Events<'a>, A::Error> {
                let mut events = Events::default();
                while events.kept.len() < MAX_BATCH_EVENTS {
                    match seq.next_element::<&'de RawValue>()? {
                        Some(event) => events.kept.push(event),
                        None => break,
                    }
                }
                events.count = events.kept.len();
                while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {
                    events.count += 1;
                }
                Ok(events)
            }
        }

        deserializer.deserialize_seq(List(std::marker::PhantomData))
    }
}

/// What a batch is answered once it is stored.
#[derive(Debug, Serialize)]
pub struct Accepted {
    /// In the order sent.
    pub event_ids: Vec<uuid::Uuid>,
}

#[utoipa::path(post, path = "/api/v1/intake-http/batch", tag = "intake", security((), ("intake key" = [])), request_body = Batch, params(KeyQuery), responses((status = 200, description = "`{\"event_ids\": [...]}`, in the order sent, once the events are stored", body = Object), (status = 413, description = "The body is over 12 MiB, the batch over 100,000 events or an event over 250,000 characters", body = crate::error::ErrorEnvelope), (status = "4XX", description = "Unknown intake key, bad event", body = crate::error::ErrorEnvelope)))]
pub async fn push_batch(State(state): State<AppState>, pushed: Pushed) -> ApiResult<Json<Accepted>> {
    let (intake, batch) = pushed.open::<Batch>(&state).await?;
    let Events { kept, count } = batch.jsons;
    if count > MAX_BATCH_EVENTS {
        return Err(ApiError::at(
            StatusCode::PAYLOAD_TOO_LARGE,
            "$.jsons",
            format!("the batch holds {count} events; an intake takes at most {MAX_BATCH_EVENTS} events per batch"),
        ));
    }
    let _events = pushed.reserve_events(kept.len())?;
    let received_at = riposte_worker::now_ms();
    let mut event_ids = Vec::with_capacity(kept.len());
    let mut events = Vec::with_capacity(kept.len());
    for (i, message) in kept.into_iter().enumerate() {
        let uuid = uuid::Uuid::new_v4();
        events.push(event(&intake, uuid, message, received_at, &format!("$.jsons[{i}]"))?);
        event_ids.push(uuid);
    }
    state.services.store.insert_intake_events(events).await?;
    Ok(Json(Accepted { event_ids }))
}

#[utoipa::path(post, path = "/api/v1/intake-http", tag = "intake", security((), ("intake key" = [])), request_body = Single, params(KeyQuery), responses((status = 200, description = "`{\"event_id\": ...}` once the event is stored", body = Object), (status = 413, description = "The body is over 12 MiB or the event over 250,000 characters", body = crate::error::ErrorEnvelope), (status = "4XX", description = "Unknown intake key, bad event", body = crate::error::ErrorEnvelope)))]
pub async fn push_one(State(state): State<AppState>, pushed: Pushed) -> ApiResult<Json<Value>> {
    let (intake, single) = pushed.open::<Single>(&state).await?;
    let _event = pushed.reserve_events(1)?;
    let uuid = uuid::Uuid::new_v4();
    let event = event(&intake, uuid, single.json, riposte_worker::now_ms(), "$.json")?;
    state.services.store.insert_intake_events(vec![event]).await?;
    Ok(Json(json!({"event_id": uuid})))
}

/// A JSON string, borrowed unless it has escapes.
#[derive(Deserialize)]
struct Text<'a>(#[serde(borrow)] Cow<'a, str>);

fn event(
    intake: &IntakeRecord,
    uuid: uuid::Uuid,
    message: &RawValue,
    received_at: i64,
    path: &str,
) -> ApiResult<IntakeEvent> {
    let Ok(Text(message)) = serde_json::from_str::<Text>(message.get()) else {
        return Err(ApiError::at(StatusCode::BAD_REQUEST, path, "expected the event as a string"));
    };
    let length = message.chars().count();
    if length > MAX_EVENT_CHARS {
        return Err(ApiError::at(
            StatusCode::PAYLOAD_TOO_LARGE,
            path,
            format!("the event is {length} characters long; an intake takes at most {MAX_EVENT_CHARS}"),
        ));
    }
    Ok(IntakeEvent {
        uuid: uuid.to_string(),
        intake_uuid: intake.uuid.clone(),
        message: message.into_owned(),
        received_at,
    })
}
