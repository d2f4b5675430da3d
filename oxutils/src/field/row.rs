//! A row as fields in order: where a type with several fields (a model) writes them and reads them from,
//! so that a connection binds and reads rows without knowing models.

use super::{OxField, ValueError};
use sea_query::Value;
use std::fmt;

/// A type stored as one row, one field per column in order. Every `Model` is one; a connection needs no
/// more than this to bind a row's fields in place or read them from a row.
pub trait FieldRow: Sized {
    /// How many fields, and so columns, a row has.
    fn width() -> usize;

    /// Hands every field to `row`, in order.
    fn write_fields(&self, row: &mut impl RowWriter);

    /// Reads every field from `row`, in order.
    fn read_fields(row: &mut impl RowReader) -> Result<Self, RowError>;

    /// One SQL value per column, in order.
    fn field_values(&self) -> Vec<Value> {
        let mut values = Vec::with_capacity(Self::width());
        self.write_fields(&mut values);
        values
    }

    /// Rebuilds the row from its values as a driver yields them, without collecting them first.
    fn from_field_values(values: &mut dyn Iterator<Item = Value>) -> Result<Self, RowError> {
        Self::read_fields(&mut ValueReader::new(values, Self::width()))
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
pub struct ValueReader<'a> {
    values: &'a mut dyn Iterator<Item = Value>,
    width: usize,
}

impl<'a> ValueReader<'a> {
    pub fn new(values: &'a mut dyn Iterator<Item = Value>, width: usize) -> Self {
        ValueReader { values, width }
    }
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
    ColumnCount {
        /// The model's Rust name.
        model: &'static str,
        /// Its number of fields.
        expected: usize,
        /// The number of values given.
        found: usize,
    },
    /// A column holds a value its field's type cannot take.
    Field {
        /// The model's Rust name.
        model: &'static str,
        /// The field's Rust name.
        field: &'static str,
        /// Why the value does not fit.
        error: ValueError,
    },
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

impl std::error::Error for RowError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            RowError::Field { error, .. } => Some(error),
            RowError::ColumnCount { .. } => None,
        }
    }
}
