//! API keys and the permissions they carry, named like Sekoia's.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::http::header::AUTHORIZATION;
use axum::middleware::Next;
use axum::response::Response;

use crate::error::ApiError;
use crate::state::AppState;

pub const SIC_READ_ALERTS: &str = "SIC_READ_ALERTS";
pub const SIC_WRITE_ALERTS: &str = "SIC_WRITE_ALERTS";
pub const SYMPHONY: &str = "SYMPHONY";
pub const API_KEYS: &str = "API_KEYS";

/// Every permission the API checks.
pub const SIC_READ_INTAKES: &str = "SIC_READ_INTAKES";
pub const SIC_WRITE_INTAKES: &str = "SIC_WRITE_INTAKES";
pub const ALL_PERMISSIONS: [&str; 6] =
    [SIC_READ_ALERTS, SIC_WRITE_ALERTS, SYMPHONY, API_KEYS, SIC_READ_INTAKES, SIC_WRITE_INTAKES];

/// A new API key: 244 random bits (two v4 UUIDs, from rand's thread generator: ChaCha, seeded and
/// reseeded by the OS), as hex.
pub fn new_key() -> String {
    format!("rp_{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple())
}

/// How stored keys are found: the SHA-256 of the key, as hex.
pub fn key_hash(key: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(key.as_bytes()))
}

/// API keys by secret, each with its permissions.
#[derive(Debug, Default)]
pub struct Keys {
    keys: HashMap<String, Arc<HashSet<String>>>,
}

impl Keys {
    pub fn add(&mut self, secret: &str, permissions: &[&str]) {
        self.keys.insert(secret.to_string(), Arc::new(permissions.iter().map(|p| p.to_string()).collect()));
    }

    fn permissions(&self, secret: &str) -> Option<&Arc<HashSet<String>>> {
        // Compare every key in full so that timing says nothing about which prefix matched.
        let mut found = None;
        for (key, permissions) in &self.keys {
            if constant_time_eq(key.as_bytes(), secret.as_bytes()) {
                found = Some(permissions);
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bearer_scheme_is_read_in_any_case() {
        for (header, token) in
            [("Bearer k", Some("k")), ("bearer  k ", Some("k")), ("BEARER k", Some("k")), ("Basic k", None)]
        {
            let mut headers = axum::http::HeaderMap::new();
            headers.insert(AUTHORIZATION, header.parse().unwrap());
            assert_eq!(bearer(&headers), token, "{header}");
        }
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The token of an `Authorization: Bearer <token>` header (the scheme in any case, RFC 7235).
pub(crate) fn bearer(headers: &axum::http::HeaderMap) -> Option<&str> {
    let (scheme, token) = headers.get(AUTHORIZATION)?.to_str().ok()?.trim_start().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// The permissions of the key a request came with, for handlers that act on the caller's behalf.
#[derive(Debug, Clone)]
pub struct Caller {
    permissions: Arc<HashSet<String>>,
}

impl Caller {
    pub fn holds(&self, permission: &str) -> bool {
        self.permissions.contains(permission)
    }

    /// Refuses with 403 unless the key holds `permission`, saying what needs it.
    pub fn require(&self, permission: &str, what_needs_it: &str) -> Result<(), ApiError> {
        if self.holds(permission) {
            return Ok(());
        }
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            format!("{what_needs_it}: this API key lacks the {permission} permission"),
        ))
    }
}

/// Requires a key with `permission`: 401 without a valid key, 403 without the permission.
pub async fn require(
    permission: &'static str,
    state: &AppState,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let token = bearer(request.headers())
        .ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, "send an API key as `Authorization: Bearer <key>`"))?;
    let permissions = match state.keys.permissions(token) {
        Some(permissions) => permissions.clone(),
        None => {
            let stored = state.store.find_api_key(&key_hash(token)).await?;
            let stored = stored.ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, "unknown API key"))?;
            Arc::new(stored.permissions.into_iter().collect())
        }
    };
    if !permissions.contains(permission) {
        return Err(ApiError::new(StatusCode::FORBIDDEN, format!("this API key lacks the {permission} permission")));
    }
    let mut request = request;
    request.extensions_mut().insert(Caller { permissions });
    Ok(next.run(request).await)
}

pub async fn read_alerts(State(state): State<AppState>, request: Request, next: Next) -> Result<Response, ApiError> {
    require(SIC_READ_ALERTS, &state, request, next).await
}

pub async fn write_alerts(State(state): State<AppState>, request: Request, next: Next) -> Result<Response, ApiError> {
    require(SIC_WRITE_ALERTS, &state, request, next).await
}

pub async fn symphony(State(state): State<AppState>, request: Request, next: Next) -> Result<Response, ApiError> {
    require(SYMPHONY, &state, request, next).await
}

pub async fn api_keys(State(state): State<AppState>, request: Request, next: Next) -> Result<Response, ApiError> {
    require(API_KEYS, &state, request, next).await
}

pub async fn read_intakes(State(state): State<AppState>, request: Request, next: Next) -> Result<Response, ApiError> {
    require(SIC_READ_INTAKES, &state, request, next).await
}

pub async fn write_intakes(State(state): State<AppState>, request: Request, next: Next) -> Result<Response, ApiError> {
    require(SIC_WRITE_INTAKES, &state, request, next).await
}
