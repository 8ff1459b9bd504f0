//! The single writer: gathers write jobs and commits them together.
//!
//! A batch first runs as one plain transaction. Should a job fail, it may have left part of its
//! changes behind, so that transaction is rolled back and the batch runs again with each job in
//! a savepoint of its own: the failure undoes only that job. Savepoints on every job would keep
//! an undo copy of each page a job touches, which cost a quarter of the writer's time.

use std::sync::mpsc;

use riposte_store::{Result, StoreError};
use rusqlite::{Connection, Transaction};
use tokio::sync::oneshot;

use crate::connection::error;

/// Most jobs committed in one transaction.
const MAX_BATCH: usize = 512;

/// A write waiting for its transaction.
trait Job: Send {
    /// Makes the job's changes in `tx` (within a savepoint of its own when `alone`), keeping
    /// its outcome for [`Job::answer`]. True when it succeeded.
    fn run(&mut self, tx: &Transaction, alone: bool) -> bool;

    /// Answers whoever asked for the write, once its transaction has ended with `commit`.
    fn answer(self: Box<Self>, commit: Result<()>);
}

struct Write<T, F, E> {
    f: F,
    outcome: Option<Result<T>>,
    reply: oneshot::Sender<Result<T>>,
    ended: E,
}

impl<T, F, E> Job for Write<T, F, E>
where
    T: Send,
    F: Fn(&Transaction) -> Result<T> + Send,
    E: FnOnce(bool) + Send,
{
    fn run(&mut self, tx: &Transaction, alone: bool) -> bool {
        let outcome = if alone { in_savepoint(tx, &self.f) } else { (self.f)(tx) };
        let succeeded = outcome.is_ok();
        self.outcome = Some(outcome);
        succeeded
    }

    fn answer(self: Box<Self>, commit: Result<()>) {
        let outcome = self.outcome.unwrap_or_else(|| Err(StoreError::backend("the write did not run")));
        let result = match (outcome, commit) {
            (Ok(value), Ok(())) => Ok(value),
            (Err(e), _) | (Ok(_), Err(e)) => Err(e),
        };
        (self.ended)(result.is_ok());
        let _ = self.reply.send(result);
    }
}

#[derive(Clone)]
pub(crate) struct Writer {
    jobs: mpsc::Sender<Box<dyn Job>>,
}

impl Writer {
    pub(crate) fn start(connection: Connection) -> Writer {
        let (jobs, inbox) = mpsc::channel::<Box<dyn Job>>();
        std::thread::Builder::new()
            .name("riposte-sqlite-writer".into())
            .spawn(move || write_loop(connection, inbox))
            .expect("the writer thread starts");
        Writer { jobs }
    }

    /// Runs `f` in the next transaction and returns its result once that transaction is
    /// committed (or the error, with `f`'s changes undone). `f` may run twice: once in a
    /// transaction that another write's failure rolls back, then again.
    pub(crate) async fn write<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: Fn(&Transaction) -> Result<T> + Send + 'static,
    {
        self.write_then(f, |_| {}).await
    }

    /// [`Writer::write`], calling `ended` on the writer thread once the transaction has ended
    /// (with whether `f`'s changes were committed), before later transactions and whether or not
    /// the caller is still waiting for the answer.
    pub(crate) async fn write_then<T, F>(&self, f: F, ended: impl FnOnce(bool) + Send + 'static) -> Result<T>
    where
        T: Send + 'static,
        F: Fn(&Transaction) -> Result<T> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel::<Result<T>>();
        let job = Box::new(Write { f, outcome: None, reply, ended });
        self.jobs.send(job).map_err(|_| StoreError::backend("the database writer has stopped"))?;
        answer.await.map_err(|_| StoreError::backend("the database writer stopped before answering"))?
    }
}

/// Runs `f` in a savepoint: its changes are kept only if it succeeds.
fn in_savepoint<T>(tx: &Transaction, f: impl Fn(&Transaction) -> Result<T>) -> Result<T> {
    let run = |sql: &str| tx.prepare_cached(sql).and_then(|mut s| s.execute([])).map_err(error);
    run("SAVEPOINT job")?;
    match f(tx) {
        Ok(value) => {
            run("RELEASE job")?;
            Ok(value)
        }
        Err(e) => {
            run("ROLLBACK TO job")?;
            run("RELEASE job")?;
            Err(e)
        }
    }
}

fn write_loop(mut connection: Connection, inbox: mpsc::Receiver<Box<dyn Job>>) {
    while let Ok(first) = inbox.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match inbox.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let committed = commit_batch(&mut connection, &mut batch);
        for job in batch {
            job.answer(committed.clone());
        }
    }
}

/// Runs every job of `batch` and commits what succeeded.
fn commit_batch(connection: &mut Connection, batch: &mut [Box<dyn Job>]) -> Result<()> {
    let tx = connection.transaction().map_err(error)?;
    if batch.iter_mut().all(|job| job.run(&tx, false)) {
        return tx.commit().map_err(error);
    }
    tx.rollback().map_err(error)?;
    let tx = connection.transaction().map_err(error)?;
    for job in batch.iter_mut() {
        job.run(&tx, true);
    }
    tx.commit().map_err(error)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn writer() -> (tempfile::TempDir, Writer, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.db");
        let connection = crate::connection::open_connection(&path).unwrap();
        connection.execute_batch("CREATE TABLE t (name TEXT PRIMARY KEY)").unwrap();
        (dir, Writer::start(connection), path)
    }

    fn insert(name: &'static str) -> impl Fn(&Transaction) -> Result<()> {
        move |tx| tx.execute("INSERT INTO t (name) VALUES (?1)", [name]).map(|_| ()).map_err(error)
    }

    #[tokio::test]
    async fn a_failed_write_undoes_only_its_own_changes() {
        let (_dir, writer, path) = writer();
        // Hold the writer until the other writes wait together, so that they share a batch.
        let (release, hold) = std::sync::mpsc::channel::<()>();
        let hold = std::sync::Mutex::new(hold);
        let held = tokio::spawn({
            let writer = writer.clone();
            async move {
                writer
                    .write(move |_| {
                        let _ = hold.lock().unwrap().recv_timeout(std::time::Duration::from_secs(5));
                        Ok(())
                    })
                    .await
            }
        });
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let before = tokio::spawn({
            let writer = writer.clone();
            async move { writer.write(insert("before")).await }
        });
        let failing = tokio::spawn({
            let writer = writer.clone();
            async move {
                writer
                    .write(|tx| {
                        insert("half-done")(tx)?;
                        Err::<(), _>(StoreError::Conflict("refused after a change".into()))
                    })
                    .await
            }
        });
        let after = tokio::spawn({
            let writer = writer.clone();
            async move { writer.write(insert("after")).await }
        });
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        release.send(()).unwrap();
        held.await.unwrap().unwrap();
        before.await.unwrap().unwrap();
        after.await.unwrap().unwrap();
        assert!(matches!(failing.await.unwrap(), Err(StoreError::Conflict(_))));

        let db = Connection::open(&path).unwrap();
        let mut names: Vec<String> = db
            .prepare("SELECT name FROM t ORDER BY name")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        names.sort();
        assert_eq!(names, vec!["after", "before"], "the failed write's insert is undone, the others kept");
    }
}
