//! What a database holds, read back from its catalog: the columns of a table, on each backend.

use crate::db::{Connection, DbError};
use crate::ddl::Backend;
use crate::field::OxField;
use sea_query::Value;

/// One column as the database declares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbColumn {
    pub name: String,
    pub nullable: bool,
}

/// The columns of `table` in the connection's current database or schema, in declaration order; `None`
/// when there is no such table.
pub fn table_columns(connection: &mut Connection, table: &str) -> Result<Option<Vec<DbColumn>>, DbError> {
    let sql = match connection.backend() {
        Backend::Sqlite => r#"SELECT name, "notnull" = 0 FROM pragma_table_info(?) ORDER BY cid"#,
        Backend::Postgres => {
            "SELECT column_name::text, is_nullable = 'YES' FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position"
        }
        Backend::Mysql => {
            "SELECT column_name, is_nullable = 'YES' FROM information_schema.columns \
             WHERE table_schema = DATABASE() AND table_name = ? ORDER BY ordinal_position"
        }
    };
    let rows = connection.query(sql, &[Value::String(Some(table.to_owned()))])?;
    let columns = rows
        .into_iter()
        .map(|row| {
            let mut values = row.into_iter();
            let name = String::from_value(values.next().unwrap_or(Value::String(None)));
            let nullable = values.next().map(flag).unwrap_or(false);
            name.map(|name| DbColumn { name, nullable }).map_err(|error| DbError::query(sql, error))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(if columns.is_empty() { None } else { Some(columns) })
}

/// A boolean as each driver returns one: `bool` (PostgreSQL) or an integer (SQLite, MySQL).
fn flag(value: Value) -> bool {
    match value {
        Value::Bool(Some(flag)) => flag,
        Value::BigInt(Some(n)) => n != 0,
        Value::BigUnsigned(Some(n)) => n != 0,
        Value::Int(Some(n)) => n != 0,
        _ => false,
    }
}
