//! Integers, floats, bool, text, bytes and `Option<T>`.

use super::sqlite::value_of;
use super::{ColumnSpec, OxField, ValueError, is_null};
use crate::schema::ColumnType;
use rusqlite::types::{ToSqlOutput, Value as Stored, ValueRef};
use sea_query::Value;

/// Any integer a driver may hand back, widened; drivers differ in the width they report.
fn integer_of(value: &Value) -> Option<i128> {
    Some(match *value {
        Value::TinyInt(Some(v)) => v.into(),
        Value::SmallInt(Some(v)) => v.into(),
        Value::Int(Some(v)) => v.into(),
        Value::BigInt(Some(v)) => v.into(),
        Value::TinyUnsigned(Some(v)) => v.into(),
        Value::SmallUnsigned(Some(v)) => v.into(),
        Value::Unsigned(Some(v)) => v.into(),
        Value::BigUnsigned(Some(v)) => v.into(),
        _ => return None,
    })
}

macro_rules! integer_field {
    ($($rust:ty => $column:ident as $variant:ident($stored:ty)),* $(,)?) => {$(
        impl OxField for $rust {
            fn column() -> ColumnSpec {
                ColumnSpec::of(ColumnType::$column)
            }

            fn to_value(&self) -> Value {
                Value::$variant(Some(<$stored>::from(*self)))
            }

            fn from_value(value: Value) -> Result<Self, ValueError> {
                // The variant `to_value` writes first: what a row copied through its values holds.
                if let Value::$variant(Some(stored)) = value
                    && let Some(v) = <$rust>::try_from(stored).ok()
                {
                    return Ok(v);
                }
                integer_of(&value)
                    .and_then(|wide| <$rust>::try_from(wide).ok())
                    .ok_or_else(|| ValueError::new(concat!("an integer that fits ", stringify!($rust)), &value))
            }

            fn to_sqlite(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::Owned(Stored::Integer(i64::from(*self))))
            }

            fn from_sqlite(value: ValueRef<'_>) -> Result<Self, ValueError> {
                let ValueRef::Integer(stored) = value else { return Self::from_value(value_of(value)) };
                <$rust>::try_from(stored).or_else(|_| Self::from_value(value_of(value)))
            }
        }
    )*};
}

// Unsigned types are stored in the next wider signed column: PostgreSQL and SQLite have no unsigned ones.
integer_field! {
    i8 => SmallInteger as SmallInt(i16),
    i16 => SmallInteger as SmallInt(i16),
    i32 => Integer as Int(i32),
    i64 => BigInteger as BigInt(i64),
    u8 => SmallInteger as SmallInt(i16),
    u16 => Integer as Int(i32),
    u32 => BigInteger as BigInt(i64),
}

impl OxField for f32 {
    fn column() -> ColumnSpec {
        ColumnSpec::of(ColumnType::Float)
    }

    fn to_value(&self) -> Value {
        Value::Float(Some(*self))
    }

    fn from_value(value: Value) -> Result<Self, ValueError> {
        match value {
            Value::Float(Some(v)) => Ok(v),
            // SQLite stores every float as an 8-byte REAL.
            Value::Double(Some(v)) => Ok(v as f32),
            other => Err(ValueError::new("a float", &other)),
        }
    }

    fn to_sqlite(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Owned(Stored::Real(f64::from(*self))))
    }

    fn from_sqlite(value: ValueRef<'_>) -> Result<Self, ValueError> {
        match value {
            ValueRef::Real(v) => Ok(v as f32),
            other => Self::from_value(value_of(other)),
        }
    }
}

impl OxField for f64 {
    fn column() -> ColumnSpec {
        ColumnSpec::of(ColumnType::Double)
    }

    fn to_value(&self) -> Value {
        Value::Double(Some(*self))
    }

    fn from_value(value: Value) -> Result<Self, ValueError> {
        match value {
            Value::Double(Some(v)) => Ok(v),
            Value::Float(Some(v)) => Ok(v.into()),
            other => integer_of(&other).map(|v| v as f64).ok_or_else(|| ValueError::new("a float", &other)),
        }
    }

    fn to_sqlite(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Owned(Stored::Real(*self)))
    }

    fn from_sqlite(value: ValueRef<'_>) -> Result<Self, ValueError> {
        match value {
            ValueRef::Real(v) => Ok(v),
            ValueRef::Integer(v) => Ok(v as f64),
            other => Self::from_value(value_of(other)),
        }
    }
}

impl OxField for bool {
    fn column() -> ColumnSpec {
        ColumnSpec::of(ColumnType::Boolean)
    }

    fn to_value(&self) -> Value {
        Value::Bool(Some(*self))
    }

    fn from_value(value: Value) -> Result<Self, ValueError> {
        match value {
            Value::Bool(Some(v)) => Ok(v),
            // SQLite and MySQL store booleans as integers.
            other => match integer_of(&other) {
                Some(0) => Ok(false),
                Some(1) => Ok(true),
                _ => Err(ValueError::new("a boolean", &other)),
            },
        }
    }

    fn to_sqlite(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Owned(Stored::Integer(i64::from(*self))))
    }

    fn from_sqlite(value: ValueRef<'_>) -> Result<Self, ValueError> {
        match value {
            ValueRef::Integer(0) => Ok(false),
            ValueRef::Integer(1) => Ok(true),
            other => Self::from_value(value_of(other)),
        }
    }
}

impl OxField for String {
    fn column() -> ColumnSpec {
        ColumnSpec::of(ColumnType::Text)
    }

    fn to_value(&self) -> Value {
        Value::String(Some(self.clone()))
    }

    fn from_value(value: Value) -> Result<Self, ValueError> {
        match value {
            Value::String(Some(v)) => Ok(v),
            Value::Char(Some(v)) => Ok(v.to_string()),
            other => Err(ValueError::new("text", &other)),
        }
    }

    fn to_sqlite(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(ValueRef::Text(self.as_bytes())))
    }

    fn from_sqlite(value: ValueRef<'_>) -> Result<Self, ValueError> {
        match value {
            ValueRef::Text(text) => match std::str::from_utf8(text) {
                Ok(text) => Ok(text.to_owned()),
                // Read as `value_of` reads it: invalid sequences replaced.
                Err(_) => Self::from_value(value_of(value)),
            },
            other => Self::from_value(value_of(other)),
        }
    }
}

impl OxField for Vec<u8> {
    fn column() -> ColumnSpec {
        ColumnSpec::of(ColumnType::Binary)
    }

    fn to_value(&self) -> Value {
        Value::Bytes(Some(self.clone()))
    }

    fn from_value(value: Value) -> Result<Self, ValueError> {
        match value {
            Value::Bytes(Some(v)) => Ok(v),
            other => Err(ValueError::new("bytes", &other)),
        }
    }

    fn to_sqlite(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(ValueRef::Blob(self)))
    }

    fn from_sqlite(value: ValueRef<'_>) -> Result<Self, ValueError> {
        match value {
            ValueRef::Blob(bytes) => Ok(bytes.to_vec()),
            other => Self::from_value(value_of(other)),
        }
    }
}

/// `Option<T>` is the nullable column of `T`.
impl<T: OxField> OxField for Option<T> {
    fn column() -> ColumnSpec {
        ColumnSpec { nullable: true, ..T::column() }
    }

    fn to_value(&self) -> Value {
        match self {
            Some(inner) => inner.to_value(),
            None => T::column().column_type.null_value(),
        }
    }

    fn from_value(value: Value) -> Result<Self, ValueError> {
        if is_null(&value) { Ok(None) } else { T::from_value(value).map(Some) }
    }

    fn to_sqlite(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        match self {
            Some(inner) => inner.to_sqlite(),
            None => Ok(ToSqlOutput::Owned(Stored::Null)),
        }
    }

    fn from_sqlite(value: ValueRef<'_>) -> Result<Self, ValueError> {
        match value {
            ValueRef::Null => Ok(None),
            other => T::from_sqlite(other).map(Some),
        }
    }
}
