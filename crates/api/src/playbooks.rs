//! `/api/v1/symphony/playbooks`: Sekoia playbook JSON in, immutable versions, activation.

use std::collections::{BTreeMap, BTreeSet};

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use riposte_engine::{Checked, Diagnostic, check, validate};
use riposte_host::ComponentStatus;
use riposte_model::{Catalogue, Playbook};
use riposte_modules::{scheduler, sekoiaio};
use riposte_services::{Owner, ServiceError, TriggerOf, new_run, triggers_of};
use riposte_store::{NewPlaybook, Paged, PlaybookFilter, PlaybookOrder, PlaybookRecord, StoreError};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::json::Body;
use crate::playbook_access;
use crate::state::AppState;
use crate::{PageQuery, page, query};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PlaybookBody {
    #[schema(schema_with = crate::playbook_schema::playbook)]
    pub playbook: Playbook,
}

/// A new version of a playbook.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PlaybookUpdate {
    #[schema(schema_with = crate::playbook_schema::playbook)]
    pub playbook: Playbook,
    /// The version this edit started from. If the playbook was saved since, nothing is saved
    /// and the answer is 409. Left out, the new version is saved whatever came before.
    #[serde(default, deserialize_with = "riposte_model::whole::optional_unsigned")]
    #[schema(minimum = 1)]
    pub base_version: Option<i64>,
}

/// A playbook as the API shows it: its current version and what stops it from running.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PlaybookView {
    pub uuid: String,
    pub name: String,
    pub active: bool,
    pub version: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deactivation_reason: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub playbook: Value,
    /// Configuration issues: while there are some, the playbook cannot be activated.
    #[schema(value_type = Vec<DiagnosticDoc>)]
    pub problems: Vec<Diagnostic>,
    /// What is odd but does not stop the playbook from running (a template that reads a node
    /// the playbook does not have), each with its path.
    #[schema(value_type = Vec<DiagnosticDoc>)]
    pub warnings: Vec<Diagnostic>,
    /// When an installed module's process is the trigger: how it is doing (`running`,
    /// `restarting`, `crashed`, `stopped`), why it stopped, and its latest logs.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub trigger_status: Option<ComponentStatus>,
    /// When several trigger nodes are installed modules' processes: how each is doing, by
    /// node id (`trigger_status` is the first of them).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    #[schema(value_type = Object)]
    pub trigger_statuses: BTreeMap<String, ComponentStatus>,
}

/// The engine's findings, and the platform's own about triggers and configurations, each path
/// named once.
async fn checked(state: &AppState, definition: &Value) -> ApiResult<Checked> {
    let Checked { mut problems, warnings } = match serde_json::from_value::<Playbook>(definition.clone()) {
        Ok(playbook) => {
            let catalogue = state.services.registry.catalogue();
            let unknown = unknown_configurations(state, &playbook).await?;
            let mut checked = check(&playbook, &catalogue);
            checked.problems.extend(configuration_problems(&playbook, &catalogue, &unknown));
            checked
        }
        Err(e) => Checked {
            problems: vec![Diagnostic::new("$", format!("stored playbook is unreadable: {e}"))],
            ..Checked::default()
        },
    };
    // Each argument is named once: a cron left empty is "empty", not also "does not parse".
    for problem in trigger_problems(definition) {
        if !problems.iter().any(|p| p.path == problem.path) {
            problems.push(problem);
        }
    }
    Ok(Checked { problems, warnings })
}

/// How the API shows a problem or a warning of the validator (`riposte_engine::Diagnostic`).
#[derive(utoipa::ToSchema)]
#[schema(as = Diagnostic)]
#[allow(dead_code)] // describes what the engine's `Diagnostic` serialises to
pub(crate) struct DiagnosticDoc {
    /// The node at fault, when there is one.
    node: Option<String>,
    /// JSON path of the value at fault, e.g. `$.nodes["3"].arguments.url`.
    path: String,
    message: String,
    /// How to fix it.
    hint: Option<String>,
}

async fn view(state: &AppState, record: PlaybookRecord) -> ApiResult<PlaybookView> {
    let Checked { problems, warnings } = checked(state, &record.definition).await?;
    let trigger_statuses: Vec<(String, ComponentStatus)> = triggers_of(&record.definition)
        .iter()
        .filter_map(|t| Some((t.node_id.clone(), state.services.component_status(&Owner::trigger(&record.uuid, t))?)))
        .collect();
    Ok(PlaybookView {
        trigger_status: trigger_statuses.first().map(|(_, status)| status.clone()),
        trigger_statuses: if trigger_statuses.len() > 1 {
            trigger_statuses.into_iter().collect()
        } else {
            BTreeMap::new()
        },
        uuid: record.uuid,
        name: record.name,
        active: record.active,
        version: record.version,
        deactivation_reason: record.deactivation_reason,
        created_at: record.created_at,
        updated_at: record.updated_at,
        playbook: record.definition,
        problems,
        warnings,
    })
}

/// The playbook's own `uuid` when it is a free UUID (a Sekoia import), a new one otherwise.
async fn choose_uuid(state: &AppState, playbook: &Playbook) -> ApiResult<String> {
    match playbook.uuid.as_deref().map(uuid::Uuid::parse_str) {
        Some(Ok(uuid)) => {
            let uuid = uuid.to_string();
            if state.services.store.get_playbook(&uuid).await?.is_some() {
                return Err(ApiError::at(
                    StatusCode::CONFLICT,
                    "$.playbook.uuid",
                    format!("playbook {uuid} exists already; update it with PUT"),
                ));
            }
            Ok(uuid)
        }
        Some(Err(_)) | None => Ok(uuid::Uuid::new_v4().to_string()),
    }
}

#[utoipa::path(operation_id = "create_playbook", post, path = "/api/v1/symphony/playbooks", tag = "playbooks", request_body = PlaybookBody, responses((status = 201, body = PlaybookView), crate::error::Refused))]
pub async fn create(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Body(body): Body<PlaybookBody>,
) -> ApiResult<(StatusCode, Json<PlaybookView>)> {
    let mut playbook = body.playbook;
    playbook_access::require(&state, &caller, &playbook, "$.playbook").await?;
    let uuid = choose_uuid(&state, &playbook).await?;
    playbook.uuid = Some(uuid.clone());
    let new = NewPlaybook {
        uuid,
        name: playbook.name.clone(),
        definition: definition(&playbook)?,
        now: riposte_worker::now_ms(),
    };
    let record = state.services.create_playbook(&new).await.map_err(|e| match e {
        ServiceError::Store(StoreError::Conflict(message)) => {
            ApiError::at(StatusCode::CONFLICT, "$.playbook.uuid", message)
        }
        other => other.into(),
    })?;
    Ok((StatusCode::CREATED, Json(view(&state, record).await?)))
}

#[utoipa::path(operation_id = "get_playbook", get, path = "/api/v1/symphony/playbooks/{uuid}", tag = "playbooks", params(("uuid" = String, Path)), responses((status = 200, body = PlaybookView), crate::error::Refused))]
pub async fn get(State(state): State<AppState>, Path(uuid): Path<String>) -> ApiResult<Json<PlaybookView>> {
    let record =
        state.services.store.get_playbook(&uuid).await?.ok_or_else(|| ApiError::not_found("playbook", &uuid))?;
    Ok(Json(view(&state, record).await?))
}

/// What the validator finds in a playbook that is not saved: the editor's live issues.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Validation {
    /// What stops the playbook from being turned on or run, each with its JSON path.
    #[schema(value_type = Vec<DiagnosticDoc>)]
    pub problems: Vec<Diagnostic>,
    /// What is odd but does not stop it.
    #[schema(value_type = Vec<DiagnosticDoc>)]
    pub warnings: Vec<Diagnostic>,
}

/// Checks a draft as saving and activating would, storing nothing.
#[utoipa::path(operation_id = "validate_playbook", post, path = "/api/v1/symphony/playbooks/validate", tag = "playbooks", request_body = PlaybookBody, responses((status = 200, body = Validation), crate::error::Refused))]
pub async fn validate_draft(
    State(state): State<AppState>,
    Body(body): Body<PlaybookBody>,
) -> ApiResult<Json<Validation>> {
    let definition = definition(&body.playbook)?;
    let Checked { problems, warnings } = checked(&state, &definition).await?;
    Ok(Json(Validation { problems, warnings }))
}

/// A saved version, as the list of versions shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct VersionSummary {
    pub version: i64,
    /// The playbook's name in that version.
    pub name: String,
    /// How many blocks that version has.
    pub blocks: usize,
    /// Whether it is the version the playbook runs now.
    pub current: bool,
}

/// The playbook's saved versions, newest first (each is read whole with `.../versions/{version}`).
#[utoipa::path(operation_id = "list_playbook_versions", get, path = "/api/v1/symphony/playbooks/{uuid}/versions", tag = "playbooks", params(("uuid" = String, Path), PageQuery), responses((status = 200, body = Object), crate::error::Refused))]
pub async fn versions(
    State(state): State<AppState>,
    Path(uuid): Path<String>,
    params: Result<Query<PageQuery>, QueryRejection>,
) -> ApiResult<Json<Paged<VersionSummary>>> {
    let Query(params) = query(params)?;
    let page = page(params.offset, params.limit)?;
    let record =
        state.services.store.get_playbook(&uuid).await?.ok_or_else(|| ApiError::not_found("playbook", &uuid))?;
    // A playbook that took a deleted one's UUID numbers its versions on from the deleted one's.
    let newest = record.version.saturating_sub(i64::try_from(page.offset).unwrap_or(i64::MAX));
    let oldest = newest.saturating_sub(i64::try_from(page.limit).unwrap_or(i64::MAX)).max(record.first_version - 1);
    let mut items = Vec::new();
    for version in ((oldest + 1)..=newest).rev() {
        let Some(definition) = state.services.store.get_version(&uuid, version).await? else { continue };
        items.push(VersionSummary {
            version,
            name: definition.get("name").and_then(Value::as_str).unwrap_or_default().to_string(),
            blocks: definition.get("nodes").and_then(Value::as_object).map_or(0, |nodes| nodes.len()),
            current: version == record.version,
        });
    }
    let total = u64::try_from(record.version - record.first_version + 1).unwrap_or(0);
    Ok(Json(Paged { total, items }))
}

/// One saved version of a playbook, as it was saved: what a run pinned to that version ran. A
/// deleted playbook has none (its runs still show what they ran).
#[utoipa::path(operation_id = "get_playbook_version", get, path = "/api/v1/symphony/playbooks/{uuid}/versions/{version}", tag = "playbooks", params(("uuid" = String, Path), ("version" = i64, Path, minimum = 1)), responses((status = 200, body = PlaybookVersion), crate::error::Refused))]
pub async fn version(
    State(state): State<AppState>,
    Path((uuid, version)): Path<(String, String)>,
) -> ApiResult<Json<PlaybookVersion>> {
    let version: i64 = version.parse().map_err(|_| {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, format!("a version is a whole number, not `{version}`"))
    })?;
    let not_found = || ApiError::not_found("playbook version", &format!("{uuid} v{version}"));
    let record = state.services.store.get_playbook(&uuid).await?.ok_or_else(not_found)?;
    if !(record.first_version..=record.version).contains(&version) {
        return Err(not_found());
    }
    let definition = state.services.store.get_version(&uuid, version).await?.ok_or_else(not_found)?;
    Ok(Json(PlaybookVersion { uuid, version, playbook: definition }))
}

/// A saved version of a playbook.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PlaybookVersion {
    pub uuid: String,
    pub version: i64,
    pub playbook: Value,
}

/// Which playbooks `GET /playbooks` lists, in which order, and how much of each.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PlaybookQuery {
    #[serde(default)]
    #[param(maximum = 9223372036854775807_u64)]
    pub offset: Option<u64>,
    /// 1 to 1000; 100 when absent. A page also stops at 8 MiB.
    #[serde(default)]
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u64>,
    /// Playbooks whose name holds this text, whatever the case of its ASCII letters.
    #[serde(default)]
    #[param(max_length = 200)]
    pub search: Option<String>,
    /// Only the playbooks on (`true`) or off (`false`).
    #[serde(default)]
    pub active: Option<bool>,
    /// `newest` (made last first, when absent), `name`, or `updated` (changed last first).
    #[serde(default)]
    #[param(inline)]
    pub sort: Option<PlaybookSort>,
    /// `true`: each playbook without its definition (`playbook`), as a list page shows it.
    #[serde(default)]
    pub summary: Option<bool>,
}

#[derive(Debug, Clone, Copy, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum PlaybookSort {
    Newest,
    Name,
    Updated,
}

/// Longest `search` text.
const MAX_SEARCH_CHARS: usize = 200;

impl PlaybookQuery {
    fn filter(&self) -> ApiResult<PlaybookFilter> {
        let search = self.search.as_deref().map(str::trim).filter(|s| !s.is_empty());
        if search.is_some_and(|s| s.chars().count() > MAX_SEARCH_CHARS) {
            return Err(ApiError::at(
                StatusCode::BAD_REQUEST,
                "search",
                format!("a search is at most {MAX_SEARCH_CHARS} characters"),
            ));
        }
        let order = match self.sort {
            None | Some(PlaybookSort::Newest) => PlaybookOrder::Newest,
            Some(PlaybookSort::Name) => PlaybookOrder::Name,
            Some(PlaybookSort::Updated) => PlaybookOrder::Updated,
        };
        Ok(PlaybookFilter { name: search.map(str::to_string), active: self.active, order })
    }
}

/// A playbook in a list: as [`PlaybookView`] shows it, with its definition unless the list was
/// asked for summaries.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PlaybookListItem {
    pub uuid: String,
    pub name: String,
    pub active: bool,
    pub version: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deactivation_reason: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    /// Its blocks, counted.
    pub nodes: usize,
    /// The definition; left out of summaries.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub playbook: Option<Value>,
    #[schema(value_type = Vec<DiagnosticDoc>)]
    pub problems: Vec<Diagnostic>,
    #[schema(value_type = Vec<DiagnosticDoc>)]
    pub warnings: Vec<Diagnostic>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub trigger_status: Option<ComponentStatus>,
}

impl PlaybookListItem {
    fn of(view: PlaybookView, summary: bool) -> Self {
        PlaybookListItem {
            nodes: view.playbook.get("nodes").and_then(Value::as_object).map_or(0, serde_json::Map::len),
            playbook: (!summary).then_some(view.playbook),
            uuid: view.uuid,
            name: view.name,
            active: view.active,
            version: view.version,
            deactivation_reason: view.deactivation_reason,
            created_at: view.created_at,
            updated_at: view.updated_at,
            problems: view.problems,
            warnings: view.warnings,
            trigger_status: view.trigger_status,
        }
    }
}

/// A page of playbooks.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PlaybookList {
    pub items: Vec<PlaybookListItem>,
    /// How many playbooks the filters admit in all.
    pub total: u64,
}

#[utoipa::path(operation_id = "list_playbooks", get, path = "/api/v1/symphony/playbooks", tag = "playbooks", params(PlaybookQuery), responses((status = 200, body = PlaybookList), crate::error::Refused))]
pub async fn list(
    State(state): State<AppState>,
    params: Result<Query<PlaybookQuery>, QueryRejection>,
) -> ApiResult<Json<PlaybookList>> {
    let Query(params) = query(params)?;
    let filter = params.filter()?;
    let paged = state.services.store.list_playbooks(&filter, page(params.offset, params.limit)?).await?;
    let summary = params.summary.unwrap_or(false);
    let mut items = Vec::with_capacity(paged.items.len());
    for record in paged.items {
        items.push(PlaybookListItem::of(view(&state, record).await?, summary));
    }
    Ok(Json(PlaybookList { total: paged.total, items }))
}

/// Saves a new version. An active playbook keeps running its current version unless the new
/// one is free of problems.
#[utoipa::path(operation_id = "update_playbook", put, path = "/api/v1/symphony/playbooks/{uuid}", tag = "playbooks", params(("uuid" = String, Path)), request_body = PlaybookUpdate, responses((status = 200, body = PlaybookView), crate::error::Refused))]
pub async fn update(
    State(state): State<AppState>,
    Path(uuid): Path<String>,
    Extension(caller): Extension<Caller>,
    Body(body): Body<PlaybookUpdate>,
) -> ApiResult<Json<PlaybookView>> {
    if body.base_version == Some(0) {
        return Err(ApiError::at(StatusCode::UNPROCESSABLE_ENTITY, "$.base_version", "versions start at 1"));
    }
    let current =
        state.services.store.get_playbook(&uuid).await?.ok_or_else(|| ApiError::not_found("playbook", &uuid))?;
    let mut playbook = body.playbook;
    playbook_access::require(&state, &caller, &playbook, "$.playbook").await?;
    playbook.uuid = Some(uuid.clone());
    if current.active {
        let catalogue = state.services.registry.catalogue();
        let mut problems = validate(&playbook, &catalogue);
        problems.extend(configuration_problems(
            &playbook,
            &catalogue,
            &unknown_configurations(&state, &playbook).await?,
        ));
        if !problems.is_empty() {
            return Err(within_body(ApiError::diagnostics(StatusCode::UNPROCESSABLE_ENTITY, &problems)));
        }
    }
    let record =
        state.services.store.save_version(&uuid, &definition(&playbook)?, &playbook.name, body.base_version).await?;
    Ok(Json(view(&state, record).await?))
}

#[utoipa::path(operation_id = "delete_playbook", delete, path = "/api/v1/symphony/playbooks/{uuid}", tag = "playbooks", params(("uuid" = String, Path)), responses((status = 204), crate::error::Refused))]
pub async fn delete(State(state): State<AppState>, Path(uuid): Path<String>) -> ApiResult<StatusCode> {
    state.services.delete_playbook(&uuid).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Turns a playbook on; refused, with the reasons, while it has configuration issues.
#[utoipa::path(post, path = "/api/v1/symphony/playbooks/{uuid}/activate", tag = "playbooks", params(("uuid" = String, Path)), responses((status = 200, body = PlaybookView), crate::error::Refused))]
pub async fn activate(
    State(state): State<AppState>,
    Path(uuid): Path<String>,
    Extension(caller): Extension<Caller>,
) -> ApiResult<Json<PlaybookView>> {
    let record =
        state.services.store.get_playbook(&uuid).await?.ok_or_else(|| ApiError::not_found("playbook", &uuid))?;
    require_stored(&state, &caller, &record).await?;
    let current = view(&state, record).await?;
    if !current.problems.is_empty() {
        return Err(within_body(ApiError::diagnostics(StatusCode::UNPROCESSABLE_ENTITY, &current.problems)));
    }
    Ok(Json(view(&state, state.services.store.set_active(&uuid, true, None).await?).await?))
}

#[utoipa::path(post, path = "/api/v1/symphony/playbooks/{uuid}/deactivate", tag = "playbooks", params(("uuid" = String, Path)), responses((status = 200, body = PlaybookView), crate::error::Refused))]
pub async fn deactivate(State(state): State<AppState>, Path(uuid): Path<String>) -> ApiResult<Json<PlaybookView>> {
    Ok(Json(view(&state, state.services.store.set_active(&uuid, false, None).await?).await?))
}

/// [`playbook_access::require`] for a stored playbook.
pub(crate) async fn require_stored(state: &AppState, caller: &Caller, record: &PlaybookRecord) -> ApiResult<()> {
    match serde_json::from_value::<Playbook>(record.definition.clone()) {
        Ok(playbook) => playbook_access::require(state, caller, &playbook, "$").await,
        Err(e) => Err(ApiError::new(StatusCode::CONFLICT, format!("stored playbook is unreadable: {e}"))),
    }
}

pub(crate) fn definition(playbook: &Playbook) -> ApiResult<Value> {
    serde_json::to_value(playbook).map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))
}

/// Diagnostics point into the playbook; in a request they sit under `$.playbook`.
pub(crate) fn within_body(mut error: ApiError) -> ApiError {
    for item in &mut error.errors {
        if let Some(path) = &mut item.path {
            *path = path.replacen('$', "$.playbook", 1);
        }
    }
    error
}

/// The trigger node a manual run starts from: the one asked for, else the Manual Trigger, else
/// the first.
pub(crate) fn manual_trigger(definition: &Value, asked: Option<&str>) -> ApiResult<Option<String>> {
    let triggers = triggers_of(definition);
    let chosen = match asked {
        Some(node) => triggers.iter().find(|t| t.node_id == node).ok_or_else(|| {
            let known: Vec<&str> = triggers.iter().map(|t| t.node_id.as_str()).collect();
            ApiError::at(
                StatusCode::UNPROCESSABLE_ENTITY,
                "$.trigger",
                format!("the playbook has no trigger node `{node}`; its triggers: {}", known.join(", ")),
            )
        })?,
        None => match triggers.iter().find(|t| t.is(sekoiaio::MODULE_UUID, sekoiaio::MANUAL_TRIGGER_UUID)) {
            Some(manual) => manual,
            None => return Ok(None),
        },
    };
    Ok(Some(chosen.node_id.clone()))
}

/// The configurations `playbook`'s blocks name that this server does not have.
async fn unknown_configurations(state: &AppState, playbook: &Playbook) -> ApiResult<BTreeSet<String>> {
    let named: BTreeSet<&str> = playbook
        .nodes
        .values()
        .filter_map(|node| node.module_configuration_uuid.as_deref())
        .filter(|uuid| !uuid.trim().is_empty())
        .collect();
    let mut unknown = BTreeSet::new();
    for uuid in named {
        if state.services.store.get_configuration(uuid).await?.is_none() {
            unknown.insert(uuid.to_string());
        }
    }
    Ok(unknown)
}

/// What the engine cannot know about configurations: on a server, a block that names no module
/// configuration runs with none, so a block of a module whose configuration has required fields
/// would fail each time it runs; so would a block that names a configuration the server does not
/// have (`unknown`), as a playbook imported from Sekoia does. A problem, not a warning: the
/// playbook saves, and it is turned on once each such block names an account of this server (an
/// imported template is fixed in the editor first).
fn configuration_problems(playbook: &Playbook, catalogue: &Catalogue, unknown: &BTreeSet<String>) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    for (id, node) in &playbook.nodes {
        if let Some(uuid) = node.module_configuration_uuid.as_deref().filter(|uuid| unknown.contains(*uuid)) {
            problems.push(
                Diagnostic::at_node(
                    id,
                    ".module_configuration_uuid",
                    format!(
                        "block `{}` names the module configuration {uuid}, which this server does not have: it would fail when it runs",
                        node.name
                    ),
                )
                .hint(CHOOSE_CONFIGURATION),
            );
            continue;
        }
        let named = node.module_configuration_uuid.as_deref().is_some_and(|uuid| !uuid.trim().is_empty());
        let Some(module) = node.module_uuid.as_deref().and_then(|uuid| catalogue.module(uuid)) else { continue };
        let required: Vec<&str> = module
            .configuration
            .get("required")
            .and_then(Value::as_array)
            .map(|fields| fields.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if named || required.is_empty() {
            continue;
        }
        problems.push(
            Diagnostic::at_node(
                id,
                ".module_configuration_uuid",
                format!(
                    "block `{}` needs a configuration of the module {} (it requires {}) and names none: it would fail when it runs",
                    node.name,
                    module.name,
                    required.join(", ")
                ),
            )
            .hint(CHOOSE_CONFIGURATION),
        );
    }
    problems
}

const CHOOSE_CONFIGURATION: &str =
    "choose one of the module's configurations for the block, or create one (/api/v1/symphony/module-configurations)";

/// What the engine cannot know about platform triggers: a cron expression must parse.
fn trigger_problems(definition: &Value) -> Vec<Diagnostic> {
    triggers_of(definition).iter().flat_map(cron_problems).collect()
}

fn cron_problems(trigger: &TriggerOf) -> Vec<Diagnostic> {
    if !trigger.is(scheduler::MODULE_UUID, scheduler::CRON_UUID) {
        return Vec::new();
    }
    let path = riposte_engine::diagnostic_path(&trigger.node_id, ".arguments.cron");
    match trigger.configuration.get("cron").and_then(Value::as_str) {
        None => vec![
            Diagnostic::new(path, "a cron trigger needs a `cron` expression")
                .hint("e.g. \"*/5 * * * *\" for every five minutes"),
        ],
        Some(expression) => match scheduler::parse(expression) {
            Ok(_) => Vec::new(),
            Err(message) => vec![Diagnostic::new(path, message).hint("five fields: minute hour day month weekday")],
        },
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ManualRun {
    /// The trigger's event: what the trigger node outputs.
    #[serde(default)]
    pub event: serde_json::Map<String, Value>,
    /// The id of the trigger node the run starts from. When absent: the playbook's Manual
    /// Trigger if it has one, else its first trigger.
    #[serde(default)]
    pub trigger: Option<String>,
}

/// Starts a run now with the given event, whatever the playbook's trigger and even when it is
/// off: for manual triggers, webhooks and trying a playbook out. The playbook's other triggers
/// are skipped in that run.
#[utoipa::path(post, path = "/api/v1/symphony/playbooks/{uuid}/run", tag = "playbooks", params(("uuid" = String, Path)), request_body = ManualRun, responses((status = 202, body = crate::runs::RunView), crate::error::Refused))]
pub async fn run(
    State(state): State<AppState>,
    Path(uuid): Path<String>,
    Extension(caller): Extension<Caller>,
    Body(body): Body<ManualRun>,
) -> ApiResult<(StatusCode, Json<crate::runs::RunView>)> {
    let record =
        state.services.store.get_playbook(&uuid).await?.ok_or_else(|| ApiError::not_found("playbook", &uuid))?;
    require_stored(&state, &caller, &record).await?;
    let problems = view(&state, record.clone()).await?.problems;
    if !problems.is_empty() {
        return Err(ApiError::diagnostics(StatusCode::UNPROCESSABLE_ENTITY, &problems));
    }
    let trigger = manual_trigger(&record.definition, body.trigger.as_deref())?;
    let uuid = riposte_services::new_record_uuid();
    let run =
        new_run(&record.uuid, record.version, uuid.clone(), "Manual run".into(), trigger, Value::Object(body.event));
    state.services.start(run).await?;
    Ok((StatusCode::ACCEPTED, Json(crate::runs::detailed(&state, &caller, &uuid).await?)))
}
