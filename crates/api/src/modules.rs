//! `/api/v1/modules`: what playbooks can use. `/api/v1/module-calls/{id}/...`: where installed
//! modules' processes report, each call with its own bearer token (not an API key).

use std::collections::HashMap;

use axum::Json;
use axum::extract::Request;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use riposte_host::CallbackError;
use riposte_store::StoreError;
use serde::Serialize;
use serde_json::Value;

use crate::auth::bearer;
use crate::components::Owner;
use crate::dispatch::new_run;
use crate::error::{ApiError, ApiResult};
use crate::json::Body;
use crate::state::AppState;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ModuleList {
    /// Module manifests, each with its `actions`, `triggers` and `connectors` and their schemas.
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<Value>,
    pub total: usize,
}

#[utoipa::path(get, path = "/api/v1/modules", tag = "modules", responses((status = 200, body = ModuleList), (status = "4XX", description = "Missing permission", body = crate::error::ErrorEnvelope)))]
pub async fn list(State(state): State<AppState>) -> ApiResult<Json<ModuleList>> {
    let catalogue = state.registry.catalogue();
    let items: Vec<Value> = catalogue
        .modules()
        .iter()
        .map(|module| {
            let mut item = serde_json::to_value(module).unwrap_or_default();
            item["builtin"] = Value::Bool(state.registry.is_builtin(&module.uuid));
            item
        })
        .collect();
    Ok(Json(ModuleList { total: items.len(), items }))
}

#[utoipa::path(patch, path = "/api/v1/module-calls/{id}/callback", tag = "module protocol", security(("call token" = [])), params(("id" = String, Path, description = "The call")), request_body = Object, responses((status = 200, description = "For `running` with `need_secrets`: `{\"module_configuration\": {\"value\": {...}}}`", body = Object), (status = "4XX", description = "Unknown call, wrong token, bad body, already finished", body = crate::error::ErrorEnvelope)))]
pub async fn callback(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Body(body): Body<Value>,
) -> ApiResult<Json<Value>> {
    let callbacks = callbacks(&state)?;
    Ok(Json(callbacks.action_callback(&id, token(&headers)?, body).map_err(refused)?))
}

#[utoipa::path(post, path = "/api/v1/module-calls/{id}/callback", tag = "module protocol", security(("call token" = [])), params(("id" = String, Path, description = "The call")), request_body = Object, responses((status = 200, description = "The event starts a run of the trigger's playbook, once per `request_id`: `{\"run_uuid\": ...}`", body = Object), (status = "4XX", description = "Unknown call, wrong token, bad body, playbook not active", body = crate::error::ErrorEnvelope)))]
pub async fn trigger_event(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Body(body): Body<Value>,
) -> ApiResult<Json<Value>> {
    let (owner, event) = callbacks(&state)?.trigger_event(&id, token(&headers)?, body).map_err(refused)?;
    let Some(Owner::Playbook(playbook_uuid)) = Owner::parse(&owner) else {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "a connector sends its events to its intake (`POST {intake_url}/batch`), not to the callback",
        ));
    };
    let heads = state.store.active_playbook_heads().await?;
    let head = heads.iter().find(|h| h.uuid == playbook_uuid).ok_or_else(|| {
        ApiError::new(StatusCode::CONFLICT, format!("playbook {playbook_uuid} is not active: the event starts no run"))
    })?;
    // The SDK sends one `request_id` per event, kept across its retries: one run per event.
    let request_id = event.request_id.unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let key = format!("{playbook_uuid}:{request_id}");
    let run_uuid = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, key.as_bytes()).to_string();
    if let Some(directory) = &event.directory {
        let host = state.registry.host().ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "no module host"))?;
        host.adopt_directory(&owner, directory, &run_uuid).map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, e))?;
    }
    let run = new_run(&playbook_uuid, head.version, run_uuid.clone(), event.name, event.event);
    match state.store.insert_runs(std::slice::from_ref(&run)).await {
        Ok(()) => state.runs.submit(vec![run]),
        Err(StoreError::Conflict(_)) => tracing::debug!(%run_uuid, "trigger event sent again"),
        Err(e) => return Err(e.into()),
    }
    Ok(Json(serde_json::json!({"run_uuid": run_uuid})))
}

#[utoipa::path(post, path = "/api/v1/module-calls/{id}/logs", tag = "module protocol", security(("call token" = [])), params(("id" = String, Path, description = "The call")), request_body = Object, responses((status = 200, body = Object), (status = "4XX", description = "Unknown call, wrong token, bad body", body = crate::error::ErrorEnvelope)))]
pub async fn logs(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Body(body): Body<Value>,
) -> ApiResult<Json<Value>> {
    callbacks(&state)?.logs(&id, token(&headers)?, body).map_err(refused)?;
    Ok(Json(serde_json::json!({})))
}

#[utoipa::path(get, path = "/api/v1/module-calls/{id}/secrets", tag = "module protocol", security(("call token" = [])), params(("id" = String, Path, description = "The call")), responses((status = 200, description = "`{\"value\": {...}, \"node_value\": {...}}`", body = Object), (status = "4XX", description = "Unknown call, wrong token", body = crate::error::ErrorEnvelope)))]
pub async fn secrets(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Json<Value>> {
    Ok(Json(callbacks(&state)?.secrets(&id, token(&headers)?).map_err(refused)?))
}

/// Refuses a call's request without its token before its body is read.
pub async fn authorise_call(
    State(state): State<AppState>,
    Path(path): Path<HashMap<String, String>>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let id = path.get("id").map(String::as_str).unwrap_or_default();
    callbacks(&state)?.authorise(id, token(request.headers())?).map_err(refused)?;
    Ok(next.run(request).await)
}

fn callbacks(state: &AppState) -> ApiResult<&riposte_host::Callbacks> {
    let host = state
        .registry
        .host()
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "this server runs no installed modules"))?;
    Ok(host.callbacks().as_ref())
}

fn token(headers: &HeaderMap) -> ApiResult<&str> {
    bearer(headers).ok_or_else(|| {
        ApiError::new(StatusCode::UNAUTHORIZED, "send the call's token as `Authorization: Bearer <token>`")
    })
}

fn refused(error: CallbackError) -> ApiError {
    let status = match error {
        CallbackError::UnknownCall(_) => StatusCode::NOT_FOUND,
        CallbackError::BadToken => StatusCode::UNAUTHORIZED,
        CallbackError::AlreadyFinished => StatusCode::CONFLICT,
        CallbackError::BadBody(_) => StatusCode::BAD_REQUEST,
    };
    ApiError::new(status, error.to_string())
}
