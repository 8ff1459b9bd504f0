use schemars::JsonSchema;
use schemars::generate::SchemaSettings;
use serde_json::{Value, json};

/// The draft-07 JSON Schema of `T`, as Sekoia manifests carry them: self-contained (no `$ref`),
/// doc comments as descriptions.
pub fn schema_of<T: JsonSchema>() -> Value {
    let generator = SchemaSettings::draft07().with(|s| s.inline_subschemas = true).into_generator();
    let mut schema = generator.into_root_schema_for::<T>().to_value();
    if let Some(object) = schema.as_object_mut() {
        object.remove("$schema");
    }
    schema
}

/// The schema of `T` with Sekoia's `secrets` extension: fields marked
/// `#[schemars(extend("secret" = true))]` lose the mark and are listed in `secrets`, as Sekoia's
/// generator does with `Field(secret=True)`.
pub fn schema_with_secrets<T: JsonSchema>() -> Value {
    let mut schema = schema_of::<T>();
    let mut secrets = Vec::new();
    if let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) {
        for (name, property) in properties.iter_mut() {
            let marked = property.as_object_mut().and_then(|p| p.remove("secret")).is_some_and(|v| v == true);
            if marked {
                secrets.push(name.clone());
            }
        }
    }
    if !secrets.is_empty()
        && let Some(object) = schema.as_object_mut()
    {
        object.insert("secrets".into(), json!(secrets));
    }
    schema
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(JsonSchema)]
    #[allow(dead_code)]
    struct Account {
        /// Where the API is
        base_url: String,
        /// API key
        #[schemars(extend("secret" = true))]
        api_key: String,
    }

    #[test]
    fn secret_fields_are_listed_and_unmarked() {
        let schema = schema_with_secrets::<Account>();
        assert_eq!(schema["secrets"], json!(["api_key"]));
        assert_eq!(schema["properties"]["api_key"], json!({"type": "string", "description": "API key"}));
        assert_eq!(schema["required"], json!(["base_url", "api_key"]));
        assert!(schema_with_secrets::<String>().get("secrets").is_none());
    }
}
