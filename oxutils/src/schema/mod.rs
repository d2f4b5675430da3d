//! The schema model: models, fields and constraints as plain data.
//!
//! This is what `#[derive(OxModel)]` produces and what migrations are diffed against. Every collection
//! keeps declaration order (fields, indexes, constraints) and every map is sorted, so the same models
//! always serialize to the same bytes.

mod column_type;
mod literal;
mod naming;

pub use column_type::{ColumnType, CustomType, SqlTypeName};
pub use literal::Literal;
pub(crate) use naming::{
    check_name, foreign_key_name, not_null_check_name, postgres_primary_key_name, unique_key_name,
};
pub use naming::{default_column, default_table, index_name};

use serde::{Deserialize, Serialize};

/// One model: a table, its fields and its table-level indexes and constraints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelSchema {
    /// The app label, e.g. `audit`.
    pub app: String,
    /// The Rust name of the model, e.g. `LogExportState`.
    pub name: String,
    /// The table, by default `<app>_<lowercased name>` as Django names it.
    pub table: String,
    /// The table's comment (`db_comment` on the model).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub db_comment: Option<String>,
    /// The fields, in declaration order.
    pub fields: Vec<FieldSchema>,
    /// Indexes over several columns; single-column indexes are a property of their field.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub indexes: Vec<IndexSchema>,
    /// Unique-together and CHECK constraints.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub constraints: Vec<ConstraintSchema>,
}

impl ModelSchema {
    /// The field named `name` (its Rust name).
    pub fn field(&self, name: &str) -> Option<&FieldSchema> {
        self.fields.iter().find(|field| field.name == name)
    }

    /// The primary key field; a model the derive writes always has one.
    pub fn primary_key(&self) -> Option<&FieldSchema> {
        self.fields.iter().find(|field| field.primary_key)
    }

    /// Renames `old_table`'s derived names (`<table>_<columns>_idx` and `_uniq`) after the model's table
    /// or a column changed, so that they read as the derive would name them now. Explicit names stay.
    pub fn rename_derived_names(&mut self, old_table: &str, column_renamed: Option<(&str, &str)>) {
        let rename = |name: &mut String, columns: &mut Vec<String>, unique: bool, table: &str| {
            let old_columns: Vec<String> = columns.clone();
            if let Some((from, to)) = column_renamed {
                columns
                    .iter_mut()
                    .filter(|column| *column == from)
                    .for_each(|column| *column = to.to_owned());
            }
            let derived = |table: &str, columns: &[String]| {
                let columns: Vec<&str> = columns.iter().map(String::as_str).collect();
                index_name(table, &columns, unique)
            };
            if *name == derived(old_table, &old_columns) {
                *name = derived(table, columns);
            }
        };
        let table = self.table.clone();
        for index in &mut self.indexes {
            rename(&mut index.name, &mut index.columns, false, &table);
        }
        for constraint in &mut self.constraints {
            if let ConstraintSchema::Unique { name, columns } = constraint {
                rename(name, columns, true, &table);
            }
        }
    }

    /// The lowercased model name Django uses as a model's key (`logexportstate`).
    pub fn key(&self) -> String {
        self.name.to_lowercase()
    }
}

/// One field and the column that stores it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldSchema {
    /// The Rust field name.
    pub name: String,
    /// The column, by default the field name (`<name>_id` for a foreign key).
    pub column: String,
    /// The portable column type.
    #[serde(rename = "type")]
    pub column_type: ColumnType,
    /// Whether the column takes NULL (an `Option<T>` field).
    pub nullable: bool,
    /// Whether this is the primary key.
    #[serde(default, skip_serializing_if = "is_false")]
    pub primary_key: bool,
    /// Whether the database generates the key (an integer `id` primary key).
    #[serde(default, skip_serializing_if = "is_false")]
    pub auto_increment: bool,
    /// Whether the column is UNIQUE on its own.
    #[serde(default, skip_serializing_if = "is_false")]
    pub unique: bool,
    /// A single-column index (Django's `db_index`); foreign keys have one unless told otherwise.
    #[serde(default, skip_serializing_if = "is_false")]
    pub index: bool,
    /// The column default (`#[ox(default = ...)]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<Literal>,
    /// Set on foreign keys: where the key points.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub foreign_key: Option<ForeignKeySchema>,
    /// The stored values a choice field allows, enforced by a CHECK constraint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub choices: Option<Vec<String>>,
    /// Set to now on every write (`#[ox(auto_now)]`).
    #[serde(default, skip_serializing_if = "is_false")]
    pub auto_now: bool,
    /// Set to now on insert (`#[ox(auto_now_add)]`).
    #[serde(default, skip_serializing_if = "is_false")]
    pub auto_now_add: bool,
    /// Set on `S3File` fields: the column holds the key of an object in storage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<FileSchema>,
    /// The column's comment (`db_comment` on the field).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub db_comment: Option<String>,
}

impl FieldSchema {
    /// Whether the field is a foreign key to model `model` of app `app`.
    pub fn points_at(&self, app: &str, model: &str) -> bool {
        self.foreign_key.as_ref().is_some_and(|target| target.targets(app, model))
    }

    /// A nullable or not-null column of the given type with every option off.
    pub fn new(name: impl Into<String>, column_type: ColumnType, nullable: bool) -> Self {
        let name = name.into();
        FieldSchema {
            column: name.clone(),
            name,
            column_type,
            nullable,
            primary_key: false,
            auto_increment: false,
            unique: false,
            index: false,
            default: None,
            foreign_key: None,
            choices: None,
            auto_now: false,
            auto_now_add: false,
            file: None,
            db_comment: None,
        }
    }
}

/// Where a foreign key points and what the database does when the target row is deleted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForeignKeySchema {
    /// The target model's app.
    pub to_app: String,
    /// The target model's Rust name.
    pub to_model: String,
    /// The target model's table.
    pub to_table: String,
    /// The column the key points at: the target's primary key.
    pub to_column: String,
    /// What deleting the target row does.
    pub on_delete: OnDelete,
}

impl ForeignKeySchema {
    /// Whether the key points at model `model` of app `app`.
    pub fn targets(&self, app: &str, model: &str) -> bool {
        self.to_app == app && self.to_model == model
    }

    /// For tests: a cascading key to the `id` of `model` in `app`, its table named as the derive names it.
    #[cfg(test)]
    pub(crate) fn cascading_to(app: &str, model: &str) -> Self {
        ForeignKeySchema {
            to_app: app.into(),
            to_model: model.into(),
            to_table: format!("{app}_{}", model.to_lowercase()),
            to_column: "id".into(),
            on_delete: OnDelete::Cascade,
        }
    }
}

/// The referential action of a foreign key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnDelete {
    /// Deleting the target deletes the rows that point at it.
    Cascade,
    /// Deleting a target that rows point at fails (the default).
    Restrict,
    /// The key of rows that point at a deleted target becomes NULL.
    SetNull,
    /// The key of rows that point at a deleted target becomes its column default.
    SetDefault,
    /// SQL's `NO ACTION`: like `Restrict`, but checked at the end of the statement.
    NoAction,
}

impl OnDelete {
    /// The spellings `#[ox(on_delete = "...")]` accepts, in the order error messages list them.
    pub const NAMES: [&'static str; 5] = ["cascade", "restrict", "set_null", "set_default", "no_action"];

    /// The action spelled `name`, one of [`OnDelete::NAMES`].
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "cascade" => OnDelete::Cascade,
            "restrict" => OnDelete::Restrict,
            "set_null" => OnDelete::SetNull,
            "set_default" => OnDelete::SetDefault,
            "no_action" => OnDelete::NoAction,
            _ => return None,
        })
    }
}

/// The storage marker of an `S3File` field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSchema {
    /// The key prefix new objects of this field are stored under.
    pub upload_to: String,
}

/// An index over one or more columns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndexSchema {
    /// The index name.
    pub name: String,
    /// The indexed columns, in order.
    pub columns: Vec<String>,
}

/// A table-level constraint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum ConstraintSchema {
    /// The columns are unique together.
    Unique {
        /// The constraint name.
        name: String,
        /// The columns, in order.
        columns: Vec<String>,
    },
    /// A boolean SQL expression every row satisfies, written in the dialect all backends share.
    Check {
        /// The constraint name.
        name: String,
        /// The SQL expression.
        expr: String,
    },
}

impl ConstraintSchema {
    /// The constraint name.
    pub fn name(&self) -> &str {
        match self {
            ConstraintSchema::Unique { name, .. } | ConstraintSchema::Check { name, .. } => name,
        }
    }
}

fn is_false(value: &bool) -> bool {
    !*value
}
