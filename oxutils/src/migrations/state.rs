//! The project state: every model of every app, as the migrations replay to.
//!
//! The state is a persistent map (`imbl::OrdMap`) of models behind `Arc`: cloning a state is a pointer
//! copy whatever its size, and an operation copies only the model it changes and the map's path to it.
//! `migrate` keeps the state before each operation it runs; with a plain map that was a copy of every key
//! and pointer per operation, quadratic in the models of an initial migration.

use crate::schema::{FieldSchema, ModelSchema};
use imbl::OrdMap;
use std::sync::Arc;

/// A model's key in the state: its app label and its name.
pub type ModelKey = (String, String);

/// The models as a point in the migration history has them: what migrations replay to and what
/// `makemigrations` diffs against.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProjectState {
    /// By app label, then by model name: looked up by `&str` without building a key.
    apps: OrdMap<String, OrdMap<String, Arc<ModelSchema>>>,
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
        self.apps.get(app)?.get(name).map(Arc::as_ref)
    }

    /// The model to change, copied only if another state shares it.
    pub fn model_mut(&mut self, app: &str, name: &str) -> Option<&mut ModelSchema> {
        self.apps.get_mut(app)?.get_mut(name).map(Arc::make_mut)
    }

    /// Adds `model`, replacing one with its app and name.
    pub fn insert(&mut self, model: ModelSchema) {
        let models = self.apps.entry(model.app.clone()).or_default();
        models.insert(model.name.clone(), Arc::new(model));
    }

    /// Removes model `name` of `app` and hands it back.
    pub fn remove(&mut self, app: &str, name: &str) -> Option<ModelSchema> {
        let models = self.apps.get_mut(app)?;
        let removed = models.remove(name).map(Arc::unwrap_or_clone);
        if models.is_empty() {
            self.apps.remove(app);
        }
        removed
    }

    /// Every model, ordered by app and name.
    pub fn models(&self) -> impl Iterator<Item = &ModelSchema> {
        self.apps.values().flat_map(|models| models.values().map(Arc::as_ref))
    }

    /// The models of `app`, ordered by name.
    pub fn app_models<'a>(&'a self, app: &'a str) -> impl Iterator<Item = &'a ModelSchema> {
        self.apps.get(app).into_iter().flat_map(|models| models.values().map(Arc::as_ref))
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
            .models()
            .filter(|schema| schema.fields.iter().any(|field| field.points_at(app, model)))
            .map(|schema| (schema.app.clone(), schema.name.clone()))
            .collect();
        for (referencing_app, referencing_model) in referencing {
            let Some(schema) = self.model_mut(&referencing_app, &referencing_model) else { continue };
            for field in &mut schema.fields {
                if let Some(target) = field.foreign_key.as_mut().filter(|target| target.targets(app, model)) {
                    change(target);
                }
            }
        }
    }
}
