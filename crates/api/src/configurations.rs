//! `/api/v1/symphony/module-configurations`: module accounts. Fields the module's manifest
//! lists as `secrets` are write-only: sealed at rest, never returned, kept when an update
//! leaves them out.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use riposte_model::ModuleManifest;
use riposte_services::redirected_fields;
use riposte_store::{AccountCheckRecord, ModuleConfiguration, Paged};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::json::Body;
use crate::playbook_access;
use crate::query;
use crate::state::AppState;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewConfiguration {
    pub module_uuid: String,
    #[schema(pattern = r"\S")]
    pub name: String,
    pub value: Map<String, Value>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfigurationUpdate {
    #[serde(default)]
    pub name: Option<String>,
    pub value: Map<String, Value>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    #[serde(default)]
    pub module_uuid: Option<String>,
}

/// A configuration as the API shows it: secret fields are named, never given.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ConfigurationView {
    pub uuid: String,
    pub module_uuid: String,
    pub name: String,
    pub value: Value,
    /// Secret fields that hold a value.
    pub secrets: Vec<String>,
    /// What the module's account validator said of the configuration when it was made or last
    /// changed, kept with it; absent when the module has no validator.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<AccountCheckDoc>)]
    pub account_check: Option<AccountCheckRecord>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// How the API shows what an account validator said (`riposte_store::AccountCheckRecord`).
#[derive(utoipa::ToSchema)]
#[schema(as = AccountCheck)]
#[allow(dead_code)] // describes what the store's record serialises to
pub(crate) struct AccountCheckDoc {
    /// Whether the validator accepted the configuration.
    success: bool,
    /// Why it refused it (its error, else the latest warning or error it logged), secrets taken
    /// out.
    error: Option<String>,
    /// When it was checked, epoch milliseconds.
    checked_at: i64,
}

fn secret_fields(module: &ModuleManifest) -> Vec<String> {
    riposte_model::schema_secrets(&module.configuration)
}

fn module(state: &AppState, uuid: &str) -> ApiResult<ModuleManifest> {
    state.services.registry.catalogue().module(uuid).cloned().ok_or_else(|| {
        ApiError::at(StatusCode::UNPROCESSABLE_ENTITY, "$.module_uuid", format!("no installed module {uuid}"))
    })
}

/// Checks the whole value against the module's configuration schema; errors name the field.
fn check(module: &ModuleManifest, value: &Map<String, Value>) -> ApiResult<()> {
    check_schema(&module.configuration, &Value::Object(value.clone()), "$.value")
}

/// Checks `instance` against a manifest's schema (its `secrets` extension set aside); errors
/// name the field under `root`.
pub(crate) fn check_schema(schema: &Value, instance: &Value, root: &str) -> ApiResult<()> {
    let mut schema = schema.clone();
    if let Some(object) = schema.as_object_mut() {
        object.remove("secrets");
    }
    let validator = jsonschema::validator_for(&schema).map_err(|e| {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, format!("the module's schema is invalid: {e}"))
    })?;
    let errors: Vec<_> = validator
        .iter_errors(instance)
        .map(|e| crate::error::ErrorItem {
            detail: e.to_string(),
            path: Some(pointer_path(root, &e.instance_path().to_string())),
            hint: None,
        })
        .collect();
    if errors.is_empty() { Ok(()) } else { Err(ApiError { status: StatusCode::UNPROCESSABLE_ENTITY, errors }) }
}

/// Refuses with 422 at `path` the configuration `uuid` when it belongs to another module than
/// `module_uuid`: its secrets go to its own module only. One that does not exist is left to run
/// time (a playbook imported from elsewhere names configurations of that other platform).
pub(crate) async fn require_own(
    state: &AppState,
    uuid: &str,
    module_uuid: Option<&str>,
    path: String,
) -> ApiResult<()> {
    let Some(configuration) = state.services.store.get_configuration(uuid).await? else { return Ok(()) };
    if module_uuid.is_some_and(|module| module.eq_ignore_ascii_case(&configuration.module_uuid)) {
        return Ok(());
    }
    Err(ApiError::at(
        StatusCode::UNPROCESSABLE_ENTITY,
        path,
        format!(
            "module configuration {uuid} belongs to module {}: a configuration is used by its own module only",
            configuration.module_uuid
        ),
    ))
}

fn pointer_path(root: &str, pointer: &str) -> String {
    pointer.split('/').filter(|s| !s.is_empty()).fold(root.to_string(), |path, segment| {
        if segment.parse::<usize>().is_ok() {
            format!("{path}[{segment}]")
        } else {
            format!("{path}{}", riposte_model::key_segment(segment))
        }
    })
}

fn view(record: ModuleConfiguration, secrets: Vec<String>) -> ConfigurationView {
    ConfigurationView {
        account_check: record.account_check,
        uuid: record.uuid,
        module_uuid: record.module_uuid,
        name: record.name,
        value: record.value,
        secrets,
        created_at: record.created_at,
        updated_at: record.updated_at,
    }
}

fn secret_names(state: &AppState, record: &ModuleConfiguration) -> ApiResult<Vec<String>> {
    Ok(state.services.configuration_secrets(record)?.keys().cloned().collect())
}

#[utoipa::path(operation_id = "create_module_configuration", post, path = "/api/v1/symphony/module-configurations", tag = "module configurations", request_body = NewConfiguration, responses((status = 201, body = ConfigurationView), crate::error::Refused))]
pub async fn create(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Body(input): Body<NewConfiguration>,
) -> ApiResult<(StatusCode, Json<ConfigurationView>)> {
    let module = module(&state, &input.module_uuid)?;
    playbook_access::require_for_configuration(&caller, &module.uuid, &input.value)?;
    if input.name.trim().is_empty() {
        return Err(ApiError::at(StatusCode::UNPROCESSABLE_ENTITY, "$.name", "must not be empty"));
    }
    check(&module, &input.value)?;
    let account_check = state.services.check_account(&module.uuid, &input.value).await;
    let split = state.services.seal_configuration(&secret_fields(&module), input.value);
    let now = riposte_worker::now_ms();
    let record = ModuleConfiguration {
        uuid: uuid::Uuid::new_v4().to_string(),
        module_uuid: module.uuid.clone(),
        name: input.name,
        value: split.plain,
        sealed_secrets: split.sealed,
        created_at: now,
        updated_at: now,
        account_check,
    };
    state.services.store.insert_configuration(&record).await?;
    Ok((StatusCode::CREATED, Json(view(record, split.secret_names))))
}

#[utoipa::path(operation_id = "get_module_configuration", get, path = "/api/v1/symphony/module-configurations/{uuid}", tag = "module configurations", params(("uuid" = String, Path)), responses((status = 200, body = ConfigurationView), crate::error::Refused))]
pub async fn get(State(state): State<AppState>, Path(uuid): Path<String>) -> ApiResult<Json<ConfigurationView>> {
    let record = state
        .services
        .store
        .get_configuration(&uuid)
        .await?
        .ok_or_else(|| ApiError::not_found("module configuration", &uuid))?;
    let names = secret_names(&state, &record)?;
    Ok(Json(view(record, names)))
}

#[utoipa::path(operation_id = "list_module_configurations", get, path = "/api/v1/symphony/module-configurations", tag = "module configurations", params(ListQuery), responses((status = 200, body = Object), crate::error::Refused))]
pub async fn list(
    State(state): State<AppState>,
    params: Result<Query<ListQuery>, QueryRejection>,
) -> ApiResult<Json<Paged<ConfigurationView>>> {
    let Query(params) = query(params)?;
    let mut items = Vec::new();
    for record in state.services.store.list_configurations(params.module_uuid.as_deref()).await? {
        let names = secret_names(&state, &record)?;
        items.push(view(record, names));
    }
    Ok(Json(Paged { total: items.len() as u64, items }))
}

/// Replaces the value; secret fields left out keep their stored value.
#[utoipa::path(operation_id = "update_module_configuration", put, path = "/api/v1/symphony/module-configurations/{uuid}", tag = "module configurations", params(("uuid" = String, Path)), request_body = ConfigurationUpdate, responses((status = 200, body = ConfigurationView), crate::error::Refused))]
pub async fn update(
    State(state): State<AppState>,
    Path(uuid): Path<String>,
    Extension(caller): Extension<Caller>,
    Body(input): Body<ConfigurationUpdate>,
) -> ApiResult<Json<ConfigurationView>> {
    let mut record = state
        .services
        .store
        .get_configuration(&uuid)
        .await?
        .ok_or_else(|| ApiError::not_found("module configuration", &uuid))?;
    let module = module(&state, &record.module_uuid)?;
    playbook_access::require_for_configuration(&caller, &module.uuid, &input.value)?;
    let secrets = secret_fields(&module);
    let kept = state.services.configuration_secrets(&record)?;
    let redirected = redirected_fields(&record.value, &input.value);
    let mut value = input.value;
    for (key, secret) in kept {
        if !secrets.contains(&key) || value.contains_key(&key) {
            continue;
        }
        if let Some(field) = redirected.first() {
            return Err(ApiError::at(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("$.value{}", riposte_model::key_segment(&key)),
                format!(
                    "give this secret again: `{field}` changed, and a stored secret does not follow a configuration to a new destination"
                ),
            ));
        }
        value.insert(key, secret);
    }
    check(&module, &value)?;
    let account_check = state.services.check_account(&module.uuid, &value).await;
    let split = state.services.seal_configuration(&secrets, value);
    record.value = split.plain;
    record.sealed_secrets = split.sealed;
    if let Some(name) = input.name {
        record.name = name;
    }
    record.updated_at = riposte_worker::now_ms();
    record.account_check = account_check;
    state.services.store.update_configuration(&record).await?;
    Ok(Json(view(record, split.secret_names)))
}

#[utoipa::path(operation_id = "delete_module_configuration", delete, path = "/api/v1/symphony/module-configurations/{uuid}", tag = "module configurations", params(("uuid" = String, Path)), responses((status = 204), crate::error::Refused))]
pub async fn delete(State(state): State<AppState>, Path(uuid): Path<String>) -> ApiResult<StatusCode> {
    state.services.store.delete_configuration(&uuid).await?;
    Ok(StatusCode::NO_CONTENT)
}
