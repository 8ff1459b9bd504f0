use std::path::Path;

use anyhow::{Context, bail};
use riposte_model::Catalogue;
use riposte_worker::Configurations;
use serde_json::Value;

/// Reads `--module-config MODULE=FILE` options.
pub fn load(options: &[String], catalogue: &Catalogue) -> anyhow::Result<Configurations> {
    let mut configurations = Configurations::new();
    for option in options {
        let Some((name, file)) = option.split_once('=') else {
            bail!("--module-config {option}: expected MODULE=FILE, e.g. sekoia.io=sekoia.json");
        };
        let value = read_object(Path::new(file)).with_context(|| format!("--module-config {option}"))?;
        match catalogue.module_by_name(name) {
            Some(module) => configurations.set_module_default(
                &module.uuid,
                value,
                &riposte_model::schema_secrets(&module.configuration),
            ),
            None if uuid::Uuid::parse_str(name).is_ok() => configurations.insert(name, value),
            None => {
                let known: Vec<&str> = catalogue.modules().iter().map(|m| m.slug.as_str()).collect();
                bail!(
                    "--module-config {option}: no module `{name}` (modules: {}), and it is not a configuration UUID",
                    known.join(", ")
                );
            }
        }
    }
    Ok(configurations)
}

pub fn read_object(path: &Path) -> anyhow::Result<Value> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let value: Value = serde_json::from_str(&text).with_context(|| format!("{} is not valid JSON", path.display()))?;
    if !value.is_object() {
        bail!("{} must hold a JSON object", path.display());
    }
    Ok(value)
}
