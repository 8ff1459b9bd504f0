//! One error envelope for every failure: `{"errors": [{"detail": "...", "path": "$..."}]}`.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use riposte_engine::Diagnostic;
use riposte_store::StoreError;
use serde::Serialize;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorItem {
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub errors: Vec<ErrorItem>,
}

impl ApiError {
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        ApiError { status, errors: vec![ErrorItem { detail: detail.into(), path: None, hint: None }] }
    }

    pub fn at(status: StatusCode, path: impl Into<String>, detail: impl Into<String>) -> Self {
        ApiError { status, errors: vec![ErrorItem { detail: detail.into(), path: Some(path.into()), hint: None }] }
    }

    pub fn not_found(what: &str, id: &str) -> Self {
        ApiError::new(StatusCode::NOT_FOUND, format!("{what} {id} not found"))
    }

    /// A playbook's problems, each with its location.
    pub fn diagnostics(status: StatusCode, problems: &[Diagnostic]) -> Self {
        let errors = problems
            .iter()
            .map(|d| ErrorItem { detail: d.message.clone(), path: Some(d.path.clone()), hint: d.hint.clone() })
            .collect();
        ApiError { status, errors }
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        let status = match &err {
            StoreError::NotFound { .. } => StatusCode::NOT_FOUND,
            StoreError::Conflict(_) => StatusCode::CONFLICT,
            StoreError::Full(_) => StatusCode::INSUFFICIENT_STORAGE,
            StoreError::Backend(_) => StatusCode::SERVICE_UNAVAILABLE,
        };
        if status == StatusCode::SERVICE_UNAVAILABLE {
            tracing::error!(error = %err, "storage failure");
        }
        ApiError::new(status, err.to_string())
    }
}

/// What every failure answers.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorEnvelope {
    pub errors: Vec<ErrorItem>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(ErrorEnvelope { errors: self.errors })).into_response()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
