//! The OpenAPI description is generated from the handlers; this snapshot shows every change to
//! the API in review. After an intended change: `RIPOSTE_BLESS=1 cargo test -p riposte-api --test openapi`.

use std::sync::Arc;

use riposte_api::{AppState, Metrics, Sealer, Shared, auth::Keys};
use riposte_modules::HttpClients;
use riposte_store::Store;
use riposte_store_sqlite::SqliteStore;
use riposte_worker::{Configurations, DurableRunner, Executor, Registry, RunLimits, RunService};

const SNAPSHOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.json");

fn state(dir: &std::path::Path) -> AppState {
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&dir.join("r.db")).unwrap());
    let registry = Arc::new(Registry::new(riposte_modules::builtin_modules(&HttpClients::new().unwrap(), None)));
    let runner =
        Arc::new(DurableRunner::new(store.clone(), Executor::new(registry.clone(), Arc::new(Configurations::new()))));
    AppState::from(Shared {
        store,
        runs: RunService::new(runner, RunLimits { max_runs: 1, max_runs_per_playbook: 1 }),
        registry: registry.clone(),
        keys: Arc::new(Keys::default()),
        sealer: Sealer::from_hex(&"00".repeat(32)).unwrap(),
        metrics: Arc::new(Metrics::new(|_| {})),
        triggers: Arc::default(),
        configurations: Arc::new(Configurations::new()),
        components: Arc::default(),
        bodies: riposte_api::Bodies::new(Default::default()),
    })
}

#[test]
fn the_openapi_description_matches_its_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let generated = riposte_api::openapi(&state(dir.path())).to_pretty_json().unwrap() + "\n";
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
