//! One column's definition: its type per backend and its options.

use super::Backend;
use crate::schema::{ColumnType, FieldSchema};
use sea_query::{Alias, ColumnDef, Expr};

pub(super) fn column_def(field: &FieldSchema, backend: Backend) -> ColumnDef {
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
    if field.unique {
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

/// Type names follow what Django creates on each backend, so that its tables can be taken over.
fn set_type(column: &mut ColumnDef, field: &FieldSchema, backend: Backend) {
    use Backend::{Mysql, Postgres, Sqlite};
    // SQLite only makes `INTEGER PRIMARY KEY` an alias of the rowid, which AUTOINCREMENT requires.
    if field.auto_increment && backend == Sqlite {
        column.integer();
        return;
    }
    match (field.column_type, backend) {
        (ColumnType::SmallInteger, _) => column.small_integer(),
        (ColumnType::Integer, _) => column.integer(),
        (ColumnType::BigInteger, _) => column.big_integer(),
        (ColumnType::Float, Postgres) => column.custom(Alias::new("real")),
        (ColumnType::Float, Sqlite | Mysql) => column.float(),
        (ColumnType::Double, _) => column.double(),
        (ColumnType::Boolean, _) => column.boolean(),
        (ColumnType::String { max_length }, _) => column.string_len(max_length),
        (ColumnType::Text, Mysql) => column.custom(Alias::new("longtext")),
        (ColumnType::Text, Sqlite | Postgres) => column.text(),
        (ColumnType::Binary, Postgres) => column.custom(Alias::new("bytea")),
        (ColumnType::Binary, Mysql) => column.custom(Alias::new("longblob")),
        (ColumnType::Binary, Sqlite) => column.blob(),
        (ColumnType::Date, _) => column.date(),
        (ColumnType::Time, Mysql) => column.custom(Alias::new("time(6)")),
        (ColumnType::Time, Sqlite | Postgres) => column.time(),
        (ColumnType::DateTime, Postgres) => column.custom(Alias::new("timestamp")),
        (ColumnType::TimestampTz, Postgres) => column.custom(Alias::new("timestamp with time zone")),
        (ColumnType::DateTime | ColumnType::TimestampTz, Mysql) => column.custom(Alias::new("datetime(6)")),
        (ColumnType::DateTime | ColumnType::TimestampTz, Sqlite) => column.custom(Alias::new("datetime")),
        (ColumnType::Uuid, Postgres) => column.uuid(),
        (ColumnType::Uuid, Sqlite | Mysql) => column.custom(Alias::new("char(36)")),
        (ColumnType::Json, Postgres) => column.json_binary(),
        (ColumnType::Json, Mysql) => column.json(),
        (ColumnType::Json, Sqlite) => column.text(),
    };
}
