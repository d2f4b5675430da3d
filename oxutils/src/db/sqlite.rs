//! SQLite through rusqlite.

use super::{ConstraintKind, DbError, Row};
use rusqlite::types::ValueRef;
use sea_query::Value;
use sea_query_rusqlite::RusqliteValue;
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
    let mut statement = connection.prepare_cached(sql).map_err(|error| DbError::query(sql, error))?;
    bind(&mut statement, sql, params)?;
    let changed = statement.raw_execute().map_err(|error| classify(sql, error))?;
    Ok(changed as u64)
}

pub fn query(connection: &rusqlite::Connection, sql: &str, params: &[Value]) -> Result<Vec<Row>, DbError> {
    query_rows(connection, sql, params, |values| Ok(values.collect()))
}

/// Runs a query and hands each row's values to `read` as they come, without collecting them first.
pub fn query_rows<T>(
    connection: &rusqlite::Connection,
    sql: &str,
    params: &[Value],
    mut read: impl FnMut(&mut dyn Iterator<Item = Value>) -> Result<T, DbError>,
) -> Result<Vec<T>, DbError> {
    let mut statement = connection.prepare_cached(sql).map_err(|error| DbError::query(sql, error))?;
    bind(&mut statement, sql, params)?;
    let width = statement.column_count();
    let mut rows = statement.raw_query();
    let mut read_rows = Vec::new();
    while let Some(row) = rows.next().map_err(|error| classify(sql, error))? {
        let mut values = (0..width).map(|index| row.get_ref(index).map_or(Value::String(None), value_of));
        read_rows.push(read(&mut values)?);
    }
    Ok(read_rows)
}

/// Binds each value where it lies: text and bytes are lent to SQLite, not copied.
fn bind(statement: &mut rusqlite::CachedStatement<'_>, sql: &str, params: &[Value]) -> Result<(), DbError> {
    for (index, value) in params.iter().enumerate() {
        statement.raw_bind_parameter(index + 1, Bind(value)).map_err(|error| DbError::query(sql, error))?;
    }
    Ok(())
}

struct Bind<'a>(&'a Value);

impl rusqlite::ToSql for Bind<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, Value as Stored};
        let integer = |value: i64| Ok(ToSqlOutput::Owned(Stored::Integer(value)));
        match self.0 {
            Value::Bool(Some(v)) => integer(i64::from(*v)),
            Value::TinyInt(Some(v)) => integer(i64::from(*v)),
            Value::SmallInt(Some(v)) => integer(i64::from(*v)),
            Value::Int(Some(v)) => integer(i64::from(*v)),
            Value::BigInt(Some(v)) => integer(*v),
            Value::Float(Some(v)) => Ok(ToSqlOutput::Owned(Stored::Real(f64::from(*v)))),
            Value::Double(Some(v)) => Ok(ToSqlOutput::Owned(Stored::Real(*v))),
            Value::String(Some(v)) => Ok(ToSqlOutput::Borrowed(ValueRef::Text(v.as_bytes()))),
            Value::Bytes(Some(v)) => Ok(ToSqlOutput::Borrowed(ValueRef::Blob(v))),
            other if crate::field::is_null(other) => Ok(ToSqlOutput::Owned(Stored::Null)),
            // Dates, times, UUIDs and JSON: as sea-query-rusqlite writes them, so every path stores one form.
            other => {
                let converted = RusqliteValue(other.clone());
                match rusqlite::ToSql::to_sql(&converted)? {
                    ToSqlOutput::Owned(stored) => Ok(ToSqlOutput::Owned(stored)),
                    ToSqlOutput::Borrowed(borrowed) => Ok(ToSqlOutput::Owned(borrowed.into())),
                    _ => {
                        Err(rusqlite::Error::ToSqlConversionFailure(format!("cannot bind {other:?}").into()))
                    }
                }
            }
        }
    }
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
