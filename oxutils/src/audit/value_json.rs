//! SQL values as JSON, for the changes of an audit entry.

use chrono::{DateTime, NaiveDateTime, NaiveTime, SecondsFormat, SubsecRound, Utc};
use sea_query::Value;
use serde_json::Value as Json;

/// A SQL value as JSON: NULL is `null`, numbers and booleans stay themselves, text and UUIDs are strings,
/// JSON documents are nested as they are, bytes are a lowercase hex string, and dates and times are
/// ISO 8601 / RFC 3339 strings (`2024-05-01T12:30:00Z`) cut to microseconds, the finest every backend keeps,
/// so that a value read back compares equal to the one written.
pub fn value_to_json(value: &Value) -> Json {
    match value {
        Value::Bool(v) => v.map_or(Json::Null, Json::Bool),
        Value::TinyInt(v) => v.map_or(Json::Null, Json::from),
        Value::SmallInt(v) => v.map_or(Json::Null, Json::from),
        Value::Int(v) => v.map_or(Json::Null, Json::from),
        Value::BigInt(v) => v.map_or(Json::Null, Json::from),
        Value::TinyUnsigned(v) => v.map_or(Json::Null, Json::from),
        Value::SmallUnsigned(v) => v.map_or(Json::Null, Json::from),
        Value::Unsigned(v) => v.map_or(Json::Null, Json::from),
        Value::BigUnsigned(v) => v.map_or(Json::Null, Json::from),
        // A float that JSON cannot hold (NaN, infinities) becomes its text.
        Value::Float(v) => v.map_or(Json::Null, |v| number_or_text(f64::from(v))),
        Value::Double(v) => v.map_or(Json::Null, number_or_text),
        Value::String(v) => v.as_ref().map_or(Json::Null, |v| Json::String(v.clone())),
        Value::Char(v) => v.map_or(Json::Null, |v| Json::String(v.to_string())),
        Value::Bytes(v) => v.as_ref().map_or(Json::Null, |v| Json::String(hex(v))),
        Value::Json(v) => v.as_ref().map_or(Json::Null, |v| (**v).clone()),
        Value::ChronoDate(v) => v.map_or(Json::Null, |v| Json::String(v.format("%Y-%m-%d").to_string())),
        Value::ChronoTime(v) => v.map_or(Json::Null, |v| Json::String(time(v))),
        Value::ChronoDateTime(v) => v.map_or(Json::Null, |v| Json::String(naive_date_time(v))),
        Value::ChronoDateTimeUtc(v) => v.map_or(Json::Null, |v| Json::String(date_time(v))),
        Value::ChronoDateTimeLocal(v) => {
            v.map_or(Json::Null, |v| Json::String(date_time(v.with_timezone(&Utc))))
        }
        Value::ChronoDateTimeWithTimeZone(v) => {
            v.map_or(Json::Null, |v| Json::String(date_time(v.with_timezone(&Utc))))
        }
        Value::Uuid(v) => v.map_or(Json::Null, |v| Json::String(v.hyphenated().to_string())),
        // Variants that features of sea-query this crate does not use would add (an enum's value, …).
        other if crate::field::is_null(other) => Json::Null,
        other => Json::String(format!("{other:?}")),
    }
}

fn number_or_text(value: f64) -> Json {
    serde_json::Number::from_f64(value).map_or_else(|| Json::String(value.to_string()), Json::Number)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn date_time(value: DateTime<Utc>) -> String {
    value.trunc_subsecs(6).to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

fn naive_date_time(value: NaiveDateTime) -> String {
    value.trunc_subsecs(6).format("%Y-%m-%dT%H:%M:%S%.f").to_string()
}

fn time(value: NaiveTime) -> String {
    value.trunc_subsecs(6).format("%H:%M:%S%.f").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, TimeZone};
    use serde_json::json;

    #[test]
    fn values_become_json() {
        let moment = Utc.with_ymd_and_hms(2024, 5, 1, 12, 30, 0).unwrap();
        let cases = [
            (Value::BigInt(Some(7)), json!(7)),
            (Value::Int(None), json!(null)),
            (Value::Bool(Some(true)), json!(true)),
            (Value::Double(Some(9.5)), json!(9.5)),
            (Value::Double(Some(f64::NAN)), json!("NaN")),
            (Value::String(Some("Ursula".into())), json!("Ursula")),
            (Value::Bytes(Some(vec![0, 171, 255])), json!("00abff")),
            (Value::Json(Some(Box::new(json!({"tags": ["sf"]})))), json!({"tags": ["sf"]})),
            (Value::ChronoDate(NaiveDate::from_ymd_opt(1929, 10, 21)), json!("1929-10-21")),
            (Value::ChronoDateTimeUtc(Some(moment)), json!("2024-05-01T12:30:00Z")),
            (
                Value::ChronoDateTimeUtc(Some(moment + chrono::Duration::nanoseconds(1_234_567))),
                json!("2024-05-01T12:30:00.001234Z"),
            ),
            (Value::ChronoDateTime(Some(moment.naive_utc())), json!("2024-05-01T12:30:00")),
            (Value::Uuid(Some(uuid::Uuid::nil())), json!("00000000-0000-0000-0000-000000000000")),
        ];
        for (value, expected) in cases {
            assert_eq!(value_to_json(&value), expected, "{value:?}");
        }
    }
}
