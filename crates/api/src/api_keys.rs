//! `/api/v1/api-keys`: keys with only the permissions they need. A key is shown once, when it is
//! made; only its hash is stored.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use riposte_store::{ApiKey, Paged};
use serde::{Deserialize, Serialize};

use riposte_model::{Permission, Permissions};

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::json::Body;
use crate::keys::{key_hash, new_key};
use crate::state::AppState;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewKey {
    #[schema(pattern = r"\S")]
    pub name: String,
    /// Permissions the key that makes this one holds.
    #[schema(value_type = Vec<PermissionName>)]
    pub permissions: Vec<String>,
}

/// A permission an API key carries.
#[derive(utoipa::ToSchema)]
#[schema(as = Permission)]
#[allow(dead_code, clippy::upper_case_acronyms, non_camel_case_types)]
pub enum PermissionName {
    SIC_READ_ALERTS,
    SIC_WRITE_ALERTS,
    SYMPHONY,
    API_KEYS,
    SIC_READ_INTAKES,
    SIC_WRITE_INTAKES,
    INSTALL_MODULES,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct KeyView {
    pub uuid: String,
    pub name: String,
    pub permissions: Vec<String>,
    pub created_at: i64,
    /// Only in the answer that makes the key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

fn view(key: ApiKey, secret: Option<String>) -> KeyView {
    KeyView { uuid: key.uuid, name: key.name, permissions: key.permissions, created_at: key.created_at, key: secret }
}

#[utoipa::path(operation_id = "create_api_key", post, path = "/api/v1/api-keys", tag = "api keys", request_body = NewKey, responses((status = 201, body = KeyView), crate::error::Refused))]
pub async fn create(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Body(input): Body<NewKey>,
) -> ApiResult<(StatusCode, Json<KeyView>)> {
    if input.name.trim().is_empty() {
        return Err(ApiError::at(StatusCode::UNPROCESSABLE_ENTITY, "$.name", "must not be empty"));
    }
    for (i, name) in input.permissions.iter().enumerate() {
        let permission: Permission = name.parse().map_err(|e| {
            ApiError::at(StatusCode::UNPROCESSABLE_ENTITY, format!("$.permissions[{i}]"), format!("{e}"))
        })?;
        if !caller.holds(permission) {
            return Err(ApiError::at(
                StatusCode::FORBIDDEN,
                format!("$.permissions[{i}]"),
                format!("a key grants only permissions it holds, and this one does not hold {permission}"),
            ));
        }
    }
    let secret = new_key();
    let key = ApiKey {
        uuid: uuid::Uuid::new_v4().to_string(),
        name: input.name,
        key_hash: key_hash(&secret),
        permissions: input.permissions,
        created_at: riposte_worker::now_ms(),
    };
    state.services.store.insert_api_key(&key).await?;
    Ok((StatusCode::CREATED, Json(view(key, Some(secret)))))
}

#[utoipa::path(operation_id = "list_api_keys", get, path = "/api/v1/api-keys", tag = "api keys", responses((status = 200, body = Object), crate::error::Refused))]
pub async fn list(State(state): State<AppState>) -> ApiResult<Json<Paged<KeyView>>> {
    let items: Vec<KeyView> = state.services.store.list_api_keys().await?.into_iter().map(|k| view(k, None)).collect();
    Ok(Json(Paged { total: items.len() as u64, items }))
}

#[utoipa::path(operation_id = "delete_api_key", delete, path = "/api/v1/api-keys/{uuid}", tag = "api keys", params(("uuid" = String, Path)), responses((status = 204), crate::error::Refused))]
pub async fn delete(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(uuid): Path<String>,
) -> ApiResult<StatusCode> {
    // A key revokes only keys that hold no more than it does, as it grants only what it holds.
    let keys = state.services.store.list_api_keys().await?;
    if let Some(target) = keys.iter().find(|k| k.uuid == uuid)
        && let Some(missing) = Permissions::from_names(&target.permissions).iter().find(|p| !caller.holds(*p))
    {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            format!("this key cannot revoke a key that holds {missing}, which it does not hold"),
        ));
    }
    state.services.store.delete_api_key(&uuid).await?;
    Ok(StatusCode::NO_CONTENT)
}
