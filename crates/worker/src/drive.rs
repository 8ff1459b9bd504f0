//! The loop that carries a run from its current state to its end.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use riposte_engine::{Effect, Event, Plan, Run};
use tokio::sync::mpsc;
use tokio::task::AbortHandle;
use tokio_util::sync::CancellationToken;

use crate::Executor;

/// Where each event goes before its effects are carried out, so that a run can be rebuilt.
/// The event is noted before the run handles it (which consumes it), and stored with the state
/// the run is in after it.
#[async_trait]
pub trait Journal: Send {
    fn note(&mut self, at: i64, event: &Event) -> Result<(), String>;
    async fn commit(&mut self, run: &Run) -> Result<(), String>;
}

/// Keeps nothing: runs that only live in memory.
pub struct NoJournal;

#[async_trait]
impl Journal for NoJournal {
    fn note(&mut self, _: i64, _: &Event) -> Result<(), String> {
        Ok(())
    }

    async fn commit(&mut self, _: &Run) -> Result<(), String> {
        Ok(())
    }
}

/// Drives `run` from `effects` until it finishes or `cancel` fires. Each event is journaled
/// before its effects start; if the journal fails, driving stops (the run resumes from its
/// journal later) and the error is returned.
pub async fn drive(
    plan: &Plan,
    mut run: Run,
    effects: Vec<Effect>,
    executor: &Executor,
    journal: &mut dyn Journal,
    cancel: CancellationToken,
) -> Result<Run, String> {
    let (events, mut inbox) = mpsc::unbounded_channel();
    let mut in_flight = InFlight::default();
    let run_id: Arc<str> = Arc::from(run.id());
    let mut finished = apply(effects, executor, &run_id, &events, &mut in_flight);
    let mut cancel_seen = false;
    while !finished {
        let event = tokio::select! {
            Some(event) = inbox.recv() => event,
            _ = cancel.cancelled(), if !cancel_seen => {
                cancel_seen = true;
                Event::Cancel
            }
        };
        if let Event::ActionFinished { instance, .. } = &event {
            in_flight.0.remove(instance);
        }
        let at = now_ms();
        journal.note(at, &event)?;
        let effects = run.handle(plan, event, at);
        journal.commit(&run).await?;
        finished = apply(effects, executor, &run_id, &events, &mut in_flight);
    }
    Ok(run)
}

/// Carries out effects; true once the run has finished.
fn apply(
    effects: Vec<Effect>,
    executor: &Executor,
    run_id: &Arc<str>,
    events: &mpsc::UnboundedSender<Event>,
    in_flight: &mut InFlight,
) -> bool {
    let mut finished = false;
    for effect in effects {
        match effect {
            Effect::Execute(call) => {
                let instance = call.instance;
                let handle = tokio::spawn(executor.clone().execute(run_id.clone(), call, events.clone()));
                in_flight.0.insert(instance, handle.abort_handle());
            }
            Effect::Wake { instance, attempt, after_ms } => {
                let events = events.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_millis(after_ms)).await;
                    let _ = events.send(Event::Wake { instance, attempt });
                });
            }
            Effect::Abort { instance } => {
                if let Some(handle) = in_flight.0.remove(&instance) {
                    handle.abort();
                }
            }
            Effect::Finished { .. } => finished = true,
        }
    }
    finished
}

/// Action attempts in flight. Whatever is still running when driving stops (an error, a
/// shutdown dropping the loop) is aborted: the journal has what is needed to run it again.
#[derive(Default)]
struct InFlight(HashMap<usize, AbortHandle>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.values().for_each(AbortHandle::abort);
    }
}

pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or_default()
}
