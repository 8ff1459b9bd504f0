//! A readable account of a run: per node instance, what it was given, what it produced.

use riposte_model::{NodeReport, NodeStatus, RunReport, RunStatus};

use serde_json::Value;

use super::Run;
use crate::plan::{Plan, Step};

/// What reports show instead of a secret.
pub const REDACTED: &str = "***";

/// Names that carry a credential wherever they appear in arguments (HTTP headers, form fields),
/// compared without case and with `-` and `_` alike.
const CREDENTIAL_NAMES: [&str; 18] = [
    "authorization",
    "proxy_authorization",
    "cookie",
    "set_cookie",
    "x_api_key",
    "api_key",
    "apikey",
    "x_auth_token",
    "auth_token",
    "access_token",
    "refresh_token",
    "client_secret",
    "password",
    "passwd",
    "secret",
    "private_key",
    "x_sekoiaio_intake_key",
    "intake_key",
];

fn is_credential_name(name: &str) -> bool {
    let name = name.to_ascii_lowercase().replace('-', "_");
    CREDENTIAL_NAMES.contains(&name.as_str())
}

/// Arguments with the values of secret arguments, and of credential fields anywhere in them
/// (an `Authorization` header), replaced.
fn redacted(arguments: &Value, step: &Step) -> Value {
    let mut arguments = arguments.clone();
    if let (Step::Action(action), Some(object)) = (step, arguments.as_object_mut()) {
        for name in &action.secret_arguments {
            if let Some(value) = object.get_mut(name)
                && !value.is_null()
            {
                *value = Value::String(REDACTED.into());
            }
        }
    }
    redact_credentials(&mut arguments);
    arguments
}

fn redact_credentials(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (name, value) in map.iter_mut() {
                if is_credential_name(name) && !value.is_null() {
                    *value = Value::String(REDACTED.into());
                } else {
                    redact_credentials(value);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact_credentials),
        _ => {}
    }
}

impl Run {
    /// Every node of the playbook in playbook order, each instance of it in creation order;
    /// a node the run has not reached is reported once: pending while the run goes on (a node
    /// that will not run is skipped as soon as that is known), skipped once it has ended.
    pub fn report(&self, plan: &Plan) -> RunReport {
        let mut nodes = Vec::new();
        for (index, node) in plan.nodes.iter().enumerate() {
            let instances: Vec<_> = self.instances.iter().filter(|i| i.node == index).collect();
            if instances.is_empty() {
                let status = match self.status {
                    RunStatus::Cancelled => NodeStatus::Cancelled,
                    status if status.is_final() => NodeStatus::Skipped,
                    _ => NodeStatus::Pending,
                };
                nodes.push(NodeReport::unreached(&node.id, &node.name, status));
            }
            for instance in instances {
                nodes.push(NodeReport {
                    node_id: node.id.clone(),
                    name: node.name.clone(),
                    iteration: self.iteration_path(instance.frame),
                    status: instance.status,
                    attempts: instance.attempts,
                    arguments: instance.arguments.as_ref().map(|a| redacted(a, &node.step)),
                    results: instance.results.as_deref().cloned(),
                    error: instance.error.clone(),
                    logs: instance.logs.clone(),
                    branches: instance.branches.clone(),
                    started_at_ms: instance.started_at_ms,
                    ended_at_ms: instance.ended_at_ms,
                });
            }
        }
        RunReport {
            id: self.id.clone(),
            playbook: plan.name.clone(),
            status: self.status,
            started_at_ms: self.started_at_ms,
            ended_at_ms: self.ended_at_ms,
            nodes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn credential_fields_are_redacted_wherever_they_are() {
        let mut arguments = json!({
            "url": "https://tool.example",
            "headers": {"Authorization": "Bearer abc", "X-Api-Key": "k", "Accept": "application/json"},
            "json": {"users": [{"name": "n", "Password": "p"}]},
            "cookie": null,
        });
        redact_credentials(&mut arguments);
        assert_eq!(
            arguments,
            json!({
                "url": "https://tool.example",
                "headers": {"Authorization": "***", "X-Api-Key": "***", "Accept": "application/json"},
                "json": {"users": [{"name": "n", "Password": "***"}]},
                "cookie": null,
            })
        );
    }
}
