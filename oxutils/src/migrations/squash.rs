//! `squashmigrations`: a range of an app's migrations as one optimized migration that records what it
//! replaces, so a database at any point of the range keeps working (see `MigrationGraph::build`).

use super::file::{Migration, MigrationKey};
use super::graph::{GraphError, MigrationGraph};
use super::make::{MakeError, new_migration};
use super::optimizer;
use std::collections::BTreeSet;

/// Squashes `app`'s migrations from `from` (its first when `None`) to `to`, both included.
pub fn squash(
    existing: &[Migration],
    app: &str,
    from: Option<&str>,
    to: &str,
) -> Result<Migration, MakeError> {
    let mut range: Vec<&Migration> = existing.iter().filter(|migration| migration.app == app).collect();
    range.sort_by_key(|migration| migration.number());
    let missing = |name: &str| MakeError::Graph(GraphError::UnknownMigration(MigrationKey::new(app, name)));
    let end = range.iter().position(|migration| migration.name == to).ok_or_else(|| missing(to))?;
    let start = match from {
        Some(from) => {
            range.iter().position(|migration| migration.name == from).ok_or_else(|| missing(from))?
        }
        None => 0,
    };
    let range = &range[start..=end.max(start)];
    let members: BTreeSet<MigrationKey> = range.iter().map(|migration| migration.key()).collect();
    let mut dependencies: Vec<MigrationKey> = range
        .iter()
        .flat_map(|migration| migration.dependencies.iter().cloned())
        .filter(|dependency| !members.contains(dependency))
        .collect();
    dependencies.sort();
    dependencies.dedup();
    // A migration outside the range that the squash must wait for, but that itself waits for a member of
    // the range, would make the squash wait for itself.
    let graph = MigrationGraph::build(existing.to_vec(), &BTreeSet::new()).map_err(MakeError::Graph)?;
    for dependency in &dependencies {
        let needs = graph.forwards_plan(dependency).map_err(MakeError::Graph)?;
        if let Some(member) = needs.iter().find(|key| members.contains(*key)) {
            return Err(MakeError::SquashCycle { outside: dependency.clone(), inside: member.clone() });
        }
    }
    // A migration replaced by one of the range is replaced by the squash too.
    let replaces: Vec<MigrationKey> = range
        .iter()
        .flat_map(|migration| {
            if migration.replaces.is_empty() { vec![migration.key()] } else { migration.replaces.clone() }
        })
        .collect();
    let operations = optimizer::optimize(
        range.iter().flat_map(|migration| migration.operations.iter().cloned()).collect(),
    );
    let first = range.first().map_or(0, |migration| migration.number());
    let last = range.last().map_or(0, |migration| migration.number());
    let name = format!("{first:04}_squashed_{last:04}");
    let mut squashed = new_migration(app, &name, dependencies, replaces, operations);
    // A migration of the range that asked for plain DDL keeps asking for it in the squash, with its reason.
    // Lint acknowledgements are not carried over: they name operations by position, which the optimizer
    // changes, so `lint` shows their findings again, to be acknowledged on the squash.
    let reasons: Vec<String> = range
        .iter()
        .filter_map(|migration| {
            migration.plain_ddl.as_ref().map(|reason| format!("{}: {reason}", migration.name))
        })
        .collect();
    if !reasons.is_empty() {
        squashed.plain_ddl = Some(reasons.join("; "));
    }
    Ok(squashed)
}
