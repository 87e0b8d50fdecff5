//! Connections: the URL scheme picks the backend; each SQLite connection gets its pragmas
//! (WAL, full sync, foreign keys, busy timeout) as the pool opens it.

use std::path::PathBuf;

use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection};
use diesel::{PgConnection, SqliteConnection};

use super::statements::{count_statements, StatementCounter};

/// A connection to either backend.
#[derive(diesel::MultiConnection)]
pub enum AnyConnection {
    Postgresql(PgConnection),
    Sqlite(SqliteConnection),
}

/// Which database a URL names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    Sqlite(PathBuf),
    Postgres(String),
}

/// Why a database URL is refused. The message names the scheme only: URLs may hold passwords.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    /// `sqlite://` without a path.
    #[error("sqlite:// needs a file path, e.g. sqlite://var/kam360.db")]
    SqliteWithoutPath,
    /// Anything but `sqlite://` and `postgres://`.
    #[error("unsupported database URL scheme '{0}': use sqlite://PATH or postgres://…")]
    UnsupportedScheme(String),
}

impl Backend {
    /// `sqlite://PATH` or `postgres://…` / `postgresql://…`; anything else is refused (never
    /// silently an SQLite file). The message names the scheme only: URLs may hold passwords.
    pub fn of_url(url: &str) -> Result<Backend, UrlError> {
        if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(UrlError::SqliteWithoutPath);
            }
            return Ok(Backend::Sqlite(PathBuf::from(path)));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Backend::Postgres(url.to_owned()));
        }
        let scheme = url.split_once("://").map(|(s, _)| s).unwrap_or("(none)");
        Err(UrlError::UnsupportedScheme(scheme.to_owned()))
    }

    /// `sqlite` or `postgres`.
    pub fn name(&self) -> &'static str {
        match self {
            Backend::Sqlite(_) => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }
}

/// Opens connections for the pool, setting SQLite's pragmas on each.
#[derive(Clone)]
pub struct Manager {
    pub(super) backend: Backend,
    pub(super) counter: Option<StatementCounter>,
}

impl ManageConnection for Manager {
    type Connection = AnyConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<AnyConnection, r2d2::Error> {
        match &self.backend {
            Backend::Sqlite(path) => {
                let path = path.to_string_lossy();
                let mut c =
                    SqliteConnection::establish(&path).map_err(r2d2::Error::ConnectionError)?;
                diesel::sql_query("PRAGMA busy_timeout = 10000")
                    .execute(&mut c)
                    .and_then(|_| diesel::sql_query("PRAGMA journal_mode = WAL").execute(&mut c))
                    .and_then(|_| diesel::sql_query("PRAGMA synchronous = FULL").execute(&mut c))
                    .and_then(|_| diesel::sql_query("PRAGMA foreign_keys = ON").execute(&mut c))
                    // deleted rows (a delivered message's body holds a live rater link) are
                    // overwritten with zeros, not left readable in free pages (SPEC §7)
                    .and_then(|_| diesel::sql_query("PRAGMA secure_delete = ON").execute(&mut c))
                    .map_err(r2d2::Error::QueryError)?;
                count_statements(&mut c, &self.counter);
                Ok(AnyConnection::Sqlite(c))
            }
            Backend::Postgres(url) => {
                let mut c = PgConnection::establish(url).map_err(r2d2::Error::ConnectionError)?;
                count_statements(&mut c, &self.counter);
                Ok(AnyConnection::Postgresql(c))
            }
        }
    }

    fn is_valid(&self, conn: &mut AnyConnection) -> Result<(), r2d2::Error> {
        diesel::sql_query("SELECT 1")
            .execute(conn)
            .map(|_| ())
            .map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut AnyConnection) -> bool {
        use diesel::r2d2::R2D2Connection;
        match conn {
            AnyConnection::Postgresql(c) => c.is_broken(),
            AnyConnection::Sqlite(c) => c.is_broken(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_schemes() {
        assert_eq!(
            Backend::of_url("sqlite://var/x.db"),
            Ok(Backend::Sqlite("var/x.db".into()))
        );
        assert_eq!(
            Backend::of_url("sqlite:///tmp/x.db"),
            Ok(Backend::Sqlite("/tmp/x.db".into()))
        );
        assert!(matches!(
            Backend::of_url("postgresql://u@h/db"),
            Ok(Backend::Postgres(_))
        ));
        let e = Backend::of_url("mysql://root:secret@h/db")
            .expect_err("refused")
            .to_string();
        assert!(e.contains("'mysql'") && !e.contains("secret"), "{e}");
        assert!(Backend::of_url("var/kam360.db").is_err());
        assert!(Backend::of_url("sqlite://").is_err());
    }

    /// The bundled SQLite carries the build options of `.cargo/config.toml` (a build without
    /// them still works, with the contended process-wide mutexes perf found on the form GET).
    #[test]
    fn sqlite_is_built_without_process_wide_contention() {
        #[derive(QueryableByName)]
        struct Opt {
            #[diesel(sql_type = diesel::sql_types::Text)]
            compile_options: String,
        }
        let mut c = SqliteConnection::establish(":memory:").expect("in-memory SQLite");
        let opts: Vec<String> = diesel::sql_query("PRAGMA compile_options")
            .load::<Opt>(&mut c)
            .expect("compile options")
            .into_iter()
            .map(|o| o.compile_options)
            .collect();
        assert!(opts.iter().any(|o| o == "THREADSAFE=2"), "{opts:?}");
        assert!(opts.iter().any(|o| o == "DEFAULT_MEMSTATUS=0"), "{opts:?}");
        assert!(
            !opts.iter().any(|o| o == "ENABLE_MEMORY_MANAGEMENT"),
            "{opts:?}"
        );
    }
}
