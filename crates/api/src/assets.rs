//! Assets: Sekoia's asset connector API, where an intake's asset connector sends what it
//! inventories with the intake's key as its bearer token, and the intake's assets to read.

use axum::Json;
use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use riposte_model::same_secret;
use riposte_store::{IntakeRecord, Paged};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::PageQuery;
use crate::auth::bearer;
use crate::body::require_json;
use crate::error::{ApiError, ApiResult};
use crate::intakes::MAX_INTAKE_BODY_BYTES;
use crate::json::parse;
use crate::state::AppState;

/// What an asset connector sends: Sekoia's SDK's `AssetList`. Its `version` (the schema
/// version of the items) is taken and not kept.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct AssetPush {
    /// The assets, OCSF inventory records (Device Inventory Info, User Inventory Info...).
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<Value>,
}

/// Keeps the assets the asset connector of intake `uuid` sends. Each replaces the one it had
/// of the same OCSF class and `uid`.
#[utoipa::path(post, path = "/api/v2/asset-management/asset-connector/{uuid}", tag = "intake", security(("intake bearer" = [])), params(("uuid" = String, Path, description = "The intake, the SDK's `connector_configuration_uuid`")), request_body = AssetPush, responses((status = 200, description = "`{\"received\": N}` once the assets are kept", body = Object), (status = "4XX", description = "Wrong key, bad assets, too many assets", body = crate::error::ErrorEnvelope)))]
pub async fn push(State(state): State<AppState>, Path(uuid): Path<String>, request: Request) -> ApiResult<Json<Value>> {
    let (parts, body) = request.into_parts();
    // The key is checked before the body is read: nobody without it gets a body into memory.
    let intake = open(&state, &uuid, bearer(&parts.headers)).await?;
    require_json(&parts.headers)?;
    let held = state.bodies.reader(&parts.headers, body, MAX_INTAKE_BODY_BYTES)?.finish().await?;
    let pushed: AssetPush = parse(&held.bytes)?;
    if let Some(index) = pushed.items.iter().position(|item| !item.is_object()) {
        return Err(ApiError::at(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("$.items[{index}]"),
            "an asset is an object",
        ));
    }
    let received = state.services.receive_assets(&intake, &pushed.items).await?;
    Ok(Json(json!({"received": received})))
}

/// The intake `uuid` when `key` is its intake key. One answer for an unknown intake and a wrong
/// key: a key does not tell which intakes exist.
async fn open(state: &AppState, uuid: &str, key: Option<&str>) -> ApiResult<IntakeRecord> {
    let refused = || ApiError::new(StatusCode::UNAUTHORIZED, "send the intake's key as `Authorization: Bearer KEY`");
    let key = key.ok_or_else(refused)?;
    let intake = state.services.store.get_intake(uuid).await?.ok_or_else(refused)?;
    if !same_secret(key, &intake.intake_key) {
        return Err(refused());
    }
    Ok(intake)
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AssetView {
    /// What tells the asset apart: `class:subject:uid` (`5001:device:...`), or a digest of an
    /// asset that names no `uid`.
    pub key: String,
    pub class_uid: Option<i64>,
    #[schema(value_type = Object)]
    pub asset: Value,
    /// Epoch milliseconds.
    pub first_seen: i64,
    pub last_seen: i64,
}

/// The assets the intake's asset connector sent, latest state of each, by key.
#[utoipa::path(operation_id = "list_assets", get, path = "/api/v1/intakes/{uuid}/assets", tag = "intakes", params(("uuid" = String, Path), PageQuery), responses((status = 200, body = Object), crate::error::Refused))]
pub async fn list(
    State(state): State<AppState>,
    Path(uuid): Path<String>,
    params: Result<Query<PageQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<Paged<AssetView>>> {
    let Query(params) = crate::query(params)?;
    state.services.store.get_intake(&uuid).await?.ok_or_else(|| ApiError::not_found("intake", &uuid))?;
    let page = state.services.store.list_assets(&uuid, crate::page(params.offset, params.limit)?).await?;
    let items = page
        .items
        .into_iter()
        .map(|a| AssetView {
            key: a.key,
            class_uid: a.class_uid,
            asset: a.asset,
            first_seen: a.first_seen,
            last_seen: a.last_seen,
        })
        .collect();
    Ok(Json(Paged { items, total: page.total }))
}
