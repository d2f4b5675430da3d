//! The one replay of migration files into project states. `makemigrations`, `squashmigrations` and
//! `testing` want the state the files reach; `migrate` and `sqlmigrate` want the state before each
//! operation of the migrations they run. Both come from here, so that the two can never disagree.

use super::file::{Migration, MigrationKey};
use super::graph::MigrationGraph;
use super::operation::StateError;
use super::state::ProjectState;
use std::collections::{BTreeMap, BTreeSet};

/// Why a replay stopped: the graph has no migration of that key, or an operation does not fit the state.
#[derive(Debug)]
pub(crate) enum ReplayError {
    Unknown(MigrationKey),
    State { migration: MigrationKey, error: Box<StateError> },
}

/// The state every migration of `graph` reaches, in the graph's order.
pub(crate) fn final_state(graph: &MigrationGraph) -> Result<ProjectState, ReplayError> {
    let mut state = ProjectState::new();
    for key in graph.ordered() {
        apply(graph, &key, &mut state, |_| {})?;
    }
    Ok(state)
}

/// For each migration of `wanted`, the state before each of its operations and after its last, from one
/// replay of the graph in order that applies the migrations `counts` accepts (see [`replay_wanted`]).
pub(crate) fn states_of(
    graph: &MigrationGraph,
    wanted: &BTreeSet<MigrationKey>,
    counts: impl Fn(&MigrationKey) -> bool,
) -> Result<BTreeMap<MigrationKey, Vec<ProjectState>>, ReplayError> {
    let mut found = BTreeMap::new();
    let mut states = Vec::new();
    replay_wanted(graph, wanted, counts, |replayed| {
        match replayed {
            Replayed::Operation { before, after, .. } => {
                if states.is_empty() {
                    states.push(before.clone());
                }
                states.push(after.clone());
            }
            Replayed::Finished { migration, after } => {
                if states.is_empty() {
                    states.push(after.clone());
                }
                found.insert(migration.key(), std::mem::take(&mut states));
            }
        }
        Ok::<(), ReplayError>(())
    })?;
    Ok(found)
}

/// What a replay hands on, operation by operation, for the migrations it was asked for.
pub(crate) enum Replayed<'a> {
    /// Operation `index` of `migration` took the state from `before` to `after`.
    Operation { migration: &'a Migration, index: usize, before: &'a ProjectState, after: &'a ProjectState },
    /// Every operation of `migration` is replayed; `after` is the state after its last.
    Finished { migration: &'a Migration, after: &'a ProjectState },
}

/// Replays the graph in order, handing `visit` each operation of the migrations of `wanted` as it is
/// replayed, so that a caller can work on one while the next is replayed (`migrate` plans ahead this way).
/// Replay copies only the models an operation touches, so this stays cheap for long histories and
/// backwards plans alike.
///
/// Every counted migration is replayed before any wanted one, as Django's executor does: a migration then
/// sees every applied one, also those of other apps that the graph happens to order after it. Otherwise a
/// SQLite rebuild of a table would re-create its foreign keys to another app's table under a name that
/// table had before an applied rename, forwards or backwards. The wanted ones follow in the graph's order
/// ([`wanted_order`]).
pub(crate) fn replay_wanted<E: From<ReplayError>>(
    graph: &MigrationGraph,
    wanted: &BTreeSet<MigrationKey>,
    counts: impl Fn(&MigrationKey) -> bool,
    mut visit: impl FnMut(Replayed<'_>) -> Result<(), E>,
) -> Result<(), E> {
    let mut state = ProjectState::new();
    let (planned, applied): (Vec<MigrationKey>, Vec<MigrationKey>) =
        graph.ordered().into_iter().partition(|key| wanted.contains(key));
    for key in applied {
        if counts(&key) {
            apply(graph, &key, &mut state, |_| {})?;
        }
    }
    for key in planned {
        let migration = graph.migration(&key).ok_or_else(|| ReplayError::Unknown(key.clone()))?;
        for (index, operation) in migration.operations.iter().enumerate() {
            let before = state.clone();
            operation
                .state_forwards(&migration.app, &mut state)
                .map_err(|error| ReplayError::State { migration: key.clone(), error: Box::new(error) })?;
            visit(Replayed::Operation { migration, index, before: &before, after: &state })?;
        }
        visit(Replayed::Finished { migration, after: &state })?;
    }
    Ok(())
}

/// The order [`replay_wanted`] hands the migrations of `wanted` on in.
pub(crate) fn wanted_order(graph: &MigrationGraph, wanted: &BTreeSet<MigrationKey>) -> Vec<MigrationKey> {
    graph.ordered().into_iter().filter(|key| wanted.contains(key)).collect()
}

/// The state before each operation of `migration` and after its last, from `before`, the state its
/// ancestors replay to (which `makemigrations` has from its diff).
pub(crate) fn operation_states(
    before: &ProjectState,
    migration: &Migration,
) -> Result<Vec<ProjectState>, ReplayError> {
    let mut states = Vec::with_capacity(migration.operations.len() + 1);
    states.push(before.clone());
    let mut state = before.clone();
    apply_migration(migration, &mut state, |after| states.push(after.clone()))?;
    Ok(states)
}

/// Applies migration `key`'s operations to `state`, handing the state after each to `after`.
fn apply(
    graph: &MigrationGraph,
    key: &MigrationKey,
    state: &mut ProjectState,
    after: impl FnMut(&ProjectState),
) -> Result<(), ReplayError> {
    let migration = graph.migration(key).ok_or_else(|| ReplayError::Unknown(key.clone()))?;
    apply_migration(migration, state, after)
}

/// Applies `migration`'s operations to `state`, handing the state after each to `after`.
fn apply_migration(
    migration: &Migration,
    state: &mut ProjectState,
    mut after: impl FnMut(&ProjectState),
) -> Result<(), ReplayError> {
    for operation in &migration.operations {
        operation
            .state_forwards(&migration.app, state)
            .map_err(|error| ReplayError::State { migration: migration.key(), error: Box::new(error) })?;
        after(state);
    }
    Ok(())
}
