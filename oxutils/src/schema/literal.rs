use sea_query::Value;
use serde::{Deserialize, Serialize};

/// A constant in the schema: a column default.
///
/// Dates and times are kept as ISO 8601 text so that a migration file states them as a reader would.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Literal {
    /// SQL NULL.
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Integer(i64),
    /// A float.
    Float(f64),
    /// Text, and dates and times as ISO 8601 text.
    Text(String),
    /// Bytes as lowercase hex.
    Bytes(String),
    /// A JSON document.
    Json(serde_json::Value),
    /// An exact decimal number, as text so that the file keeps every digit (`"12.50"`).
    Decimal(String),
}

impl Literal {
    /// The literal a field value stands for, as `OxField::to_value` produced it.
    pub fn from_value(value: &Value) -> Literal {
        match value {
            Value::Bool(Some(v)) => Literal::Bool(*v),
            Value::TinyInt(Some(v)) => Literal::Integer((*v).into()),
            Value::SmallInt(Some(v)) => Literal::Integer((*v).into()),
            Value::Int(Some(v)) => Literal::Integer((*v).into()),
            Value::BigInt(Some(v)) => Literal::Integer(*v),
            Value::TinyUnsigned(Some(v)) => Literal::Integer((*v).into()),
            Value::SmallUnsigned(Some(v)) => Literal::Integer((*v).into()),
            Value::Unsigned(Some(v)) => Literal::Integer((*v).into()),
            Value::BigUnsigned(Some(v)) => match i64::try_from(*v) {
                Ok(v) => Literal::Integer(v),
                Err(_) => Literal::Text(v.to_string()),
            },
            Value::Float(Some(v)) => Literal::Float((*v).into()),
            Value::Double(Some(v)) => Literal::Float(*v),
            Value::String(Some(v)) => Literal::Text(v.clone()),
            Value::Char(Some(v)) => Literal::Text(v.to_string()),
            Value::Bytes(Some(v)) => Literal::Bytes(v.iter().map(|byte| format!("{byte:02x}")).collect()),
            Value::Json(Some(v)) => Literal::Json((**v).clone()),
            Value::ChronoDate(Some(v)) => Literal::Text(v.to_string()),
            Value::ChronoTime(Some(v)) => Literal::Text(v.to_string()),
            Value::ChronoDateTime(Some(v)) => Literal::Text(v.format("%Y-%m-%d %H:%M:%S%.f").to_string()),
            Value::ChronoDateTimeUtc(Some(v)) => Literal::Text(v.to_rfc3339()),
            Value::ChronoDateTimeLocal(Some(v)) => Literal::Text(v.to_rfc3339()),
            Value::ChronoDateTimeWithTimeZone(Some(v)) => Literal::Text(v.to_rfc3339()),
            Value::Uuid(Some(v)) => Literal::Text(v.hyphenated().to_string()),
            Value::Decimal(Some(v)) => Literal::Decimal(v.to_string()),
            _ => Literal::Null,
        }
    }

    /// The value to render this literal with in DDL.
    pub fn to_value(&self) -> Value {
        match self {
            Literal::Null => Value::String(None),
            Literal::Bool(v) => Value::Bool(Some(*v)),
            Literal::Integer(v) => Value::BigInt(Some(*v)),
            Literal::Float(v) => Value::Double(Some(*v)),
            Literal::Text(v) => Value::String(Some(v.clone())),
            // The bytes the hex spells, not the hex as text: a binary default or backfill of `00ff` is two
            // bytes, not four characters.
            Literal::Bytes(hex) => match decode_hex(hex) {
                Some(bytes) => Value::Bytes(Some(bytes)),
                None => Value::String(Some(hex.clone())),
            },
            Literal::Json(v) => Value::String(Some(v.to_string())),
            Literal::Decimal(text) => match text.parse::<rust_decimal::Decimal>() {
                Ok(number) => Value::Decimal(Some(number)),
                Err(_) => Value::String(Some(text.clone())),
            },
        }
    }
}

impl Literal {
    /// The literal a person typed for a column of `column_type`, as the one-off value prompt takes it:
    /// plain text for text columns (`""` for the empty string), numbers, `true`/`false`, ISO 8601 dates
    /// and times, a UUID, or JSON. The error says what was expected.
    pub fn parse_for(column_type: super::ColumnType, input: &str) -> Result<Literal, String> {
        use super::ColumnType;
        let text = input.trim();
        let expected = |what: &str| format!("`{text}` is not {what}");
        match column_type {
            ColumnType::SmallInteger | ColumnType::Integer | ColumnType::BigInteger => {
                let value: i64 = text.parse().map_err(|_| expected("an integer"))?;
                let fits = match column_type {
                    ColumnType::SmallInteger => i16::try_from(value).is_ok(),
                    ColumnType::Integer => i32::try_from(value).is_ok(),
                    _ => true,
                };
                if fits { Ok(Literal::Integer(value)) } else { Err(format!("{value} is out of range")) }
            }
            ColumnType::Float | ColumnType::Double => match text.parse::<f64>() {
                Ok(value) if value.is_finite() => Ok(Literal::Float(value)),
                _ => Err(expected("a number")),
            },
            ColumnType::Boolean => match text.to_lowercase().as_str() {
                "true" | "t" | "yes" | "y" | "1" => Ok(Literal::Bool(true)),
                "false" | "f" | "no" | "n" | "0" => Ok(Literal::Bool(false)),
                _ => Err(expected("a boolean (true or false)")),
            },
            ColumnType::String { max_length } => {
                let value = plain_text(input);
                let length = value.chars().count();
                if length > max_length as usize {
                    Err(format!(
                        "the value is {length} characters long; the column holds at most {max_length}"
                    ))
                } else {
                    Ok(Literal::Text(value))
                }
            }
            ColumnType::Text | ColumnType::Custom(_) => Ok(Literal::Text(plain_text(input))),
            ColumnType::Binary => {
                let hex = text.strip_prefix("0x").unwrap_or(text).to_lowercase();
                if hex.len().is_multiple_of(2) && hex.bytes().all(|byte| byte.is_ascii_hexdigit()) {
                    Ok(Literal::Bytes(hex))
                } else {
                    Err(expected("bytes in hex (like 0a1b)"))
                }
            }
            ColumnType::Date => chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map(|date| Literal::Text(date.to_string()))
                .map_err(|_| expected("a date (YYYY-MM-DD)")),
            ColumnType::Time => chrono::NaiveTime::parse_from_str(text, "%H:%M:%S%.f")
                .or_else(|_| chrono::NaiveTime::parse_from_str(text, "%H:%M"))
                .map(|time| Literal::Text(time.to_string()))
                .map_err(|_| expected("a time (HH:MM:SS)")),
            ColumnType::DateTime | ColumnType::TimestampTz => {
                let parsed = chrono::DateTime::parse_from_rfc3339(text)
                    .map(|time| time.naive_utc())
                    .or_else(|_| chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f"))
                    .or_else(|_| chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f"))
                    .or_else(|_| {
                        chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
                            .map(|date| date.and_time(chrono::NaiveTime::MIN))
                    });
                // Every backend reads this form; an offset is folded into UTC first.
                parsed
                    .map(|time| Literal::Text(time.format("%Y-%m-%d %H:%M:%S%.f").to_string()))
                    .map_err(|_| expected("a date and time (YYYY-MM-DD HH:MM:SS)"))
            }
            ColumnType::Uuid => uuid::Uuid::parse_str(text)
                .map(|id| Literal::Text(id.hyphenated().to_string()))
                .map_err(|_| expected("a UUID")),
            ColumnType::Json => match serde_json::from_str::<serde_json::Value>(text) {
                Ok(serde_json::Value::Null) => Err("null is not a value for a NOT NULL column".to_owned()),
                Ok(value) => Ok(Literal::Json(value)),
                Err(error) => Err(format!("`{text}` is not JSON: {error}")),
            },
            ColumnType::Decimal { max_digits, decimal_places } => {
                let number: rust_decimal::Decimal = text.parse().map_err(|_| expected("a decimal number"))?;
                check_decimal_fits(number, max_digits, decimal_places)?;
                Ok(Literal::Decimal(number.to_string()))
            }
        }
    }
}

/// Whether `number` fits `numeric(max_digits, decimal_places)`, as Django's DecimalValidator has it: at
/// most `decimal_places` digits after the point, and at most `max_digits - decimal_places` before it.
pub fn check_decimal_fits(
    number: rust_decimal::Decimal,
    max_digits: u32,
    decimal_places: u32,
) -> Result<(), String> {
    let number = number.normalize();
    if number.scale() > decimal_places {
        return Err(format!("{number} has more than {decimal_places} digits after the point"));
    }
    let whole_digits = number.trunc().abs().to_string().trim_start_matches('0').len() as u32;
    let room = max_digits.saturating_sub(decimal_places);
    if whole_digits > room {
        return Err(format!("{number} has more than {room} digits before the point"));
    }
    Ok(())
}

/// Text as typed, without the line end; `""` stands for the empty string.
fn plain_text(input: &str) -> String {
    let line = input.trim_end_matches(['\r', '\n']);
    if line.trim() == "\"\"" { String::new() } else { line.to_owned() }
}

fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    (0..hex.len()).step_by(2).map(|at| u8::from_str_radix(hex.get(at..at + 2)?, 16).ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::ColumnType;

    #[test]
    fn a_typed_value_is_parsed_by_the_column_type() {
        assert_eq!(
            Literal::parse_for(ColumnType::Text, "plain words"),
            Ok(Literal::Text("plain words".into()))
        );
        assert_eq!(Literal::parse_for(ColumnType::Text, "\"\""), Ok(Literal::Text(String::new())));
        assert_eq!(Literal::parse_for(ColumnType::BigInteger, " 42 "), Ok(Literal::Integer(42)));
        assert_eq!(Literal::parse_for(ColumnType::Integer, "abc"), Err("`abc` is not an integer".to_owned()));
        assert!(Literal::parse_for(ColumnType::SmallInteger, "70000").is_err());
        assert!(Literal::parse_for(ColumnType::String { max_length: 3 }, "four").is_err());
        assert_eq!(Literal::parse_for(ColumnType::Boolean, "yes"), Ok(Literal::Bool(true)));
        assert_eq!(
            Literal::parse_for(ColumnType::TimestampTz, "2024-05-01T10:00:00+02:00"),
            Ok(Literal::Text("2024-05-01 08:00:00".into()))
        );
        assert!(Literal::parse_for(ColumnType::Date, "May 1st").is_err());
        assert!(Literal::parse_for(ColumnType::Json, "null").is_err());
        let money = ColumnType::Decimal { max_digits: 6, decimal_places: 2 };
        assert_eq!(Literal::parse_for(money, "1234.50"), Ok(Literal::Decimal("1234.50".into())));
        assert_eq!(
            Literal::parse_for(money, "12.345"),
            Err("12.345 has more than 2 digits after the point".into())
        );
        assert_eq!(
            Literal::parse_for(money, "12345"),
            Err("12345 has more than 4 digits before the point".into())
        );
        assert_eq!(Literal::parse_for(money, "-0.5"), Ok(Literal::Decimal("-0.5".into())));
    }
}
