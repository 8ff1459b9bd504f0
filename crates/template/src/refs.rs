//! Static look at template sources: is a string a template, which nodes does it read.

use std::sync::LazyLock;

use regex::Regex;

/// True when `text` contains Jinja syntax and must be rendered.
pub fn is_template(text: &str) -> bool {
    text.contains("{{") || text.contains("{%") || text.contains("{#")
}

static NODE_REF: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"\bnode\s*(?:\.\s*([A-Za-z0-9_-]+)|\[\s*(?:'([^']*)'|"([^"]*)"|(\d+))\s*\])"#).expect("valid regex")
});

/// Ids of the nodes a template reads through `node.<id>`, `node['<id>']` or `node[<id>]`, in
/// order of first appearance. Dynamic lookups (`node[some_var]`) cannot be known statically and
/// are not reported.
pub fn node_references(text: &str) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for caps in NODE_REF.captures_iter(text) {
        let id = (1..=4).find_map(|i| caps.get(i)).map(|m| m.as_str().to_string()).unwrap_or_default();
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_every_syntax_of_node_references() {
        let text = r#"{{ node.0['alert_uuid'] }} {{ node['12'].x }} {{ node[3] }} {{ node["7"] }} {{ node.0 }} {{ mynode.9 }}"#;
        assert_eq!(node_references(text), vec!["0", "12", "3", "7"]);
    }

    #[test]
    fn plain_strings_are_not_templates() {
        assert!(!is_template("https://example.com/{id}"));
        assert!(is_template("{{ x }}"));
        assert!(is_template("{% if x %}y{% endif %}"));
    }
}
