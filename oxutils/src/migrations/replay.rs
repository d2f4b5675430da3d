//! The one replay of migration files into project states. `makemigrations`, `squashmigrations` and
//! `testing` want the state the files reach; `migrate` and `sqlmigrate` want the state before each
//! operation of the migrations they run. Both come from here, so that the two can never disagree.

use super::file::MigrationKey;
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
/// replay of the graph in order that applies the migrations `counts` accepts. Replay copies only the
/// models an operation touches, so this stays cheap for long histories and backwards plans alike.
///
/// Every counted migration is replayed before any wanted one, as Django's executor does: a migration then
/// sees every applied one, also those of other apps that the graph happens to order after it. Otherwise a
/// SQLite rebuild of a table would re-create its foreign keys to another app's table under a name that
/// table had before an applied rename, forwards or backwards.
pub(crate) fn states_of(
    graph: &MigrationGraph,
    wanted: &BTreeSet<MigrationKey>,
    counts: impl Fn(&MigrationKey) -> bool,
) -> Result<BTreeMap<MigrationKey, Vec<ProjectState>>, ReplayError> {
    let mut state = ProjectState::new();
    let mut found = BTreeMap::new();
    let (planned, applied): (Vec<MigrationKey>, Vec<MigrationKey>) =
        graph.ordered().into_iter().partition(|key| wanted.contains(key));
    for key in applied.into_iter().chain(planned) {
        if found.len() == wanted.len() {
            break;
        }
        if wanted.contains(&key) {
            let mut states = vec![state.clone()];
            apply(graph, &key, &mut state, |after| states.push(after.clone()))?;
            found.insert(key, states);
        } else if counts(&key) {
            apply(graph, &key, &mut state, |_| {})?;
        }
    }
    Ok(found)
}

/// Applies migration `key`'s operations to `state`, handing the state after each to `after`.
fn apply(
    graph: &MigrationGraph,
    key: &MigrationKey,
    state: &mut ProjectState,
    mut after: impl FnMut(&ProjectState),
) -> Result<(), ReplayError> {
    let migration = graph.migration(key).ok_or_else(|| ReplayError::Unknown(key.clone()))?;
    for operation in &migration.operations {
        operation
            .state_forwards(&migration.app, state)
            .map_err(|error| ReplayError::State { migration: key.clone(), error: Box::new(error) })?;
        after(state);
    }
    Ok(())
}
