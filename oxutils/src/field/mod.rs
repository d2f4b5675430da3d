//! How Rust types map to columns: the [`OxField`] trait and its implementations.
//!
//! The derive never looks at type names: it asks `<T as OxField>::column()`, so a user's own type becomes
//! a column by implementing this trait, and an unsupported type is a compile error that says so.

pub(crate) mod choices;
mod chrono_types;
mod decimal;
pub(crate) mod file;
mod markers;
mod other_types;
pub(crate) mod row;
pub(crate) mod sqlite;
mod std_types;

// Public, not only in `__private`, so that a type error under an attribute names the trait (`AutoNowField`),
// which these docs explain, rather than a hidden path.
pub use markers::{AutoNowField, DecimalField, FileField, LengthLimitedField};

use crate::schema::ColumnType;
use rusqlite::types::{ToSqlOutput, ValueRef};
use sea_query::Value;
use std::fmt;

/// A Rust type that is stored in one column.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be stored in a column of an OxModel",
    label = "this type does not implement `oxutils::OxField`",
    note = "supported: integers, f32, f64, bool, String, Vec<u8>, chrono dates and times, uuid::Uuid, \
            serde_json::Value, rust_decimal::Decimal, Option<T>, ForeignKey<T>, S3File and #[derive(OxChoices)] enums",
    note = "for a type of your own, implement `oxutils::OxField` for it"
)]
pub trait OxField: Sized {
    /// The column that stores this type.
    fn column() -> ColumnSpec;

    /// This value as a SQL value, to bind as a parameter.
    fn to_value(&self) -> Value;

    /// Rebuilds the value from what a database returned for its column.
    fn from_value(value: Value) -> Result<Self, ValueError>;

    /// This value as SQLite binds it. The default goes through `to_value`; the built-in types lend their
    /// text and bytes instead, so that a write from a model copies nothing.
    fn to_sqlite(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        sqlite::owned_output(&self.to_value())
    }

    /// Rebuilds the value from what SQLite returned for its column, read in place. The default goes
    /// through `from_value`; the built-in types read SQLite's storage classes directly, and fall back to
    /// `from_value` for anything else, so that both give the same value and the same error.
    fn from_sqlite(value: ValueRef<'_>) -> Result<Self, ValueError> {
        Self::from_value(sqlite::value_of(value))
    }
}

/// What a type says about its column; field attributes add the rest.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnSpec {
    /// The column's portable type.
    pub column_type: ColumnType,
    /// Whether the column takes NULL (`Option<T>`).
    pub nullable: bool,
    /// The allowed stored values, for choice enums.
    pub choices: Option<&'static [&'static str]>,
    /// The primary key a foreign key points at.
    pub references: Option<Reference>,
    /// The column holds the key of an object in file storage.
    pub is_file: bool,
}

impl ColumnSpec {
    /// A NOT NULL column of this type, with nothing else to say.
    pub const fn of(column_type: ColumnType) -> Self {
        ColumnSpec { column_type, nullable: false, choices: None, references: None, is_file: false }
    }
}

/// The target of a foreign key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reference {
    /// The target model's app.
    pub app: &'static str,
    /// The target model's Rust name.
    pub model: &'static str,
    /// The target model's table.
    pub table: &'static str,
    /// The target's primary key column.
    pub column: &'static str,
}

/// A value read from the database does not fit the Rust type of its field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueError {
    /// What the field type takes, e.g. "a date and time".
    pub expected: &'static str,
    /// What the database returned, described.
    pub found: String,
}

impl ValueError {
    /// The error for a `found` value where `expected` was wanted.
    pub fn new(expected: &'static str, found: &Value) -> Self {
        ValueError { expected, found: describe(found) }
    }
}

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "expected {}, found {}", self.expected, self.found)
    }
}

impl std::error::Error for ValueError {}

/// Whether a value is SQL NULL, whatever its type.
pub fn is_null(value: &Value) -> bool {
    *value == value.as_null()
}

/// A short description of a value for error messages: its type and, for scalars, the value itself.
fn describe(value: &Value) -> String {
    if is_null(value) {
        return "NULL".to_owned();
    }
    match value {
        Value::String(Some(text)) => format!("text {text:?}"),
        Value::Bytes(Some(bytes)) => format!("{} bytes", bytes.len()),
        other => format!("{other:?}"),
    }
}
