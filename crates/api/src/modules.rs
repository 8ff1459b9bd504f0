//! `/api/v1/modules`: what playbooks can use. `/api/v1/module-calls/{id}/...`: where installed
//! modules' processes report, each call with its own bearer token (not an API key).

use std::collections::HashMap;

use axum::extract::Request;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use axum::{Extension, Json};
use serde::Serialize;
use serde_json::Value;

use crate::auth::bearer;
use crate::error::{ApiError, ApiResult};
use crate::json::Body;
use crate::state::AppState;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ModuleList {
    /// Module manifests, each with its `actions`, `triggers` and `connectors` and their schemas;
    /// `builtin`; for installed modules, `warm_workers`: the idle ones and the memory they hold,
    /// or why the module cannot be kept warm (`cold`); `installed_from`: the repository and
    /// commit it was installed from.
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<Value>,
    pub total: usize,
}

#[utoipa::path(operation_id = "list_modules", get, path = "/api/v1/modules", tag = "modules", responses((status = 200, body = ModuleList), (status = "4XX", description = "Missing permission", body = crate::error::ErrorEnvelope)))]
pub async fn list(State(state): State<AppState>) -> ApiResult<Json<ModuleList>> {
    let catalogue = state.services.registry.catalogue();
    let items: Vec<Value> = catalogue
        .modules()
        .iter()
        .map(|module| {
            let mut item = serde_json::to_value(module).unwrap_or_default();
            let registry = &state.services.registry;
            item["builtin"] = Value::Bool(registry.is_builtin(&module.uuid) && !registry.is_replaced(&module.uuid));
            if let Some(installed) = registry.installed(&module.uuid)
                && logo_file(&installed.dir).is_some()
            {
                item["logo"] = Value::String(format!("/api/v1/modules/{}/logo", module.uuid));
            }
            if let (Some(installed), Some(host)) = (registry.installed(&module.uuid), registry.host()) {
                item["warm_workers"] = serde_json::to_value(host.warm_status(&installed)).unwrap_or_default();
                if let Some(origin) = &installed.launch.source {
                    item["installed_from"] = serde_json::to_value(origin).unwrap_or_default();
                }
            }
            item
        })
        .collect();
    Ok(Json(ModuleList { total: items.len(), items }))
}

/// A logo larger than this is not served: a module's logo is an icon.
const MAX_LOGO_BYTES: u64 = 1024 * 1024;

/// The logo file in an installed module's folder (canonical), with its media type: a file of
/// the folder, or a link to one in it, never a link out of it (to a key elsewhere on the
/// server, say).
fn logo_file(dir: &std::path::Path) -> Option<(std::path::PathBuf, &'static str)> {
    [("logo.svg", "image/svg+xml"), ("logo.png", "image/png"), ("logo.jpg", "image/jpeg"), ("logo.jpeg", "image/jpeg")]
        .into_iter()
        .filter_map(|(name, media)| Some((dir.join(name).canonicalize().ok()?, media)))
        .filter(|(path, _)| path.starts_with(dir))
        .find(|(path, _)| path.metadata().is_ok_and(|m| m.is_file() && m.len() <= MAX_LOGO_BYTES))
}

/// An installed module's logo, as its folder has it (`logo.svg`, `logo.png` or `logo.jpg`, at
/// most 1 MiB); built-in modules have none. An SVG is served so that nothing in it runs.
#[utoipa::path(operation_id = "module_logo", get, path = "/api/v1/modules/{uuid}/logo", tag = "modules", params(("uuid" = String, Path)), responses((status = 200, description = "The image", content_type = "image/png", body = Vec<u8>), crate::error::Refused))]
pub async fn logo(State(state): State<AppState>, Path(uuid): Path<String>) -> ApiResult<Response> {
    let missing = || ApiError::not_found("logo of module", &uuid);
    let installed = state.services.registry.installed(&uuid).ok_or_else(missing)?;
    let (path, media) = logo_file(&installed.dir).ok_or_else(missing)?;
    let bytes = tokio::task::spawn_blocking(move || std::fs::read(path))
        .await
        .map_err(|_| missing())?
        .map_err(|_| missing())?;
    let mut response = Response::new(axum::body::Body::from(bytes));
    let headers = response.headers_mut();
    headers.insert(axum::http::header::CONTENT_TYPE, axum::http::HeaderValue::from_static(media));
    headers.insert(
        axum::http::header::CONTENT_SECURITY_POLICY,
        axum::http::HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'"),
    );
    headers.insert(axum::http::header::X_CONTENT_TYPE_OPTIONS, axum::http::HeaderValue::from_static("nosniff"));
    headers.insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("private, max-age=300"));
    Ok(response)
}

#[utoipa::path(patch, path = "/api/v1/module-calls/{id}/callback", tag = "module protocol", security(("call token" = [])), params(("id" = String, Path, description = "The call")), request_body = Object, responses((status = 200, description = "For `running` with `need_secrets`: `{\"module_configuration\": {\"value\": {...}}}`", body = Object), (status = "4XX", description = "Unknown call, wrong token, bad body, already finished", body = crate::error::ErrorEnvelope)))]
pub async fn callback(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Body(body): Body<Value>,
) -> ApiResult<Json<Value>> {
    let callbacks = callbacks(&state)?;
    Ok(Json(callbacks.action_callback(&id, token(&headers)?, body).map_err(ApiError::from)?))
}

#[utoipa::path(post, path = "/api/v1/module-calls/{id}/callback", tag = "module protocol", security(("call token" = [])), params(("id" = String, Path, description = "The call")), request_body = Object, responses((status = 200, description = "The event starts a run of the trigger's playbook, once per `request_id`: `{\"run_uuid\": ...}`", body = Object), (status = "4XX", description = "Unknown call, wrong token, bad body, playbook not active", body = crate::error::ErrorEnvelope)))]
pub async fn trigger_event(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Body(body): Body<Value>,
) -> ApiResult<Json<Value>> {
    let (owner, event) = callbacks(&state)?.trigger_event(&id, token(&headers)?, body).map_err(ApiError::from)?;
    let run_uuid = state.services.trigger_event(&owner, event).await?;
    Ok(Json(serde_json::json!({"run_uuid": run_uuid})))
}

#[utoipa::path(post, path = "/api/v1/module-calls/{id}/logs", tag = "module protocol", security(("call token" = [])), params(("id" = String, Path, description = "The call")), request_body = Object, responses((status = 200, body = Object), (status = "4XX", description = "Unknown call, wrong token, bad body", body = crate::error::ErrorEnvelope)))]
pub async fn logs(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Body(body): Body<Value>,
) -> ApiResult<Json<Value>> {
    callbacks(&state)?.logs(&id, token(&headers)?, body).map_err(ApiError::from)?;
    Ok(Json(serde_json::json!({})))
}

#[utoipa::path(get, path = "/api/v1/module-calls/{id}/secrets", tag = "module protocol", security(("call token" = [])), params(("id" = String, Path, description = "The call")), responses((status = 200, description = "`{\"value\": {...}, \"node_value\": {...}}`", body = Object), (status = "4XX", description = "Unknown call, wrong token", body = crate::error::ErrorEnvelope)))]
pub async fn secrets(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Json<Value>> {
    Ok(Json(callbacks(&state)?.secrets(&id, token(&headers)?).map_err(ApiError::from)?))
}

/// Refuses a call's request without its token before its body is read.
pub async fn authorise_call(
    Extension(state): Extension<AppState>,
    Path(path): Path<HashMap<String, String>>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let id = path.get("id").map(String::as_str).unwrap_or_default();
    callbacks(&state)?.authorise(id, token(request.headers())?).map_err(ApiError::from)?;
    Ok(next.run(request).await)
}

fn callbacks(state: &AppState) -> ApiResult<&riposte_host::Callbacks> {
    Ok(state.services.host()?.callbacks().as_ref())
}

fn token(headers: &HeaderMap) -> ApiResult<&str> {
    bearer(headers).ok_or_else(|| {
        ApiError::new(StatusCode::UNAUTHORIZED, "send the call's token as `Authorization: Bearer <token>`")
    })
}
