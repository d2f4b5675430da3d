use crate::field::row::RowError;
use std::fmt;
use std::sync::Arc;

/// A database operation failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbError {
    /// The database could not be reached or opened.
    Connect {
        /// The URL, its password left out.
        url: String,
        /// Why, in words.
        message: String,
        /// The driver's own error, where there was one: this error's `source()`.
        driver: Option<DriverError>,
    },
    /// A write broke a constraint; the constraint and table are named where the database says them.
    Constraint {
        /// Which kind of constraint.
        kind: ConstraintKind,
        /// The constraint's name, where the database gives it.
        constraint: Option<String>,
        /// The table, where the database gives it.
        table: Option<String>,
        /// The database's message.
        message: String,
    },
    /// No row of `model` matched.
    NotFound {
        /// The model's Rust name.
        model: &'static str,
    },
    /// A row did not fit its model.
    Row(RowError),
    /// A statement failed otherwise; `sql` is the statement, without its parameter values.
    Query {
        /// The statement.
        sql: String,
        /// The database's message.
        message: String,
        /// The driver's own error, where there was one: this error's `source()`.
        driver: Option<DriverError>,
    },
    /// A model's write hook refused the write, which was rolled back.
    Hook(String),
}

/// Which kind of constraint a write broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConstraintKind {
    /// A UNIQUE constraint or primary key.
    Unique,
    /// A foreign key.
    ForeignKey,
    /// A CHECK constraint.
    Check,
    /// A NOT NULL column.
    NotNull,
}

/// A driver's error (rusqlite's, `postgres`'s, `mysql`'s) kept behind a [`DbError`] as its source. Shared,
/// so that `DbError` stays `Clone`; two are equal when they read the same.
#[derive(Clone)]
pub struct DriverError(Arc<dyn std::error::Error + Send + Sync>);

impl DriverError {
    /// The driver's error itself, to downcast (`error.get().downcast_ref::<rusqlite::Error>()`).
    pub fn get(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        &*self.0
    }
}

impl fmt::Debug for DriverError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl PartialEq for DriverError {
    fn eq(&self, other: &Self) -> bool {
        self.0.to_string() == other.0.to_string()
    }
}

impl Eq for DriverError {}

impl DbError {
    /// A statement failed for a reason given in words, with no driver error behind it.
    pub fn query(sql: &str, message: impl fmt::Display) -> Self {
        DbError::Query { sql: sql.to_owned(), message: message.to_string(), driver: None }
    }

    /// The database at `url` could not be opened, for `message`; `url` is shown without its password.
    pub(crate) fn connect(url: &str, message: impl fmt::Display) -> Self {
        DbError::Connect { url: redact_url(url), message: message.to_string(), driver: None }
    }

    /// The database at `url` could not be opened: the driver's `error`, kept as the source.
    pub(crate) fn connect_driver(url: &str, error: impl std::error::Error + Send + Sync + 'static) -> Self {
        DbError::Connect {
            url: redact_url(url),
            message: error.to_string(),
            driver: Some(DriverError(Arc::new(error))),
        }
    }

    /// A statement failed with the driver's `error`, in its own words; the error is kept as the source.
    pub(crate) fn from_driver(sql: &str, error: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::driver(sql, error.to_string(), error)
    }

    /// A statement failed with the driver's `error`, in `message`'s words (the server's own, where the
    /// driver's are generic); the error is kept as the source.
    pub(crate) fn driver(
        sql: &str,
        message: impl fmt::Display,
        error: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        DbError::Query {
            sql: sql.to_owned(),
            message: message.to_string(),
            driver: Some(DriverError(Arc::new(error))),
        }
    }

    /// Whether the statement gave up waiting for a lock (PostgreSQL's `lock_timeout`), so that running it
    /// again later may succeed.
    pub fn is_lock_timeout(&self) -> bool {
        // PostgreSQL's `lock_not_available` (55P03), read off the driver's error.
        #[cfg(feature = "postgres")]
        if let DbError::Query { driver: Some(driver), .. } = self {
            let code = driver.get().downcast_ref::<::postgres::Error>().and_then(::postgres::Error::code);
            return code == Some(&::postgres::error::SqlState::LOCK_NOT_AVAILABLE);
        }
        false
    }

    /// Whether the statement named a table that is not there (PostgreSQL's `undefined_table`, MySQL's
    /// error 1146; always `false` on SQLite, whose engine code looks tables up instead).
    pub fn is_missing_table(&self) -> bool {
        let DbError::Query { driver: Some(driver), .. } = self else { return false };
        #[cfg(feature = "postgres")]
        if let Some(error) = driver.get().downcast_ref::<::postgres::Error>() {
            return error.code() == Some(&::postgres::error::SqlState::UNDEFINED_TABLE);
        }
        #[cfg(feature = "mysql")]
        if let Some(::mysql::Error::MySqlError(error)) = driver.get().downcast_ref::<::mysql::Error>() {
            return error.code == 1146;
        }
        let _ = driver;
        false
    }

    /// Names `table` in a constraint error whose database did not.
    pub(crate) fn on_table(self, table: &str) -> Self {
        match self {
            DbError::Constraint { kind, constraint, table: None, message } => {
                DbError::Constraint { kind, constraint, table: Some(table.to_owned()), message }
            }
            other => other,
        }
    }
}

impl fmt::Display for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DbError::Connect { url, message, .. } => write!(f, "cannot connect to {url}: {message}"),
            DbError::Constraint { kind, constraint, table, message } => {
                write!(f, "{kind} constraint")?;
                if let Some(constraint) = constraint {
                    write!(f, " `{constraint}`")?;
                }
                if let Some(table) = table {
                    write!(f, " on `{table}`")?;
                }
                write!(f, " failed: {message}")
            }
            DbError::NotFound { model } => write!(f, "no {model} matches"),
            DbError::Row(error) => error.fmt(f),
            DbError::Query { sql, message, .. } => write!(f, "{message}\n  in: {sql}"),
            DbError::Hook(message) => write!(f, "the write hook refused: {message}"),
        }
    }
}

impl fmt::Display for ConstraintKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ConstraintKind::Unique => "unique",
            ConstraintKind::ForeignKey => "foreign key",
            ConstraintKind::Check => "check",
            ConstraintKind::NotNull => "not null",
        })
    }
}

impl std::error::Error for DbError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DbError::Row(error) => Some(error),
            DbError::Query { driver: Some(driver), .. } | DbError::Connect { driver: Some(driver), .. } => {
                Some(driver.get())
            }
            _ => None,
        }
    }
}

impl From<RowError> for DbError {
    fn from(error: RowError) -> Self {
        DbError::Row(error)
    }
}

/// The URL with its password replaced, for messages.
pub(crate) fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    let Some((credentials, host)) = rest.split_once('@') else { return url.to_owned() };
    match credentials.split_once(':') {
        Some((user, _password)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

#[cfg(feature = "mysql")]
/// The text between the first pair of `open` and `close` after `marker`, e.g. a quoted name in a message.
pub(crate) fn quoted_after(message: &str, marker: &str, open: char, close: char) -> Option<String> {
    let rest = &message[message.find(marker)? + marker.len()..];
    let start = rest.find(open)? + open.len_utf8();
    let end = rest[start..].find(close)? + start;
    Some(rest[start..end].to_owned())
}

#[cfg(test)]
mod tests {
    use crate::db::Connection;
    use std::error::Error;

    /// The driver's error stays reachable behind the message, for callers that need its code.
    #[test]
    fn a_failed_statement_keeps_the_drivers_error_as_its_source() {
        let mut connection = Connection::open("sqlite::memory:").unwrap();
        let error = connection.batch("SELECT * FROM no_such_table").expect_err("no such table");
        assert!(error.to_string().starts_with("no such table: no_such_table"), "{error}");
        let source = error.source().expect("the driver's error");
        assert!(source.downcast_ref::<rusqlite::Error>().is_some(), "{source:?}");
    }

    #[test]
    fn a_failed_connection_names_the_url_without_its_password_and_keeps_the_drivers_error() {
        let Err(error) = Connection::open("sqlite:///no/such/folder/db.sqlite3") else { panic!("opened") };
        assert!(
            matches!(&error, super::DbError::Connect { url, .. } if url == "sqlite:///no/such/folder/db.sqlite3")
        );
        assert!(
            error.to_string().starts_with("cannot connect to sqlite:///no/such/folder/db.sqlite3: "),
            "{error}"
        );
        assert!(error.source().and_then(|source| source.downcast_ref::<rusqlite::Error>()).is_some());
        let Err(error) = Connection::open("oracle://scott:tiger@db/x") else { panic!("opened") };
        assert!(!error.to_string().contains("tiger"), "{error}");
    }
}
