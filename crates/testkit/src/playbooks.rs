//! Playbooks to start from, as Sekoia's JSON: a trigger node `"0"`, then actions `"1"`, `"2"`...
//! one after another.

use serde_json::{Value, json};

pub const SEKOIA_MODULE: &str = "92d8bb47-7c51-445d-81de-ae04edbb6f0a";
pub const MANUAL_TRIGGER: &str = "fc26eb9f-b272-4c15-b3bf-ace397c0dc57";
pub const ALERT_CREATED: &str = "785583cf-4377-43ce-a5fb-f4572eb57456";
pub const HTTP_MODULE: &str = "5894985f-91eb-46db-9306-cc5ac6463d3d";
pub const REQUEST_URL: &str = "40bcf3c0-aa8b-4111-9b4e-f3caffccb4e5";
pub const SCHEDULER_MODULE: &str = "1ad1b7ce-e335-4532-83ce-1d43c864720c";
pub const CRON: &str = "5039c9fe-b2d8-40b3-a11b-d2a810ddbf91";

/// The README's playbook (`examples/sync-alerts`): Alert Created, Get Alert, then Request URL
/// posting the alert's rule to `sink`.
pub fn seed(sink: &str) -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/sync-alerts/playbook.json");
    let mut playbook: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    playbook["nodes"]["2"]["arguments"]["url"] = json!(sink);
    playbook
}

/// `trigger` as node `"0"`, then `actions` one after another.
pub fn chain(name: &str, trigger: Value, actions: Vec<Value>) -> Value {
    let mut nodes = serde_json::Map::new();
    let count = actions.len();
    for (index, mut node) in std::iter::once(trigger).chain(actions).enumerate() {
        let next: Vec<String> = if index < count { vec![(index + 1).to_string()] } else { vec![] };
        node["outputs"] = json!({"default": next});
        nodes.insert(index.to_string(), node);
    }
    json!({"name": name, "nodes": nodes})
}

/// The built-in Manual Trigger: runs start by hand, with the event they are given.
pub fn manual_trigger() -> Value {
    json!({"name": "Manual Trigger", "type": "trigger", "module_uuid": SEKOIA_MODULE, "trigger_uuid": MANUAL_TRIGGER})
}

/// The built-in Cron trigger on `expression`.
pub fn cron_trigger(expression: &str) -> Value {
    json!({"name": "Cron", "type": "trigger", "module_uuid": SCHEDULER_MODULE, "trigger_uuid": CRON,
           "arguments": {"cron": expression}})
}

/// An action node of `module_uuid`.
pub fn action(name: &str, module_uuid: &str, action_uuid: &str, arguments: Value) -> Value {
    json!({"name": name, "type": "action", "module_uuid": module_uuid, "action_uuid": action_uuid,
           "arguments": arguments})
}

/// The built-in Request URL, posting `json` to `url`.
pub fn post_to(url: &str, json: Value) -> Value {
    action("Request URL", HTTP_MODULE, REQUEST_URL, json!({"url": url, "method": "post", "json": json}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chain_links_each_node_to_the_next() {
        let playbook =
            chain("p", manual_trigger(), vec![post_to("http://x", json!({})), post_to("http://y", json!({}))]);
        assert_eq!(playbook["nodes"]["0"]["outputs"]["default"], json!(["1"]));
        assert_eq!(playbook["nodes"]["1"]["outputs"]["default"], json!(["2"]));
        assert_eq!(playbook["nodes"]["2"]["outputs"]["default"], json!([]));
        assert_eq!(playbook["nodes"]["2"]["arguments"]["url"], "http://y");
        assert_eq!(seed("http://sink")["nodes"]["2"]["arguments"]["url"], "http://sink");
    }
}
