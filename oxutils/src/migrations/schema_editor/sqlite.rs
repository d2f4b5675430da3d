//! SQLite: `ALTER TABLE` renames tables, columns and (by drop and create) indexes, and adds simple
//! columns; every other change rebuilds the table (new table, copy, drop, rename, indexes), which keeps
//! every row. The executor turns foreign key enforcement off around a rebuild, as SQLite's documentation
//! prescribes, and checks every key before committing. SQLite keeps no comments.

use super::{SchemaEditor, not_null_fill, only_renamed, rename_field_in_place, rename_table};
use crate::db::{Connection, DbError};
use crate::ddl;
use crate::dialect::Backend;
use crate::schema::{FieldSchema, Literal, ModelSchema, check_name};

pub(super) struct SqliteEditor;

impl SchemaEditor for SqliteEditor {
    fn backend(&self) -> Backend {
        Backend::Sqlite
    }

    fn rename_table(&self, old: &ModelSchema, new: &ModelSchema) -> Vec<String> {
        let mut sql = rename_table(self, old, new, Vec::new());
        if !sql.is_empty() {
            sql.extend(rename_checks(old, new));
        }
        sql
    }

    fn alter_table_comment(&self, _model: &ModelSchema, _comment: Option<&str>) -> Vec<String> {
        Vec::new()
    }

    /// ADD COLUMN cannot add a key, a unique column or a NOT NULL column without a default: those rebuild.
    fn add_field(
        &self,
        old: &ModelSchema,
        new: &ModelSchema,
        field: &FieldSchema,
        backfill: Option<&Literal>,
    ) -> Vec<String> {
        // A one-off value for existing rows would be a default dropped again afterwards, which SQLite
        // cannot do (a squash keeps one on a field it also made nullable): the table is rebuilt instead.
        let simple = (field.nullable || field.default.is_some())
            && (backfill.is_none() || field.default.is_some())
            && !field.unique
            && !field.primary_key
            && field.foreign_key.is_none()
            && field.choices.is_none();
        if !simple {
            return rebuild(old, new, backfill.map(|value| (field.name.as_str(), value)).as_slice());
        }
        super::add_column(self, &new.table, field, backfill, None)
    }

    fn remove_field(&self, old: &ModelSchema, new: &ModelSchema, _field: &FieldSchema) -> Vec<String> {
        rebuild(old, new, &[])
    }

    fn alter_field(
        &self,
        old_model: &ModelSchema,
        new_model: &ModelSchema,
        old: &FieldSchema,
        new: &FieldSchema,
        backfill: Option<&Literal>,
    ) -> Vec<String> {
        if only_renamed(old, new) {
            let mut sql = rename_field_in_place(self, old_model, new_model, old, new);
            sql.extend(rename_checks(old_model, new_model));
            return sql;
        }
        // The rebuild copies the column by field name, so a rename comes with it.
        let fills: Vec<(&str, &Literal)> =
            not_null_fill(old, new, backfill).map(|value| (new.name.as_str(), value)).into_iter().collect();
        rebuild(old_model, new_model, &fills)
    }

    /// SQLite cannot add or drop a CHECK: the table is rebuilt with the new model's.
    fn add_check(&self, old: &ModelSchema, new: &ModelSchema, _name: &str, _expr: &str) -> Vec<String> {
        rebuild(old, new, &[])
    }

    fn drop_check(&self, old: &ModelSchema, new: &ModelSchema, _name: &str) -> Vec<String> {
        rebuild(old, new, &[])
    }

    /// Foreign keys are checked at the end rather than enforced midway, because a table rebuild drops and
    /// re-creates tables others point at; SQLite ignores the pragma inside a transaction.
    fn before_atomic_migration(&self, connection: &mut Connection) -> Result<(), DbError> {
        connection.batch("PRAGMA foreign_keys = OFF")
    }

    fn check_before_commit(&self, transaction: &mut Connection) -> Result<(), DbError> {
        let broken = transaction.query("PRAGMA foreign_key_check", &[])?;
        if let Some(row) = broken.first() {
            // foreign_key_check gives the table, the rowid, and the table pointed at.
            let text = |index: usize| match row.get(index) {
                Some(sea_query::Value::String(Some(text))) => text.clone(),
                Some(sea_query::Value::BigInt(Some(number))) => number.to_string(),
                _ => "?".to_owned(),
            };
            return Err(DbError::query(
                "PRAGMA foreign_key_check",
                format!(
                    "{} broken foreign keys; the first: row {} of `{}` points at a row of `{}` that does \
                     not exist",
                    broken.len(),
                    text(1),
                    text(0),
                    text(2)
                ),
            ));
        }
        Ok(())
    }

    fn after_atomic_migration(&self, connection: &mut Connection) -> Result<(), DbError> {
        connection.batch("PRAGMA foreign_keys = ON")
    }

    /// SQLite has no `ALTER INDEX`: the index is dropped and created again.
    fn rename_index(
        &self,
        table: &str,
        from: &str,
        to: &str,
        columns: &[String],
        unique: bool,
    ) -> Vec<String> {
        vec![
            ddl::drop_index(table, from, Backend::Sqlite),
            ddl::create_index(table, to, columns, unique, Backend::Sqlite),
        ]
    }

    /// A rebuild replaces keys and checks; only indexes are addressed by name.
    fn rename_field_constraints(
        &self,
        _old_model: &ModelSchema,
        _new_model: &ModelSchema,
        _old: &FieldSchema,
        _new: &FieldSchema,
    ) -> Vec<String> {
        Vec::new()
    }
}

/// SQLite cannot rename a constraint: where a choice column's CHECK is named after a table or column that
/// was just renamed, the renamed table is rebuilt, which creates the CHECK under its new name.
fn rename_checks(old: &ModelSchema, new: &ModelSchema) -> Vec<String> {
    let renamed = old.fields.iter().zip(&new.fields).any(|(before, after)| {
        after.choices.is_some()
            && check_name(&old.table, &before.column) != check_name(&new.table, &after.column)
    });
    if renamed { rebuild(new, new, &[]) } else { Vec::new() }
}

/// SQLite's table rebuild: the new table under a temporary name, every row copied, the old table dropped,
/// the new one renamed into place and its indexes created. Fields are matched by name. A new field takes
/// its value from `fills`, else its default, else NULL; an existing field made NOT NULL takes its value
/// from `fills`, else its default, where it held NULL.
pub(crate) fn rebuild(old: &ModelSchema, new: &ModelSchema, fills: &[(&str, &Literal)]) -> Vec<String> {
    let backend = Backend::Sqlite;
    let q = |name: &str| backend.quote_identifier(name);
    let temporary = format!("new__{}", new.table);
    fn fill_of<'a>(fills: &[(&str, &'a Literal)], field: &'a FieldSchema) -> Option<&'a Literal> {
        fills.iter().find(|(name, _)| *name == field.name).map(|(_, value)| *value).or(field.default.as_ref())
    }
    let mut columns = Vec::new();
    let mut sources = Vec::new();
    for field in &new.fields {
        let source = match old.field(&field.name) {
            Some(existing) if existing.nullable && !field.nullable => match fill_of(fills, field) {
                Some(value) => {
                    format!("COALESCE({}, {})", q(&existing.column), ddl::render_literal(value, backend))
                }
                None => q(&existing.column),
            },
            Some(existing) => q(&existing.column),
            None => match fill_of(fills, field) {
                Some(value) => ddl::render_literal(value, backend),
                None => continue,
            },
        };
        columns.push(q(&field.column));
        sources.push(source);
    }
    let mut sql = vec![
        ddl::create_table_named(new, backend, &temporary),
        format!(
            "INSERT INTO {} ({}) SELECT {} FROM {}",
            q(&temporary),
            columns.join(", "),
            sources.join(", "),
            q(&old.table)
        ),
        format!("DROP TABLE {}", q(&old.table)),
        format!("ALTER TABLE {} RENAME TO {}", q(&temporary), q(&new.table)),
    ];
    sql.extend(ddl::index_statements(new, backend));
    sql
}
