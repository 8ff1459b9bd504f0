use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use riposte_model::RunStatus;
use riposte_store::{NewPlaybook, NewRun, Page, RunFilter, Store};
use riposte_store_memory::MemoryStore;
use serde_json::json;
use tokio_util::sync::CancellationToken;

use crate::testing::*;
use crate::{Configurations, DurableRunner, Executor, RunLimits, RunService};

fn new_run(n: usize) -> NewRun {
    NewRun {
        uuid: format!("run-{n}"),
        playbook_uuid: "pb".into(),
        playbook_version: 1,
        name: "test".into(),
        trigger_event: json!({}),
        trigger_node: None,
        alert: None,
        created_at: n as i64,
    }
}

async fn finished_runs(store: &dyn Store) -> Vec<RunStatus> {
    let page = Page::new(0, 1000);
    let runs = store.list_runs(&RunFilter::default(), page).await.unwrap().items;
    runs.iter().map(|r| r.status).filter(|s| s.is_final()).collect()
}

/// Runs handed over in memory may also be found in the store (a scan between their insert and
/// their hand-over): each is still driven once.
#[tokio::test]
async fn runs_handed_over_and_found_in_the_store_each_run_once() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let count = Count::default();
    let registry = registry(Default::default(), Gate::default(), count.clone());
    let catalogue = registry.catalogue();
    let definition = playbook_json(json!({"a1": node(&catalogue, "Count", json!({}))}));
    store.create_playbook(&NewPlaybook { uuid: "pb".into(), name: "p".into(), definition, now: 0 }).await.unwrap();
    let runner = DurableRunner::new(store.clone(), Executor::new(Arc::new(registry), Arc::new(Configurations::new())));
    let service = RunService::new(Arc::new(runner), RunLimits { max_runs: 4, max_runs_per_playbook: 3 });
    let shutdown = CancellationToken::new();
    let serving = tokio::spawn(service.clone().serve(shutdown.clone(), Duration::from_secs(5)));

    const RUNS: usize = 300;
    for batch in (0..RUNS).collect::<Vec<_>>().chunks(30) {
        let runs: Vec<NewRun> = batch.iter().map(|&n| new_run(n)).collect();
        store.insert_runs(&runs).await.unwrap();
        service.notify();
        service.submit(runs);
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while finished_runs(store.as_ref()).await.len() < RUNS {
        assert!(tokio::time::Instant::now() < deadline, "runs still unfinished");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(finished_runs(store.as_ref()).await.iter().all(|s| *s == RunStatus::Succeeded));
    assert_eq!(count.0.load(Ordering::SeqCst), RUNS as u32, "every run's action ran exactly once");
    shutdown.cancel();
    serving.await.unwrap();
}
