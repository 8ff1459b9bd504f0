//! Test runs: a draft played in-process from start to end and stored nowhere, with some blocks
//! answering given results instead of being called (mocked, or pinned to a past run's output).
//! What the console's "Test" does.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use riposte_engine::Plan;
use riposte_model::RunReport;
use riposte_worker::{Executor, LocalRunner};
use serde_json::Value;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use crate::{Result, ServiceError, Services};

/// A test run is cancelled past this: it holds a request open.
pub const TEST_RUN_TIMEOUT: Duration = Duration::from_secs(60);
/// Test runs at once, all callers together: each holds its actions' memory until it ends.
pub const MAX_TEST_RUNS: usize = 4;

/// Bounds the test runs going on at once.
#[derive(Debug, Clone)]
pub(crate) struct TestRuns(Arc<Semaphore>);

impl Default for TestRuns {
    fn default() -> Self {
        TestRuns(Arc::new(Semaphore::new(MAX_TEST_RUNS)))
    }
}

impl Services {
    /// Runs `plan` from its trigger node `trigger` (an index of [`Plan::triggers`]) on `event`,
    /// the nodes in `mocks` answering their given results. Nothing is stored; the run is
    /// cancelled after [`TEST_RUN_TIMEOUT`], or when the caller stops waiting.
    pub async fn test_run(
        &self,
        plan: &Plan,
        trigger: usize,
        event: Value,
        mocks: HashMap<String, Value>,
    ) -> Result<RunReport> {
        let _slot = self.test_runs.0.clone().try_acquire_owned().map_err(|_| ServiceError::Busy(MAX_TEST_RUNS))?;
        let executor = Executor::new(self.registry.clone(), self.configurations.clone()).with_mocks(mocks);
        let cancel = CancellationToken::new();
        let deadline = {
            let cancel = cancel.clone();
            tokio::spawn(async move {
                tokio::time::sleep(TEST_RUN_TIMEOUT).await;
                cancel.cancel();
            })
        };
        let id = format!("test-{}", uuid::Uuid::new_v4());
        let run = LocalRunner::new(executor).run_from(plan, &id, trigger, event, cancel).await;
        deadline.abort();
        Ok(run.report(plan))
    }
}
