//! The OpenAPI description is generated from the handlers; this snapshot shows every change to
//! the API in review. After an intended change: `RIPOSTE_BLESS=1 cargo test -p riposte-api --test openapi`.

#![allow(clippy::unwrap_used)] // a test fails by panicking

const SNAPSHOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.json");

#[test]
fn the_openapi_description_matches_its_snapshot() {
    let generated = riposte_api::openapi().to_pretty_json().unwrap() + "\n";
    if std::env::var_os("RIPOSTE_BLESS").is_some() {
        std::fs::write(SNAPSHOT, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(SNAPSHOT).unwrap_or_default();
    assert!(
        committed == generated,
        "the API changed: review the difference and bless it with RIPOSTE_BLESS=1 cargo test -p riposte-api --test openapi"
    );
    let spec: serde_json::Value = serde_json::from_str(&generated).unwrap();
    for path in [
        "/api/v1/sic/alerts",
        "/api/v1/symphony/playbooks/{uuid}/activate",
        "/api/v1/symphony/runs/{uuid}/rerun",
        "/api/v1/api-keys",
    ] {
        assert!(spec["paths"].get(path).is_some(), "{path} is missing");
    }
    assert!(
        spec["paths"]["/api/v1/sic/alerts"].get("get").is_some()
            && spec["paths"]["/api/v1/sic/alerts"].get("post").is_some()
    );
    assert_eq!(spec["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
}

/// Clients generated from the description (the console's types among them) name each operation
/// by its id: two operations with one id would get one type.
#[test]
fn every_operation_has_an_id_of_its_own() {
    let spec: serde_json::Value = serde_json::from_str(&riposte_api::openapi().to_json().unwrap()).unwrap();
    let mut seen = std::collections::BTreeMap::new();
    for (path, operations) in spec["paths"].as_object().unwrap() {
        for (method, operation) in operations.as_object().unwrap() {
            let Some(id) = operation.get("operationId").and_then(|id| id.as_str()) else { continue };
            if let Some(earlier) = seen.insert(id.to_string(), format!("{method} {path}")) {
                panic!("operation id `{id}` is used by {earlier} and by {method} {path}");
            }
        }
    }
    assert!(seen.len() > 40, "{seen:?}");
}
