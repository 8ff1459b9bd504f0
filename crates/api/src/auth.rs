//! The one authorisation layer: the API key a request comes with, and what it may do.

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

/// What the API key `key` holds: the admin key's, or a stored key's; 401 for any other.
pub(crate) async fn key_permissions(state: &AppState, key: &str) -> Result<Permissions, ApiError> {
    if let Some(permissions) = state.keys.permissions(key) {
        return Ok(permissions);
    }
    let stored = state.services.store.find_api_key(&key_hash(key)).await?;
    let stored = stored.ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, "unknown API key"))?;
    Ok(Permissions::from_names(&stored.permissions))
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
    let permissions = match bearer(request.headers()) {
        Some(token) => {
            let client = crate::guesses::client_of(&request);
            let attempt = match state.guesses.check(client) {
                Ok(attempt) => attempt,
                Err(too_many) => return Ok(crate::guesses::refused(too_many)),
            };
            let permissions = key_permissions(&state, token).await;
            state.guesses.settle(attempt, matches!(&permissions, Err(e) if e.status == StatusCode::UNAUTHORIZED));
            permissions?
        }
        None => match sessions::token(request.headers()) {
            Some(token) => {
                sessions::refuse_cross_site(request.method(), request.headers())?;
                sessions::permissions(&state, token).await?
            }
            None => {
                return Err(ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "send an API key as `Authorization: Bearer <key>`, or log in (`POST /api/v1/auth/login`)",
                ));
            }
        },
    };
    if !permissions.holds(permission) {
        return Err(ApiError::new(StatusCode::FORBIDDEN, format!("this API key lacks the {permission} permission")));
    }
    request.extensions_mut().insert(Caller { permissions });
    Ok(next.run(request).await)
}
