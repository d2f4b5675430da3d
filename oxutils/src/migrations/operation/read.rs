//! Reading an operation from a migration file. serde's reader for an internally tagged enum copies every
//! operation into a tree of its own before it knows the variant: half the time of parsing a large initial
//! migration. The files oxutils writes name the operation first (`"op"`), so this reader takes that key
//! and hands the rest of the object straight to the operation's type. An object whose `op` comes later
//! (edited by hand) is read into a JSON value first, with the same result and the same errors.

use super::{OPS, Operation, read_operation};
use serde::de::value::MapAccessDeserializer;
use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use std::fmt;

impl<'de> Deserialize<'de> for Operation {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(OperationVisitor)
    }
}

struct OperationVisitor;

impl<'de> Visitor<'de> for OperationVisitor {
    type Value = Operation;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        write!(formatter, "an operation: an object with \"op\" (one of {}) and its keys", OPS.join(", "))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Operation, A::Error> {
        let Some(first) = map.next_key::<String>()? else {
            return Err(de::Error::missing_field("op"));
        };
        if first == "op" {
            let op: String = map.next_value()?;
            return read_operation(&op, MapAccessDeserializer::new(map));
        }
        let mut keys = serde_json::Map::new();
        keys.insert(first, map.next_value()?);
        while let Some((key, value)) = map.next_entry::<String, serde_json::Value>()? {
            keys.insert(key, value);
        }
        let op = match keys.remove("op") {
            Some(serde_json::Value::String(op)) => op,
            Some(other) => {
                return Err(de::Error::invalid_type(unexpected(&other), &"the name of an operation"));
            }
            None => return Err(de::Error::missing_field("op")),
        };
        read_operation(&op, serde_json::Value::Object(keys)).map_err(de::Error::custom)
    }
}

/// What `value` is, for an error message.
fn unexpected(value: &serde_json::Value) -> de::Unexpected<'_> {
    match value {
        serde_json::Value::Null => de::Unexpected::Unit,
        serde_json::Value::Bool(bool) => de::Unexpected::Bool(*bool),
        serde_json::Value::Number(_) => de::Unexpected::Other("a number"),
        serde_json::Value::String(text) => de::Unexpected::Str(text),
        serde_json::Value::Array(_) => de::Unexpected::Seq,
        serde_json::Value::Object(_) => de::Unexpected::Map,
    }
}

#[cfg(test)]
mod tests {
    use super::super::{AddField, BackendSql, CreateModel, Operation, RunSql};
    use crate::migrations::operation::OPS;

    fn read(text: &str) -> Result<Operation, String> {
        serde_json::from_str(text).map_err(|error| error.to_string())
    }

    #[test]
    fn every_op_reads_back_what_it_writes_with_op_first_or_later() {
        use crate::schema::{ColumnType, FieldSchema, ModelSchema};
        let mut id = FieldSchema::new("id", ColumnType::BigInteger, false);
        id.primary_key = true;
        let model = ModelSchema {
            app: "shop".into(),
            name: "Item".into(),
            table: "shop_item".into(),
            db_comment: Some("What the shop sells".into()),
            fields: vec![id],
            indexes: vec![],
            constraints: vec![],
        };
        let field = FieldSchema::new("size", ColumnType::Integer, true);
        let operations = [
            Operation::CreateModel(CreateModel { model: model.into() }),
            Operation::AddField(AddField { model: "Item".into(), field, backfill: None }),
            Operation::RunSql(RunSql {
                forward: BackendSql {
                    all: Some("UPDATE shop_item SET size = 1".into()),
                    ..BackendSql::default()
                },
                backward: None,
            }),
        ];
        for operation in operations {
            let text = serde_json::to_string(&operation).unwrap();
            assert!(text.starts_with("{\"op\":"), "{text}");
            assert_eq!(read(&text).unwrap(), operation);
            // The same object with `op` last, as a hand edit may leave it.
            let mut value: serde_json::Value = serde_json::from_str(&text).unwrap();
            let op = value.as_object_mut().unwrap().shift_remove("op").unwrap();
            value.as_object_mut().unwrap().insert("op".into(), op);
            assert_eq!(read(&value.to_string()).unwrap(), operation);
        }
    }

    #[test]
    fn the_op_list_is_the_names_serde_writes() {
        for op in OPS {
            let error = read(&format!("{{\"op\": \"{op}\", \"no_such_key\": 1}}")).unwrap_err();
            assert!(!error.contains("unknown variant"), "{op}: {error}");
        }
    }

    #[test]
    fn unknown_ops_missing_ops_and_unknown_keys_are_named() {
        let unknown = read(r#"{"op": "drop_everything"}"#).unwrap_err();
        assert!(
            unknown.starts_with("unknown variant `drop_everything`, expected one of `create_model`"),
            "{unknown}"
        );
        let later = read(r#"{"model": "Item", "op": "drop_everything"}"#).unwrap_err();
        assert!(later.contains("unknown variant `drop_everything`"), "{later}");
        assert!(read(r#"{"model": "Item"}"#).unwrap_err().contains("missing field `op`"));
        assert!(read("{}").unwrap_err().contains("missing field `op`"));
        let key = read(r#"{"op": "delete_model", "name": "Item", "colour": "red"}"#).unwrap_err();
        assert!(key.contains("unknown field `colour`"), "{key}");
    }
}
