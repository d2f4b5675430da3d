//! The catalog queries of each backend, read into [`DbSchema`]: SQLite's pragmas and `sqlite_master`,
//! PostgreSQL's `pg_catalog`, MySQL's `information_schema`.

use super::{DbColumnDef, DbForeignKey, DbIndex, DbSchema, DbTable, flag};
use crate::db::{Connection, DbError};
use crate::dialect::Backend;
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
fn check_names(definition: &str) -> Vec<String> {
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
fn text(value: &Value) -> Option<String> {
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

/// The expression of each CHECK constraint of the current database or schema, by (table, constraint), as
/// the backend keeps it: PostgreSQL deparses it, MySQL/MariaDB normalize it, SQLite keeps the text written.
pub(crate) fn check_expressions(
    connection: &mut Connection,
) -> Result<BTreeMap<(String, String), String>, DbError> {
    let rows = match connection.backend() {
        Backend::Postgres => connection.query(
            "SELECT c.relname::text, co.conname::text, pg_get_constraintdef(co.oid) FROM pg_constraint co \
             JOIN pg_class c ON c.oid = co.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = current_schema() AND co.contype = 'c'",
            &[],
        )?,
        // MariaDB names a check within its table, and says which; MySQL 8 within the schema, and does not.
        Backend::Mysql if mariadb_checks(connection)? => connection.query(
            "SELECT table_name, constraint_name, check_clause FROM information_schema.check_constraints \
             WHERE constraint_schema = DATABASE()",
            &[],
        )?,
        Backend::Mysql => connection.query(
            "SELECT tc.table_name, tc.constraint_name, cc.check_clause FROM information_schema.table_constraints \
             tc JOIN information_schema.check_constraints cc ON cc.constraint_schema = tc.constraint_schema \
             AND cc.constraint_name = tc.constraint_name WHERE tc.constraint_schema = DATABASE() \
             AND tc.constraint_type = 'CHECK'",
            &[],
        )?,
        Backend::Sqlite => {
            let tables =
                connection.query("SELECT name, sql FROM sqlite_master WHERE type = 'table'", &[])?;
            let mut found = BTreeMap::new();
            for row in tables {
                let (table, definition) = (text(&row[0]).unwrap_or_default(), text(&row[1]).unwrap_or_default());
                for name in check_names(&definition) {
                    if let Some(expression) = sqlite_check(&definition, &name) {
                        found.insert((table.clone(), name), expression);
                    }
                }
            }
            return Ok(found);
        }
    };
    Ok(rows
        .iter()
        .map(|row| {
            let clause = text(&row[2]).unwrap_or_default();
            // PostgreSQL's `CHECK ((pages > 0))`: the expression inside.
            let expression = clause.trim().strip_prefix("CHECK ").unwrap_or(&clause).trim();
            (
                (text(&row[0]).unwrap_or_default(), text(&row[1]).unwrap_or_default()),
                unquote_plain_names(unwrap_parentheses(expression)),
            )
        })
        .collect())
}

/// Whether `information_schema.check_constraints` says which table each check is on (MariaDB's does).
fn mariadb_checks(connection: &mut Connection) -> Result<bool, DbError> {
    let rows = connection.query(
        "SELECT 1 FROM information_schema.columns WHERE table_schema = 'information_schema' \
         AND table_name = 'CHECK_CONSTRAINTS' AND column_name = 'TABLE_NAME'",
        &[],
    )?;
    Ok(!rows.is_empty())
}

/// The comment of each table (column `None`) and column of the current database or schema that has one,
/// by (table, column); SQLite keeps none.
pub(crate) fn comments(
    connection: &mut Connection,
) -> Result<BTreeMap<(String, Option<String>), String>, DbError> {
    let rows = match connection.backend() {
        Backend::Sqlite => return Ok(BTreeMap::new()),
        Backend::Postgres => connection.query(
            "SELECT c.relname::text, a.attname::text, col_description(c.oid, a.attnum) \
             FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND a.attnum > 0 \
             AND NOT a.attisdropped AND col_description(c.oid, a.attnum) IS NOT NULL \
             UNION ALL SELECT c.relname::text, NULL, obj_description(c.oid, 'pg_class') \
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') \
             AND obj_description(c.oid, 'pg_class') IS NOT NULL",
            &[],
        )?,
        Backend::Mysql => connection.query(
            "SELECT table_name, column_name, column_comment FROM information_schema.columns \
             WHERE table_schema = DATABASE() AND column_comment <> '' \
             UNION ALL SELECT table_name, NULL, table_comment FROM information_schema.tables \
             WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE' AND table_comment <> ''",
            &[],
        )?,
    };
    Ok(rows
        .iter()
        .filter_map(|row| {
            let comment = text(&row[2]).filter(|comment| !comment.is_empty())?;
            Some(((text(&row[0]).unwrap_or_default(), text(&row[1])), comment))
        })
        .collect())
}

/// MySQL's `` `pages` > 0 `` → `pages > 0`: backticks run on MySQL alone, and a plain lowercase name needs
/// no quotes anywhere. Names that need them, and string literals, are kept as written.
fn unquote_plain_names(expression: &str) -> String {
    let mut out = String::with_capacity(expression.len());
    let mut rest = expression;
    while let Some(at) = rest.find(['`', '\'']) {
        out.push_str(&rest[..at]);
        let quote = rest.as_bytes()[at] as char;
        let after = &rest[at + 1..];
        let end = after.find(quote).map_or(after.len(), |end| end + 1);
        let (quoted, tail) = after.split_at(end);
        let name = quoted.strip_suffix(quote).unwrap_or(quoted);
        let plain = !name.is_empty()
            && name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
            && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if quote == '`' && plain {
            out.push_str(name);
        } else {
            out.push(quote);
            out.push_str(quoted);
        }
        rest = tail;
    }
    out.push_str(rest);
    out
}

/// `((a > 0))` → `a > 0`, only where the outer parentheses enclose the whole expression.
fn unwrap_parentheses(mut expression: &str) -> &str {
    while expression.starts_with('(') && balanced_end(expression) == Some(expression.len() - 1) {
        expression = expression[1..expression.len() - 1].trim();
    }
    expression
}

/// The byte position of the parenthesis closing the one `text` starts with, outside quotes.
fn balanced_end(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut quote = None;
    for (at, c) in text.char_indices() {
        match (quote, c) {
            (Some(open), c) if c == open => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"' | '`') => quote = Some(c),
            (None, '(') => depth += 1,
            (None, ')') => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(at);
                }
            }
            _ => {}
        }
    }
    None
}

/// The text of SQLite's `CONSTRAINT <name> CHECK (<expression>)` in a table's definition.
fn sqlite_check(definition: &str, name: &str) -> Option<String> {
    let lower = definition.to_ascii_lowercase();
    for spelled in [format!("\"{name}\""), format!("`{name}`"), format!("[{name}]"), name.to_owned()] {
        let needle = format!("constraint {}", spelled.to_ascii_lowercase());
        let Some(at) = lower.find(&needle) else { continue };
        let rest = definition[at + needle.len()..].trim_start();
        let Some(after) = rest.get(..5).filter(|word| word.eq_ignore_ascii_case("check")).map(|_| &rest[5..])
        else {
            continue;
        };
        let body = after.trim_start();
        let end = balanced_end(body)?;
        return Some(body[1..end].trim().to_owned());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_names_are_read_outside_literals() {
        let sql = r#"CREATE TABLE "t" ( "a" integer, CONSTRAINT "t_a_positive" CHECK (a >= 0), b text DEFAULT 'CONSTRAINT "x" CHECK', CONSTRAINT "we""ird" CHECK (a < 9) )"#;
        assert_eq!(check_names(sql), ["t_a_positive", "we\"ird"]);
    }

    #[test]
    fn check_expressions_are_cut_out_whole() {
        let sql = r#"CREATE TABLE t (a integer, CONSTRAINT "a_range" CHECK ((a > 0) AND a < ')'), b text)"#;
        assert_eq!(sqlite_check(sql, "a_range").as_deref(), Some("(a > 0) AND a < ')'"));
        assert_eq!(sqlite_check(sql, "missing"), None);
        assert_eq!(unwrap_parentheses("((pages > 0))"), "pages > 0");
        assert_eq!(unwrap_parentheses("(a > 0) AND (b > 0)"), "(a > 0) AND (b > 0)");
        assert_eq!(
            unquote_plain_names("`pages` > 0 and `Odd Name` <> '`x`'"),
            "pages > 0 and `Odd Name` <> '`x`'"
        );
    }
}
