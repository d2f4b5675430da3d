//! One exported entry, in the shape the original application's export gives it.

use crate::audit::{LogAction, LogEntry};
use crate::db::{Cell, DbError};
use crate::field::choices::OxChoices;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::value::RawValue;

/// An entry as it appears in `logs_batch_NNNN.json`; `J` is how its JSON columns are held: parsed
/// (`serde_json::Value`, from a `LogEntry`) or as the text the database stored (`RawValue`, from an
/// [`ExportPage`]).
#[derive(Debug, Serialize)]
pub struct ExportRecord<'a, J: Serialize + ?Sized = serde_json::Value> {
    /// The entry's id.
    pub id: i64,
    /// When the write happened.
    pub timestamp: Timestamp,
    /// `create`, `update` or `delete`.
    pub action: &'static str,
    /// The written model.
    pub content_type: ContentType<'a>,
    /// The object's primary key, as text.
    pub object_pk: &'a str,
    /// The text naming the object.
    pub object_repr: &'a str,
    /// `{field: [old, new]}`.
    pub changes: &'a J,
    /// Who made the write, when the entry names anyone.
    pub actor: Option<Actor<'a>>,
    /// The client's IP address.
    pub remote_addr: Option<&'a str>,
    /// The request or job the write belongs to.
    pub correlation_id: Option<&'a str>,
    /// Anything else the audit context carried.
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

/// The actor, when the entry names one at all.
fn actor<'a>(id: Option<&'a str>, username: Option<&'a str>) -> Option<Actor<'a>> {
    (id.is_some() || username.is_some()).then_some(Actor { id, username })
}

/// A time as RFC 3339 with microseconds and `Z` (`2023-11-14T22:13:20.000000Z`), written straight into
/// the output rather than into a string of its own first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timestamp(pub DateTime<Utc>);

impl std::fmt::Display for Timestamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use chrono::{Datelike, Timelike};
        let time = self.0;
        if !(0..=9999).contains(&time.year()) {
            return f.write_str(&time.to_rfc3339_opts(chrono::SecondsFormat::Micros, true));
        }
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
            time.year(),
            time.month(),
            time.day(),
            time.hour(),
            time.minute(),
            time.second(),
            // A leap second's nanoseconds run past 999,999,999.
            (time.nanosecond() % 1_000_000_000) / 1000
        )
    }
}

impl Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'a> From<&'a LogEntry> for ExportRecord<'a> {
    fn from(entry: &'a LogEntry) -> Self {
        ExportRecord {
            id: entry.id,
            timestamp: Timestamp(entry.timestamp),
            action: entry.action.as_str(),
            content_type: ContentType { app_label: &entry.app_label, model: &entry.model },
            object_pk: &entry.object_pk,
            object_repr: &entry.object_repr,
            changes: &entry.changes,
            actor: actor(entry.actor_id.as_deref(), entry.actor_name.as_deref()),
            remote_addr: entry.remote_addr.as_deref(),
            correlation_id: entry.correlation_id.as_deref(),
            additional_data: entry.additional_data.as_ref(),
        }
    }
}

/// Where an entry goes in the export: its time, then its id.
pub type OrderKey = (DateTime<Utc>, i64);

/// A page of `LogEntry` rows read for export. Their text columns are copied into one buffer, so that a row
/// costs no allocation of its own; the JSON columns are kept as the text the database returned and checked
/// to be JSON as each record is written, not parsed into a tree and written out again.
#[derive(Debug, Default)]
pub struct ExportPage {
    text: String,
    rows: Vec<PageRow>,
}

#[derive(Debug)]
struct PageRow {
    id: i64,
    timestamp: DateTime<Utc>,
    action: LogAction,
    /// Where each of the text columns, [`ExportPage::COLUMNS`] from the fourth on, is in the page's text.
    texts: [Span; TEXT_COLUMNS],
}

const TEXT_COLUMNS: usize = 10;

/// A column's place in the page's text; `None` for NULL.
type Span = Option<(u32, u32)>;

impl ExportPage {
    /// The columns [`ExportPage::push`] expects, in its order.
    pub const COLUMNS: [&'static str; 3 + TEXT_COLUMNS] = [
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

    /// The place in export order of a row whose first columns are those of [`ExportPage::COLUMNS`]: its
    /// time, then its id.
    pub(crate) fn order_key_of(cells: &[Cell<'_>]) -> Result<OrderKey, DbError> {
        let cell = |index: usize| {
            cells.get(index).copied().ok_or_else(|| read_error(Self::COLUMNS[index], "missing"))
        };
        let id = cell(0)?.get().map_err(|error| read_error("id", error))?;
        let timestamp = cell(1)?.get().map_err(|error| read_error("timestamp", error))?;
        Ok((timestamp, id))
    }

    /// Adds a row of [`ExportPage::COLUMNS`], in that order.
    pub fn push(&mut self, cells: &[Cell<'_>]) -> Result<(), DbError> {
        let cell = |index: usize| {
            cells.get(index).copied().ok_or_else(|| read_error(Self::COLUMNS[index], "missing"))
        };
        let (timestamp, id) = Self::order_key_of(cells)?;
        let action = cell(2)?.get().map_err(|error| read_error("action", error))?;
        let mut texts = [None; TEXT_COLUMNS];
        for (offset, span) in texts.iter_mut().enumerate() {
            let index = 3 + offset;
            *span = self.copy_text(Self::COLUMNS[index], cell(index)?)?;
        }
        self.rows.push(PageRow { id, timestamp, action, texts });
        Ok(())
    }

    /// Copies a text or JSON column into the page's text.
    fn copy_text(&mut self, column: &str, cell: Cell<'_>) -> Result<Span, DbError> {
        if cell.is_null() {
            return Ok(None);
        }
        let start = self.text.len();
        match (cell.text(), cell) {
            (Some(text), _) => self.text.push_str(text),
            // PostgreSQL returns `jsonb` parsed.
            (None, Cell::Value(sea_query::Value::Json(Some(json)))) => {
                self.text.push_str(&json.to_string());
            }
            (None, other) => {
                let text: String = other.get().map_err(|error| read_error(column, error))?;
                self.text.push_str(&text);
            }
        }
        let offset = |at: usize| u32::try_from(at).map_err(|_| read_error(column, "a page of over 4 GiB"));
        Ok(Some((offset(start)?, offset(self.text.len())?)))
    }

    /// Empties the page, keeping its buffers for the next one.
    pub fn clear(&mut self) {
        self.text.clear();
        self.rows.clear();
    }

    /// Rows in the page.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether the page has no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Where row `index` goes in an export: by time, then by id.
    pub fn order_key(&self, index: usize) -> OrderKey {
        let row = &self.rows[index];
        (row.timestamp, row.id)
    }

    /// Keeps the rows whose place in export order, (time, id), lies from `first` to `last`, and puts them
    /// in that order. (The text of the rows left out stays in the page's buffer until it is cleared.)
    pub(crate) fn keep_in_export_order(&mut self, first: OrderKey, last: OrderKey) {
        self.rows.retain(|row| (first..=last).contains(&(row.timestamp, row.id)));
        self.rows.sort_unstable_by_key(|row| (row.timestamp, row.id));
    }

    /// Row `index` as its export record; an error if one of its JSON columns does not hold JSON.
    pub fn record(&self, index: usize) -> Result<ExportRecord<'_, RawValue>, DbError> {
        let row = &self.rows[index];
        let text = |column: usize| self.text_of(row, column);
        let json = |column: usize| self.json_of(row, column);
        Ok(ExportRecord {
            id: row.id,
            timestamp: Timestamp(row.timestamp),
            action: row.action.as_str(),
            content_type: ContentType {
                app_label: text(0).unwrap_or_default(),
                model: text(1).unwrap_or_default(),
            },
            object_pk: text(2).unwrap_or_default(),
            object_repr: text(3).unwrap_or_default(),
            changes: json(4)?.unwrap_or_else(null_json),
            actor: actor(text(5), text(6)),
            remote_addr: text(7),
            correlation_id: text(8),
            additional_data: json(9)?,
        })
    }

    /// Text column `column` (counted from `app_label`) of `row`.
    fn text_of(&self, row: &PageRow, column: usize) -> Option<&str> {
        row.texts[column].map(|(start, end)| &self.text[start as usize..end as usize])
    }

    /// JSON column `column` of `row`, checked.
    fn json_of(&self, row: &PageRow, column: usize) -> Result<Option<&RawValue>, DbError> {
        let Some(text) = self.text_of(row, column) else { return Ok(None) };
        let name = Self::COLUMNS[3 + column];
        serde_json::from_str(text).map(Some).map_err(|error| read_error(name, format!("not JSON: {error}")))
    }
}

fn read_error(column: &str, problem: impl std::fmt::Display) -> DbError {
    DbError::query("reading audit entries to export", format!("{column}: {problem}"))
}

fn null_json<'a>() -> &'a RawValue {
    serde_json::from_str("null").expect("null is JSON")
}

#[cfg(test)]
mod tests {
    use super::ExportPage;
    use crate::audit::LogEntry;
    use crate::model::Model;

    #[test]
    fn a_timestamp_is_written_as_rfc_3339_with_microseconds() {
        use chrono::TimeZone;
        let time = chrono::Utc.timestamp_opt(1_700_000_000, 123_456_789).unwrap();
        let expected = time.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        assert_eq!(super::Timestamp(time).to_string(), expected);
        assert_eq!(expected, "2023-11-14T22:13:20.123456Z");
    }

    #[test]
    fn an_export_row_reads_columns_of_log_entry_in_field_order() {
        let columns: Vec<&str> =
            LogEntry::schema().fields.iter().map(|field| field.column.as_str()).collect();
        assert_eq!(&columns[..ExportPage::COLUMNS.len()], ExportPage::COLUMNS, "every column but export_id");
    }
}
