//! The single writer: gathers write jobs and commits them together.

use std::sync::mpsc;

use riposte_store::{Result, StoreError};
use rusqlite::{Connection, Transaction};
use tokio::sync::oneshot;

use crate::connection::error;

/// Most jobs committed in one transaction.
const MAX_BATCH: usize = 512;

type Job = Box<dyn FnOnce(&Transaction) -> Box<dyn FnOnce(Result<()>) + Send> + Send>;

#[derive(Clone)]
pub(crate) struct Writer {
    jobs: mpsc::Sender<Job>,
}

impl Writer {
    pub(crate) fn start(connection: Connection) -> Writer {
        let (jobs, inbox) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("riposte-sqlite-writer".into())
            .spawn(move || write_loop(connection, inbox))
            .expect("the writer thread starts");
        Writer { jobs }
    }

    /// Runs `f` in the next transaction and returns its result once that transaction is
    /// committed (or the error, with `f`'s changes undone).
    pub(crate) async fn write<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction) -> Result<T> + Send + 'static,
    {
        self.write_then(f, |_| {}).await
    }

    /// [`Writer::write`], calling `ended` on the writer thread once the transaction has ended
    /// (with whether `f`'s changes were committed), before later transactions and whether or not
    /// the caller is still waiting for the answer.
    pub(crate) async fn write_then<T, F>(&self, f: F, ended: impl FnOnce(bool) + Send + 'static) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction) -> Result<T> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel::<Result<T>>();
        let job: Job = Box::new(move |tx: &Transaction| {
            let outcome = in_savepoint(tx, f);
            Box::new(move |commit: Result<()>| {
                let result = match (outcome, commit) {
                    (Ok(value), Ok(())) => Ok(value),
                    (Err(e), _) | (Ok(_), Err(e)) => Err(e),
                };
                ended(result.is_ok());
                let _ = reply.send(result);
            })
        });
        self.jobs.send(job).map_err(|_| StoreError::Backend("the database writer has stopped".into()))?;
        answer.await.map_err(|_| StoreError::Backend("the database writer stopped before answering".into()))?
    }
}

/// Runs `f` in a savepoint: its changes are kept only if it succeeds.
fn in_savepoint<T>(tx: &Transaction, f: impl FnOnce(&Transaction) -> Result<T>) -> Result<T> {
    // Cached statements: parsing these three on every write showed as 5% of a busy server.
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

fn write_loop(mut connection: Connection, inbox: mpsc::Receiver<Job>) {
    while let Ok(first) = inbox.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match inbox.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        // Without a transaction the jobs are dropped unanswered, and their callers get an error.
        let Ok(tx) = connection.transaction() else { continue };
        let replies: Vec<_> = batch.into_iter().map(|job| job(&tx)).collect();
        let committed = tx.commit().map_err(error);
        for reply in replies {
            reply(committed.clone());
        }
    }
}
