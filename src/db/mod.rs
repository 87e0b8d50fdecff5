//! Storage: one connection type for SQLite and PostgreSQL (chosen by the URL scheme), pools,
//! embedded migrations and write transactions. All SQL lives under this module.

pub mod accounts;
pub mod assignments;
pub mod audit;
pub mod backup;
pub mod committer;
mod connection;
pub mod cycle_page;
pub mod cycle_texts;
pub mod cycles;
pub mod decisions;
mod enums;
mod ids;
pub mod notices;
pub mod outbox;
pub mod password_resets;
pub mod people;
pub(crate) mod pipelined;
pub mod proposals;
pub mod rater_access;
pub mod releases;
pub mod responses;
pub mod reviews;
pub mod schema;
pub mod sessions;
pub mod setup_links;
pub mod sign_in_flows;
mod statements;
pub mod throttle;

pub use connection::{AnyConnection, Backend, Manager};

pub use statements::StatementCounter;

/// A page of a long list: skip `offset` rows, then read at most `limit`.
#[derive(Debug, Clone, Copy)]
pub struct Page {
    pub offset: i64,
    pub limit: i64,
}

use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::prelude::*;
use diesel::r2d2;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

/// Migrations for each backend, embedded in the binary.
pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
/// See [`SQLITE_MIGRATIONS`].
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Runs `$body` with `$c` bound to the backend's own connection (the body is compiled once per
/// backend). Hot paths use it: diesel's `MultiConnection` re-serialises a query's whole SQL on
/// every execution (its `SerializedQuery::walk_ast` renders the SQL even to collect binds),
/// while the native connections find a static query's prepared statement by its type and only
/// walk the AST for its binds — measured at a third of a rater-form GET.
macro_rules! native {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::AnyConnection::Sqlite($c) => $body,
            $crate::db::AnyConnection::Postgresql($c) => $body,
        }
    };
}
pub(crate) use native;

/// From how many new rows an import refreshes the planner's statistics.
pub const BULK_ROWS: usize = 500;

/// Refreshes PostgreSQL's planner statistics of the tables an import fills, in the caller's
/// transaction (its new rows counted). Until autovacuum got round to it, a launch right after
/// importing 190,000 nominations read each batch's raters by hashing all 180,000 people (a
/// statistics-less guess of 600 raters a review): 120 ms a batch instead of 9. SQLite's
/// planner needs no statistics for these lookups.
pub fn refresh_statistics(conn: &mut AnyConnection) -> QueryResult<()> {
    if let AnyConnection::Postgresql(c) = conn {
        diesel::sql_query("ANALYZE people, organizations, reviews, assignments").execute(c)?;
    }
    Ok(())
}

/// Runs `query` over `ids` 500 at a time and gathers the rows: an `IN` list stays bounded
/// (SQLite allows at most 32,766 parameters, PostgreSQL 65,535) whatever the number of ids.
pub fn chunked<I, T>(
    ids: &[I],
    mut query: impl FnMut(&[I]) -> QueryResult<Vec<T>>,
) -> QueryResult<Vec<T>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        out.extend(query(chunk)?);
    }
    Ok(out)
}

/// Creates `dir` and any missing parent as owner-only (0700), whatever the umask; an existing
/// directory is left as it is.
///
/// # Errors
///
/// The file system's.
pub fn owner_only_dir(dir: &std::path::Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

/// Creates `path` as an empty owner-only file (0600), whatever the umask, unless it exists.
///
/// # Errors
///
/// The file system's.
pub fn owner_only_file(path: &std::path::Path) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// Everything that can go wrong below a handler.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database connection: {0}")]
    Pool(#[from] r2d2::PoolError),
    #[error("database: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("database task failed: {0}")]
    Task(String),
    #[error("database: {0}")]
    Setup(String),
}

type Pool = r2d2::Pool<Manager>;

/// The database handle shared by the web server, the worker and the CLI. On SQLite, request
/// writes go through the group-commit writer (`committer`), and blocking writes (the CLI, the
/// tests) through a one-connection pool, both in `BEGIN IMMEDIATE` transactions, so that
/// concurrent writers queue instead of failing with `database is locked`; reads use the pool.
#[derive(Clone)]
pub struct Db {
    backend: Backend,
    read: Pool,
    write: Pool,
    /// SQLite only: the group-commit writer every write goes through.
    committer: Option<std::sync::Arc<committer::Committer>>,
    /// PostgreSQL only: one permit per pooled connection, taken in arrival order before a
    /// request's work goes to the blocking pool. Without it, every waiting request held a
    /// blocking thread parked in r2d2's checkout, whose wake-ups are not first come, first
    /// served: under 64 raters at once one request in a hundred waited 40–290 ms (issue #25).
    gate: Option<std::sync::Arc<tokio::sync::Semaphore>>,
    /// PostgreSQL: the HTTP workers' own connections for the rater's lookup, or why libpq
    /// serves it (see `pipelined`).
    pipelined: Result<std::sync::Arc<pipelined::Pipelined>, String>,
}

impl Db {
    /// Connects (creating the SQLite file and its folder if needed).
    pub fn connect(url: &str, pool_size: u32) -> Result<Db, DbError> {
        Self::connect_counting(url, pool_size, None)
    }

    /// [`Db::connect`], counting every statement into `counter`.
    pub fn connect_counting(
        url: &str,
        pool_size: u32,
        counter: Option<StatementCounter>,
    ) -> Result<Db, DbError> {
        let backend = Backend::of_url(url).map_err(|e| DbError::Setup(e.to_string()))?;
        if let Backend::Sqlite(path) = &backend {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                owner_only_dir(dir)
                    .map_err(|e| DbError::Setup(format!("cannot create {}: {e}", dir.display())))?;
            }
            // created owner-only before SQLite opens it: SQLite gives its -wal and -shm files
            // the database file's permissions
            owner_only_file(path)
                .map_err(|e| DbError::Setup(format!("cannot create {}: {e}", path.display())))?;
        }
        let pipelined = match &backend {
            Backend::Postgres(url) => {
                pipelined::plan(url, counter.clone()).map(std::sync::Arc::new)
            }
            Backend::Sqlite(_) => Err("SQLite".to_owned()),
        };
        let manager = Manager {
            backend: backend.clone(),
            counter,
        };
        // PostgreSQL: every connection is opened here, before `build` returns, never later on a
        // pool thread. A connection still being opened (TLS handshake) by r2d2's thread while
        // the process exits crashed `kam360 outbox flush` with SIGSEGV in libpq/OpenSSL's exit
        // handlers, once the worker's lanes made the pool grow on demand.
        let eager = matches!(backend, Backend::Postgres(_));
        let build = |size: u32| {
            r2d2::Pool::builder()
                .max_size(size)
                .min_idle(Some(if eager { size } else { 0 }))
                // no ping per checkout: a broken connection is noticed by has_broken and dropped
                .test_on_check_out(false)
                .connection_timeout(Duration::from_secs(10))
                .build(manager.clone())
                .map_err(|e| {
                    DbError::Setup(format!(
                        "cannot connect to the {} database: {e}",
                        backend.name()
                    ))
                })
        };
        let (read, write) = match backend {
            Backend::Sqlite(_) => (build(pool_size)?, build(1)?),
            Backend::Postgres(_) => {
                let pool = build(pool_size)?;
                (pool.clone(), pool)
            }
        };
        // fail fast on an unreachable server or an unwritable file
        drop(write.get()?);
        let committer = match backend {
            Backend::Sqlite(_) => Some(std::sync::Arc::new(committer::Committer::start(&manager)?)),
            Backend::Postgres(_) => None,
        };
        let gate = match backend {
            Backend::Sqlite(_) => None,
            Backend::Postgres(_) => Some(std::sync::Arc::new(tokio::sync::Semaphore::new(
                pool_size as usize,
            ))),
        };
        Ok(Db {
            backend,
            read,
            write,
            committer,
            gate,
            pipelined,
        })
    }

    /// PostgreSQL: the HTTP workers' own connections, or why libpq serves the rater's lookup
    /// (for the start-up log; the reason names no secret).
    pub(crate) fn pipelined(&self) -> Result<&pipelined::Pipelined, &str> {
        self.pipelined.as_deref().map_err(String::as_str)
    }

    /// The backend in use.
    pub fn backend(&self) -> &Backend {
        &self.backend
    }

    /// Applies pending migrations (serialised across instances on PostgreSQL).
    pub fn migrate(&self) -> Result<usize, DbError> {
        let mut conn = self.write.get()?;
        let applied = match &mut *conn {
            AnyConnection::Sqlite(c) => c
                .run_pending_migrations(SQLITE_MIGRATIONS)
                .map(|v| v.len())
                .map_err(|e| DbError::Setup(format!("migration failed: {e}")))?,
            AnyConnection::Postgresql(c) => {
                diesel::sql_query("SELECT pg_advisory_lock(360360)").execute(c)?;
                let result = c
                    .run_pending_migrations(POSTGRES_MIGRATIONS)
                    .map(|v| v.len())
                    .map_err(|e| DbError::Setup(format!("migration failed: {e}")));
                diesel::sql_query("SELECT pg_advisory_unlock(360360)").execute(c)?;
                result?
            }
        };
        Ok(applied)
    }

    /// Runs `f` on a pooled connection, off the async runtime.
    pub async fn read<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let pool = self.read.clone();
        let permit = self.permit().await?;
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let mut conn = pool.get().map_err(DbError::from)?;
            f(&mut conn)
        })
        .await
        .map_err(|e| E::from(DbError::Task(e.to_string())))?
    }

    /// PostgreSQL: waits, in arrival order and without a thread, for a pooled connection to
    /// be free (see `gate`); held until the work is done. Nothing on SQLite.
    async fn permit(&self) -> Result<Option<tokio::sync::OwnedSemaphorePermit>, DbError> {
        match &self.gate {
            None => Ok(None),
            Some(gate) => gate
                .clone()
                .acquire_owned()
                .await
                .map(Some)
                .map_err(|e| DbError::Task(e.to_string())),
        }
    }

    /// [`Db::read`] for a few indexed lookups on a request's hot path. On SQLite, with an idle
    /// connection at hand, `f` runs right here on the async worker: a WAL reader never waits
    /// for the writer, and a point lookup in cached pages costs less than the hop to the
    /// blocking pool and back (measured on the rater form). Otherwise, and always on
    /// PostgreSQL (a network round trip), it goes to the blocking pool like [`Db::read`].
    pub async fn read_point<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        if matches!(self.backend, Backend::Sqlite(_)) {
            if let Some(mut conn) = self.read.try_get() {
                return f(&mut conn);
            }
        }
        self.read(f).await
    }

    /// Runs `f` in one write transaction, off the async runtime: committed if it returns `Ok`,
    /// rolled back otherwise.
    pub async fn write<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + From<diesel::result::Error> + Send + 'static,
    {
        if let Some(committer) = &self.committer {
            let (reply, answer) = tokio::sync::oneshot::channel();
            committer.submit(committer::job(f, move |r| {
                let _ = reply.send(r);
            }))?;
            return answer.await.map_err(|_| {
                E::from(DbError::Task("the database writer dropped a write".into()))
            })?;
        }
        let db = self.clone();
        let permit = self.permit().await?;
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            db.write_blocking(f)
        })
        .await
        .map_err(|e| E::from(DbError::Task(e.to_string())))?
    }

    /// [`Db::write`] for synchronous callers (the CLI).
    pub fn write_blocking<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, E>,
        E: From<DbError>,
    {
        let mut conn = self.write.get().map_err(DbError::from)?;
        in_transaction(&mut conn, f)
    }

    /// SQLite: copies every committed page into the database file and truncates the WAL, so
    /// that rows deleted under `secure_delete` (a delivered message's body holds a live rater
    /// link) leave no bytes in either file (SPEC §7). Waits for readers of older snapshots, a
    /// few milliseconds on the hot path. Nothing to do on PostgreSQL.
    pub fn scrub_blocking(&self) -> Result<(), DbError> {
        if let Backend::Sqlite(_) = self.backend {
            let mut conn = self.read.get()?;
            diesel::sql_query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&mut *conn)?;
        }
        Ok(())
    }

    /// [`Db::scrub_blocking`] off the async runtime.
    pub async fn scrub(&self) -> Result<(), DbError> {
        let db = self.clone();
        tokio::task::spawn_blocking(move || db.scrub_blocking())
            .await
            .map_err(|e| DbError::Task(e.to_string()))?
    }

    /// [`Db::read`] for synchronous callers (the CLI).
    pub fn read_blocking<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, E>,
        E: From<DbError>,
    {
        let mut conn = self.read.get().map_err(DbError::from)?;
        f(&mut conn)
    }
}

/// Begins (IMMEDIATE on SQLite), runs `f`, commits or rolls back.
fn in_transaction<T, E, F>(conn: &mut AnyConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut AnyConnection) -> Result<T, E>,
    E: From<DbError>,
{
    let begin = match conn {
        AnyConnection::Sqlite(c) => {
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")
        }
        AnyConnection::Postgresql(c) => AnsiTransactionManager::begin_transaction(c),
    };
    begin.map_err(DbError::from)?;
    let result = f(conn);
    let end = match (&result, conn) {
        (Ok(_), AnyConnection::Sqlite(c)) => AnsiTransactionManager::commit_transaction(c),
        (Ok(_), AnyConnection::Postgresql(c)) => AnsiTransactionManager::commit_transaction(c),
        (Err(_), AnyConnection::Sqlite(c)) => AnsiTransactionManager::rollback_transaction(c),
        (Err(_), AnyConnection::Postgresql(c)) => AnsiTransactionManager::rollback_transaction(c),
    };
    match (result, end) {
        (Ok(v), Ok(())) => Ok(v),
        (Ok(_), Err(e)) => Err(DbError::from(e).into()),
        (Err(e), _) => Err(e),
    }
}

/// Now, in UTC, at microsecond precision (what both backends store).
pub fn now() -> chrono::NaiveDateTime {
    let t = chrono::Utc::now().naive_utc();
    chrono::DurationRound::duration_trunc(t, chrono::TimeDelta::microseconds(1)).unwrap_or(t)
}

// Lookups by a unique key use `get_result`, not `first`: `first` binds `LIMIT ?`, and SQLite
// re-prepares a statement whose plan used a bound LIMIT whenever it is re-bound, which cost half
// of a form GET (measured with callgrind).

/// A new time-ordered row id.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn migration_trees_have_the_same_names() {
        let names = |dir: &str| {
            let mut v: Vec<String> = std::fs::read_dir(dir)
                .expect("migrations dir")
                .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
                .collect();
            v.sort();
            v
        };
        let root = env!("CARGO_MANIFEST_DIR");
        assert_eq!(
            names(&format!("{root}/migrations/sqlite")),
            names(&format!("{root}/migrations/postgres"))
        );
    }
}
