//! Renders that can loop, bounded together. Each may hold the render memory budget and run up
//! to its fuel, so the whole process (runs, their replays, the editor's previews) renders only a
//! few of them at once: what they hold together stays a small multiple of one budget, however
//! many runs a playbook starts.

use riposte_engine::Plan;
use tokio::sync::Semaphore;

/// Renders that can loop at once in the process; more wait their turn.
pub const LONG_RENDERS_AT_ONCE: usize = 4;

static LONG_RENDERS: Semaphore = Semaphore::const_new(LONG_RENDERS_AT_ONCE);

/// `render`, which renders `plan`'s templates. When they can loop: once one of the few slots is
/// free, and with the runtime told, so that this thread's other tasks (the HTTP server's) move
/// to another thread meanwhile.
pub async fn rendering<T>(plan: &Plan, render: impl FnOnce() -> T) -> T {
    if plan.templates.may_take_long() { long_render(render).await } else { render() }
}

/// `render`, which may loop: as [`rendering`] does it.
pub async fn long_render<T>(render: impl FnOnce() -> T) -> T {
    // The semaphore is never closed.
    let _slot = LONG_RENDERS.acquire().await.ok();
    let multi_thread = tokio::runtime::Handle::try_current()
        .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
    if multi_thread { tokio::task::block_in_place(render) } else { render() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn only_a_few_long_renders_run_at_once() {
        let (now, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let renders = (0..16).map(|_| {
            let (now, most) = (now.clone(), most.clone());
            tokio::spawn(async move {
                // A long render blocks its thread: this one does so by sleeping.
                #[allow(clippy::disallowed_methods)]
                long_render(|| {
                    most.fetch_max(now.fetch_add(1, Ordering::SeqCst) + 1, Ordering::SeqCst);
                    std::thread::sleep(std::time::Duration::from_millis(20));
                    now.fetch_sub(1, Ordering::SeqCst);
                })
                .await
            })
        });
        for render in renders.collect::<Vec<_>>() {
            render.await.unwrap();
        }
        assert_eq!(most.load(Ordering::SeqCst), LONG_RENDERS_AT_ONCE);
    }
}
