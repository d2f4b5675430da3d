//! The backends oxutils writes SQL for, and what every layer needs of their dialect: names, quoting.
//!
//! The lowest layer: it knows no schema, field or connection.

use sea_query::{
    MysqlQueryBuilder, PostgresQueryBuilder, QueryBuilder, SchemaStatementBuilder, SqliteQueryBuilder,
};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A database engine oxutils writes SQL for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Backend {
    /// SQLite.
    Sqlite,
    /// PostgreSQL.
    Postgres,
    /// MySQL and MariaDB.
    Mysql,
}

impl Backend {
    /// Every backend, in this order.
    pub const ALL: [Backend; 3] = [Backend::Sqlite, Backend::Postgres, Backend::Mysql];

    /// The lowercase name, as `--backend` and URLs spell it.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
            Backend::Mysql => "mysql",
        }
    }

    /// A string literal in this backend's dialect, quotes escaped.
    pub fn quote_literal(self, text: &str) -> String {
        let value = sea_query::Value::String(Some(text.to_owned()));
        match self {
            Backend::Sqlite => SqliteQueryBuilder.value_to_string(&value),
            Backend::Postgres => PostgresQueryBuilder.value_to_string(&value),
            Backend::Mysql => MysqlQueryBuilder.value_to_string(&value),
        }
    }

    /// A sea-query schema statement (`CREATE TABLE`, an index, a foreign key) in this backend's SQL.
    pub(crate) fn schema_sql(self, statement: &impl SchemaStatementBuilder) -> String {
        match self {
            Backend::Sqlite => statement.to_string(SqliteQueryBuilder),
            Backend::Postgres => statement.to_string(PostgresQueryBuilder),
            Backend::Mysql => statement.to_string(MysqlQueryBuilder),
        }
    }

    /// An identifier in this backend's quotes.
    pub fn quote_identifier(self, name: &str) -> String {
        match self {
            Backend::Mysql => format!("`{}`", name.replace('`', "``")),
            Backend::Sqlite | Backend::Postgres => format!("\"{}\"", name.replace('"', "\"\"")),
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Backend {
    type Err = UnknownBackend;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        match name {
            "sqlite" => Ok(Backend::Sqlite),
            "postgres" | "postgresql" => Ok(Backend::Postgres),
            "mysql" | "mariadb" => Ok(Backend::Mysql),
            other => Err(UnknownBackend(other.to_owned())),
        }
    }
}

/// A backend name that is none of `sqlite`, `postgres` (`postgresql`) or `mysql` (`mariadb`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown backend `{0}`: expected sqlite, postgres or mysql")]
pub struct UnknownBackend(pub String);
