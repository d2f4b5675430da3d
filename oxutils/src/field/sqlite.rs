//! The SQLite fast path of fields: values as SQLite binds and returns them, without going through the
//! driver-neutral `Value` where a type can avoid it.
//!
//! Only rusqlite's value types appear here, never a connection: `db` binds through these, and
//! `OxField::to_sqlite` / `from_sqlite` default to them.

use rusqlite::types::{ToSqlOutput, ValueRef};
use sea_query::Value;
use sea_query_rusqlite::RusqliteValue;

/// A value bound where it lies: text and bytes lent to SQLite, not copied.
pub(crate) struct Bind<'a>(pub(crate) &'a Value);

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
            // As text, which NUMERIC affinity stores as a number when that loses nothing, and as the
            // text itself when it would.
            Value::Decimal(Some(v)) => Ok(ToSqlOutput::Owned(Stored::Text(v.to_string()))),
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

/// A value as SQLite binds it, owning its text and bytes: what `OxField::to_sqlite` does by default.
pub(crate) fn owned_output(value: &Value) -> rusqlite::Result<ToSqlOutput<'static>> {
    Ok(match rusqlite::ToSql::to_sql(&Bind(value))? {
        ToSqlOutput::Borrowed(borrowed) => ToSqlOutput::Owned(borrowed.into()),
        ToSqlOutput::Owned(stored) => ToSqlOutput::Owned(stored),
        _ => return Err(rusqlite::Error::ToSqlConversionFailure(format!("cannot bind {value:?}").into())),
    })
}

/// SQLite's storage classes as values; `OxField::from_value` turns them into the field's type.
pub(crate) fn value_of(value: ValueRef) -> Value {
    match value {
        ValueRef::Null => Value::String(None),
        ValueRef::Integer(integer) => Value::BigInt(Some(integer)),
        ValueRef::Real(real) => Value::Double(Some(real)),
        ValueRef::Text(text) => Value::String(Some(String::from_utf8_lossy(text).into_owned())),
        ValueRef::Blob(bytes) => Value::Bytes(Some(bytes.to_vec())),
    }
}
