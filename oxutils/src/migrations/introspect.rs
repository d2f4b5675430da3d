//! What a database holds, read back from its catalog, on each backend: the columns of one table, or every
//! table with its columns, keys, indexes and checks ([`database_schema`]), to hold against what the models
//! create.

mod catalog;
#[cfg(feature = "cli")]
mod details;
mod mysql_table;

#[cfg(feature = "cli")]
pub(crate) use details::{CatalogDetails, catalog_details};
pub use mysql_table::{
    MysqlColumn, MysqlConstraint, MysqlConstraintKind, MysqlIndex, MysqlReference, MysqlTable, mysql_table,
    mysql_tables,
};

use crate::db::{Connection, DbError};
use crate::dialect::Backend;
use crate::field::OxField;
use crate::schema::OnDelete;
use sea_query::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// One column as the database declares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DbColumn {
    pub(crate) name: String,
    pub(crate) nullable: bool,
}

/// The columns of `table` in the connection's current database or schema, in declaration order; `None`
/// when there is no such table.
pub(crate) fn table_columns(
    connection: &mut Connection,
    table: &str,
) -> Result<Option<Vec<DbColumn>>, DbError> {
    let sql = match connection.backend() {
        Backend::Sqlite => r#"SELECT name, "notnull" = 0 FROM pragma_table_info(?) ORDER BY cid"#,
        // The catalog itself, not information_schema.columns: the view checks privileges and joins types
        // for every column of the schema, about 1 ms a call, and `migrate` asks for the recorder's table
        // on every run.
        Backend::Postgres => {
            "SELECT a.attname::text, NOT a.attnotnull FROM pg_catalog.pg_attribute a \
             JOIN pg_catalog.pg_class c ON c.oid = a.attrelid \
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = current_schema() AND c.relname = $1 AND c.relkind IN ('r', 'p', 'v', 'f') \
             AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum"
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

/// A boolean as each driver returns one: `bool` (PostgreSQL), an integer (SQLite, MySQL), or its digit as
/// text (MySQL's text protocol).
fn flag(value: Value) -> bool {
    match value {
        Value::Bool(Some(flag)) => flag,
        Value::BigInt(Some(n)) => n != 0,
        Value::BigUnsigned(Some(n)) => n != 0,
        Value::Int(Some(n)) => n != 0,
        Value::String(Some(text)) => matches!(text.as_str(), "1" | "t" | "true"),
        _ => false,
    }
}

/// Every table of the connection's current database or schema as its catalog describes it, normalized so
/// that two databases with the same tables compare equal whatever order their columns and indexes were
/// made in: columns and indexes by name, foreign keys by name (by columns on SQLite, which never names
/// them in its catalog), checks by name. The recorder's own table is included; SQLite's are not.
pub fn database_schema(connection: &mut Connection) -> Result<DbSchema, DbError> {
    match connection.backend() {
        Backend::Sqlite => catalog::sqlite(connection),
        Backend::Postgres => catalog::postgres(connection),
        Backend::Mysql => catalog::mysql(connection),
    }
}

/// A database's tables, by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DbSchema {
    /// Every table, by name.
    pub tables: BTreeMap<String, DbTable>,
}

/// One table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DbTable {
    /// By name: a column added later sits last in the table yet is the same column.
    pub columns: BTreeMap<String, DbColumnDef>,
    /// The primary key's columns in key order; its name is the backend's own business.
    pub primary_key: Vec<String>,
    /// Indexes other than the primary key's, by name; on SQLite, an index a UNIQUE column made is named
    /// `sqlite_autoindex(<columns>)`, since SQLite numbers those by position.
    pub indexes: BTreeMap<String, DbIndex>,
    /// By constraint name; on SQLite, `fk(<columns>)`.
    pub foreign_keys: BTreeMap<String, DbForeignKey>,
    /// The names of the table's CHECK constraints.
    pub checks: BTreeSet<String>,
}

/// One column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbColumnDef {
    /// The type as the catalog spells it, lowercased: `varchar(20)`, `bigint`, `int(11)`.
    pub column_type: String,
    /// Whether the column takes NULL.
    pub nullable: bool,
    /// The default expression as the catalog renders it; a sequence or identity is `auto_increment`
    /// instead, since its name follows the table's first name.
    pub default: Option<String>,
    /// Whether the database generates its values (a sequence, identity or `AUTO_INCREMENT`).
    pub auto_increment: bool,
}

/// One index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbIndex {
    /// The indexed columns, in order.
    pub columns: Vec<String>,
    /// Whether the index is unique.
    pub unique: bool,
    /// A UNIQUE constraint owns the index (PostgreSQL), so it is dropped as a constraint, not an index.
    pub constraint: bool,
}

/// One foreign key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbForeignKey {
    /// The key's columns.
    pub columns: Vec<String>,
    /// The table it points at.
    pub to_table: String,
    /// The columns it points at.
    pub to_columns: Vec<String>,
    /// What deleting the target row does.
    pub on_delete: OnDelete,
}

impl DbSchema {
    /// What differs from `other`, one line each (`table.column: type varchar(10) here, text there`);
    /// empty when the two are equal.
    pub fn differences(&self, other: &DbSchema) -> Vec<String> {
        self.differences_between(other, "here", "there")
    }

    /// `differences`, this side called `here` and `other` called `there` in the lines.
    pub fn differences_between(&self, other: &DbSchema, here: &str, there: &str) -> Vec<String> {
        let mut found = Vec::new();
        for name in self.tables.keys().chain(other.tables.keys()).collect::<BTreeSet<_>>() {
            match (self.tables.get(name), other.tables.get(name)) {
                (Some(_), None) => found.push(format!("table {name}: only {here}")),
                (None, Some(_)) => found.push(format!("table {name}: only {there}")),
                (Some(this), Some(that)) => this.differences(name, that, (here, there), &mut found),
                (None, None) => {}
            }
        }
        found
    }
}

impl DbTable {
    fn differences(&self, table: &str, other: &DbTable, sides: (&str, &str), found: &mut Vec<String>) {
        let (here, there) = sides;
        compare(table, "column", &self.columns, &other.columns, sides, found);
        if self.primary_key != other.primary_key {
            found.push(format!(
                "{table}: primary key {:?} {here}, {:?} {there}",
                self.primary_key, other.primary_key
            ));
        }
        compare(table, "index", &self.indexes, &other.indexes, sides, found);
        compare(table, "foreign key", &self.foreign_keys, &other.foreign_keys, sides, found);
        for check in self.checks.symmetric_difference(&other.checks) {
            let side = if self.checks.contains(check) { here } else { there };
            found.push(format!("{table}: check {check} only {side}"));
        }
    }
}

impl fmt::Display for DbColumnDef {
    /// `integer NOT NULL DEFAULT 1`, as the column would be declared.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.column_type)?;
        f.write_str(if self.nullable { " NULL" } else { " NOT NULL" })?;
        if let Some(default) = &self.default {
            write!(f, " DEFAULT {default}")?;
        }
        if self.auto_increment {
            f.write_str(" generated")?;
        }
        Ok(())
    }
}

impl fmt::Display for DbIndex {
    /// `UNIQUE (a, b)`, and whether a constraint owns it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unique = if self.unique { "UNIQUE " } else { "" };
        let constraint = if self.constraint { " (a constraint)" } else { "" };
        write!(f, "{unique}({}){constraint}", self.columns.join(", "))
    }
}

impl fmt::Display for DbForeignKey {
    /// `(member_id) REFERENCES library_member (id) ON DELETE cascade`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let on_delete = OnDelete::NAMES
            .iter()
            .find(|name| OnDelete::from_name(name) == Some(self.on_delete))
            .map_or("?".to_owned(), |name| name.replace('_', " ").to_uppercase());
        write!(
            f,
            "({}) REFERENCES {} ({}) ON DELETE {on_delete}",
            self.columns.join(", "),
            self.to_table,
            self.to_columns.join(", ")
        )
    }
}

fn compare<T: PartialEq + fmt::Display>(
    table: &str,
    what: &str,
    here: &BTreeMap<String, T>,
    there: &BTreeMap<String, T>,
    (on_here, on_there): (&str, &str),
    found: &mut Vec<String>,
) {
    for name in here.keys().chain(there.keys()).collect::<BTreeSet<_>>() {
        match (here.get(name), there.get(name)) {
            (Some(_), None) => found.push(format!("{table}: {what} {name} only {on_here}")),
            (None, Some(_)) => found.push(format!("{table}: {what} {name} only {on_there}")),
            (Some(a), Some(b)) if a != b => {
                found.push(format!("{table}: {what} {name} is {a} {on_here}, {b} {on_there}"))
            }
            _ => {}
        }
    }
}
