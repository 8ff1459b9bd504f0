//! Console sessions: an API key exchanged once for a session cookie (HttpOnly, SameSite=Strict),
//! so that the key never sits in a browser. A session grants what its key grants, for as long as
//! the key exists: a revoked key ends its sessions at their next request.
//!
//! Cross-site requests: besides SameSite, a state-changing request made with a session must say
//! it comes from a page of this server (the `X-Requested-With` header, which a form or a link of
//! another site cannot set) and, when the browser names its `Origin`, come from this host.

use axum::Json;
use axum::extract::State;
use axum::http::header::{COOKIE, HOST, ORIGIN, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use riposte_model::Permissions;
use riposte_store::SessionRecord;
use serde::{Deserialize, Serialize};

use crate::auth::key_permissions;
use crate::error::{ApiError, ApiResult};
use crate::guesses::{self, Client};
use crate::json::Body;
use crate::keys::key_hash;
use crate::state::AppState;

/// The session cookie's name.
pub const COOKIE_NAME: &str = "riposte_session";
/// How long a session lasts from its login.
pub const SESSION_HOURS: i64 = 12;
/// Sessions one key keeps open; a new login ends the oldest beyond.
pub const MAX_SESSIONS_PER_KEY: usize = 20;
/// The header a state-changing request made with a session carries.
pub const REQUESTED_WITH: &str = "x-requested-with";

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Login {
    /// The API key the session stands for; it is not kept in the browser.
    #[schema(min_length = 1)]
    pub api_key: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SessionView {
    /// What the session's key holds.
    pub permissions: Vec<String>,
    /// Epoch milliseconds.
    pub expires_at: i64,
}

/// Opens a session for an API key; the answer sets the session cookie.
///
/// Unknown keys are limited per client address and overall, counted with unknown bearer keys:
/// past the limit, 429 with `Retry-After`.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "sessions", security(()), request_body = Login, responses((status = 200, body = SessionView, description = "The session; `Set-Cookie` carries it"), (status = 429, body = crate::error::ErrorEnvelope, description = "Too many unknown keys from this address (or from all, and this address sent one lately)", headers(("Retry-After" = u64, description = "Seconds to wait"))), crate::error::Refused))]
pub async fn login(
    State(state): State<AppState>,
    Client(client): Client,
    headers: HeaderMap,
    Body(login): Body<Login>,
) -> ApiResult<Response> {
    let attempt = match state.guesses.check(client) {
        Ok(attempt) => attempt,
        Err(too_many) => return Ok(guesses::refused(too_many)),
    };
    let permissions = key_permissions(&state, login.api_key.trim()).await;
    state.guesses.settle(attempt, matches!(&permissions, Err(e) if e.status == StatusCode::UNAUTHORIZED));
    let permissions = permissions?;
    let token = crate::keys::new_key();
    let now = riposte_worker::now_ms();
    let session = SessionRecord {
        token_hash: key_hash(&token),
        key_hash: key_hash(login.api_key.trim()),
        created_at: now,
        expires_at: now + SESSION_HOURS * 3_600_000,
    };
    state.services.store.insert_session(&session, MAX_SESSIONS_PER_KEY).await?;
    let cookie = format!(
        "{COOKIE_NAME}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}",
        SESSION_HOURS * 3600,
        secure(&headers)
    );
    let view = SessionView { permissions: names(permissions), expires_at: session.expires_at };
    Ok(([(SET_COOKIE, header(&cookie)?)], Json(view)).into_response())
}

/// Ends the session of the request's cookie (one that ended already too), and clears the cookie;
/// 401 without a session cookie.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "sessions", security(("session" = [])), responses((status = 204, description = "The session ended; `Set-Cookie` clears it"), crate::error::Refused))]
pub async fn logout(headers: HeaderMap, State(state): State<AppState>) -> ApiResult<Response> {
    let token = token(&headers).ok_or_else(logged_out)?;
    refuse_cross_site(&Method::POST, &headers)?;
    state.services.store.delete_session(&key_hash(token)).await?;
    let cleared = format!("{COOKIE_NAME}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{}", secure(&headers));
    Ok((StatusCode::NO_CONTENT, [(SET_COOKIE, header(&cleared)?)]).into_response())
}

/// The session of the request's cookie: what it holds and until when.
#[utoipa::path(get, path = "/api/v1/auth/session", tag = "sessions", security(("session" = [])), responses((status = 200, body = SessionView), crate::error::Refused))]
pub async fn current(headers: HeaderMap, State(state): State<AppState>) -> ApiResult<Json<SessionView>> {
    let token = token(&headers).ok_or_else(logged_out)?;
    let (session, permissions) = open(&state, token).await?;
    Ok(Json(SessionView { permissions: names(permissions), expires_at: session.expires_at }))
}

/// The session token of the request's cookies.
pub fn token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE_NAME)
        .map(|(_, token)| token.trim())
        .filter(|token| !token.is_empty())
}

/// The caller the session of `token` makes: its key, while both exist.
pub async fn caller(state: &AppState, token: &str) -> ApiResult<crate::auth::Caller> {
    let (session, permissions) = open(state, token).await?;
    // The admin key is known by its name, as a bearer key (`auth::key_caller`).
    let (key, name): (std::sync::Arc<str>, std::sync::Arc<str>) =
        match state.keys.permissions_by_hash(&session.key_hash) {
            Some(_) => (crate::auth::ADMIN.into(), crate::auth::ADMIN.into()),
            None => {
                let stored = state.services.store.find_api_key(&session.key_hash).await?;
                (session.key_hash.into(), stored.map_or_else(|| "".into(), |k| k.name.into()))
            }
        };
    Ok(crate::auth::Caller { permissions, key, name })
}

async fn open(state: &AppState, token: &str) -> ApiResult<(SessionRecord, Permissions)> {
    let token_hash = key_hash(token);
    let session = state.services.store.find_session(&token_hash).await?.ok_or_else(logged_out)?;
    if session.expires_at <= riposte_worker::now_ms() {
        state.services.store.delete_session(&token_hash).await?;
        return Err(logged_out());
    }
    if let Some(permissions) = state.keys.permissions_by_hash(&session.key_hash) {
        return Ok((session, permissions));
    }
    match state.services.store.find_api_key(&session.key_hash).await? {
        Some(key) => Ok((session, Permissions::from_names(&key.permissions))),
        None => {
            // The key was revoked: its session ends here too.
            state.services.store.delete_session(&token_hash).await?;
            Err(logged_out())
        }
    }
}

/// Refuses a state-changing request made with a session that may come from another site.
pub fn refuse_cross_site(method: &Method, headers: &HeaderMap) -> ApiResult<()> {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return Ok(());
    }
    if !headers.contains_key(REQUESTED_WITH) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "a request that changes something with a session cookie must carry `X-Requested-With`",
        ));
    }
    let origin_host =
        headers.get(ORIGIN).and_then(|o| o.to_str().ok()).map(|o| o.split_once("://").map_or(o, |(_, h)| h));
    let host = headers.get(HOST).and_then(|h| h.to_str().ok());
    match (origin_host, host) {
        (Some(origin), Some(host)) if !origin.eq_ignore_ascii_case(host) => {
            Err(ApiError::new(StatusCode::FORBIDDEN, format!("a request from {origin} cannot use a session of {host}")))
        }
        _ => Ok(()),
    }
}

fn logged_out() -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "no session, or it ended: log in again")
}

fn names(permissions: Permissions) -> Vec<String> {
    permissions.iter().map(|p| p.name().to_string()).collect()
}

/// `; Secure` when the request came over HTTPS through a proxy that says so.
fn secure(headers: &HeaderMap) -> &'static str {
    let https =
        headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()).is_some_and(|p| p.eq_ignore_ascii_case("https"));
    if https { "; Secure" } else { "" }
}

fn header(value: &str) -> ApiResult<HeaderValue> {
    HeaderValue::from_str(value).map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        pairs.iter().map(|(name, value)| (axum::http::HeaderName::from_static(name), value.parse().unwrap())).collect()
    }

    #[test]
    fn the_session_cookie_is_found_among_others() {
        assert_eq!(token(&headers(&[("cookie", "a=1; riposte_session=tok; b=2")])), Some("tok"));
        assert_eq!(token(&headers(&[("cookie", "riposte_session=")])), None);
        assert_eq!(token(&headers(&[("cookie", "other_riposte_session=x")])), None);
    }

    #[test]
    fn a_change_made_with_a_session_must_come_from_this_host() {
        let same = headers(&[
            ("x-requested-with", "riposte"),
            ("host", "127.0.0.1:8080"),
            ("origin", "http://127.0.0.1:8080"),
        ]);
        assert!(refuse_cross_site(&Method::POST, &same).is_ok());
        let other =
            headers(&[("x-requested-with", "riposte"), ("host", "127.0.0.1:8080"), ("origin", "https://evil.example")]);
        assert!(refuse_cross_site(&Method::DELETE, &other).is_err());
        assert!(refuse_cross_site(&Method::POST, &headers(&[("host", "127.0.0.1:8080")])).is_err());
        assert!(refuse_cross_site(&Method::GET, &headers(&[])).is_ok(), "reading changes nothing");
    }
}
