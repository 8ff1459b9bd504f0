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

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Rendered {
    /// What the template gives: a single expression keeps its type.
    pub value: Value,
}

/// Renders a template with the engine's semantics and limits, storing nothing. A template that
/// fails (a key that does not exist, a syntax error, a limit) is a 422 naming the expression.
#[utoipa::path(operation_id = "render_template", post, path = "/api/v1/symphony/templates/render", tag = "playbooks", request_body = RenderBody, responses((status = 200, body = Rendered), crate::error::Refused))]
pub async fn render(Body(body): Body<RenderBody>) -> ApiResult<Json<Rendered>> {
    let store = Value::Object(body.store);
    riposte_engine::preview(&body.template, &body.nodes, &store, body.json, riposte_worker::now_ms())
        .map(|value| Json(Rendered { value }))
        .map_err(|message| ApiError::at(StatusCode::UNPROCESSABLE_ENTITY, "$.template", message))
}
