//! The loop that carries a run from its current state to its end.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use futures::future::{AbortHandle, Abortable, BoxFuture};
use futures::stream::FuturesUnordered;
use futures::{FutureExt, StreamExt};
use riposte_engine::{Effect, Event, Plan, Run};
use tokio_util::sync::CancellationToken;

use crate::renders::rendering;
use crate::{Executor, Result, WorkerError};

/// Where each event goes before its effects are carried out, so that a run can be rebuilt.
/// The event is noted before the run handles it (which consumes it), and stored with the state
/// the run is in after it.
#[async_trait]
pub trait Journal: Send {
    fn note(&mut self, at: i64, event: &Event) -> Result<()>;
    async fn commit(&mut self, run: &Run) -> Result<()>;
}

/// Keeps nothing: runs that only live in memory.
pub struct NoJournal;

#[async_trait]
impl Journal for NoJournal {
    fn note(&mut self, _: i64, _: &Event) -> Result<()> {
        Ok(())
    }

    async fn commit(&mut self, _: &Run) -> Result<()> {
        Ok(())
    }
}

/// Drives `run` from `effects` until it finishes or `cancel` fires. Each event is journaled
/// before its effects start; if the journal fails, driving stops (the run resumes from its
/// journal later) and the error is returned.
///
/// Action attempts and retry timers are futures of this task rather than tasks of their own:
/// an answer reaches the run without a channel or a wake-up of another thread, and whatever is
/// in flight when driving stops is dropped with it.
pub async fn drive(
    plan: &Plan,
    mut run: Run,
    effects: Vec<Effect>,
    executor: &Executor,
    journal: &mut dyn Journal,
    cancel: CancellationToken,
) -> Result<Run> {
    let mut in_flight = InFlight::default();
    let run_id: Arc<str> = Arc::from(run.id());
    let mut finished = in_flight.apply(effects, executor, &run_id);
    let mut cancel_seen = false;
    while !finished {
        let event = tokio::select! {
            Some(event) = in_flight.next() => event,
            _ = cancel.cancelled(), if !cancel_seen => {
                cancel_seen = true;
                Event::Cancel
            }
            else => return Err(WorkerError::Stalled(run_id.to_string())),
        };
        let at = now_ms();
        journal.note(at, &event)?;
        let effects = rendering(plan, || run.handle(plan, event, at)).await;
        journal.commit(&run).await?;
        finished = in_flight.apply(effects, executor, &run_id);
    }
    Ok(run)
}

/// Action attempts and retry timers in flight, each ending in the event it reports.
#[derive(Default)]
struct InFlight {
    pending: FuturesUnordered<Abortable<BoxFuture<'static, Event>>>,
    /// How to abort each action attempt, by instance.
    attempts: HashMap<usize, AbortHandle>,
}

impl InFlight {
    /// Carries out effects; true once the run has finished.
    fn apply(&mut self, effects: Vec<Effect>, executor: &Executor, run_id: &Arc<str>) -> bool {
        let mut finished = false;
        for effect in effects {
            match effect {
                Effect::Execute(call) => {
                    let instance = call.instance;
                    let attempt = executor.clone().execute(run_id.clone(), call);
                    let (handle, registration) = AbortHandle::new_pair();
                    self.pending.push(Abortable::new(attempt.boxed(), registration));
                    self.attempts.insert(instance, handle);
                }
                Effect::Wake { instance, attempt, after_ms } => {
                    let timer = async move {
                        tokio::time::sleep(Duration::from_millis(after_ms)).await;
                        Event::Wake { instance, attempt }
                    };
                    // Timers are not aborted: a stale wake-up is ignored by the run.
                    let (_, registration) = AbortHandle::new_pair();
                    self.pending.push(Abortable::new(timer.boxed(), registration));
                }
                Effect::Abort { instance } => {
                    if let Some(handle) = self.attempts.remove(&instance) {
                        handle.abort();
                    }
                }
                Effect::Finished { .. } => finished = true,
            }
        }
        finished
    }

    /// The next event of an attempt or timer that was not aborted; `None` when nothing is in
    /// flight.
    async fn next(&mut self) -> Option<Event> {
        while let Some(done) = self.pending.next().await {
            let Ok(event) = done else { continue };
            if let Event::ActionFinished { instance, .. } = &event {
                self.attempts.remove(instance);
            }
            return Some(event);
        }
        None
    }
}

pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or_default()
}
