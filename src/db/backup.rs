//! Online backup and restore of an SQLite database (SPEC §14). A backup is `VACUUM INTO`: a
//! consistent, compact copy taken while the server keeps serving. A restore replaces the
//! database file, so it is refused while a server (or any other kam360 command) holds the
//! database: every process keeps a shared lock on `{database}.lock`, taken before it connects,
//! and restore needs it exclusively.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use diesel::prelude::*;

use super::{AnyConnection, Backend, Db, DbError};
use crate::telemetry::Progress;

/// Why a backup or restore cannot be done.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// PostgreSQL has its own tools.
    #[error("backup and restore work on SQLite; for PostgreSQL use pg_dump and pg_restore")]
    Postgres,
    /// The target of a backup exists already.
    #[error("{0} exists already: choose a new file name")]
    Exists(PathBuf),
    /// A server is running on the database.
    #[error("a kam360 server is using {0}: stop it before restoring")]
    InUse(PathBuf),
    /// The file to restore is not a kam360 SQLite database.
    #[error("{0} is not a kam360 SQLite backup ({1})")]
    NotABackup(PathBuf, String),
    /// Reading or writing a file failed.
    #[error("{0}: {1}")]
    Io(PathBuf, std::io::Error),
    /// The database refused.
    #[error(transparent)]
    Db(#[from] DbError),
}

fn lock_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

fn open_lock(db: &Path) -> Result<File, BackupError> {
    let path = lock_path(db);
    // the lock is taken before the first connection, which would create the directory
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        super::owner_only_dir(dir).map_err(|e| BackupError::Io(dir.to_owned(), e))?;
    }
    super::owner_only_file(&path).map_err(|e| BackupError::Io(path.clone(), e))?;
    OpenOptions::new()
        .write(true)
        .open(&path)
        .map_err(|e| BackupError::Io(path, e))
}

/// Held by a running server: while it lives, [`restore`] is refused. `None` on PostgreSQL.
pub fn hold(backend: &Backend) -> Result<Option<File>, BackupError> {
    let Backend::Sqlite(path) = backend else {
        return Ok(None);
    };
    let file = open_lock(path)?;
    file.lock_shared()
        .map_err(|e| BackupError::Io(lock_path(path), e))?;
    Ok(Some(file))
}

/// Writes a consistent copy of the database to `to` while it is in use; `progress` follows
/// the copy's bytes against the database's size.
pub fn backup(db: &Db, to: &Path, progress: &dyn Progress) -> Result<(), BackupError> {
    if !matches!(db.backend(), Backend::Sqlite(_)) {
        return Err(BackupError::Postgres);
    }
    if to.exists() {
        return Err(BackupError::Exists(to.to_owned()));
    }
    // owner-only whatever the umask: VACUUM INTO writes into an empty file that exists
    super::owner_only_file(to).map_err(|e| BackupError::Io(to.to_owned(), e))?;
    let target = to.to_string_lossy().into_owned();
    if let Backend::Sqlite(path) = db.backend() {
        progress.total(std::fs::metadata(path).map(|m| m.len()).unwrap_or(0));
    }
    let done = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|s| {
        // VACUUM INTO is one statement: its progress is the size of what it has written
        s.spawn(|| watch_size(to, &done, progress));
        let copied = db.read_blocking(|c: &mut AnyConnection| {
            diesel::sql_query("VACUUM INTO ?")
                .bind::<diesel::sql_types::Text, _>(&target)
                .execute(c)
                .map_err(DbError::from)
        });
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        copied
    })?;
    Ok(())
}

/// Tells `progress` how large `file` has grown, ten times a second, until `done`.
fn watch_size(file: &Path, done: &std::sync::atomic::AtomicBool, progress: &dyn Progress) {
    let mut told = 0;
    while !done.load(std::sync::atomic::Ordering::Relaxed) {
        let now = std::fs::metadata(file).map(|m| m.len()).unwrap_or(told);
        progress.advance(now.saturating_sub(told));
        told = told.max(now);
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

#[derive(QueryableByName)]
struct Check {
    #[diesel(sql_type = diesel::sql_types::Text)]
    integrity_check: String,
}

/// Checks that `from` is an intact SQLite database made by kam360: its schema is exactly what
/// kam360's migrations make (tables, columns, indexes; no trigger or view of anyone else's),
/// for a migration history this build knows.
fn verify(from: &Path) -> Result<(), BackupError> {
    let not_a_backup = |why: String| BackupError::NotABackup(from.to_owned(), why);
    if !from.is_file() {
        return Err(not_a_backup("no such file".into()));
    }
    let mut c = SqliteConnection::establish(&from.to_string_lossy())
        .map_err(|e| not_a_backup(e.to_string()))?;
    let check: Vec<Check> = diesel::sql_query("PRAGMA integrity_check")
        .load(&mut c)
        .map_err(|e| not_a_backup(e.to_string()))?;
    if check.first().map(|r| r.integrity_check.as_str()) != Some("ok") {
        return Err(not_a_backup("the integrity check failed".into()));
    }
    let versions: Vec<Version> =
        diesel::sql_query("SELECT version FROM __diesel_schema_migrations ORDER BY version")
            .load(&mut c)
            .map_err(|_| not_a_backup("it has no kam360 migrations".into()))?;
    let versions: Vec<String> = versions.into_iter().map(|v| v.version).collect();
    let expected = expected_schema(&versions).map_err(not_a_backup)?;
    let found = schema(&mut c).map_err(|e| not_a_backup(e.to_string()))?;
    match schema_difference(&expected, &found) {
        Some(why) => Err(not_a_backup(why)),
        None => Ok(()),
    }
}

#[derive(QueryableByName)]
struct Version {
    #[diesel(sql_type = diesel::sql_types::Text)]
    version: String,
}

/// One entry of `sqlite_master`: a table, index, view or trigger and the SQL that made it.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
struct SchemaItem {
    #[diesel(sql_type = diesel::sql_types::Text)]
    kind: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    sql: String,
}

/// Everything a database holds besides its rows (SQLite's own tables left out), by name.
fn schema(c: &mut SqliteConnection) -> QueryResult<Vec<SchemaItem>> {
    let mut items: Vec<SchemaItem> = diesel::sql_query(
        "SELECT type AS kind, name, COALESCE(sql, '') AS sql FROM sqlite_master \
         WHERE name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .load(c)?;
    for i in &mut items {
        // the same statement, however it was spaced
        i.sql = i.sql.split_whitespace().collect::<Vec<_>>().join(" ");
    }
    Ok(items)
}

/// The schema kam360's own migrations make when exactly `versions` (a backup's history) have
/// run, in a database in memory; why not, when the history is not a start of this build's.
fn expected_schema(versions: &[String]) -> Result<Vec<SchemaItem>, String> {
    use diesel_migrations::MigrationHarness;
    let mut mem = SqliteConnection::establish(":memory:").map_err(|e| e.to_string())?;
    let known: Vec<String> = mem
        .pending_migrations(super::SQLITE_MIGRATIONS)
        .map_err(|e| e.to_string())?
        .iter()
        .map(|m| m.name().version().to_string())
        .collect();
    if let Some(unknown) = versions.iter().find(|v| !known.contains(v)) {
        return Err(format!(
            "its migration history holds {unknown}, which this kam360 does not know"
        ));
    }
    if known.get(..versions.len()) != Some(versions) {
        return Err("its migration history skips some of kam360's migrations".into());
    }
    for _ in versions {
        mem.run_next_migration(super::SQLITE_MIGRATIONS)
            .map_err(|e| e.to_string())?;
    }
    schema(&mut mem).map_err(|e| e.to_string())
}

/// The first way `found` differs from `expected`, in words.
fn schema_difference(expected: &[SchemaItem], found: &[SchemaItem]) -> Option<String> {
    for f in found {
        match expected.iter().find(|e| e.name == f.name) {
            None => {
                return Some(format!(
                    "it has a {} `{}` kam360 does not make",
                    f.kind, f.name
                ))
            }
            Some(e) if e.kind != f.kind => {
                return Some(format!("`{}` is a {}, not a {}", f.name, f.kind, e.kind))
            }
            Some(e) if e.sql != f.sql => {
                return Some(format!("the {} `{}` differs from kam360's", f.kind, f.name))
            }
            Some(_) => {}
        }
    }
    expected
        .iter()
        .find(|e| !found.iter().any(|f| f.name == e.name))
        .map(|e| format!("it lacks kam360's {} `{}`", e.kind, e.name))
}

/// Copies `from` over `to`, telling `progress` each chunk written.
fn copy_watched(from: &Path, to: &Path, progress: &dyn Progress) -> Result<(), BackupError> {
    let io = |path: &Path| {
        let path = path.to_owned();
        move |e| BackupError::Io(path, e)
    };
    let mut source = File::open(from).map_err(io(from))?;
    progress.total(source.metadata().map_err(io(from))?.len());
    let mut target = File::create(to).map_err(io(to))?;
    let mut chunk = vec![0u8; 1 << 20];
    loop {
        let n = source.read(&mut chunk).map_err(io(from))?;
        if n == 0 {
            break;
        }
        target.write_all(&chunk[..n]).map_err(io(to))?;
        progress.advance(n as u64);
    }
    target.sync_all().map_err(io(to))
}

/// Replaces the SQLite database at `url` with the backup `from` (refused while a server
/// holds it), then applies this binary's migrations to it; `progress` follows the copy's bytes.
pub fn restore(url: &str, from: &Path, progress: &dyn Progress) -> Result<(), BackupError> {
    let backend = Backend::of_url(url).map_err(|e| DbError::Setup(e.to_string()))?;
    let Backend::Sqlite(db) = &backend else {
        return Err(BackupError::Postgres);
    };
    verify(from)?;
    let lock = open_lock(db)?;
    match lock.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => return Err(BackupError::InUse(db.clone())),
        Err(TryLockError::Error(e)) => return Err(BackupError::Io(lock_path(db), e)),
    }
    // the old database's WAL and shared-memory files must not be replayed onto the backup
    for suffix in ["-wal", "-shm"] {
        let mut name = db.as_os_str().to_owned();
        name.push(suffix);
        match std::fs::remove_file(PathBuf::from(&name)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(BackupError::Io(PathBuf::from(name), e))
            }
            _ => {}
        }
    }
    copy_watched(from, db, progress)?;
    // the copy takes the backup's permissions: the database is owner-only whatever they were
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(db, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| BackupError::Io(db.clone(), e))?;
    }
    let restored = Db::connect(url, 1)?;
    restored.migrate()?;
    drop(lock);
    Ok(())
}
