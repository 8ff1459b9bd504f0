//! The one authorisation layer: the API key a request comes with, and what it may do.

use std::sync::Arc;

use axum::Extension;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::http::header::AUTHORIZATION;
use axum::middleware::Next;
use axum::response::Response;
use riposte_model::{Permission, Permissions};

use crate::error::ApiError;
use crate::keys::key_hash;
use crate::sessions;
use crate::state::AppState;

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
pub fn bearer(headers: &axum::http::HeaderMap) -> Option<&str> {
    let (scheme, token) = headers.get(AUTHORIZATION)?.to_str().ok()?.trim_start().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// The key a request came with (itself or through a session), for handlers that act on the
/// caller's behalf.
#[derive(Debug, Clone)]
pub struct Caller {
    pub permissions: Permissions,
    /// The key's hash: what the per-key shares of limited resources are counted by.
    pub key: Arc<str>,
    /// The key's name (`admin` for the key the server holds): the author of what it writes.
    pub name: Arc<str>,
}

/// The name of the keys the server holds in memory.
pub const ADMIN: &str = "admin";

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

/// What the API key `key` holds: the admin key's, or a stored key's; 401 for any other.
pub(crate) async fn key_permissions(state: &AppState, key: &str) -> Result<Permissions, ApiError> {
    key_caller(state, key).await.map(|caller| caller.permissions)
}

/// The caller the API key `key` makes: the admin key, or a stored key; 401 for any other.
pub(crate) async fn key_caller(state: &AppState, key: &str) -> Result<Caller, ApiError> {
    if let Some(permissions) = state.keys.permissions(key) {
        // The server holds one key: its name tells it apart.
        return Ok(Caller { permissions, key: ADMIN.into(), name: ADMIN.into() });
    }
    let hash = key_hash(key);
    let stored = state.services.store.find_api_key(&hash).await?;
    let stored = stored.ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, "unknown API key"))?;
    Ok(Caller { permissions: Permissions::from_names(&stored.permissions), key: hash.into(), name: stored.name.into() })
}

/// The one authorisation layer, with the permission a group of routes needs as its state:
/// 401 without a valid key or session, 403 without the permission (or for a cross-site request
/// made with a session); the handlers get the [`Caller`].
pub async fn authorise(
    State(permission): State<Permission>,
    Extension(state): Extension<AppState>,
    mut request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let caller = match bearer(request.headers()) {
        Some(token) => {
            let client = crate::guesses::client_of(&request);
            let attempt = match state.guesses.check(client) {
                Ok(attempt) => attempt,
                Err(too_many) => return Ok(crate::guesses::refused(too_many)),
            };
            let caller = key_caller(&state, token).await;
            state.guesses.settle(attempt, matches!(&caller, Err(e) if e.status == StatusCode::UNAUTHORIZED));
            caller?
        }
        None => match sessions::token(request.headers()) {
            Some(token) => {
                sessions::refuse_cross_site(request.method(), request.headers())?;
                sessions::caller(&state, token).await?
            }
            None => {
                return Err(ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "send an API key as `Authorization: Bearer <key>`, or log in (`POST /api/v1/auth/login`)",
                ));
            }
        },
    };
    if !caller.holds(permission) {
        return Err(ApiError::new(StatusCode::FORBIDDEN, format!("this API key lacks the {permission} permission")));
    }
    request.extensions_mut().insert(caller);
    Ok(next.run(request).await)
}
