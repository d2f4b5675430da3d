//! What generated code calls. Not a public API: it changes with the macro crate, which is pinned to this
//! exact version of `oxutils`.

pub use crate::apps::{App, EmbeddedMigration, MODELS, ModelEntry, registered_models};
pub use crate::audit::writer::{AuditOptions, write_audit_entry};
pub use crate::db::{Connection, DbError};
pub use crate::field::choices::OxChoices;
pub use crate::field::row::{RowError, RowReader, RowWriter};
pub use crate::field::{
    AutoNowField, ColumnSpec, DecimalField, FileField, LengthLimitedField, OxField, ValueError,
};
pub use crate::migrations::data::{DATA_MIGRATIONS, DataMigration};
pub use crate::model::Model;
pub use crate::model::foreign_key::{ForeignKeyField, NullableForeignKey};
pub use crate::model::statement_cache::StatementCache;
pub use crate::model::write_event::WriteEvent;
pub use crate::orm::column::Column;
pub use crate::orm::crud::ModelExt;
pub use crate::schema::{ModelSchema, OnDelete};
pub use linkme;
pub use rusqlite::types::ValueRef as SqliteValueRef;
pub use sea_query::Value;
pub use std::sync::OnceLock;

use crate::field::is_null;
use crate::schema::{
    ColumnType, ConstraintSchema, FieldSchema, FileSchema, ForeignKeySchema, IndexSchema, Literal, index_name,
};

/// A field's attributes as written, before its type fills in the rest.
pub struct FieldAttrs {
    pub name: &'static str,
    pub column: Option<&'static str>,
    pub primary_key: bool,
    pub unique: bool,
    pub index: Option<bool>,
    pub max_length: Option<u32>,
    /// `(max_digits, decimal_places)` of a decimal field.
    pub decimal: Option<(u32, u32)>,
    pub default: Option<Value>,
    pub auto_now: bool,
    pub auto_now_add: bool,
    pub on_delete: Option<OnDelete>,
    pub upload_to: Option<&'static str>,
    pub db_comment: Option<&'static str>,
}

/// The schema of a field of type `T` with these attributes.
pub fn field_schema<T: OxField>(attrs: FieldAttrs) -> FieldSchema {
    let spec = T::column();
    let column_type = match (spec.column_type, attrs.max_length) {
        (ColumnType::String { .. } | ColumnType::Text, Some(max_length)) => ColumnType::String { max_length },
        (ColumnType::Decimal { .. }, _) => match attrs.decimal {
            Some((max_digits, decimal_places)) => ColumnType::Decimal { max_digits, decimal_places },
            // Left unsized for the system checks to name the field.
            None => ColumnType::UNSIZED_DECIMAL,
        },
        (column_type, _) => column_type,
    };
    let mut field = FieldSchema::new(attrs.name, column_type, spec.nullable);
    field.column = match (attrs.column, &spec.references) {
        (Some(column), _) => column.to_owned(),
        // Django's naming: a foreign key `state` is stored in `state_id`.
        (None, Some(_)) if !attrs.primary_key => format!("{}_id", attrs.name),
        (None, _) => attrs.name.to_owned(),
    };
    field.primary_key = attrs.primary_key;
    field.auto_increment = attrs.primary_key && column_type.is_integer();
    field.unique = attrs.unique && !attrs.primary_key;
    // Django indexes foreign keys unless told not to; a key or unique column is indexed already.
    field.index = attrs.index.unwrap_or(spec.references.is_some()) && !attrs.primary_key && !attrs.unique;
    field.default = attrs
        .default
        .as_ref()
        .map(|value| if is_null(value) { Literal::Null } else { Literal::from_value(value) });
    field.foreign_key = spec.references.map(|target| ForeignKeySchema {
        to_app: target.app.to_owned(),
        to_model: target.model.to_owned(),
        to_table: target.table.to_owned(),
        to_column: target.column.to_owned(),
        on_delete: attrs.on_delete.unwrap_or(OnDelete::Restrict),
    });
    field.choices = spec.choices.map(|values| values.iter().map(|value| (*value).to_owned()).collect());
    field.auto_now = attrs.auto_now;
    field.auto_now_add = attrs.auto_now_add;
    field.file = spec.is_file.then(|| FileSchema { upload_to: attrs.upload_to.unwrap_or("").to_owned() });
    field.db_comment = attrs.db_comment.map(str::to_owned);
    field
}

/// The SQL value of a field default, typed by its field: `#[ox(default = 0)]` on an `i64` is a `BIGINT` 0.
pub fn default_value<T: OxField>(value: T) -> Value {
    value.to_value()
}

/// A model's table-level attributes as written.
pub struct ModelAttrs {
    pub app: &'static str,
    pub name: &'static str,
    pub table: &'static str,
    pub db_comment: Option<&'static str>,
    /// Composite indexes, by field name.
    pub indexes: &'static [&'static [&'static str]],
    /// Sets of fields unique together, by field name.
    pub unique_together: &'static [&'static [&'static str]],
    /// Named CHECK constraints: (name, SQL expression).
    pub checks: &'static [(&'static str, &'static str)],
}

/// The schema of a model from its attributes and its fields' schemas.
pub fn model_schema(attrs: ModelAttrs, fields: Vec<FieldSchema>) -> ModelSchema {
    // The derive checked that every name is a field of the struct; a name that is not one anyway stays in
    // the list as it is, for the system checks to report, instead of vanishing from the index.
    let columns_of = |names: &[&str]| -> Vec<String> {
        names
            .iter()
            .map(|name| {
                fields
                    .iter()
                    .find(|field| field.name == *name)
                    .map_or((*name).to_owned(), |f| f.column.clone())
            })
            .collect()
    };
    let name_of = |columns: &[String], unique| {
        index_name(attrs.table, &columns.iter().map(String::as_str).collect::<Vec<_>>(), unique)
    };
    let indexes = attrs
        .indexes
        .iter()
        .map(|names| {
            let columns = columns_of(names);
            IndexSchema { name: name_of(&columns, false), columns }
        })
        .collect();
    let uniques = attrs.unique_together.iter().map(|names| {
        let columns = columns_of(names);
        ConstraintSchema::Unique { name: name_of(&columns, true), columns }
    });
    let checks = attrs
        .checks
        .iter()
        .map(|(name, expr)| ConstraintSchema::Check { name: (*name).to_owned(), expr: (*expr).to_owned() });
    let constraints = uniques.chain(checks).collect();
    ModelSchema {
        app: attrs.app.to_owned(),
        name: attrs.name.to_owned(),
        table: attrs.table.to_owned(),
        db_comment: attrs.db_comment.map(str::to_owned),
        fields,
        indexes,
        constraints,
    }
}

/// The column spec of a choice enum: text as long as its longest value, kept to its values.
pub fn choices_column<E: OxChoices>() -> ColumnSpec {
    let longest = E::VALUES.iter().map(|value| value.chars().count()).max().unwrap_or(1);
    ColumnSpec {
        choices: Some(E::VALUES),
        ..ColumnSpec::of(ColumnType::String { max_length: u32::try_from(longest).unwrap_or(u32::MAX) })
    }
}

/// Reads a choice enum from its stored string.
pub fn choices_from_value<E: OxChoices>(value: Value) -> Result<E, ValueError> {
    let expected = "one of the choice values";
    match &value {
        Value::String(Some(text)) => E::from_stored(text).ok_or_else(|| ValueError::new(expected, &value)),
        _ => Err(ValueError::new(expected, &value)),
    }
}

/// Reads a choice enum from SQLite's text in place, without copying it out first.
pub fn choices_from_sqlite<E: OxChoices>(value: SqliteValueRef<'_>) -> Result<E, ValueError> {
    if let SqliteValueRef::Text(bytes) = value
        && let Some(choice) = std::str::from_utf8(bytes).ok().and_then(E::from_stored)
    {
        return Ok(choice);
    }
    choices_from_value(crate::field::sqlite::value_of(value))
}

/// Compile-time checks: the derive calls these with a field's type, spanned at the attribute that needs them.
pub const fn assert_auto_now<T: AutoNowField>() {}
pub const fn assert_file<T: FileField>() {}
pub const fn assert_foreign_key<T: ForeignKeyField>() {}
pub const fn assert_nullable_foreign_key<T: NullableForeignKey>() {}
pub const fn assert_length_limited<T: LengthLimitedField>() {}
pub const fn assert_decimal<T: DecimalField>() {}
/// `audited(repr = "display")` names the object by its `Display` implementation.
pub const fn assert_display<T: std::fmt::Display>() {}
