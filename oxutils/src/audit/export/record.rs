//! One exported entry, in the shape the original application's export gives it.

use crate::audit::{LogAction, LogEntry};
use crate::choices::OxChoices;
use crate::db::DbError;
use crate::field::OxField;
use chrono::{DateTime, Utc};
use sea_query::Value;
use serde::Serialize;
use serde_json::value::RawValue;

/// An entry as it appears in `logs_batch_NNNN.json`; `J` is how its JSON columns are held: parsed
/// (`serde_json::Value`, from a `LogEntry`) or as the text the database stored (`RawValue`, from an
/// [`ExportRow`]).
#[derive(Debug, Serialize)]
pub struct ExportRecord<'a, J: Serialize + ?Sized = serde_json::Value> {
    pub id: i64,
    pub timestamp: String,
    pub action: &'static str,
    pub content_type: ContentType<'a>,
    pub object_pk: &'a str,
    pub object_repr: &'a str,
    pub changes: &'a J,
    pub actor: Option<Actor<'a>>,
    pub remote_addr: Option<&'a str>,
    pub correlation_id: Option<&'a str>,
    pub additional_data: Option<&'a J>,
}

#[derive(Debug, Serialize)]
pub struct ContentType<'a> {
    pub app_label: &'a str,
    pub model: &'a str,
}

#[derive(Debug, Serialize)]
pub struct Actor<'a> {
    pub id: Option<&'a str>,
    pub username: Option<&'a str>,
}

fn actor<'a>(id: &'a Option<String>, name: &'a Option<String>) -> Option<Actor<'a>> {
    (id.is_some() || name.is_some()).then_some(Actor { id: id.as_deref(), username: name.as_deref() })
}

fn timestamp(time: &DateTime<Utc>) -> String {
    time.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

impl<'a> From<&'a LogEntry> for ExportRecord<'a> {
    fn from(entry: &'a LogEntry) -> Self {
        ExportRecord {
            id: entry.id,
            timestamp: timestamp(&entry.timestamp),
            action: entry.action.as_str(),
            content_type: ContentType { app_label: &entry.app_label, model: &entry.model },
            object_pk: &entry.object_pk,
            object_repr: &entry.object_repr,
            changes: &entry.changes,
            actor: actor(&entry.actor_id, &entry.actor_name),
            remote_addr: entry.remote_addr.as_deref(),
            correlation_id: entry.correlation_id.as_deref(),
            additional_data: entry.additional_data.as_ref(),
        }
    }
}

/// A `LogEntry` row read for export: its JSON columns kept as the text the database returned (checked to
/// be JSON, not parsed into a tree and written out again), which is most of the cost of a row.
#[derive(Debug)]
pub struct ExportRow {
    pub id: i64,
    pub timestamp: DateTime<Utc>,
    action: LogAction,
    app_label: String,
    model: String,
    object_pk: String,
    object_repr: String,
    changes: Box<RawValue>,
    actor_id: Option<String>,
    actor_name: Option<String>,
    remote_addr: Option<String>,
    correlation_id: Option<String>,
    additional_data: Option<Box<RawValue>>,
}

impl ExportRow {
    /// The columns [`ExportRow::read`] expects, in its order.
    pub const COLUMNS: [&'static str; 13] = [
        "id",
        "timestamp",
        "action",
        "app_label",
        "model",
        "object_pk",
        "object_repr",
        "changes",
        "actor_id",
        "actor_name",
        "remote_addr",
        "correlation_id",
        "additional_data",
    ];

    /// Where the row goes in an export: by time, then by id.
    pub fn order_key(&self) -> (DateTime<Utc>, i64) {
        (self.timestamp, self.id)
    }

    /// Reads the values of [`ExportRow::COLUMNS`], in that order.
    pub fn read(values: &mut dyn Iterator<Item = Value>) -> Result<Self, DbError> {
        let mut column = 0;
        let mut next = |values: &mut dyn Iterator<Item = Value>| {
            column += 1;
            (Self::COLUMNS[column - 1], values.next().unwrap_or(Value::String(None)))
        };
        Ok(ExportRow {
            id: typed(next(values))?,
            timestamp: typed(next(values))?,
            action: typed(next(values))?,
            app_label: typed(next(values))?,
            model: typed(next(values))?,
            object_pk: typed(next(values))?,
            object_repr: typed(next(values))?,
            changes: raw_json(next(values))?.unwrap_or_else(null_json),
            actor_id: typed(next(values))?,
            actor_name: typed(next(values))?,
            remote_addr: typed(next(values))?,
            correlation_id: typed(next(values))?,
            additional_data: raw_json(next(values))?,
        })
    }

    pub fn record(&self) -> ExportRecord<'_, RawValue> {
        ExportRecord {
            id: self.id,
            timestamp: timestamp(&self.timestamp),
            action: self.action.as_str(),
            content_type: ContentType { app_label: &self.app_label, model: &self.model },
            object_pk: &self.object_pk,
            object_repr: &self.object_repr,
            changes: &self.changes,
            actor: actor(&self.actor_id, &self.actor_name),
            remote_addr: self.remote_addr.as_deref(),
            correlation_id: self.correlation_id.as_deref(),
            additional_data: self.additional_data.as_deref(),
        }
    }
}

fn read_error(column: &str, problem: impl std::fmt::Display) -> DbError {
    DbError::query("reading audit entries to export", format!("{column}: {problem}"))
}

fn typed<T: OxField>((column, value): (&str, Value)) -> Result<T, DbError> {
    T::from_value(value).map_err(|error| read_error(column, error))
}

/// A JSON column as text: SQLite and MySQL return the stored text, PostgreSQL a parsed `jsonb`.
fn raw_json((column, value): (&str, Value)) -> Result<Option<Box<RawValue>>, DbError> {
    let invalid = |error: serde_json::Error| read_error(column, format!("not JSON: {error}"));
    match value {
        Value::String(Some(text)) => RawValue::from_string(text).map(Some).map_err(invalid),
        Value::Json(Some(json)) => serde_json::value::to_raw_value(&json).map(Some).map_err(invalid),
        other if crate::field::is_null(&other) => Ok(None),
        other => {
            let json = serde_json::Value::from_value(other).map_err(|error| read_error(column, error))?;
            serde_json::value::to_raw_value(&json).map(Some).map_err(invalid)
        }
    }
}

fn null_json() -> Box<RawValue> {
    RawValue::from_string("null".to_owned()).expect("null is JSON")
}

#[cfg(test)]
mod tests {
    use super::ExportRow;
    use crate::audit::LogEntry;
    use crate::model::Model;

    #[test]
    fn an_export_row_reads_columns_of_log_entry_in_field_order() {
        let columns: Vec<&str> =
            LogEntry::schema().fields.iter().map(|field| field.column.as_str()).collect();
        assert_eq!(&columns[..ExportRow::COLUMNS.len()], ExportRow::COLUMNS, "every column but export_id");
    }
}
