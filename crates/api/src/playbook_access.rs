//! What a playbook reads of this server, and the permission that takes. Its blocks run as the
//! server, so a key may save, turn on or start a playbook only when it could read what the
//! playbook reads itself: otherwise a key with `SYMPHONY` alone would read alerts through runs.

use axum::http::StatusCode;
use riposte_model::{Node, NodeType, Playbook};
use riposte_modules::sekoiaio;
use serde_json::Value;

use riposte_model::Permission;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Refuses with 403, naming the first node at fault, unless `caller` holds every permission
/// `playbook`'s blocks use on this server; with 422 when a node names a configuration of another
/// module than its own. `within` is where the playbook sits in the request (`$.playbook`, or `$`
/// when it is not in the body).
pub(crate) async fn require(state: &AppState, caller: &Caller, playbook: &Playbook, within: &str) -> ApiResult<()> {
    for (id, node) in &playbook.nodes {
        if let Some(uuid) = node.module_configuration_uuid.as_deref() {
            let path = riposte_engine::diagnostic_path(id, ".module_configuration_uuid").replacen('$', within, 1);
            crate::configurations::require_own(state, uuid, node.module_uuid.as_deref(), path).await?;
        }
    }
    if caller.holds(Permission::ReadAlerts) {
        return Ok(());
    }
    for (id, node) in &playbook.nodes {
        if let Some(reason) = reads_alerts(state, node).await? {
            let path = riposte_engine::diagnostic_path(id, "").replacen('$', within, 1);
            return Err(ApiError::at(
                StatusCode::FORBIDDEN,
                path,
                format!("{reason}: a key needs {} to save, turn on or run this playbook", Permission::ReadAlerts),
            ));
        }
    }
    Ok(())
}

/// Whether `playbook`'s runs may hold this server's alerts (its trigger's event, an action's
/// results): what a key without `SIC_READ_ALERTS` may not see of them.
pub(crate) async fn reads_alerts_of(state: &AppState, playbook: &Playbook) -> ApiResult<bool> {
    for node in playbook.nodes.values() {
        if reads_alerts(state, node).await?.is_some() {
            return Ok(true);
        }
    }
    Ok(false)
}

/// A Sekoia.io configuration without `base_url` reads this server's alerts: making one, or
/// changing one into that, takes what reading them takes.
pub(crate) fn require_for_configuration(
    caller: &Caller,
    module_uuid: &str,
    value: &serde_json::Map<String, Value>,
) -> ApiResult<()> {
    if !module_uuid.eq_ignore_ascii_case(sekoiaio::MODULE_UUID) || !local(value.get("base_url")) {
        return Ok(());
    }
    caller.require(Permission::ReadAlerts, "a Sekoia.io configuration without base_url reads this server's alerts")
}

fn local(base_url: Option<&Value>) -> bool {
    base_url.is_none_or(|url| url.is_null() || url == "")
}

/// Why `node` reads this server's alerts, if it does: an alert trigger hands alerts to its runs,
/// and a Sekoia.io action whose configuration names no `base_url` reads them here.
async fn reads_alerts(state: &AppState, node: &Node) -> ApiResult<Option<&'static str>> {
    if !node.module_uuid.as_deref().is_some_and(|m| m.eq_ignore_ascii_case(sekoiaio::MODULE_UUID)) {
        return Ok(None);
    }
    match node.node_type {
        NodeType::Trigger if node.trigger_uuid.as_deref().is_some_and(sekoiaio::is_alert_trigger) => {
            Ok(Some("this trigger hands the server's alerts to the runs"))
        }
        NodeType::Action if reads_locally(state, node.module_configuration_uuid.as_deref()).await? => {
            Ok(Some("this action reads the server's alerts (its configuration names no base_url)"))
        }
        _ => Ok(None),
    }
}

async fn reads_locally(state: &AppState, configuration_uuid: Option<&str>) -> ApiResult<bool> {
    let Some(uuid) = configuration_uuid else { return Ok(true) };
    let Some(configuration) = state.services.store.get_configuration(uuid).await? else { return Ok(true) };
    Ok(local(configuration.value.get("base_url")))
}
