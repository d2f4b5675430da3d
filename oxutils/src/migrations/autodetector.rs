//! The diff: a pure function from (the state the migrations replay to, the models as they are now) to the
//! operations of one new migration per changed app, in an order that applies.

use super::operation::{
    AddConstraint, AddField, AddIndex, AlterField, AlterModelComment, AlterModelTable, CreateModel,
    DeleteModel, Operation, RemoveConstraint, RemoveField, RemoveIndex, RenameField, RenameModel,
};
use super::optimizer;
use super::questioner::{NotNullAlteration, QuestionError, Questioner};
use super::state::ProjectState;
use crate::schema::{ConstraintSchema, FieldSchema, ModelSchema};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// The changes of one app.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AppChanges {
    /// The operations, in the order the migration runs them.
    pub operations: Vec<Operation>,
    /// Other apps whose models the new operations point at: the migration depends on their latest one.
    pub depends_on_apps: BTreeSet<String>,
    /// Other apps whose new migrations must run before this app's `DeleteModel`s: they remove their
    /// foreign keys to the deleted models.
    pub deletes_after_apps: BTreeSet<String>,
}

/// The operations that take `old` to `new`, by app; apps without changes are absent.
pub fn detect(
    old: &ProjectState,
    new: &ProjectState,
    questioner: &mut dyn Questioner,
) -> Result<BTreeMap<String, AppChanges>, QuestionError> {
    let apps: BTreeSet<&str> = old.models().chain(new.models()).map(|model| model.app.as_str()).collect();
    // Model renames of every app first, then table renames, applied to one state: the foreign keys of
    // other apps follow them there, so they compare equal instead of looking altered.
    let mut renamed = old.clone();
    let mut leading: BTreeMap<&str, Vec<Operation>> = BTreeMap::new();
    for &app in &apps {
        let renames = model_renames(app, old, new, questioner)?;
        apply(app, &renames, &mut renamed);
        leading.insert(app, renames);
    }
    for &app in &apps {
        let tables = table_renames(app, &renamed, new);
        apply(app, &tables, &mut renamed);
        leading.entry(app).or_default().extend(tables);
    }
    let mut changes = BTreeMap::new();
    for &app in &apps {
        let operations = leading.remove(app).unwrap_or_default();
        let mut app_changes = detect_app(app, &renamed, new, operations, questioner)?;
        // A deleted model's table can go only once the other apps' keys to it are gone; a model is renamed
        // only after the other apps' migrations that name it under its old name, or a fresh database could
        // run them after the rename and find no such model.
        for operation in &app_changes.operations {
            match operation {
                Operation::DeleteModel(DeleteModel { name }) => {
                    app_changes.deletes_after_apps.extend(apps_pointing_at(&renamed, app, name));
                }
                Operation::RenameModel(RenameModel { old_name, .. }) => {
                    app_changes.depends_on_apps.extend(apps_pointing_at(old, app, old_name));
                }
                _ => {}
            }
        }
        app_changes.depends_on_apps.remove(app);
        app_changes.deletes_after_apps.remove(app);
        if !app_changes.operations.is_empty() {
            changes.insert(app.to_owned(), app_changes);
        }
    }
    Ok(changes)
}

/// Operations made from these very states apply to them.
fn apply(app: &str, operations: &[Operation], state: &mut ProjectState) {
    for operation in operations {
        let _ = operation.state_forwards(app, state);
    }
}

/// A `RenameModel` for each model of `app` that disappeared while one with the same fields appeared, when
/// the questioner confirms it.
fn model_renames(
    app: &str,
    old: &ProjectState,
    new: &ProjectState,
    questioner: &mut dyn Questioner,
) -> Result<Vec<Operation>, QuestionError> {
    let mut removed: Vec<&ModelSchema> =
        old.app_models(app).filter(|model| new.model(app, &model.name).is_none()).collect();
    let added = new.app_models(app).filter(|model| old.model(app, &model.name).is_none());
    let mut renames = Vec::new();
    for new_model in added {
        let Some(position) = removed.iter().position(|old_model| same_fields(old_model, new_model)) else {
            continue;
        };
        if questioner.ask_rename_model(app, removed[position], new_model)? {
            let old_model = removed.remove(position);
            renames.push(Operation::RenameModel(RenameModel {
                old_name: old_model.name.clone(),
                new_name: new_model.name.clone(),
            }));
        }
    }
    Ok(renames)
}

/// An `AlterModelTable` for each model of `app` in both states whose table differs, and an
/// `AlterModelComment` for each whose comment does.
fn table_renames(app: &str, old: &ProjectState, new: &ProjectState) -> Vec<Operation> {
    let tables = new
        .app_models(app)
        .filter(|model| old.model(app, &model.name).is_some_and(|before| before.table != model.table))
        .map(|model| {
            Operation::AlterModelTable(AlterModelTable {
                name: model.name.clone(),
                table: model.table.clone(),
            })
        });
    let comments = new
        .app_models(app)
        .filter(|model| {
            old.model(app, &model.name).is_some_and(|before| before.db_comment != model.db_comment)
        })
        .map(|model| {
            Operation::AlterModelComment(AlterModelComment {
                name: model.name.clone(),
                comment: model.db_comment.clone(),
            })
        });
    tables.chain(comments).collect()
}

/// The apps other than `app` with a model whose foreign key points at `app.model`.
fn apps_pointing_at(state: &ProjectState, app: &str, model: &str) -> Vec<String> {
    state
        .models()
        .filter(|other| other.app != app)
        .filter(|other| other.fields.iter().any(|field| field.points_at(app, model)))
        .map(|other| other.app.clone())
        .collect()
}

/// The changes of `app` from `old` (with every rename applied) to `new`, after the `leading` renames.
fn detect_app(
    app: &str,
    old: &ProjectState,
    new: &ProjectState,
    mut operations: Vec<Operation>,
    questioner: &mut dyn Questioner,
) -> Result<AppChanges, QuestionError> {
    let old_models: BTreeMap<&str, &ModelSchema> =
        old.app_models(app).map(|m| (m.name.as_str(), m)).collect();
    let new_models: BTreeMap<&str, &ModelSchema> =
        new.app_models(app).map(|m| (m.name.as_str(), m)).collect();
    let mut removed: Vec<&str> =
        old_models.keys().filter(|name| !new_models.contains_key(*name)).copied().collect();
    let added: Vec<&str> =
        new_models.keys().filter(|name| !old_models.contains_key(*name)).copied().collect();

    let mut depends_on_apps = BTreeSet::new();
    let (creates, deferred) = create_in_dependency_order(&added, &new_models);
    for model in creates.iter().chain(deferred.iter().map(|(model, _)| *model)) {
        depends_on_apps.extend(foreign_apps(app, &model.fields));
    }
    operations.extend(
        creates.into_iter().map(|model| Operation::CreateModel(CreateModel { model: Arc::new(model) })),
    );
    operations.extend(deferred.into_iter().map(|(model, field)| {
        Operation::AddField(AddField { model: model.name.clone(), field: field.clone(), backfill: None })
    }));

    let mut field_operations = Vec::new();
    let mut trailing = Vec::new();
    for (name, after) in &new_models {
        // An unchanged model, as most are, has nothing to diff.
        let Some(before) = old_models.get(name).filter(|before| *before != after) else { continue };
        let model_changes = diff_model(app, before, after, questioner)?;
        for operation in &model_changes.fields {
            if let Operation::AddField(AddField { field, .. })
            | Operation::AlterField(AlterField { field, .. }) = operation
            {
                depends_on_apps.extend(foreign_apps(app, std::slice::from_ref(field)));
            }
        }
        operations.extend(model_changes.leading);
        field_operations.extend(model_changes.fields);
        trailing.extend(model_changes.trailing);
    }
    operations.extend(field_operations);
    operations.extend(trailing);
    // Models that point at others go first, so no foreign key is left dangling.
    let all_removed = removed.clone();
    removed.sort_by_key(|name| referenced_by_count(name, &all_removed, &old_models));
    operations.extend(
        removed.into_iter().map(|name| Operation::DeleteModel(DeleteModel { name: name.to_owned() })),
    );

    Ok(AppChanges {
        operations: optimizer::optimize(operations),
        depends_on_apps,
        deletes_after_apps: BTreeSet::new(),
    })
}

/// The operations of one kept model, grouped so that removals come before additions.
struct ModelChanges {
    leading: Vec<Operation>,
    fields: Vec<Operation>,
    trailing: Vec<Operation>,
}

fn diff_model(
    app: &str,
    before: &ModelSchema,
    after: &ModelSchema,
    questioner: &mut dyn Questioner,
) -> Result<ModelChanges, QuestionError> {
    let model = after.name.clone();
    let mut leading = Vec::new();
    let mut fields = Vec::new();
    let mut trailing = Vec::new();

    // Field renames first, applied to a copy: they rename the columns and index names derived from the
    // fields, so what is left to compare is what the person changed besides.
    let mut renames = Vec::new();
    // The copy is made at the first rename: most models have none.
    let mut renamed: Option<ProjectState> = None;
    let mut candidates: Vec<&FieldSchema> =
        before.fields.iter().filter(|f| after.field(&f.name).is_none()).collect();
    for new_field in after.fields.iter().filter(|f| before.field(&f.name).is_none()) {
        let Some(position) = candidates.iter().position(|old| same_but_name(old, new_field)) else {
            continue;
        };
        if questioner.ask_rename_field(app, &model, candidates[position], new_field)? {
            let old_field = candidates.remove(position);
            let rename = Operation::RenameField(RenameField {
                model: model.clone(),
                old_name: old_field.name.clone(),
                new_name: new_field.name.clone(),
            });
            let state = renamed.get_or_insert_with(|| ProjectState::from_models([before]));
            let _ = rename.state_forwards(app, state);
            renames.push(rename);
        }
    }
    let before = renamed.as_ref().and_then(|state| state.model(app, &model)).unwrap_or(before);

    // CHECKs go before the renames: MySQL refuses to rename a column a CHECK uses.
    for constraint in before.constraints.iter().filter(|constraint| !after.constraints.contains(constraint)) {
        if matches!(constraint, ConstraintSchema::Check { .. }) {
            leading.push(Operation::RemoveConstraint(RemoveConstraint {
                model: model.clone(),
                name: constraint.name().to_owned(),
            }));
        }
    }
    leading.extend(renames);
    for index in before.indexes.iter().filter(|index| !after.indexes.contains(index)) {
        leading.push(Operation::RemoveIndex(RemoveIndex { model: model.clone(), name: index.name.clone() }));
    }
    for constraint in before.constraints.iter().filter(|constraint| !after.constraints.contains(constraint)) {
        if matches!(constraint, ConstraintSchema::Unique { .. }) {
            leading.push(Operation::RemoveConstraint(RemoveConstraint {
                model: model.clone(),
                name: constraint.name().to_owned(),
            }));
        }
    }

    let removed: Vec<&FieldSchema> =
        before.fields.iter().filter(|f| after.field(&f.name).is_none()).collect();
    let added: Vec<&FieldSchema> = after.fields.iter().filter(|f| before.field(&f.name).is_none()).collect();
    for field in removed {
        fields.push(Operation::RemoveField(RemoveField { model: model.clone(), name: field.name.clone() }));
    }
    for field in added {
        let needs_value = !field.nullable && field.default.is_none() && !field.auto_increment;
        let backfill =
            if needs_value { Some(questioner.ask_not_null_default(app, &model, field)?) } else { None };
        fields.push(Operation::AddField(AddField { model: model.clone(), field: field.clone(), backfill }));
    }
    for field in &after.fields {
        let Some(old_field) = before.field(&field.name).filter(|old_field| *old_field != field) else {
            continue;
        };
        // NULLs get the new default without asking; without one, the questioner decides.
        let backfill = if old_field.nullable && !field.nullable && field.default.is_none() {
            match questioner.ask_not_null_alteration(app, &model, field)? {
                NotNullAlteration::Backfill(value) => Some(value),
                NotNullAlteration::Ignore => None,
            }
        } else {
            None
        };
        fields.push(Operation::AlterField(AlterField {
            model: model.clone(),
            field: field.clone(),
            backfill,
        }));
    }

    for index in after.indexes.iter().filter(|index| !before.indexes.contains(index)) {
        trailing.push(Operation::AddIndex(AddIndex { model: model.clone(), index: index.clone() }));
    }
    for constraint in after.constraints.iter().filter(|constraint| !before.constraints.contains(constraint)) {
        trailing.push(Operation::AddConstraint(AddConstraint {
            model: model.clone(),
            constraint: constraint.clone(),
        }));
    }
    Ok(ModelChanges { leading, fields, trailing })
}

/// New models, each after the models of this app it points at (Kahn's algorithm, ties by name). In a
/// cycle, the foreign keys that close it are left out of the `CreateModel` and added afterwards.
fn create_in_dependency_order<'a>(
    added: &[&str],
    models: &BTreeMap<&str, &'a ModelSchema>,
) -> (Vec<ModelSchema>, Vec<(&'a ModelSchema, FieldSchema)>) {
    let pending: BTreeSet<&str> = added.iter().copied().collect();
    // For each new model, the other new models of this app it points at.
    let mut waits_for: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let mut needed_by: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for &name in added {
        let model = models[name];
        let targets: BTreeSet<&str> = model
            .fields
            .iter()
            .filter_map(|field| field.foreign_key.as_ref())
            .filter(|target| target.to_app == model.app && target.to_model != name)
            .filter_map(|target| pending.get(target.to_model.as_str()).copied())
            .collect();
        for target in &targets {
            needed_by.entry(target).or_default().push(name);
        }
        waits_for.insert(name, targets);
    }
    let mut ready: BTreeSet<&str> =
        waits_for.iter().filter(|(_, targets)| targets.is_empty()).map(|(name, _)| *name).collect();
    let mut creates = Vec::with_capacity(added.len());
    let mut deferred = Vec::new();
    while !waits_for.is_empty() {
        // In a cycle nothing is ready: break it at the first model by name.
        let name = ready.pop_first().unwrap_or_else(|| waits_for.keys().next().copied().unwrap_or_default());
        let Some(blocked) = waits_for.remove(name) else { continue };
        let model = models[name];
        let (kept, later): (Vec<FieldSchema>, Vec<FieldSchema>) =
            model.fields.iter().cloned().partition(|field| {
                field.foreign_key.as_ref().is_none_or(|target| {
                    target.to_app != model.app || !blocked.contains(target.to_model.as_str())
                })
            });
        creates.push(ModelSchema { fields: kept, ..model.clone() });
        deferred.extend(later.into_iter().map(|field| (model, field)));
        for dependent in needed_by.get(name).into_iter().flatten() {
            if let Some(targets) = waits_for.get_mut(dependent) {
                targets.remove(name);
                if targets.is_empty() {
                    ready.insert(dependent);
                }
            }
        }
    }
    (creates, deferred)
}

fn referenced_by_count(name: &str, among: &[&str], models: &BTreeMap<&str, &ModelSchema>) -> usize {
    among
        .iter()
        .filter(|other| {
            models[*other]
                .fields
                .iter()
                .any(|field| field.foreign_key.as_ref().is_some_and(|t| t.to_model == name))
        })
        .count()
}

fn foreign_apps(app: &str, fields: &[FieldSchema]) -> Vec<String> {
    fields
        .iter()
        .filter_map(|field| field.foreign_key.as_ref())
        .filter(|target| target.to_app != app)
        .map(|target| target.to_app.clone())
        .collect()
}

/// Two models are a rename candidate when their fields match one for one, by definition.
/// Where their foreign keys point is left out, as Django's `only_relation_agnostic_fields` does: a key to
/// the model itself, or to a model renamed in the same run, names its target's new name on one side only.
fn same_fields(old: &ModelSchema, new: &ModelSchema) -> bool {
    let agnostic = |field: &FieldSchema| {
        let mut field = field.clone();
        if let Some(target) = &mut field.foreign_key {
            target.to_model.clear();
            target.to_table.clear();
        }
        field
    };
    old.fields.len() == new.fields.len()
        && old.fields.iter().zip(&new.fields).all(|(old, new)| agnostic(old) == agnostic(new))
}

/// Two fields are a rename candidate when they differ only in name and column.
fn same_but_name(old: &FieldSchema, new: &FieldSchema) -> bool {
    FieldSchema { name: new.name.clone(), column: new.column.clone(), ..old.clone() } == *new
}
