//! A MySQL or MariaDB table whole, as `information_schema` describes it: what the check of an interrupted
//! migration reads (see `resume`).

use crate::db::{Connection, DbError};
use sea_query::Value;

/// A MySQL or MariaDB table as `information_schema` describes it: what the check of an interrupted
/// migration reads (see `resume`), and what a test compares between two databases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MysqlTable {
    /// The table name.
    pub name: String,
    /// The table comment; empty when there is none.
    pub comment: String,
    /// In declaration order.
    pub columns: Vec<MysqlColumn>,
    /// By name.
    pub indexes: Vec<MysqlIndex>,
    /// By name.
    pub constraints: Vec<MysqlConstraint>,
}

impl MysqlTable {
    /// The column named `name`.
    pub fn column(&self, name: &str) -> Option<&MysqlColumn> {
        self.columns.iter().find(|column| column.name == name)
    }

    /// The index named `name`.
    pub fn index(&self, name: &str) -> Option<&MysqlIndex> {
        self.indexes.iter().find(|index| index.name == name)
    }

    /// The constraint of this kind named `name`.
    pub fn constraint(&self, name: &str, kind: MysqlConstraintKind) -> Option<&MysqlConstraint> {
        self.constraints.iter().find(|constraint| constraint.name == name && constraint.kind == kind)
    }
}

/// One column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MysqlColumn {
    /// The column name.
    pub name: String,
    /// The full type as MySQL spells it: `varchar(40)`, `bigint(20)`.
    pub column_type: String,
    /// Whether it takes NULL.
    pub nullable: bool,
    /// The default as the catalog shows it (MariaDB quotes literals and spells a missing one `NULL`).
    pub default: Option<String>,
    /// `auto_increment` and the like.
    pub extra: String,
    /// The column comment; empty when there is none.
    pub comment: String,
}

/// One index, the primary key's included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MysqlIndex {
    /// The index name (`PRIMARY` for the primary key).
    pub name: String,
    /// Whether it is unique.
    pub unique: bool,
    /// In index order.
    pub columns: Vec<String>,
}

/// The kind of a table constraint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum MysqlConstraintKind {
    /// The primary key.
    PrimaryKey,
    /// A UNIQUE constraint.
    Unique,
    /// A foreign key.
    ForeignKey,
    /// A CHECK constraint.
    Check,
}

/// A named constraint. MariaDB lists a JSON column's implicit `json_valid` check under the column's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MysqlConstraint {
    /// The constraint name.
    pub name: String,
    /// Its kind.
    pub kind: MysqlConstraintKind,
    /// What a foreign key points at; `None` for the other kinds.
    pub references: Option<MysqlReference>,
}

/// Where a foreign key points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MysqlReference {
    /// The key's columns.
    pub columns: Vec<String>,
    /// The table it points at.
    pub table: String,
    /// The columns it points at.
    pub to_columns: Vec<String>,
    /// `CASCADE`, `SET NULL`, `RESTRICT`, ...
    pub on_delete: String,
}

/// Every table of the connection's current MySQL database, by name.
pub fn mysql_tables(connection: &mut Connection) -> Result<Vec<MysqlTable>, DbError> {
    read_mysql_tables(connection, None)
}

/// One table of the connection's current MySQL database; `None` when there is no such table.
pub fn mysql_table(connection: &mut Connection, table: &str) -> Result<Option<MysqlTable>, DbError> {
    Ok(read_mysql_tables(connection, Some(table))?.into_iter().next())
}

/// The catalog read in one query per kind of object, each for the whole database or for `only` one table
/// (`? IS NULL` takes the first). The catalog compares names without regard to case; names are matched
/// exactly here.
fn read_mysql_tables(connection: &mut Connection, only: Option<&str>) -> Result<Vec<MysqlTable>, DbError> {
    const TABLES: &str = "SELECT table_name, table_comment FROM information_schema.tables \
        WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE' AND (? IS NULL OR table_name = ?) \
        ORDER BY table_name";
    const COLUMNS: &str = "SELECT table_name, column_name, column_type, is_nullable = 'YES', column_default, \
        extra, column_comment FROM information_schema.columns \
        WHERE table_schema = DATABASE() AND (? IS NULL OR table_name = ?) ORDER BY table_name, ordinal_position";
    const INDEXES: &str = "SELECT table_name, index_name, non_unique = 0, column_name \
        FROM information_schema.statistics WHERE table_schema = DATABASE() AND (? IS NULL OR table_name = ?) \
        ORDER BY table_name, index_name, seq_in_index";
    const CONSTRAINTS: &str = "SELECT table_name, constraint_name, constraint_type \
        FROM information_schema.table_constraints \
        WHERE table_schema = DATABASE() AND (? IS NULL OR table_name = ?) ORDER BY table_name, constraint_name";
    const REFERENCES: &str = "SELECT k.table_name, k.constraint_name, k.column_name, k.referenced_table_name, \
        k.referenced_column_name, r.delete_rule FROM information_schema.key_column_usage k \
        JOIN information_schema.referential_constraints r ON r.constraint_schema = k.constraint_schema \
        AND r.table_name = k.table_name AND r.constraint_name = k.constraint_name \
        WHERE k.table_schema = DATABASE() AND (? IS NULL OR k.table_name = ?) \
        ORDER BY k.table_name, k.constraint_name, k.ordinal_position";
    let filter = Value::String(only.map(str::to_owned));
    let params = [filter.clone(), filter];
    let mut rows = |sql: &str| -> Result<Vec<Vec<Option<String>>>, DbError> {
        let rows = connection.query(sql, &params)?;
        let rows = rows.into_iter().map(|row| row.into_iter().map(text).collect::<Vec<_>>());
        // Names equal but for case are other tables on a case-sensitive file system.
        Ok(rows.filter(|row| only.is_none_or(|only| row[0].as_deref() == Some(only))).collect())
    };
    let field = |row: &mut std::vec::IntoIter<Option<String>>| row.next().flatten().unwrap_or_default();
    let flag = |value: String| value == "1";

    let mut tables: Vec<MysqlTable> = rows(TABLES)?
        .into_iter()
        .map(|row| {
            let mut row = row.into_iter();
            MysqlTable {
                name: field(&mut row),
                comment: field(&mut row),
                columns: Vec::new(),
                indexes: Vec::new(),
                constraints: Vec::new(),
            }
        })
        .collect();
    let position = |tables: &[MysqlTable], name: &str| tables.iter().position(|table| table.name == name);
    for row in rows(COLUMNS)? {
        let mut row = row.into_iter();
        let table = field(&mut row);
        let column = MysqlColumn {
            name: field(&mut row),
            column_type: field(&mut row),
            nullable: flag(field(&mut row)),
            default: row.next().flatten(),
            extra: field(&mut row),
            comment: field(&mut row),
        };
        if let Some(at) = position(&tables, &table) {
            tables[at].columns.push(column);
        }
    }
    for row in rows(INDEXES)? {
        let mut row = row.into_iter();
        let (table, name, unique, column) =
            (field(&mut row), field(&mut row), flag(field(&mut row)), field(&mut row));
        let Some(at) = position(&tables, &table) else { continue };
        let indexes = &mut tables[at].indexes;
        match indexes.iter_mut().find(|index| index.name == name) {
            Some(index) => index.columns.push(column),
            None => indexes.push(MysqlIndex { name, unique, columns: vec![column] }),
        }
    }
    for row in rows(CONSTRAINTS)? {
        let mut row = row.into_iter();
        let (table, name, kind) = (field(&mut row), field(&mut row), field(&mut row));
        let kind = match kind.as_str() {
            "PRIMARY KEY" => MysqlConstraintKind::PrimaryKey,
            "UNIQUE" => MysqlConstraintKind::Unique,
            "FOREIGN KEY" => MysqlConstraintKind::ForeignKey,
            "CHECK" => MysqlConstraintKind::Check,
            other => {
                return Err(DbError::query(CONSTRAINTS, format!("unknown constraint type `{other}`")));
            }
        };
        if let Some(at) = position(&tables, &table) {
            tables[at].constraints.push(MysqlConstraint { name, kind, references: None });
        }
    }
    for row in rows(REFERENCES)? {
        let mut row = row.into_iter();
        let (table, name, column) = (field(&mut row), field(&mut row), field(&mut row));
        let (to_table, to_column, on_delete) = (field(&mut row), field(&mut row), field(&mut row));
        let Some(at) = position(&tables, &table) else { continue };
        let constraint = tables[at]
            .constraints
            .iter_mut()
            .find(|constraint| constraint.name == name && constraint.kind == MysqlConstraintKind::ForeignKey);
        let Some(constraint) = constraint else { continue };
        let references = constraint.references.get_or_insert_with(|| MysqlReference {
            columns: Vec::new(),
            table: to_table,
            to_columns: Vec::new(),
            on_delete,
        });
        references.columns.push(column);
        references.to_columns.push(to_column);
    }
    Ok(tables)
}

/// A catalog value as text: names, types and flags; `None` for NULL.
fn text(value: Value) -> Option<String> {
    match value {
        Value::String(text) => text,
        Value::Bytes(bytes) => bytes.map(|bytes| String::from_utf8_lossy(&bytes).into_owned()),
        Value::BigInt(n) => n.map(|n| n.to_string()),
        Value::BigUnsigned(n) => n.map(|n| n.to_string()),
        Value::Int(n) => n.map(|n| n.to_string()),
        other => Some(format!("{other:?}")),
    }
}
