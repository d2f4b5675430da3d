//! Random model evolutions over three apps. Each step makes a few changes to the world, as a developer
//! would between two `makemigrations` runs, and says what it did: the changes the expected rows follow
//! and the answers the questioner gives. A change that could not apply to the rows as they are (unique
//! over duplicates, a key to rows that do not exist) is not made; a renamed model or field is changed in
//! no other way in its step, so the rename is detectable.

use super::rng::Rng;
use super::rows::Expectation;
use super::world::{APPS, Check, Composite, GenField, GenModel, Kind, Target, Val, World};
use oxutils::schema::{Literal, OnDelete};
use std::collections::{BTreeMap, BTreeSet};

/// What a step did to the rows' shape.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    CreateModel {
        model: u32,
    },
    DeleteModel {
        model: u32,
    },
    /// Existing rows get `fill`: the backfill, the default, or NULL.
    AddField {
        model: u32,
        field: u32,
        fill: Val,
    },
    RemoveField {
        model: u32,
        field: u32,
    },
    /// The field became NOT NULL: rows holding NULL get `value`.
    FillNulls {
        model: u32,
        field: u32,
        value: Val,
    },
}

/// What the questioner answers, by the names after the step.
#[derive(Debug, Clone, Default)]
pub struct Answers {
    /// (app, old name, new name).
    pub model_renames: BTreeSet<(String, String, String)>,
    /// (app, model, old name, new name).
    pub field_renames: BTreeSet<(String, String, String, String)>,
    /// (app, model, field) to the one-off value of a new NOT NULL field.
    pub not_null_defaults: BTreeMap<(String, String, String), Literal>,
    /// (app, model, field) to the value rows holding NULL get when the field becomes NOT NULL.
    pub not_null_alterations: BTreeMap<(String, String, String), Literal>,
    /// (app, model, field) made NOT NULL over rows that hold no NULL: the questioner answers "Ignore".
    pub not_null_ignores: BTreeSet<(String, String, String)>,
}

#[derive(Debug, Clone, Default)]
pub struct StepPlan {
    pub changes: Vec<Change>,
    pub answers: Answers,
    /// One line per change, for the report of a failing step.
    pub log: Vec<String>,
}

/// What may still change in the current step.
#[derive(Default)]
struct StepState {
    plan: StepPlan,
    /// Models created, renamed or given a new table this step: nothing else of theirs changes.
    frozen: BTreeSet<u32>,
    created: BTreeSet<u32>,
    /// Models changed in any way this step: they are not renamed.
    touched: BTreeSet<u32>,
    /// Fields changed or renamed this step, by (model, field).
    touched_fields: BTreeSet<(u32, u32)>,
    /// (a, b): app a's new migration depends on app b's; kept acyclic.
    depends: BTreeSet<(&'static str, &'static str)>,
}

impl StepState {
    /// Records that `from`'s migration depends on `to`'s, unless that closes a cycle.
    fn depend(&mut self, from: &'static str, to: &'static str) -> bool {
        if from == to || self.depends.contains(&(from, to)) {
            return true;
        }
        let reaches = |start: &str, goal: &str, depends: &BTreeSet<(&str, &str)>| {
            depends.contains(&(start, goal))
                || APPS.iter().any(|via| depends.contains(&(start, via)) && depends.contains(&(via, goal)))
        };
        if reaches(to, from, &self.depends) {
            return false;
        }
        self.depends.insert((from, to));
        true
    }
}

/// Which classes of change are generated; the replay env vars leave them all on.
#[derive(Debug, Clone, Copy)]
pub struct Classes {
    pub rename_models_with_keys: bool,
}

impl Default for Classes {
    fn default() -> Self {
        Classes { rename_models_with_keys: true }
    }
}

pub struct Generator {
    pub rng: Rng,
    pub world: World,
    pub classes: Classes,
    next_id: u32,
    next_value: i64,
}

const ON_DELETE: [OnDelete; 5] =
    [OnDelete::Cascade, OnDelete::SetNull, OnDelete::Restrict, OnDelete::NoAction, OnDelete::SetDefault];

/// Whether a key may take the action: SET NULL needs a nullable column, SET DEFAULT a default.
fn action_fits(action: OnDelete, nullable: bool, default: &Option<Val>) -> bool {
    match action {
        OnDelete::SetNull => nullable,
        OnDelete::SetDefault => default.is_some(),
        _ => true,
    }
}

impl Generator {
    pub fn new(seed: u64) -> Self {
        Generator {
            rng: Rng::new(seed),
            world: World::default(),
            classes: Classes::default(),
            next_id: 1,
            next_value: 0,
        }
    }

    fn id(&mut self) -> u32 {
        self.next_id += 1;
        self.next_id
    }

    /// A fresh value of the kind; integers and text never repeat, so unique sets hold over seeded rows.
    pub fn value(&mut self, kind: Kind) -> Val {
        self.next_value += 1;
        let n = self.next_value % 30_000;
        match kind {
            Kind::Small | Kind::Int | Kind::Big => Val::Int(n),
            Kind::Varchar(_) | Kind::Text => Val::Text(format!("v{n}")),
            Kind::Bool => Val::Bool(self.rng.chance(50)),
            Kind::Float | Kind::Double => Val::Quarters(n),
            Kind::Date => Val::Date(date(n)),
            Kind::DateTime => {
                Val::DateTime(format!("{} {:02}:{:02}:{:02}", date(n), n % 24, n % 60, (n / 7) % 60))
            }
            Kind::Json => Val::Json(serde_json::json!({ "k": n, "tags": [format!("t{n}")] }).to_string()),
            Kind::Binary => Val::Bytes(format!("{:04x}00ff", n)),
        }
    }

    /// A value the field accepts: one of its choices, or a fresh value of its kind.
    pub fn field_value(&mut self, field: &GenField) -> Val {
        match &field.choices {
            Some(choices) => Val::Text(self.rng.pick(choices).expect("a choice field has choices").clone()),
            None => self.value(field.kind),
        }
    }

    fn choices(&mut self) -> Vec<String> {
        let count = 2 + self.rng.below(3);
        (0..count).map(|_| format!("c{}", self.id())).collect()
    }

    /// The first step creates two models per app; later steps make one to three changes.
    pub fn step(&mut self, rows: &Expectation) -> StepPlan {
        let mut step = StepState::default();
        if self.world.models.is_empty() {
            for app in APPS {
                for _ in 0..2 {
                    self.create_model(&mut step, Some(app), rows);
                }
            }
            return step.plan;
        }
        let wanted = 1 + self.rng.below(3);
        let mut made = 0;
        for _ in 0..60 {
            if made == wanted {
                break;
            }
            if self.mutate(&mut step, rows) {
                made += 1;
            }
        }
        step.plan
    }

    fn mutate(&mut self, step: &mut StepState, rows: &Expectation) -> bool {
        match self.rng.below(100) {
            0..=7 => self.create_model(step, None, rows),
            8..=11 => self.delete_model(step),
            12..=18 => self.rename_model(step),
            19..=23 => self.retable(step),
            24..=37 => self.add_field(step, rows),
            38..=44 => self.remove_field(step),
            45..=52 => self.rename_field(step),
            53..=78 => self.alter_field(step, rows),
            79..=85 => self.composite_index(step),
            86..=91 => self.unique_together(step, rows),
            92..=93 => self.model_comment(step),
            _ => self.check(step),
        }
    }

    /// A model that may change this step: not frozen.
    fn changeable_model(&mut self, step: &StepState) -> Option<u32> {
        let ids: Vec<u32> =
            self.world.models.iter().map(|model| model.id).filter(|id| !step.frozen.contains(id)).collect();
        self.rng.pick(&ids).copied()
    }

    /// A field of a changeable model, untouched this step, with the model's id.
    fn changeable_field(
        &mut self,
        step: &StepState,
        filter: impl Fn(&GenField) -> bool,
    ) -> Option<(u32, u32)> {
        let candidates: Vec<(u32, u32)> = self
            .world
            .models
            .iter()
            .filter(|model| !step.frozen.contains(&model.id))
            .flat_map(|model| model.fields.iter().map(move |field| (model.id, field)))
            .filter(|(model, field)| !step.touched_fields.contains(&(*model, field.id)) && filter(field))
            .map(|(model, field)| (model, field.id))
            .collect();
        self.rng.pick(&candidates).copied()
    }

    fn names(&self, model: u32, field: u32) -> (String, String, String) {
        let model = self.world.model(model).expect("the model exists");
        let field = model.field(field).expect("the field exists");
        (model.app.to_owned(), model.name.clone(), field.name.clone())
    }

    fn new_field(
        &mut self,
        step: &mut StepState,
        app: &'static str,
        own: u32,
        rows: &Expectation,
    ) -> GenField {
        let id = self.id();
        let comment = self.rng.chance(10).then(|| format!("note {id}"));
        if self.rng.chance(25) {
            let mut targets: Vec<u32> = self.world.models.iter().map(|model| model.id).collect();
            targets.push(own);
            let target = *self.rng.pick(&targets).expect("at least the model itself");
            let target_app = self.world.model(target).map_or(app, |model| model.app);
            if step.depend(app, target_app) {
                let target_ids = if target == own { Vec::new() } else { rows.ids(target) };
                // NOT NULL only to rows that exist, SET DEFAULT only with a default that is one of them.
                let nullable = target_ids.is_empty() || self.rng.chance(60);
                let default = match self.rng.pick(&target_ids) {
                    Some(row) if self.rng.chance(30) => Some(Val::Int(*row)),
                    _ => None,
                };
                let actions: Vec<OnDelete> =
                    ON_DELETE.iter().copied().filter(|a| action_fits(*a, nullable, &default)).collect();
                let on_delete = *self.rng.pick(&actions).expect("at least CASCADE");
                return GenField {
                    id,
                    name: format!("k{id}"),
                    kind: Kind::Big,
                    nullable,
                    default,
                    unique: false,
                    index: self.rng.chance(80),
                    target: Some(Target { model: target, on_delete }),
                    choices: None,
                    comment,
                };
            }
        }
        let kinds = [
            Kind::Small,
            Kind::Int,
            Kind::Big,
            Kind::Varchar(8 + 4 * self.rng.below(8) as u32),
            Kind::Varchar(8 + 4 * self.rng.below(8) as u32),
            Kind::Text,
            Kind::Bool,
            Kind::Float,
            Kind::Double,
            Kind::Date,
            Kind::DateTime,
            Kind::Json,
            Kind::Binary,
        ];
        let kind = *self.rng.pick(&kinds).expect("kinds");
        let choices = (matches!(kind, Kind::Varchar(_)) && self.rng.chance(30)).then(|| self.choices());
        let nullable = self.rng.chance(50);
        let mut field = GenField {
            id,
            name: format!("f{id}"),
            kind,
            nullable,
            default: None,
            unique: false,
            index: false,
            target: None,
            choices,
            comment,
        };
        if self.rng.chance(40) {
            field.default = Some(self.field_value(&field));
        }
        field.unique = nullable
            && field.default.is_none()
            && kind.uniqueable()
            && field.choices.is_none()
            && self.rng.chance(20);
        field.index = kind.indexable() && !field.unique && self.rng.chance(15);
        field
    }

    fn create_model(&mut self, step: &mut StepState, app: Option<&'static str>, rows: &Expectation) -> bool {
        let app = app.unwrap_or_else(|| *self.rng.pick(&APPS).expect("three apps"));
        let id = self.id();
        let custom_table = self.rng.chance(20).then(|| format!("{app}_tab{id}"));
        let mut model = GenModel {
            id,
            app,
            name: format!("Model{id}"),
            custom_table,
            fields: Vec::new(),
            indexes: Vec::new(),
            uniques: Vec::new(),
            checks: Vec::new(),
            comment: self.rng.chance(15).then(|| format!("model {id}")),
        };
        for _ in 0..1 + self.rng.below(3) {
            let field = self.new_field(step, app, id, rows);
            model.fields.push(field);
        }
        let indexable: Vec<u32> =
            model.fields.iter().filter(|field| field.kind.indexable()).map(|field| field.id).collect();
        if indexable.len() >= 2 && self.rng.chance(25) {
            model
                .indexes
                .push(Composite { name: format!("{app}_ix{}", self.id()), fields: indexable[..2].to_vec() });
        }
        step.plan.log.push(format!("create {app}.{} ({})", model.name, model.table()));
        self.world.models.push(model);
        step.plan.changes.push(Change::CreateModel { model: id });
        step.frozen.insert(id);
        step.created.insert(id);
        step.touched.insert(id);
        true
    }

    fn delete_model(&mut self, step: &mut StepState) -> bool {
        let ids: Vec<u32> =
            self.world.models.iter().map(|model| model.id).filter(|id| !step.touched.contains(id)).collect();
        let Some(&doomed) = self.rng.pick(&ids) else { return false };
        let app = self.world.model(doomed).expect("picked").app;
        // The keys that point at it go too, in models that may change.
        let referencing: Vec<(u32, u32, &'static str)> = self
            .world
            .models
            .iter()
            .filter(|model| model.id != doomed)
            .flat_map(|model| {
                model
                    .fields
                    .iter()
                    .filter(|field| field.target.is_some_and(|t| t.model == doomed))
                    .map(move |field| (model.id, field.id, model.app))
            })
            .collect();
        if referencing.iter().any(|(model, field, _)| {
            step.frozen.contains(model) || step.touched_fields.contains(&(*model, *field))
        }) {
            return false;
        }
        let mut depends = step.depends.clone();
        for (_, _, other) in &referencing {
            if !step.depend(app, other) {
                step.depends = std::mem::take(&mut depends);
                return false;
            }
        }
        for (model, field, _) in referencing {
            self.drop_field(step, model, field);
        }
        let model = self.world.model(doomed).expect("picked");
        step.plan.log.push(format!("delete {app}.{}", model.name));
        self.world.models.retain(|model| model.id != doomed);
        step.plan.changes.push(Change::DeleteModel { model: doomed });
        step.frozen.insert(doomed);
        step.touched.insert(doomed);
        true
    }

    fn rename_model(&mut self, step: &mut StepState) -> bool {
        let allow_keys = self.classes.rename_models_with_keys;
        let ids: Vec<u32> = self
            .world
            .models
            .iter()
            .filter(|model| !step.touched.contains(&model.id))
            .filter(|model| allow_keys || model.fields.iter().all(|field| field.target.is_none()))
            .map(|model| model.id)
            .collect();
        let Some(&id) = self.rng.pick(&ids) else { return false };
        // The rename's migration depends on those of the apps whose keys name the model.
        let app = self.world.model(id).expect("picked").app;
        let pointing: BTreeSet<&'static str> = self
            .world
            .models
            .iter()
            .filter(|model| model.fields.iter().any(|field| field.target.is_some_and(|t| t.model == id)))
            .map(|model| model.app)
            .collect();
        let saved = step.depends.clone();
        if !pointing.iter().all(|other| step.depend(app, other)) {
            step.depends = saved;
            return false;
        }
        let new_name = format!("Renamed{}", self.id());
        let model = self.world.model_mut(id).expect("picked");
        let old_name = std::mem::replace(&mut model.name, new_name.clone());
        step.plan.log.push(format!(
            "rename model {}.{old_name} to {new_name} ({})",
            model.app,
            model.table()
        ));
        step.plan.answers.model_renames.insert((model.app.to_owned(), old_name, new_name));
        self.freeze_with_keys(step, id);
        true
    }

    /// A renamed or re-tabled model changes in no other way this step, nor do the keys that point at it.
    fn freeze_with_keys(&mut self, step: &mut StepState, id: u32) {
        step.frozen.insert(id);
        step.touched.insert(id);
        for model in &self.world.models {
            for field in &model.fields {
                if field.target.is_some_and(|target| target.model == id) {
                    step.touched_fields.insert((model.id, field.id));
                }
            }
        }
    }

    fn retable(&mut self, step: &mut StepState) -> bool {
        let ids: Vec<u32> =
            self.world.models.iter().map(|model| model.id).filter(|id| !step.touched.contains(id)).collect();
        let Some(&id) = self.rng.pick(&ids) else { return false };
        let fresh = self.id();
        let model = self.world.model_mut(id).expect("picked");
        let before = model.table();
        model.custom_table = match model.custom_table {
            Some(_) if fresh.is_multiple_of(2) => None,
            _ => Some(format!("{}_tab{fresh}", model.app)),
        };
        step.plan.log.push(format!("table of {}.{}: {before} to {}", model.app, model.name, model.table()));
        self.freeze_with_keys(step, id);
        true
    }

    fn add_field(&mut self, step: &mut StepState, rows: &Expectation) -> bool {
        let Some(model) = self.changeable_model(step) else { return false };
        let app = self.world.model(model).expect("picked").app;
        let field = self.new_field(step, app, model, rows);
        let fill = match (&field.default, field.nullable, field.target) {
            (Some(default), _, _) => default.clone(),
            (None, true, _) => Val::Null,
            // A NOT NULL key points at rows that exist.
            (None, false, Some(target)) => {
                Val::Int(*self.rng.pick(&rows.ids(target.model)).expect("a NOT NULL key's target holds rows"))
            }
            (None, false, None) => self.field_value(&field),
        };
        let (id, name) = (field.id, field.name.clone());
        let model_schema = self.world.model_mut(model).expect("picked");
        model_schema.fields.push(field);
        let model_name = model_schema.name.clone();
        if !field_nullable_or_default(model_schema, id) {
            step.plan
                .answers
                .not_null_defaults
                .insert((app.to_owned(), model_name.clone(), name.clone()), fill.literal());
        }
        step.plan.log.push(format!("add field {app}.{model_name}.{name}, existing rows {fill:?}"));
        step.plan.changes.push(Change::AddField { model, field: id, fill });
        step.touched.insert(model);
        step.touched_fields.insert((model, id));
        true
    }

    fn remove_field(&mut self, step: &mut StepState) -> bool {
        let Some((model, field)) = self.changeable_field(step, |_| true) else { return false };
        self.drop_field(step, model, field);
        true
    }

    /// Removes the field with the composite indexes, unique sets and checks that use it.
    fn drop_field(&mut self, step: &mut StepState, model: u32, field: u32) {
        let (app, model_name, name) = self.names(model, field);
        let schema = self.world.model_mut(model).expect("the model exists");
        schema.fields.retain(|existing| existing.id != field);
        schema.indexes.retain(|index| !index.fields.contains(&field));
        schema.uniques.retain(|unique| !unique.fields.contains(&field));
        schema.checks.retain(|check| check.field != field);
        step.plan.log.push(format!("remove field {app}.{model_name}.{name}"));
        step.plan.changes.push(Change::RemoveField { model, field });
        step.touched.insert(model);
        step.touched_fields.insert((model, field));
    }

    fn rename_field(&mut self, step: &mut StepState) -> bool {
        let created = step.created.clone();
        let Some((model, field)) = self.changeable_field(step, |_| true) else { return false };
        if created.contains(&model) {
            return false;
        }
        let (app, model_name, old) = self.names(model, field);
        let new = format!("r{}", self.id());
        let schema = self.world.model_mut(model).expect("picked");
        let slot = schema.fields.iter_mut().find(|existing| existing.id == field).expect("picked");
        slot.name.clone_from(&new);
        step.plan.log.push(format!("rename field {app}.{model_name}.{old} to {new}"));
        step.plan.answers.field_renames.insert((app, model_name, old, new));
        step.touched.insert(model);
        step.touched_fields.insert((model, field));
        true
    }

    fn alter_field(&mut self, step: &mut StepState, rows: &Expectation) -> bool {
        let Some((model, field)) = self.changeable_field(step, |_| true) else { return false };
        let (app, model_name, name) = self.names(model, field);
        let schema = self.world.model(model).expect("picked");
        let current = schema.field(field).expect("picked").clone();
        let used = schema.uses(field);
        let values = rows.values(model, field);
        let mut altered = current.clone();
        let mut fill = None;
        let what;
        if let Some(target) = current.target {
            match self.rng.below(3) {
                0 => {
                    let others: Vec<OnDelete> = ON_DELETE
                        .iter()
                        .copied()
                        .filter(|action| *action != target.on_delete)
                        .filter(|action| action_fits(*action, current.nullable, &current.default))
                        .collect();
                    let Some(&on_delete) = self.rng.pick(&others) else { return false };
                    altered.target = Some(Target { on_delete, ..target });
                    what = format!("on_delete {on_delete:?}");
                }
                1 => {
                    // Only to a model holding every row the key points at.
                    let wanted: BTreeSet<i64> = values
                        .iter()
                        .filter_map(|value| match value {
                            Val::Int(id) => Some(*id),
                            _ => None,
                        })
                        .collect();
                    let candidates: Vec<(u32, &'static str)> = self
                        .world
                        .models
                        .iter()
                        .filter(|other| other.id != target.model)
                        .filter(|other| {
                            let ids: BTreeSet<i64> = rows.ids(other.id).into_iter().collect();
                            // A NOT NULL key, and a default, keep pointing at rows that exist.
                            let default = current.default.iter().filter_map(|value| match value {
                                Val::Int(id) => Some(*id),
                                _ => None,
                            });
                            wanted.is_subset(&ids)
                                && default.into_iter().all(|id| ids.contains(&id))
                                && (current.nullable || !ids.is_empty())
                        })
                        .map(|other| (other.id, other.app))
                        .collect();
                    let Some(&(to, to_app)) = self.rng.pick(&candidates) else { return false };
                    if !step.depend(schema.app, to_app) {
                        return false;
                    }
                    altered.target = Some(Target { model: to, ..target });
                    what = format!("key to model {to}");
                }
                _ => {
                    altered.index = !altered.index;
                    what = format!("index {}", altered.index);
                }
            }
            if !step.depend(
                schema.app,
                self.world.model(altered.target.expect("a key").model).map_or(schema.app, |m| m.app),
            ) {
                return false;
            }
        } else {
            match self.rng.below(8) {
                0 if current.nullable => {
                    let in_unique_set = schema.uniques.iter().any(|unique| unique.fields.contains(&field));
                    if (current.unique || in_unique_set)
                        && values.iter().filter(|value| **value == Val::Null).count() > 1
                    {
                        return false;
                    }
                    altered.nullable = false;
                    let key = (app.clone(), model_name.clone(), name.clone());
                    if current.default.is_none() && !values.contains(&Val::Null) && self.rng.chance(50) {
                        // No row holds NULL: "Ignore" is safe, and the migration must succeed.
                        step.plan.answers.not_null_ignores.insert(key);
                        what = "NOT NULL, answered Ignore over no NULL".to_owned();
                    } else {
                        let value = match &current.default {
                            Some(default) => default.clone(),
                            None => {
                                let value = self.field_value(&current);
                                step.plan.answers.not_null_alterations.insert(key, value.literal());
                                value
                            }
                        };
                        what = format!("NOT NULL, NULLs get {value:?}");
                        fill = Some(value);
                    }
                }
                0 | 1 => {
                    altered.nullable = !current.nullable;
                    if !altered.nullable {
                        return false;
                    }
                    what = "nullable".to_owned();
                }
                2 => {
                    altered.kind = match current.kind {
                        Kind::Small => Kind::Int,
                        Kind::Int => Kind::Big,
                        // Quarters are exact in both.
                        Kind::Float => Kind::Double,
                        Kind::Varchar(length)
                            if used
                                || current.unique
                                || current.index
                                || current.choices.is_some()
                                || self.rng.chance(60) =>
                        {
                            Kind::Varchar(length + 8)
                        }
                        Kind::Varchar(_) => Kind::Text,
                        // Generated text is at most six characters.
                        Kind::Text => Kind::Varchar(16),
                        Kind::Big
                        | Kind::Bool
                        | Kind::Double
                        | Kind::Date
                        | Kind::DateTime
                        | Kind::Json
                        | Kind::Binary => return false,
                    };
                    if let Some(default) = &current.default {
                        altered.default = Some(default.clone());
                    }
                    what = format!("type {:?}", altered.kind);
                }
                3 => {
                    altered.default = match current.default {
                        Some(_) if self.rng.chance(50) => None,
                        _ => Some(self.field_value(&current)),
                    };
                    what = format!("default {:?}", altered.default);
                }
                4 => {
                    if !current.kind.uniqueable() || current.choices.is_some() {
                        return false;
                    }
                    if !current.unique {
                        let present: Vec<&Val> = values.iter().filter(|value| **value != Val::Null).collect();
                        let distinct: BTreeSet<&&Val> = present.iter().collect();
                        if distinct.len() != present.len() {
                            return false;
                        }
                    }
                    altered.unique = !current.unique;
                    what = format!("unique {}", altered.unique);
                }
                5 => {
                    if !current.kind.indexable() {
                        return false;
                    }
                    altered.index = !current.index;
                    what = format!("index {}", altered.index);
                }
                6 => {
                    if !matches!(current.kind, Kind::Varchar(_))
                        || current.unique
                        || in_unique_set(schema, field)
                    {
                        return false;
                    }
                    // Every value a row or the default holds stays allowed.
                    let mut kept: BTreeSet<String> = values
                        .iter()
                        .chain(&current.default)
                        .filter_map(|value| match value {
                            Val::Text(text) => Some(text.clone()),
                            _ => None,
                        })
                        .collect();
                    altered.choices = match &current.choices {
                        Some(_) if self.rng.chance(30) => None,
                        Some(choices) if self.rng.chance(50) => {
                            let unused = choices.iter().position(|choice| !kept.contains(choice));
                            match unused {
                                Some(position) if choices.len() > 1 => {
                                    let mut fewer = choices.clone();
                                    fewer.remove(position);
                                    Some(fewer)
                                }
                                _ => return false,
                            }
                        }
                        Some(choices) => Some([choices.clone(), vec![format!("c{}", self.id())]].concat()),
                        None => {
                            kept.insert(format!("c{}", self.id()));
                            Some(kept.into_iter().collect())
                        }
                    };
                    what = format!("choices {:?}", altered.choices);
                }
                _ => {
                    altered.comment = match current.comment {
                        Some(_) if self.rng.chance(50) => None,
                        _ => Some(format!("note {}", self.id())),
                    };
                    what = format!("comment {:?}", altered.comment);
                }
            }
        }
        if altered == current {
            return false;
        }
        let schema = self.world.model_mut(model).expect("picked");
        *schema.fields.iter_mut().find(|existing| existing.id == field).expect("picked") = altered;
        step.plan.log.push(format!("alter field {app}.{model_name}.{name}: {what}"));
        if let Some(value) = fill {
            step.plan.changes.push(Change::FillNulls { model, field, value });
        }
        step.touched.insert(model);
        step.touched_fields.insert((model, field));
        true
    }

    fn composite_index(&mut self, step: &mut StepState) -> bool {
        let Some(model) = self.changeable_model(step) else { return false };
        let name = format!("ix{}", self.id());
        let add = self.rng.chance(60);
        let schema = self.world.model_mut(model).expect("picked");
        let app = schema.app;
        if add {
            let fields: Vec<u32> =
                schema.fields.iter().filter(|field| field.kind.indexable()).map(|f| f.id).collect();
            if fields.len() < 2 {
                return false;
            }
            let pair = vec![fields[fields.len() - 1], fields[0]];
            if schema.indexes.iter().any(|index| index.fields == pair) {
                return false;
            }
            schema.indexes.push(Composite { name: format!("{app}_{name}"), fields: pair });
            step.plan.log.push(format!("add index {app}_{name} on {}", schema.name));
        } else {
            let Some(index) = schema.indexes.pop() else { return false };
            step.plan.log.push(format!("remove index {} from {}", index.name, schema.name));
        }
        step.touched.insert(model);
        true
    }

    fn unique_together(&mut self, step: &mut StepState, rows: &Expectation) -> bool {
        let Some(model) = self.changeable_model(step) else { return false };
        let name = format!("uq{}", self.id());
        let add = self.rng.chance(60);
        let schema = self.world.model_mut(model).expect("picked");
        let app = schema.app;
        if add {
            let fields: Vec<u32> = schema
                .fields
                .iter()
                // Only fields whose values are known: one added in this step holds the same value in
                // every row, which a unique set over it would refuse (seed 1025).
                .filter(|field| {
                    field.kind.uniqueable() && field.choices.is_none() && rows.known(model, field.id)
                })
                .map(|field| field.id)
                .collect();
            if fields.len() < 2 {
                return false;
            }
            let pair = vec![fields[0], fields[fields.len() - 1]];
            let (first, second) = (rows.values(model, pair[0]), rows.values(model, pair[1]));
            let present: Vec<(&Val, &Val)> =
                first.iter().zip(&second).filter(|(a, b)| **a != Val::Null && **b != Val::Null).collect();
            let distinct: BTreeSet<&(&Val, &Val)> = present.iter().collect();
            if distinct.len() != present.len() || schema.uniques.iter().any(|unique| unique.fields == pair) {
                return false;
            }
            schema.uniques.push(Composite { name: format!("{app}_{name}"), fields: pair });
            step.plan.log.push(format!("add unique {app}_{name} on {}", schema.name));
        } else {
            let Some(unique) = schema.uniques.pop() else { return false };
            step.plan.log.push(format!("remove unique {} from {}", unique.name, schema.name));
        }
        step.touched.insert(model);
        true
    }

    fn model_comment(&mut self, step: &mut StepState) -> bool {
        let Some(model) = self.changeable_model(step) else { return false };
        let fresh = self.id();
        let schema = self.world.model_mut(model).expect("picked");
        schema.comment = match schema.comment {
            Some(_) if fresh.is_multiple_of(2) => None,
            _ => Some(format!("model {fresh}")),
        };
        step.plan.log.push(format!("comment of {}.{}: {:?}", schema.app, schema.name, schema.comment));
        step.touched.insert(model);
        true
    }

    fn check(&mut self, step: &mut StepState) -> bool {
        let Some(model) = self.changeable_model(step) else { return false };
        let name = format!("ck{}", self.id());
        let add = self.rng.chance(60);
        let schema = self.world.model_mut(model).expect("picked");
        let app = schema.app;
        if add {
            // Generated integers are never negative, so every row satisfies the check.
            let fields: Vec<u32> = schema
                .fields
                .iter()
                .filter(|field| field.kind.is_integer() && field.target.is_none())
                .filter(|field| !step.touched_fields.contains(&(model, field.id)))
                .map(|field| field.id)
                .collect();
            let Some(&field) = fields.first() else { return false };
            schema.checks.push(Check { name: format!("{app}_{name}"), field });
            step.plan.log.push(format!("add check {app}_{name} on {}", schema.name));
        } else {
            let Some(check) = schema.checks.pop() else { return false };
            step.plan.log.push(format!("remove check {} from {}", check.name, schema.name));
        }
        step.touched.insert(model);
        true
    }
}

fn in_unique_set(model: &GenModel, field: u32) -> bool {
    model.uniques.iter().any(|unique| unique.fields.contains(&field))
}

/// A day after 2000-01-01 for each `n` below 30 000, all different (28-day months keep it simple).
fn date(n: i64) -> String {
    format!("{:04}-{:02}-{:02}", 2000 + n / 336, 1 + (n / 28) % 12, 1 + n % 28)
}

fn field_nullable_or_default(model: &GenModel, field: u32) -> bool {
    model.field(field).is_some_and(|field| field.nullable || field.default.is_some())
}
