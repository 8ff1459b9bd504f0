//! API keys and the permissions they carry, named like Sekoia's.

use axum::Extension;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::http::header::AUTHORIZATION;
use axum::middleware::Next;
use axum::response::Response;

use riposte_model::{Permission, Permissions};

use crate::error::ApiError;
use crate::state::AppState;

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

/// API keys held in memory (the admin key) by secret, each with its permissions.
#[derive(Debug, Default)]
pub struct Keys {
    keys: Vec<(String, Permissions)>,
}

impl Keys {
    pub fn add(&mut self, secret: &str, permissions: Permissions) {
        self.keys.push((secret.to_string(), permissions));
    }

    fn permissions(&self, secret: &str) -> Option<Permissions> {
        // Every key is compared, each in full, so that timing says nothing about which prefix
        // of which key matched.
        let mut found = None;
        for (key, permissions) in &self.keys {
            if riposte_model::same_secret(key, secret) {
                found = Some(*permissions);
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

/// The token of an `Authorization: Bearer <token>` header (the scheme in any case, RFC 7235).
pub(crate) fn bearer(headers: &axum::http::HeaderMap) -> Option<&str> {
    let (scheme, token) = headers.get(AUTHORIZATION)?.to_str().ok()?.trim_start().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// The permissions of the key a request came with, for handlers that act on the caller's behalf.
#[derive(Debug, Clone, Copy)]
pub struct Caller {
    pub permissions: Permissions,
}

impl Caller {
    pub fn holds(&self, permission: Permission) -> bool {
        self.permissions.holds(permission)
    }

    /// Refuses with 403 unless the key holds `permission`, saying what needs it.
    pub fn require(&self, permission: Permission, what_needs_it: &str) -> Result<(), ApiError> {
        if self.holds(permission) {
            return Ok(());
        }
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            format!("{what_needs_it}: this API key lacks the {permission} permission"),
        ))
    }
}

/// The one authorisation layer, with the permission a group of routes needs as its state:
/// 401 without a valid key, 403 without the permission; the handlers get the [`Caller`].
pub async fn authorise(
    State(permission): State<Permission>,
    Extension(state): Extension<AppState>,
    mut request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let token = bearer(request.headers())
        .ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, "send an API key as `Authorization: Bearer <key>`"))?;
    let permissions = match state.keys.permissions(token) {
        Some(permissions) => permissions,
        None => {
            let stored = state.services.store.find_api_key(&key_hash(token)).await?;
            let stored = stored.ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, "unknown API key"))?;
            Permissions::from_names(&stored.permissions)
        }
    };
    if !permissions.holds(permission) {
        return Err(ApiError::new(StatusCode::FORBIDDEN, format!("this API key lacks the {permission} permission")));
    }
    request.extensions_mut().insert(Caller { permissions });
    Ok(next.run(request).await)
}
