//! Migrations that production traffic does not notice: what each statement costs on each backend
//! (`cost.rs`), PostgreSQL's lock-safe forms and the phases they run in (`postgres.rs`), and the lint that
//! flags what blocks or loses data (`lint.rs`), all read off the statements themselves (`statement.rs`).

pub mod cost;
pub mod lint;
pub(crate) mod postgres;
pub(crate) mod statement;

use crate::dialect::Backend;
use crate::migrations::state::ProjectState;
use crate::schema::not_null_check_name;
use cost::{Context, Cost, Work};
use postgres::{Planned, Tables};
use statement::{Ddl, classify};
use std::collections::BTreeSet;

/// The cost of each of a migration's `planned` statements on `backend`; `states[i]` is the state before
/// operation `i` and `states[i + 1]` after it, whichever way the migration runs.
pub(crate) fn costs(
    planned: &[Planned],
    states: &[ProjectState],
    backend: Backend,
    backwards: bool,
) -> Vec<Cost> {
    let mut tables = Tables::at_start(states, backwards);
    let rebuilt: BTreeSet<usize> = planned
        .iter()
        .filter(|statement| {
            backend == Backend::Sqlite
                && matches!(classify(&statement.sql, backend), Ddl::CreateTable { table } if table.starts_with("new__"))
        })
        .map(|statement| statement.operation)
        .collect();
    let mut validated = BTreeSet::new();
    planned
        .iter()
        .map(|statement| {
            let ddl = classify(&statement.sql, backend);
            let new_table = ddl.table().is_some_and(|table| tables.is_new(table));
            tables.follow(&ddl);
            let index = statement.operation;
            let (before, after) = if backwards {
                (&states[index + 1], &states[index])
            } else {
                (&states[index], &states[index + 1])
            };
            let rebuild = rebuilt.contains(&index);
            let context = Context { before, after, new_table, rebuild };
            match &ddl {
                Ddl::ValidateConstraint { name, .. } => {
                    validated.insert(name.clone());
                }
                // A validated `CHECK (column IS NOT NULL)` spares `SET NOT NULL` its scan.
                Ddl::SetNotNull { table, column }
                    if validated.contains(&not_null_check_name(table, column)) =>
                {
                    let lock = Some(cost::PostgresLock::AccessExclusive);
                    return Cost::Postgres { lock, work: Work::Catalog };
                }
                _ => {}
            }
            cost::cost(&ddl, backend, &context)
        })
        .collect()
}
