//! The inputs a component reads at start, where Sekoia's SDK reads them: the file
//! `/symphony/<name>`, else the environment variable `<NAME>`.

use std::collections::HashMap;
use std::path::PathBuf;

use base64::Engine;
use serde_json::Value;

use crate::SdkError;

/// Where inputs come from.
#[derive(Debug, Clone)]
pub enum Inputs {
    /// Files in a folder (Sekoia mounts `/symphony`), then environment variables.
    Process { folder: PathBuf },
    /// Given values, for tests and embedding.
    Given(HashMap<String, String>),
}

impl Inputs {
    pub fn process() -> Self {
        Inputs::Process { folder: PathBuf::from("/symphony") }
    }

    /// The text of input `name`, if given (an empty environment variable counts as absent).
    pub fn text(&self, name: &str) -> Option<String> {
        match self {
            Inputs::Process { folder } => std::fs::read_to_string(folder.join(name))
                .ok()
                .or_else(|| std::env::var(name.to_uppercase()).ok().filter(|v| !v.is_empty())),
            Inputs::Given(values) => values.get(name).cloned(),
        }
    }

    pub fn required_text(&self, name: &str) -> Result<String, SdkError> {
        self.text(name).ok_or_else(|| SdkError::MissingInput(name.to_string()))
    }

    /// Input `name` as JSON; environment values may also be base64 of JSON, as Sekoia's SDK
    /// accepts.
    pub fn json(&self, name: &str) -> Result<Option<Value>, SdkError> {
        let Some(text) = self.text(name) else { return Ok(None) };
        match serde_json::from_str(&text) {
            Ok(value) => Ok(Some(value)),
            Err(e) => base64::engine::general_purpose::STANDARD
                .decode(text.trim())
                .ok()
                .and_then(|bytes| serde_json::from_slice(&bytes).ok())
                .map(Some)
                .ok_or_else(|| SdkError::BadInput { name: name.to_string(), message: e.to_string() }),
        }
    }

    pub fn required_json(&self, name: &str) -> Result<Value, SdkError> {
        self.json(name)?.ok_or_else(|| SdkError::MissingInput(name.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn given(pairs: &[(&str, &str)]) -> Inputs {
        Inputs::Given(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
    }

    #[test]
    fn json_inputs_may_be_base64() {
        let inputs =
            given(&[("arguments", "eyJ1cmwiOiAiaHR0cDovL3gifQ=="), ("plain", r#"{"a": 1}"#), ("bad", "{nope")]);
        assert_eq!(inputs.json("arguments").unwrap(), Some(serde_json::json!({"url": "http://x"})));
        assert_eq!(inputs.json("plain").unwrap(), Some(serde_json::json!({"a": 1})));
        assert!(matches!(inputs.json("bad"), Err(SdkError::BadInput { .. })));
        let missing = inputs.required_json("token").unwrap_err().to_string();
        assert!(missing.contains("/symphony/token") && missing.contains("TOKEN"), "{missing}");
    }

    #[test]
    fn files_come_before_environment_variables() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("riposte_sdk_test_input"), "from file").unwrap();
        let inputs = Inputs::Process { folder: dir.path().to_path_buf() };
        assert_eq!(inputs.text("riposte_sdk_test_input").as_deref(), Some("from file"));
        assert_eq!(inputs.text("riposte_sdk_test_absent"), None);
    }
}
