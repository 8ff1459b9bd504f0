use std::time::{Duration, Instant};

/// How long anything a test waits for may take.
const PATIENCE: Duration = Duration::from_secs(30);
const INTERVAL: Duration = Duration::from_millis(50);

/// What `probe` finds, asked again until it finds something; fails the test, naming `what`,
/// after 30 seconds.
pub async fn eventually<T>(what: &str, mut probe: impl AsyncFnMut() -> Option<T>) -> T {
    let started = Instant::now();
    loop {
        if let Some(found) = probe().await {
            return found;
        }
        assert!(started.elapsed() < PATIENCE, "timed out waiting for {what}");
        tokio::time::sleep(INTERVAL).await;
    }
}

/// Waits until `done` holds; fails the test, naming `what`, after 30 seconds.
pub async fn until(what: &str, mut done: impl FnMut() -> bool) {
    eventually(what, async || done().then_some(())).await
}
