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
        require_object(&held.bytes)?;
        parse(&held.bytes).map(Body)
    }
}

/// Every request body of this API is a JSON object: serde would take an array for a struct
/// (`[[]]` as its fields in order), which no client means.
fn require_object(bytes: &[u8]) -> Result<(), ApiError> {
    match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => Ok(()),
        _ if serde_json::from_slice::<serde::de::IgnoredAny>(bytes).is_err() => {
            parse::<serde::de::IgnoredAny>(bytes).map(drop)
        }
        _ => Err(ApiError::at(StatusCode::UNPROCESSABLE_ENTITY, "$", "the body must be a JSON object")),
    }
}

/// Parses JSON, naming the JSON path (or line and column) of the first problem.
pub fn parse<'de, T: serde::Deserialize<'de>>(bytes: &'de [u8]) -> Result<T, ApiError> {
    riposte_model::parse_json(bytes).map_err(|riposte_model::ModelError::Parse { path, message, syntax }| {
        if syntax {
            ApiError::new(StatusCode::BAD_REQUEST, message)
        } else {
            ApiError::at(StatusCode::UNPROCESSABLE_ENTITY, path, message)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_object_is_a_body() {
        assert!(require_object(b" {\"a\": 1}").is_ok());
        for (body, status) in [(&b"[[]]"[..], 422), (b"\"x\"", 422), (b"3", 422), (b"[", 400), (b"", 400)] {
            let err = require_object(body).unwrap_err();
            assert_eq!(err.status.as_u16(), status, "{}", String::from_utf8_lossy(body));
        }
    }
}
