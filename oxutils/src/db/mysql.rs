//! MySQL and MariaDB through the `mysql` crate, which has no sea-query binder: values are converted here.

use super::error::quoted_after;
use super::{ConstraintKind, DbError, Row};
use ::mysql::prelude::Queryable;
use ::mysql::{Conn, Opts, Params};
use chrono::{Datelike, NaiveDate, Timelike};
use sea_query::Value;

pub fn open(url: &str) -> Result<Conn, DbError> {
    let options = Opts::from_url(url).map_err(|error| DbError::connect_driver(url, error))?;
    // Count the rows an UPDATE matches, not only those it changed, as the other backends do: saving a row
    // unchanged is not "not found".
    let options = ::mysql::OptsBuilder::from_opts(options)
        .additional_capabilities(::mysql::consts::CapabilityFlags::CLIENT_FOUND_ROWS);
    Conn::new(options).map_err(|error| DbError::connect_driver(url, error))
}

pub fn batch(connection: &mut Conn, sql: &str) -> Result<(), DbError> {
    connection.query_drop(sql).map_err(|error| classify(sql, error))
}

pub fn execute(connection: &mut Conn, sql: &str, params: &[Value]) -> Result<u64, DbError> {
    connection.exec_drop(sql, bind(params)).map_err(|error| classify(sql, error))?;
    Ok(connection.affected_rows())
}

pub fn query(connection: &mut Conn, sql: &str, params: &[Value]) -> Result<Vec<Row>, DbError> {
    let rows: Vec<::mysql::Row> = connection.exec(sql, bind(params)).map_err(|error| classify(sql, error))?;
    Ok(rows.into_iter().map(|row| row.unwrap().into_iter().map(value_of).collect()).collect())
}

/// Runs a query and hands each row's values to `keep` as the server sends the row (no rows collected
/// first), until it returns `false`; the rest of the result is read and dropped.
pub fn query_each(
    connection: &mut Conn,
    sql: &str,
    params: &[Value],
    mut keep: impl FnMut(&mut dyn Iterator<Item = Value>) -> Result<bool, DbError>,
) -> Result<(), DbError> {
    let mut result = connection.exec_iter(sql, bind(params)).map_err(|error| classify(sql, error))?;
    for row in result.by_ref() {
        let row = row.map_err(|error| classify(sql, error))?;
        if !keep(&mut row.unwrap().into_iter().map(value_of))? {
            break;
        }
    }
    Ok(())
}

/// Runs a query and hands each row to `read` as the server sends it, as cells: text (and JSON) borrowed
/// from the driver's row, the rest converted to values.
pub fn query_cells(
    connection: &mut Conn,
    sql: &str,
    params: &[Value],
    mut read: impl FnMut(&[super::Cell<'_>]) -> Result<(), DbError>,
) -> Result<(), DbError> {
    use super::Cell;
    use ::mysql::Value as My;
    let mut result = connection.exec_iter(sql, bind(params)).map_err(|error| classify(sql, error))?;
    let mut values = Vec::new();
    for row in result.by_ref() {
        let row = row.map_err(|error| classify(sql, error))?;
        // Each column once: its text (checked to be UTF-8 here, and only here) or its value.
        let mut texts: [Option<&str>; MAX_TEXT_COLUMNS] = [None; MAX_TEXT_COLUMNS];
        values.clear();
        for index in 0..row.len() {
            let value = row.as_ref(index);
            let text = match (value, texts.get_mut(index)) {
                (Some(My::Bytes(bytes)), Some(slot)) => {
                    *slot = std::str::from_utf8(bytes).ok();
                    *slot
                }
                _ => None,
            };
            values.push(match text {
                Some(_) => Value::Bool(None),
                None => value_of(value.cloned().unwrap_or(My::NULL)),
            });
        }
        let cell = |index: usize| {
            Ok(match texts.get(index).copied().flatten() {
                Some(text) => Cell::Text(text),
                None => Cell::Value(&values[index]),
            })
        };
        super::read_row(row.len(), cell, &mut read)?;
    }
    Ok(())
}

/// Columns of a row that `query_cells` lends as text; later ones are converted to values.
const MAX_TEXT_COLUMNS: usize = 32;

/// MySQL and MariaDB report constraints by error code, and name them only inside the message.
fn classify(sql: &str, error: ::mysql::Error) -> DbError {
    let ::mysql::Error::MySqlError(server) = &error else { return DbError::from_driver(sql, error) };
    // The server's words and code, not the client's `MySqlError { .. }` wrapper.
    let (message, code) = (server.message.clone(), server.code);
    let in_words = |error| DbError::driver(sql, format!("{message} (error {code})"), error);
    let (kind, constraint, table) = match code {
        // "Duplicate entry 'x' for key 'name'"
        1062 => (ConstraintKind::Unique, quoted_after(&message, "for key", '\'', '\''), None),
        // "Cannot add or update a child row: a foreign key constraint fails (`db`.`table`, CONSTRAINT `name` ..."
        1451 | 1452 => (
            ConstraintKind::ForeignKey,
            quoted_after(&message, "CONSTRAINT", '`', '`'),
            quoted_after(&message, "`.", '`', '`'),
        ),
        // MariaDB: "CONSTRAINT `name` failed for `db`.`table`"; MySQL: "Check constraint 'name' is violated."
        4025 => (
            ConstraintKind::Check,
            quoted_after(&message, "CONSTRAINT", '`', '`'),
            quoted_after(&message, "`.", '`', '`'),
        ),
        3819 => (ConstraintKind::Check, quoted_after(&message, "constraint", '\'', '\''), None),
        // "Column 'x' cannot be null", "Field 'x' doesn't have a default value"
        1048 | 1364 => (ConstraintKind::NotNull, quoted_after(&message, "", '\'', '\''), None),
        _ => return in_words(error),
    };
    // A unique key's name may come as `table.key` (MySQL 8).
    let (constraint, table) = match (constraint, table) {
        (Some(name), None) if kind == ConstraintKind::Unique && name.contains('.') => {
            let (table, key) = name.split_once('.').unwrap_or_default();
            (Some(key.to_owned()), Some(table.to_owned()))
        }
        other => other,
    };
    DbError::Constraint { kind, constraint, table, message }
}

fn bind(params: &[Value]) -> Params {
    if params.is_empty() {
        return Params::Empty;
    }
    Params::Positional(params.iter().map(to_mysql).collect())
}

fn to_mysql(value: &Value) -> ::mysql::Value {
    use ::mysql::Value as My;
    let or_null = |value: Option<My>| value.unwrap_or(My::NULL);
    match value {
        Value::Bool(v) => or_null(v.map(|v| My::Int(v.into()))),
        Value::TinyInt(v) => or_null(v.map(|v| My::Int(v.into()))),
        Value::SmallInt(v) => or_null(v.map(|v| My::Int(v.into()))),
        Value::Int(v) => or_null(v.map(|v| My::Int(v.into()))),
        Value::BigInt(v) => or_null(v.map(My::Int)),
        Value::TinyUnsigned(v) => or_null(v.map(|v| My::UInt(v.into()))),
        Value::SmallUnsigned(v) => or_null(v.map(|v| My::UInt(v.into()))),
        Value::Unsigned(v) => or_null(v.map(|v| My::UInt(v.into()))),
        Value::BigUnsigned(v) => or_null(v.map(My::UInt)),
        Value::Float(v) => or_null(v.map(My::Float)),
        Value::Double(v) => or_null(v.map(My::Double)),
        Value::String(v) => or_null(v.as_ref().map(|v| My::Bytes(v.clone().into_bytes()))),
        Value::Char(v) => or_null(v.map(|v| My::Bytes(v.to_string().into_bytes()))),
        Value::Bytes(v) => or_null(v.as_ref().map(|v| My::Bytes(v.clone()))),
        Value::Json(v) => or_null(v.as_ref().map(|v| My::Bytes(v.to_string().into_bytes()))),
        Value::ChronoDate(v) => {
            or_null(v.map(|v| My::Date(v.year() as u16, v.month() as u8, v.day() as u8, 0, 0, 0, 0)))
        }
        Value::ChronoTime(v) => or_null(v.map(|v| {
            My::Time(false, 0, v.hour() as u8, v.minute() as u8, v.second() as u8, v.nanosecond() / 1000)
        })),
        Value::ChronoDateTime(v) => or_null(v.map(|v| date_time(&v))),
        // Stored in UTC in a `datetime(6)` column, which has no zone.
        Value::ChronoDateTimeUtc(v) => or_null(v.map(|v| date_time(&v.naive_utc()))),
        Value::ChronoDateTimeLocal(v) => or_null(v.map(|v| date_time(&v.naive_utc()))),
        Value::ChronoDateTimeWithTimeZone(v) => or_null(v.map(|v| date_time(&v.naive_utc()))),
        Value::Uuid(v) => or_null(v.map(|v| My::Bytes(v.hyphenated().to_string().into_bytes()))),
        Value::Decimal(v) => or_null(v.map(|v| My::Bytes(v.to_string().into_bytes()))),
        other => My::Bytes(format!("{other:?}").into_bytes()),
    }
}

fn date_time(v: &chrono::NaiveDateTime) -> ::mysql::Value {
    ::mysql::Value::Date(
        v.year() as u16,
        v.month() as u8,
        v.day() as u8,
        v.hour() as u8,
        v.minute() as u8,
        v.second() as u8,
        v.nanosecond() / 1000,
    )
}

/// The text protocol's values as sea-query values; `OxField::from_value` parses text into the field's type.
fn value_of(value: ::mysql::Value) -> Value {
    use ::mysql::Value as My;
    match value {
        My::NULL => Value::String(None),
        My::Bytes(bytes) => match String::from_utf8(bytes) {
            Ok(text) => Value::String(Some(text)),
            Err(error) => Value::Bytes(Some(error.into_bytes())),
        },
        My::Int(v) => Value::BigInt(Some(v)),
        My::UInt(v) => Value::BigUnsigned(Some(v)),
        My::Float(v) => Value::Float(Some(v)),
        My::Double(v) => Value::Double(Some(v)),
        My::Date(year, month, day, hour, minute, second, micro) => {
            let date = NaiveDate::from_ymd_opt(year.into(), month.into(), day.into());
            let time =
                chrono::NaiveTime::from_hms_micro_opt(hour.into(), minute.into(), second.into(), micro);
            Value::ChronoDateTime(date.zip(time).map(|(date, time)| date.and_time(time)))
        }
        My::Time(negative, days, hours, minutes, seconds, micros) => {
            let sign = if negative { "-" } else { "" };
            let hours = u32::from(hours) + days * 24;
            Value::String(Some(format!("{sign}{hours:02}:{minutes:02}:{seconds:02}.{micros:06}")))
        }
    }
}
