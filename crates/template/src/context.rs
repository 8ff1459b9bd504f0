use std::collections::HashMap;
use std::sync::Arc;

use minijinja::Value;
use minijinja::value::{Enumerator, Object, ObjectRepr};

/// The outputs of the nodes that have run, as templates see them through `node`.
///
/// Ids are strings ("0", "12"); `node.0`, `node[0]` and `node['0']` all find the same entry.
/// A scope can sit on a parent scope (a foreach iteration sees the outputs of the nodes before the
/// loop), so iterations share what came before without copying it.
#[derive(Debug, Default, Clone)]
pub struct NodeOutputs {
    values: HashMap<String, Value>,
    parent: Option<Arc<NodeOutputs>>,
}

impl NodeOutputs {
    pub fn new() -> Self {
        Self::default()
    }

    /// A scope whose lookups fall back to `parent`.
    pub fn child_of(parent: Arc<NodeOutputs>) -> Self {
        NodeOutputs { values: HashMap::new(), parent: Some(parent) }
    }

    /// A node's output, read by templates where it lies (shared, not copied).
    pub fn insert_json(&mut self, node_id: &str, output: Arc<serde_json::Value>) {
        self.values.insert(node_id.to_string(), crate::json_view::json_value(output));
    }

    pub fn insert(&mut self, node_id: &str, output: Value) {
        self.values.insert(node_id.to_string(), output);
    }

    pub fn get(&self, node_id: &str) -> Option<&Value> {
        self.values.get(node_id).or_else(|| self.parent.as_deref().and_then(|p| p.get(node_id)))
    }

    fn ids(&self) -> Vec<Value> {
        let mut ids: Vec<&String> = self.values.keys().collect();
        let mut scope = self.parent.as_deref();
        while let Some(parent) = scope {
            ids.extend(parent.values.keys().filter(|k| !self.values.contains_key(*k)));
            scope = parent.parent.as_deref();
        }
        ids.sort();
        ids.dedup();
        ids.into_iter().map(|id| Value::from(id.as_str())).collect()
    }
}

impl Object for NodeOutputs {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        match key.as_str() {
            Some(id) => self.get(id).cloned(),
            // `node[1]` and `node.1` arrive as integers.
            None => i64::try_from(key.clone()).ok().and_then(|id| self.get(&id.to_string()).cloned()),
        }
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Values(self.ids())
    }
}

/// Everything a template can read during one render.
#[derive(Debug, Clone)]
pub struct RenderContext {
    pub nodes: Arc<NodeOutputs>,
    pub store: Value,
    /// The time the render happens at, in milliseconds since the epoch. Passed in rather than read
    /// from the clock so that a run replays to the same values.
    pub now_ms: i64,
}

impl RenderContext {
    pub(crate) fn to_value(&self) -> Value {
        minijinja::context! {
            node => Value::from_dyn_object(self.nodes.clone()),
            store => self.store.clone(),
            __now_ms => self.now_ms,
        }
    }
}
