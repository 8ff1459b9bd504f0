//! `POST /api/v1/symphony/templates/render`: a template rendered as a run would render it,
//! against outputs the caller gives: the editor's inline previews.

use axum::Json;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{ApiError, ApiResult};
use crate::json::Body;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RenderBody {
    /// A template string, or any JSON with template strings inside (an argument's value).
    pub template: Value,
    /// Node id -> what that node output: what `node.<id>` reads.
    #[serde(default)]
    pub nodes: Map<String, Value>,
    /// What `store` reads.
    #[serde(default)]
    pub store: Map<String, Value>,
    /// Render a string as text that must be JSON, as for an argument whose schema wants an
    /// object or an array.
    #[serde(default)]
    pub json: bool,
}

/// What a template gives, or why it fails: one of the two.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Rendered {
    /// What the template gives (a single expression keeps its type); absent when it fails.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
    /// Why it fails (a key that does not exist, a syntax error, a limit), naming the expression.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Renders a template with the engine's semantics and limits, storing nothing: the editor's
/// previews. A template that fails is answered with why, not refused.
#[utoipa::path(operation_id = "render_template", post, path = "/api/v1/symphony/templates/render", tag = "playbooks", request_body = RenderBody, responses((status = 200, body = Rendered), crate::error::Refused))]
pub async fn render(Body(body): Body<RenderBody>) -> ApiResult<Json<Rendered>> {
    // A render may take up to its fuel and memory bounds: on a thread of its own, a few at once.
    let _slot = PREVIEWS.acquire().await.map_err(|_| unavailable("the server is stopping".into()))?;
    let rendered = tokio::task::spawn_blocking(move || {
        let store = Value::Object(body.store);
        match riposte_engine::preview(&body.template, &body.nodes, &store, body.json, riposte_worker::now_ms()) {
            Ok(value) => Rendered { value: Some(value), error: None },
            Err(error) => Rendered { value: None, error: Some(error) },
        }
    })
    .await
    .map_err(|e| unavailable(format!("the render stopped: {e}")))?;
    Ok(Json(rendered))
}

fn unavailable(detail: String) -> ApiError {
    ApiError::new(StatusCode::SERVICE_UNAVAILABLE, detail)
}

/// Previews rendered at once; more wait their turn. Each may hold the render memory budget.
static PREVIEWS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(4);
