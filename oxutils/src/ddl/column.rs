//! One column's definition: its type per backend and its options.

use super::Backend;
use crate::schema::{ColumnType, FieldSchema};
use sea_query::{Alias, ColumnDef, Expr};

pub fn column_def(field: &FieldSchema, backend: Backend) -> ColumnDef {
    let mut column = ColumnDef::new(Alias::new(&field.column));
    set_type(&mut column, field, backend);
    if field.nullable {
        column.null();
    } else {
        column.not_null();
    }
    if field.primary_key {
        column.primary_key();
        if field.auto_increment {
            column.auto_increment();
        }
    }
    // PostgreSQL's unique keys are named table constraints (see `create_table`), so their names are ours.
    if field.unique && backend != Backend::Postgres {
        column.unique_key();
    }
    if let Some(default) = &field.default {
        column.default(Expr::val(default.to_value()));
    }
    if backend == Backend::Mysql
        && let Some(comment) = &field.db_comment
    {
        column.comment(comment);
    }
    column
}

/// Integer keys use sea-query's own integer types, which it turns into each backend's auto-increment.
fn set_type(column: &mut ColumnDef, field: &FieldSchema, backend: Backend) {
    // SQLite only makes `INTEGER PRIMARY KEY` an alias of the rowid, which AUTOINCREMENT requires.
    if field.auto_increment && backend == Backend::Sqlite {
        column.integer();
        return;
    }
    match field.column_type {
        ColumnType::SmallInteger if field.auto_increment => column.small_integer(),
        ColumnType::Integer if field.auto_increment => column.integer(),
        ColumnType::BigInteger if field.auto_increment => column.big_integer(),
        _ => column.custom(Alias::new(type_name(field.column_type, backend))),
    };
}

/// A column type's name on a backend. Names follow what Django creates, so that its tables can be
/// taken over.
pub fn type_name(column_type: ColumnType, backend: Backend) -> String {
    use Backend::{Mysql, Postgres, Sqlite};
    let name = match (column_type, backend) {
        (ColumnType::SmallInteger, _) => "smallint",
        (ColumnType::Integer, Mysql) => "int",
        (ColumnType::Integer, Sqlite | Postgres) => "integer",
        (ColumnType::BigInteger, Sqlite) => "integer",
        (ColumnType::BigInteger, Postgres | Mysql) => "bigint",
        (ColumnType::Float, Postgres) => "real",
        (ColumnType::Float, Sqlite | Mysql) => "float",
        (ColumnType::Double, Postgres) => "double precision",
        (ColumnType::Double, Sqlite | Mysql) => "double",
        (ColumnType::Boolean, Sqlite) => "boolean",
        (ColumnType::Boolean, Postgres | Mysql) => "bool",
        (ColumnType::String { max_length }, _) => return format!("varchar({max_length})"),
        (ColumnType::Text, Mysql) => "longtext",
        (ColumnType::Text, Sqlite | Postgres) => "text",
        (ColumnType::Binary, Sqlite) => "blob",
        (ColumnType::Binary, Postgres) => "bytea",
        (ColumnType::Binary, Mysql) => "longblob",
        (ColumnType::Date, _) => "date",
        (ColumnType::Time, Mysql) => "time(6)",
        (ColumnType::Time, Sqlite | Postgres) => "time",
        (ColumnType::DateTime, Postgres) => "timestamp",
        (ColumnType::TimestampTz, Postgres) => "timestamp with time zone",
        (ColumnType::DateTime | ColumnType::TimestampTz, Mysql) => "datetime(6)",
        (ColumnType::DateTime | ColumnType::TimestampTz, Sqlite) => "datetime",
        (ColumnType::Uuid, Postgres) => "uuid",
        (ColumnType::Uuid, Sqlite | Mysql) => "char(36)",
        (ColumnType::Json, Postgres) => "jsonb",
        (ColumnType::Json, Mysql) => "json",
        (ColumnType::Json, Sqlite) => "text",
        // SQLite has no such type, but a declared `numeric(..)` gives its column NUMERIC affinity, as
        // Django's `decimal` does, and says what the model declares.
        (ColumnType::Decimal { max_digits, decimal_places }, _) => {
            return format!("numeric({max_digits}, {decimal_places})");
        }
        (ColumnType::Custom(custom), Sqlite) => custom.sqlite.as_str(),
        (ColumnType::Custom(custom), Postgres) => custom.postgres.as_str(),
        (ColumnType::Custom(custom), Mysql) => custom.mysql.as_str(),
    };
    name.to_owned()
}
