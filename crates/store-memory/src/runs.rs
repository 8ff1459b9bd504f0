use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use riposte_model::{NodeReport, RunStatus};
use riposte_store::{
    JsonText, NewRun, Page, Paged, Result, RunCount, RunFilter, RunRecord, RunState, RunStore, StoreError,
    UnfinishedRun,
};
use serde_json::Value;

use crate::{Data, MemoryStore, conflict, json_weight, page_of};

/// Adds `runs`, all or none: within the caller's critical section, so with its other writes.
pub(crate) fn insert_runs(data: &mut Data, runs: &[NewRun]) -> Result<()> {
    let mut seen = HashSet::new();
    for run in runs {
        if data.runs.contains_key(&run.uuid) || !seen.insert(run.uuid.as_str()) {
            return Err(conflict(format!("run {}", run.uuid)));
        }
    }
    for run in runs {
        data.runs.insert(run.uuid.clone(), run.clone().into_record());
    }
    Ok(())
}

#[async_trait]
impl RunStore for MemoryStore {
    async fn insert_runs(&self, runs: &[NewRun]) -> Result<()> {
        insert_runs(&mut self.lock(), runs)
    }

    async fn get_run(&self, uuid: &str) -> Result<Option<RunRecord>> {
        Ok(self.lock().runs.get(uuid).cloned())
    }

    async fn list_runs(&self, filter: &RunFilter, page: Page) -> Result<Paged<RunRecord>> {
        let data = self.lock();
        let mut matching: Vec<RunRecord> = data.runs.values().filter(|r| matches(filter, r)).map(summary).collect();
        matching.reverse();
        matching.sort_by_key(|r| std::cmp::Reverse(r.created_at));
        Ok(Paged { total: matching.len() as u64, items: page_of(matching.iter(), page, json_weight) })
    }

    async fn count_runs(&self, filter: &RunFilter) -> Result<Vec<RunCount>> {
        let data = self.lock();
        let mut counts: std::collections::BTreeMap<(String, &'static str), RunCount> = Default::default();
        for run in data.runs.values().filter(|r| matches(filter, r)) {
            counts
                .entry((run.playbook_uuid.clone(), run.status.as_str()))
                .or_insert_with(|| RunCount { playbook_uuid: run.playbook_uuid.clone(), status: run.status, count: 0 })
                .count += 1;
        }
        Ok(counts.into_values().collect())
    }

    async fn append_run_events(&self, uuid: &str, first_seq: i64, events: &[JsonText], state: &RunState) -> Result<()> {
        let lines: Vec<Value> = events.iter().map(|line| parse(line.get())).collect::<Result<_>>()?;
        let nodes: Option<Vec<NodeReport>> = state.nodes.as_ref().map(|nodes| parse(nodes.get())).transpose()?;
        let mut data = self.lock();
        let run = data.runs.get_mut(uuid).ok_or_else(|| StoreError::not_found("run", uuid))?;
        if run.journal_len != first_seq {
            return Err(StoreError::Conflict(format!(
                "run {uuid} has {} events; cannot append at {first_seq}",
                run.journal_len
            )));
        }
        run.journal_len += lines.len() as i64;
        run.status = state.status;
        (run.started_at, run.ended_at, run.error) = (state.started_at, state.ended_at, state.error.clone());
        if let Some(nodes) = nodes {
            run.nodes = nodes;
        }
        data.journals.entry(uuid.to_string()).or_default().extend(lines);
        for output in &state.outputs {
            data.outputs.insert((uuid.to_string(), output.key.clone()), output.value.clone());
        }
        Ok(())
    }

    async fn run_events(&self, uuid: &str) -> Result<Vec<Value>> {
        Ok(self.lock().journals.get(uuid).cloned().unwrap_or_default())
    }

    async fn run_outputs(&self, uuid: &str, keys: &[String]) -> Result<HashMap<String, Value>> {
        let data = self.lock();
        let found = keys.iter().filter_map(|key| {
            let value = data.outputs.get(&(uuid.to_string(), key.clone()))?;
            Some((key.clone(), value.clone()))
        });
        Ok(found.collect())
    }

    async fn unfinished_runs(&self, limit: usize) -> Result<Vec<UnfinishedRun>> {
        let data = self.lock();
        let mut unfinished: Vec<UnfinishedRun> = data
            .runs
            .values()
            .filter(|r| !r.status.is_final())
            .map(|r| UnfinishedRun {
                uuid: r.uuid.clone(),
                playbook_uuid: r.playbook_uuid.clone(),
                status: r.status,
                created_at: r.created_at,
            })
            .collect();
        unfinished.sort_by_key(|r| r.created_at);
        unfinished.truncate(limit);
        Ok(unfinished)
    }
}

/// A run as lists show it: without its trigger event and node account.
fn summary(run: &RunRecord) -> RunRecord {
    RunRecord { trigger_event: Value::Null, trigger_node: None, nodes: Vec::new(), ..run.clone() }
}

fn matches(filter: &RunFilter, run: &RunRecord) -> bool {
    filter.playbook_uuid.as_ref().is_none_or(|p| *p == run.playbook_uuid)
        && filter.status.is_none_or(|s| s == run.status)
        && filter.name.as_ref().is_none_or(|n| *n == run.name)
        && filter.created_from.is_none_or(|from| run.created_at >= from)
        && filter.created_to.is_none_or(|to| run.created_at <= to)
}

fn parse<T: serde::de::DeserializeOwned>(text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| StoreError::caused("cannot read back a JSON value", e))
}

/// Whether a run with `status` is done with: used by retention.
pub(crate) fn finished(status: RunStatus) -> bool {
    status.is_final()
}
