//! `POST /api/v1/symphony/playbooks/test`: a draft run now, in-process, stored nowhere, with
//! some blocks answering given results: the console's "Test".

use std::collections::{BTreeMap, HashMap};

use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};
use riposte_engine::Plan;
use riposte_model::{NodeType, Playbook, RunStatus};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::json::Body;
use crate::playbooks::{definition, manual_trigger, within_body};
use crate::runs::{NodeView, node_key};
use crate::state::AppState;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TestRunBody {
    /// The draft, as it would be saved.
    #[schema(schema_with = crate::playbook_schema::playbook)]
    pub playbook: Playbook,
    /// The trigger's event: what the trigger node outputs.
    #[serde(default)]
    pub event: Map<String, Value>,
    /// The trigger node the run starts from: by default the Manual Trigger if there is one,
    /// else the first trigger.
    #[serde(default)]
    pub trigger: Option<String>,
    /// Action node id -> the results that block gives instead of being called: a mocked
    /// action, or one pinned to a past run's output. Used for this run only, never saved.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub mocks: Map<String, Value>,
}

/// What a test run did, node by node, as a run view shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TestRunView {
    #[schema(value_type = String)]
    pub status: RunStatus,
    pub duration_ms: Option<i64>,
    /// Node id (with `[i]` per enclosing loop iteration) -> what that node did.
    pub nodes: BTreeMap<String, NodeView>,
    /// The nodes that answered the results given in `mocks`.
    pub mocked: Vec<String>,
}

/// Runs a draft now and answers what each block did. Actions that are not mocked are called
/// for real. Nothing is stored; at most 4 test runs go on at once (429), each for at most 60
/// seconds (then cancelled).
#[utoipa::path(operation_id = "test_playbook", post, path = "/api/v1/symphony/playbooks/test", tag = "playbooks", request_body = TestRunBody, responses((status = 200, body = TestRunView), crate::error::Refused))]
pub async fn test(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Body(body): Body<TestRunBody>,
) -> ApiResult<Json<TestRunView>> {
    let playbook = body.playbook;
    crate::playbook_access::require(&state, &caller, &playbook, "$.playbook").await?;
    let mocks = checked_mocks(&playbook, body.mocks)?;
    let plan = Plan::build(&playbook, &state.services.registry.catalogue())
        .map_err(|problems| within_body(ApiError::diagnostics(StatusCode::UNPROCESSABLE_ENTITY, &problems)))?;
    let asked = manual_trigger(&definition(&playbook)?, body.trigger.as_deref())?;
    let trigger = plan.trigger_node(asked.as_deref()).ok_or_else(|| {
        ApiError::at(StatusCode::UNPROCESSABLE_ENTITY, "$.playbook.nodes", "a playbook needs a trigger")
    })?;
    let mut mocked: Vec<String> = mocks.keys().cloned().collect();
    mocked.sort();
    let report = state.services.test_run(&plan, trigger, Value::Object(body.event), mocks).await?;
    let mut nodes: Vec<(String, NodeView)> =
        report.nodes.into_iter().map(|n| (node_key(&n), NodeView::from(n))).collect();
    crate::run_view::fit(&mut nodes);
    Ok(Json(TestRunView {
        status: report.status,
        duration_ms: report.ended_at_ms.map(|end| end - report.started_at_ms),
        nodes: nodes.into_iter().collect(),
        mocked,
    }))
}

/// Mocks name action nodes of the draft.
fn checked_mocks(playbook: &Playbook, mocks: Map<String, Value>) -> ApiResult<HashMap<String, Value>> {
    for id in mocks.keys() {
        match playbook.nodes.get(id) {
            Some(node) if node.node_type == NodeType::Action => {}
            Some(_) => {
                return Err(ApiError::at(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    format!("$.mocks[{id:?}]"),
                    format!("node `{id}` is not an action: only actions can be mocked"),
                ));
            }
            None => {
                return Err(ApiError::at(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    format!("$.mocks[{id:?}]"),
                    format!("the playbook has no node `{id}`"),
                ));
            }
        }
    }
    Ok(mocks.into_iter().collect())
}
