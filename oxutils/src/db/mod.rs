//! One connection type over SQLite (rusqlite, always built), PostgreSQL (`postgres` feature) and
//! MySQL/MariaDB (`mysql` feature). Values travel as `sea_query::Value` and are always bound as parameters.

mod error;
#[cfg(feature = "mysql")]
mod mysql;
#[cfg(feature = "postgres")]
mod postgres;
pub(crate) mod sqlite;

pub use error::{ConstraintKind, DbError, DriverError};

use crate::dialect::Backend;
use crate::field::row::FieldRow;
use sea_query::Value;

/// A row as one value per selected column.
pub type Row = Vec<Value>;

/// One column of a row, borrowed from the driver: SQLite's own value, read in place without a copy, text
/// (or JSON's text) borrowed from another driver's row, or a value the other drivers have converted.
#[derive(Debug, Clone, Copy)]
pub enum Cell<'a> {
    /// SQLite's value, borrowed from its row.
    Sqlite(rusqlite::types::ValueRef<'a>),
    /// A text or JSON column that is not NULL, borrowed from the row another driver read.
    Text(&'a str),
    /// A value another driver converted.
    Value(&'a Value),
}

impl<'a> Cell<'a> {
    /// The column as a field type, as `OxField::from_sqlite` or `from_value` reads it.
    pub fn get<T: crate::field::OxField>(self) -> Result<T, crate::field::ValueError> {
        match self {
            Cell::Sqlite(value) => T::from_sqlite(value),
            Cell::Text(text) => T::from_value(Value::String(Some(text.to_owned()))),
            Cell::Value(value) => T::from_value(value.clone()),
        }
    }

    /// The column's text, borrowed, when the driver returned text; `None` for anything else.
    pub fn text(self) -> Option<&'a str> {
        match self {
            Cell::Sqlite(rusqlite::types::ValueRef::Text(bytes)) => std::str::from_utf8(bytes).ok(),
            Cell::Text(text) => Some(text),
            Cell::Value(Value::String(Some(text))) => Some(text),
            _ => None,
        }
    }

    /// The column as an owned value, as the other drivers return it.
    pub fn to_value(self) -> Value {
        match self {
            Cell::Sqlite(value) => crate::field::sqlite::value_of(value),
            Cell::Text(text) => Value::String(Some(text.to_owned())),
            Cell::Value(value) => value.clone(),
        }
    }

    /// Whether the column is SQL NULL.
    pub fn is_null(self) -> bool {
        match self {
            Cell::Sqlite(value) => value == rusqlite::types::ValueRef::Null,
            Cell::Text(_) => false,
            Cell::Value(value) => crate::field::is_null(value),
        }
    }
}

/// Hands `read` the `width` cells of one row, as `cell` gives them, from the stack when the row is narrow
/// enough (most are), so that a row costs no allocation.
fn read_row<'a>(
    width: usize,
    mut cell: impl FnMut(usize) -> Result<Cell<'a>, DbError>,
    read: &mut impl FnMut(&[Cell<'_>]) -> Result<(), DbError>,
) -> Result<(), DbError> {
    const ON_STACK: usize = 16;
    if width <= ON_STACK {
        let mut cells = [Cell::Text(""); ON_STACK];
        for (index, slot) in cells.iter_mut().enumerate().take(width) {
            *slot = cell(index)?;
        }
        read(&cells[..width])
    } else {
        read(&(0..width).map(cell).collect::<Result<Vec<_>, _>>()?)
    }
}

/// The text of a statement, and how long its prepared form is worth keeping. `Fixed` text lives as long
/// as the program (each model's CRUD statements, built once): SQLite and PostgreSQL keep its statement
/// prepared on each connection, found by the text's address. `Repeated` text is built again on each call
/// in a shape that repeats (a query's filters with their values as parameters): kept prepared by its
/// text. `Built` text is anything else (DDL, a user's SQL).
#[derive(Debug, Clone, Copy)]
pub(crate) enum SqlText<'a> {
    Fixed(&'static str),
    Repeated(&'a str),
    Built(&'a str),
}

impl<'a> SqlText<'a> {
    pub(crate) fn text(self) -> &'a str {
        match self {
            SqlText::Fixed(text) => text,
            SqlText::Repeated(text) | SqlText::Built(text) => text,
        }
    }
}

/// The driver behind a connection.
#[allow(clippy::large_enum_variant)] // one per connection, never held in bulk: its size costs nothing
enum Driver {
    Sqlite(sqlite::SqliteConnection),
    #[cfg(feature = "postgres")]
    Postgres(postgres::PgConnection),
    #[cfg(feature = "mysql")]
    Mysql(::mysql::Conn),
}

/// An open connection to one database.
pub struct Connection {
    driver: Driver,
    /// Open transactions: the outermost is a real one, those inside it savepoints.
    depth: usize,
}

impl Connection {
    /// Connects from a URL: `sqlite://path`, `sqlite::memory:`, `postgres://...`, `mysql://...`.
    pub fn open(url: &str) -> Result<Self, DbError> {
        let scheme = url.split(':').next().unwrap_or_default();
        let driver = match scheme {
            "sqlite" => Driver::Sqlite(sqlite::open(url)?),
            #[cfg(feature = "postgres")]
            "postgres" | "postgresql" => Driver::Postgres(postgres::open(url)?),
            #[cfg(feature = "mysql")]
            "mysql" | "mariadb" => Driver::Mysql(mysql::open(url)?),
            // Reached only when the backend's feature is off.
            #[allow(unreachable_patterns)]
            "postgres" | "postgresql" | "mysql" | "mariadb" => {
                return Err(DbError::connect(
                    url,
                    format!(
                        "{scheme} support is not built in: enable the `{}` feature of oxutils",
                        if scheme.starts_with("postgres") { "postgres" } else { "mysql" }
                    ),
                ));
            }
            _ => {
                return Err(DbError::connect(
                    url,
                    "unsupported database URL: expected sqlite://PATH, sqlite::memory:, postgres://... or mysql://...",
                ));
            }
        };
        Ok(Connection { driver, depth: 0 })
    }

    /// The backend this connection talks to.
    pub fn backend(&self) -> Backend {
        match self.driver {
            Driver::Sqlite(_) => Backend::Sqlite,
            #[cfg(feature = "postgres")]
            Driver::Postgres(_) => Backend::Postgres,
            #[cfg(feature = "mysql")]
            Driver::Mysql(_) => Backend::Mysql,
        }
    }

    /// Runs SQL without parameters: DDL, or several statements separated by `;`.
    pub fn batch(&mut self, sql: &str) -> Result<(), DbError> {
        match &mut self.driver {
            Driver::Sqlite(connection) => sqlite::batch(connection, sql),
            #[cfg(feature = "postgres")]
            Driver::Postgres(client) => client.batch(sql),
            #[cfg(feature = "mysql")]
            Driver::Mysql(connection) => mysql::batch(connection, sql),
        }
    }

    /// Runs one statement with bound parameters; returns the number of rows it changed.
    pub fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, DbError> {
        self.execute_sql(SqlText::Built(sql), params)
    }

    pub(crate) fn execute_sql(&mut self, sql: SqlText<'_>, params: &[Value]) -> Result<u64, DbError> {
        match &mut self.driver {
            Driver::Sqlite(connection) => connection.execute(sql, params),
            #[cfg(feature = "postgres")]
            Driver::Postgres(client) => client.execute(sql, params, self.depth == 0),
            #[cfg(feature = "mysql")]
            Driver::Mysql(connection) => mysql::execute(connection, sql.text(), params),
        }
    }

    /// Runs a write whose parameters are the fields of `row` in order, but the one at `skip`. SQLite binds
    /// them in place; the other drivers take them as values.
    pub(crate) fn execute_row<R: FieldRow>(
        &mut self,
        sql: SqlText<'_>,
        row: &R,
        skip: Option<usize>,
    ) -> Result<u64, DbError> {
        match &mut self.driver {
            Driver::Sqlite(connection) => connection.execute_row(sql, row, skip),
            #[allow(unreachable_patterns)] // PostgreSQL and MySQL bind values
            _ => {
                let mut values = row.field_values();
                if let Some(skip) = skip {
                    values.remove(skip);
                }
                self.execute_sql(sql, &values)
            }
        }
    }

    /// Runs a multi-row write whose parameters are the fields of each of `rows` in turn, but the one at
    /// `skip` of each. SQLite binds them in place; the other drivers take them as values.
    pub(crate) fn execute_rows<R: FieldRow>(
        &mut self,
        sql: SqlText<'_>,
        rows: &[R],
        skip: Option<usize>,
    ) -> Result<u64, DbError> {
        match &mut self.driver {
            Driver::Sqlite(connection) => connection.execute_rows(sql, rows, skip),
            #[allow(unreachable_patterns)] // PostgreSQL and MySQL bind values
            _ => {
                let mut values = Vec::new();
                for row in rows {
                    values.extend(
                        row.field_values()
                            .into_iter()
                            .enumerate()
                            .filter(|(index, _)| Some(*index) != skip)
                            .map(|(_, value)| value),
                    );
                }
                self.execute_sql(sql, &values)
            }
        }
    }

    /// Runs a query with bound parameters and returns every row.
    pub fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, DbError> {
        self.query_sql(SqlText::Built(sql), params)
    }

    pub(crate) fn query_sql(&mut self, sql: SqlText<'_>, params: &[Value]) -> Result<Vec<Row>, DbError> {
        match &mut self.driver {
            Driver::Sqlite(connection) => sqlite::query(connection, sql, params),
            #[cfg(feature = "postgres")]
            Driver::Postgres(client) => client.query(sql, params, self.depth == 0),
            #[cfg(feature = "mysql")]
            Driver::Mysql(connection) => mysql::query(connection, sql.text(), params),
        }
    }

    /// Runs a query and hands each row's values to `read` as the driver yields them.
    pub fn query_rows<T>(
        &mut self,
        sql: &str,
        params: &[Value],
        mut read: impl FnMut(&mut dyn Iterator<Item = Value>) -> Result<T, DbError>,
    ) -> Result<Vec<T>, DbError> {
        match &mut self.driver {
            Driver::Sqlite(connection) => connection.query_rows(SqlText::Built(sql), params, read),
            #[allow(unreachable_patterns)] // PostgreSQL and MySQL convert whole rows first
            _ => self.query(sql, params)?.into_iter().map(|row| read(&mut row.into_iter())).collect(),
        }
    }

    /// Runs a query and hands each row's columns to `read`, borrowed from the driver: on SQLite nothing is
    /// copied out of the row unless `read` copies it.
    pub fn query_cells(
        &mut self,
        sql: &str,
        params: &[Value],
        read: impl FnMut(&[Cell<'_>]) -> Result<(), DbError>,
    ) -> Result<(), DbError> {
        match &mut self.driver {
            Driver::Sqlite(connection) => connection.query_cells(SqlText::Built(sql), params, read),
            #[cfg(feature = "postgres")]
            Driver::Postgres(client) => {
                client.query_cells(SqlText::Built(sql), params, self.depth == 0, read)
            }
            #[cfg(feature = "mysql")]
            Driver::Mysql(connection) => mysql::query_cells(connection, sql, params, read),
        }
    }

    /// Runs a query of every column of `R` (a model) and hands each row, as an `R`, to `keep` until it
    /// returns `false`. SQLite reads each field in place from its row; the other drivers convert whole
    /// rows first.
    // `keep` is called from a closure only by the server drivers.
    #[cfg_attr(not(any(feature = "postgres", feature = "mysql")), allow(unused_mut))]
    pub(crate) fn query_field_rows<R: FieldRow>(
        &mut self,
        sql: SqlText<'_>,
        params: &[Value],
        mut keep: impl FnMut(R) -> bool,
    ) -> Result<(), DbError> {
        match &mut self.driver {
            Driver::Sqlite(connection) => connection.query_field_rows(sql, params, keep),
            #[cfg(feature = "postgres")]
            Driver::Postgres(client) => client
                .query_each(sql, params, self.depth == 0, |values| Ok(keep(R::from_field_values(values)?))),
            #[cfg(feature = "mysql")]
            Driver::Mysql(connection) => mysql::query_each(connection, sql.text(), params, |values| {
                Ok(keep(R::from_field_values(values)?))
            }),
        }
    }

    /// The key the database generated for the last row inserted on this connection (SQLite and MySQL;
    /// PostgreSQL returns it from `INSERT ... RETURNING`).
    pub fn last_insert_id(&mut self) -> Result<i64, DbError> {
        match &mut self.driver {
            Driver::Sqlite(connection) => Ok(connection.connection().last_insert_rowid()),
            #[cfg(feature = "postgres")]
            Driver::Postgres(_) => Err(DbError::query("lastval()", "use INSERT ... RETURNING on PostgreSQL")),
            #[cfg(feature = "mysql")]
            Driver::Mysql(connection) => Ok(i64::try_from(connection.last_insert_id()).unwrap_or(i64::MAX)),
        }
    }

    /// Builds a sea-query statement for this backend and runs it.
    pub fn execute_statement(&mut self, statement: &impl Statement) -> Result<u64, DbError> {
        let (sql, values) = statement.build_for(self.backend());
        self.execute(&sql, &values)
    }

    /// Builds a sea-query select for this backend and returns its rows.
    pub fn query_statement(&mut self, statement: &impl Statement) -> Result<Vec<Row>, DbError> {
        let (sql, values) = statement.build_for(self.backend());
        self.query(&sql, &values)
    }

    /// Starts a transaction that rolls back unless committed; inside another one it is a savepoint, so
    /// that code which needs a transaction works whether or not its caller opened one. SQLite takes its
    /// write lock at once (`BEGIN IMMEDIATE`), so that two writers queue instead of failing halfway.
    pub fn transaction(&mut self) -> Result<Transaction<'_>, DbError> {
        let begin = self.begin_sql();
        self.batch(&begin)?;
        self.depth += 1;
        Ok(Transaction { connection: self, done: false })
    }

    /// `transaction`, with `sql` run first inside it in the same round trip: a setting for this
    /// transaction only (PostgreSQL's `SET LOCAL`), without a round trip of its own.
    pub(crate) fn transaction_then(&mut self, sql: &str) -> Result<Transaction<'_>, DbError> {
        let begin = self.begin_sql();
        let result = self.batch(&format!("{begin}; {sql}"));
        self.depth += 1;
        let transaction = Transaction { connection: self, done: false };
        // Dropped, the transaction that may have begun before `sql` failed is rolled back.
        result.map(|()| transaction)
    }

    fn begin_sql(&self) -> String {
        match (self.depth, self.backend()) {
            (0, Backend::Sqlite) => "BEGIN IMMEDIATE".to_owned(),
            (0, Backend::Postgres) => "BEGIN".to_owned(),
            (0, Backend::Mysql) => "START TRANSACTION".to_owned(),
            (depth, _) => format!("SAVEPOINT oxutils_{depth}"),
        }
    }

    /// Whether a transaction is open.
    pub fn in_transaction(&self) -> bool {
        self.depth > 0
    }

    fn end_transaction(&mut self, commit: bool) -> Result<(), DbError> {
        self.depth -= 1;
        self.batch(&end_sql(self.depth, commit))
    }
}

/// What ends the transaction that began at `depth` (0, or a savepoint's number inside another).
fn end_sql(depth: usize, commit: bool) -> String {
    match (depth, commit) {
        (0, true) => "COMMIT".to_owned(),
        (0, false) => "ROLLBACK".to_owned(),
        (depth, true) => format!("RELEASE SAVEPOINT oxutils_{depth}"),
        (depth, false) => format!("ROLLBACK TO SAVEPOINT oxutils_{depth}; RELEASE SAVEPOINT oxutils_{depth}"),
    }
}

/// A transaction: `commit` ends it; dropping it rolls it back.
pub struct Transaction<'a> {
    connection: &'a mut Connection,
    done: bool,
}

impl Transaction<'_> {
    /// Commits the transaction (releases the savepoint when nested).
    pub fn commit(mut self) -> Result<(), DbError> {
        self.done = true;
        self.connection.end_transaction(true)
    }

    /// Runs `sql`, the transaction's last statements, and commits, in one round trip. Should `sql` fail,
    /// the transaction is rolled back.
    pub(crate) fn commit_after(mut self, sql: &str) -> Result<(), DbError> {
        let depth = self.connection.depth - 1;
        // A statement that fails stops the batch before the commit; the drop rolls back.
        self.connection.batch(&format!("{sql}; {}", end_sql(depth, true)))?;
        self.done = true;
        self.connection.depth = depth;
        Ok(())
    }

    /// Rolls the transaction back (to the savepoint when nested).
    pub fn rollback(mut self) -> Result<(), DbError> {
        self.done = true;
        self.connection.end_transaction(false)
    }
}

impl std::ops::Deref for Transaction<'_> {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        self.connection
    }
}

impl std::ops::DerefMut for Transaction<'_> {
    fn deref_mut(&mut self) -> &mut Connection {
        self.connection
    }
}

impl Drop for Transaction<'_> {
    fn drop(&mut self) {
        if !self.done {
            // Nothing to report to: the caller is already unwinding from the error that skipped commit.
            let _ = self.connection.end_transaction(false);
        }
    }
}

/// A sea-query statement that can be built for any backend.
pub trait Statement {
    /// The statement's SQL for `backend` and its parameter values.
    fn build_for(&self, backend: Backend) -> (String, Vec<Value>);

    /// The statement's SQL for `backend` with its values written in as literals, to send in a batch with
    /// others.
    fn inline_for(&self, backend: Backend) -> String;
}

macro_rules! statement {
    ($($statement:ty),*) => {$(
        impl Statement for $statement {
            fn build_for(&self, backend: Backend) -> (String, Vec<Value>) {
                let (sql, values) = match backend {
                    Backend::Sqlite => self.build(sea_query::SqliteQueryBuilder),
                    Backend::Postgres => self.build(sea_query::PostgresQueryBuilder),
                    Backend::Mysql => self.build(sea_query::MysqlQueryBuilder),
                };
                (sql, values.0)
            }

            fn inline_for(&self, backend: Backend) -> String {
                match backend {
                    Backend::Sqlite => self.to_string(sea_query::SqliteQueryBuilder),
                    Backend::Postgres => self.to_string(sea_query::PostgresQueryBuilder),
                    Backend::Mysql => self.to_string(sea_query::MysqlQueryBuilder),
                }
            }
        }
    )*};
}

statement!(
    sea_query::SelectStatement,
    sea_query::InsertStatement,
    sea_query::UpdateStatement,
    sea_query::DeleteStatement
);
