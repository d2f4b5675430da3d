//! Operations on one field of a model: add, remove, alter, rename.

use super::{
    Change, Folded, Operation, StateError, empty_value, field_in, missing_field, model_in, model_mut,
};
use crate::migrations::schema_editor::SchemaEditor;
use crate::migrations::state::ProjectState;
use crate::schema::{FieldSchema, Literal, ModelSchema, default_column};
use serde::{Deserialize, Serialize};

/// Adds a column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddField {
    /// The model, by name.
    pub model: String,
    /// The new field.
    pub field: FieldSchema,
    /// A one-off value for existing rows of a NOT NULL field without a default; not kept in the schema.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backfill: Option<Literal>,
}

impl Change for AddField {
    fn state_forwards(&self, app: &str, state: &mut ProjectState) -> Result<(), StateError> {
        let AddField { model, field, .. } = self;
        if model_in(state, app, model)?.field(&field.name).is_some() {
            return Err(StateError::FieldExists {
                app: app.to_owned(),
                model: model.clone(),
                field: field.name.clone(),
            });
        }
        let mut field = field.clone();
        state.resolve_foreign_keys([&mut field]);
        model_mut(state, app, model)?.fields.push(field);
        Ok(())
    }

    fn describe(&self) -> String {
        format!("Add field {} to {}", self.field.name, self.model)
    }

    fn name_fragment(&self) -> String {
        format!("{}_{}", self.model.to_lowercase(), self.field.name)
    }

    fn model_name(&self) -> Option<&str> {
        Some(&self.model)
    }

    fn inverse(&self, _app: &str, _before: &ProjectState) -> Result<Operation, StateError> {
        Ok(Operation::RemoveField(RemoveField { model: self.model.clone(), name: self.field.name.clone() }))
    }

    fn sql(
        &self,
        editor: &dyn SchemaEditor,
        app: &str,
        before: &ProjectState,
        after: &ProjectState,
    ) -> Result<Vec<String>, StateError> {
        let new = model_in(after, app, &self.model)?;
        let field = field_in(new, &self.field.name)?;
        Ok(editor.add_field(model_in(before, app, &self.model)?, new, field, self.backfill.as_ref()))
    }

    /// An added field absorbs later alterations of it; removing it cancels both.
    fn fold(&self, later: &Operation) -> Option<Folded> {
        match later {
            Operation::RemoveField(removed)
                if removed.model == self.model && removed.name == self.field.name =>
            {
                Some(None)
            }
            Operation::AlterField(altered)
                if altered.model == self.model && altered.field.name == self.field.name =>
            {
                Some(Some(Box::new(Operation::AddField(AddField {
                    model: self.model.clone(),
                    field: altered.field.clone(),
                    backfill: self.backfill.clone().or_else(|| altered.backfill.clone()),
                }))))
            }
            _ => None,
        }
    }

    fn fields(&self) -> Vec<&FieldSchema> {
        vec![&self.field]
    }
}

/// Drops a column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RemoveField {
    /// The model, by name.
    pub model: String,
    /// The field, by name.
    pub name: String,
}

impl Change for RemoveField {
    fn state_forwards(&self, app: &str, state: &mut ProjectState) -> Result<(), StateError> {
        let schema = model_mut(state, app, &self.model)?;
        let before = schema.fields.len();
        schema.fields.retain(|field| field.name != self.name);
        if schema.fields.len() == before {
            return Err(missing_field(app, &self.model, &self.name));
        }
        Ok(())
    }

    fn describe(&self) -> String {
        format!("Remove field {} from {}", self.name, self.model)
    }

    fn name_fragment(&self) -> String {
        format!("remove_{}_{}", self.model.to_lowercase(), self.name)
    }

    fn model_name(&self) -> Option<&str> {
        Some(&self.model)
    }

    fn inverse(&self, app: &str, before: &ProjectState) -> Result<Operation, StateError> {
        let field = field_in(model_in(before, app, &self.model)?, &self.name)?.clone();
        // Rows that exist when a NOT NULL column comes back need a value: the type's empty one, as Django.
        let backfill = (!field.nullable && field.default.is_none()).then(|| empty_value(field.column_type));
        Ok(Operation::AddField(AddField { model: self.model.clone(), field, backfill }))
    }

    fn sql(
        &self,
        editor: &dyn SchemaEditor,
        app: &str,
        before: &ProjectState,
        after: &ProjectState,
    ) -> Result<Vec<String>, StateError> {
        let old = model_in(before, app, &self.model)?;
        Ok(editor.remove_field(old, model_in(after, app, &self.model)?, field_in(old, &self.name)?))
    }
}

/// Replaces a field's definition (type, nullability, default, length, unique, index, key, column).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlterField {
    /// The model, by name.
    pub model: String,
    /// The field as it becomes.
    pub field: FieldSchema,
    /// For a field made NOT NULL: the one-off value rows holding NULL get first; not kept in the schema.
    /// Without it, such rows get the field's default, if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backfill: Option<Literal>,
}

impl Change for AlterField {
    fn state_forwards(&self, app: &str, state: &mut ProjectState) -> Result<(), StateError> {
        let mut field = self.field.clone();
        state.resolve_foreign_keys([&mut field]);
        let schema = model_mut(state, app, &self.model)?;
        let slot = schema.fields.iter_mut().find(|existing| existing.name == field.name);
        *slot.ok_or_else(|| missing_field(app, &self.model, &self.field.name))? = field;
        Ok(())
    }

    fn describe(&self) -> String {
        format!("Alter field {} on {}", self.field.name, self.model)
    }

    fn name_fragment(&self) -> String {
        format!("alter_{}_{}", self.model.to_lowercase(), self.field.name)
    }

    fn model_name(&self) -> Option<&str> {
        Some(&self.model)
    }

    fn inverse(&self, app: &str, before: &ProjectState) -> Result<Operation, StateError> {
        let restored = field_in(model_in(before, app, &self.model)?, &self.field.name)?.clone();
        // Rows written while the field was nullable may hold NULL: going back to NOT NULL, they get its
        // default, else the type's empty value, as a field removed and restored does.
        let backfill = (self.field.nullable && !restored.nullable && restored.default.is_none())
            .then(|| empty_value(restored.column_type));
        Ok(Operation::AlterField(AlterField { model: self.model.clone(), field: restored, backfill }))
    }

    fn sql(
        &self,
        editor: &dyn SchemaEditor,
        app: &str,
        before: &ProjectState,
        after: &ProjectState,
    ) -> Result<Vec<String>, StateError> {
        let (old, new) = (model_in(before, app, &self.model)?, model_in(after, app, &self.model)?);
        let (old_field, new_field) = (field_in(old, &self.field.name)?, field_in(new, &self.field.name)?);
        alter_field(editor, old, new, old_field, new_field, self.backfill.as_ref())
    }

    /// Two alterations of one field in a row are the second, with the backfill of either.
    fn fold(&self, later: &Operation) -> Option<Folded> {
        match later {
            Operation::AlterField(altered)
                if altered.model == self.model && altered.field.name == self.field.name =>
            {
                Some(Some(Box::new(Operation::AlterField(AlterField {
                    model: self.model.clone(),
                    field: altered.field.clone(),
                    backfill: altered.backfill.clone().or_else(|| self.backfill.clone()),
                }))))
            }
            _ => None,
        }
    }

    fn fields(&self) -> Vec<&FieldSchema> {
        vec![&self.field]
    }
}

/// Renames a field. A column named after the field (the field's name, `<name>_id` for a foreign key) is
/// renamed with it; a column named explicitly keeps its name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RenameField {
    /// The model, by name.
    pub model: String,
    /// The name the field has.
    pub old_name: String,
    /// The name it gets.
    pub new_name: String,
}

impl Change for RenameField {
    fn state_forwards(&self, app: &str, state: &mut ProjectState) -> Result<(), StateError> {
        let RenameField { model, old_name, new_name } = self;
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
        Ok(())
    }

    fn describe(&self) -> String {
        format!("Rename field {} on {} to {}", self.old_name, self.model, self.new_name)
    }

    fn name_fragment(&self) -> String {
        format!("rename_{}_{}_{}", self.old_name, self.model.to_lowercase(), self.new_name)
    }

    fn model_name(&self) -> Option<&str> {
        Some(&self.model)
    }

    fn inverse(&self, _app: &str, _before: &ProjectState) -> Result<Operation, StateError> {
        Ok(Operation::RenameField(RenameField {
            model: self.model.clone(),
            old_name: self.new_name.clone(),
            new_name: self.old_name.clone(),
        }))
    }

    fn sql(
        &self,
        editor: &dyn SchemaEditor,
        app: &str,
        before: &ProjectState,
        after: &ProjectState,
    ) -> Result<Vec<String>, StateError> {
        let (old, new) = (model_in(before, app, &self.model)?, model_in(after, app, &self.model)?);
        alter_field(editor, old, new, field_in(old, &self.old_name)?, field_in(new, &self.new_name)?, None)
    }
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
