//! Runs kept in a store: every event is journaled with the run's state, and a run rebuilt from
//! its journal carries on where it stopped.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use riposte_engine::{Event, Plan, Run};
use riposte_model::{Catalogue, NodeReport, Playbook, RunStatus, json_len};
use riposte_store::{JsonText, OutputRef, RunRecord, RunState, Store, StoredOutput, json_text};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use crate::drive::{Journal, drive, now_ms};
use crate::renders::rendering;
use crate::{Executor, Result, WorkerError};

/// One line of a run's journal, as read back.
#[derive(Debug, Deserialize)]
struct JournalLine {
    at: i64,
    event: Event,
}

/// One line of a run's journal, as written.
#[derive(Serialize)]
struct NewJournalLine<'a> {
    at: i64,
    event: &'a Event,
}

/// Drives runs stored in a [`Store`].
pub struct DurableRunner {
    store: Arc<dyn Store>,
    executor: Executor,
    /// Plans by playbook version: compiled once, shared by every run of that version.
    plans: Mutex<HashMap<(String, i64), Arc<Plan>>>,
    /// Outputs larger than this (as JSON, in bytes) are stored apart from runs and journals.
    max_inline_output: usize,
}

/// Default of [`DurableRunner::with_max_inline_output`].
pub const DEFAULT_MAX_INLINE_OUTPUT: usize = 64 * 1024;

impl DurableRunner {
    pub fn new(store: Arc<dyn Store>, executor: Executor) -> Self {
        DurableRunner { store, executor, plans: Mutex::default(), max_inline_output: DEFAULT_MAX_INLINE_OUTPUT }
    }

    /// Outputs larger than `bytes` (as JSON) are stored apart and loaded when asked for.
    pub fn with_max_inline_output(mut self, bytes: usize) -> Self {
        self.max_inline_output = bytes;
        self
    }

    fn large_outputs(&self) -> LargeOutputs {
        LargeOutputs { limit: self.max_inline_output, stored: HashSet::new() }
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    pub fn metrics(&self) -> &crate::WorkerMetrics {
        self.executor.metrics()
    }

    /// The modules playbooks can use here.
    pub fn executor_catalogue(&self) -> Arc<Catalogue> {
        self.executor.registry().catalogue()
    }

    /// The compiled plan of a playbook version.
    pub async fn plan(&self, playbook_uuid: &str, version: i64) -> Result<Arc<Plan>> {
        let key = (playbook_uuid.to_string(), version);
        if let Some(plan) = self.plans.lock().expect("plan cache lock").get(&key) {
            return Ok(plan.clone());
        }
        let playbook = || playbook_uuid.to_string();
        let definition = self
            .store
            .get_version(playbook_uuid, version)
            .await?
            .ok_or_else(|| WorkerError::MissingVersion { playbook: playbook(), version })?;
        let playbook: Playbook = serde_json::from_value(definition)
            .map_err(|source| WorkerError::UnreadablePlaybook { playbook: playbook(), version, source })?;
        let plan = Plan::build(&playbook, &self.executor_catalogue())
            .map_err(|problems| WorkerError::InvalidPlaybook(problems.iter().map(ToString::to_string).collect()))?;
        let plan = Arc::new(plan);
        self.plans.lock().expect("plan cache lock").insert(key, plan.clone());
        Ok(plan)
    }

    /// Drives a stored run to its end (or until `cancel`), starting it or resuming it from its
    /// journal. Returns the run's final status.
    pub async fn drive_run(&self, uuid: &str, cancel: CancellationToken) -> Result<RunStatus> {
        let record = self.store.get_run(uuid).await?.ok_or_else(|| WorkerError::RunNotFound(uuid.to_string()))?;
        self.drive_record(record, cancel).await
    }

    /// Drives a run from its record, as read from the store or as just stored.
    pub async fn drive_record(&self, mut record: RunRecord, cancel: CancellationToken) -> Result<RunStatus> {
        if record.status.is_final() {
            return Ok(record.status);
        }
        let plan = match self.plan(&record.playbook_uuid, record.playbook_version).await {
            Ok(plan) => plan,
            // A store that fails now may not later: the run stays for the next attempt.
            Err(WorkerError::Store(e)) => return Err(e.into()),
            Err(error) => return self.fail_unrunnable(&record, error).await,
        };
        if let Err(error) = trigger_of(&plan, &record) {
            return self.fail_unrunnable(&record, error).await;
        }
        let (run, effects, next_seq) = self.rebuild(&plan, &mut record).await?;
        let mut journal = StoreJournal {
            store: self.store.clone(),
            uuid: record.uuid,
            next_seq,
            plan: plan.clone(),
            large: self.large_outputs(),
            noted: None,
        };
        let run = drive(&plan, run, effects, &self.executor, &mut journal, cancel).await?;
        Ok(run.status())
    }

    /// The run as its journal leaves it, with the effects to carry out next. A run that had
    /// not started takes the record's trigger event.
    async fn rebuild(&self, plan: &Plan, record: &mut RunRecord) -> Result<(Run, Vec<riposte_engine::Effect>, i64)> {
        let Some(started_at) = record.started_at else {
            let event = std::mem::take(&mut record.trigger_event);
            let trigger = trigger_of(plan, record)?;
            let (run, effects) =
                rendering(plan, || Run::start_from(plan, &record.uuid, trigger, event, now_ms())).await;
            let state = state(&run, plan, &mut self.large_outputs(), Vec::new())?;
            self.store.append_run_events(&record.uuid, record.journal_len, &[], &state).await?;
            return Ok((run, effects, record.journal_len));
        };
        let (run, events) = self.replay(plan, record, started_at).await?;
        let effects = run.resume(plan);
        Ok((run, effects, events))
    }

    /// The per-node account of a stored run: as written when the run ended, else replayed from
    /// its journal.
    pub async fn nodes(&self, record: &RunRecord) -> Result<Vec<NodeReport>> {
        let Some(started_at) = record.started_at.filter(|_| !record.status.is_final()) else {
            return Ok(record.nodes.clone());
        };
        let plan = self.plan(&record.playbook_uuid, record.playbook_version).await?;
        let (run, _) = self.replay(&plan, record, started_at).await?;
        Ok(run.report(&plan).nodes)
    }

    /// The run its journal describes, and how many events that journal holds.
    async fn replay(&self, plan: &Plan, record: &RunRecord, started_at: i64) -> Result<(Run, i64)> {
        let trigger = trigger_of(plan, record)?;
        let mut journal = self.store.run_events(&record.uuid).await?;
        let kept_apart = self.store.run_outputs(&record.uuid, &referenced_outputs(&journal)).await?;
        let mut entries = Vec::with_capacity(journal.len());
        for (number, line) in journal.iter_mut().enumerate() {
            if let Some(results) = line.pointer_mut("/event/outcome/results")
                && let Some(reference) = OutputRef::of(results)
            {
                *results = kept_apart
                    .get(&reference.key)
                    .cloned()
                    .ok_or_else(|| WorkerError::LostOutput { run: record.uuid.clone(), key: reference.key.clone() })?;
            }
            let entry: JournalLine = serde_json::from_value(line.take())
                .map_err(|source| WorkerError::CorruptJournal { run: record.uuid.clone(), event: number, source })?;
            entries.push(entry);
        }
        let events = entries.len() as i64;
        let run = rendering(plan, || {
            let (mut run, _) = Run::start_from(plan, &record.uuid, trigger, record.trigger_event.clone(), started_at);
            for entry in entries {
                run.handle(plan, entry.event, entry.at);
            }
            run
        })
        .await;
        Ok((run, events))
    }

    /// Runs a failed or cancelled run again, keeping what its succeeded actions produced. The
    /// run becomes unfinished again: whoever drives stored runs picks it up.
    pub async fn restart_failed(&self, uuid: &str) -> Result<()> {
        let mut record = self.store.get_run(uuid).await?.ok_or_else(|| WorkerError::RunNotFound(uuid.to_string()))?;
        if !matches!(record.status, RunStatus::Failed | RunStatus::Cancelled) {
            return Err(WorkerError::NotFailed(record.status));
        }
        let plan = self.plan(&record.playbook_uuid, record.playbook_version).await?;
        let (mut run, _, next_seq) = self.rebuild(&plan, &mut record).await?;
        let at = now_ms();
        let mut large = self.large_outputs();
        let mut outputs = Vec::new();
        let line = large.journal_line(uuid, next_seq, at, &Event::RestartFailed, &mut outputs)?;
        rendering(&plan, || run.handle(&plan, Event::RestartFailed, at)).await;
        let state = state(&run, &plan, &mut large, outputs)?;
        Ok(self.store.append_run_events(uuid, next_seq, &[line], &state).await?)
    }

    /// Ends a run that cannot start, with why.
    async fn fail_unrunnable(&self, record: &RunRecord, error: WorkerError) -> Result<RunStatus> {
        let state = RunState::ended_unstarted(RunStatus::Failed, now_ms(), Some(error.to_string()));
        self.store.append_run_events(&record.uuid, record.journal_len, &[], &state).await?;
        Ok(RunStatus::Failed)
    }
}

/// Keeps large outputs out of a run's row and journal.
struct LargeOutputs {
    limit: usize,
    /// Keys already stored for this run.
    stored: HashSet<String>,
}

impl LargeOutputs {
    /// The journal line of event number `seq`, with a large output in it swapped for a
    /// reference and added to `outputs`.
    fn journal_line(
        &mut self,
        run: &str,
        seq: i64,
        at: i64,
        event: &Event,
        outputs: &mut Vec<StoredOutput>,
    ) -> Result<JsonText> {
        let encode = |source| WorkerError::Encode { run: run.to_string(), source };
        let entry = NewJournalLine { at, event };
        let line = json_text(&entry).map_err(encode)?;
        // A line no longer than the limit cannot hold an output longer than it: encoded once.
        if line.get().len() <= self.limit {
            return Ok(line);
        }
        let mut value = serde_json::to_value(&entry).map_err(encode)?;
        if let Some(results) = value.pointer_mut("/event/outcome/results") {
            self.keep(format!("event:{seq}"), results, outputs);
        }
        json_text(&value).map_err(encode)
    }

    /// A run's per-node account, with large results swapped for references added to `outputs`.
    fn account(&mut self, run: &str, mut nodes: Vec<NodeReport>, outputs: &mut Vec<StoredOutput>) -> Result<JsonText> {
        let encode = |source| WorkerError::Encode { run: run.to_string(), source };
        let account = json_text(&nodes).map_err(encode)?;
        if account.get().len() <= self.limit {
            return Ok(account);
        }
        for node in &mut nodes {
            let key = node.iteration.iter().fold(format!("node:{}", node.node_id), |key, i| format!("{key}[{i}]"));
            if let Some(results) = node.results.as_mut() {
                self.keep(key, results, outputs);
            }
        }
        json_text(&nodes).map_err(encode)
    }

    /// `value` itself when small, else a reference to it, noting it in `outputs` when it is not
    /// stored yet.
    fn keep(&mut self, key: String, value: &mut Value, outputs: &mut Vec<StoredOutput>) {
        let bytes = json_len(value);
        if bytes <= self.limit || OutputRef::of(value).is_some() {
            return;
        }
        let reference = serde_json::to_value(OutputRef { key: key.clone(), bytes }).expect("references serialise");
        let original = std::mem::replace(value, reference);
        if self.stored.insert(key.clone()) {
            outputs.push(StoredOutput { key, value: original });
        }
    }
}

/// The length of `value` as JSON, without writing it out.
/// The trigger node a stored run starts from.
fn trigger_of(plan: &Plan, record: &RunRecord) -> Result<usize> {
    plan.trigger_node(record.trigger_node.as_deref()).ok_or_else(|| WorkerError::UnknownTrigger {
        run: record.uuid.clone(),
        node: record.trigger_node.clone().unwrap_or_default(),
    })
}

/// What the run's row says after an event, with the outputs its journal line kept apart. The
/// per-node account is written once, when the run ends: written on every event, it re-encoded
/// every node's arguments and results each time.
fn state(run: &Run, plan: &Plan, large: &mut LargeOutputs, mut outputs: Vec<StoredOutput>) -> Result<RunState> {
    let nodes = if run.status().is_final() {
        Some(large.account(run.id(), run.report(plan).nodes, &mut outputs)?)
    } else {
        None
    };
    Ok(RunState {
        status: run.status(),
        nodes,
        started_at: Some(run.started_at_ms()),
        ended_at: run.ended_at_ms(),
        error: None,
        outputs,
    })
}

/// The references to outputs kept apart in a journal.
fn referenced_outputs(journal: &[Value]) -> Vec<String> {
    journal.iter().filter_map(|line| OutputRef::of(line.pointer("/event/outcome/results")?)).map(|r| r.key).collect()
}

struct StoreJournal {
    store: Arc<dyn Store>,
    uuid: String,
    next_seq: i64,
    plan: Arc<Plan>,
    large: LargeOutputs,
    /// The line noted for the next commit, and the outputs it keeps apart.
    noted: Option<(JsonText, Vec<StoredOutput>)>,
}

#[async_trait]
impl Journal for StoreJournal {
    fn note(&mut self, at: i64, event: &Event) -> Result<()> {
        let mut outputs = Vec::new();
        let line = self.large.journal_line(&self.uuid, self.next_seq, at, event, &mut outputs)?;
        self.noted = Some((line, outputs));
        Ok(())
    }

    async fn commit(&mut self, run: &Run) -> Result<()> {
        let (line, outputs) = self.noted.take().expect("`drive` notes each event before it commits it");
        let state = state(run, &self.plan, &mut self.large, outputs)?;
        self.store.append_run_events(&self.uuid, self.next_seq, &[line], &state).await?;
        self.next_seq += 1;
        Ok(())
    }
}

#[cfg(test)]
#[path = "durable_tests.rs"]
mod tests;
