//! What `inspectdb` reads from a catalog beside a [`DbSchema`]: each table's column order, the expression
//! of each CHECK constraint, and the comments of tables and columns.

use super::catalog::{check_names, text};
use super::{DbSchema, table_columns};
use crate::db::{Connection, DbError};
use crate::dialect::Backend;
use std::collections::BTreeMap;

/// What `inspectdb` reads beside a [`DbSchema`], which compares databases and so keeps no column order,
/// check expressions or comments.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct CatalogDetails {
    /// Each table's columns in declaration order.
    pub(crate) column_order: BTreeMap<String, Vec<String>>,
    /// Each CHECK constraint's expression by (table, constraint), as the backend keeps it.
    pub(crate) checks: BTreeMap<(String, String), String>,
    /// Each comment by (table, column), the table's own under column `None`.
    pub(crate) comments: BTreeMap<(String, Option<String>), String>,
}

/// The column order, check expressions and comments of the tables of `schema`.
pub(crate) fn catalog_details(
    connection: &mut Connection,
    schema: &DbSchema,
) -> Result<CatalogDetails, DbError> {
    let mut column_order = BTreeMap::new();
    for table in schema.tables.keys() {
        let columns = table_columns(connection, table)?.unwrap_or_default();
        column_order.insert(table.clone(), columns.into_iter().map(|column| column.name).collect());
    }
    Ok(CatalogDetails {
        column_order,
        checks: check_expressions(connection)?,
        comments: comments(connection)?,
    })
}

/// The expression of each CHECK constraint of the current database or schema, by (table, constraint), as
/// the backend keeps it: PostgreSQL deparses it, MySQL/MariaDB normalize it, SQLite keeps the text written.
fn check_expressions(connection: &mut Connection) -> Result<BTreeMap<(String, String), String>, DbError> {
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
fn comments(connection: &mut Connection) -> Result<BTreeMap<(String, Option<String>), String>, DbError> {
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
