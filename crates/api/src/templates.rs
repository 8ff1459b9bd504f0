//! `POST /api/v1/symphony/templates/render`: a template rendered as a run would render it,
//! against outputs the caller gives: the editor's inline previews.

use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::ApiResult;
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
    // A render may take up to its fuel and memory bounds: a few at once in the whole server
    // (runs included), off the threads that serve requests.
    let store = Value::Object(body.store);
    let rendered = riposte_worker::long_render(|| {
        match riposte_engine::preview(&body.template, &body.nodes, &store, body.json, riposte_worker::now_ms()) {
            Ok(value) => Rendered { value: Some(value), error: None },
            Err(error) => Rendered { value: None, error: Some(error) },
        }
    })
    .await;
    Ok(Json(rendered))
}
