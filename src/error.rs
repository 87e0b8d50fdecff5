//! The one error type at the boundaries (web handlers and CLI commands).
//!
//! Policy: user-correctable problems are `Invalid` (400 on the web, shown with their message
//! and logged at `info`; exit status 2 in the CLI) and carry a message fit to show (English:
//! pages that know the reader's language render their own refusals); `NotFound` and `Conflict`
//! map to 404 and 409; everything else is `Unexpected`, logged with its cause chain and shown
//! only as a generic 500 (exit status 1). Form validation failures that re-render a form are
//! not errors: handlers answer 422 with the form.

use crate::db::DbError;

/// An error at a boundary.
#[derive(thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Conflict(String),
    /// A refusal in words from the interface catalogue (`key`, its `{name}` placeholders filled
    /// from `vars`): pages say it in the reader's language, the CLI in English.
    #[error("{}", refused_text(crate::domain::locale::Locale::En, .key, .vars))]
    Refused {
        key: &'static str,
        vars: Vec<(&'static str, String)>,
    },
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl std::fmt::Debug for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "{self}")?;
        let mut source = std::error::Error::source(self);
        while let Some(cause) = source {
            writeln!(f, "caused by: {cause}")?;
            source = cause.source();
        }
        Ok(())
    }
}

impl From<DbError> for AppError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::Query(q) => q.into(),
            other => AppError::Unexpected(other.into()),
        }
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match e {
            Error::NotFound => AppError::NotFound,
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                AppError::Conflict(format!("already exists ({})", info.message()))
            }
            other => AppError::Unexpected(other.into()),
        }
    }
}

impl From<crate::domain::rules::lifecycle::Refusal> for AppError {
    fn from(r: crate::domain::rules::lifecycle::Refusal) -> Self {
        let vars = match r {
            crate::domain::rules::lifecycle::Refusal::WrongStatus(_, status) => {
                vec![("status", status.as_str().to_owned())]
            }
            _ => Vec::new(),
        };
        AppError::refused_with(r.key(), vars)
    }
}

fn refused_text(
    l: crate::domain::locale::Locale,
    key: &str,
    vars: &[(&'static str, String)],
) -> String {
    let vars: Vec<(&str, &str)> = vars.iter().map(|(n, v)| (*n, v.as_str())).collect();
    crate::i18n::tf(l, key, &vars)
}

impl AppError {
    /// A refusal with the catalogue's words for `key`.
    pub fn refused(key: &'static str) -> AppError {
        AppError::Refused {
            key,
            vars: Vec::new(),
        }
    }

    /// [`refused`](AppError::refused) with values for the words' placeholders.
    pub fn refused_with(key: &'static str, vars: Vec<(&'static str, String)>) -> AppError {
        AppError::Refused { key, vars }
    }

    /// What a page shows for this error in `l` when it is a refusal the reader can act on
    /// (not for "not found" or a failure).
    pub fn refusal(&self, l: crate::domain::locale::Locale) -> Option<String> {
        match self {
            AppError::Refused { key, vars } => Some(refused_text(l, key, vars)),
            AppError::Invalid(m) | AppError::Conflict(m) => Some(m.clone()),
            AppError::NotFound | AppError::Unexpected(_) => None,
        }
    }

    /// The CLI's exit status for this error: 2 for a refused input, 1 for anything else.
    pub fn exit_status(&self) -> u8 {
        match self {
            AppError::Invalid(_) | AppError::Refused { .. } => 2,
            _ => 1,
        }
    }
}

/// Shorthand for results at a boundary.
pub type AppResult<T> = Result<T, AppError>;
