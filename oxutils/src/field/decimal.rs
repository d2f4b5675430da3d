//! Exact decimal numbers: `rust_decimal::Decimal` in a `numeric(max_digits, decimal_places)` column.
//!
//! PostgreSQL returns numerics as `Decimal` already; MySQL returns them as text. SQLite has no exact
//! type: its NUMERIC affinity keeps a value as an integer or a float when that round-trips through 15
//! significant digits, and as text when it does not, so a read takes any of the three, and a float by the
//! shortest text that gives it back, which is the decimal that was written.

use super::{ColumnSpec, OxField, ValueError};
use crate::schema::ColumnType;
use rust_decimal::Decimal;
use sea_query::Value;

const EXPECTED: &str = "a decimal number";

impl OxField for Decimal {
    fn column() -> ColumnSpec {
        // The digits come from `#[ox(max_digits, decimal_places)]`; left at 0, the checks ask for them.
        ColumnSpec::of(ColumnType::UNSIZED_DECIMAL)
    }

    fn to_value(&self) -> Value {
        Value::Decimal(Some(*self))
    }

    fn from_value(value: Value) -> Result<Self, ValueError> {
        match value {
            Value::Decimal(Some(number)) => Ok(number),
            Value::BigInt(Some(integer)) => Ok(Decimal::from(integer)),
            Value::Int(Some(integer)) => Ok(Decimal::from(integer)),
            Value::BigUnsigned(Some(integer)) => Ok(Decimal::from(integer)),
            Value::Double(Some(float)) => parse(&float.to_string(), &value),
            Value::Float(Some(float)) => parse(&float.to_string(), &value),
            Value::String(Some(ref text)) => parse(text, &value),
            Value::Bytes(Some(ref bytes)) => parse(&String::from_utf8_lossy(bytes), &value),
            other => Err(ValueError::new(EXPECTED, &other)),
        }
    }
}

fn parse(text: &str, value: &Value) -> Result<Decimal, ValueError> {
    // `1e-7` is how a float prints a small number; `from_scientific` reads it.
    text.trim()
        .parse::<Decimal>()
        .or_else(|_| Decimal::from_scientific(text.trim()))
        .map_err(|_| ValueError::new(EXPECTED, value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn every_form_a_backend_returns_reads_back_as_the_decimal_written() {
        let written = Decimal::from_str("1234.50").unwrap();
        assert_eq!(Decimal::from_value(Value::Decimal(Some(written))), Ok(written));
        assert_eq!(Decimal::from_value(Value::String(Some("1234.50".into()))), Ok(written));
        assert_eq!(Decimal::from_value(Value::Double(Some(1234.5))), Ok(written));
        assert_eq!(Decimal::from_value(Value::BigInt(Some(7))), Ok(Decimal::from(7)));
        assert_eq!(
            Decimal::from_value(Value::Double(Some(1e-7))),
            Ok(Decimal::from_str("0.0000001").unwrap())
        );
        assert!(Decimal::from_value(Value::String(Some("twelve".into()))).is_err());
    }
}
