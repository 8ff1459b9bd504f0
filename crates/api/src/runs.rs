//! `/api/v1/symphony/runs`: what each run did, node by node; cancellation.

use std::collections::BTreeMap;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use riposte_model::{LogEntry, NodeReport, NodeStatus, Permission, Playbook, RunStatus};
use riposte_services::new_run;
use riposte_store::{Paged, RunFilter, RunRecord, RunState};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::json::Body;
use crate::state::AppState;
use crate::{page, query};

/// A run's status.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum RunStatusName {
    Pending,
    Running,
    Succeeded,
    Failed,
    Cancelled,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RunQuery {
    #[serde(default)]
    pub playbook_uuid: Option<String>,
    #[serde(default)]
    #[param(value_type = Option<RunStatusName>)]
    pub status: Option<RunStatus>,
    /// Epoch milliseconds, inclusive.
    #[serde(default)]
    pub created_from: Option<i64>,
    #[serde(default)]
    pub created_to: Option<i64>,
    /// The run's name exactly: `Sekoia.io Alert: <short id>` gives the runs an alert started.
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    #[param(maximum = 9223372036854775807_u64)]
    pub offset: Option<u64>,
    #[serde(default)]
    /// 1 to 1000; 100 when absent. A page also stops at 8 MiB.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u64>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RunView {
    pub uuid: String,
    pub playbook_uuid: String,
    pub playbook_version: i64,
    pub name: String,
    /// The short id of the alert the run is about, for the runs an alert starts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alert_short_id: Option<String>,
    #[schema(value_type = String)]
    pub status: RunStatus,
    pub created_at: String,
    pub started_at: Option<String>,
    pub ended_at: Option<String>,
    pub duration_ms: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event: Option<Value>,
    /// In a run's detail, the trigger node it started from; absent means the playbook's first
    /// trigger. A playbook's other triggers show as skipped in the run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trigger_node: Option<String>,
    /// Node id (with `[i]` per enclosing loop iteration) -> what that node did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nodes: Option<BTreeMap<String, NodeView>>,
    /// Iterations of loops left out of `nodes`, past the view's size: each is still read by
    /// `GET .../runs/{uuid}/nodes/{node}[i]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub omitted_iterations: Option<u64>,
    /// Present when the run's data (event, arguments, results, logs, errors) is withheld from
    /// this key, saying why: the run's playbook reads the server's alerts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub withheld: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NodeView {
    pub name: String,
    #[schema(value_type = String)]
    pub status: NodeStatus,
    pub attempts: u32,
    pub arguments: Option<Value>,
    pub results: Option<Value>,
    #[schema(value_type = Vec<Object>)]
    pub logs: Vec<LogEntry>,
    pub error: Option<String>,
    pub branches: Vec<String>,
    pub started_at: Option<String>,
    pub ended_at: Option<String>,
    /// The view of a large run leaves this node's arguments, results and logs out: get it from
    /// `.../runs/{uuid}/nodes/{node}`.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
}

impl From<NodeReport> for NodeView {
    fn from(n: NodeReport) -> Self {
        NodeView {
            name: n.name,
            status: n.status,
            attempts: n.attempts,
            arguments: n.arguments,
            results: n.results,
            logs: n.logs,
            error: n.error,
            branches: n.branches,
            started_at: n.started_at_ms.map(iso_ms),
            ended_at: n.ended_at_ms.map(iso_ms),
            truncated: false,
        }
    }
}

fn iso_ms(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

pub(crate) fn node_key(node: &NodeReport) -> String {
    node.iteration.iter().fold(node.node_id.clone(), |key, i| format!("{key}[{i}]"))
}

pub(crate) fn view(run: RunRecord, detailed: bool) -> RunView {
    let mut omitted = 0;
    let nodes = detailed.then(|| {
        let mut nodes: Vec<(String, NodeView)> =
            run.nodes.into_iter().map(|n| (node_key(&n), NodeView::from(n))).collect();
        omitted = crate::run_view::fit(&mut nodes);
        nodes.into_iter().collect()
    });
    RunView {
        uuid: run.uuid,
        playbook_uuid: run.playbook_uuid,
        playbook_version: run.playbook_version,
        name: run.name,
        alert_short_id: run.alert,
        status: run.status,
        created_at: iso_ms(run.created_at),
        started_at: run.started_at.map(iso_ms),
        ended_at: run.ended_at.map(iso_ms),
        duration_ms: run.started_at.zip(run.ended_at).map(|(start, end)| end - start),
        error: run.error,
        trigger_node: run.trigger_node,
        event: detailed.then_some(run.trigger_event),
        nodes,
        omitted_iterations: (omitted > 0).then_some(omitted),
        withheld: None,
    }
}

/// Why a run's data is withheld from a key without `SIC_READ_ALERTS`.
const WITHHELD: &str = "this run's playbook reads the server's alerts: a key needs SIC_READ_ALERTS to see its event, arguments, results, logs and errors";

/// Whether `caller` may not see `run`'s data: it lacks `SIC_READ_ALERTS`, and the version that ran
/// reads the server's alerts (or can no longer be read to tell).
pub(crate) async fn withholds(state: &AppState, caller: &Caller, run: &RunRecord) -> ApiResult<bool> {
    if caller.holds(Permission::ReadAlerts) {
        return Ok(false);
    }
    let definition = state.services.store.get_version(&run.playbook_uuid, run.playbook_version).await?;
    match definition.and_then(|d| serde_json::from_value::<Playbook>(d).ok()) {
        Some(playbook) => crate::playbook_access::reads_alerts_of(state, &playbook).await,
        None => Ok(true),
    }
}

/// Refuses with 403 when `caller` may not see `run`'s data.
pub(crate) async fn require_data(state: &AppState, caller: &Caller, run: &RunRecord) -> ApiResult<()> {
    if withholds(state, caller, run).await? {
        return Err(ApiError::new(StatusCode::FORBIDDEN, WITHHELD));
    }
    Ok(())
}

/// The run's course alone: statuses, times and attempts.
fn withhold(view: &mut RunView) {
    let hidden = || Some("withheld".to_string());
    view.event = None;
    view.error = view.error.as_ref().and(hidden());
    for node in view.nodes.iter_mut().flat_map(|nodes| nodes.values_mut()) {
        node.arguments = None;
        node.results = None;
        node.logs = Vec::new();
        node.error = node.error.as_ref().and(hidden());
    }
    view.withheld = Some(WITHHELD.to_string());
}

#[utoipa::path(operation_id = "list_runs", get, path = "/api/v1/symphony/runs", tag = "runs", params(RunQuery), responses((status = 200, body = Object), crate::error::Refused))]
pub async fn list(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    params: Result<Query<RunQuery>, QueryRejection>,
) -> ApiResult<Json<Paged<RunView>>> {
    let Query(params) = query(params)?;
    let filter = RunFilter {
        playbook_uuid: params.playbook_uuid,
        status: params.status,
        created_from: params.created_from,
        created_to: params.created_to,
        name: params.name,
    };
    let paged = state.services.store.list_runs(&filter, page(params.offset, params.limit)?).await?;
    // Read once per version the page holds.
    let mut withheld: BTreeMap<(String, i64), bool> = BTreeMap::new();
    let mut items = Vec::with_capacity(paged.items.len());
    for run in paged.items {
        let version = (run.playbook_uuid.clone(), run.playbook_version);
        let hide = match withheld.get(&version) {
            Some(hide) => *hide,
            None => *withheld.entry(version).or_insert(withholds(&state, &caller, &run).await?),
        };
        let mut shown = view(run, false);
        if hide {
            withhold(&mut shown);
        }
        items.push(shown);
    }
    Ok(Json(Paged { total: paged.total, items }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CountQuery {
    #[serde(default)]
    pub playbook_uuid: Option<String>,
    /// Epoch milliseconds, inclusive: `now - 7 days` gives the week's counts.
    #[serde(default)]
    pub created_from: Option<i64>,
    #[serde(default)]
    pub created_to: Option<i64>,
}

/// How many runs a playbook has, in all and by status.
#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
pub struct StatusCounts {
    pub total: u64,
    pub pending: u64,
    pub running: u64,
    pub succeeded: u64,
    pub failed: u64,
    pub cancelled: u64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RunCounts {
    /// Playbook UUID -> its counts; playbooks without a run in the period are left out.
    pub playbooks: BTreeMap<String, StatusCounts>,
}

/// Run counters by playbook and status, over a period.
#[utoipa::path(operation_id = "count_runs", get, path = "/api/v1/symphony/run-counts", tag = "runs", params(CountQuery), responses((status = 200, body = RunCounts), crate::error::Refused))]
pub async fn counts(
    State(state): State<AppState>,
    params: Result<Query<CountQuery>, QueryRejection>,
) -> ApiResult<Json<RunCounts>> {
    let Query(params) = query(params)?;
    let filter = RunFilter {
        playbook_uuid: params.playbook_uuid,
        created_from: params.created_from,
        created_to: params.created_to,
        ..Default::default()
    };
    let mut playbooks: BTreeMap<String, StatusCounts> = BTreeMap::new();
    for count in state.services.store.count_runs(&filter).await? {
        let counts = playbooks.entry(count.playbook_uuid).or_default();
        counts.total += count.count;
        *match count.status {
            RunStatus::Pending => &mut counts.pending,
            RunStatus::Running => &mut counts.running,
            RunStatus::Succeeded => &mut counts.succeeded,
            RunStatus::Failed => &mut counts.failed,
            RunStatus::Cancelled => &mut counts.cancelled,
        } += count.count;
    }
    Ok(Json(RunCounts { playbooks }))
}

#[utoipa::path(operation_id = "get_run", get, path = "/api/v1/symphony/runs/{uuid}", tag = "runs", params(("uuid" = String, Path)), responses((status = 200, body = RunView), crate::error::Refused))]
pub async fn get(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(uuid): Path<String>,
) -> ApiResult<Json<RunView>> {
    Ok(Json(detailed(&state, &caller, &uuid).await?))
}

/// A run with its per-node account (replayed from its journal while it goes on) and its large
/// outputs put back, as `caller` may see it.
pub(crate) async fn detailed(state: &AppState, caller: &Caller, uuid: &str) -> ApiResult<RunView> {
    let mut run = state.services.store.get_run(uuid).await?.ok_or_else(|| ApiError::not_found("run", uuid))?;
    let hide = withholds(state, caller, &run).await?;
    match state.services.runs.runner().nodes(&run).await {
        Ok(nodes) => run.nodes = nodes,
        // The stored account is the best there is; the runner reports the same error on the run.
        Err(e) => tracing::warn!(run = %uuid, error = %e, "cannot replay the run's journal"),
    }
    if hide {
        let mut shown = view(run, true);
        withhold(&mut shown);
        return Ok(shown);
    }
    crate::run_view::load_outputs(state, &mut run).await?;
    Ok(view(run, true))
}

/// Cancels a run that has not finished: running actions are stopped, nothing else starts.
#[utoipa::path(post, path = "/api/v1/symphony/runs/{uuid}/cancel", tag = "runs", params(("uuid" = String, Path)), responses((status = 202, body = RunView), crate::error::Refused))]
pub async fn cancel(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(uuid): Path<String>,
) -> ApiResult<(StatusCode, Json<RunView>)> {
    let run = state.services.store.get_run(&uuid).await?.ok_or_else(|| ApiError::not_found("run", &uuid))?;
    if run.status.is_final() {
        return Err(ApiError::new(StatusCode::CONFLICT, format!("run {uuid} is already {}", run.status)));
    }
    if !state.services.runs.cancel(&uuid) {
        if run.started_at.is_some() {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                format!("run {uuid} is being resumed; cancel it again in a moment"),
            ));
        }
        // Not started: nothing ran, nothing to stop.
        let now = riposte_worker::now_ms();
        let state_now = RunState::ended_unstarted(RunStatus::Cancelled, now, None);
        state.services.store.append_run_events(&uuid, run.journal_len, &[], &state_now).await?;
    }
    Ok((StatusCode::ACCEPTED, Json(detailed(&state, &caller, &uuid).await?)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "lowercase")]
pub enum RerunMode {
    /// A new run of the playbook's current version with the same trigger event.
    All,
    /// The same run again from its start, keeping what its succeeded actions produced.
    Failed,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RerunBody {
    pub mode: RerunMode,
}

#[utoipa::path(post, path = "/api/v1/symphony/runs/{uuid}/rerun", tag = "runs", params(("uuid" = String, Path)), request_body = RerunBody, responses((status = 202, body = RunView), crate::error::Refused))]
pub async fn rerun(
    State(state): State<AppState>,
    Path(uuid): Path<String>,
    Extension(caller): Extension<Caller>,
    Body(body): Body<RerunBody>,
) -> ApiResult<(StatusCode, Json<RunView>)> {
    let run = state.services.store.get_run(&uuid).await?.ok_or_else(|| ApiError::not_found("run", &uuid))?;
    let playbook =
        state.services.store.get_playbook(&run.playbook_uuid).await?.ok_or_else(|| {
            ApiError::new(StatusCode::CONFLICT, format!("playbook {} was deleted", run.playbook_uuid))
        })?;
    let target = match body.mode {
        RerunMode::All => {
            crate::playbooks::require_stored(&state, &caller, &playbook).await?;
            if let Some(node) = &run.trigger_node
                && !riposte_services::triggers_of(&playbook.definition).iter().any(|t| &t.node_id == node)
            {
                return Err(ApiError::new(
                    StatusCode::CONFLICT,
                    format!(
                        "the playbook's current version has no trigger node `{node}`, which this run started from; start a run with POST /api/v1/symphony/playbooks/{}/run",
                        playbook.uuid
                    ),
                ));
            }
            let new_uuid = riposte_services::new_record_uuid();
            let again = new_run(
                &playbook.uuid,
                playbook.version,
                new_uuid.clone(),
                run.name,
                run.trigger_node,
                run.trigger_event,
            );
            state.services.start(again).await?;
            new_uuid
        }
        RerunMode::Failed => {
            // The version that ran is the one that runs again.
            require_version(&state, &caller, &run).await?;
            state.services.rerun_failed(&uuid).await?;
            uuid
        }
    };
    Ok((StatusCode::ACCEPTED, Json(detailed(&state, &caller, &target).await?)))
}

/// Refuses unless `caller` may run the version `run` ran (as saving it would require).
async fn require_version(state: &AppState, caller: &Caller, run: &RunRecord) -> ApiResult<()> {
    let definition = state.services.store.get_version(&run.playbook_uuid, run.playbook_version).await?;
    let definition = definition.ok_or_else(|| {
        ApiError::new(StatusCode::CONFLICT, format!("version {} of the playbook is gone", run.playbook_version))
    })?;
    match serde_json::from_value::<Playbook>(definition) {
        Ok(playbook) => crate::playbook_access::require(state, caller, &playbook, "$").await,
        Err(e) => Err(ApiError::new(StatusCode::CONFLICT, format!("the version that ran is unreadable: {e}"))),
    }
}
