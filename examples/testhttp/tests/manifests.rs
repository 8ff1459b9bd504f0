//! The committed manifests are what the code produces: run `cargo run -p testhttp --
//! riposte-generate-manifests examples/testhttp` (or `riposte module generate`) after changing a
//! component.

#![allow(clippy::unwrap_used)] // a test fails by panicking

#[test]
fn manifests_match_the_code() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let drift = riposte_sdk::manifest_drift(&testhttp::module(), dir).expect("manifest.json is readable");
    assert!(drift.is_empty(), "{}", drift.join("\n"));
}
