use sea_query::Value;
use serde::{Deserialize, Serialize};

/// A constant in the schema: a column default.
///
/// Dates and times are kept as ISO 8601 text so that a migration file states them as a reader would.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Literal {
    Null,
    Bool(bool),
    Integer(i64),
    Float(f64),
    Text(String),
    /// Bytes as lowercase hex.
    Bytes(String),
    Json(serde_json::Value),
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
            Literal::Text(v) | Literal::Bytes(v) => Value::String(Some(v.clone())),
            Literal::Json(v) => Value::String(Some(v.to_string())),
        }
    }
}
