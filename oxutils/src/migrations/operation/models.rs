//! Operations on whole models: create, delete, rename, move to another table, comment.

use super::{Change, Folded, Operation, StateError, missing_model, model_in, model_mut};
use crate::migrations::schema_editor::SchemaEditor;
use crate::migrations::state::ProjectState;
use crate::schema::{FieldSchema, ModelSchema, default_table};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Creates the model's table, with its indexes and constraints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateModel {
    /// The model as it is created, shared with the states it is replayed into: a replay that copied it
    /// copied every field of every model of an initial migration (at 500 models, a third of the model
    /// copies `makemigrations` made).
    pub model: Arc<ModelSchema>,
}

impl Change for CreateModel {
    fn state_forwards(&self, app: &str, state: &mut ProjectState) -> Result<(), StateError> {
        let model = &self.model;
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
        let mut model = Arc::clone(model);
        if state.has_unresolved_keys(&model.fields) {
            state.resolve_foreign_keys(&mut Arc::make_mut(&mut model).fields);
        }
        state.insert_shared(model);
        // A key to the model itself, or from a model created before it, points at this table.
        state.update_references(app, &name, |target| target.to_table.clone_from(&table));
        Ok(())
    }

    fn describe(&self) -> String {
        format!("Create model {}", self.model.name)
    }

    fn name_fragment(&self) -> String {
        self.model.name.to_lowercase()
    }

    fn model_name(&self) -> Option<&str> {
        Some(&self.model.name)
    }

    fn inverse(&self, _app: &str, _before: &ProjectState) -> Result<Operation, StateError> {
        Ok(Operation::DeleteModel(DeleteModel { name: self.model.name.clone() }))
    }

    fn sql(
        &self,
        editor: &dyn SchemaEditor,
        app: &str,
        _before: &ProjectState,
        after: &ProjectState,
    ) -> Result<Vec<String>, StateError> {
        Ok(editor.create_model(model_in(after, app, &self.model.name)?))
    }

    /// A created model absorbs the fields added, altered, renamed or removed right after it; deleting it
    /// cancels both.
    fn fold(&self, later: &Operation) -> Option<Folded> {
        let created: &ModelSchema = &self.model;
        let merged = |model: ModelSchema| {
            Some(Some(Box::new(Operation::CreateModel(CreateModel { model: Arc::new(model) }))))
        };
        match later {
            Operation::DeleteModel(DeleteModel { name }) if created.name == *name => Some(None),
            Operation::AddField(added) if created.name == added.model => {
                let mut model = created.clone();
                model.fields.push(added.field.clone());
                merged(model)
            }
            Operation::AlterField(altered) if created.name == altered.model => {
                let mut model = created.clone();
                let slots = model.fields.iter_mut().filter(|existing| existing.name == altered.field.name);
                slots.for_each(|slot| *slot = altered.field.clone());
                merged(model)
            }
            Operation::RemoveField(removed) if created.name == removed.model => {
                let mut model = created.clone();
                model.fields.retain(|field| field.name != removed.name);
                merged(model)
            }
            Operation::RenameField(renamed) if created.name == renamed.model => {
                // The rename's own state change, so that a column named after the field follows it.
                let mut state = ProjectState::from_models([created]);
                later.state_forwards(&created.app, &mut state).ok()?;
                merged(state.model(&created.app, &created.name)?.clone())
            }
            _ => None,
        }
    }

    fn fields(&self) -> Vec<&FieldSchema> {
        self.model.fields.iter().collect()
    }
}

/// Drops the model's table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeleteModel {
    /// The model, by name.
    pub name: String,
}

impl Change for DeleteModel {
    fn state_forwards(&self, app: &str, state: &mut ProjectState) -> Result<(), StateError> {
        state.remove(app, &self.name).ok_or_else(|| missing_model(app, &self.name))?;
        Ok(())
    }

    fn describe(&self) -> String {
        format!("Delete model {}", self.name)
    }

    fn name_fragment(&self) -> String {
        format!("delete_{}", self.name.to_lowercase())
    }

    fn model_name(&self) -> Option<&str> {
        Some(&self.name)
    }

    fn inverse(&self, app: &str, before: &ProjectState) -> Result<Operation, StateError> {
        Ok(Operation::CreateModel(CreateModel {
            model: Arc::new(model_in(before, app, &self.name)?.clone()),
        }))
    }

    fn sql(
        &self,
        editor: &dyn SchemaEditor,
        app: &str,
        before: &ProjectState,
        _after: &ProjectState,
    ) -> Result<Vec<String>, StateError> {
        Ok(editor.delete_model(model_in(before, app, &self.name)?))
    }
}

/// Renames the model. A table named after the model (`<app>_<lowercased name>`) is renamed with it, and so
/// are the indexes named after that table; a table named explicitly keeps its name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RenameModel {
    /// The name the model has.
    pub old_name: String,
    /// The name it gets.
    pub new_name: String,
}

impl Change for RenameModel {
    fn state_forwards(&self, app: &str, state: &mut ProjectState) -> Result<(), StateError> {
        let RenameModel { old_name, new_name } = self;
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
        Ok(())
    }

    fn describe(&self) -> String {
        format!("Rename model {} to {}", self.old_name, self.new_name)
    }

    fn name_fragment(&self) -> String {
        format!("rename_{}_{}", self.old_name.to_lowercase(), self.new_name.to_lowercase())
    }

    fn model_name(&self) -> Option<&str> {
        Some(&self.old_name)
    }

    fn inverse(&self, _app: &str, _before: &ProjectState) -> Result<Operation, StateError> {
        let (old_name, new_name) = (self.new_name.clone(), self.old_name.clone());
        Ok(Operation::RenameModel(RenameModel { old_name, new_name }))
    }

    fn sql(
        &self,
        editor: &dyn SchemaEditor,
        app: &str,
        before: &ProjectState,
        after: &ProjectState,
    ) -> Result<Vec<String>, StateError> {
        Ok(editor.rename_table(model_in(before, app, &self.old_name)?, model_in(after, app, &self.new_name)?))
    }
}

/// Gives the model an explicit table name, renaming the table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlterModelTable {
    /// The model, by name.
    pub name: String,
    /// The new table name.
    pub table: String,
}

impl Change for AlterModelTable {
    fn state_forwards(&self, app: &str, state: &mut ProjectState) -> Result<(), StateError> {
        let AlterModelTable { name, table } = self;
        let model = model_mut(state, app, name)?;
        let old_table = std::mem::replace(&mut model.table, table.clone());
        model.rename_derived_names(&old_table, None);
        state.update_references(app, name, |target| target.to_table.clone_from(table));
        Ok(())
    }

    fn describe(&self) -> String {
        format!("Rename table for {} to {}", self.name, self.table)
    }

    fn name_fragment(&self) -> String {
        format!("alter_{}_table", self.name.to_lowercase())
    }

    fn model_name(&self) -> Option<&str> {
        Some(&self.name)
    }

    fn inverse(&self, app: &str, before: &ProjectState) -> Result<Operation, StateError> {
        let table = model_in(before, app, &self.name)?.table.clone();
        Ok(Operation::AlterModelTable(AlterModelTable { name: self.name.clone(), table }))
    }

    fn sql(
        &self,
        editor: &dyn SchemaEditor,
        app: &str,
        before: &ProjectState,
        after: &ProjectState,
    ) -> Result<Vec<String>, StateError> {
        Ok(editor.rename_table(model_in(before, app, &self.name)?, model_in(after, app, &self.name)?))
    }
}

/// Sets or clears the table's comment (`db_comment` on the model).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlterModelComment {
    /// The model, by name.
    pub name: String,
    /// The comment; `None` clears it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

impl Change for AlterModelComment {
    fn state_forwards(&self, app: &str, state: &mut ProjectState) -> Result<(), StateError> {
        model_mut(state, app, &self.name)?.db_comment.clone_from(&self.comment);
        Ok(())
    }

    fn describe(&self) -> String {
        format!("Alter the comment of {}", self.name)
    }

    fn name_fragment(&self) -> String {
        format!("alter_{}_comment", self.name.to_lowercase())
    }

    fn model_name(&self) -> Option<&str> {
        Some(&self.name)
    }

    fn inverse(&self, app: &str, before: &ProjectState) -> Result<Operation, StateError> {
        let comment = model_in(before, app, &self.name)?.db_comment.clone();
        Ok(Operation::AlterModelComment(AlterModelComment { name: self.name.clone(), comment }))
    }

    fn sql(
        &self,
        editor: &dyn SchemaEditor,
        app: &str,
        _before: &ProjectState,
        after: &ProjectState,
    ) -> Result<Vec<String>, StateError> {
        Ok(editor.alter_table_comment(model_in(after, app, &self.name)?, self.comment.as_deref()))
    }
}
