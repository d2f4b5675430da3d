//! DDL for each backend, built with sea-query from the schema model.

mod column;

use crate::schema::{ConstraintSchema, ModelSchema, check_name, foreign_key_name};
use sea_query::{
    Alias, Expr, ExprTrait, ForeignKey, ForeignKeyAction, Index, IndexCreateStatement, MysqlQueryBuilder,
    PostgresQueryBuilder, QueryBuilder, SqliteQueryBuilder, Table, TableCreateStatement,
};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A database engine oxutils writes SQL for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Backend {
    Sqlite,
    Postgres,
    Mysql,
}

impl Backend {
    pub const ALL: [Backend; 3] = [Backend::Sqlite, Backend::Postgres, Backend::Mysql];

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
    type Err = String;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        match name {
            "sqlite" => Ok(Backend::Sqlite),
            "postgres" | "postgresql" => Ok(Backend::Postgres),
            "mysql" | "mariadb" => Ok(Backend::Mysql),
            other => Err(format!("unknown backend `{other}`: expected sqlite, postgres or mysql")),
        }
    }
}

/// The statements that create a model's table with its indexes, constraints and comments, in order.
pub fn create_model(model: &ModelSchema, backend: Backend) -> Vec<String> {
    let mut statements = vec![build_table(&create_table(model, backend), backend)];
    statements.extend(create_indexes(model).iter().map(|index| build_index(index, backend)));
    if backend == Backend::Postgres {
        statements.extend(postgres_comments(model));
    }
    statements
}

/// The statement that drops a model's table, with its indexes.
pub fn drop_model(model: &ModelSchema, backend: Backend) -> String {
    let statement = Table::drop().table(Alias::new(&model.table)).to_owned();
    match backend {
        Backend::Sqlite => statement.to_string(SqliteQueryBuilder),
        Backend::Postgres => statement.to_string(PostgresQueryBuilder),
        Backend::Mysql => statement.to_string(MysqlQueryBuilder),
    }
}

fn create_table(model: &ModelSchema, backend: Backend) -> TableCreateStatement {
    let mut table = Table::create();
    table.table(Alias::new(&model.table));
    for field in &model.fields {
        table.col(column::column_def(field, backend));
    }
    for field in &model.fields {
        let Some(target) = &field.foreign_key else { continue };
        table.foreign_key(
            ForeignKey::create()
                .name(foreign_key_name(&model.table, &field.column, &target.to_table, &target.to_column))
                .from_col(Alias::new(&field.column))
                .to(Alias::new(&target.to_table), Alias::new(&target.to_column))
                .on_delete(referential_action(target.on_delete)),
        );
    }
    // Table-level, not column-level: MariaDB rejects a named CHECK inside a column definition.
    for field in &model.fields {
        let Some(choices) = &field.choices else { continue };
        let allowed = choices.iter().map(|choice| Expr::val(choice.as_str()));
        let check = Expr::col(Alias::new(&field.column)).is_in(allowed);
        table.check((Alias::new(check_name(&model.table, &field.column)), check));
    }
    for constraint in &model.constraints {
        if let ConstraintSchema::Check { name, expr } = constraint {
            table.check((Alias::new(name), Expr::cust(expr.clone())));
        }
    }
    if backend == Backend::Mysql
        && let Some(comment) = &model.db_comment
    {
        table.comment(comment);
    }
    table
}

/// Single-column indexes of fields, then composite indexes, then unique-together constraints, which are
/// unique indexes on every backend so that one statement form creates and drops them everywhere.
fn create_indexes(model: &ModelSchema) -> Vec<IndexCreateStatement> {
    let single = model.fields.iter().filter(|field| field.index).map(|field| {
        let name = crate::schema::index_name(&model.table, &[field.column.as_str()], false);
        index_on(&model.table, &name, std::slice::from_ref(&field.column), false)
    });
    let composite =
        model.indexes.iter().map(|index| index_on(&model.table, &index.name, &index.columns, false));
    let unique = model.constraints.iter().filter_map(|constraint| match constraint {
        ConstraintSchema::Unique { name, columns } => Some(index_on(&model.table, name, columns, true)),
        ConstraintSchema::Check { .. } => None,
    });
    single.chain(composite).chain(unique).collect()
}

fn index_on(table: &str, name: &str, columns: &[String], unique: bool) -> IndexCreateStatement {
    let mut index = Index::create();
    index.name(name).table(Alias::new(table));
    for column in columns {
        index.col(Alias::new(column));
    }
    if unique {
        index.unique();
    }
    index
}

fn postgres_comments(model: &ModelSchema) -> Vec<String> {
    let backend = Backend::Postgres;
    let table = backend.quote_identifier(&model.table);
    let on_table = model
        .db_comment
        .as_ref()
        .map(|comment| format!("COMMENT ON TABLE {table} IS {}", backend.quote_literal(comment)));
    let on_columns = model.fields.iter().filter_map(|field| {
        let comment = field.db_comment.as_ref()?;
        let column = backend.quote_identifier(&field.column);
        Some(format!("COMMENT ON COLUMN {table}.{column} IS {}", backend.quote_literal(comment)))
    });
    on_table.into_iter().chain(on_columns).collect()
}

fn referential_action(on_delete: crate::schema::OnDelete) -> ForeignKeyAction {
    use crate::schema::OnDelete;
    match on_delete {
        OnDelete::Cascade => ForeignKeyAction::Cascade,
        OnDelete::Restrict => ForeignKeyAction::Restrict,
        OnDelete::SetNull => ForeignKeyAction::SetNull,
        OnDelete::SetDefault => ForeignKeyAction::SetDefault,
        OnDelete::NoAction => ForeignKeyAction::NoAction,
    }
}

fn build_table(statement: &TableCreateStatement, backend: Backend) -> String {
    match backend {
        Backend::Sqlite => statement.to_string(SqliteQueryBuilder),
        Backend::Postgres => statement.to_string(PostgresQueryBuilder),
        Backend::Mysql => statement.to_string(MysqlQueryBuilder),
    }
}

fn build_index(statement: &IndexCreateStatement, backend: Backend) -> String {
    match backend {
        Backend::Sqlite => statement.to_string(SqliteQueryBuilder),
        Backend::Postgres => statement.to_string(PostgresQueryBuilder),
        Backend::Mysql => statement.to_string(MysqlQueryBuilder),
    }
}
