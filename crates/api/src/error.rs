//! One error envelope for every failure: `{"errors": [{"detail": "...", "path": "$..."}]}`.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use riposte_engine::Diagnostic;
use riposte_host::CallbackError;
use riposte_services::ServiceError;
use riposte_store::StoreError;
use riposte_worker::WorkerError;
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
            StoreError::Backend { .. } => StatusCode::SERVICE_UNAVAILABLE,
        };
        if status == StatusCode::SERVICE_UNAVAILABLE {
            tracing::error!(error = &err as &dyn std::error::Error, "storage failure");
        }
        ApiError::new(status, with_causes(&err))
    }
}

impl From<ServiceError> for ApiError {
    fn from(err: ServiceError) -> Self {
        let status = match err {
            ServiceError::Store(store) => return store.into(),
            ServiceError::Worker(worker) => return worker.into(),
            ServiceError::NotActive(_) => StatusCode::CONFLICT,
            ServiceError::ConnectorEvent | ServiceError::Directory(_) => StatusCode::BAD_REQUEST,
            ServiceError::NoModuleHost => StatusCode::NOT_FOUND,
            ServiceError::TooManyAssets { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ServiceError::NoInstaller => StatusCode::NOT_FOUND,
            ServiceError::ImportRunning(_) => StatusCode::CONFLICT,
            ServiceError::Busy(_) => StatusCode::TOO_MANY_REQUESTS,
            ServiceError::Key(_) | ServiceError::Sealed(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        if status.is_server_error() {
            tracing::error!(error = %err, "service failure");
        }
        ApiError::new(status, err.to_string())
    }
}

impl From<WorkerError> for ApiError {
    fn from(err: WorkerError) -> Self {
        let status = match err {
            WorkerError::Store(store) => return store.into(),
            WorkerError::RunNotFound(_) | WorkerError::NoConfiguration(_) => StatusCode::NOT_FOUND,
            WorkerError::NotFailed(_) => StatusCode::CONFLICT,
            // The version the run is pinned to no longer compiles here (a module it uses went).
            WorkerError::InvalidPlaybook(_) => StatusCode::UNPROCESSABLE_ENTITY,
            WorkerError::SecretsNotKept(_) => StatusCode::CONFLICT,
            WorkerError::MissingVersion { .. }
            | WorkerError::UnreadablePlaybook { .. }
            | WorkerError::CorruptJournal { .. }
            | WorkerError::LostOutput { .. }
            | WorkerError::UnknownTrigger { .. }
            | WorkerError::Encode { .. }
            | WorkerError::Stalled(_)
            | WorkerError::UnusableConfiguration { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        };
        if status.is_server_error() {
            tracing::error!(error = %err, "run data failure");
        }
        ApiError::new(status, err.to_string())
    }
}

/// A module call's callback refused: unknown call, wrong token, finished already, bad body.
impl From<CallbackError> for ApiError {
    fn from(error: CallbackError) -> Self {
        let status = match error {
            CallbackError::UnknownCall(_) => StatusCode::NOT_FOUND,
            CallbackError::BadToken => StatusCode::UNAUTHORIZED,
            CallbackError::AlreadyFinished => StatusCode::CONFLICT,
            CallbackError::BadBody(_) => StatusCode::BAD_REQUEST,
        };
        ApiError::new(status, error.to_string())
    }
}

/// An error and what caused it, as one line: `storage error: SQLite failed: disk I/O error`.
fn with_causes(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(next) = cause {
        text.push_str(": ");
        text.push_str(&next.to_string());
        cause = next.source();
    }
    text
}

/// What every failure answers.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorEnvelope {
    pub errors: Vec<ErrorItem>,
}

/// How most routes refuse, for their OpenAPI description: `responses(..., Refused)`.
#[derive(utoipa::IntoResponses)]
#[response(status = "4XX", description = "Bad input, missing permission, unknown id")]
#[allow(dead_code)]
pub struct Refused(ErrorEnvelope);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(ErrorEnvelope { errors: self.errors })).into_response()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
