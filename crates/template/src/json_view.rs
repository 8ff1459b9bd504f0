//! JSON values read by templates where they lie.
//!
//! A node's output is kept once, as the JSON values the run records, and templates read it
//! through a view: a list or a map is a [`JsonView`] (the shared output and the way down to that
//! part of it), and only the numbers, strings and booleans a template reaches become template
//! values. Converting every output into template values instead would hold each output twice
//! (a list of small numbers costs 72 bytes an item as JSON values and 24 more as template values)
//! and convert what no template reads.

use std::sync::Arc;

use minijinja::Value;
use minijinja::value::{Enumerator, Object, ObjectExt, ObjectRepr};
use serde_json::Value as Json;

/// `json` as a template reads it: the same value as a conversion gives, without the copy.
pub fn json_value(json: Arc<Json>) -> Value {
    view(&json, Vec::new())
}

/// The way from a view's root to the part it shows.
#[derive(Debug, Clone)]
enum Step {
    Key(Arc<str>),
    Index(usize),
}

/// A list or a map inside a shared JSON value.
#[derive(Debug)]
struct JsonView {
    root: Arc<Json>,
    path: Vec<Step>,
}

impl JsonView {
    /// The part shown. The path was walked when the view was made, and the root never changes.
    fn here(&self) -> &Json {
        let mut at = &*self.root;
        for step in &self.path {
            at = match (step, at) {
                (Step::Key(key), Json::Object(map)) => &map[&**key],
                (Step::Index(index), Json::Array(items)) => &items[*index],
                _ => unreachable!("a view's path leads to a list or a map"),
            };
        }
        at
    }

    fn child(&self, step: Step) -> Value {
        let mut path = self.path.clone();
        path.push(step);
        view(&self.root, path)
    }
}

/// The value at `path` in `root` (which must lead somewhere): scalars converted, lists and maps
/// viewed.
fn view(root: &Arc<Json>, path: Vec<Step>) -> Value {
    let probe = JsonView { root: root.clone(), path };
    match probe.here() {
        Json::Null => Value::from(()),
        Json::Bool(b) => Value::from(*b),
        Json::Number(n) => number(n),
        Json::String(s) => Value::from(s.as_str()),
        Json::Array(_) | Json::Object(_) => Value::from_object(probe),
    }
}

/// As minijinja's conversion of JSON numbers gives them.
fn number(n: &serde_json::Number) -> Value {
    if let Some(i) = n.as_i64() {
        Value::from(i)
    } else if let Some(u) = n.as_u64() {
        Value::from(u)
    } else {
        Value::from(n.as_f64().unwrap_or(f64::NAN))
    }
}

impl Object for JsonView {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        match self.here() {
            Json::Array(_) => ObjectRepr::Seq,
            _ => ObjectRepr::Map,
        }
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        match self.here() {
            Json::Array(items) => {
                let index = key.as_usize().filter(|i| *i < items.len())?;
                Some(self.child(Step::Index(index)))
            }
            Json::Object(map) => {
                let (key, _) = map.get_key_value(key.as_str()?)?;
                Some(self.child(Step::Key(Arc::from(key.as_str()))))
            }
            _ => None,
        }
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        match self.here() {
            Json::Array(items) => Enumerator::Seq(items.len()),
            Json::Object(_) => self.mapped_rev_key_value_enumerator(|this| {
                let Json::Object(map) = this.here() else { unreachable!("a map stays a map") };
                Box::new(
                    map.keys().map(|key| (Value::from(key.as_str()), this.child(Step::Key(Arc::from(key.as_str()))))),
                )
            }),
            _ => Enumerator::Empty,
        }
    }

    fn enumerator_len(self: &Arc<Self>) -> Option<usize> {
        match self.here() {
            Json::Array(items) => Some(items.len()),
            Json::Object(map) => Some(map.len()),
            _ => Some(0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn both(json: Json) -> (Value, Value) {
        (crate::to_value(&json), json_value(Arc::new(json)))
    }

    #[test]
    fn reads_as_a_conversion_does() {
        let sample = json!({
            "rule": {"name": "r", "severity": 70},
            "numbers": [1, -2, 3.5, 18446744073709551615_u64],
            "empty": {}, "none": null, "yes": true, "list": [], "nested": [[1, {"a": "b"}]],
        });
        let (converted, viewed) = both(sample.clone());
        assert_eq!(converted, viewed);
        assert_eq!(converted.to_string(), viewed.to_string());
        assert_eq!(serde_json::to_value(&viewed).unwrap(), sample, "serialised back whole, in order");
        for key in ["rule", "numbers", "empty", "none", "yes", "list", "nested", "absent"] {
            let (a, b) = (converted.get_attr(key).unwrap(), viewed.get_attr(key).unwrap());
            assert_eq!((a.kind(), a.is_true(), a.len()), (b.kind(), b.is_true(), b.len()), "{key}");
            assert_eq!(a.to_string(), b.to_string(), "{key}");
        }
        let numbers = viewed.get_attr("numbers").unwrap();
        assert_eq!(numbers.get_item(&Value::from(1)).unwrap(), Value::from(-2));
        assert!(numbers.get_item(&Value::from(9)).unwrap().is_undefined());
        assert_eq!(numbers.get_item(&Value::from(-1)).unwrap(), Value::from(u64::MAX));
        let keys: Vec<String> = viewed.try_iter().unwrap().map(|k| k.to_string()).collect();
        assert_eq!(keys, ["rule", "numbers", "empty", "none", "yes", "list", "nested"]);
    }

    #[test]
    fn templates_read_a_view_as_a_converted_value() {
        let env = minijinja::Environment::new();
        let output = json!({"rule": {"name": "r"}, "items": [3, 1, 2], "map": {"b": 1, "a": 2}});
        let (converted, viewed) = both(output);
        for template in [
            "{{ o.rule.name }} {{ o['rule']['name'] }} {{ o.items|length }} {{ o.items|sort }} {{ o.items[-1] }}",
            "{% for k, v in o.map|items %}{{ k }}={{ v }};{% endfor %}{{ o.map|dictsort }}",
            "{{ o.items + [4] }} {{ o|tojson }} {{ o.items|sum }} {{ 2 in o.items }} {{ 'a' in o.map }}",
            "{{ o.rule == {'name': 'r'} }} {{ o.items == [3, 1, 2] }} {{ o }} {{ o.missing is defined }}",
        ] {
            let render = |o: &Value| env.render_str(template, minijinja::context! { o => o.clone() }).unwrap();
            assert_eq!(render(&converted), render(&viewed), "{template}");
        }
    }
}
