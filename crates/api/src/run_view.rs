//! A run view of bounded size, whatever the run did: a large output kept apart is shown as a
//! link to fetch it whole, and past a budget, nodes show only their status and are fetched one
//! by one (`GET .../runs/{uuid}/nodes/{node}`).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use riposte_model::{NodeReport, json_len};
use riposte_store::{OutputRef, RunRecord};
use serde_json::{Value, json};

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::runs::{NodeView, node_key, require_data};
use crate::state::AppState;

/// Bytes of node arguments, results and logs a run view holds at most.
pub const VIEW_BYTES: usize = 8 * 1024 * 1024;
/// An output kept apart that is larger than this is shown as a link rather than inline.
pub const VIEW_OUTPUT_BYTES: usize = 1024 * 1024;

/// Puts back the outputs kept apart that fit the view; the others become links.
pub(crate) async fn load_outputs(state: &AppState, run: &mut RunRecord) -> ApiResult<()> {
    let mut budget = VIEW_BYTES;
    let mut wanted = Vec::new();
    for reference in run.nodes.iter().filter_map(|n| n.results.as_ref().and_then(OutputRef::of)) {
        if reference.bytes <= VIEW_OUTPUT_BYTES && reference.bytes <= budget {
            budget -= reference.bytes;
            wanted.push(reference.key);
        }
    }
    let mut outputs = if wanted.is_empty() {
        Default::default()
    } else {
        state.services.store.run_outputs(&run.uuid, &wanted).await?
    };
    for node in &mut run.nodes {
        let Some(reference) = node.results.as_ref().and_then(OutputRef::of) else { continue };
        node.results = Some(match outputs.remove(&reference.key) {
            Some(output) => output,
            None => link(&run.uuid, &reference),
        });
    }
    Ok(())
}

fn link(run_uuid: &str, reference: &OutputRef) -> Value {
    json!({
        "$riposte_output": reference.key,
        "bytes": reference.bytes,
        "href": format!("/api/v1/symphony/runs/{run_uuid}/outputs/{}", reference.key),
    })
}

/// Empties the nodes past the view's budget, in order, and marks them `truncated`; past it,
/// the iterations of loops are left out altogether (a 100,000-item foreach would otherwise take
/// tens of megabytes of statuses alone). Returns how many were left out.
pub(crate) fn fit(nodes: &mut Vec<(String, NodeView)>) -> u64 {
    let mut left = VIEW_BYTES;
    let mut omitted = 0;
    nodes.retain_mut(|(key, node)| {
        // The key and its quotes and separators count too.
        let weight = json_len(&*node) + key.len() + 4;
        if weight <= left {
            left -= weight;
            return true;
        }
        node.arguments = None;
        node.results = None;
        node.logs = Vec::new();
        node.truncated = true;
        let status_only = json_len(&*node) + key.len() + 4;
        if status_only <= left {
            left -= status_only;
            return true;
        }
        left = 0;
        // A playbook's own nodes stay (their number is bounded by the playbook's size).
        let iteration = key.ends_with(']');
        omitted += u64::from(iteration);
        !iteration
    });
    omitted
}

/// An output of a run kept apart, whole.
#[utoipa::path(get, path = "/api/v1/symphony/runs/{uuid}/outputs/{key}", tag = "runs", params(("uuid" = String, Path), ("key" = String, Path, description = "The `$riposte_output` of a link in the run view")), responses((status = 200, description = "The output, as the action gave it", body = Object), (status = "4XX", description = "Missing permission, unknown run or output", body = crate::error::ErrorEnvelope)))]
pub async fn output(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((uuid, key)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let run = state.services.store.get_run(&uuid).await?.ok_or_else(|| ApiError::not_found("run", &uuid))?;
    require_data(&state, &caller, &run).await?;
    let mut outputs = state.services.store.run_outputs(&uuid, std::slice::from_ref(&key)).await?;
    outputs.remove(&key).map(Json).ok_or_else(|| ApiError::not_found("run output", &key))
}

/// One node of a run (`2`, or `2[0]` for the first iteration of a loop around it), whole: for
/// the nodes a large run's view shows `truncated`.
#[utoipa::path(get, path = "/api/v1/symphony/runs/{uuid}/nodes/{node}", tag = "runs", params(("uuid" = String, Path), ("node" = String, Path, description = "A key of the run view's `nodes`")), responses((status = 200, body = NodeView), (status = "4XX", description = "Missing permission, unknown run or node", body = crate::error::ErrorEnvelope)))]
pub async fn node(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((uuid, wanted)): Path<(String, String)>,
) -> ApiResult<Json<NodeView>> {
    let mut run = state.services.store.get_run(&uuid).await?.ok_or_else(|| ApiError::not_found("run", &uuid))?;
    require_data(&state, &caller, &run).await?;
    if let Ok(nodes) = state.services.runs.runner().nodes(&run).await {
        run.nodes = nodes;
    }
    let found: Option<NodeReport> = run.nodes.into_iter().find(|n| node_key(n) == wanted);
    let mut node =
        found.ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, format!("run {uuid} has no node {wanted}")))?;
    if let Some(reference) = node.results.as_ref().and_then(OutputRef::of) {
        let mut outputs = state.services.store.run_outputs(&uuid, std::slice::from_ref(&reference.key)).await?;
        node.results = Some(outputs.remove(&reference.key).unwrap_or_else(|| link(&uuid, &reference)));
    }
    Ok(Json(NodeView::from(node)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(results: Value) -> (String, NodeView) {
        let report = NodeReport::unreached("1", "n", riposte_model::NodeStatus::Succeeded);
        let mut view = NodeView::from(report);
        view.results = Some(results);
        ("1".into(), view)
    }

    #[test]
    fn nodes_past_the_budget_are_left_out_and_marked() {
        let big = Value::String("x".repeat(VIEW_BYTES / 3));
        let mut nodes: Vec<_> = (0..5).map(|_| node(big.clone())).collect();
        assert_eq!(fit(&mut nodes), 0);
        let kept: Vec<bool> = nodes.iter().map(|(_, n)| n.truncated).collect();
        assert_eq!(kept, [false, false, true, true, true]);
        assert!(nodes[2].1.results.is_none());
    }

    #[test]
    fn iterations_past_the_budget_are_left_out_and_counted() {
        let mut nodes: Vec<(String, NodeView)> = (0..100_000)
            .map(|i| {
                let (_, mut view) = node(Value::String("r".repeat(100)));
                view.name = "Request URL".into();
                (format!("2[{i}]"), view)
            })
            .collect();
        nodes.push(node(json!(1)));
        let omitted = fit(&mut nodes);
        assert!(omitted > 0 && omitted < 100_000, "{omitted}");
        assert_eq!(nodes.len() as u64 + omitted, 100_001);
        assert_eq!(nodes.last().unwrap().0, "1", "the playbook's own nodes stay");
        let shown: std::collections::BTreeMap<_, _> = nodes.into_iter().collect();
        assert!(json_len(&shown) <= VIEW_BYTES + 1024, "{}", json_len(&shown));
    }
}
