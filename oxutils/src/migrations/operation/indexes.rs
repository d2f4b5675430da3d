//! Operations on a model's indexes and constraints.

use super::{Change, Operation, StateError, missing_constraint, missing_index, model_in, model_mut};
use crate::migrations::schema_editor::SchemaEditor;
use crate::migrations::state::ProjectState;
use crate::schema::{ConstraintSchema, IndexSchema};
use serde::{Deserialize, Serialize};

/// Creates an index over several columns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddIndex {
    /// The model, by name.
    pub model: String,
    /// The index.
    pub index: IndexSchema,
}

impl Change for AddIndex {
    fn state_forwards(&self, app: &str, state: &mut ProjectState) -> Result<(), StateError> {
        model_mut(state, app, &self.model)?.indexes.push(self.index.clone());
        Ok(())
    }

    fn describe(&self) -> String {
        format!("Create index {} on {}", self.index.name, self.model)
    }

    fn name_fragment(&self) -> String {
        self.index.name.clone()
    }

    fn model_name(&self) -> Option<&str> {
        Some(&self.model)
    }

    fn inverse(&self, _app: &str, _before: &ProjectState) -> Result<Operation, StateError> {
        Ok(Operation::RemoveIndex(RemoveIndex { model: self.model.clone(), name: self.index.name.clone() }))
    }

    fn sql(
        &self,
        editor: &dyn SchemaEditor,
        app: &str,
        _before: &ProjectState,
        after: &ProjectState,
    ) -> Result<Vec<String>, StateError> {
        Ok(editor.add_index(model_in(after, app, &self.model)?, &self.index))
    }
}

/// Drops an index.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RemoveIndex {
    /// The model, by name.
    pub model: String,
    /// The index, by name.
    pub name: String,
}

impl Change for RemoveIndex {
    fn state_forwards(&self, app: &str, state: &mut ProjectState) -> Result<(), StateError> {
        let schema = model_mut(state, app, &self.model)?;
        let position = schema.indexes.iter().position(|index| index.name == self.name);
        schema.indexes.remove(position.ok_or_else(|| missing_index(app, &self.model, &self.name))?);
        Ok(())
    }

    fn describe(&self) -> String {
        format!("Remove index {} from {}", self.name, self.model)
    }

    fn name_fragment(&self) -> String {
        format!("remove_{}_{}", self.model.to_lowercase(), self.name)
    }

    fn model_name(&self) -> Option<&str> {
        Some(&self.model)
    }

    fn inverse(&self, app: &str, before: &ProjectState) -> Result<Operation, StateError> {
        let found = model_in(before, app, &self.model)?.indexes.iter().find(|index| index.name == self.name);
        let found = found.ok_or_else(|| missing_index(app, &self.model, &self.name))?;
        Ok(Operation::AddIndex(AddIndex { model: self.model.clone(), index: found.clone() }))
    }

    fn sql(
        &self,
        editor: &dyn SchemaEditor,
        app: &str,
        before: &ProjectState,
        _after: &ProjectState,
    ) -> Result<Vec<String>, StateError> {
        let old = model_in(before, app, &self.model)?;
        let columns = old.indexes.iter().find(|index| index.name == self.name).map(|found| &found.columns);
        Ok(editor.remove_index(old, &self.name, columns.map_or(&[][..], Vec::as_slice)))
    }
}

/// Adds a unique or CHECK constraint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddConstraint {
    /// The model, by name.
    pub model: String,
    /// The constraint.
    pub constraint: ConstraintSchema,
}

impl Change for AddConstraint {
    fn state_forwards(&self, app: &str, state: &mut ProjectState) -> Result<(), StateError> {
        model_mut(state, app, &self.model)?.constraints.push(self.constraint.clone());
        Ok(())
    }

    fn describe(&self) -> String {
        format!("Create constraint {} on {}", self.constraint.name(), self.model)
    }

    fn name_fragment(&self) -> String {
        self.constraint.name().to_owned()
    }

    fn model_name(&self) -> Option<&str> {
        Some(&self.model)
    }

    fn inverse(&self, _app: &str, _before: &ProjectState) -> Result<Operation, StateError> {
        let name = self.constraint.name().to_owned();
        Ok(Operation::RemoveConstraint(RemoveConstraint { model: self.model.clone(), name }))
    }

    fn sql(
        &self,
        editor: &dyn SchemaEditor,
        app: &str,
        before: &ProjectState,
        after: &ProjectState,
    ) -> Result<Vec<String>, StateError> {
        let (old, new) = (model_in(before, app, &self.model)?, model_in(after, app, &self.model)?);
        Ok(editor.add_constraint(old, new, &self.constraint))
    }
}

/// Drops a constraint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RemoveConstraint {
    /// The model, by name.
    pub model: String,
    /// The constraint, by name.
    pub name: String,
}

impl RemoveConstraint {
    fn removed<'a>(&self, app: &str, before: &'a ProjectState) -> Result<&'a ConstraintSchema, StateError> {
        let found = model_in(before, app, &self.model)?.constraints.iter().find(|c| c.name() == self.name);
        found.ok_or_else(|| missing_constraint(app, &self.model, &self.name))
    }
}

impl Change for RemoveConstraint {
    fn state_forwards(&self, app: &str, state: &mut ProjectState) -> Result<(), StateError> {
        let schema = model_mut(state, app, &self.model)?;
        let position = schema.constraints.iter().position(|constraint| constraint.name() == self.name);
        let position = position.ok_or_else(|| missing_constraint(app, &self.model, &self.name))?;
        schema.constraints.remove(position);
        Ok(())
    }

    fn describe(&self) -> String {
        format!("Remove constraint {} from {}", self.name, self.model)
    }

    fn name_fragment(&self) -> String {
        format!("remove_{}_{}", self.model.to_lowercase(), self.name)
    }

    fn model_name(&self) -> Option<&str> {
        Some(&self.model)
    }

    fn inverse(&self, app: &str, before: &ProjectState) -> Result<Operation, StateError> {
        let constraint = self.removed(app, before)?.clone();
        Ok(Operation::AddConstraint(AddConstraint { model: self.model.clone(), constraint }))
    }

    fn sql(
        &self,
        editor: &dyn SchemaEditor,
        app: &str,
        before: &ProjectState,
        after: &ProjectState,
    ) -> Result<Vec<String>, StateError> {
        let (old, new) = (model_in(before, app, &self.model)?, model_in(after, app, &self.model)?);
        Ok(editor.remove_constraint(old, new, self.removed(app, before)?))
    }
}
