//! A database written by an earlier schema opens with its data intact.

#![allow(clippy::unwrap_used)] // a test fails by panicking

use riposte_model::RunStatus;
use riposte_store::{RunState, RunStore, json_text};
use riposte_store_sqlite::SqliteStore;
use serde_json::json;

/// The schema before runs were keyed by number (migrations 1 to 4), with one running run and
/// one ended run in it.
fn write_schema_4_database(path: &std::path::Path) {
    let db = rusqlite::Connection::open(path).unwrap();
    for sql in [
        include_str!("../migrations/0001_init.sql"),
        include_str!("../migrations/0002_api_keys.sql"),
        include_str!("../migrations/0003_run_outputs.sql"),
        include_str!("../migrations/0004_intakes.sql"),
    ] {
        db.execute_batch(sql).unwrap();
    }
    db.pragma_update(None, "user_version", 4).unwrap();
    let nodes = json!([{"node_id": "1", "name": "Get Alert", "status": "succeeded", "attempts": 1}]).to_string();
    db.execute_batch(&format!(
        "INSERT INTO runs (uuid, playbook_uuid, playbook_version, name, status, trigger_event, created_at, started_at, events) \
         VALUES ('run-going', 'pb', 1, 'Going', 'running', '{{\"n\": 1}}', 10, 11, 2);
         INSERT INTO runs (uuid, playbook_uuid, playbook_version, name, status, trigger_event, nodes, created_at, started_at, ended_at, events) \
         VALUES ('run-ended', 'pb', 1, 'Ended', 'succeeded', '{{\"n\": 2}}', '{nodes}', 20, 21, 22, 1);
         INSERT INTO run_events (run_uuid, seq, event) VALUES ('run-going', 0, '{{\"e\": 0}}'), ('run-going', 1, '{{\"e\": 1}}'), ('run-ended', 0, '{{\"e\": 9}}');"
    ))
    .unwrap();
}

#[tokio::test]
async fn runs_journals_and_accounts_survive_the_move_to_numbered_runs() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("riposte.db");
    write_schema_4_database(&path);
    let store = SqliteStore::open(&path).unwrap();

    let going = store.get_run("run-going").await.unwrap().expect("the running run is kept");
    assert_eq!((going.status, going.journal_len, going.nodes.len()), (RunStatus::Running, 2, 0));
    assert_eq!(going.trigger_event, json!({"n": 1}));
    assert_eq!(store.run_events("run-going").await.unwrap(), vec![json!({"e": 0}), json!({"e": 1})]);

    let ended = store.get_run("run-ended").await.unwrap().expect("the ended run is kept");
    assert_eq!(ended.nodes.len(), 1, "its per-node account moved with it");
    assert_eq!(ended.nodes[0].node_id, "1");
    assert_eq!(store.run_events("run-ended").await.unwrap(), vec![json!({"e": 9})]);

    // The moved run carries on: its journal continues at the next number.
    let state = RunState { started_at: Some(11), ..RunState::ended_unstarted(RunStatus::Succeeded, 30, None) };
    store.append_run_events("run-going", 2, &[json_text(&json!({"e": 2})).unwrap()], &state).await.unwrap();
    assert_eq!(store.run_events("run-going").await.unwrap().len(), 3);
    let stale =
        store.append_run_events("run-going", 2, &[json_text(&json!({"e": 2})).unwrap()], &state).await.unwrap_err();
    assert!(stale.to_string().contains("has 3 events; cannot append at 2"), "{stale}");
}
