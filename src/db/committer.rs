//! Group commit for SQLite: one thread owns the writer connection and runs the write
//! transactions that are waiting together in one `BEGIN IMMEDIATE … COMMIT` (one fsync), each in
//! its own savepoint so that one failing leaves the others intact. Callers get their result only
//! after the commit, so an acknowledged write is durable. Under no load a batch is one job and
//! this is an ordinary transaction.

use std::panic::AssertUnwindSafe;
use std::sync::mpsc;

use diesel::connection::{AnsiTransactionManager, Connection, TransactionManager};

use super::{AnyConnection, DbError, Manager};

/// Delivers a job's result once the batch's commit is known.
type Delivery = Box<dyn FnOnce(Result<(), String>) + Send>;
/// A write job: runs on the writer connection inside the batch (or, given `None`, does not run
/// because the batch could not begin) and returns its delivery.
pub type Job = Box<dyn FnOnce(Option<&mut AnyConnection>) -> Delivery + Send>;

/// Most jobs committed together.
const MAX_BATCH: usize = 64;

/// The handle the `Db` keeps; the thread ends when the last handle is dropped.
pub struct Committer {
    jobs: mpsc::Sender<Job>,
}

impl Committer {
    /// Starts the writer thread on a connection of its own.
    pub fn start(manager: &Manager) -> Result<Committer, DbError> {
        let mut conn = diesel::r2d2::ManageConnection::connect(manager)
            .map_err(|e| DbError::Setup(format!("writer connection: {e}")))?;
        let (jobs, queue) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("kam360-writer".into())
            .spawn(move || run(&mut conn, &queue))
            .map_err(|e| DbError::Setup(format!("writer thread: {e}")))?;
        Ok(Committer { jobs })
    }

    /// Queues a job; `Err` if the writer thread is gone.
    pub fn submit(&self, job: Job) -> Result<(), DbError> {
        self.jobs
            .send(job)
            .map_err(|_| DbError::Task("the database writer has stopped".into()))
    }
}

fn run(conn: &mut AnyConnection, queue: &mpsc::Receiver<Job>) {
    while let Ok(first) = queue.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let AnyConnection::Sqlite(sqlite) = conn else {
            return;
        };
        if let Err(e) = AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE") {
            let message = format!("cannot begin a transaction: {e}");
            for job in batch {
                job(None)(Err(message.clone()));
            }
            continue;
        }
        let deliveries: Vec<Delivery> = batch.into_iter().map(|job| run_job(conn, job)).collect();
        let AnyConnection::Sqlite(sqlite) = conn else {
            return;
        };
        let outcome = AnsiTransactionManager::commit_transaction(sqlite).map_err(|e| {
            let _ = AnsiTransactionManager::rollback_transaction(sqlite);
            format!("commit failed: {e}")
        });
        for deliver in deliveries {
            deliver(outcome.clone());
        }
    }
}

/// Runs one job; a panic inside it becomes an error for that job alone.
fn run_job(conn: &mut AnyConnection, job: Job) -> Delivery {
    match std::panic::catch_unwind(AssertUnwindSafe(|| job(Some(&mut *conn)))) {
        Ok(deliver) => deliver,
        Err(_) => {
            // the job's savepoint, if open, is rolled back with the transaction state reset
            if let AnyConnection::Sqlite(c) = conn {
                while AnsiTransactionManager::transaction_manager_status_mut(c)
                    .transaction_depth()
                    .ok()
                    .flatten()
                    .is_some_and(|d| d.get() > 1)
                {
                    if AnsiTransactionManager::rollback_transaction(c).is_err() {
                        break;
                    }
                }
            }
            tracing::error!("a database write panicked; its changes were rolled back");
            Box::new(|_| {})
        }
    }
}

/// Wraps `f` as a job that runs in its own savepoint and sends its result through `reply`
/// once the batch is committed (or the commit's error if it was not).
pub fn job<T, E, F>(f: F, reply: impl FnOnce(Result<T, E>) + Send + 'static) -> Job
where
    F: FnOnce(&mut AnyConnection) -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: From<DbError> + From<diesel::result::Error> + Send + 'static,
{
    Box::new(move |conn: Option<&mut AnyConnection>| {
        let result = match conn {
            Some(conn) => conn.transaction(f),
            None => Err(E::from(DbError::Task("the write did not run".into()))),
        };
        Box::new(move |committed: Result<(), String>| {
            reply(match committed {
                Ok(()) => result,
                Err(e) => Err(E::from(DbError::Task(e))),
            })
        }) as Delivery
    })
}
