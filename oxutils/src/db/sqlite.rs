//! SQLite through rusqlite.

use super::{ConstraintKind, DbError, Row};
use rusqlite::types::ValueRef;
use sea_query::Value;
use sea_query_rusqlite::{RusqliteValue, RusqliteValues};
use std::time::Duration;

/// How long a writer waits for another to finish before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

pub fn open(url: &str) -> Result<rusqlite::Connection, DbError> {
    let connection = match url {
        "sqlite::memory:" | "sqlite://:memory:" => rusqlite::Connection::open_in_memory(),
        _ => {
            let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
            rusqlite::Connection::open(path)
        }
    }
    .map_err(|error| DbError::Connect(format!("{url}: {error}")))?;
    connection.busy_timeout(BUSY_TIMEOUT).map_err(|error| DbError::Connect(error.to_string()))?;
    // SQLite leaves foreign keys unenforced unless asked, per connection.
    connection
        .execute_batch("PRAGMA foreign_keys = ON")
        .map_err(|error| DbError::Connect(error.to_string()))?;
    Ok(connection)
}

pub fn batch(connection: &rusqlite::Connection, sql: &str) -> Result<(), DbError> {
    connection.execute_batch(sql).map_err(|error| classify(sql, error))
}

/// SQLite's constraint errors as typed ones: "UNIQUE constraint failed: table.column",
/// "CHECK constraint failed: name", "NOT NULL constraint failed: table.column", "FOREIGN KEY constraint failed".
fn classify(sql: &str, error: rusqlite::Error) -> DbError {
    use rusqlite::ffi;
    let rusqlite::Error::SqliteFailure(failure, Some(message)) = &error else {
        return DbError::query(sql, error);
    };
    let kind = match failure.extended_code {
        ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => ConstraintKind::Unique,
        ffi::SQLITE_CONSTRAINT_FOREIGNKEY => ConstraintKind::ForeignKey,
        ffi::SQLITE_CONSTRAINT_CHECK => ConstraintKind::Check,
        ffi::SQLITE_CONSTRAINT_NOTNULL => ConstraintKind::NotNull,
        _ => return DbError::query(sql, error),
    };
    let detail = message.split_once("failed: ").map(|(_, detail)| detail.to_owned());
    let (constraint, table) = match (kind, detail) {
        (ConstraintKind::Check, Some(name)) => (Some(name), None),
        (ConstraintKind::Unique | ConstraintKind::NotNull, Some(columns)) => {
            let table = columns.split_once('.').map(|(table, _)| table.to_owned());
            (Some(columns), table)
        }
        _ => (None, None),
    };
    DbError::Constraint { kind, constraint, table, message: message.clone() }
}

pub fn execute(connection: &rusqlite::Connection, sql: &str, params: &[Value]) -> Result<u64, DbError> {
    let values = RusqliteValues(params.iter().cloned().map(RusqliteValue).collect());
    let mut statement = connection.prepare_cached(sql).map_err(|error| DbError::query(sql, error))?;
    let changed = statement.execute(&*values.as_params()).map_err(|error| classify(sql, error))?;
    Ok(changed as u64)
}

pub fn query(connection: &rusqlite::Connection, sql: &str, params: &[Value]) -> Result<Vec<Row>, DbError> {
    let values = RusqliteValues(params.iter().cloned().map(RusqliteValue).collect());
    let mut statement = connection.prepare_cached(sql).map_err(|error| DbError::query(sql, error))?;
    let width = statement.column_count();
    let rows = statement
        .query_map(&*values.as_params(), |row| {
            (0..width).map(|index| row.get_ref(index).map(value_of)).collect()
        })
        .map_err(|error| DbError::query(sql, error))?;
    rows.collect::<Result<_, _>>().map_err(|error| classify(sql, error))
}

/// SQLite's storage classes as values; `OxField::from_value` turns them into the field's type.
fn value_of(value: ValueRef) -> Value {
    match value {
        ValueRef::Null => Value::String(None),
        ValueRef::Integer(integer) => Value::BigInt(Some(integer)),
        ValueRef::Real(real) => Value::Double(Some(real)),
        ValueRef::Text(text) => Value::String(Some(String::from_utf8_lossy(text).into_owned())),
        ValueRef::Blob(bytes) => Value::Bytes(Some(bytes.to_vec())),
    }
}
