//! Models as data: the [`Model`] trait that `#[derive(OxModel)]` implements, its row mapping, and
//! [`ForeignKey`](crate::ForeignKey), the field that points at another model.

pub(crate) mod foreign_key;
pub(crate) mod statement_cache;
pub(crate) mod write_event;

// Public for the same reason as `field::AutoNowField`: the derive's type errors name them.
pub use foreign_key::{ForeignKeyField, NullableForeignKey};

use crate::db::{Connection, DbError};
use crate::field::OxField;
use crate::field::row::{FieldRow, RowError, RowReader, RowWriter};
use crate::model::write_event::WriteEvent;
use crate::schema::ModelSchema;
use sea_query::Value;

/// A struct stored as one row of one table.
pub trait Model: Sized + 'static {
    /// The app label, e.g. `audit`.
    const APP: &'static str;
    /// The Rust name of the model, e.g. `LogExportState`.
    const NAME: &'static str;
    /// The table, e.g. `audit_logexportstate`.
    const TABLE: &'static str;
    /// The column of the primary key, which foreign keys to this model point at.
    const PRIMARY_KEY_COLUMN: &'static str;

    /// The type of the primary key field.
    type PrimaryKey: OxField + Clone;

    /// The model as data: what migrations are diffed against. Built once, on first use.
    fn schema() -> &'static ModelSchema;

    /// The primary key's value.
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
        self.field_values()
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
        Self::from_field_values(values)
    }

    /// This model's SQL, built once per backend.
    #[doc(hidden)]
    fn statements() -> &'static statement_cache::StatementCache;

    /// Whether `after_write` does anything; writes open a transaction for it only when it does.
    const HAS_WRITE_HOOK: bool = false;

    /// Runs after every insert, update and delete made through CRUD code, inside the write's transaction:
    /// an error rolls the write back. `#[ox(on_write = path)]` sets it.
    fn after_write(connection: &mut Connection, event: &WriteEvent<'_>) -> Result<(), DbError> {
        let _ = (connection, event);
        Ok(())
    }
}

/// A model is a row of fields, which a connection binds and reads without knowing it is a model.
impl<M: Model> FieldRow for M {
    fn width() -> usize {
        M::schema().fields.len()
    }

    fn write_fields(&self, row: &mut impl RowWriter) {
        self.write_row(row);
    }

    fn read_fields(row: &mut impl RowReader) -> Result<Self, RowError> {
        M::read_row(row)
    }
}
