//! chrono's dates and times.
//!
//! SQLite has no date types and hands them back as text, so each type also parses the text forms that
//! SQLite drivers write.

use super::{ColumnSpec, OxField, ValueError};
use crate::schema::ColumnType;
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use rusqlite::types::ValueRef;
use sea_query::Value;

impl OxField for DateTime<Utc> {
    fn column() -> ColumnSpec {
        ColumnSpec::of(ColumnType::TimestampTz)
    }

    fn to_value(&self) -> Value {
        Value::ChronoDateTimeUtc(Some(*self))
    }

    fn from_value(value: Value) -> Result<Self, ValueError> {
        match value {
            Value::ChronoDateTimeUtc(Some(v)) => Ok(v),
            Value::ChronoDateTimeWithTimeZone(Some(v)) => Ok(v.with_timezone(&Utc)),
            Value::ChronoDateTimeLocal(Some(v)) => Ok(v.with_timezone(&Utc)),
            Value::ChronoDateTime(Some(v)) => Ok(v.and_utc()),
            Value::String(Some(ref text)) => {
                parse_date_time_utc(text).ok_or_else(|| ValueError::new("a date and time", &value))
            }
            other => Err(ValueError::new("a date and time", &other)),
        }
    }

    fn from_sqlite(value: ValueRef<'_>) -> Result<Self, ValueError> {
        // SQLite's text parsed where it lies; anything else as `from_value` reads it.
        if let ValueRef::Text(bytes) = value
            && let Some(time) = std::str::from_utf8(bytes).ok().and_then(parse_date_time_utc)
        {
            return Ok(time);
        }
        Self::from_value(super::sqlite::value_of(value))
    }
}

/// RFC 3339, or a naive date and time taken as UTC.
fn parse_date_time_utc(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|time| time.with_timezone(&Utc))
        .or_else(|_| parse_naive_date_time(text).map(|time| time.and_utc()))
        .ok()
}

impl OxField for NaiveDateTime {
    fn column() -> ColumnSpec {
        ColumnSpec::of(ColumnType::DateTime)
    }

    fn to_value(&self) -> Value {
        Value::ChronoDateTime(Some(*self))
    }

    fn from_value(value: Value) -> Result<Self, ValueError> {
        match value {
            Value::ChronoDateTime(Some(v)) => Ok(v),
            Value::String(Some(ref text)) => {
                parse_naive_date_time(text).map_err(|_| ValueError::new("a date and time", &value))
            }
            other => Err(ValueError::new("a date and time", &other)),
        }
    }
}

impl OxField for NaiveDate {
    fn column() -> ColumnSpec {
        ColumnSpec::of(ColumnType::Date)
    }

    fn to_value(&self) -> Value {
        Value::ChronoDate(Some(*self))
    }

    fn from_value(value: Value) -> Result<Self, ValueError> {
        match value {
            Value::ChronoDate(Some(v)) => Ok(v),
            // MySQL's binary protocol returns dates as date-times at midnight.
            Value::ChronoDateTime(Some(v)) if v.time() == NaiveTime::MIN => Ok(v.date()),
            Value::String(Some(ref text)) => text.parse().map_err(|_| ValueError::new("a date", &value)),
            other => Err(ValueError::new("a date", &other)),
        }
    }
}

impl OxField for NaiveTime {
    fn column() -> ColumnSpec {
        ColumnSpec::of(ColumnType::Time)
    }

    fn to_value(&self) -> Value {
        Value::ChronoTime(Some(*self))
    }

    fn from_value(value: Value) -> Result<Self, ValueError> {
        match value {
            Value::ChronoTime(Some(v)) => Ok(v),
            Value::String(Some(ref text)) => text.parse().map_err(|_| ValueError::new("a time", &value)),
            other => Err(ValueError::new("a time", &other)),
        }
    }
}

fn parse_naive_date_time(text: &str) -> chrono::ParseResult<NaiveDateTime> {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f"))
}
