use schemars::JsonSchema;
use schemars::generate::SchemaSettings;
use serde_json::Value;

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
