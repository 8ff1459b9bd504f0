//! The files of a module: `manifest.json`, the logo, component manifests, JSON formatting.

use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

const CATEGORIES: [&str; 9] = [
    "Applicative",
    "Cloud Providers",
    "Collaboration Tools",
    "Email",
    "Endpoint",
    "Generic",
    "IAM",
    "Network",
    "Threat Intelligence",
];
static SLUG: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^[a-z]([a-z_.\-]|\d)*$").expect("regex"));
static SEMVER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$").expect("regex")
});
const LOGO_MAX_BYTES: usize = 50 * 1024;

/// Problems of `manifest.json`'s content.
pub fn check_manifest(manifest: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    for field in ["uuid", "name", "slug"] {
        if manifest.get(field).and_then(Value::as_str).is_none_or(str::is_empty) {
            problems.push(format!("`{field}` is missing"));
        }
    }
    if let Some(slug) = manifest.get("slug").and_then(Value::as_str)
        && !SLUG.is_match(slug)
    {
        problems.push(format!("slug `{slug}` must match {}", SLUG.as_str()));
    }
    match manifest.get("version").and_then(Value::as_str) {
        None => problems.push("`version` is missing".into()),
        Some(version) if !SEMVER.is_match(version) => problems.push(format!("version `{version}` is not semver")),
        Some(_) => {}
    }
    match manifest.get("configuration") {
        None => problems.push("`configuration` is missing".into()),
        Some(schema) => problems.extend(schema_problems("configuration", schema)),
    }
    match manifest.get("categories").and_then(Value::as_array) {
        Some(categories) if !categories.is_empty() => {
            for category in categories {
                if !category.as_str().is_some_and(|c| CATEGORIES.contains(&c)) {
                    problems.push(format!("category {category} is not one of {}", CATEGORIES.join(", ")));
                }
            }
        }
        _ => problems.push("`categories` must list at least one category".into()),
    }
    problems
}

/// Problems of an `action_*.json`, `trigger_*.json` or `connector_*.json`.
pub fn check_component(kind: &str, manifest: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    for field in ["name", "uuid", "description", "docker_parameters"] {
        if !manifest.get(field).is_some_and(Value::is_string) {
            problems.push(format!("`{field}` must be a string"));
        }
    }
    let mut schemas = vec!["arguments"];
    if kind != "connector" {
        schemas.push("results");
    }
    for field in schemas {
        match manifest.get(field) {
            Some(schema @ Value::Object(_)) => problems.extend(schema_problems(field, schema)),
            _ => problems.push(format!("`{field}` must be an object (a JSON Schema)")),
        }
    }
    problems
}

/// Whether `schema` is a valid draft-07 JSON Schema.
fn schema_problems(field: &str, schema: &Value) -> Vec<String> {
    match jsonschema::draft7::meta::validate(schema) {
        Ok(()) => Vec::new(),
        Err(e) => vec![format!("`{field}` is not a valid draft-07 JSON Schema: {e}")],
    }
}

/// JSON files must be written as `json.dumps(value, indent=2)` writes them (a final newline
/// allowed), so that diffs stay readable.
pub fn check_format(text: &str, value: &Value) -> Option<String> {
    let pretty = serde_json::to_string_pretty(value).ok()?;
    let trimmed = text.strip_suffix('\n').unwrap_or(text);
    (trimmed != pretty && trimmed != python_ascii(&pretty)).then(|| "not formatted with a two-space indent".to_string())
}

/// Python's `json.dumps` escapes every non-ASCII character.
fn python_ascii(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii() {
                c.to_string()
            } else {
                c.encode_utf16(&mut [0; 2]).iter().map(|u| format!("\\u{u:04x}")).collect()
            }
        })
        .collect()
}

/// `logo.svg` passes; otherwise `logo.png` must be a square PNG of at most 50 KiB.
pub fn check_logo(dir: &Path) -> Option<String> {
    if dir.join("logo.svg").is_file() {
        return None;
    }
    let Ok(png) = std::fs::read(dir.join("logo.png")) else {
        return Some("no logo.svg or logo.png".into());
    };
    if png.len() < 24 || &png[..8] != b"\x89PNG\r\n\x1a\n" {
        return Some("logo.png is not a PNG".into());
    }
    let (width, height) =
        (u32::from_be_bytes(png[16..20].try_into().ok()?), u32::from_be_bytes(png[20..24].try_into().ok()?));
    if width != height {
        return Some(format!("logo.png is {width}x{height}; it must be square"));
    }
    (png.len() > LOGO_MAX_BYTES).then(|| format!("logo.png is {} bytes; at most {LOGO_MAX_BYTES}", png.len()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn manifests_need_identity_semver_schema_and_categories() {
        let good = json!({"uuid": "u", "name": "N", "slug": "n.x", "version": "1.0.0", "configuration": {"type": "object"}, "categories": ["Generic"]});
        assert!(check_manifest(&good).is_empty());
        let bad = json!({"uuid": "u", "name": "N", "slug": "N X", "version": "1.0", "configuration": {"type": 5}, "categories": ["Games"]});
        let problems = check_manifest(&bad);
        assert_eq!(problems.len(), 4, "{problems:?}");
        assert!(problems[0].starts_with("slug `N X`") && problems[1].contains("not semver"));
        assert!(problems[2].contains("not a valid draft-07") && problems[3].contains("\"Games\""));
    }

    #[test]
    fn components_need_strings_and_schemas() {
        let problems = check_component(
            "action",
            &json!({"name": "A", "uuid": 1, "description": "d", "docker_parameters": "a", "arguments": {}}),
        );
        assert_eq!(problems, vec!["`uuid` must be a string", "`results` must be an object (a JSON Schema)"]);
        assert!(
            check_component(
                "connector",
                &json!({"name": "C", "uuid": "u", "description": "d", "docker_parameters": "c", "arguments": {}})
            )
            .is_empty()
        );
    }

    #[test]
    fn json_must_be_indented_by_two() {
        let value = json!({"a": [1], "é": "ü"});
        assert_eq!(
            check_format("{\"a\":[1],\"é\":\"ü\"}", &value).as_deref(),
            Some("not formatted with a two-space indent")
        );
        assert_eq!(check_format(&format!("{}\n", serde_json::to_string_pretty(&value).unwrap()), &value), None);
        assert_eq!(
            check_format("{\n  \"a\": [\n    1\n  ],\n  \"\\u00e9\": \"\\u00fc\"\n}", &value),
            None,
            "as Python writes it"
        );
    }
}
