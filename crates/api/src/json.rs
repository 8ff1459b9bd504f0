//! A JSON body extractor whose errors say what is wrong and where, in the error envelope.

use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use crate::body::{MAX_BODY_BYTES, require_json};
use crate::error::ApiError;
use crate::state::AppState;

pub struct Body<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        require_json(req.headers())?;
        let (parts, body) = req.into_parts();
        let held = state.bodies.reader(&parts.headers, body, MAX_BODY_BYTES)?.finish().await?;
        parse(&held.bytes).map(Body)
    }
}

/// Parses JSON, naming the JSON path (or line and column) of the first problem.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    riposte_model::parse_json(bytes).map_err(|riposte_model::ModelError::Parse { path, message, syntax }| {
        if syntax {
            ApiError::new(StatusCode::BAD_REQUEST, message)
        } else {
            ApiError::at(StatusCode::UNPROCESSABLE_ENTITY, path, message)
        }
    })
}
