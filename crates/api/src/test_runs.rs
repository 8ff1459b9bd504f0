//! `POST /api/v1/symphony/playbooks/test`: a draft run now, in-process, stored nowhere, with
//! some blocks answering given results: the console's "Test".

use std::collections::{BTreeMap, HashMap, HashSet};

use axum::extract::State;
use axum::{Extension, Json};
use riposte_engine::{Diagnostic, Plan};
use riposte_model::{NodeType, Playbook};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::auth::Caller;
use crate::error::ApiResult;
use crate::json::Body;
use crate::playbooks::{definition, manual_trigger};
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
    /// Run only this node and the nodes before it: "Test this block" (with the blocks before it
    /// mocked, it runs alone on their outputs).
    #[serde(default)]
    pub stop_after: Option<String>,
}

/// What a test run did, node by node, as a run view shows it; or, for a draft that cannot run,
/// why (`status` is then `invalid`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TestRunView {
    /// The run's status, or `invalid` when the draft could not run.
    pub status: String,
    pub duration_ms: Option<i64>,
    /// Node id (with `[i]` per enclosing loop iteration) -> what that node did.
    pub nodes: BTreeMap<String, NodeView>,
    /// Iterations of loops left out of `nodes`, past the view's size.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub omitted_iterations: Option<u64>,
    /// The nodes that answered the results given in `mocks`.
    pub mocked: Vec<String>,
    /// Why the draft could not run, each with its path in the request (`$.playbook...`,
    /// `$.mocks...`, `$.trigger`); empty when it ran.
    #[schema(value_type = Vec<crate::playbooks::DiagnosticDoc>)]
    pub problems: Vec<Diagnostic>,
}

impl TestRunView {
    fn invalid(problems: Vec<Diagnostic>) -> Self {
        TestRunView {
            status: "invalid".into(),
            duration_ms: None,
            nodes: BTreeMap::new(),
            omitted_iterations: None,
            mocked: Vec::new(),
            problems,
        }
    }
}

/// Runs a draft now and answers what each block did. Actions that are not mocked are called
/// for real. Nothing is stored; at most 4 test runs go on at once, 2 per key (429), each for at most 60
/// seconds (then cancelled). A draft that cannot run is answered with its problems and runs
/// nothing.
#[utoipa::path(operation_id = "test_playbook", post, path = "/api/v1/symphony/playbooks/test", tag = "playbooks", request_body = TestRunBody, responses((status = 200, body = TestRunView), crate::error::Refused))]
pub async fn test(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Body(body): Body<TestRunBody>,
) -> ApiResult<Json<TestRunView>> {
    let mut playbook = body.playbook;
    crate::playbook_access::require(&state, &caller, &playbook, "$.playbook").await?;
    // Held until the test run is answered: a key's share of the test runs going on.
    let _share = state.shares.test_runs.take(&caller.key)?;
    let mut problems = mock_problems(&playbook, &body.mocks);
    if let Some(last) = &body.stop_after {
        match playbook.nodes.contains_key(last) {
            true => playbook = up_to(playbook, last),
            false => problems.push(Diagnostic::new("$.stop_after", format!("the playbook has no node `{last}`"))),
        }
    }
    let plan = match Plan::build(&playbook, &state.services.registry.catalogue()) {
        Ok(plan) => Some(plan),
        Err(found) => {
            problems.extend(found.into_iter().map(|p| Diagnostic { path: p.path.replacen('$', "$.playbook", 1), ..p }));
            None
        }
    };
    let trigger = plan.as_ref().and_then(|plan| match trigger_of(plan, &playbook, body.trigger.as_deref()) {
        Ok(trigger) => Some(trigger),
        Err(problem) => {
            problems.push(problem);
            None
        }
    });
    let (Some(plan), Some(trigger), true) = (plan, trigger, problems.is_empty()) else {
        return Ok(Json(TestRunView::invalid(problems)));
    };
    let mut mocked: Vec<String> = body.mocks.keys().cloned().collect();
    mocked.sort();
    let mocks: HashMap<String, Value> = body.mocks.into_iter().collect();
    let report = state.services.test_run(&plan, trigger, Value::Object(body.event), mocks).await?;
    let mut nodes: Vec<(String, NodeView)> =
        report.nodes.into_iter().map(|n| (node_key(&n), NodeView::from(n))).collect();
    let omitted = crate::run_view::fit(&mut nodes);
    Ok(Json(TestRunView {
        omitted_iterations: (omitted > 0).then_some(omitted),
        status: report.status.to_string(),
        duration_ms: report.ended_at_ms.map(|end| end - report.started_at_ms),
        nodes: nodes.into_iter().collect(),
        mocked,
        problems: Vec::new(),
    }))
}

/// The trigger node the test starts from (as for a manual run), as an index of the plan's
/// triggers.
fn trigger_of(plan: &Plan, playbook: &Playbook, asked: Option<&str>) -> Result<usize, Diagnostic> {
    let definition =
        definition(playbook).map_err(|_| Diagnostic::new("$.playbook", "the playbook cannot be written as JSON"))?;
    let chosen = manual_trigger(&definition, asked).map_err(|e| {
        let detail = e.errors.first().map(|i| i.detail.clone()).unwrap_or_default();
        Diagnostic::new("$.trigger", detail)
    })?;
    plan.trigger_node(chosen.as_deref())
        .ok_or_else(|| Diagnostic::new("$.playbook.nodes", "a playbook needs a trigger"))
}

/// The playbook cut after `last`: that node and the nodes a run passes through before it,
/// without the links that leave them for the rest.
fn up_to(mut playbook: Playbook, last: &str) -> Playbook {
    // Each node's parents, read once: the walk back is then linear in the links.
    let mut parents: HashMap<&str, Vec<&str>> = HashMap::new();
    for (id, node) in &playbook.nodes {
        for target in node.outputs.values().flatten().chain(node.loop_entries.iter().flatten()) {
            parents.entry(target.as_str()).or_default().push(id.as_str());
        }
    }
    let mut kept: HashSet<String> = HashSet::from([last.to_string()]);
    let mut queue = vec![last];
    while let Some(id) = queue.pop() {
        for &parent in parents.get(id).into_iter().flatten() {
            if kept.insert(parent.to_string()) {
                queue.push(parent);
            }
        }
    }
    playbook.nodes.retain(|id, _| kept.contains(id));
    for (id, node) in playbook.nodes.iter_mut() {
        for targets in node.outputs.values_mut() {
            targets.retain(|t| kept.contains(t) && id != last);
        }
        if let Some(entries) = &mut node.loop_entries {
            entries.retain(|t| kept.contains(t) && id != last);
        }
    }
    playbook
}

/// Mocks name action nodes of the draft.
fn mock_problems(playbook: &Playbook, mocks: &Map<String, Value>) -> Vec<Diagnostic> {
    mocks
        .keys()
        .filter_map(|id| {
            let message = match playbook.nodes.get(id) {
                Some(node) if node.node_type == NodeType::Action => return None,
                Some(_) => format!("node `{id}` is not an action: only actions can be mocked"),
                None => format!("the playbook has no node `{id}`"),
            };
            Some(Diagnostic::new(format!("$.mocks[{id:?}]"), message))
        })
        .collect()
}
