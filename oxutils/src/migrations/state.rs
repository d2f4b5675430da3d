//! The project state: every model of every app, as the migrations replay to.
//!
//! The state is a persistent map (`imbl::OrdMap`) of models behind `Arc`: cloning a state is a pointer
//! copy whatever its size, and an operation copies only the model it changes and the map's path to it.
//! `migrate` keeps the state before each operation it runs; with a plain map that was a copy of every key
//! and pointer per operation, quadratic in the models of an initial migration.
//!
//! The state also keeps, for each model, the models that may point at it (`referrers`), so that creating
//! or renaming a model finds the keys to it without reading every field of every model: that search made
//! replaying an initial migration quadratic too (two thirds of replaying 500 models).

use crate::schema::{FieldSchema, ModelSchema};
use imbl::{OrdMap, OrdSet};
use std::sync::Arc;

/// A model's key in the state: its app label and its name.
pub type ModelKey = (String, String);

/// The models as a point in the migration history has them: what migrations replay to and what
/// `makemigrations` diffs against.
#[derive(Clone, Default)]
pub struct ProjectState {
    /// By app label, then by model name: looked up by `&str` without building a key.
    apps: OrdMap<String, OrdMap<String, Arc<ModelSchema>>>,
    /// For each model, the models that may point at it: every model inserted with a key to it, and every
    /// model `model_mut` handed out, once `update_references` has read it again (`changed`). An entry may
    /// outlive its key or its model, so each is checked where it is used; no key is ever missing.
    referrers: OrdMap<ModelKey, OrdSet<ModelKey>>,
    /// Models handed out by `model_mut` since `update_references` last read them: a change may have given
    /// them a key to another model.
    changed: OrdSet<ModelKey>,
}

/// Two states are equal when their models are: the referrer index is how a state finds them, not what it
/// holds.
impl PartialEq for ProjectState {
    fn eq(&self, other: &Self) -> bool {
        self.apps == other.apps
    }
}

impl std::fmt::Debug for ProjectState {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("ProjectState").field("apps", &self.apps).finish()
    }
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
        let slot = self.apps.get_mut(app)?.get_mut(name)?;
        if Arc::get_mut(slot).is_none() {
            *slot = Arc::new(copy_with_room(slot));
        }
        let model = Arc::get_mut(slot)?;
        self.changed.insert((app.to_owned(), name.to_owned()));
        Some(model)
    }

    /// Adds `model`, replacing one with its app and name.
    pub fn insert(&mut self, model: ModelSchema) {
        self.insert_shared(Arc::new(model));
    }

    /// Adds `model` without copying it (a `CreateModel` shares its model with the states it makes),
    /// replacing one with its app and name.
    pub fn insert_shared(&mut self, model: Arc<ModelSchema>) {
        index_keys(&mut self.referrers, &model);
        let models = self.apps.entry(model.app.clone()).or_default();
        models.insert(model.name.clone(), model);
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

    /// Whether [`ProjectState::resolve_foreign_keys`] would change a key of `fields`: mostly not, and then
    /// the fields need no copy.
    pub fn has_unresolved_keys(&self, fields: &[FieldSchema]) -> bool {
        fields.iter().filter_map(|field| field.foreign_key.as_ref()).any(|target| {
            self.model(&target.to_app, &target.to_model).is_some_and(|model| model.table != target.to_table)
        })
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

    /// Applies `change` to every field of every model that references `app.model`, in the order of the
    /// referencing models' apps and names.
    pub fn update_references(
        &mut self,
        app: &str,
        model: &str,
        mut change: impl FnMut(&mut crate::schema::ForeignKeySchema),
    ) {
        for (changed_app, changed_model) in std::mem::take(&mut self.changed) {
            if let Some(schema) = self.apps.get(&changed_app).and_then(|models| models.get(&changed_model)) {
                index_keys(&mut self.referrers, schema);
            }
        }
        let Some(candidates) = self.referrers.get(&(app.to_owned(), model.to_owned())).cloned() else {
            return;
        };
        for (referencing_app, referencing_model) in candidates {
            let points = self
                .model(&referencing_app, &referencing_model)
                .is_some_and(|schema| schema.fields.iter().any(|field| field.points_at(app, model)));
            if !points {
                continue;
            }
            let Some(schema) = self.model_mut(&referencing_app, &referencing_model) else { continue };
            for field in &mut schema.fields {
                if let Some(target) = field.foreign_key.as_mut().filter(|target| target.targets(app, model)) {
                    change(target);
                }
            }
        }
    }
}

/// A copy of `model` with room for one more field: most changes add one, and a copy that fit exactly was
/// copied again by the push (at 500 models, a change adding a field to each made 4.7 MB of fields where
/// 2.5 MB were needed).
fn copy_with_room(model: &ModelSchema) -> ModelSchema {
    let mut fields = Vec::with_capacity(model.fields.len() + 1);
    fields.extend(model.fields.iter().cloned());
    ModelSchema {
        app: model.app.clone(),
        name: model.name.clone(),
        table: model.table.clone(),
        db_comment: model.db_comment.clone(),
        fields,
        indexes: model.indexes.clone(),
        constraints: model.constraints.clone(),
    }
}

/// Notes in `referrers` each model `schema`'s keys point at.
fn index_keys(referrers: &mut OrdMap<ModelKey, OrdSet<ModelKey>>, schema: &ModelSchema) {
    for target in schema.fields.iter().filter_map(|field| field.foreign_key.as_ref()) {
        referrers
            .entry((target.to_app.clone(), target.to_model.clone()))
            .or_default()
            .insert((schema.app.clone(), schema.name.clone()));
    }
}

#[cfg(test)]
mod tests {
    use super::ProjectState;
    use crate::schema::{ColumnType, FieldSchema, ForeignKeySchema, ModelSchema};

    fn key_to(model: &str) -> FieldSchema {
        let mut field = FieldSchema::new(model.to_lowercase(), ColumnType::BigInteger, true);
        field.foreign_key = Some(ForeignKeySchema::cascading_to("shop", model));
        field
    }

    fn model(name: &str, fields: Vec<FieldSchema>) -> ModelSchema {
        ModelSchema {
            app: "shop".into(),
            name: name.into(),
            table: format!("shop_{}", name.to_lowercase()),
            db_comment: None,
            fields,
            indexes: vec![],
            constraints: vec![],
        }
    }

    fn targets(state: &ProjectState, name: &str) -> Vec<(String, String)> {
        let fields = &state.model("shop", name).unwrap().fields;
        let keys = fields.iter().filter_map(|field| field.foreign_key.as_ref());
        keys.map(|key| (key.to_model.clone(), key.to_table.clone())).collect()
    }

    #[test]
    fn keys_are_found_whether_inserted_before_their_target_or_added_to_a_model_later() {
        let mut state = ProjectState::new();
        // A key to a model that does not exist yet, and a key of a model to itself.
        state.insert(model("Book", vec![key_to("Author")]));
        state.insert(model("Author", vec![key_to("Author")]));
        state.update_references("shop", "Author", |key| key.to_table = "shop_writer".into());
        assert_eq!(targets(&state, "Book"), [("Author".into(), "shop_writer".into())]);
        assert_eq!(targets(&state, "Author"), [("Author".into(), "shop_writer".into())]);
        // A key given to a model after it was inserted, as AddField does.
        state.insert(model("Shelf", vec![]));
        state.model_mut("shop", "Shelf").unwrap().fields.push(key_to("Author"));
        state.update_references("shop", "Author", |key| key.to_model = "Writer".into());
        for name in ["Author", "Book", "Shelf"] {
            assert_eq!(targets(&state, name)[0].0, "Writer", "{name}");
        }
        // The keys now name the renamed model, and are found by its new name.
        state.update_references("shop", "Writer", |key| key.to_table = "shop_person".into());
        for name in ["Author", "Book", "Shelf"] {
            assert_eq!(targets(&state, name)[0], ("Writer".into(), "shop_person".into()), "{name}");
        }
        // A state equals one with the same models, however each came to its index.
        let mut same = ProjectState::new();
        for name in ["Author", "Book", "Shelf"] {
            same.insert(state.model("shop", name).unwrap().clone());
        }
        assert_eq!(same, state);
    }
}
