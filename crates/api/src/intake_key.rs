//! The intake key of a push, checked before its body is read: the intake is meant to face event
//! senders, so nobody without a key gets more than a small body into memory.
//!
//! The key comes, as on Sekoia.io, in the `X-SEKOIAIO-INTAKE-KEY` header, as the password of
//! Basic authentication, as the `intake_key` query parameter, or in the body. A body is read
//! whole before its key is checked only up to [`KEY_SEARCH_BYTES`]; past that its key must be its
//! first field, as Sekoia's SDK sends it (`{"intake_key": ..., "jsons": [...]}`).

use axum::extract::{FromRequest, Query, Request};
use axum::http::StatusCode;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use base64::Engine;
use riposte_store::IntakeRecord;
use serde::Deserialize;
use tokio::sync::OwnedSemaphorePermit;

use crate::body::{Held, require_json};
use crate::error::{ApiError, ApiResult};
use crate::intakes::MAX_INTAKE_BODY_BYTES;
use crate::json::parse;
use crate::state::AppState;

/// Bodies up to this size are read whole before their key is checked.
pub const KEY_SEARCH_BYTES: usize = 64 * 1024;

/// A body that may carry its intake key.
pub trait Keyed {
    fn intake_key(&self) -> Option<&str>;
}

/// The key as a query parameter, for the OpenAPI description.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct KeyQuery {
    /// Or the `X-SEKOIAIO-INTAKE-KEY` header, Basic authentication's password, or the body.
    pub intake_key: Option<String>,
}

/// A push to an intake: its body, held within the body budget, and the intake that a key given
/// outside the body (or first in a large one) opened. [`Pushed::open`] reads the body.
pub struct Pushed {
    opened: Option<IntakeRecord>,
    held: Held,
}

impl Pushed {
    /// The body as `T`, which may borrow from it (events are kept as the text they came as, not
    /// as a tree of values), and the intake its key opens.
    pub async fn open<'a, T: Deserialize<'a> + Keyed>(&'a self, state: &AppState) -> ApiResult<(IntakeRecord, T)> {
        let body: T = parse(&self.held.bytes)?;
        let intake = match (&self.opened, body.intake_key()) {
            (Some(intake), Some(key)) if key != intake.intake_key => {
                return Err(ApiError::at(
                    StatusCode::UNAUTHORIZED,
                    "$.intake_key",
                    "differs from the intake key given outside the body",
                ));
            }
            (Some(intake), _) => intake.clone(),
            (None, Some(key)) => open(state, key).await?,
            (None, None) => return Err(missing_key()),
        };
        Ok((intake, body))
    }

    /// Counts what the events of this push weigh, besides its body, against the shared body
    /// budget until the permit is dropped: each event's text again, `count` ids and rows.
    pub fn reserve_events(&self, count: usize) -> ApiResult<OwnedSemaphorePermit> {
        self.held.reserve(self.held.bytes.len().saturating_add(count.saturating_mul(EVENT_OVERHEAD_BYTES)))
    }
}

/// What an event costs besides its text while its push is stored and answered: its record, its
/// id twice over (record and answer) and its intake's.
const EVENT_OVERHEAD_BYTES: usize = 256;

impl FromRequest<AppState> for Pushed {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        require_json(req.headers())?;
        let (parts, body) = req.into_parts();
        let mut reader = state.bodies.reader(&parts.headers, body, MAX_INTAKE_BODY_BYTES)?;
        let mut opened = match key_outside_body(&parts) {
            Some(key) => Some(open(state, &key).await?),
            None => None,
        };
        if opened.is_none() && !reader.fill(KEY_SEARCH_BYTES).await? {
            let key = leading_key(&reader.prefix(KEY_SEARCH_BYTES)).ok_or_else(|| {
                ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    format!(
                        "a body over {KEY_SEARCH_BYTES} bytes must carry its intake key in the X-SEKOIAIO-INTAKE-KEY \
                         header or as its first field"
                    ),
                )
            })?;
            opened = Some(open(state, &key).await?);
        }
        let held = reader.finish().await?;
        Ok(Pushed { opened, held })
    }
}

fn missing_key() -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "send the intake key as `intake_key` or `X-SEKOIAIO-INTAKE-KEY`")
}

async fn open(state: &AppState, key: &str) -> ApiResult<IntakeRecord> {
    state
        .services
        .store
        .find_intake_by_key(key)
        .await?
        .ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, "no intake has this intake key"))
}

/// The key from the header, Basic authentication or the query string.
fn key_outside_body(parts: &Parts) -> Option<String> {
    if let Some(key) = parts.headers.get("x-sekoiaio-intake-key").and_then(|v| v.to_str().ok()) {
        return Some(key.trim().to_string());
    }
    if let Some(key) = basic_password(parts) {
        return Some(key);
    }
    Query::<KeyQuery>::try_from_uri(&parts.uri).ok()?.0.intake_key
}

fn basic_password(parts: &Parts) -> Option<String> {
    let value = parts.headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD.decode(encoded.trim()).ok()?;
    let (_, password) =
        String::from_utf8(decoded).ok()?.split_once(':').map(|(u, p)| (u.to_string(), p.to_string()))?;
    Some(password)
}

/// The value of `intake_key` when it is the first field of the JSON object `prefix` starts.
fn leading_key(prefix: &[u8]) -> Option<String> {
    let rest = skip_space(prefix).strip_prefix(b"{")?;
    let (name, rest) = string_token(skip_space(rest))?;
    if name != "intake_key" {
        return None;
    }
    let rest = skip_space(rest).strip_prefix(b":")?;
    string_token(skip_space(rest)).map(|(key, _)| key)
}

fn skip_space(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(bytes.len());
    &bytes[start..]
}

/// A JSON string at the start of `bytes`, decoded, and what follows it.
fn string_token(bytes: &[u8]) -> Option<(String, &[u8])> {
    if bytes.first() != Some(&b'"') {
        return None;
    }
    let mut escaped = false;
    let end = bytes.iter().enumerate().skip(1).find_map(|(i, &b)| {
        match (escaped, b) {
            (true, _) => escaped = false,
            (false, b'\\') => escaped = true,
            (false, b'"') => return Some(i),
            _ => {}
        }
        None
    })?;
    let text = serde_json::from_slice(&bytes[..=end]).ok()?;
    Some((text, &bytes[end + 1..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_leading_key_is_read_from_a_prefix() {
        let key = leading_key(b" { \"intake_key\" : \"k\\\"1\", \"jsons\": [\"a");
        assert_eq!(key.as_deref(), Some("k\"1"));
        assert_eq!(leading_key(b"{\"jsons\": [], \"intake_key\": \"k\"}"), None);
        assert_eq!(leading_key(b"{\"intake_key\": \"unfinished"), None);
        assert_eq!(leading_key(b"[\"intake_key\", \"k\"]"), None);
    }

    #[test]
    fn the_key_comes_from_a_header_basic_authentication_or_the_query() {
        let parts = |request: axum::http::request::Builder| request.body(()).unwrap().into_parts().0;
        let header = parts(Request::builder().uri("/x").header("X-SEKOIAIO-INTAKE-KEY", "h"));
        assert_eq!(key_outside_body(&header).as_deref(), Some("h"));
        let basic = base64::engine::general_purpose::STANDARD.encode("user:b");
        let basic = parts(Request::builder().uri("/x").header("authorization", format!("basic {basic}")));
        assert_eq!(key_outside_body(&basic).as_deref(), Some("b"));
        assert_eq!(key_outside_body(&parts(Request::builder().uri("/x?intake_key=q"))).as_deref(), Some("q"));
        assert_eq!(key_outside_body(&parts(Request::builder().uri("/x"))), None);
    }
}
