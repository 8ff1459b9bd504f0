//! The single writer: gathers write jobs and commits them together.
//!
//! A batch first runs as one plain transaction. Should a job fail, it may have left part of its
//! changes behind, so that transaction is rolled back and the batch runs again with each job in
//! a savepoint of its own: the failure undoes only that job. Savepoints on every job would keep
//! an undo copy of each page a job touches, which cost a quarter of the writer's time.
//!
//! A full disk (or database) is the one failure that SQLite may answer by rolling back the
//! whole transaction itself, savepoints and all: the job that met it keeps its error, and the
//! others run again in a new transaction without it. When a commit fails, every job of the
//! batch gets that error; nothing is answered as written unless its transaction committed, and
//! the next batch starts afresh, so writes resume by themselves once there is room again.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, mpsc};

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
        let result = match (self.outcome, commit) {
            (Some(Ok(value)), Ok(())) => Ok(value),
            (Some(Err(e)), _) | (_, Err(e)) => Err(e),
            (None, Ok(())) => Err(StoreError::backend("the write did not run")),
        };
        (self.ended)(result.is_ok());
        let _ = self.reply.send(result);
    }
}

/// The most pages the database may grow to, which can change while it is open (SQLite's
/// `max_page_count`, applied before the writer's next transaction): a write past it fails as on
/// a full disk. Unlimited (SQLite's own maximum) unless set; tests set it to fill the database.
#[derive(Debug, Clone, Default)]
pub struct PageLimit(Arc<AtomicU64>);

impl PageLimit {
    /// At most `pages` pages; a limit below the database's size stops it at its size.
    pub fn set(&self, pages: u64) {
        self.0.store(pages.max(1), Ordering::Relaxed);
    }

    /// SQLite's own maximum again.
    pub fn lift(&self) {
        self.0.store(0, Ordering::Relaxed);
    }

    fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// SQLite's default `max_page_count`.
const SQLITE_MAX_PAGES: u64 = 4_294_967_294;

#[derive(Clone)]
pub(crate) struct Writer {
    jobs: mpsc::Sender<Box<dyn Job>>,
}

impl Writer {
    pub(crate) fn start(connection: Connection, pages: PageLimit) -> Writer {
        let (jobs, inbox) = mpsc::channel::<Box<dyn Job>>();
        std::thread::Builder::new()
            .name("riposte-sqlite-writer".into())
            .spawn(move || write_loop(connection, inbox, pages))
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

/// Runs `f` in a savepoint: its changes are kept only if it succeeds. When `f` fails, its own
/// error is returned; should its changes not be undone alone (SQLite rolled the transaction
/// back, or the savepoint cannot be), the whole transaction is left rolled back, for
/// [`commit_batch`] to see.
fn in_savepoint<T>(tx: &Transaction, f: impl Fn(&Transaction) -> Result<T>) -> Result<T> {
    let run = |sql: &str| tx.prepare_cached(sql).and_then(|mut s| s.execute([])).map_err(error);
    run("SAVEPOINT job")?;
    match f(tx) {
        Ok(value) => {
            run("RELEASE job")?;
            Ok(value)
        }
        Err(e) => {
            if !tx.is_autocommit() && run("ROLLBACK TO job").and_then(|_| run("RELEASE job")).is_err() {
                abandon(tx);
            }
            Err(e)
        }
    }
}

/// Rolls back the transaction `connection` is in, if any: SQLite may have done so already.
fn abandon(connection: &Connection) {
    if !connection.is_autocommit() {
        let _ = connection.execute_batch("ROLLBACK");
    }
}

fn write_loop(mut connection: Connection, inbox: mpsc::Receiver<Box<dyn Job>>, pages: PageLimit) {
    let mut applied = 0;
    while let Ok(first) = inbox.recv() {
        let limit = pages.get();
        if limit != applied {
            let max = if limit == 0 { SQLITE_MAX_PAGES } else { limit };
            if connection.query_row(&format!("PRAGMA max_page_count = {max}"), [], |_| Ok(())).is_ok() {
                applied = limit;
            }
        }
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
    abandon(connection);
    let tx = connection.transaction().map_err(error)?;
    if batch.iter_mut().all(|job| job.run(&tx, false)) {
        return tx.commit().map_err(error);
    }
    abandon(&tx);
    drop(tx);
    // Each job in a savepoint. A job whose failure took the transaction with it is left out and
    // the others run again, so each round leaves one more out and the rounds end.
    let mut failed = vec![false; batch.len()];
    loop {
        let tx = connection.transaction().map_err(error)?;
        let mut lost = false;
        for (job, failed) in batch.iter_mut().zip(failed.iter_mut()).filter(|(_, failed)| !**failed) {
            if !job.run(&tx, true) {
                *failed = true;
                if tx.is_autocommit() {
                    lost = true;
                    break;
                }
            }
        }
        if !lost {
            return tx.commit().map_err(error);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn writer() -> (tempfile::TempDir, Writer, std::path::PathBuf) {
        writer_within(PageLimit::default())
    }

    fn writer_within(pages: PageLimit) -> (tempfile::TempDir, Writer, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.db");
        let connection = crate::connection::open_connection(&path).unwrap();
        connection.execute_batch("CREATE TABLE t (name TEXT PRIMARY KEY)").unwrap();
        (dir, Writer::start(connection, pages), path)
    }

    fn names(path: &std::path::Path) -> Vec<String> {
        let db = Connection::open(path).unwrap();
        let mut statement = db.prepare("SELECT name FROM t ORDER BY name").unwrap();
        statement.query_map([], |r| r.get(0)).unwrap().collect::<rusqlite::Result<_>>().unwrap()
    }

    /// Holds the writer until `released`, so that the writes sent meanwhile share a batch.
    async fn hold(writer: &Writer) -> (std::sync::mpsc::Sender<()>, tokio::task::JoinHandle<Result<()>>) {
        let (release, held) = std::sync::mpsc::channel::<()>();
        let held = std::sync::Mutex::new(held);
        let holding = tokio::spawn({
            let writer = writer.clone();
            async move {
                writer
                    .write(move |_| {
                        let _ = held.lock().unwrap().recv_timeout(std::time::Duration::from_secs(5));
                        Ok(())
                    })
                    .await
            }
        });
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        (release, holding)
    }

    fn spawn_write(
        writer: &Writer,
        f: impl Fn(&Transaction) -> Result<()> + Send + 'static,
    ) -> tokio::task::JoinHandle<Result<()>> {
        let writer = writer.clone();
        tokio::spawn(async move { writer.write(f).await })
    }

    fn insert_owned(name: String) -> impl Fn(&Transaction) -> Result<()> {
        move |tx| tx.execute("INSERT INTO t (name) VALUES (?1)", [&name]).map(|_| ()).map_err(error)
    }

    #[tokio::test]
    async fn a_write_that_fills_the_disk_fails_alone_and_the_others_of_its_batch_commit() {
        let pages = PageLimit::default();
        pages.set(1); // no room to grow: SQLite rolls the whole transaction back on the big insert
        let (_dir, writer, path) = writer_within(pages);
        let (release, holding) = hold(&writer).await;
        let before = spawn_write(&writer, insert("before"));
        let big = spawn_write(&writer, insert_owned("x".repeat(200_000)));
        let after = spawn_write(&writer, insert("after"));
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        release.send(()).unwrap();
        holding.await.unwrap().unwrap();
        let refused = big.await.unwrap().unwrap_err();
        assert!(matches!(refused, StoreError::Full(_)), "{refused:?}");
        assert_eq!(refused.to_string(), "the database is full or out of disk space: database or disk is full");
        before.await.unwrap().unwrap();
        after.await.unwrap().unwrap();
        assert_eq!(names(&path), vec!["after", "before"], "what was answered as written is written");
    }

    #[tokio::test]
    async fn writes_on_a_full_disk_fail_as_full_and_resume_once_there_is_room() {
        let pages = PageLimit::default();
        let (_dir, writer, path) = writer_within(pages.clone());
        writer.write(insert("first")).await.unwrap();
        pages.set(1);
        for _ in 0..3 {
            let refused = writer.write(insert_owned("x".repeat(200_000))).await.unwrap_err();
            assert!(matches!(refused, StoreError::Full(_)), "{refused:?}");
        }
        writer.write(insert("small")).await.expect("what fits is still written");
        pages.lift();
        writer.write(insert_owned("y".repeat(200_000))).await.expect("written once there is room");
        assert_eq!(names(&path).len(), 3);
    }

    #[tokio::test]
    async fn a_write_whose_transaction_sqlite_rolled_back_fails_alone() {
        let (_dir, writer, path) = writer();
        let (release, holding) = hold(&writer).await;
        let before = spawn_write(&writer, insert("before"));
        // As SQLite does on some failures (I/O, a full disk): the whole transaction is gone.
        let lost = spawn_write(&writer, |tx| {
            insert("lost")(tx)?;
            tx.execute_batch("ROLLBACK").map_err(error)?;
            Err(StoreError::Full("database or disk is full".into()))
        });
        let after = spawn_write(&writer, insert("after"));
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        release.send(()).unwrap();
        holding.await.unwrap().unwrap();
        assert!(matches!(lost.await.unwrap(), Err(StoreError::Full(_))));
        before.await.unwrap().unwrap();
        after.await.unwrap().unwrap();
        assert_eq!(names(&path), vec!["after", "before"]);
        writer.write(insert("later")).await.expect("the writer goes on");
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
