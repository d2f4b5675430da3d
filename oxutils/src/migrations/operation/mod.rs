//! Operations: one type per change, each in the file of its kind (`models`, `fields`, `indexes`,
//! `special`), owning everything about that change: what it does to the state, what it is called, its
//! inverse, how it folds with the operation after it, what it references, and which schema-editor calls
//! make its SQL. `Operation` is what a migration file lists; it hands each call to its variant's type.
//!
//! Adding an operation: its type and `Change` impl in the file of its kind, a line in the `operations!`
//! list here, and, when `makemigrations` should write it, a rule in `autodetector`.

mod error;
mod fields;
mod indexes;
mod models;
mod read;
mod special;

pub use error::StateError;
pub use fields::{AddField, AlterField, RemoveField, RenameField};
pub use indexes::{AddConstraint, AddIndex, RemoveConstraint, RemoveIndex};
pub use models::{AlterModelComment, AlterModelTable, CreateModel, DeleteModel, RenameModel};
pub use special::{BackendSql, RunRust, RunSql};

use super::schema_editor::SchemaEditor;
use super::state::ProjectState;
use crate::schema::{ColumnType, FieldSchema, Literal, ModelSchema};
use serde::{Deserialize, Serialize};

/// The operations, each once: its variant of `Operation`, the `op` that names it in a file, and what it
/// does. The enum, `Operation::change` and the file reader (`read`) are made from this one list.
macro_rules! operations {
    ($($(#[$doc:meta])* $variant:ident = $op:literal,)*) => {
        /// One change to the schema of an app's models, as a migration file lists it (`"op": "add_field"`
        /// and the change's own keys). Model names are those of the migration's app.
        #[derive(Debug, Clone, PartialEq, Serialize)]
        #[serde(tag = "op", rename_all = "snake_case")]
        pub enum Operation {
            $($(#[$doc])* $variant($variant),)*
        }

        impl Operation {
            /// The operation's own type, which does the work of every call below.
            fn change(&self) -> &dyn Change {
                match self {
                    $(Operation::$variant(operation) => operation,)*
                }
            }
        }

        /// Every `op` a file may name.
        const OPS: &[&str] = &[$($op,)*];

        /// The operation named `op`, its keys read from `keys`.
        fn read_operation<'de, D: serde::Deserializer<'de>>(op: &str, keys: D) -> Result<Operation, D::Error> {
            match op {
                $($op => Ok(Operation::$variant(<$variant as Deserialize>::deserialize(keys)?)),)*
                other => Err(serde::de::Error::unknown_variant(other, OPS)),
            }
        }
    };
}

operations! {
    /// Creates the model's table, with its indexes and constraints.
    CreateModel = "create_model",
    /// Drops the model's table.
    DeleteModel = "delete_model",
    /// Renames the model, and the table named after it.
    RenameModel = "rename_model",
    /// Gives the model an explicit table name, renaming the table.
    AlterModelTable = "alter_model_table",
    /// Sets or clears the table's comment.
    AlterModelComment = "alter_model_comment",
    /// Adds a column.
    AddField = "add_field",
    /// Drops a column.
    RemoveField = "remove_field",
    /// Replaces a field's definition.
    AlterField = "alter_field",
    /// Renames a field, and the column named after it.
    RenameField = "rename_field",
    /// Creates an index over several columns.
    AddIndex = "add_index",
    /// Drops an index.
    RemoveIndex = "remove_index",
    /// Adds a unique or CHECK constraint.
    AddConstraint = "add_constraint",
    /// Drops a constraint.
    RemoveConstraint = "remove_constraint",
    /// Hand-written SQL, per backend.
    RunSql = "run_sql",
    /// A data migration: a registered Rust function.
    RunRust = "run_rust",
}

/// What every operation does: one impl per operation type, beside the type.
pub(crate) trait Change {
    /// Applies the change to `state`, for models of `app`.
    fn state_forwards(&self, app: &str, state: &mut ProjectState) -> Result<(), StateError>;

    /// One line for humans: what `makemigrations` prints and what names a migration.
    fn describe(&self) -> String;

    /// A fragment for an automatic migration name, as Django's `migration_name_fragment`.
    fn name_fragment(&self) -> String;

    /// The model of this app the operation changes; `None` for one that may touch any (raw SQL, Rust).
    fn model_name(&self) -> Option<&str>;

    /// The operation that takes the state after this one back to `before`.
    fn inverse(&self, app: &str, before: &ProjectState) -> Result<Operation, StateError>;

    /// The statements that apply the change of `app`, taking `before` to `after`, from `editor`.
    fn sql(
        &self,
        editor: &dyn SchemaEditor,
        app: &str,
        before: &ProjectState,
        after: &ProjectState,
    ) -> Result<Vec<String>, StateError>;

    /// This operation and `later`, the next on the same model, as one or none; `None` when they do not
    /// fold (the optimizer then decides whether `later` may move across this one).
    fn fold(&self, later: &Operation) -> Option<Folded> {
        let _ = later;
        None
    }

    /// The fields the operation creates or changes: their foreign keys are what it references.
    fn fields(&self) -> Vec<&FieldSchema> {
        Vec::new()
    }

    /// Whether the operation can run backwards.
    fn is_reversible(&self) -> bool {
        true
    }
}

/// Two operations folded together: one operation, or none (they cancel out).
pub(crate) type Folded = Option<Box<Operation>>;

impl Operation {
    /// Applies the change to `state`, for models of `app`.
    pub fn state_forwards(&self, app: &str, state: &mut ProjectState) -> Result<(), StateError> {
        self.change().state_forwards(app, state)
    }

    /// One line for humans: what `makemigrations` prints and what names a migration.
    pub fn describe(&self) -> String {
        self.change().describe()
    }

    /// A fragment for an automatic migration name, as Django's `migration_name_fragment`.
    pub fn name_fragment(&self) -> String {
        self.change().name_fragment()
    }

    /// The model of this app the operation changes, if any.
    pub fn model_name(&self) -> Option<&str> {
        self.change().model_name()
    }

    /// The operation that takes the state after this one back to `before`: what `migrate` runs to unapply
    /// it.
    pub fn inverse(&self, app: &str, before: &ProjectState) -> Result<Operation, StateError> {
        self.change().inverse(app, before)
    }

    /// Whether a foreign key this operation creates or changes points at `model` (of any app: the name is
    /// what the optimizer compares, and a false match only keeps two operations in order).
    pub fn references_model(&self, model: &str) -> bool {
        self.referenced_models().any(|target| target == model)
    }

    /// The models the foreign keys this operation creates or changes point at, by name (of any app).
    pub(crate) fn referenced_models(&self) -> impl Iterator<Item = &str> {
        let fields = self.change().fields();
        fields.into_iter().filter_map(|field| field.foreign_key.as_ref().map(|key| key.to_model.as_str()))
    }

    /// Whether the operation can run backwards.
    pub fn is_reversible(&self) -> bool {
        self.change().is_reversible()
    }

    /// The statements that apply the operation, from the backend's schema editor.
    pub(crate) fn sql(
        &self,
        editor: &dyn SchemaEditor,
        app: &str,
        before: &ProjectState,
        after: &ProjectState,
    ) -> Result<Vec<String>, StateError> {
        self.change().sql(editor, app, before, after)
    }

    /// This operation and `later` as one or none, if they fold.
    pub(crate) fn fold(&self, later: &Operation) -> Option<Folded> {
        self.change().fold(later)
    }
}

/// The model `name` of `app` in `state`.
fn model_in<'a>(state: &'a ProjectState, app: &str, name: &str) -> Result<&'a ModelSchema, StateError> {
    state.model(app, name).ok_or_else(|| missing_model(app, name))
}

fn model_mut<'a>(
    state: &'a mut ProjectState,
    app: &str,
    name: &str,
) -> Result<&'a mut ModelSchema, StateError> {
    state.model_mut(app, name).ok_or_else(|| missing_model(app, name))
}

fn field_in<'a>(model: &'a ModelSchema, name: &str) -> Result<&'a FieldSchema, StateError> {
    model.field(name).ok_or_else(|| missing_field(&model.app, &model.name, name))
}

fn missing_model(app: &str, name: &str) -> StateError {
    StateError::NoModel { app: app.to_owned(), model: name.to_owned() }
}

fn missing_field(app: &str, model: &str, name: &str) -> StateError {
    StateError::NoField { app: app.to_owned(), model: model.to_owned(), field: name.to_owned() }
}

fn missing_index(app: &str, model: &str, name: &str) -> StateError {
    StateError::NoIndex { app: app.to_owned(), model: model.to_owned(), index: name.to_owned() }
}

fn missing_constraint(app: &str, model: &str, name: &str) -> StateError {
    StateError::NoConstraint { app: app.to_owned(), model: model.to_owned(), constraint: name.to_owned() }
}

/// The value a NOT NULL column of this type gets in rows that existed before it.
fn empty_value(column_type: ColumnType) -> Literal {
    match column_type {
        ColumnType::SmallInteger | ColumnType::Integer | ColumnType::BigInteger => Literal::Integer(0),
        ColumnType::Float | ColumnType::Double => Literal::Float(0.0),
        ColumnType::Boolean => Literal::Bool(false),
        ColumnType::String { .. } | ColumnType::Text | ColumnType::Binary | ColumnType::Custom(_) => {
            Literal::Text(String::new())
        }
        ColumnType::Date => Literal::Text("1970-01-01".to_owned()),
        ColumnType::Time => Literal::Text("00:00:00".to_owned()),
        ColumnType::DateTime | ColumnType::TimestampTz => Literal::Text("1970-01-01 00:00:00".to_owned()),
        ColumnType::Uuid => Literal::Text(uuid::Uuid::nil().hyphenated().to_string()),
        ColumnType::Json => Literal::Json(serde_json::json!({})),
        ColumnType::Decimal { .. } => Literal::Decimal("0".to_owned()),
    }
}
