//! The SQL of each operation, forwards and backwards: the operation says what changes, the backend's
//! schema editor (`schema_editor/`) how.
//!
//! Backwards is forwards of the inverse operation, with the states swapped: one code path per change.

use super::operation::{Operation, StateError, missing_constraint, missing_field, missing_model};
use super::schema_editor::{SchemaEditor, editor};
use super::state::ProjectState;
use crate::dialect::Backend;
use crate::schema::{FieldSchema, Literal, ModelSchema};

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
        // A comment that stands for the function where SQL is shown (sqlmigrate); the executor calls it.
        Operation::RunRust { forward, .. } => vec![super::data::marker(app, forward)],
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
    forwards(&operation.inverse(app, before)?, app, after, before, backend)
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
    if old.primary_key != new.primary_key || old.auto_increment != new.auto_increment {
        return Err(StateError::PrimaryKeyChange { model: new_model.name.clone() });
    }
    Ok(editor.alter_field(old_model, new_model, old, new, backfill))
}
