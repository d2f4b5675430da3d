//! PostgreSQL's lock-safe forms, as squawk and strong_migrations advise and as the executor runs them.
//!
//! On a table that exists before the migration (nobody waits on a table the migration creates):
//! - an index is built `CONCURRENTLY`, outside any transaction, so that writes go on during the build; a
//!   unique constraint is such an index, then adopted (`UNIQUE USING INDEX`);
//! - a foreign key or CHECK is added `NOT VALID` (a catalog change), then validated in a transaction of its
//!   own, which lets reads and writes go on while it scans;
//! - `SET NOT NULL` comes after a validated `CHECK (column IS NOT NULL)`, so that it scans nothing;
//! - an index is dropped `CONCURRENTLY`.
//!
//! A migration whose file has `plain_ddl` runs its statements as written. A user's `run_sql` always does.
//! The statements then run in *phases*: one transaction each where they can, and the executor records the
//! statements done after each, so that a rerun after a failure or a `kill -9` goes on from there.

use super::statement::{Ddl, classify};
use crate::dialect::Backend;
use crate::migrations::data::DataStep;
use crate::schema::not_null_check_name;
use std::collections::BTreeSet;

/// How a statement runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Placement {
    /// In the same transaction as the statement before it.
    Shared,
    /// In a transaction of its own, after the one before it committed (a `VALIDATE CONSTRAINT`, which must
    /// not run under the stronger lock its `ADD CONSTRAINT` took).
    OwnTransaction,
    /// Outside any transaction (`CONCURRENTLY`).
    NoTransaction,
}

/// One statement of a migration as the executor runs it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Planned {
    pub(crate) sql: String,
    /// The operation it comes from, by position in the migration.
    pub(crate) operation: usize,
    pub(crate) placement: Placement,
    /// A `run_rust` step: the function to call instead of running `sql`, which only names it.
    pub(crate) data: Option<Box<DataStep>>,
}

impl Planned {
    /// A statement that runs as it is written.
    pub(crate) fn sql(sql: String, operation: usize, placement: Placement) -> Self {
        Planned { sql, operation, placement, data: None }
    }

    /// Runs the statement, or calls its data migration in a transaction of its own (a savepoint inside the
    /// migration's; on MySQL, which commits DDL as it goes, a transaction): its rows are written all or none.
    pub(crate) fn run(&self, connection: &mut crate::db::Connection) -> Result<(), crate::db::DbError> {
        match &self.data {
            Some(step) => {
                let mut transaction = connection.transaction()?;
                step.run(&mut transaction)?;
                transaction.commit()
            }
            None => connection.batch(&self.sql),
        }
    }
}

/// The tables of a migration's statements, walked in order: those that existed before it, and those it
/// created (which no other session uses yet).
pub(crate) struct Tables {
    existing: BTreeSet<String>,
    created: BTreeSet<String>,
    /// Indexes built on created tables, which a later `DROP INDEX` (naming no table) drops at no cost.
    new_indexes: BTreeSet<String>,
}

impl Tables {
    /// The tables of the state a migration starts from, in its direction: `states[0]` forwards, the last
    /// backwards.
    pub(crate) fn at_start(states: &[crate::migrations::state::ProjectState], backwards: bool) -> Self {
        let start = if backwards { states.last() } else { states.first() };
        Tables::new(start.into_iter().flat_map(|state| state.models()).map(|model| model.table.clone()))
    }

    pub(crate) fn new(existing: impl IntoIterator<Item = String>) -> Self {
        Tables {
            existing: existing.into_iter().collect(),
            created: BTreeSet::new(),
            new_indexes: BTreeSet::new(),
        }
    }

    /// Whether `table` is one the migration has not created.
    pub(crate) fn is_existing(&self, table: &str) -> bool {
        self.existing.contains(table) && !self.created.contains(table)
    }

    /// Whether `ddl` changes a table the migration has not created (a `DROP INDEX`, which names no table:
    /// unless it drops an index the migration built on a table it created).
    pub(crate) fn on_existing(&self, ddl: &Ddl) -> bool {
        match ddl {
            Ddl::DropIndex { table: None, name, .. } => !self.new_indexes.contains(name),
            _ => ddl.table().is_some_and(|table| self.is_existing(table)),
        }
    }

    /// Whether `table` is one the migration created, which nobody else uses yet.
    pub(crate) fn is_new(&self, table: &str) -> bool {
        self.created.contains(table)
    }

    /// Takes `ddl` into account for the statements after it.
    pub(crate) fn follow(&mut self, ddl: &Ddl) {
        match ddl {
            Ddl::CreateTable { table } => {
                self.created.insert(table.clone());
            }
            Ddl::CreateIndex { table, name, .. } if self.created.contains(table) => {
                self.new_indexes.insert(name.clone());
            }
            // A table rebuilt under its own name (SQLite's copy into `new__<table>`) is still the table
            // others use.
            Ddl::RenameTable { table, to } if self.created.contains(table) && self.existing.contains(to) => {
                self.created.remove(to);
            }
            Ddl::RenameTable { table, to } => {
                if self.created.contains(table) {
                    self.created.insert(to.clone());
                } else if self.existing.contains(table) {
                    self.existing.insert(to.clone());
                }
            }
            _ => {}
        }
    }
}

/// The statements `(operation, sql, written by the engine)` of a migration in their safe forms where one
/// exists, `tables` holding the tables before it. With `plain`, every statement is kept as written, in one
/// transaction.
pub(crate) fn safe_forms(
    statements: Vec<(usize, String, bool)>,
    mut tables: Tables,
    plain: bool,
) -> Vec<Planned> {
    let q = |name: &str| Backend::Postgres.quote_identifier(name);
    let mut planned = Vec::new();
    for (operation, sql, ours) in statements {
        let ddl = classify(&sql, Backend::Postgres);
        let existing = tables.on_existing(&ddl);
        tables.follow(&ddl);
        let mut push = |sql: String, placement| planned.push(Planned::sql(sql, operation, placement));
        if plain || !ours || !existing {
            push(sql, Placement::Shared);
            continue;
        }
        match &ddl {
            Ddl::CreateIndex { concurrently: false, unique, .. } => {
                let create = if *unique { "CREATE UNIQUE INDEX " } else { "CREATE INDEX " };
                let rest = sql.strip_prefix(create).unwrap_or(&sql);
                push(format!("{create}CONCURRENTLY {rest}"), Placement::NoTransaction);
            }
            Ddl::DropIndex { concurrently: false, table: None, name } => {
                push(drop_index_concurrently(name), Placement::NoTransaction);
            }
            Ddl::AddUnique { table, name, columns, using_index: false } => {
                let columns: Vec<String> = columns.iter().map(|column| q(column)).collect();
                push(
                    format!(
                        "CREATE UNIQUE INDEX CONCURRENTLY {} ON {} ({})",
                        q(name),
                        q(table),
                        columns.join(", ")
                    ),
                    Placement::NoTransaction,
                );
                push(
                    format!(
                        "ALTER TABLE {} ADD CONSTRAINT {} UNIQUE USING INDEX {}",
                        q(table),
                        q(name),
                        q(name)
                    ),
                    Placement::Shared,
                );
            }
            Ddl::AddForeignKey { table, name, not_valid: false, .. }
            | Ddl::AddCheck { table, name, not_valid: false } => {
                push(format!("{sql} NOT VALID"), Placement::Shared);
                push(
                    format!("ALTER TABLE {} VALIDATE CONSTRAINT {}", q(table), q(name)),
                    Placement::OwnTransaction,
                );
            }
            Ddl::SetNotNull { table, column } => {
                let check = q(&not_null_check_name(table, column));
                let t = q(table);
                push(
                    format!(
                        "ALTER TABLE {t} ADD CONSTRAINT {check} CHECK ({} IS NOT NULL) NOT VALID",
                        q(column)
                    ),
                    Placement::Shared,
                );
                push(format!("ALTER TABLE {t} VALIDATE CONSTRAINT {check}"), Placement::OwnTransaction);
                push(sql, Placement::Shared);
                push(format!("ALTER TABLE {t} DROP CONSTRAINT {check}"), Placement::Shared);
            }
            _ => push(sql, Placement::Shared),
        }
    }
    planned
}

/// `DROP INDEX CONCURRENTLY IF EXISTS`: safe to run again, and what clears an invalid index a failed or
/// killed concurrent build left.
pub(crate) fn drop_index_concurrently(name: &str) -> String {
    format!("DROP INDEX CONCURRENTLY IF EXISTS {}", Backend::Postgres.quote_identifier(name))
}

/// One run of statements: a transaction, or one statement outside any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Phase {
    /// The phase's statements: `start..end` of the migration's.
    pub(crate) start: usize,
    pub(crate) end: usize,
    /// Whether they run in one transaction.
    pub(crate) atomic: bool,
}

/// The phases of `planned`: a statement outside any transaction, or in its own, stands alone; the others
/// share the transaction of the statements before them.
pub(crate) fn phases(planned: &[Planned]) -> Vec<Phase> {
    let mut phases: Vec<Phase> = Vec::new();
    let mut alone = false;
    for (index, statement) in planned.iter().enumerate() {
        match (statement.placement, phases.last_mut()) {
            (Placement::Shared, Some(last)) if last.atomic && !alone => last.end = index + 1,
            (placement, _) => {
                let atomic = placement != Placement::NoTransaction;
                phases.push(Phase { start: index, end: index + 1, atomic });
                alone = placement != Placement::Shared;
                continue;
            }
        }
    }
    phases
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(statements: &[&str], existing: &[&str]) -> Vec<(String, Placement)> {
        let statements = statements.iter().map(|sql| (0, (*sql).to_owned(), true)).collect();
        let tables = Tables::new(existing.iter().map(|table| (*table).to_owned()));
        safe_forms(statements, tables, false).into_iter().map(|p| (p.sql, p.placement)).collect()
    }

    #[test]
    fn an_existing_table_gets_the_safe_forms_and_a_new_one_does_not() {
        let planned = plan(
            &[
                "CREATE TABLE \"b\" ( \"id\" bigint )",
                "CREATE INDEX \"b_x_idx\" ON \"b\" (\"x\")",
                "CREATE INDEX \"a_x_idx\" ON \"a\" (\"x\")",
                "ALTER TABLE \"a\" ADD CONSTRAINT \"a_b_fk\" FOREIGN KEY (\"b\") REFERENCES \"b\" (\"id\") ON DELETE CASCADE",
                "ALTER TABLE \"a\" ALTER COLUMN \"x\" SET NOT NULL",
                "ALTER TABLE \"a\" ADD CONSTRAINT \"a_y_key\" UNIQUE (\"y\")",
            ],
            &["a"],
        );
        let expected = [
            ("CREATE TABLE \"b\" ( \"id\" bigint )", Placement::Shared),
            ("CREATE INDEX \"b_x_idx\" ON \"b\" (\"x\")", Placement::Shared),
            ("CREATE INDEX CONCURRENTLY \"a_x_idx\" ON \"a\" (\"x\")", Placement::NoTransaction),
            (
                "ALTER TABLE \"a\" ADD CONSTRAINT \"a_b_fk\" FOREIGN KEY (\"b\") REFERENCES \"b\" (\"id\") ON DELETE CASCADE NOT VALID",
                Placement::Shared,
            ),
            ("ALTER TABLE \"a\" VALIDATE CONSTRAINT \"a_b_fk\"", Placement::OwnTransaction),
            (
                "ALTER TABLE \"a\" ADD CONSTRAINT \"a_x_notnull\" CHECK (\"x\" IS NOT NULL) NOT VALID",
                Placement::Shared,
            ),
            ("ALTER TABLE \"a\" VALIDATE CONSTRAINT \"a_x_notnull\"", Placement::OwnTransaction),
            ("ALTER TABLE \"a\" ALTER COLUMN \"x\" SET NOT NULL", Placement::Shared),
            ("ALTER TABLE \"a\" DROP CONSTRAINT \"a_x_notnull\"", Placement::Shared),
            ("CREATE UNIQUE INDEX CONCURRENTLY \"a_y_key\" ON \"a\" (\"y\")", Placement::NoTransaction),
            (
                "ALTER TABLE \"a\" ADD CONSTRAINT \"a_y_key\" UNIQUE USING INDEX \"a_y_key\"",
                Placement::Shared,
            ),
        ];
        let expected: Vec<(String, Placement)> =
            expected.into_iter().map(|(sql, placement)| (sql.to_owned(), placement)).collect();
        assert_eq!(planned, expected);
        let planned: Vec<Planned> =
            planned.into_iter().map(|(sql, placement)| Planned::sql(sql, 0, placement)).collect();
        let phases: Vec<(usize, usize, bool)> =
            phases(&planned).into_iter().map(|phase| (phase.start, phase.end, phase.atomic)).collect();
        assert_eq!(
            phases,
            [
                (0, 2, true),
                (2, 3, false),
                (3, 4, true),
                (4, 5, true),
                (5, 6, true),
                (6, 7, true),
                (7, 9, true),
                (9, 10, false),
                (10, 11, true)
            ]
        );
    }
}
