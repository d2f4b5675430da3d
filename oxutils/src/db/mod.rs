//! One connection type over SQLite (rusqlite, always built), PostgreSQL (`postgres` feature) and
//! MySQL/MariaDB (`mysql` feature). Values travel as `sea_query::Value` and are always bound as parameters.

mod error;
#[cfg(feature = "mysql")]
mod mysql;
#[cfg(feature = "postgres")]
mod postgres;
mod sqlite;

pub use error::DbError;

use crate::ddl::Backend;
use sea_query::Value;

/// A row as one value per selected column.
pub type Row = Vec<Value>;

/// An open connection to one database.
pub enum Connection {
    Sqlite(rusqlite::Connection),
    #[cfg(feature = "postgres")]
    Postgres(::postgres::Client),
    #[cfg(feature = "mysql")]
    Mysql(::mysql::Conn),
}

impl Connection {
    /// Connects from a URL: `sqlite://path`, `sqlite::memory:`, `postgres://...`, `mysql://...`.
    pub fn open(url: &str) -> Result<Self, DbError> {
        let scheme = url.split(':').next().unwrap_or_default();
        match scheme {
            "sqlite" => sqlite::open(url).map(Connection::Sqlite),
            #[cfg(feature = "postgres")]
            "postgres" | "postgresql" => postgres::open(url).map(Connection::Postgres),
            #[cfg(feature = "mysql")]
            "mysql" | "mariadb" => mysql::open(url).map(Connection::Mysql),
            // Reached only when the backend's feature is off.
            #[allow(unreachable_patterns)]
            "postgres" | "postgresql" | "mysql" | "mariadb" => Err(DbError::Connect(format!(
                "{scheme} support is not built in: enable the `{}` feature of oxutils",
                if scheme.starts_with("postgres") { "postgres" } else { "mysql" }
            ))),
            _ => Err(DbError::Connect(format!(
                "unsupported database URL `{}`: expected sqlite://PATH, sqlite::memory:, postgres://... or mysql://...",
                error::redact_url(url)
            ))),
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Connection::Sqlite(_) => Backend::Sqlite,
            #[cfg(feature = "postgres")]
            Connection::Postgres(_) => Backend::Postgres,
            #[cfg(feature = "mysql")]
            Connection::Mysql(_) => Backend::Mysql,
        }
    }

    /// Runs SQL without parameters: DDL, or several statements separated by `;`.
    pub fn batch(&mut self, sql: &str) -> Result<(), DbError> {
        match self {
            Connection::Sqlite(connection) => sqlite::batch(connection, sql),
            #[cfg(feature = "postgres")]
            Connection::Postgres(client) => postgres::batch(client, sql),
            #[cfg(feature = "mysql")]
            Connection::Mysql(connection) => mysql::batch(connection, sql),
        }
    }

    /// Runs one statement with bound parameters; returns the number of rows it changed.
    pub fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, DbError> {
        match self {
            Connection::Sqlite(connection) => sqlite::execute(connection, sql, params),
            #[cfg(feature = "postgres")]
            Connection::Postgres(client) => postgres::execute(client, sql, params),
            #[cfg(feature = "mysql")]
            Connection::Mysql(connection) => mysql::execute(connection, sql, params),
        }
    }

    /// Runs a query with bound parameters and returns every row.
    pub fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, DbError> {
        match self {
            Connection::Sqlite(connection) => sqlite::query(connection, sql, params),
            #[cfg(feature = "postgres")]
            Connection::Postgres(client) => postgres::query(client, sql, params),
            #[cfg(feature = "mysql")]
            Connection::Mysql(connection) => mysql::query(connection, sql, params),
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

    /// Starts a transaction that rolls back unless committed. SQLite takes its write lock at once
    /// (`BEGIN IMMEDIATE`), so that two writers queue instead of failing halfway.
    pub fn transaction(&mut self) -> Result<Transaction<'_>, DbError> {
        let begin = match self.backend() {
            Backend::Sqlite => "BEGIN IMMEDIATE",
            Backend::Postgres => "BEGIN",
            Backend::Mysql => "START TRANSACTION",
        };
        self.batch(begin)?;
        Ok(Transaction { connection: self, done: false })
    }
}

/// A transaction: `commit` ends it; dropping it rolls it back.
pub struct Transaction<'a> {
    connection: &'a mut Connection,
    done: bool,
}

impl Transaction<'_> {
    pub fn commit(mut self) -> Result<(), DbError> {
        self.done = true;
        self.connection.batch("COMMIT")
    }

    pub fn rollback(mut self) -> Result<(), DbError> {
        self.done = true;
        self.connection.batch("ROLLBACK")
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
            let _ = self.connection.batch("ROLLBACK");
        }
    }
}

/// A sea-query statement that can be built for any backend.
pub trait Statement {
    fn build_for(&self, backend: Backend) -> (String, Vec<Value>);
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
        }
    )*};
}

statement!(
    sea_query::SelectStatement,
    sea_query::InsertStatement,
    sea_query::UpdateStatement,
    sea_query::DeleteStatement
);
