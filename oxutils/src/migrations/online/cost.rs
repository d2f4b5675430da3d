//! What a statement costs the traffic on its table, per backend: on PostgreSQL the lock it takes and
//! whether it scans or rewrites the table; on MySQL/MariaDB the algorithm InnoDB allows (INSTANT, INPLACE,
//! COPY); on SQLite whether the table is rebuilt. Taken from PostgreSQL's `ALTER TABLE` documentation and
//! MariaDB's "InnoDB Online DDL Operations" pages, and held against the servers in the tests.

use super::statement::{ColumnDefault, Ddl};
use crate::dialect::Backend;
use crate::migrations::state::ProjectState;
use crate::schema::{ColumnType, FieldSchema};
use std::fmt;

/// A PostgreSQL table lock, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PostgresLock {
    /// Taken by `UPDATE`, `INSERT`, `DELETE`: other writers wait only for the same rows.
    RowExclusive,
    /// Reads and writes go on (`CREATE INDEX CONCURRENTLY`, `VALIDATE CONSTRAINT`).
    ShareUpdateExclusive,
    /// Reads go on, writes wait (`CREATE INDEX`).
    Share,
    /// Reads go on, writes wait (`ADD FOREIGN KEY`, on both tables).
    ShareRowExclusive,
    /// Everything waits, reads too.
    AccessExclusive,
}

impl PostgresLock {
    /// The lock's name as PostgreSQL's documentation and `pg_locks` spell it.
    pub fn name(self) -> &'static str {
        match self {
            PostgresLock::RowExclusive => "ROW EXCLUSIVE",
            PostgresLock::ShareUpdateExclusive => "SHARE UPDATE EXCLUSIVE",
            PostgresLock::Share => "SHARE",
            PostgresLock::ShareRowExclusive => "SHARE ROW EXCLUSIVE",
            PostgresLock::AccessExclusive => "ACCESS EXCLUSIVE",
        }
    }

    /// Whether writers of the table wait while it is held.
    pub fn blocks_writes(self) -> bool {
        self >= PostgresLock::Share
    }
}

/// What a statement does to the rows of its table while it holds its lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Work {
    /// A table the same migration created: nobody else uses it yet.
    NewTable,
    /// Changes the catalog only; the lock is held for milliseconds (once it is granted).
    Catalog,
    /// Writes rows (a backfill).
    Rows,
    /// Reads every row (an index build, a constraint validated, NOT NULL checked).
    Scan,
    /// Writes the whole table again, and its indexes.
    Rewrite,
    /// Not a statement the engine reads (a user's SQL): its cost is unknown.
    Unknown,
}

/// The algorithm MySQL/MariaDB's InnoDB runs a change with, cheapest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Algorithm {
    /// The catalog only.
    Instant,
    /// In place, reads and writes going on (`LOCK=NONE`), possibly rebuilding the table.
    Inplace,
    /// A copy of the table; writes wait until it is done.
    Copy,
}

impl Algorithm {
    /// As `ALGORITHM=` spells it.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Instant => "INSTANT",
            Algorithm::Inplace => "INPLACE",
            Algorithm::Copy => "COPY",
        }
    }
}

/// What one statement costs on one backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cost {
    /// PostgreSQL: the lock and what is done under it; `None` for a new table's own statements.
    Postgres {
        /// The table lock taken.
        lock: Option<PostgresLock>,
        /// What the statement does to the rows.
        work: Work,
    },
    /// MySQL/MariaDB: the algorithm InnoDB allows; `None` for a statement that is not an `ALTER TABLE`
    /// of an existing table.
    Mysql {
        /// The algorithm.
        algorithm: Option<Algorithm>,
        /// What the statement does to the rows.
        work: Work,
    },
    /// SQLite: whether the statement is part of a table rebuild (every row copied into a new table).
    Sqlite {
        /// What the statement does to the rows.
        work: Work,
    },
}

impl Cost {
    /// What is done to the rows.
    pub fn work(&self) -> Work {
        match *self {
            Cost::Postgres { work, .. } | Cost::Mysql { work, .. } | Cost::Sqlite { work } => work,
        }
    }

    /// Whether writers (or readers) of an existing table wait for longer than a catalog change.
    pub fn blocks_traffic(&self) -> bool {
        match *self {
            Cost::Postgres { lock, work } => {
                lock.is_some_and(PostgresLock::blocks_writes) && matches!(work, Work::Scan | Work::Rewrite)
            }
            Cost::Mysql { algorithm, .. } => algorithm == Some(Algorithm::Copy),
            Cost::Sqlite { work } => work == Work::Rewrite,
        }
    }
}

impl fmt::Display for Cost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let work = |work: Work| match work {
            Work::NewTable => "new table",
            Work::Catalog => "catalog only",
            Work::Rows => "writes rows",
            Work::Scan => "scans the table",
            Work::Rewrite => "rewrites the table",
            Work::Unknown => "cost unknown (not a statement the engine writes)",
        };
        match *self {
            Cost::Postgres { lock: Some(lock), work: what } => {
                let traffic = if lock.blocks_writes() { "blocks writes" } else { "reads and writes go on" };
                let traffic =
                    if lock == PostgresLock::AccessExclusive { "blocks reads and writes" } else { traffic };
                write!(f, "{} lock ({traffic}), {}", lock.name(), work(what))
            }
            Cost::Postgres { lock: None, work: what } => f.write_str(work(what)),
            Cost::Mysql { algorithm: Some(algorithm), work: what } => {
                let lock = match algorithm {
                    Algorithm::Copy => ", writes wait",
                    Algorithm::Inplace => ", LOCK=NONE",
                    Algorithm::Instant => "",
                };
                write!(f, "ALGORITHM={}{lock}, {}", algorithm.name(), work(what))
            }
            Cost::Mysql { algorithm: None, work: what } => f.write_str(work(what)),
            Cost::Sqlite { work: Work::Rewrite } => f.write_str("rebuilds the table (copies every row)"),
            Cost::Sqlite { work: Work::Catalog } => f.write_str("in place"),
            Cost::Sqlite { work: what } => f.write_str(work(what)),
        }
    }
}

/// The states around a statement: the columns it changes, before and after, and whether its table is one
/// the same migration created.
pub(crate) struct Context<'a> {
    pub(crate) before: &'a ProjectState,
    pub(crate) after: &'a ProjectState,
    pub(crate) new_table: bool,
    /// SQLite: the statement is part of a table rebuild.
    pub(crate) rebuild: bool,
}

/// The cost of `ddl` on `backend`.
pub(crate) fn cost(ddl: &Ddl, backend: Backend, context: &Context<'_>) -> Cost {
    match backend {
        Backend::Postgres => postgres(ddl, context),
        Backend::Mysql => mysql(ddl, context),
        Backend::Sqlite => Cost::Sqlite {
            work: match ddl {
                _ if context.rebuild => Work::Rewrite,
                Ddl::CreateTable { .. } => Work::NewTable,
                Ddl::Other => Work::Unknown,
                Ddl::Rows { .. } => Work::Rows,
                _ if context.new_table => Work::NewTable,
                Ddl::CreateIndex { .. } => Work::Scan,
                _ => Work::Catalog,
            },
        },
    }
}

fn postgres(ddl: &Ddl, context: &Context<'_>) -> Cost {
    use PostgresLock::*;
    use Work::*;
    let (lock, work) = match ddl {
        Ddl::Other => return Cost::Postgres { lock: None, work: Unknown },
        Ddl::CreateTable { .. } => return Cost::Postgres { lock: None, work: NewTable },
        _ if context.new_table => return Cost::Postgres { lock: None, work: NewTable },
        Ddl::Rows { .. } => (RowExclusive, Rows),
        Ddl::DropTable { .. }
        | Ddl::RenameTable { .. }
        | Ddl::DropColumn { .. }
        | Ddl::RenameColumn { .. }
        | Ddl::AlterColumnCatalog { .. }
        | Ddl::DropConstraint { .. }
        | Ddl::RenameConstraint { .. } => (AccessExclusive, Catalog),
        Ddl::AddColumn { default: ColumnDefault::Volatile, .. } => (AccessExclusive, Rewrite),
        Ddl::AddColumn { .. } => (AccessExclusive, Catalog),
        Ddl::AlterType { table, column } => {
            let widened = column_pair(context, table, column)
                .is_some_and(|(old, new)| text_widened(old.column_type, new.column_type));
            (AccessExclusive, if widened { Catalog } else { Rewrite })
        }
        // Catalog only when a validated `CHECK (column IS NOT NULL)` proves it (the safe form's last step).
        Ddl::SetNotNull { .. } => (AccessExclusive, Scan),
        Ddl::ModifyColumn { .. } => (AccessExclusive, Rewrite),
        Ddl::CreateIndex { concurrently: true, .. } => (ShareUpdateExclusive, Scan),
        Ddl::CreateIndex { .. } => (Share, Scan),
        Ddl::DropIndex { concurrently: true, .. } => (ShareUpdateExclusive, Catalog),
        Ddl::DropIndex { .. } => (AccessExclusive, Catalog),
        Ddl::RenameIndex { .. } => (ShareUpdateExclusive, Catalog),
        Ddl::AddForeignKey { not_valid: true, .. } => (ShareRowExclusive, Catalog),
        Ddl::AddForeignKey { .. } => (ShareRowExclusive, Scan),
        Ddl::AddCheck { not_valid: true, .. } => (AccessExclusive, Catalog),
        Ddl::AddCheck { .. } => (AccessExclusive, Scan),
        Ddl::AddUnique { using_index: true, .. } => (AccessExclusive, Catalog),
        Ddl::AddUnique { .. } => (AccessExclusive, Scan),
        Ddl::ValidateConstraint { .. } => (ShareUpdateExclusive, Scan),
        Ddl::Comment { .. } => (ShareUpdateExclusive, Catalog),
    };
    Cost::Postgres { lock: Some(lock), work }
}

fn mysql(ddl: &Ddl, context: &Context<'_>) -> Cost {
    use Algorithm::*;
    let (algorithm, work) = match ddl {
        Ddl::Other => return Cost::Mysql { algorithm: None, work: Work::Unknown },
        Ddl::CreateTable { .. } => return Cost::Mysql { algorithm: None, work: Work::NewTable },
        _ if context.new_table => return Cost::Mysql { algorithm: None, work: Work::NewTable },
        Ddl::Rows { .. } => return Cost::Mysql { algorithm: None, work: Work::Rows },
        Ddl::DropTable { .. } => return Cost::Mysql { algorithm: None, work: Work::Catalog },
        Ddl::RenameTable { .. }
        | Ddl::RenameColumn { .. }
        | Ddl::RenameIndex { .. }
        | Ddl::RenameConstraint { .. }
        | Ddl::AlterColumnCatalog { .. }
        | Ddl::Comment { .. }
        | Ddl::DropConstraint { .. } => (Instant, Work::Catalog),
        // A column in an index takes the index with it, which is in place (MariaDB's NOCOPY).
        Ddl::DropColumn { table, column } => {
            if indexed(context.before, table, column) {
                (Inplace, Work::Catalog)
            } else {
                (Instant, Work::Catalog)
            }
        }
        // In place without a copy (MariaDB's NOCOPY): the index's pages are freed, rows untouched.
        Ddl::DropIndex { .. } => (Inplace, Work::Catalog),
        Ddl::AddColumn { default: ColumnDefault::Volatile, .. } => (Copy, Work::Rewrite),
        // Its unique index is built in place.
        Ddl::AddColumn { unique: true, .. } => (Inplace, Work::Scan),
        Ddl::AddColumn { .. } => (Instant, Work::Catalog),
        Ddl::CreateIndex { .. } | Ddl::AddUnique { .. } => (Inplace, Work::Scan),
        // InnoDB checks the existing rows by copying the table, unless foreign_key_checks is off.
        Ddl::AddForeignKey { .. } | Ddl::AddCheck { .. } => (Copy, Work::Scan),
        Ddl::ValidateConstraint { .. } => (Copy, Work::Scan),
        Ddl::AlterType { table, column }
        | Ddl::SetNotNull { table, column }
        | Ddl::ModifyColumn { table, column } => match column_pair(context, table, column) {
            Some((old, new)) => modify(old, new),
            None => (Copy, Work::Rewrite),
        },
    };
    Cost::Mysql { algorithm: Some(algorithm), work }
}

/// InnoDB's `MODIFY COLUMN`, by what changed. A `varchar` made longer is a catalog change while its
/// length still fits the same number of length bytes (255 bytes of utf8mb4: 63 characters); any other type
/// change copies the table.
fn modify(old: &FieldSchema, new: &FieldSchema) -> (Algorithm, Work) {
    let retyped = match (old.column_type, new.column_type) {
        (before, after) if before == after => false,
        (ColumnType::String { max_length: before }, ColumnType::String { max_length: after }) => {
            let one_length_byte = |length: u32| length * 4 <= 255;
            after < before || one_length_byte(before) != one_length_byte(after)
        }
        _ => true,
    };
    if retyped {
        return (Algorithm::Copy, Work::Rewrite);
    }
    if old.nullable != new.nullable {
        // Rebuilt in place, reads and writes going on (MariaDB 10.11 refuses INSTANT either way).
        return (Algorithm::Inplace, Work::Rewrite);
    }
    (Algorithm::Instant, Work::Catalog)
}

/// Whether `column` of `table` is in an index: its own, a unique key, a foreign key's, or a composite one.
fn indexed(state: &ProjectState, table: &str, column: &str) -> bool {
    state.models().filter(|model| model.table == table).any(|model| {
        let own = model.fields.iter().any(|field| {
            field.column == column && (field.index || field.unique || field.foreign_key.is_some())
        });
        let composite = model.indexes.iter().any(|index| index.columns.iter().any(|c| c == column));
        let unique = model.constraints.iter().any(|constraint| match constraint {
            crate::schema::ConstraintSchema::Unique { columns, .. } => columns.iter().any(|c| c == column),
            crate::schema::ConstraintSchema::Check { .. } => false,
        });
        own || composite || unique
    })
}

/// A `varchar` made longer, or turned into `text`: PostgreSQL changes the catalog only.
fn text_widened(old: ColumnType, new: ColumnType) -> bool {
    match (old, new) {
        (ColumnType::String { max_length: before }, ColumnType::String { max_length: after }) => {
            after >= before
        }
        (ColumnType::String { .. }, ColumnType::Text) => true,
        _ => false,
    }
}

/// The column `column` of `table` before and after, where both states have it (under the same column
/// name: a rename comes as its own statement).
fn column_pair<'a>(
    context: &Context<'a>,
    table: &str,
    column: &str,
) -> Option<(&'a FieldSchema, &'a FieldSchema)> {
    let find = |state: &'a ProjectState| {
        state
            .models()
            .filter(|model| model.table == table)
            .find_map(|model| model.fields.iter().find(|field| field.column == column))
    };
    Some((find(context.before)?, find(context.after)?))
}
