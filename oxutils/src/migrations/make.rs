//! `makemigrations` as a function: diff the models against what the existing migrations replay to and
//! return the new migrations, one per changed app, ready to be written.

use super::autodetector::detect;
use super::file::{Migration, MigrationKey, auto_name};
use super::graph::{GraphError, MigrationGraph, describe_conflicts};
use super::operation::{
    AddField, AlterField, CreateModel, DeleteModel, Operation, RemoveField, RenameModel, StateError,
};
use super::questioner::{QuestionError, Questioner};
use super::replay::{self, ReplayError};
use super::state::ProjectState;
use crate::schema::ModelSchema;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// `makemigrations` (or a merge or squash) failed.
#[derive(Debug)]
pub enum MakeError {
    /// The existing migrations do not form a graph.
    Graph(GraphError),
    /// An existing migration does not fit the state its predecessors replay to.
    State {
        /// The migration.
        migration: MigrationKey,
        /// Why it does not fit.
        error: Box<StateError>,
    },
    /// A question was not answered.
    Question(QuestionError),
    /// An app has two leaves; `--merge` joins them first.
    Conflict(BTreeMap<String, Vec<MigrationKey>>),
    /// A squash would depend on `outside`, which depends on `inside`, a migration of the range.
    SquashCycle {
        /// The migration outside the range.
        outside: MigrationKey,
        /// The migration of the range it depends on.
        inside: MigrationKey,
    },
}

impl fmt::Display for MakeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MakeError::Graph(error) => error.fmt(f),
            MakeError::State { migration, error } => write!(f, "migration {migration}: {error}"),
            MakeError::Question(error) => error.fmt(f),
            MakeError::Conflict(conflicts) => f.write_str(&describe_conflicts(conflicts)),
            MakeError::SquashCycle { outside, inside } => write!(
                f,
                "cannot squash this range: it must run after {outside}, which runs after {inside} inside the \
                 range; end the range before the migration that depends on {outside}, or start it after {inside}"
            ),
        }
    }
}

impl std::error::Error for MakeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            MakeError::Graph(error) => Some(error),
            MakeError::State { error, .. } => Some(error.as_ref()),
            MakeError::Question(error) => Some(error),
            MakeError::Conflict(_) | MakeError::SquashCycle { .. } => None,
        }
    }
}

/// What the existing migrations replay to, with their graph.
pub fn replay(existing: Vec<Migration>) -> Result<(MigrationGraph, ProjectState), MakeError> {
    let graph = existing_graph(existing)?;
    let state = replayed_state(&graph)?;
    Ok((graph, state))
}

/// The graph of the migration files as `makemigrations` sees them: a squashed migration replaces its
/// range, since on disk all or none of it is "applied".
pub fn existing_graph(existing: Vec<Migration>) -> Result<MigrationGraph, MakeError> {
    MigrationGraph::build(existing, &BTreeSet::new()).map_err(MakeError::Graph)
}

/// The new migrations that bring the existing ones in line with `models`, for `apps` (all when empty).
pub fn make_migrations(
    models: &[&ModelSchema],
    existing: Vec<Migration>,
    apps: &[&str],
    name: Option<&str>,
    questioner: &mut dyn Questioner,
) -> Result<Vec<Migration>, MakeError> {
    make_migrations_in(models, &existing_graph(existing)?, apps, name, questioner)
}

/// [`make_migrations`] on the graph of the existing migrations, for a caller that goes on to use them
/// (`makemigrations` explains the new ones in their history; `migrate` warns of changes without a
/// migration) without cloning them: at N = 500 models the clone was a seventh of `makemigrations`.
pub fn make_migrations_in(
    models: &[&ModelSchema],
    graph: &MigrationGraph,
    apps: &[&str],
    name: Option<&str>,
    questioner: &mut dyn Questioner,
) -> Result<Vec<Migration>, MakeError> {
    let old = replayed_state(graph)?;
    let new = make_migrations_from(models, graph, &old, apps, name, questioner)?;
    crate::process_end::discard(old);
    Ok(new)
}

/// What the migrations of `graph` replay to: the state [`make_migrations_from`] diffs the models against.
pub fn replayed_state(graph: &MigrationGraph) -> Result<ProjectState, MakeError> {
    replay::final_state(graph).map_err(|error| match error {
        ReplayError::Unknown(key) => MakeError::Graph(GraphError::UnknownMigration(key)),
        ReplayError::State { migration, error } => MakeError::State { migration, error },
    })
}

/// [`make_migrations_in`] against `old`, the state `graph` replays to ([`replayed_state`]), for a caller
/// that goes on to use it: `makemigrations` explains a new migration that follows every existing one from
/// it, instead of replaying the history again.
pub fn make_migrations_from(
    models: &[&ModelSchema],
    graph: &MigrationGraph,
    old: &ProjectState,
    apps: &[&str],
    name: Option<&str>,
    questioner: &mut dyn Questioner,
) -> Result<Vec<Migration>, MakeError> {
    let conflicts = graph.conflicts();
    if !conflicts.is_empty() {
        return Err(MakeError::Conflict(conflicts));
    }
    let new = ProjectState::from_models(models.iter().copied());
    let mut changes = detect(old, &new, questioner).map_err(MakeError::Question)?;
    if !apps.is_empty() {
        changes.retain(|app, _| apps.contains(&app.as_str()));
    }
    // A deleted model's table goes after every migration of another app that ever pointed at it, not only
    // after those of apps pointing at it now: a fresh database could otherwise run an old migration that
    // creates a key to it after the table is gone.
    for (app, change) in &mut changes {
        let deleted: Vec<String> = change
            .operations
            .iter()
            .filter_map(|operation| match operation {
                Operation::DeleteModel(DeleteModel { name }) => Some(name.clone()),
                _ => None,
            })
            .collect();
        for model in deleted {
            change.deletes_after_apps.extend(apps_that_pointed_at(graph, app, &model));
        }
        change.deletes_after_apps.remove(app);
    }
    // An app whose deletes wait for an app that waits for it gets them in a second migration, as Django
    // splits a migration to break such a cycle.
    let mut plans: BTreeMap<String, AppPlan> = BTreeMap::new();
    for (app, change) in &changes {
        let in_cycle = change.deletes_after_apps.iter().any(|other| {
            changes.get(other).is_some_and(|theirs| {
                theirs.depends_on_apps.contains(app) || theirs.deletes_after_apps.contains(app)
            })
        });
        let (main, deletes): (Vec<Operation>, Vec<Operation>) = if in_cycle {
            let (mut main, deletes): (Vec<Operation>, Vec<Operation>) = change
                .operations
                .iter()
                .cloned()
                .partition(|op| !matches!(op, Operation::DeleteModel(DeleteModel { .. })));
            // The deleted models' keys to other apps go in the first migration, as Django removes them
            // before the delete: two apps deleting models that point at each other then each wait for the
            // other's first migration, not for its deletes (a cycle).
            main.extend(deletes.iter().flat_map(|delete| keys_to_other_apps(old, app, delete)));
            (main, deletes)
        } else {
            (change.operations.clone(), Vec::new())
        };
        let number = next_number(graph, app);
        let initial = graph.leaves(app).is_empty();
        let main_name = (!main.is_empty()).then(|| match name {
            Some(name) => format!("{number:04}_{name}"),
            None => auto_name(number, &main, initial),
        });
        let deletes_name = (!deletes.is_empty()).then(|| {
            let number = number + u32::from(main_name.is_some());
            auto_name(number, &deletes, false)
        });
        plans.insert(app.clone(), AppPlan { main, main_name, deletes, deletes_name });
    }
    let mut migrations = Vec::new();
    for (app, change) in &changes {
        let plan = &plans[app];
        // Another app's model is there after that app's main migration, or its latest one.
        let dependency_on = |other: &str| -> Vec<MigrationKey> {
            match plans.get(other).and_then(|theirs| theirs.main_name.as_ref()) {
                Some(name) => vec![MigrationKey::new(other, name)],
                None => graph.leaves(other),
            }
        };
        let last_of = |other: &str| -> Vec<MigrationKey> {
            match plans
                .get(other)
                .and_then(|theirs| theirs.deletes_name.as_ref().or(theirs.main_name.as_ref()))
            {
                Some(name) => vec![MigrationKey::new(other, name)],
                None => graph.leaves(other),
            }
        };
        if let Some(main_name) = &plan.main_name {
            let mut dependencies = graph.leaves(app);
            for other in &change.depends_on_apps {
                dependencies.extend(dependency_on(other));
            }
            // A model renamed here goes after every existing migration of another app that ever named it
            // under its old name, not only after those of apps pointing at it now: a fresh database could
            // otherwise create a key to the old table after the rename (seed 1021).
            for old_name in plan.main.iter().filter_map(|operation| match operation {
                Operation::RenameModel(RenameModel { old_name, .. }) => Some(old_name),
                _ => None,
            }) {
                for other in apps_that_pointed_at(graph, app, old_name) {
                    dependencies.extend(graph.leaves(&other));
                }
            }
            if plan.deletes_name.is_none() {
                for other in &change.deletes_after_apps {
                    dependencies.extend(last_of(other));
                }
            }
            migrations.push(new_migration(
                app,
                main_name,
                sorted(dependencies),
                Vec::new(),
                plan.main.clone(),
            ));
        }
        if let Some(deletes_name) = &plan.deletes_name {
            let mut dependencies = match &plan.main_name {
                Some(main_name) => vec![MigrationKey::new(app, main_name)],
                None => graph.leaves(app),
            };
            // An app that split its deletes off removed its keys in its first migration.
            for other in &change.deletes_after_apps {
                let split = plans.get(other.as_str()).is_some_and(|theirs| theirs.deletes_name.is_some());
                dependencies.extend(if split { dependency_on(other) } else { last_of(other) });
            }
            migrations.push(new_migration(
                app,
                deletes_name,
                sorted(dependencies),
                Vec::new(),
                plan.deletes.clone(),
            ));
        }
    }
    crate::process_end::discard((new, changes, plans));
    Ok(migrations)
}

/// The migrations one app gets from one `makemigrations`: its changes, and the deletes split off them.
struct AppPlan {
    main: Vec<Operation>,
    main_name: Option<String>,
    deletes: Vec<Operation>,
    deletes_name: Option<String>,
}

/// The `RemoveField`s of the keys that `delete`, a `DeleteModel` of `app`, has to models of other apps in
/// `state`.
fn keys_to_other_apps(state: &ProjectState, app: &str, delete: &Operation) -> Vec<Operation> {
    let Operation::DeleteModel(DeleteModel { name }) = delete else { return Vec::new() };
    let Some(model) = state.model(app, name) else { return Vec::new() };
    model
        .fields
        .iter()
        .filter(|field| field.foreign_key.as_ref().is_some_and(|key| key.to_app != app))
        .map(|field| Operation::RemoveField(RemoveField { model: name.clone(), name: field.name.clone() }))
        .collect()
}

/// The apps other than `app` with a migration whose operations create a foreign key to `app.model`.
fn apps_that_pointed_at(graph: &MigrationGraph, app: &str, model: &str) -> BTreeSet<String> {
    let points_at = |field: &crate::schema::FieldSchema| field.points_at(app, model);
    graph
        .migrations()
        .filter(|migration| migration.app != app)
        .filter(|migration| {
            migration.operations.iter().any(|operation| match operation {
                Operation::CreateModel(CreateModel { model }) => model.fields.iter().any(points_at),
                Operation::AddField(AddField { field, .. })
                | Operation::AlterField(AlterField { field, .. }) => points_at(field),
                _ => false,
            })
        })
        .map(|migration| migration.app.clone())
        .collect()
}

fn sorted(mut keys: Vec<MigrationKey>) -> Vec<MigrationKey> {
    keys.sort();
    keys.dedup();
    keys
}

/// An empty migration for `app`, to fill with `RunSql` by hand (`--empty`).
pub fn empty_migration(
    existing: Vec<Migration>,
    app: &str,
    name: Option<&str>,
) -> Result<Migration, MakeError> {
    let (graph, _) = replay(existing)?;
    let number = next_number(&graph, app);
    let name = format!("{number:04}_{}", name.unwrap_or("custom"));
    Ok(new_migration(app, &name, graph.leaves(app), Vec::new(), Vec::new()))
}

/// A migration that joins an app's leaves (`--merge`), or `None` when there is nothing to merge.
pub fn merge_migrations(existing: Vec<Migration>) -> Result<Vec<Migration>, MakeError> {
    let (graph, _) = replay(existing)?;
    Ok(graph
        .conflicts()
        .into_iter()
        .map(|(app, leaves)| {
            let number = next_number(&graph, &app);
            let names: Vec<String> = leaves.iter().map(|leaf| leaf.name.clone()).collect();
            let name = format!("{number:04}_merge_{}", names.join("_"));
            new_migration(&app, &name, leaves, Vec::new(), Vec::new())
        })
        .collect())
}

/// A migration of `app` named `name` (`NNNN_name`), its checksum left to [`Migration::file_checksum`].
pub fn new_migration(
    app: &str,
    name: &str,
    dependencies: Vec<MigrationKey>,
    replaces: Vec<MigrationKey>,
    operations: Vec<Operation>,
) -> Migration {
    // No checksum yet: rendering a large migration twice (once here, once to write it) would double the
    // time `makemigrations` takes; `Migration::file_checksum` computes it when it is needed.
    Migration {
        app: app.to_owned(),
        name: name.to_owned(),
        dependencies,
        replaces,
        operations,
        plain_ddl: None,
        acknowledged: Vec::new(),
        checksum: String::new(),
    }
}

fn next_number(graph: &MigrationGraph, app: &str) -> u32 {
    graph.migrations().filter(|migration| migration.app == app).map(Migration::number).max().unwrap_or(0) + 1
}
