//! `cargo oxutils lint`: the operations of migrations that block traffic or lose data, read off the
//! statements they run on a backend and their cost (`cost.rs`), as squawk and strong_migrations flag them.
//! Each finding names its migration, operation, lock and the safe way to get the same change; a migration
//! accepts one with `"acknowledged": [{"finding": CODE, "operation": N, "reason": "..."}]` in its file.

use super::cost::{Cost, Work};
use super::statement::{ColumnDefault, Ddl, classify};
use crate::dialect::Backend;
use crate::migrations::executor::{ExplainedStatement, MigrateError, explain_migration};
use crate::migrations::file::{Migration, MigrationKey};
use crate::migrations::graph::MigrationGraph;
use crate::migrations::operation::{
    AlterModelTable, DeleteModel, Operation, RemoveField, RenameField, RenameModel,
};

/// One operation that blocks traffic or loses data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The migration.
    pub migration: MigrationKey,
    /// The operation, by position from 0, and its description.
    pub operation: usize,
    /// What the operation does, as `makemigrations` describes it.
    pub description: String,
    /// The finding's code, which an acknowledgement names: `drop-column`, `blocking-index`...
    pub code: &'static str,
    /// The backend whose statements were read.
    pub backend: Backend,
    /// What the operation's costliest statement takes, as `sqlmigrate` shows it.
    pub cost: String,
    /// What goes wrong.
    pub problem: String,
    /// The safe way to get the same change.
    pub safe: String,
    /// The reason the migration's file gives for accepting it, if it does.
    pub acknowledged: Option<String>,
    /// The table a `delete-model` finding drops, so that a lint given a database can count its rows.
    pub dropped_table: Option<String>,
}

/// The findings of the migrations `keys` of `graph` on `backend`, in order.
pub fn lint(
    graph: &MigrationGraph,
    keys: &[MigrationKey],
    backend: Backend,
) -> Result<Vec<Finding>, MigrateError> {
    let mut findings = Vec::new();
    for key in keys {
        let Some(migration) = graph.migration(key) else { continue };
        let explained = explain_migration(graph, key, backend, false)?;
        findings.extend(lint_explained(migration, &explained, backend));
    }
    Ok(findings)
}

/// The findings on `migration`, whose statements on `backend` are `explained`.
pub fn lint_explained(
    migration: &Migration,
    explained: &[ExplainedStatement],
    backend: Backend,
) -> Vec<Finding> {
    let key = migration.key();
    let mut found: Vec<Finding> = Vec::new();
    for (index, operation) in migration.operations.iter().enumerate() {
        let statements: Vec<&ExplainedStatement> =
            explained.iter().filter(|statement| statement.operation == index).collect();
        let costliest = statements
            .iter()
            .filter(|statement| statement.cost.work() != Work::NewTable)
            .max_by_key(|statement| (statement.cost.blocks_traffic(), statement.cost.work()))
            .map(|statement| statement.cost.to_string())
            .unwrap_or_else(|| "no statement".to_owned());
        let dropped = statements.iter().find_map(|statement| match classify(&statement.sql, backend) {
            Ddl::DropTable { table } => Some(table),
            _ => None,
        });
        let mut push = |code: &'static str, cost: String, problem: String, safe: String| {
            if !found.iter().any(|finding| finding.operation == index && finding.code == code) {
                found.push(Finding {
                    migration: key.clone(),
                    operation: index,
                    description: operation.describe(),
                    code,
                    backend,
                    cost,
                    problem,
                    safe,
                    acknowledged: acknowledged(migration, index, code),
                    dropped_table: dropped.clone().filter(|_| code == "delete-model"),
                });
            }
        };
        if let Some((code, problem, safe)) = operation_finding(operation) {
            push(code, costliest.clone(), problem, safe);
        }
        for statement in statements {
            if let Some((code, problem, safe)) = statement_finding(statement, backend) {
                push(code, statement.cost.to_string(), problem, safe);
            }
        }
    }
    found
}

/// The reason `migration` gives for accepting finding `code` on operation `index`.
fn acknowledged(migration: &Migration, index: usize, code: &str) -> Option<String> {
    migration
        .acknowledged
        .iter()
        .find(|ack| ack.finding == code && ack.operation.is_none_or(|operation| operation == index))
        .map(|ack| ack.reason.clone())
}

/// What an operation does to code still running while it is deployed, whatever its SQL costs.
fn operation_finding(operation: &Operation) -> Option<(&'static str, String, String)> {
    let expand_contract = "expand and contract: add the new one beside the old, write both from the code, backfill \
                           it, move the reads, then drop the old one in a later migration";
    Some(match operation {
        Operation::RemoveField(RemoveField { model, name }) => (
            "drop-column",
            format!("drops the column of {model}.{name} and its data: code still running reads it and fails until it is replaced"),
            "first deploy code that no longer reads or writes the field (make it nullable if needed), then drop \
             it in a later migration"
                .to_owned(),
        ),
        Operation::RenameField(RenameField { model, old_name, new_name }) => (
            "rename-column",
            format!("renames {model}.{old_name} to {new_name}: code still running uses the old name and fails"),
            expand_contract.to_owned(),
        ),
        Operation::RenameModel(RenameModel { old_name, new_name }) => (
            "rename-table",
            format!("renames the table of {old_name} (now {new_name}): code still running uses the old table and fails"),
            expand_contract.to_owned(),
        ),
        Operation::AlterModelTable(AlterModelTable { name, table }) => (
            "rename-table",
            format!("renames the table of {name} to {table}: code still running uses the old table and fails"),
            expand_contract.to_owned(),
        ),
        Operation::DeleteModel(DeleteModel { name }) => (
            "delete-model",
            format!("drops the table of {name} and every row in it"),
            "first deploy code that no longer uses the model, keep a backup of its rows, then delete it".to_owned(),
        ),
        _ => return None,
    })
}

/// What a statement costs the traffic on a table that exists already, where a safe form exists.
fn statement_finding(
    statement: &ExplainedStatement,
    backend: Backend,
) -> Option<(&'static str, String, String)> {
    let ddl = classify(&statement.sql, backend);
    if let Ddl::AddColumn { column, default: ColumnDefault::Volatile, .. } = &ddl {
        return Some((
            "volatile-default",
            format!("the default of new column {column} is computed per row, so every row is written again"),
            "add the column without a default (or with a constant one), backfill it in batches, then set the \
             default"
                .to_owned(),
        ));
    }
    if !statement.cost.blocks_traffic() {
        return None;
    }
    let postgres = backend == Backend::Postgres;
    Some(match ddl {
        Ddl::CreateIndex { name, .. } => (
            "blocking-index",
            format!("builds index {name} while writes to the table wait"),
            if postgres {
                "CREATE INDEX CONCURRENTLY, outside a transaction: the default unless the file has plain_ddl; in \
                 run_sql, write it so, alone in its migration"
                    .to_owned()
            } else {
                "an index build is INPLACE with LOCK=NONE on InnoDB: check the table's engine".to_owned()
            },
        ),
        Ddl::AddForeignKey { name, .. } | Ddl::AddCheck { name, .. } | Ddl::AddUnique { name, .. } => (
            "blocking-constraint",
            format!("checks every row for constraint {name} while writes to the table wait"),
            if postgres {
                "add it NOT VALID, then VALIDATE CONSTRAINT in a transaction of its own (a unique one: build the \
                 index CONCURRENTLY, then UNIQUE USING INDEX): the default unless the file has plain_ddl"
                    .to_owned()
            } else {
                "InnoDB copies the table to check the rows: on a large table use an online schema change tool \
                 (gh-ost, pt-online-schema-change), or add it in a quiet hour"
                    .to_owned()
            },
        ),
        Ddl::SetNotNull { column, .. } => (
            "not-null",
            format!("scans every row for NULL in {column} while the table is locked"),
            "add CHECK (column IS NOT NULL) NOT VALID, VALIDATE it, then SET NOT NULL, which then scans nothing: the \
             default unless the file has plain_ddl"
                .to_owned(),
        ),
        Ddl::AlterType { column, .. } | Ddl::ModifyColumn { column, .. } => (
            "table-rewrite",
            format!("changes the type of {column}, which rewrites the table while it is locked"),
            "add a column of the new type, backfill it in batches, move the code to it, then drop the old one"
                .to_owned(),
        ),
        Ddl::AddColumn { column, .. } => (
            "table-rewrite",
            format!("adding {column} rewrites the table while it is locked"),
            "add the column nullable and without a default, then backfill it in batches".to_owned(),
        ),
        _ if matches!(statement.cost, Cost::Sqlite { .. }) => return None,
        _ => (
            "blocking-statement",
            "locks the table against writes while it reads or writes every row".to_owned(),
            "split the change so that no statement scans a large table under a lock".to_owned(),
        ),
    })
}
