//! chrono's dates and times.
//!
//! SQLite has no date types and hands them back as text, so each type also parses the text forms that
//! SQLite drivers write.

use super::{ColumnSpec, OxField, ValueError};
use crate::schema::ColumnType;
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
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
            Value::String(Some(ref text)) => DateTime::parse_from_rfc3339(text)
                .map(|v| v.with_timezone(&Utc))
                .or_else(|_| parse_naive_date_time(text).map(|v| v.and_utc()))
                .map_err(|_| ValueError::new("a date and time", &value)),
            other => Err(ValueError::new("a date and time", &other)),
        }
    }
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
