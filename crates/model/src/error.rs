use thiserror::Error;

/// Errors raised while reading model documents (playbooks, manifests).
#[derive(Debug, Error)]
pub enum ModelError {
    /// The document is not valid JSON/YAML or does not have the expected shape.
    /// `path` is a JSON path such as `$.nodes["3"].outputs`.
    /// `syntax` tells a document that is not JSON/YAML at all from one of the wrong shape.
    #[error("{path}: {message}")]
    Parse { path: String, message: String, syntax: bool },
}

/// Reads JSON into `T` (which may borrow from `bytes`); errors name the JSON path of the
/// offending value, or the line and column of a syntax error.
pub fn parse_json<'de, T: serde::Deserialize<'de>>(bytes: &'de [u8]) -> Result<T, ModelError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(ModelError::from_json)?;
    de.end().map_err(|e| ModelError::Parse {
        path: "$".into(),
        message: format!("trailing characters after the document: {e}"),
        syntax: true,
    })?;
    Ok(value)
}

impl ModelError {
    pub(crate) fn from_json(err: serde_path_to_error::Error<serde_json::Error>) -> Self {
        let path = json_path(&err.path().to_string());
        let inner = err.into_inner();
        let syntax = inner.is_syntax() || inner.is_eof();
        let message = if syntax {
            format!("invalid JSON at line {} column {}: {inner}", inner.line(), inner.column())
        } else {
            strip_position(&inner.to_string())
        };
        ModelError::Parse { path, message, syntax }
    }

    pub(crate) fn from_yaml(err: serde_path_to_error::Error<serde_norway::Error>) -> Self {
        let path = json_path(&err.path().to_string());
        let inner = err.into_inner();
        let message = match inner.location() {
            Some(loc) => {
                format!("{} (line {}, column {})", strip_position(&inner.to_string()), loc.line(), loc.column())
            }
            None => inner.to_string(),
        };
        ModelError::Parse { path, message, syntax: false }
    }
}

/// serde_path_to_error renders paths as `nodes.3.outputs`; users read JSON paths.
fn json_path(dotted: &str) -> String {
    if dotted == "." || dotted.is_empty() {
        return "$".to_string();
    }
    let mut out = String::from("$");
    for segment in dotted.split('.') {
        match segment.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
            Some(index) => out.push_str(&format!("[{index}]")),
            None => out.push_str(&key_segment(segment)),
        }
    }
    out
}

/// The JSON path step to `key` below an object: `.key` for plain names, `["key"]` otherwise.
pub fn key_segment(key: &str) -> String {
    let plain = key.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain { format!(".{key}") } else { format!("[{}]", serde_json::Value::from(key)) }
}

/// serde_json appends " at line L column C" which is meaningless once we report a path.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::json_path;

    #[test]
    fn paths_are_rendered_as_json_paths() {
        assert_eq!(json_path("."), "$");
        assert_eq!(json_path("nodes.3.outputs"), "$.nodes[\"3\"].outputs");
        assert_eq!(json_path("nodes.a b.cases.[0]"), "$.nodes[\"a b\"].cases[0]");
    }
}
