//! Riposte's HTTP API. URLs follow Sekoia's (`/api/v1/sic/alerts`, `/api/v1/symphony/...`);
//! every failure answers with one envelope, `{"errors": [{"detail", "path"?, "hint"?}]}`.

mod alerts;
mod api_keys;
pub mod auth;
mod configurations;
mod dispatch;
mod error;
mod json;
mod playbooks;
mod runs;
mod schedule;
mod secrets;
mod state;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::extract::rejection::QueryRejection;
use axum::http::StatusCode;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};
use riposte_store::Page;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

pub use configurations::StoredConfigurations;
pub use error::{ApiError, ApiResult};
pub use schedule::run_schedule;
pub use secrets::Sealer;
pub use state::{AppState, Metrics};

/// Largest request body accepted.
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;
/// Largest page a list returns.
pub const MAX_PAGE: u64 = 1000;

pub fn router(state: AppState) -> Router {
    let read_alerts = Router::new()
        .route("/api/v1/sic/alerts", get(alerts::list))
        .route("/api/v1/sic/alerts/{id}", get(alerts::get))
        .route("/api/v1/sic/alerts/{id}/comments", get(alerts::comments))
        .route_layer(from_fn_with_state(state.clone(), auth::read_alerts));
    let write_alerts = Router::new()
        .route("/api/v1/sic/alerts", post(alerts::create))
        .route("/api/v1/sic/alerts/{id}", axum::routing::patch(alerts::update))
        .route("/api/v1/sic/alerts/{id}/comments", post(alerts::comment))
        .route_layer(from_fn_with_state(state.clone(), auth::write_alerts));
    let symphony = Router::new()
        .route("/api/v1/symphony/playbooks", get(playbooks::list).post(playbooks::create))
        .route(
            "/api/v1/symphony/playbooks/{uuid}",
            get(playbooks::get).put(playbooks::update).delete(playbooks::delete),
        )
        .route("/api/v1/symphony/playbooks/{uuid}/activate", post(playbooks::activate))
        .route("/api/v1/symphony/playbooks/{uuid}/deactivate", post(playbooks::deactivate))
        .route("/api/v1/symphony/playbooks/{uuid}/run", post(playbooks::run))
        .route("/api/v1/symphony/module-configurations", get(configurations::list).post(configurations::create))
        .route(
            "/api/v1/symphony/module-configurations/{uuid}",
            get(configurations::get).put(configurations::update).delete(configurations::delete),
        )
        .route("/api/v1/symphony/runs", get(runs::list))
        .route("/api/v1/symphony/runs/{uuid}", get(runs::get))
        .route("/api/v1/symphony/runs/{uuid}/cancel", post(runs::cancel))
        .route("/api/v1/symphony/runs/{uuid}/rerun", post(runs::rerun))
        .route_layer(from_fn_with_state(state.clone(), auth::symphony));
    let keys = Router::new()
        .route("/api/v1/api-keys", get(api_keys::list).post(api_keys::create))
        .route("/api/v1/api-keys/{uuid}", axum::routing::delete(api_keys::delete))
        .route_layer(from_fn_with_state(state.clone(), auth::api_keys));
    Router::new()
        .merge(keys)
        .merge(read_alerts)
        .merge(write_alerts)
        .merge(symphony)
        .route("/health", get(|| async { axum::Json(serde_json::json!({"status": "ok"})) }))
        .route("/metrics", get(metrics))
        .fallback(|| async { ApiError::new(StatusCode::NOT_FOUND, "no such endpoint") })
        .method_not_allowed_fallback(|| async {
            ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method not allowed on this endpoint")
        })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(TraceLayer::new_for_http().make_span_with(|request: &axum::http::Request<_>| {
            let id = request.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or_default();
            tracing::info_span!("request", method = %request.method(), uri = %request.uri().path(), request_id = %id)
        }))
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state)
}

/// Prometheus text format: run counters, action durations, runs waiting.
async fn metrics(axum::extract::State(state): axum::extract::State<AppState>) -> ApiResult<String> {
    let pending = state
        .store
        .list_runs(
            &riposte_store::RunFilter { status: Some(riposte_model::RunStatus::Pending), ..Default::default() },
            Page { offset: 0, limit: 1 },
        )
        .await?;
    state.metrics.runs_pending.set(pending.total as i64);
    let mut text = String::new();
    prometheus_client::encoding::text::encode(&mut text, &state.metrics.registry)
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    Ok(text)
}

fn query<T>(params: Result<T, QueryRejection>) -> ApiResult<T> {
    params.map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, format!("invalid query string: {}", e.body_text())))
}

fn page(offset: Option<u64>, limit: Option<u64>) -> ApiResult<Page> {
    let limit = limit.unwrap_or(100);
    if limit == 0 || limit > MAX_PAGE {
        return Err(ApiError::at(StatusCode::BAD_REQUEST, "limit", format!("limit must be between 1 and {MAX_PAGE}")));
    }
    Ok(Page { offset: offset.unwrap_or(0), limit })
}
