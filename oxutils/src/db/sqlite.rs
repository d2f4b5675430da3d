//! SQLite through rusqlite.

use super::{ConstraintKind, DbError, Row, SqlText};
use crate::field::OxField;
use crate::field::row::{FieldRow, RowError, RowReader, RowWriter};
use crate::field::sqlite::Bind;
use rusqlite::types::ValueRef;
use sea_query::Value;
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::hash::{BuildHasherDefault, Hasher};
use std::time::Duration;

/// How long a writer waits for another to finish before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// A SQLite connection that keeps the statements of fixed SQL (each model's CRUD statements) prepared, as
/// hand-written code keeps its statements: each is found by the address of its text, so a call neither
/// hashes the text nor allocates, as rusqlite's statement cache does. Built SQL goes through that cache.
pub struct SqliteConnection {
    cell: ConnectionWithStatements,
}

/// Statements of `SqlText::Fixed` text, by the text's address and length, each borrowing the connection.
type HeldStatements<'connection> =
    HashMap<(usize, usize), rusqlite::Statement<'connection>, BuildHasherDefault<AddressHasher>>;

self_cell::self_cell!(
    /// The connection and the statements that borrow it, dropped statements first.
    struct ConnectionWithStatements {
        owner: rusqlite::Connection,
        #[covariant]
        dependent: HeldStatements,
    }
);

/// Hashes the address and length of a statement's text: keys that no caller chooses, so a multiply is
/// enough, and it costs less than the statement's own work, as SipHash does not.
#[derive(Default)]
struct AddressHasher(u64);

impl Hasher for AddressHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.write_u64(u64::from(*byte));
        }
    }

    fn write_usize(&mut self, value: usize) {
        self.write_u64(value as u64);
    }

    fn write_u64(&mut self, value: u64) {
        // Fibonacci hashing: spreads the low bits, always zero in an aligned address, over the top ones.
        self.0 = (self.0.rotate_left(5) ^ value).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

// SAFETY: self_cell leaves the cell `!Send` only because a `rusqlite::Statement` is: it holds a
// `&rusqlite::Connection`, and `Connection` is `Send` but not `Sync`. Sending the whole cell is sound, as
// sending a `Connection` alone is: every statement borrows the connection of this same cell, so it moves
// to the other thread with it and none is left behind to use the connection from the old thread; the
// cell lends its connection and statements only for a borrow of `self`, which cannot outlive a move.
// Nothing is shared between threads: `SqliteConnection` is not `Sync` (neither is `Connection`), so no
// two threads ever hold it or its statements at once.
unsafe impl Send for SqliteConnection {}

impl SqliteConnection {
    pub fn connection(&self) -> &rusqlite::Connection {
        self.cell.borrow_owner()
    }

    /// Runs `run` on the prepared statement of `sql`.
    fn with_statement<T>(
        &mut self,
        sql: SqlText<'_>,
        run: impl FnOnce(&mut rusqlite::Statement<'_>) -> Result<T, DbError>,
    ) -> Result<T, DbError> {
        self.cell.with_dependent_mut(|connection, held| match sql {
            SqlText::Fixed(text) => {
                let statement = match held.entry((text.as_ptr() as usize, text.len())) {
                    Entry::Occupied(held) => held.into_mut(),
                    Entry::Vacant(slot) => slot.insert(
                        connection
                            .prepare_with_flags(text, rusqlite::PrepFlags::SQLITE_PREPARE_PERSISTENT)
                            .map_err(|error| DbError::from_driver(text, error))?,
                    ),
                };
                run(statement)
            }
            SqlText::Repeated(text) | SqlText::Built(text) => {
                let mut statement =
                    connection.prepare_cached(text).map_err(|error| DbError::from_driver(text, error))?;
                run(&mut statement)
            }
        })
    }

    pub fn execute(&mut self, sql: SqlText<'_>, params: &[Value]) -> Result<u64, DbError> {
        self.with_statement(sql, |statement| {
            bind(statement, sql.text(), params)?;
            run_execute(statement, sql.text())
        })
    }

    /// Runs a write whose parameters are the fields of `row`, but the one at `skip`, bound in place.
    pub fn execute_row<R: FieldRow>(
        &mut self,
        sql: SqlText<'_>,
        row: &R,
        skip: Option<usize>,
    ) -> Result<u64, DbError> {
        self.with_statement(sql, |statement| {
            let mut params = ParamWriter { statement, field: 0, parameter: 0, skip, error: None };
            row.write_fields(&mut params);
            if let Some(error) = params.error {
                return Err(DbError::from_driver(sql.text(), error));
            }
            run_execute(statement, sql.text())
        })
    }

    /// Runs a multi-row write whose parameters are the fields of each of `rows` in turn, but the one at
    /// `skip` of each, bound in place.
    pub fn execute_rows<R: FieldRow>(
        &mut self,
        sql: SqlText<'_>,
        rows: &[R],
        skip: Option<usize>,
    ) -> Result<u64, DbError> {
        self.with_statement(sql, |statement| {
            let mut params = ParamWriter { statement, field: 0, parameter: 0, skip, error: None };
            for row in rows {
                params.field = 0;
                row.write_fields(&mut params);
            }
            if let Some(error) = params.error {
                return Err(DbError::from_driver(sql.text(), error));
            }
            run_execute(statement, sql.text())
        })
    }

    pub fn query_rows<T>(
        &mut self,
        sql: SqlText<'_>,
        params: &[Value],
        mut read: impl FnMut(&mut dyn Iterator<Item = Value>) -> Result<T, DbError>,
    ) -> Result<Vec<T>, DbError> {
        let mut read_rows = Vec::new();
        self.query_cells(sql, params, |cells| {
            read_rows.push(read(&mut cells.iter().map(|cell| cell.to_value()))?);
            Ok(())
        })?;
        Ok(read_rows)
    }

    pub fn query_cells(
        &mut self,
        sql: SqlText<'_>,
        params: &[Value],
        mut read: impl FnMut(&[super::Cell<'_>]) -> Result<(), DbError>,
    ) -> Result<(), DbError> {
        self.with_statement(sql, |statement| {
            bind(statement, sql.text(), params)?;
            let width = statement.column_count();
            let mut rows = statement.raw_query();
            while let Some(row) = rows.next().map_err(|error| classify(sql.text(), error))? {
                let cell = |index| Ok(super::Cell::Sqlite(row.get_ref(index).unwrap_or(ValueRef::Null)));
                super::read_row(width, cell, &mut read)?;
            }
            Ok(())
        })
    }

    /// Reads rows as `R`s (models), each field in place from SQLite's row, and hands each to `keep` until
    /// it returns `false`.
    pub fn query_field_rows<R: FieldRow>(
        &mut self,
        sql: SqlText<'_>,
        params: &[Value],
        mut keep: impl FnMut(R) -> bool,
    ) -> Result<(), DbError> {
        self.with_statement(sql, |statement| {
            bind(statement, sql.text(), params)?;
            let width = statement.column_count();
            let expected = R::width();
            let mut rows = statement.raw_query();
            while let Some(row) = rows.next().map_err(|error| classify(sql.text(), error))? {
                if !keep(R::read_fields(&mut FieldReader { row, width, expected, index: 0 })?) {
                    break;
                }
            }
            Ok(())
        })
    }
}

/// Steps a write once and resets it.
fn run_execute(statement: &mut rusqlite::Statement<'_>, sql: &str) -> Result<u64, DbError> {
    let changed = statement.raw_execute().map_err(|error| classify(sql, error))?;
    Ok(changed as u64)
}

/// Binds a row's fields as they come, skipping the one at `skip` (a key for the database to generate).
struct ParamWriter<'a, 'conn> {
    statement: &'a mut rusqlite::Statement<'conn>,
    field: usize,
    parameter: usize,
    skip: Option<usize>,
    /// The first field that could not be bound; the write is then not run.
    error: Option<rusqlite::Error>,
}

impl RowWriter for ParamWriter<'_, '_> {
    fn write<T: OxField>(&mut self, value: &T) {
        let field = self.field;
        self.field += 1;
        if Some(field) == self.skip || self.error.is_some() {
            return;
        }
        self.parameter += 1;
        let bound =
            value.to_sqlite().and_then(|output| self.statement.raw_bind_parameter(self.parameter, output));
        if let Err(error) = bound {
            self.error = Some(error);
        }
    }
}

/// Reads a row's fields (`expected` of them) in place from a SQLite row of `width` columns.
struct FieldReader<'a, 'stmt> {
    row: &'a rusqlite::Row<'stmt>,
    width: usize,
    expected: usize,
    index: usize,
}

impl RowReader for FieldReader<'_, '_> {
    fn read<T: OxField>(&mut self, model: &'static str, field: &'static str) -> Result<T, RowError> {
        let index = self.index;
        self.index += 1;
        if index >= self.width {
            return Err(RowError::ColumnCount { model, expected: self.expected, found: self.width });
        }
        T::from_sqlite(self.row.get_ref_unwrap(index)).map_err(|error| RowError::Field {
            model,
            field,
            error,
        })
    }
}

pub fn open(url: &str) -> Result<SqliteConnection, DbError> {
    let connection = match url {
        "sqlite::memory:" | "sqlite://:memory:" => rusqlite::Connection::open_in_memory(),
        _ => {
            let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
            rusqlite::Connection::open(path)
        }
    }
    .map_err(|error| DbError::connect_driver(url, error))?;
    connection.busy_timeout(BUSY_TIMEOUT).map_err(|error| DbError::connect_driver(url, error))?;
    // SQLite leaves foreign keys unenforced unless asked, per connection.
    connection
        .execute_batch("PRAGMA foreign_keys = ON")
        .map_err(|error| DbError::connect_driver(url, error))?;
    Ok(SqliteConnection { cell: ConnectionWithStatements::new(connection, |_| HashMap::default()) })
}

pub fn batch(connection: &SqliteConnection, sql: &str) -> Result<(), DbError> {
    connection.connection().execute_batch(sql).map_err(|error| classify(sql, error))
}

/// SQLite's constraint errors as typed ones: "UNIQUE constraint failed: table.column",
/// "CHECK constraint failed: name", "NOT NULL constraint failed: table.column", "FOREIGN KEY constraint failed".
fn classify(sql: &str, error: rusqlite::Error) -> DbError {
    use rusqlite::ffi;
    let rusqlite::Error::SqliteFailure(failure, Some(message)) = &error else {
        return DbError::from_driver(sql, error);
    };
    let kind = match failure.extended_code {
        ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => ConstraintKind::Unique,
        ffi::SQLITE_CONSTRAINT_FOREIGNKEY => ConstraintKind::ForeignKey,
        ffi::SQLITE_CONSTRAINT_CHECK => ConstraintKind::Check,
        ffi::SQLITE_CONSTRAINT_NOTNULL => ConstraintKind::NotNull,
        _ => return DbError::from_driver(sql, error),
    };
    let detail = message.split_once("failed: ").map(|(_, detail)| detail.to_owned());
    let (constraint, table) = match (kind, detail) {
        (ConstraintKind::Check, Some(name)) => (Some(name), None),
        (ConstraintKind::Unique | ConstraintKind::NotNull, Some(columns)) => {
            let table = columns.split_once('.').map(|(table, _)| table.to_owned());
            (Some(columns), table)
        }
        _ => (None, None),
    };
    DbError::Constraint { kind, constraint, table, message: message.clone() }
}

pub fn query(
    connection: &mut SqliteConnection,
    sql: SqlText<'_>,
    params: &[Value],
) -> Result<Vec<Row>, DbError> {
    connection.query_rows(sql, params, |values| Ok(values.collect()))
}

/// Binds each value where it lies: text and bytes are lent to SQLite, not copied.
fn bind(statement: &mut rusqlite::Statement<'_>, sql: &str, params: &[Value]) -> Result<(), DbError> {
    for (index, value) in params.iter().enumerate() {
        statement
            .raw_bind_parameter(index + 1, Bind(value))
            .map_err(|error| DbError::from_driver(sql, error))?;
    }
    Ok(())
}
