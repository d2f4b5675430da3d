//! The SQL of each operation, forwards and backwards: the operation says what changes, the backend's
//! schema editor (`schema_editor/`) how.
//!
//! Backwards is forwards of the inverse operation, with the states swapped: one code path per change.

use super::operation::{
    Operation, StateError, missing_constraint, missing_field, missing_index, missing_model,
};
use super::schema_editor::{SchemaEditor, check_alter_field, editor};
use super::state::ProjectState;
use crate::dialect::Backend;
use crate::schema::{ColumnType, FieldSchema, Literal, ModelSchema};

/// The statements that apply `operation` of `app`, taking `before` to `after`.
pub fn forwards(
    operation: &Operation,
    app: &str,
    before: &ProjectState,
    after: &ProjectState,
    backend: Backend,
) -> Result<Vec<String>, StateError> {
    let editor = editor(backend);
    let sql = match operation {
        Operation::CreateModel { model: created } => editor.create_model(model(after, app, &created.name)?),
        Operation::DeleteModel { name } => editor.delete_model(model(before, app, name)?),
        Operation::RenameModel { old_name, new_name } => {
            editor.rename_table(model(before, app, old_name)?, model(after, app, new_name)?)
        }
        Operation::RenameField { model: name, old_name, new_name } => {
            let (old, new) = (model(before, app, name)?, model(after, app, name)?);
            alter_field(editor, old, new, field_of(old, old_name)?, field_of(new, new_name)?, None)?
        }
        Operation::AlterModelTable { name, .. } => {
            editor.rename_table(model(before, app, name)?, model(after, app, name)?)
        }
        Operation::AlterModelComment { name, comment } => {
            editor.alter_table_comment(model(after, app, name)?, comment.as_deref())
        }
        Operation::AddField { model: name, field, backfill } => {
            let new = model(after, app, name)?;
            editor.add_field(model(before, app, name)?, new, field_of(new, &field.name)?, backfill.as_ref())
        }
        Operation::RemoveField { model: name, name: field } => {
            let old = model(before, app, name)?;
            let field = old.field(field).ok_or_else(|| missing_field(app, name, field))?;
            editor.remove_field(old, model(after, app, name)?, field)
        }
        Operation::AlterField { model: name, field, backfill } => {
            let (old, new) = (model(before, app, name)?, model(after, app, name)?);
            let (old_field, new_field) = (field_of(old, &field.name)?, field_of(new, &field.name)?);
            alter_field(editor, old, new, old_field, new_field, backfill.as_ref())?
        }
        Operation::AddIndex { model: name, index } => editor.add_index(model(after, app, name)?, index),
        Operation::RemoveIndex { model: name, name: index } => {
            let old = model(before, app, name)?;
            let columns =
                old.indexes.iter().find(|existing| existing.name == *index).map(|found| &found.columns);
            editor.remove_index(old, index, columns.map_or(&[][..], Vec::as_slice))
        }
        Operation::AddConstraint { model: name, constraint } => {
            editor.add_constraint(model(before, app, name)?, model(after, app, name)?, constraint)
        }
        Operation::RemoveConstraint { model: name, name: constraint } => {
            let old = model(before, app, name)?;
            let removed = old.constraints.iter().find(|c| c.name() == constraint);
            let removed = removed.ok_or_else(|| missing_constraint(app, name, constraint))?;
            editor.remove_constraint(old, model(after, app, name)?, removed)
        }
        Operation::RunSql { forward, .. } => {
            forward.for_backend(backend).map(str::to_owned).into_iter().collect()
        }
    };
    Ok(sql)
}

/// The statements that undo `operation`: forwards of its inverse, from `after` back to `before`.
pub fn backwards(
    operation: &Operation,
    app: &str,
    before: &ProjectState,
    after: &ProjectState,
    backend: Backend,
) -> Result<Vec<String>, StateError> {
    forwards(&inverse(operation, app, before)?, app, after, before, backend)
}

/// The operation that takes the state after `operation` back to `before`.
pub fn inverse(operation: &Operation, app: &str, before: &ProjectState) -> Result<Operation, StateError> {
    Ok(match operation {
        Operation::CreateModel { model } => Operation::DeleteModel { name: model.name.clone() },
        Operation::DeleteModel { name } => {
            Operation::CreateModel { model: model(before, app, name)?.clone() }
        }
        Operation::RenameModel { old_name, new_name } => {
            Operation::RenameModel { old_name: new_name.clone(), new_name: old_name.clone() }
        }
        Operation::AlterModelTable { name, .. } => {
            Operation::AlterModelTable { name: name.clone(), table: model(before, app, name)?.table.clone() }
        }
        Operation::AlterModelComment { name, .. } => Operation::AlterModelComment {
            name: name.clone(),
            comment: model(before, app, name)?.db_comment.clone(),
        },
        Operation::AddField { model, field, .. } => {
            Operation::RemoveField { model: model.clone(), name: field.name.clone() }
        }
        Operation::RemoveField { model: name, name: field } => {
            let field = field_of(model(before, app, name)?, field)?.clone();
            // Rows that exist when a NOT NULL column comes back need a value: the type's empty one, as Django.
            let backfill =
                (!field.nullable && field.default.is_none()).then(|| empty_value(field.column_type));
            Operation::AddField { model: name.clone(), field, backfill }
        }
        Operation::AlterField { model: name, field, .. } => {
            let restored = field_of(model(before, app, name)?, &field.name)?.clone();
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
            let found = model(before, app, name)?.indexes.iter().find(|existing| existing.name == *index);
            let found = found.ok_or_else(|| missing_index(app, name, index))?;
            Operation::AddIndex { model: name.clone(), index: found.clone() }
        }
        Operation::AddConstraint { model, constraint } => {
            Operation::RemoveConstraint { model: model.clone(), name: constraint.name().to_owned() }
        }
        Operation::RemoveConstraint { model: name, name: constraint } => {
            let found =
                model(before, app, name)?.constraints.iter().find(|existing| existing.name() == constraint);
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
    })
}

/// The value a NOT NULL column of this type gets in rows that existed before it.
fn empty_value(column_type: ColumnType) -> Literal {
    match column_type {
        ColumnType::SmallInteger | ColumnType::Integer | ColumnType::BigInteger => Literal::Integer(0),
        ColumnType::Float | ColumnType::Double => Literal::Float(0.0),
        ColumnType::Boolean => Literal::Bool(false),
        ColumnType::String { .. } | ColumnType::Text | ColumnType::Binary => Literal::Text(String::new()),
        ColumnType::Date => Literal::Text("1970-01-01".to_owned()),
        ColumnType::Time => Literal::Text("00:00:00".to_owned()),
        ColumnType::DateTime | ColumnType::TimestampTz => Literal::Text("1970-01-01 00:00:00".to_owned()),
        ColumnType::Uuid => Literal::Text(uuid::Uuid::nil().hyphenated().to_string()),
        ColumnType::Json => Literal::Json(serde_json::json!({})),
    }
}

fn model<'a>(state: &'a ProjectState, app: &str, name: &str) -> Result<&'a ModelSchema, StateError> {
    state.model(app, name).ok_or_else(|| missing_model(app, name))
}

fn field_of<'a>(model: &'a ModelSchema, name: &str) -> Result<&'a FieldSchema, StateError> {
    model.field(name).ok_or_else(|| missing_field(&model.app, &model.name, name))
}

/// `AlterField` and `RenameField`: the one change no backend makes in place is refused, the rest is the
/// backend's.
fn alter_field(
    editor: &dyn SchemaEditor,
    old_model: &ModelSchema,
    new_model: &ModelSchema,
    old: &FieldSchema,
    new: &FieldSchema,
    backfill: Option<&Literal>,
) -> Result<Vec<String>, StateError> {
    check_alter_field(new_model, old, new)?;
    Ok(editor.alter_field(old_model, new_model, old, new, backfill))
}
