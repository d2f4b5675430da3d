use std::fmt;

/// A database operation failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbError {
    /// The database could not be reached or opened.
    Connect(String),
    /// A statement failed; `sql` is the statement, without its parameter values.
    Query { sql: String, message: String },
}

impl DbError {
    pub(crate) fn query(sql: &str, error: impl fmt::Display) -> Self {
        DbError::Query { sql: sql.to_owned(), message: error.to_string() }
    }
}

impl fmt::Display for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DbError::Connect(message) => write!(f, "cannot connect: {message}"),
            DbError::Query { sql, message } => write!(f, "{message}\n  in: {sql}"),
        }
    }
}

impl std::error::Error for DbError {}

/// The URL with its password replaced, for messages.
pub(crate) fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    let Some((credentials, host)) = rest.split_once('@') else { return url.to_owned() };
    match credentials.split_once(':') {
        Some((user, _password)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}
