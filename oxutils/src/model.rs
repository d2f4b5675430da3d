//! The [`Model`] trait that `#[derive(OxModel)]` implements.

use crate::crud::WriteEvent;
use crate::db::{Connection, DbError};
use crate::field::{OxField, ValueError};
use crate::schema::ModelSchema;
use sea_query::Value;
use std::fmt;

/// A struct stored as one row of one table.
pub trait Model: Sized + 'static {
    /// The app label, e.g. `audit`.
    const APP: &'static str;
    /// The Rust name of the model, e.g. `LogExportState`.
    const NAME: &'static str;
    const TABLE: &'static str;
    /// The column of the primary key, which foreign keys to this model point at.
    const PRIMARY_KEY_COLUMN: &'static str;

    type PrimaryKey: OxField + Clone;

    /// The model as data: what migrations are diffed against. Built once, on first use.
    fn schema() -> &'static ModelSchema;

    fn primary_key(&self) -> &Self::PrimaryKey;

    /// The primary key, to fill in the key the database generated.
    #[doc(hidden)]
    fn primary_key_mut(&mut self) -> &mut Self::PrimaryKey;

    /// Hands every field to `row`, in the order of the schema's fields.
    #[doc(hidden)]
    fn write_row(&self, row: &mut impl RowWriter);

    /// Reads every field from `row`, in the order of the schema's fields.
    #[doc(hidden)]
    fn read_row(row: &mut impl RowReader) -> Result<Self, RowError>;

    /// One SQL value per column, in the order of the schema's fields.
    fn to_values(&self) -> Vec<Value> {
        let mut values = Vec::with_capacity(Self::schema().fields.len());
        self.write_row(&mut values);
        values
    }

    /// Rebuilds a model from one SQL value per column, in the order of the schema's fields.
    fn from_values(values: Vec<Value>) -> Result<Self, RowError> {
        let expected = Self::schema().fields.len();
        if values.len() != expected {
            return Err(RowError::ColumnCount { model: Self::NAME, expected, found: values.len() });
        }
        Self::from_value_iter(&mut values.into_iter())
    }

    /// Rebuilds a model from the values of a row as a driver yields them, without collecting them first.
    fn from_value_iter(values: &mut dyn Iterator<Item = Value>) -> Result<Self, RowError> {
        Self::read_row(&mut ValueReader { values, width: Self::schema().fields.len() })
    }

    /// This model's SQL, built once per backend.
    #[doc(hidden)]
    fn statements() -> &'static crate::crud::StatementCache;

    /// Whether `after_write` does anything; writes open a transaction for it only when it does.
    const HAS_WRITE_HOOK: bool = false;

    /// Runs after every insert, update and delete made through CRUD code, inside the write's transaction:
    /// an error rolls the write back. `#[ox(on_write = path)]` sets it.
    fn after_write(connection: &mut Connection, event: &WriteEvent<'_>) -> Result<(), DbError> {
        let _ = (connection, event);
        Ok(())
    }
}

/// Where a model writes its fields, one call per field in the order of the schema's fields: a list of
/// values, or the parameters of a SQLite statement, which then borrow text instead of copying it.
#[doc(hidden)]
pub trait RowWriter {
    fn write<T: OxField>(&mut self, value: &T);
}

impl RowWriter for Vec<Value> {
    fn write<T: OxField>(&mut self, value: &T) {
        self.push(value.to_value());
    }
}

/// Where a model reads its fields from, one call per field in the order of the schema's fields.
#[doc(hidden)]
pub trait RowReader {
    fn read<T: OxField>(&mut self, model: &'static str, field: &'static str) -> Result<T, RowError>;
}

/// The values of a row of `width` columns, as a driver yields them.
struct ValueReader<'a> {
    values: &'a mut dyn Iterator<Item = Value>,
    width: usize,
}

impl RowReader for ValueReader<'_> {
    fn read<T: OxField>(&mut self, model: &'static str, field: &'static str) -> Result<T, RowError> {
        let value =
            self.values.next().ok_or(RowError::ColumnCount { model, expected: self.width, found: 0 })?;
        T::from_value(value).map_err(|error| RowError::Field { model, field, error })
    }
}

/// A row does not fit its model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowError {
    /// The row has another number of columns than the model.
    ColumnCount { model: &'static str, expected: usize, found: usize },
    /// A column holds a value its field's type cannot take.
    Field { model: &'static str, field: &'static str, error: ValueError },
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RowError::ColumnCount { model, expected, found } => {
                write!(f, "a row of {model} needs {expected} columns, got {found}")
            }
            RowError::Field { model, field, error } => write!(f, "{model}.{field}: {error}"),
        }
    }
}

impl std::error::Error for RowError {}
