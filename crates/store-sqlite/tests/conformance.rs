#![allow(clippy::unwrap_used)] // a test fails by panicking

use riposte_store_sqlite::SqliteStore;

fn fresh() -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("riposte.db")).unwrap();
    (dir, store)
}

mod conformance {
    riposte_store::conformance_tests!(super::fresh);
}

#[tokio::test]
async fn data_survives_reopening_and_concurrent_writes_all_land() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("riposte.db");
    {
        let store = SqliteStore::open(&path).unwrap();
        let writes = (0..200).map(|n| {
            let store = store.clone();
            tokio::spawn(async move {
                use riposte_store::AlertStore;
                store.insert_alert(&riposte_store::conformance::sample_alert(n, "r"), &[]).await
            })
        });
        for write in writes.collect::<Vec<_>>() {
            write.await.unwrap().unwrap();
        }
    }
    let store = SqliteStore::open(&path).unwrap();
    use riposte_store::AlertStore;
    let all = store.list_alerts(&Default::default(), riposte_store::Page::new(0, 1)).await.unwrap();
    assert_eq!(all.total, 200);
}

#[test]
fn a_database_is_opened_by_one_store_at_a_time() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("riposte.db");
    let first = SqliteStore::open(&path).unwrap();
    let second = SqliteStore::open(&path).unwrap_err().to_string();
    assert!(second.contains("in use by another Riposte process"), "{second}");
    drop(first);
    SqliteStore::open(&path).expect("the database opens again once the first store is closed");
}
