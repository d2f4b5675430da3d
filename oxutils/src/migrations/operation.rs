//! Operations: one type that owns what each change does to the state, what it is called, its inverse and
//! what it references. How it folds with a neighbour is in `optimizer`; its SQL comes from the backend's
//! schema editor (`schema_editor/`), through `sql`.

use super::state::ProjectState;
use crate::dialect::Backend;
use crate::schema::{
    ColumnType, ConstraintSchema, FieldSchema, IndexSchema, Literal, ModelSchema, default_column,
    default_table,
};
use serde::{Deserialize, Serialize};

/// One change to the schema of an app's models. Model names are those of the migration's app.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum Operation {
    /// Creates the model's table, with its indexes and constraints.
    CreateModel {
        /// The model as it is created.
        model: ModelSchema,
    },
    /// Drops the model's table.
    DeleteModel {
        /// The model, by name.
        name: String,
    },
    /// Renames the model. A table named after the model (`<app>_<lowercased name>`) is renamed with it, and
    /// so are the indexes named after that table; a table named explicitly keeps its name.
    RenameModel {
        /// The name the model has.
        old_name: String,
        /// The name it gets.
        new_name: String,
    },
    /// Gives the model an explicit table name, renaming the table.
    AlterModelTable {
        /// The model, by name.
        name: String,
        /// The new table name.
        table: String,
    },
    /// Sets or clears the table's comment (`db_comment` on the model).
    AlterModelComment {
        /// The model, by name.
        name: String,
        /// The comment; `None` clears it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        comment: Option<String>,
    },
    /// Adds a column.
    AddField {
        /// The model, by name.
        model: String,
        /// The new field.
        field: FieldSchema,
        /// A one-off value for existing rows of a NOT NULL field without a default; not kept in the schema.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        backfill: Option<crate::schema::Literal>,
    },
    /// Drops a column.
    RemoveField {
        /// The model, by name.
        model: String,
        /// The field, by name.
        name: String,
    },
    /// Replaces a field's definition (type, nullability, default, length, unique, index, key, column).
    AlterField {
        /// The model, by name.
        model: String,
        /// The field as it becomes.
        field: FieldSchema,
        /// For a field made NOT NULL: the one-off value rows holding NULL get first; not kept in the schema.
        /// Without it, such rows get the field's default, if it has one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        backfill: Option<crate::schema::Literal>,
    },
    /// Renames a field. A column named after the field (the field's name, `<name>_id` for a foreign key)
    /// is renamed with it; a column named explicitly keeps its name.
    RenameField {
        /// The model, by name.
        model: String,
        /// The name the field has.
        old_name: String,
        /// The name it gets.
        new_name: String,
    },
    /// Creates an index over several columns.
    AddIndex {
        /// The model, by name.
        model: String,
        /// The index.
        index: IndexSchema,
    },
    /// Drops an index.
    RemoveIndex {
        /// The model, by name.
        model: String,
        /// The index, by name.
        name: String,
    },
    /// Adds a unique or CHECK constraint.
    AddConstraint {
        /// The model, by name.
        model: String,
        /// The constraint.
        constraint: ConstraintSchema,
    },
    /// Drops a constraint.
    RemoveConstraint {
        /// The model, by name.
        model: String,
        /// The constraint, by name.
        name: String,
    },
    /// Hand-written SQL, per backend; without `backward`, the migration cannot be unapplied.
    RunSql {
        /// What applying runs.
        forward: BackendSql,
        /// What unapplying runs, if it can be unapplied.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        backward: Option<BackendSql>,
    },
    /// A data migration: a Rust function of the app, registered by name with `oxutils::data_migration!`,
    /// run in the migration's transaction with the models as they are at this point of the history;
    /// without `backward`, the migration cannot be unapplied.
    RunRust {
        /// The function applying runs.
        forward: String,
        /// The function unapplying runs, if it can be unapplied.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        backward: Option<String>,
    },
}

/// SQL for each backend; `all` is used where a backend has no text of its own.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackendSql {
    /// For every backend without its own text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub all: Option<String>,
    /// For SQLite.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sqlite: Option<String>,
    /// For PostgreSQL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postgres: Option<String>,
    /// For MySQL and MariaDB.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mysql: Option<String>,
}

impl BackendSql {
    /// The text for `backend`: its own, else `all`; `None` when there is neither.
    pub fn for_backend(&self, backend: Backend) -> Option<&str> {
        let own = match backend {
            Backend::Sqlite => &self.sqlite,
            Backend::Postgres => &self.postgres,
            Backend::Mysql => &self.mysql,
        };
        own.as_deref().or(self.all.as_deref())
    }
}

/// An operation does not fit the state it is applied to: a hand-edited or out-of-order migration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StateError {
    /// Creates a model whose `app` is not the migration's.
    #[error("creates `{model_app}.{model}` in a migration of app `{app}`")]
    ModelOfAnotherApp {
        /// The migration's app.
        app: String,
        /// The app the model says it belongs to.
        model_app: String,
        /// The model, by name.
        model: String,
    },
    /// Creates a model that exists already.
    #[error("creates `{app}.{model}`, which exists already")]
    ModelExists {
        /// The app.
        app: String,
        /// The model, by name.
        model: String,
    },
    /// Renames a model to a name taken already.
    #[error("renames `{app}.{old}` to `{new}`, which exists already")]
    RenamedModelExists {
        /// The app.
        app: String,
        /// The model's name.
        old: String,
        /// The name taken already.
        new: String,
    },
    /// Names a model the state does not have.
    #[error("there is no model `{app}.{model}` at this point")]
    NoModel {
        /// The app.
        app: String,
        /// The model, by name.
        model: String,
    },
    /// Adds a field that exists already.
    #[error("adds `{app}.{model}.{field}`, which exists already")]
    FieldExists {
        /// The app.
        app: String,
        /// The model, by name.
        model: String,
        /// The field, by name.
        field: String,
    },
    /// Renames a field to a name taken already.
    #[error("renames `{model}.{old}` to `{new}`, which exists already")]
    RenamedFieldExists {
        /// The model, by name.
        model: String,
        /// The field's name.
        old: String,
        /// The name taken already.
        new: String,
    },
    /// Names a field the model does not have.
    #[error("`{app}.{model}` has no field `{field}` at this point")]
    NoField {
        /// The app.
        app: String,
        /// The model, by name.
        model: String,
        /// The field, by name.
        field: String,
    },
    /// Removes an index the model does not have.
    #[error("`{app}.{model}` has no index `{index}`")]
    NoIndex {
        /// The app.
        app: String,
        /// The model, by name.
        model: String,
        /// The index, by name.
        index: String,
    },
    /// Removes a constraint the model does not have.
    #[error("`{app}.{model}` has no constraint `{constraint}`")]
    NoConstraint {
        /// The app.
        app: String,
        /// The model, by name.
        model: String,
        /// The constraint, by name.
        constraint: String,
    },
    /// Unapplies a `RunSql` or `RunRust` that has no `backward`.
    #[error("a run_sql or run_rust operation without `backward` cannot be unapplied")]
    Irreversible,
    #[error(
        "changing which field is the primary key of `{model}` is not supported: create a new model and copy the rows"
    )]
    /// Moves the primary key to another field.
    PrimaryKeyChange {
        /// The model, by name.
        model: String,
    },
}

impl Operation {
    /// Applies the change to `state`, for models of `app`.
    pub fn state_forwards(&self, app: &str, state: &mut ProjectState) -> Result<(), StateError> {
        match self {
            Operation::CreateModel { model } => {
                if model.app != app {
                    return Err(StateError::ModelOfAnotherApp {
                        app: app.to_owned(),
                        model_app: model.app.clone(),
                        model: model.name.clone(),
                    });
                }
                if state.model(app, &model.name).is_some() {
                    return Err(StateError::ModelExists { app: app.to_owned(), model: model.name.clone() });
                }
                let (name, table) = (model.name.clone(), model.table.clone());
                let mut model = model.clone();
                state.resolve_foreign_keys(&mut model.fields);
                state.insert(model);
                // A key to the model itself, or from a model created before it, points at this table.
                state.update_references(app, &name, |target| target.to_table.clone_from(&table));
            }
            Operation::DeleteModel { name } => {
                state.remove(app, name).ok_or_else(|| missing_model(app, name))?;
            }
            Operation::RenameModel { old_name, new_name } => {
                if state.model(app, new_name).is_some() {
                    return Err(StateError::RenamedModelExists {
                        app: app.to_owned(),
                        old: old_name.clone(),
                        new: new_name.clone(),
                    });
                }
                let mut model = state.remove(app, old_name).ok_or_else(|| missing_model(app, old_name))?;
                model.name.clone_from(new_name);
                let old_table = model.table.clone();
                if old_table == default_table(app, old_name) {
                    model.table = default_table(app, new_name);
                    model.rename_derived_names(&old_table, None);
                }
                let table = model.table.clone();
                state.insert(model);
                state.update_references(app, old_name, |target| {
                    target.to_model.clone_from(new_name);
                    target.to_table.clone_from(&table);
                });
            }
            Operation::AlterModelTable { name, table } => {
                let model = state.model_mut(app, name).ok_or_else(|| missing_model(app, name))?;
                let old_table = std::mem::replace(&mut model.table, table.clone());
                model.rename_derived_names(&old_table, None);
                state.update_references(app, name, |target| target.to_table.clone_from(table));
            }
            Operation::AlterModelComment { name, comment } => {
                model_mut(state, app, name)?.db_comment.clone_from(comment);
            }
            Operation::AddField { model, field, .. } => {
                let schema = model_mut(state, app, model)?;
                if schema.field(&field.name).is_some() {
                    return Err(StateError::FieldExists {
                        app: app.to_owned(),
                        model: model.clone(),
                        field: field.name.clone(),
                    });
                }
                let mut field = field.clone();
                state.resolve_foreign_keys([&mut field]);
                model_mut(state, app, model)?.fields.push(field);
            }
            Operation::RemoveField { model, name } => {
                let schema = model_mut(state, app, model)?;
                let before = schema.fields.len();
                schema.fields.retain(|field| field.name != *name);
                if schema.fields.len() == before {
                    return Err(missing_field(app, model, name));
                }
            }
            Operation::AlterField { model, field, .. } => {
                let mut field = field.clone();
                state.resolve_foreign_keys([&mut field]);
                let schema = model_mut(state, app, model)?;
                let slot = schema.fields.iter_mut().find(|existing| existing.name == field.name);
                let slot = slot.ok_or_else(|| missing_field(app, model, &field.name))?;
                *slot = field;
            }
            Operation::RenameField { model, old_name, new_name } => {
                let schema = model_mut(state, app, model)?;
                if schema.field(new_name).is_some() {
                    return Err(StateError::RenamedFieldExists {
                        model: model.clone(),
                        old: old_name.clone(),
                        new: new_name.clone(),
                    });
                }
                let field = schema.fields.iter_mut().find(|field| field.name == *old_name);
                let field = field.ok_or_else(|| missing_field(app, model, old_name))?;
                field.name.clone_from(new_name);
                let is_key = field.foreign_key.is_some();
                let old_column = field.column.clone();
                if old_column != default_column(old_name, is_key) {
                    return Ok(());
                }
                let new_column = default_column(new_name, is_key);
                field.column.clone_from(&new_column);
                let table = schema.table.clone();
                schema.rename_derived_names(&table, Some((&old_column, &new_column)));
                state.update_references(app, model, |target| {
                    if target.to_column == old_column {
                        target.to_column.clone_from(&new_column);
                    }
                });
            }
            Operation::AddIndex { model, index } => model_mut(state, app, model)?.indexes.push(index.clone()),
            Operation::RemoveIndex { model, name } => {
                let schema = model_mut(state, app, model)?;
                let position = schema.indexes.iter().position(|index| index.name == *name);
                schema.indexes.remove(position.ok_or_else(|| missing_index(app, model, name))?);
            }
            Operation::AddConstraint { model, constraint } => {
                model_mut(state, app, model)?.constraints.push(constraint.clone());
            }
            Operation::RemoveConstraint { model, name } => {
                let schema = model_mut(state, app, model)?;
                let position = schema.constraints.iter().position(|constraint| constraint.name() == name);
                let position = position.ok_or_else(|| missing_constraint(app, model, name))?;
                schema.constraints.remove(position);
            }
            Operation::RunSql { .. } | Operation::RunRust { .. } => {}
        }
        Ok(())
    }

    /// One line for humans: what `makemigrations` prints and what names a migration.
    pub fn describe(&self) -> String {
        match self {
            Operation::CreateModel { model } => format!("Create model {}", model.name),
            Operation::DeleteModel { name } => format!("Delete model {name}"),
            Operation::RenameModel { old_name, new_name } => format!("Rename model {old_name} to {new_name}"),
            Operation::AlterModelTable { name, table } => format!("Rename table for {name} to {table}"),
            Operation::AlterModelComment { name, .. } => format!("Alter the comment of {name}"),
            Operation::AddField { model, field, .. } => format!("Add field {} to {model}", field.name),
            Operation::RemoveField { model, name } => format!("Remove field {name} from {model}"),
            Operation::AlterField { model, field, .. } => format!("Alter field {} on {model}", field.name),
            Operation::RenameField { model, old_name, new_name } => {
                format!("Rename field {old_name} on {model} to {new_name}")
            }
            Operation::AddIndex { model, index } => format!("Create index {} on {model}", index.name),
            Operation::RemoveIndex { model, name } => format!("Remove index {name} from {model}"),
            Operation::AddConstraint { model, constraint } => {
                format!("Create constraint {} on {model}", constraint.name())
            }
            Operation::RemoveConstraint { model, name } => format!("Remove constraint {name} from {model}"),
            Operation::RunSql { .. } => "Raw SQL operation".to_owned(),
            Operation::RunRust { forward, .. } => format!("Run Rust function {forward}"),
        }
    }

    /// A fragment for an automatic migration name, as Django's `migration_name_fragment`.
    pub fn name_fragment(&self) -> String {
        let lower = |text: &str| text.to_lowercase();
        match self {
            Operation::CreateModel { model } => lower(&model.name),
            Operation::DeleteModel { name } => format!("delete_{}", lower(name)),
            Operation::RenameModel { old_name, new_name } => {
                format!("rename_{}_{}", lower(old_name), lower(new_name))
            }
            Operation::AlterModelTable { name, .. } => format!("alter_{}_table", lower(name)),
            Operation::AlterModelComment { name, .. } => format!("alter_{}_comment", lower(name)),
            Operation::AddField { model, field, .. } => format!("{}_{}", lower(model), field.name),
            Operation::RemoveField { model, name } => format!("remove_{}_{name}", lower(model)),
            Operation::AlterField { model, field, .. } => format!("alter_{}_{}", lower(model), field.name),
            Operation::RenameField { model, old_name, new_name } => {
                format!("rename_{old_name}_{}_{new_name}", lower(model))
            }
            Operation::AddIndex { index, .. } => index.name.clone(),
            Operation::RemoveIndex { model, name } => format!("remove_{}_{name}", lower(model)),
            Operation::AddConstraint { constraint, .. } => constraint.name().to_owned(),
            Operation::RemoveConstraint { model, name } => format!("remove_{}_{name}", lower(model)),
            Operation::RunSql { .. } => "run_sql".to_owned(),
            Operation::RunRust { forward, .. } => forward.clone(),
        }
    }

    /// The model of this app the operation changes, if any.
    pub fn model_name(&self) -> Option<&str> {
        match self {
            Operation::CreateModel { model } => Some(&model.name),
            Operation::DeleteModel { name }
            | Operation::AlterModelTable { name, .. }
            | Operation::AlterModelComment { name, .. } => Some(name),
            Operation::RenameModel { old_name, .. } => Some(old_name),
            Operation::AddField { model, .. }
            | Operation::RemoveField { model, .. }
            | Operation::AlterField { model, .. }
            | Operation::RenameField { model, .. }
            | Operation::AddIndex { model, .. }
            | Operation::RemoveIndex { model, .. }
            | Operation::AddConstraint { model, .. }
            | Operation::RemoveConstraint { model, .. } => Some(model),
            Operation::RunSql { .. } | Operation::RunRust { .. } => None,
        }
    }

    /// The operation that takes the state after this one back to `before`: what `migrate` runs to unapply
    /// it.
    pub fn inverse(&self, app: &str, before: &ProjectState) -> Result<Operation, StateError> {
        Ok(match self {
            Operation::CreateModel { model } => Operation::DeleteModel { name: model.name.clone() },
            Operation::DeleteModel { name } => {
                Operation::CreateModel { model: model_in(before, app, name)?.clone() }
            }
            Operation::RenameModel { old_name, new_name } => {
                Operation::RenameModel { old_name: new_name.clone(), new_name: old_name.clone() }
            }
            Operation::AlterModelTable { name, .. } => Operation::AlterModelTable {
                name: name.clone(),
                table: model_in(before, app, name)?.table.clone(),
            },
            Operation::AlterModelComment { name, .. } => Operation::AlterModelComment {
                name: name.clone(),
                comment: model_in(before, app, name)?.db_comment.clone(),
            },
            Operation::AddField { model, field, .. } => {
                Operation::RemoveField { model: model.clone(), name: field.name.clone() }
            }
            Operation::RemoveField { model: name, name: field } => {
                let field = field_in(model_in(before, app, name)?, field)?.clone();
                // Rows that exist when a NOT NULL column comes back need a value: the type's empty one, as Django.
                let backfill =
                    (!field.nullable && field.default.is_none()).then(|| empty_value(field.column_type));
                Operation::AddField { model: name.clone(), field, backfill }
            }
            Operation::AlterField { model: name, field, .. } => {
                let restored = field_in(model_in(before, app, name)?, &field.name)?.clone();
                // Rows written while the field was nullable may hold NULL: going back to NOT NULL, they get
                // its default, else the type's empty value, as a field removed and restored does.
                let backfill = (field.nullable && !restored.nullable && restored.default.is_none())
                    .then(|| empty_value(restored.column_type));
                Operation::AlterField { model: name.clone(), field: restored, backfill }
            }
            Operation::RenameField { model, old_name, new_name } => Operation::RenameField {
                model: model.clone(),
                old_name: new_name.clone(),
                new_name: old_name.clone(),
            },
            Operation::AddIndex { model, index } => {
                Operation::RemoveIndex { model: model.clone(), name: index.name.clone() }
            }
            Operation::RemoveIndex { model: name, name: index } => {
                let found =
                    model_in(before, app, name)?.indexes.iter().find(|existing| existing.name == *index);
                let found = found.ok_or_else(|| missing_index(app, name, index))?;
                Operation::AddIndex { model: name.clone(), index: found.clone() }
            }
            Operation::AddConstraint { model, constraint } => {
                Operation::RemoveConstraint { model: model.clone(), name: constraint.name().to_owned() }
            }
            Operation::RemoveConstraint { model: name, name: constraint } => {
                let found = model_in(before, app, name)?
                    .constraints
                    .iter()
                    .find(|existing| existing.name() == constraint);
                let found = found.ok_or_else(|| missing_constraint(app, name, constraint))?;
                Operation::AddConstraint { model: name.clone(), constraint: found.clone() }
            }
            Operation::RunSql { forward, backward } => match backward {
                Some(backward) => {
                    Operation::RunSql { forward: backward.clone(), backward: Some(forward.clone()) }
                }
                None => {
                    return Err(StateError::Irreversible);
                }
            },
            Operation::RunRust { forward, backward } => match backward {
                Some(backward) => {
                    Operation::RunRust { forward: backward.clone(), backward: Some(forward.clone()) }
                }
                None => return Err(StateError::Irreversible),
            },
        })
    }

    /// Whether a foreign key this operation creates or changes points at `model` (of any app: the name is
    /// what the optimizer compares, and a false match only keeps two operations in order).
    pub fn references_model(&self, model: &str) -> bool {
        let fields: Vec<&FieldSchema> = match self {
            Operation::CreateModel { model } => model.fields.iter().collect(),
            Operation::AddField { field, .. } | Operation::AlterField { field, .. } => vec![field],
            _ => Vec::new(),
        };
        fields.iter().any(|field| field.foreign_key.as_ref().is_some_and(|target| target.to_model == model))
    }

    /// Whether the operation can run backwards.
    pub fn is_reversible(&self) -> bool {
        !matches!(self, Operation::RunSql { backward: None, .. } | Operation::RunRust { backward: None, .. })
    }
}

fn model_mut<'a>(
    state: &'a mut ProjectState,
    app: &str,
    name: &str,
) -> Result<&'a mut ModelSchema, StateError> {
    state.model_mut(app, name).ok_or_else(|| missing_model(app, name))
}

pub(crate) fn missing_model(app: &str, name: &str) -> StateError {
    StateError::NoModel { app: app.to_owned(), model: name.to_owned() }
}

pub(crate) fn missing_field(app: &str, model: &str, name: &str) -> StateError {
    StateError::NoField { app: app.to_owned(), model: model.to_owned(), field: name.to_owned() }
}

pub(crate) fn missing_index(app: &str, model: &str, name: &str) -> StateError {
    StateError::NoIndex { app: app.to_owned(), model: model.to_owned(), index: name.to_owned() }
}

pub(crate) fn missing_constraint(app: &str, model: &str, name: &str) -> StateError {
    StateError::NoConstraint { app: app.to_owned(), model: model.to_owned(), constraint: name.to_owned() }
}

fn model_in<'a>(state: &'a ProjectState, app: &str, name: &str) -> Result<&'a ModelSchema, StateError> {
    state.model(app, name).ok_or_else(|| missing_model(app, name))
}

fn field_in<'a>(model: &'a ModelSchema, name: &str) -> Result<&'a FieldSchema, StateError> {
    model.field(name).ok_or_else(|| missing_field(&model.app, &model.name, name))
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
