//! `riposte module new NAME`: a ready module crate.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use serde_json::json;

use crate::cli::NewModuleArgs;

/// Where this build of Riposte found the SDK's sources; a scaffold depends on them when they are
/// still there, and on the published crate otherwise.
const SDK_SOURCES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../sdk");

pub fn new(args: NewModuleArgs) -> anyhow::Result<ExitCode> {
    let slug = slug(&args.name)?;
    let dir = args.parent.unwrap_or_else(|| PathBuf::from(".")).join(&args.name);
    if dir.exists() {
        bail!("{} already exists; choose another name or remove it", dir.display());
    }
    let crate_name = slug.replace('-', "_");
    let sdk = sdk_dependency();
    let date = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let fill = |template: &str| {
        template
            .replace("{{crate}}", &crate_name)
            .replace("{{name}}", &args.name)
            .replace("{{sdk}}", &sdk)
            .replace("{{date}}", &date)
    };
    let manifest = json!({
        "uuid": uuid::Uuid::new_v4().to_string(),
        "name": args.name,
        "slug": slug,
        "version": "0.1.0",
        "description": format!("Actions, triggers and connectors for {}", args.name),
        "categories": ["Generic"],
        "configuration": {},
    });
    let files: [(&str, String); 8] = [
        ("Cargo.toml", fill(include_str!("scaffold/Cargo.toml.tmpl"))),
        ("src/lib.rs", fill(include_str!("scaffold/lib.rs.tmpl"))),
        ("src/main.rs", fill(include_str!("scaffold/main.rs.tmpl"))),
        ("tests/fetch_json.rs", fill(include_str!("scaffold/test_fetch_json.rs.tmpl"))),
        ("tests/manifests.rs", fill(include_str!("scaffold/test_manifests.rs.tmpl"))),
        ("CHANGELOG.md", fill(include_str!("scaffold/CHANGELOG.md.tmpl"))),
        ("logo.svg", include_str!("scaffold/logo.svg").to_string()),
        ("manifest.json", riposte_sdk::pretty(&manifest)),
    ];
    for (name, text) in files {
        write(&dir.join(name), &text)?;
    }
    println!("created module {} in {}", args.name, dir.display());
    println!("next: cd {} && riposte module generate && cargo test && riposte module check .", dir.display());
    Ok(ExitCode::SUCCESS)
}

/// Sekoia's slug form: lower-case letters, digits and dashes.
fn slug(name: &str) -> anyhow::Result<String> {
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        bail!("module name {name:?}: use letters, digits, `-` and `_` (it names the folder and the crate)");
    }
    if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        bail!("module name {name:?}: start with a letter");
    }
    Ok(name.to_ascii_lowercase().replace('_', "-"))
}

fn sdk_dependency() -> String {
    match Path::new(SDK_SOURCES).canonicalize() {
        Ok(path) if path.join("Cargo.toml").is_file() => format!("{{ path = {:?} }}", path.display().to_string()),
        _ => format!("\"{}\"", env!("CARGO_PKG_VERSION")),
    }
}

fn write(path: &Path, text: &str) -> anyhow::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
    }
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_slugs_or_are_refused_with_the_reason() {
        assert_eq!(slug("TestHTTP").unwrap(), "testhttp");
        assert_eq!(slug("my_tool-2").unwrap(), "my-tool-2");
        assert!(slug("two words").unwrap_err().to_string().contains("letters, digits"));
        assert!(slug("2fa").unwrap_err().to_string().contains("start with a letter"));
    }
}
