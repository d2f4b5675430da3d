//! The project state: every model of every app, as the migrations replay to.
//!
//! Models sit behind `Arc`, so cloning a state copies pointers and an operation copies only the model it
//! changes: replaying hundreds of migrations, or keeping the state before each step of a backwards plan,
//! stays cheap.

use crate::schema::{FieldSchema, ModelSchema};
use std::collections::BTreeMap;
use std::sync::Arc;

/// A model's key in the state: its app label and its name.
pub type ModelKey = (String, String);

/// The models as a point in the migration history has them: what migrations replay to and what
/// `makemigrations` diffs against.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProjectState {
    models: BTreeMap<ModelKey, Arc<ModelSchema>>,
}

impl ProjectState {
    /// A state without models.
    pub fn new() -> Self {
        ProjectState::default()
    }

    /// The state of these models, as `Model::schema()` gives them.
    pub fn from_models<'a>(models: impl IntoIterator<Item = &'a ModelSchema>) -> Self {
        let mut state = ProjectState::new();
        for model in models {
            state.insert(model.clone());
        }
        state
    }

    /// Model `name` of `app`.
    pub fn model(&self, app: &str, name: &str) -> Option<&ModelSchema> {
        self.models.get(&(app.to_owned(), name.to_owned())).map(Arc::as_ref)
    }

    /// The model to change, copied only if another state shares it.
    pub fn model_mut(&mut self, app: &str, name: &str) -> Option<&mut ModelSchema> {
        self.models.get_mut(&(app.to_owned(), name.to_owned())).map(Arc::make_mut)
    }

    /// Adds `model`, replacing one with its app and name.
    pub fn insert(&mut self, model: ModelSchema) {
        self.models.insert((model.app.clone(), model.name.clone()), Arc::new(model));
    }

    /// Removes model `name` of `app` and hands it back.
    pub fn remove(&mut self, app: &str, name: &str) -> Option<ModelSchema> {
        self.models.remove(&(app.to_owned(), name.to_owned())).map(Arc::unwrap_or_clone)
    }

    /// Every model, ordered by app and name.
    pub fn models(&self) -> impl Iterator<Item = &ModelSchema> {
        self.models.values().map(Arc::as_ref)
    }

    /// The models of `app`, ordered by name.
    pub fn app_models<'a>(&'a self, app: &'a str) -> impl Iterator<Item = &'a ModelSchema> {
        self.models().filter(move |model| model.app == app)
    }

    /// Points each foreign key of `fields` at its target's table as this state has it: a migration file
    /// states the table when it was written, and a later rename makes that name stale. A target missing
    /// from the state keeps the name the file gives.
    pub fn resolve_foreign_keys<'a>(&self, fields: impl IntoIterator<Item = &'a mut FieldSchema>) {
        for target in fields.into_iter().filter_map(|field| field.foreign_key.as_mut()) {
            if let Some(model) = self.model(&target.to_app, &target.to_model) {
                target.to_table.clone_from(&model.table);
            }
        }
    }

    /// Applies `change` to every field of every model that references `app.model`.
    pub fn update_references(
        &mut self,
        app: &str,
        model: &str,
        mut change: impl FnMut(&mut crate::schema::ForeignKeySchema),
    ) {
        let referencing: Vec<ModelKey> = self
            .models
            .iter()
            .filter(|(_, schema)| schema.fields.iter().any(|field| field.points_at(app, model)))
            .map(|(key, _)| key.clone())
            .collect();
        for key in referencing {
            let Some(schema) = self.models.get_mut(&key).map(Arc::make_mut) else { continue };
            for field in &mut schema.fields {
                if let Some(target) = field.foreign_key.as_mut().filter(|target| target.targets(app, model)) {
                    change(target);
                }
            }
        }
    }
}
