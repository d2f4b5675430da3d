//! The catalog queries of each backend, read into [`DbSchema`]: SQLite's pragmas and `sqlite_master`,
//! PostgreSQL's `pg_catalog`, MySQL's `information_schema`.

use super::{DbColumnDef, DbForeignKey, DbIndex, DbSchema, DbTable, flag};
use crate::db::{Connection, DbError};
use crate::schema::OnDelete;
use sea_query::Value;
use std::collections::BTreeMap;

pub fn sqlite(connection: &mut Connection) -> Result<DbSchema, DbError> {
    let sql = "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'";
    let mut schema = DbSchema::default();
    for row in connection.query(sql, &[])? {
        let name = text(&row[0]).unwrap_or_default();
        let definition = text(&row[1]).unwrap_or_default();
        let table = sqlite_table(connection, &name, &definition)?;
        schema.tables.insert(name, table);
    }
    Ok(schema)
}

fn sqlite_table(connection: &mut Connection, name: &str, definition: &str) -> Result<DbTable, DbError> {
    let table = || vec![Value::String(Some(name.to_owned()))];
    let mut result = DbTable::default();
    // Only `INTEGER PRIMARY KEY AUTOINCREMENT` columns count: SQLite allows AUTOINCREMENT on no other.
    let autoincrement = definition.to_uppercase().contains("AUTOINCREMENT");
    let columns =
        r#"SELECT name, lower(type), "notnull" = 0, dflt_value, pk FROM pragma_table_info(?) ORDER BY cid"#;
    let mut key: Vec<(i64, String)> = Vec::new();
    for row in connection.query(columns, &table())? {
        let column = text(&row[0]).unwrap_or_default();
        let position = integer(&row[4]);
        if position > 0 {
            key.push((position, column.clone()));
        }
        result.columns.insert(
            column,
            DbColumnDef {
                column_type: text(&row[1]).unwrap_or_default(),
                nullable: flag(row[2].clone()),
                default: text(&row[3]),
                auto_increment: position > 0 && autoincrement,
            },
        );
    }
    key.sort();
    result.primary_key = key.into_iter().map(|(_, column)| column).collect();

    let indexes = r#"SELECT name, "unique", origin FROM pragma_index_list(?)"#;
    for row in connection.query(indexes, &table())? {
        let index = text(&row[0]).unwrap_or_default();
        let origin = text(&row[2]).unwrap_or_default();
        if origin == "pk" {
            continue;
        }
        let info = "SELECT name FROM pragma_index_info(?) ORDER BY seqno";
        let columns: Vec<String> = connection
            .query(info, &[Value::String(Some(index.clone()))])?
            .iter()
            .map(|row| text(&row[0]).unwrap_or_default())
            .collect();
        let index = if origin == "u" { format!("sqlite_autoindex({})", columns.join(", ")) } else { index };
        result
            .indexes
            .insert(index, DbIndex { columns, unique: flag(row[1].clone()), constraint: origin == "u" });
    }

    let keys =
        r#"SELECT id, "table", "from", "to", on_delete FROM pragma_foreign_key_list(?) ORDER BY id, seq"#;
    let mut by_id: BTreeMap<i64, DbForeignKey> = BTreeMap::new();
    for row in connection.query(keys, &table())? {
        let key = by_id.entry(integer(&row[0])).or_insert_with(|| DbForeignKey {
            columns: Vec::new(),
            to_table: text(&row[1]).unwrap_or_default(),
            to_columns: Vec::new(),
            on_delete: on_delete_rule(&text(&row[4]).unwrap_or_default()),
        });
        key.columns.push(text(&row[2]).unwrap_or_default());
        key.to_columns.push(text(&row[3]).unwrap_or_default());
    }
    for key in by_id.into_values() {
        result.foreign_keys.insert(format!("fk({})", key.columns.join(", ")), key);
    }
    result.checks = check_names(definition).into_iter().collect();
    Ok(result)
}

/// The names in `CONSTRAINT <name> CHECK` of a `CREATE TABLE` statement, outside string literals.
pub(super) fn check_names(definition: &str) -> Vec<String> {
    let tokens = tokens(definition);
    tokens
        .windows(3)
        .filter(|window| {
            window[0].eq_ignore_ascii_case("constraint") && window[2].eq_ignore_ascii_case("check")
        })
        .map(|window| unquote(&window[1]))
        .collect()
}

/// Words, quoted identifiers and single punctuation of SQL text; string literals are skipped.
fn tokens(sql: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' | '`' | '[' => {
                let close = if c == '[' { ']' } else { c };
                let mut token = String::from(c);
                while let Some(next) = chars.next() {
                    token.push(next);
                    if next == close {
                        // A doubled quote is an escaped one.
                        if chars.peek() == Some(&close) && close != ']' {
                            token.push(chars.next().unwrap_or(close));
                            continue;
                        }
                        break;
                    }
                }
                if c != '\'' {
                    tokens.push(token);
                }
            }
            c if c.is_alphanumeric() || c == '_' => {
                let mut token = String::from(c);
                while let Some(&next) = chars.peek() {
                    if !(next.is_alphanumeric() || next == '_') {
                        break;
                    }
                    token.push(next);
                    chars.next();
                }
                tokens.push(token);
            }
            c if c.is_whitespace() => {}
            c => tokens.push(c.to_string()),
        }
    }
    tokens
}

fn unquote(token: &str) -> String {
    let mut chars = token.chars();
    match (chars.next(), token.chars().last()) {
        (Some(open @ ('"' | '`')), Some(close)) if open == close && token.len() >= 2 => {
            let inner = &token[1..token.len() - 1];
            inner.replace(&format!("{open}{open}"), &open.to_string())
        }
        (Some('['), Some(']')) => token[1..token.len() - 1].to_owned(),
        _ => token.to_owned(),
    }
}

pub fn postgres(connection: &mut Connection) -> Result<DbSchema, DbError> {
    let mut schema = DbSchema::default();
    let tables = "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
                  WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')";
    for row in connection.query(tables, &[])? {
        schema.tables.insert(text(&row[0]).unwrap_or_default(), DbTable::default());
    }
    let columns = "SELECT c.relname::text, a.attname::text, format_type(a.atttypid, a.atttypmod), \
                   NOT a.attnotnull, pg_get_expr(d.adbin, d.adrelid), a.attidentity::text \
                   FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid \
                   JOIN pg_namespace n ON n.oid = c.relnamespace \
                   LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
                   WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND a.attnum > 0 \
                   AND NOT a.attisdropped";
    for row in connection.query(columns, &[])? {
        let Some(table) = schema.tables.get_mut(&text(&row[0]).unwrap_or_default()) else { continue };
        let default = text(&row[4]);
        let serial = default.as_deref().is_some_and(|default| default.starts_with("nextval("));
        let identity = text(&row[5]).is_some_and(|identity| !identity.is_empty());
        table.columns.insert(
            text(&row[1]).unwrap_or_default(),
            DbColumnDef {
                column_type: text(&row[2]).unwrap_or_default().to_lowercase(),
                nullable: flag(row[3].clone()),
                default: if serial { None } else { default },
                auto_increment: serial || identity,
            },
        );
    }
    // Column lists as text joined by commas: the drivers read no arrays, and no column name holds one.
    let column_list = |keys: &str, relation: &str| {
        format!(
            "(SELECT string_agg(a.attname::text, ',' ORDER BY k.position) \
             FROM unnest({keys}) WITH ORDINALITY AS k(attnum, position) \
             JOIN pg_attribute a ON a.attrelid = {relation} AND a.attnum = k.attnum)"
        )
    };
    let constraints = format!(
        "SELECT t.relname::text, co.conname::text, co.contype::text, {}, f.relname::text, {}, \
         co.confdeltype::text FROM pg_constraint co JOIN pg_class t ON t.oid = co.conrelid \
         JOIN pg_namespace n ON n.oid = t.relnamespace LEFT JOIN pg_class f ON f.oid = co.confrelid \
         WHERE n.nspname = current_schema() AND co.contype IN ('p', 'f', 'c')",
        column_list("co.conkey", "co.conrelid"),
        column_list("co.confkey", "co.confrelid"),
    );
    for row in connection.query(&constraints, &[])? {
        let Some(table) = schema.tables.get_mut(&text(&row[0]).unwrap_or_default()) else { continue };
        let name = text(&row[1]).unwrap_or_default();
        let columns = split(text(&row[3]));
        match text(&row[2]).as_deref() {
            Some("p") => table.primary_key = columns,
            Some("c") => {
                table.checks.insert(name);
            }
            _ => {
                let on_delete = match text(&row[6]).as_deref() {
                    Some("c") => OnDelete::Cascade,
                    Some("r") => OnDelete::Restrict,
                    Some("n") => OnDelete::SetNull,
                    Some("d") => OnDelete::SetDefault,
                    _ => OnDelete::NoAction,
                };
                let to_table = text(&row[4]).unwrap_or_default();
                let to_columns = split(text(&row[5]));
                table.foreign_keys.insert(name, DbForeignKey { columns, to_table, to_columns, on_delete });
            }
        }
    }
    let indexes = format!(
        "SELECT t.relname::text, i.relname::text, ix.indisunique, {}, \
         EXISTS (SELECT 1 FROM pg_constraint co WHERE co.conindid = ix.indexrelid AND co.contype = 'u') \
         FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid JOIN pg_class t ON t.oid = ix.indrelid \
         JOIN pg_namespace n ON n.oid = t.relnamespace \
         WHERE n.nspname = current_schema() AND NOT ix.indisprimary",
        column_list("ix.indkey::int2[]", "ix.indrelid"),
    );
    for row in connection.query(&indexes, &[])? {
        let Some(table) = schema.tables.get_mut(&text(&row[0]).unwrap_or_default()) else { continue };
        table.indexes.insert(
            text(&row[1]).unwrap_or_default(),
            DbIndex {
                columns: split(text(&row[3])),
                unique: flag(row[2].clone()),
                constraint: flag(row[4].clone()),
            },
        );
    }
    Ok(schema)
}

pub fn mysql(connection: &mut Connection) -> Result<DbSchema, DbError> {
    let mut schema = DbSchema::default();
    let tables = "SELECT table_name FROM information_schema.tables \
                  WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE'";
    for row in connection.query(tables, &[])? {
        schema.tables.insert(text(&row[0]).unwrap_or_default(), DbTable::default());
    }
    let columns = "SELECT table_name, column_name, lower(column_type), is_nullable = 'YES', column_default, \
                   extra LIKE '%auto_increment%' FROM information_schema.columns \
                   WHERE table_schema = DATABASE()";
    for row in connection.query(columns, &[])? {
        let Some(table) = schema.tables.get_mut(&text(&row[0]).unwrap_or_default()) else { continue };
        // MariaDB spells "no default" of a nullable column as the text NULL.
        let default = text(&row[4]).filter(|default| default != "NULL");
        table.columns.insert(
            text(&row[1]).unwrap_or_default(),
            DbColumnDef {
                column_type: text(&row[2]).unwrap_or_default(),
                nullable: flag(row[3].clone()),
                default,
                auto_increment: flag(row[5].clone()),
            },
        );
    }
    let keys = "SELECT k.table_name, k.constraint_name, k.column_name, k.referenced_table_name, \
                k.referenced_column_name, r.delete_rule FROM information_schema.key_column_usage k \
                JOIN information_schema.referential_constraints r \
                ON r.constraint_schema = k.constraint_schema AND r.constraint_name = k.constraint_name \
                AND r.table_name = k.table_name \
                WHERE k.table_schema = DATABASE() AND k.referenced_table_name IS NOT NULL \
                ORDER BY k.table_name, k.constraint_name, k.ordinal_position";
    for row in connection.query(keys, &[])? {
        let Some(table) = schema.tables.get_mut(&text(&row[0]).unwrap_or_default()) else { continue };
        let key =
            table.foreign_keys.entry(text(&row[1]).unwrap_or_default()).or_insert_with(|| DbForeignKey {
                columns: Vec::new(),
                to_table: text(&row[3]).unwrap_or_default(),
                to_columns: Vec::new(),
                on_delete: on_delete_rule(&text(&row[5]).unwrap_or_default()),
            });
        key.columns.push(text(&row[2]).unwrap_or_default());
        key.to_columns.push(text(&row[4]).unwrap_or_default());
    }
    let indexes = "SELECT table_name, index_name, non_unique = 0, column_name FROM information_schema.statistics \
                   WHERE table_schema = DATABASE() ORDER BY table_name, index_name, seq_in_index";
    for row in connection.query(indexes, &[])? {
        let Some(table) = schema.tables.get_mut(&text(&row[0]).unwrap_or_default()) else { continue };
        let name = text(&row[1]).unwrap_or_default();
        let column = text(&row[3]).unwrap_or_default();
        if name == "PRIMARY" {
            table.primary_key.push(column);
            continue;
        }
        let unique = flag(row[2].clone());
        table
            .indexes
            .entry(name)
            .or_insert_with(|| DbIndex { columns: Vec::new(), unique, constraint: false })
            .columns
            .push(column);
    }
    for table in schema.tables.values_mut() {
        // The index MySQL makes for a foreign key that has none, under the key's name, is its own doing.
        let keys = &table.foreign_keys;
        table.indexes.retain(|name, index| keys.get(name).is_none_or(|key| key.columns != index.columns));
    }
    let checks = "SELECT table_name, constraint_name FROM information_schema.table_constraints \
                  WHERE table_schema = DATABASE() AND constraint_type = 'CHECK'";
    for row in connection.query(checks, &[])? {
        let Some(table) = schema.tables.get_mut(&text(&row[0]).unwrap_or_default()) else { continue };
        table.checks.insert(text(&row[1]).unwrap_or_default());
    }
    Ok(schema)
}

fn on_delete_rule(rule: &str) -> OnDelete {
    match rule.to_uppercase().as_str() {
        "CASCADE" => OnDelete::Cascade,
        "RESTRICT" => OnDelete::Restrict,
        "SET NULL" => OnDelete::SetNull,
        "SET DEFAULT" => OnDelete::SetDefault,
        _ => OnDelete::NoAction,
    }
}

/// Text as the drivers return it: a string, or bytes that are UTF-8 (MySQL's text protocol).
pub(super) fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(Some(text)) => Some(text.clone()),
        Value::Bytes(Some(bytes)) => Some(String::from_utf8_lossy(bytes).into_owned()),
        Value::BigInt(Some(n)) => Some(n.to_string()),
        Value::Int(Some(n)) => Some(n.to_string()),
        _ => None,
    }
}

fn integer(value: &Value) -> i64 {
    match value {
        Value::BigInt(Some(n)) => *n,
        Value::Int(Some(n)) => (*n).into(),
        Value::BigUnsigned(Some(n)) => i64::try_from(*n).unwrap_or(i64::MAX),
        _ => 0,
    }
}

fn split(list: Option<String>) -> Vec<String> {
    list.map(|list| list.split(',').map(str::to_owned).collect()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_names_are_read_outside_literals() {
        let sql = r#"CREATE TABLE "t" ( "a" integer, CONSTRAINT "t_a_positive" CHECK (a >= 0), b text DEFAULT 'CONSTRAINT "x" CHECK', CONSTRAINT "we""ird" CHECK (a < 9) )"#;
        assert_eq!(check_names(sql), ["t_a_positive", "we\"ird"]);
    }
}
