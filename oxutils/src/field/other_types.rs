//! UUIDs and JSON documents.

use super::{ColumnSpec, OxField, ValueError};
use crate::schema::ColumnType;
use sea_query::Value;

impl OxField for uuid::Uuid {
    fn column() -> ColumnSpec {
        ColumnSpec::of(ColumnType::Uuid)
    }

    fn to_value(&self) -> Value {
        Value::Uuid(Some(*self))
    }

    fn from_value(value: Value) -> Result<Self, ValueError> {
        match value {
            Value::Uuid(Some(v)) => Ok(v),
            Value::String(Some(ref text)) => text.parse().map_err(|_| ValueError::new("a UUID", &value)),
            Value::Bytes(Some(ref bytes)) => {
                uuid::Uuid::from_slice(bytes).map_err(|_| ValueError::new("a UUID", &value))
            }
            other => Err(ValueError::new("a UUID", &other)),
        }
    }
}

impl OxField for serde_json::Value {
    fn column() -> ColumnSpec {
        ColumnSpec::of(ColumnType::Json)
    }

    fn to_value(&self) -> Value {
        Value::Json(Some(Box::new(self.clone())))
    }

    fn from_value(value: Value) -> Result<Self, ValueError> {
        match value {
            Value::Json(Some(v)) => Ok(*v),
            Value::String(Some(ref text)) => {
                serde_json::from_str(text).map_err(|_| ValueError::new("a JSON document", &value))
            }
            other => Err(ValueError::new("a JSON document", &other)),
        }
    }
}
